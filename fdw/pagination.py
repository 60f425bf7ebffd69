"""How a scan walks a result's pages: one small strategy per pagination style.

A strategy says what the first request is and, from an answer, what the
next one is (None when the result is complete). fetch_pages runs the loop
and does what every style shares: it requests a page only when the one
before has been consumed, checks each page (http.check_page, the column
types), caps the pages at ``max_pages``, and calls it a loop when a request
repeats or a page repeats any page before.

The end of the data is never guessed. A scan ends only on a signal that
cannot be misread: the total the service reports reached, an empty page,
a cursor or next URL present and null or empty, a Link header without a
next link. A page shorter than asked for does not end it (the service may
cap its page size: GitHub gives at most 100); an answer that gives no
signal at all is an ERROR naming the option to set.

    offset    limit + offset parameters; the only style that can skip rows and
              stop at a LIMIT exactly, so the only one LIMIT/OFFSET is pushed to;
              ends at the total or an empty page
    page      page number + page size parameters; ends at the total or an empty page
    cursor    a token from the answer (cursor_path) sent back as cursor_param
    next_url  the next page's URL in the answer (next_path)
    link      the next page's URL in an RFC 8288 Link header, rel="next"
    none      one request answers everything

A next page's URL comes from the service, so it must be on the url option's
scheme, host and port: credentials are never sent anywhere else.
"""
import re
from collections import namedtuple

from . import stats, types
from .errors import FdwError, excerpt
from .http import MAX_COUNT, NO_CONTENT, check_page, get_answer, is_count, records_of, show
from .pushdown import FIRST_PAGE, GROWTH, page_params
from .records import find, keys_of
from .types import json_text
from .urls import MAX_URL_LENGTH, follow, origin, request_url

# One request of a scan: ``start`` is the offset of its first record (offset
# style only, else None), ``count`` the most records it may hold (None: unknown).
Request = namedtuple("Request", ["url", "start", "count"])
ABSENT = object()  # what find gives for a key the answer does not have
REPEAT_CHECK = 100  # the records of a page compared to tell pages apart
COUNT_DIGITS = 19  # the most digits of a count header (MAX_COUNT has 19)


def total_of(table, answer):
    """The match count an answer reports, or None.

    From the ``total_header`` header (X-Total-Count) when that option is
    set, else under ``total_key`` in the body ('' for neither: no count).
    """
    if table.total_header:
        text = answer.headers.get(table.total_header)
        text = text.strip() if isinstance(text, str) else ""
        readable = text and len(text) <= COUNT_DIGITS and text.isascii() and text.isdigit()
        return int(text) if readable and is_count(int(text)) else None
    if not table.total_key or answer.body is NO_CONTENT:
        return None
    total = find(answer.body, keys_of(table.total_key))
    return total if is_count(total) else None


def fetch_count(table, params, base=None):
    """The number of records the service reports for ``params`` (count_params), at ``base``.

    FdwError when the answer reports none where total_header or total_key says.
    """
    url = request_url(table, params, base)
    answer = get_answer(table, url)
    if answer.body is NO_CONTENT:
        return 0
    records_of(table, answer.body, url)
    total = total_of(table, answer)
    if total is None:
        if table.total_header:
            found = answer.headers.get(table.total_header)
            where = ("no %s header" % table.total_header if found is None else
                     "%s: %s, not a count" % (table.total_header, excerpt(found, 80)))
        else:
            found = find(answer.body, keys_of(table.total_key), ABSENT)
            where = ('no count under "%s"' % table.total_key if found is ABSENT else
                     '%s under "%s", not a count' % (excerpt(json_text(found), 80),
                                                     table.total_key))
        raise FdwError("the answer of %s has %s (a count is a whole number from 0 to %d)"
                       % (show(table, url), where, MAX_COUNT),
                       hint="Set the total_header option (such as X-Total-Count) or total_key "
                            "to where the service gives the number of matches, or both to '' "
                            "when it gives none.",
                       detail=excerpt(repr(answer.body)))
    return total


