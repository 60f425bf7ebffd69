"""Each pagination style against a small stub service: whole walks, lazy pages, loops, other hosts.

The mock service builds its next-page URLs from the request's own host, so
a next page on another host (which must be refused: credentials would go
there) is shown here with a stub that answers one.
"""
import json
import os
import sys
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "engine", "python"))

import pytest  # noqa: E402
from restcorn_engine import ColumnDefinition, MulticornException  # noqa: E402

from fdw import RestFDW  # noqa: E402
from stub_http import StubHandler, serve  # noqa: E402
from fdw.pagination import READ_BEFORE_SENDING_AHEAD, next_link  # noqa: E402

RECORDS = [{"id": i, "name": "n%d" % i} for i in range(1, 26)]
COLUMNS = {"id": ColumnDefinition("id", 23, -1, "integer", "integer"),
           "name": ColumnDefinition("name", 25, -1, "text", "text")}
SEEN = []  # (path, query) of every request


class Handler(StubHandler):
    def do_GET(self):
        parts = urlsplit(self.path)
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        SEEN.append((parts.path, query))
        size = int(query.get("limit", "10"))
        start = query.get("cursor", query.get("after", "0"))
        start = int(start) if start.isdigit() else 10
        page = RECORDS[start:start + size]
        more = start + size < len(RECORDS)
        after = str(start + size)
        base = "http://127.0.0.1:%d" % self.server.server_address[1]
        headers = {}
        if parts.path == "/cursor":
            body = {"data": {"items": page}, "meta": {"next_cursor": after if more else None}}
        elif parts.path == "/cursor-loop":
            body = {"data": {"items": page}, "meta": {"next_cursor": "same"}}
        elif parts.path == "/cursor-object":
            body = {"data": {"items": page}, "meta": {"next_cursor": {"after": 1}}}
        elif parts.path == "/next":  # relative next URLs
            link = "/next?after=%s&limit=%d" % (after, size)
            body = {"items": page, "next": link if more else None}
        elif parts.path == "/next-loop":
            body = {"items": page, "next": base + "/next-loop?after=0&limit=%d" % size}
        elif parts.path == "/next-elsewhere":
            body = {"items": page, "next": "http://localhost:%d/next?after=%s"
                    % (self.server.server_address[1], after)}
        elif parts.path == "/next-other-port":
            body = {"items": page, "next": "http://127.0.0.1:1/next?after=%s" % after}
        elif parts.path == "/next-https":
            body = {"items": page, "next": base.replace("http:", "https:") + "/next?after=1"}
        elif parts.path in ("/link", "/link-elsewhere"):
            body = page
            host = base if parts.path == "/link" else "http://evil.example"
            links = ['<%s/link?cursor=0>; rel="first"' % base]
            if more:
                links.append('<%s/link?cursor=%s&limit=%d>; rel="next last"' % (host, after, size))
            headers["Link"] = ", ".join(links)
        elif parts.path == "/page":
            number = int(query.get("page", "1"))
            body = {"results": RECORDS[(number - 1) * size:number * size], "count": len(RECORDS)}
        elif parts.path == "/page-ignored":  # a service that ignores the page parameter
            body = {"results": RECORDS[:size]}
        elif parts.path == "/everything":
            body = {"records": RECORDS}
        else:
            body = {"error": "no such path"}
        data = json.dumps(body).encode()
        self.send_body(200 if "error" not in body else 404, data, content_type=None,
                       headers=headers)


@pytest.fixture(scope="module")
def stub():
    with serve(Handler) as url:
        yield url


@pytest.fixture(autouse=True)
def seen():
    SEEN.clear()
    return SEEN


STYLES = {
    "cursor": {"path": "/cursor", "pagination": "cursor", "records_path": "data.items",
               "cursor_path": "meta.next_cursor"},
    "next_url": {"path": "/next", "pagination": "next_url", "records_path": "items"},
    "link": {"path": "/link", "pagination": "link", "records_path": "", "cursor_param": "x"},
    "page": {"path": "/page", "pagination": "page", "records_path": "results",
             "total_key": "count"},
    "none": {"path": "/everything", "pagination": "none"},
}


def wrapper(stub, **options):
    return RestFDW(dict({"url": stub, "page_size": "10", "fields_param": ""}, **options), COLUMNS)


def error_of(fdw, quals=()):
    with pytest.raises(MulticornException) as raised:
        list(fdw.execute(list(quals), {"id"}))
    return raised.value


@pytest.mark.parametrize("style", sorted(STYLES))
def test_every_style_walks_all_records(stub, style, seen):
    rows = list(wrapper(stub, **STYLES[style]).execute([], {"id", "name"}))
    assert rows == RECORDS
    assert len(seen) == (1 if style == "none" else 3)


