"""Requests per query: what a query costs in round trips to the service, through the engine,
the real wrapper, real HTTP and the real mock service (the request log says what was sent)."""
import pytest
import requests


@pytest.fixture(scope="module")
def lookups(cluster, service):
    """speed.words: the dictionary service as a RestFDW table with a planning count."""
    import psycopg

    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS speed CASCADE")
        conn.execute("DROP SERVER IF EXISTS speed_srv CASCADE")
        conn.execute("CREATE SCHEMA speed")
        conn.execute("CREATE SERVER speed_srv FOREIGN DATA WRAPPER restcorn OPTIONS "
                     "(wrapper 'fdw.DictionaryFDW', url '%s')" % service.url)
        conn.execute('CREATE FOREIGN TABLE speed.words (id int, word varchar COLLATE "C") '
                     "SERVER speed_srv")
    return "speed.words"


def sent(service):
    """The requests the service received for words since the log was cleared."""
    return [entry["args"] for entry in requests.get(service.url + "/_log").json()["requests"]
            if entry["path"] == "/words"]


def clear(service):
    requests.delete(service.url + "/_log").raise_for_status()


def test_lookup_of_a_new_value_is_one_request(db, lookups, words, service):
    """issue 13: WHERE id = 42 after WHERE id = 7 sent a limit=0 count for 42 first."""
    assert db.rows("SELECT id, word FROM speed.words WHERE id = 7") == [(7, words[6])]
    clear(service)
    assert db.rows("SELECT id, word FROM speed.words WHERE id = 42") == [(42, words[41])]
    (request,) = [request for request in sent(service) if "id" in request]
    assert request["id"] == ["42"] and request.get("limit") != ["0"]


@pytest.mark.parametrize("values", [(1, 104334, 50000), (3, 3, 99)])
def test_each_new_value_of_a_counted_shape_is_one_request(db, lookups, words, service, values):
    db.rows("SELECT id FROM speed.words WHERE id >= 104000")
    for value in values:
        clear(service)
        rows = db.rows("SELECT id, word FROM speed.words WHERE id >= %s ORDER BY id", [value])
        assert rows == [(i + 1, words[i]) for i in range(value - 1, len(words))]
        ours = [request for request in sent(service) if "id_gte" in request]
        assert ours and all(request.get("limit") != ["0"] for request in ours), ours


def test_another_shape_is_counted_once(db, lookups, words, service):
    db.rows("SELECT id FROM speed.words WHERE id = 7")
    clear(service)
    rows = db.rows("SELECT id FROM speed.words WHERE word LIKE 'house%'")
    assert sorted(rows) == [(i + 1,) for i, w in enumerate(words) if w.startswith("house")]
    counts = [request for request in sent(service) if request.get("limit") == ["0"]]
    assert len(counts) == 1 and counts[0]["word_like"] == ["house%"]


# --- the transport (http.client): keep-alive, services closing idle connections, compression --

import gzip  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import zlib  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stub_http import StubHandler, serve  # noqa: E402

RECORDS = [{"id": i, "name": "name %d" % i} for i in range(1, 6)]
BODY = json.dumps({"records": RECORDS, "total": len(RECORDS)}).encode()
ENCODED = {"/plain": (BODY, None), "/gzip": (gzip.compress(BODY), "gzip"),
           "/deflate": (zlib.compress(BODY), "deflate"),
           "/raw-deflate": (zlib.compress(BODY, wbits=-15), "deflate"),
           "/bomb": (gzip.compress(b'{"records": [' + b" " * 50_000_000 + b"]}"), "gzip")}