class Offset:
    """limit and offset: pages grow from a small first one to page_size; ends at the total or empty.

    The next page starts after the records received, however many came: a
    service that caps its page size is read to the end. A pushed LIMIT is
    never asked past.
    """

    def __init__(self, table, base, params, offset=None, limit=None, first_page=None):
        self.table, self.base, self.params = table, base, params
        self.start, self.remaining = offset or 0, limit
        self.size = min(first_page or FIRST_PAGE, table.page_size)

    def first(self):
        return self.request()

    def request(self):
        if self.remaining is not None and self.remaining <= 0:
            return None
        count = self.size if self.remaining is None else min(self.size, self.remaining)
        page = page_params(self.start, count, self.table.limit_param, self.table.offset_param)
        return Request(request_url(self.table, self.params + page, self.base), self.start, count)

    def next(self, answer, records, request):
        total = total_of(self.table, answer)
        if not records:
            return None
        self.start = request.start + len(records)
        if self.remaining is not None:
            self.remaining -= len(records)
        if total is not None and self.start >= total:
            return None
        self.size = min(self.size * GROWTH, self.table.page_size)
        return self.request()


class Sized:
    """What the styles without offsets share: the page size parameter, when there is one."""

    def __init__(self, table, base, params, offset=None, limit=None, first_page=None):
        self.table, self.base, self.params = table, base, params
        self.count = table.page_size if table.limit_param else None
        self.size = [(table.limit_param, str(table.page_size))] if table.limit_param else []

    def request(self, extra=()):
        return Request(request_url(self.table, self.params + self.size + list(extra), self.base),
                       None, self.count)

    def first(self):
        return self.request()

    def follow(self, link, answer, where):
        """The Request for a next-page URL the service gave; FdwError when it leads elsewhere."""
        if not isinstance(link, str):
            raise FdwError("the answer of %s has %s under %s, not a URL"
                           % (show(self.table, answer.url), excerpt(repr(link), 80), where),
                           hint="Check the pagination option and the option naming where the "
                                "next page is.")
        try:
            url = follow(link, answer.url, self.table.credentials.params)
        except ValueError as error:
            raise FdwError("the answer of %s gives a next page URL under %s that is refused: it %s"
                           % (show(self.table, answer.url), where, error),
                           hint="Next page URLs must be plain http(s) URLs on the url option's "
                                "host, without a backslash, user@ credentials or spaces.",
                           detail=excerpt(show(self.table, link), 300)) from None
        if origin(url) != origin(self.table.url):
            raise FdwError("the answer of %s gives the next page on another host: %s"
                           % (show(self.table, answer.url), show(self.table, url)),
                           hint="Requests (and credentials) go only to the scheme, host and port "
                                "of the url option. Set url to where the service really is.")
        return Request(url, None, None)