def test_page_numbers_and_sizes(stub, seen):
    list(wrapper(stub, **STYLES["page"]).execute([], {"id"}))
    assert [query for _, query in seen] == [{"limit": "10", "page": str(number)}
                                            for number in (1, 2, 3)]


@pytest.mark.parametrize("style", ["cursor", "next_url", "link", "page"])
def test_pages_are_fetched_lazily(stub, style, seen):
    rows = wrapper(stub, **STYLES[style]).execute([], {"id"})
    for _ in range(10):
        next(rows)
    assert len(seen) == 1
    next(rows)
    # page 2, and page 3 when it is sent ahead while page 2 is read (pagination.py)
    assert len(seen) in ((2, 3) if READ_BEFORE_SENDING_AHEAD == 1 else (2,))
    list(rows)  # to the end: no request sent ahead reaches the stub in the next test


def test_next_url_on_another_host_is_refused(stub, seen):
    error = error_of(wrapper(stub, path="/next-elsewhere", pagination="next_url",
                             records_path="items"))
    assert error.message.startswith("the answer of %s/next-elsewhere?limit=10 gives the next page "
                                    "on another host: http://localhost:" % stub)
    assert "url option" in error.hint
    assert [path for path, _ in seen] == ["/next-elsewhere"]


@pytest.mark.parametrize("path", ["/next-other-port", "/next-https"])
def test_next_url_on_another_port_or_scheme_is_refused(stub, path, seen):
    error = error_of(wrapper(stub, path=path, pagination="next_url", records_path="items"))
    assert "gives the next page on another host" in error.message
    assert len(seen) == 1


def test_link_header_to_another_host_is_refused(stub, seen):
    error = error_of(wrapper(stub, path="/link-elsewhere", pagination="link", records_path=""))
    assert "gives the next page on another host: http://evil.example/link?" in error.message
    assert len(seen) == 1


def test_credentials_follow_next_urls_on_the_same_host(stub, seen):
    rows = list(wrapper(stub, path="/next", pagination="next_url", records_path="items",
                        api_key="k3y", api_key_param="key").execute([], {"id"}))
    assert len(rows) == 25
    assert [query.get("key") for _, query in seen] == ["k3y"] * 3


def test_a_repeated_cursor_is_a_loop(stub, seen):
    error = error_of(wrapper(stub, path="/cursor-loop", pagination="cursor",
                             records_path="data.items", cursor_path="meta.next_cursor"))
    assert error.message.startswith("the service's paging is in a loop: ")
    assert "cursor=same" in error.message and len(seen) == 2


def test_a_repeated_next_url_is_a_loop(stub, seen):
    error = error_of(wrapper(stub, path="/next-loop", pagination="next_url", records_path="items"))
    assert "in a loop" in error.message or "same records as the page before" in error.message
    assert len(seen) <= 3


def test_an_ignored_page_parameter_is_a_loop(stub, seen):
    error = error_of(wrapper(stub, path="/page-ignored", pagination="page", records_path="results"))
    assert "same records as the page before" in error.message
    # pages 1 and 2; page 3 too when it was sent ahead while page 2 was read
    assert len(seen) in ((2, 3) if READ_BEFORE_SENDING_AHEAD == 1 else (2,))


def test_a_cursor_must_be_a_string(stub):
    error = error_of(wrapper(stub, path="/cursor-object", pagination="cursor",
                             records_path="data.items", cursor_path="meta.next_cursor"))
    assert 'under "meta.next_cursor", not a cursor' in error.message


@pytest.mark.parametrize("style", ["cursor", "next_url", "link", "page"])
def test_max_pages_caps_every_style(stub, style, seen):
    error = error_of(wrapper(stub, max_pages="2", **STYLES[style]))
    assert "needs more than max_pages (2) pages" in error.message
    assert len(seen) == 2


def test_missing_records_path(stub):
    error = error_of(wrapper(stub, path="/next", pagination="next_url", records_path="data.items"))
    assert error.message.endswith('has no list under "data.items"')
    assert "records_path" in error.hint


@pytest.mark.parametrize("header, url", [
    ('<http://a/2>; rel="next"', "http://a/2"),
    ('<http://a/1>; rel="prev", <http://a/3>; rel=next', "http://a/3"),
    ('<http://a/1>; rel="first"; title="x, y", <http://a/4>; rel="last next"', "http://a/4"),
    ('<http://a/5>; REL="Next"', "http://a/5"),
    ('<http://a/1>; rel="nextish"', None),
    ("", None),
])
def test_link_headers(header, url):
    assert next_link(header) == url