class Handler(StubHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    ports = []  # the client port of every request: one per connection

    def do_GET(self):
        Handler.ports.append(self.client_address[1])
        path = self.path.split("?")[0]
        closing = path.startswith("/closing")
        body, encoding = ENCODED[path.replace("/closing", "") or "/plain"]
        if "offset=" in self.path:
            body, encoding = json.dumps({"records": [], "total": len(RECORDS)}).encode(), None
        self.send_body(200, body, content_type=None,
                       headers={"Content-Encoding": encoding} if encoding else None)
        self.wfile.flush()
        if closing:  # closes the idle connection without saying so (Connection: close)
            self.close_connection = True


@pytest.fixture(scope="module")
def stub(cluster):
    import psycopg

    with serve(Handler) as url, psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        conn.execute("DROP SERVER IF EXISTS speed_stub CASCADE")
        conn.execute("CREATE SERVER speed_stub FOREIGN DATA WRAPPER restcorn OPTIONS "
                     "(wrapper 'fdw.RestFDW', url '%s', retries '0', "
                     "use_remote_estimate 'false')" % url)
        for path in list(ENCODED) + ["/closing"]:
            conn.execute("DROP FOREIGN TABLE IF EXISTS speed.stub_%s" % path.strip("/").replace("-", "_"))
            conn.execute("CREATE FOREIGN TABLE speed.stub_%s (id int, name text) SERVER speed_stub "
                         "OPTIONS (path '%s', max_response_bytes '10000000')"
                         % (path.strip("/").replace("-", "_"), path))
        yield url


@pytest.mark.parametrize("table", ["plain", "gzip", "deflate", "raw_deflate"])
def test_compressed_answers_are_read_exactly(db, lookups, stub, table):
    rows = db.rows("SELECT id, name FROM speed.stub_%s ORDER BY id" % table)
    assert rows == [(record["id"], record["name"]) for record in RECORDS]


def test_a_small_body_that_decompresses_past_the_limit_is_an_error(db, lookups, stub):
    with pytest.raises(Exception) as raised:
        db.rows("SELECT id FROM speed.stub_bomb")
    assert "sent more than 10000000 bytes, more than max_response_bytes" in str(raised.value)


def test_queries_of_a_backend_share_one_connection(db, lookups, stub):
    Handler.ports.clear()
    for _ in range(3):
        assert len(db.rows("SELECT id FROM speed.stub_plain")) == len(RECORDS)
    assert len(Handler.ports) >= 3 and len(set(Handler.ports)) == 1


def test_a_connection_the_service_closed_is_not_reused(db, lookups, stub):
    """With retries '0', a kept-alive connection the service closed while idle must not fail."""
    for _ in range(3):
        rows = db.rows("SELECT id, name FROM speed.stub_closing ORDER BY id")
        assert rows == [(record["id"], record["name"]) for record in RECORDS]


def test_count_star_is_one_request_without_rows(db, lookups, words, service):
    """issue 13: count(*) sent limit=0, then the engine counted one empty row per record."""
    clear(service)
    assert db.value("SELECT count(*) FROM speed.words") == len(words)
    (request,) = sent(service)
    assert request["limit"] == ["0"]
    assert "Aggregate" not in db.plan("SELECT count(*) FROM speed.words")


def test_a_query_imports_no_more_than_it_needs():
    """issue 13: the first query of a backend imported urllib3, YAML and the OpenAPI import;
    then logging (the engine's API), inspect and dataclasses (tens of milliseconds together in
    a new backend), and the rate limiter for tables without rate_limit."""
    import subprocess

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = ("import sys, restcorn_engine.host, fdw; print(' '.join(m for m in ('urllib3', "
            "'requests', 'yaml', 'fdw.openapi', 'tempfile', 'logging', 'inspect', 'dataclasses', "
            "'fdw.ratelimit') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=root, env=dict(os.environ, PYTHONPATH=os.path.join(root, "engine",
                                                                                   "python")))
    assert loaded.stdout.split() == []


def test_https_verifies_the_certificate(db, lookups, tmp_path):
    """The service's certificate is verified (here a self-signed one): a clear ERROR, no data."""
    import ssl
    import subprocess
    import threading
    from http.server import ThreadingHTTPServer

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = "https://127.0.0.1:%d" % server.server_address[1]
        db.execute("DROP SERVER IF EXISTS speed_tls CASCADE")
        db.execute("CREATE SERVER speed_tls FOREIGN DATA WRAPPER restcorn OPTIONS "
                   "(wrapper 'fdw.RestFDW', url '%s', retries '0')" % url)
        db.execute("CREATE FOREIGN TABLE speed.tls (id int, name text) SERVER speed_tls "
                   "OPTIONS (path '/plain')")
        with pytest.raises(Exception) as raised:
            db.rows("SELECT id FROM speed.tls")
        assert "could not reach %s/plain" % url in str(raised.value)
        assert "CERTIFICATE_VERIFY_FAILED" in str(raised.value.diag.message_detail)
    finally:
        server.shutdown()
        server.server_close()