class PageNumber(Sized):
    """page number and page size, from first_page_number; ends at the total or an empty page.

    A short page does not end the scan: the service may cap its page size,
    or (without limit_param) use its own.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.number = self.table.first_page_number
        self.received = 0

    def first(self):
        return self.request([(self.table.page_param, str(self.number))])

    def next(self, answer, records, request):
        total = total_of(self.table, answer)
        self.received += len(records)
        if not records or (total is not None and self.received >= total):
            return None
        self.number += 1
        return self.request([(self.table.page_param, str(self.number))])


def no_signal(table, answer, where, option):
    """The FdwError for an answer saying neither where the next page is nor that there is none."""
    return FdwError("the answer of %s has records but nothing under %s: the end of the data "
                    "cannot be told" % (show(table, answer.url), where),
                    hint="Set the %s option to where the service says what comes next. A "
                         "service that only says has_more cannot be paged this way." % option)


class Cursor(Sized):
    """The answer's token at cursor_path, sent back as cursor_param; null or empty ends the scan.

    A missing key ends the scan only on an empty page; otherwise it is an ERROR.
    """

    def next(self, answer, records, request):
        cursor = find(answer.body, keys_of(self.table.cursor_path), ABSENT)
        if cursor is ABSENT and records:
            raise no_signal(self.table, answer, '"%s"' % self.table.cursor_path, "cursor_path")
        if cursor is ABSENT or cursor is None or cursor == "":
            return None
        if not isinstance(cursor, (str, int)) or isinstance(cursor, bool):
            raise FdwError("the answer of %s has %s under \"%s\", not a cursor"
                           % (show(self.table, answer.url), excerpt(repr(cursor), 80),
                              self.table.cursor_path),
                           hint="Set the cursor_path option to where the next cursor is.")
        cursor = str(cursor)
        if len(cursor) > MAX_URL_LENGTH:
            raise FdwError("the answer of %s has a cursor under \"%s\" longer than %d characters"
                           % (show(self.table, answer.url), self.table.cursor_path,
                              MAX_URL_LENGTH),
                           hint="A cursor is sent back in the next request's URL, which no "
                                "service takes that long.")
        return self.request([(self.table.cursor_param, cursor)])


class NextUrl(Sized):
    """The next page's URL at next_path in the answer; null or empty ends the scan.

    A missing key ends the scan only on an empty page; otherwise it is an ERROR.
    """

    def next(self, answer, records, request):
        link = find(answer.body, keys_of(self.table.next_path), ABSENT)
        if link is ABSENT and records:
            raise no_signal(self.table, answer, '"%s"' % self.table.next_path, "next_path")
        if link is ABSENT or link is None or link == "":
            return None
        return self.follow(link, answer, '"%s"' % self.table.next_path)


class LinkHeader(Sized):
    """The rel="next" URL of the answer's Link header; a Link header without one ends the scan.

    No Link header at all ends it too, except on a full page short of the
    total (when the answer reports one): some services send Link only when
    the request has their page parameter (json-server), so the end cannot be
    told. With page_param set, the scan then asks for the next page by number
    (one more request: an empty page ends it, a Link header takes over
    again); without it, that is an ERROR naming the option. (A page reached
    by a next link was asked for by the service's own URL, whose answer
    carries Link while there is more.)
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.number = self.table.first_page_number

    def next(self, answer, records, request):
        header = answer.headers.get("Link")
        link = next_link(header or "")
        if link is not None:
            return self.follow(link, answer, "the Link header")
        sized = request.count is not None  # the scan's own requests, not the service's links
        total = total_of(self.table, answer)
        if header is not None or not sized or len(records) < request.count \
                or (total is not None and len(records) >= total):
            return None
        if not self.table.page_param:
            raise FdwError("%s answered a full page without a Link header: the end of the data "
                           "cannot be told" % show(self.table, answer.url),
                           hint="Set page_param to the service's page number parameter (json-server: "
                                "_page), so that the scan can ask for the next page by number; "
                                "else check limit_param and page_size.")
        self.number += 1
        return self.request([(self.table.page_param, str(self.number))])


class Single(Sized):
    """One request, no paging: a whole result (``none``), or the one record a path names."""

    def __init__(self, table, base, params, offset=None, limit=None, first_page=None):
        super().__init__(table, base, params)
        self.size, self.count = [], None

    def next(self, answer, records, request):
        return None


STYLES = {"offset": Offset, "page": PageNumber, "cursor": Cursor, "next_url": NextUrl,
          "link": LinkHeader, "none": Single}

LINK = re.compile(r'<([^>]*)>((?:\s*;\s*[^;,="]+(?:=(?:"[^"]*"|[^;,"]*))?)*)')
LINK_PARAM = re.compile(r';\s*([^;,="\s]+)\s*(?:=\s*(?:"([^"]*)"|([^;,"\s]*)))?')


