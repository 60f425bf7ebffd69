"""What users pick instead of a foreign data wrapper, and the floor under any of them.

The peers are PL/Python functions (plpython3u, Debian's postgresql-plpython3-15)
calling the same service through ``requests``, written as a user would:

* ``words_all()``: the whole word list, read with the service's own paging
  (``limit=10000&offset=...`` until ``total``); SQL filters, sorts and counts;
* ``words_get(query)``: one GET of ``/words?<query>``, the parameters typed by
  hand per query (cases.HAND_PUSHED), ``limit`` included where more than the
  service's default page is wanted;
* ``words_total(query)``: the ``total`` of one GET, for a hand-pushed count.

Each keeps one ``requests.Session`` per backend (in PL/Python's GD), so its
connection stays alive between calls, as a user who cares for speed writes
it. ``requests`` comes from the benchmark's own virtual environment: its
site-packages directory is found when the functions are created and written
into them, as a user adds a directory to ``sys.path``.

They live in a database of their own (cases.PLPYTHON_DB): where a database
has plpython3u, the engine lets PL/Python start Python in every backend that
uses a foreign table, and the foreign tables are measured as users without
PL/Python run them.

The floor (``BareClient`` and ``floor_url``) is what no SQL-over-HTTP can go
below: a ``SELECT 1`` round trip through psycopg plus one bare loopback GET,
by http.client on a kept-alive connection from the benchmark's process, of
the request the foreign table sends; the GET's time holds the service's own.
"""
import http.client
import json
import os
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests

from .cases import PLPYTHON_DB

PAGE = 10000  # the service's largest page (mock_service's MAX_PAGE_SIZE)

# The start of every function: one Session per backend, requests from the venv.
SESSION = '''
session = GD.get("words_session")
if session is None:
    import sys
    if {site!r} not in sys.path:
        sys.path.append({site!r})
    import requests
    session = GD["words_session"] = requests.Session()
'''

FUNCTIONS = {
    "words_all() RETURNS TABLE (id int, word varchar)": '''
rows, offset = [], 0
while True:
    response = session.get({url!r} + "/words", params={{"limit": {page}, "offset": offset}},
                           timeout=30)
    response.raise_for_status()
    page = response.json()
    rows += [(record["id"], record["word"]) for record in page["records"]]
    offset += len(page["records"])
    if not page["records"] or offset >= page["total"]:
        return rows
''',
    "words_get(query text) RETURNS TABLE (id int, word varchar)": '''
response = session.get({url!r} + "/words?" + query, timeout=30)
response.raise_for_status()
return [(record["id"], record["word"]) for record in response.json()["records"]]
''',
    "words_total(query text) RETURNS bigint": '''
response = session.get({url!r} + "/words?" + query, timeout=30)
response.raise_for_status()
return response.json()["total"]
''',
}


def site_packages():
    """The directory this process imports requests from (the venv's site-packages)."""
    return os.path.dirname(os.path.dirname(os.path.abspath(requests.__file__)))


def create(env, conn):
    """The peers' database, plpython3u in it and the functions, calling ``env``'s service.

    ``conn``: a connection to the main database (to create the other one).
    Raises psycopg.Error, with PostgreSQL's message, where PL/Python is not
    installed: the peers are part of every run.
    """
    conn.execute("CREATE DATABASE %s" % PLPYTHON_DB)
    with env.connect(PLPYTHON_DB) as peers:
        peers.execute("CREATE EXTENSION plpython3u")
        for signature, body in FUNCTIONS.items():
            source = SESSION.format(site=site_packages()) + body.format(url=env.service.url,
                                                                       page=PAGE)
            peers.execute("CREATE FUNCTION %s LANGUAGE plpython3u AS $peer$%s$peer$"
                          % (signature, source))


def floor_url(urls, rows):
    """The one request of the floor for a query whose foreign table sent ``urls`` (paths).

    The foreign table's own request where it sent one; where it sent several
    pages, the first one's parameters asking for all ``rows`` in one page;
    None where it sent none. Raises ValueError where one page cannot hold
    ``rows``.
    """
    if len(urls) <= 1:
        return urls[0] if urls else None
    if rows > PAGE:
        raise ValueError("%d rows do not fit in one page of at most %d" % (rows, PAGE))
    parts = urlsplit(urls[0])
    query = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True)
             if name not in ("limit", "offset")]
    return parts.path + "?" + urlencode(query + [("limit", str(rows))])


class BareClient:
    """GETs of paths on one service through one kept-alive http.client connection."""

    def __init__(self, base_url):
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)

    def get(self, path):
        """The body of ``GET path``; raises RuntimeError unless the status is 200."""
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError("GET %s: HTTP %d %s" % (path, response.status, body[:200]))
        return body

    def total(self, path):
        """The ``total`` of the JSON answer to ``GET path``."""
        return json.loads(self.get(path))["total"]

    def close(self):
        self.connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
