"""DictionaryFDW: the article's dictionary table, usable with no options at all.

    CREATE SERVER s FOREIGN DATA WRAPPER multicorn OPTIONS (wrapper 'fdw.DictionaryFDW');
    CREATE FOREIGN TABLE dictionary (id int, word varchar) SERVER s;

Only defaults differ from RestFDW; any option (``url``, say) overrides them.
"""
from .rest import RestFDW


class DictionaryFDW(RestFDW):
    """The dictionary service (``GET /words``) on its default address."""

    default_options = {
        "url": "http://127.0.0.1:9999",
        "path": "/words",
        "page_size": "10000",
        # The dictionary holds no NULLs; its service sorts them as PostgreSQL does by default.
        "null_order": "larger",
    }
    default_column_options = {
        "id": {"filters": "eq,in,lt,le,gt,ge", "sortable": "true"},
        # The article's table declares no COLLATE: the database's default (default_collation).
        "word": {"filters": "eq,in,lt,le,gt,ge,like,ilike", "sortable": "true",
                 "collation": "default"},
    }