def next_link(value):
    """The URL of the rel="next" link in an RFC 8288 Link header value, or None."""
    for match in LINK.finditer(value or ""):
        for name, quoted, plain in LINK_PARAM.findall(match.group(2)):
            rels = (quoted or plain).lower().split()
            if name.lower() == "rel" and "next" in rels:
                return match.group(1).strip()
    return None



def fetch_pages(table, params, offset=None, limit=None, columns=(), first_page=None, base=None,
                single=False):
    """Yield the pages (record lists) matching ``params``, from ``offset``, up to ``limit`` records.

    ``base`` is the URL the parameters go to (default: the table's endpoint);
    ``single``: it names one record, a 404 meaning none. Lazy: a page is
    requested only once the previous one has been consumed, so when
    PostgreSQL stops pulling rows no further request is made. ``offset`` and
    ``limit`` are honoured by the offset style only (the only one they are
    pushed to). Each page's values are checked against the ``columns``
    PostgreSQL reads. Yielding whole pages keeps the per-record cost in C
    (chain.from_iterable).
    """
    check = types.page_checker(table.columns, columns, table.missing_fields)
    counters = stats.counters(table.stats_name)
    style = Single if single else STYLES[table.pagination]
    pages = style(table, base or table.endpoint, params, offset, limit, first_page)
    request = pages.first()
    seen, fingerprints = set(), {}  # request URLs' digests; page fingerprint -> page number
    for number in range(1, table.max_pages + 2):
        if request is None:
            return
        if number > table.max_pages:
            raise FdwError("the scan of %s needs more than max_pages (%d) pages"
                           % (show(table, request.url), table.max_pages),
                           hint="Add a WHERE clause the service can filter on, "
                                "or raise page_size or max_pages.")
        answer = get_answer(table, request.url, missing_ok=single)
        if answer is None:  # a 404 for the one record asked for: there is none
            return
        records = records_of(table, answer.body, request.url, single)
        total = total_of(table, answer) if request.start is not None else None
        check_page(table, request.url, records, request.start, request.count, total)
        check_repeat(table, request.url, records, number, fingerprints)
        check(records, show(table, request.url))
        counters.rows += len(records)
        yield records
        previous = request.url
        request = pages.next(answer, records, request)
        if request is None:
            return
        seen.add(digest(previous))
        if digest(request.url) in seen:
            raise FdwError("the service's paging is in a loop: %s asks again for %s"
                           % (show(table, answer.url), show(table, request.url)),
                           hint="The service sent the same cursor or next page twice.")


def digest(url):
    """A request URL as the paging loop remembers it: 32 bytes (SHA-256), however long the URL."""
    import hashlib  # here: a scan of one page never needs it

    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).digest()


def fingerprint(records):
    """What tells a page apart from the others: its first records; None when it cannot show a loop.

    A page whose first records are all one record (real data can repeat a
    value page after page) is never taken for a repeat.
    """
    head = records[:REPEAT_CHECK]
    if len(head) < 2 or all(record == head[0] for record in head[1:]):
        return None
    return hash(repr(head))


def check_repeat(table, url, records, number, fingerprints):
    """FdwError when page ``number`` repeats any page before it (``fingerprints``, updated).

    Pages of one repeated record are never compared: real data gives them
    (``SELECT count(*)`` asks for no field, so every record is ``{}``). A
    service that ignores the offset and has one record is then asked again
    until ``max_pages``.
    """
    key = fingerprint(records)
    if key is None:
        return
    if key in fingerprints:
        earlier = fingerprints[key]
        raise loop_error(table, url, "the page before" if earlier == number - 1
                         else "page %d" % earlier)
    fingerprints[key] = number


def loop_error(table, url, which):
    return FdwError("%s returned the same records as %s: its paging is in a loop"
                    % (show(table, url), which),
                    hint="The service must honour the offset (or page, cursor) parameter. If "
                         "rows really repeat, select a column that tells them apart.")
