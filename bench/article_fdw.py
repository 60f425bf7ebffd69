"""The 2017 article's wrapper, kept as it was written: the baseline every number is compared to.

Each scan downloads the whole word list and yields every record; PostgreSQL
filters, sorts and limits the rows itself. The only change is that the URL
may come from the ``url`` option (the article hard-coded it), so the
benchmark can point it at a service on any port.
"""
import requests
from fdw.multicorn_compat import ForeignDataWrapper

ARTICLE_URL = 'http://localhost:9999/'


class DictionaryFDW(ForeignDataWrapper):

    def __init__(self, options, columns):
        super(DictionaryFDW, self).__init__(options, columns)
        self.url = options.get('url', ARTICLE_URL)

    def execute(self, quals, columns):
        response = requests.get(self.url)
        data = response.json()

        for row in data['records']:
            yield row
