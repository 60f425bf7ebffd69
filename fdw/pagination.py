"""How a scan walks a result's pages: one small strategy per pagination style.

A strategy says what the first request is and, from an answer, what the
next one is (None when the result is complete). fetch_pages runs the loop
and does what every style shares: it checks each page (http.check_page, the
column types), caps the pages at ``max_pages``, and calls it a loop when a
request repeats or a page repeats any page before.

Pages are fetched as PostgreSQL consumes rows. The first page is asked
for when the scan needs it (READ_BEFORE_SENDING_AHEAD); from then on, a
page's request is sent ahead, while PostgreSQL uses the page before
(http.send_ahead), so that the service prepares it meanwhile; its answer is
read when that page is used up. No thread: the backend does one thing at a
time, the service works in parallel. The request sent ahead is the one
``next`` gives, known once the page before is decoded; the offset, page and
link styles guess it sooner, from the answer's headers before its body is
parsed (``guess``), and a guess that ``next`` then contradicts is dropped
(its connection closed, the answer never read), after which the scan no
longer guesses. A scan that ends sooner (a LIMIT reached, the cursor
closed) drops the request sent ahead the same way. A scan that stops
within its first pages sends nothing ahead, so it makes the same requests
as without.

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
from .http import (MAX_COUNT, NO_CONTENT, check_page, get_answer, is_count, records_of, send_ahead,
                   show)
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
# Pages a scan reads before it sends requests ahead: the first, small one (a
# scan that reads past it, into the page_size second, reads on). A query that
# stops within it makes no request it does not use; one that stops within the
# second drops one request sent ahead.
READ_BEFORE_SENDING_AHEAD = 1


def total_of(table, answer):
    """The match count an answer reports, or None.

    From the ``total_header`` header (X-Total-Count) when that option is
    set, else under ``total_key`` in the body ('' for neither: no count).
    """
    if table.total_header:
        return header_total(table, answer.headers)
    if not table.total_key or answer.body is NO_CONTENT:
        return None
    total = find(answer.body, keys_of(table.total_key))
    return total if is_count(total) else None


def header_total(table, headers):
    """The match count of the ``total_header`` response header, or None."""
    text = headers.get(table.total_header)
    text = text.strip() if isinstance(text, str) else ""
    readable = text and len(text) <= COUNT_DIGITS and text.isascii() and text.isdigit()
    return int(text) if readable and is_count(int(text)) else None


def known_total(table, headers, earlier):
    """The count to guess by before a body is parsed: the header's, else ``earlier`` (the page
    before's, from the body); None when there is none."""
    if table.total_header:
        return header_total(table, headers)
    return earlier if table.total_key else None


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
                       detail=excerpt(json_text(answer.body)))
    return total


class Offset:
    """limit and offset: a small first page, then page_size; ends at the total or an empty page.

    The first page is small (FIRST_PAGE) so that the first rows come fast
    when PostgreSQL may want only a few. A scan that goes past it is a whole
    scan and asks for page_size records at a time; with a pushed LIMIT pages
    grow GROWTH times instead, and the LIMIT is never asked past. The next
    page starts after the records received, however many came: a service that
    caps its page size is read to the end.
    """

    def __init__(self, table, base, params, offset=None, limit=None, first_page=None):
        self.table, self.base, self.params = table, base, params
        self.start, self.remaining = offset or 0, limit
        self.size = min(first_page or FIRST_PAGE, table.page_size)
        self.total = None  # the count the latest answer reported

    def first(self):
        return self.request_at(self.start, self.remaining, self.size)

    def request_at(self, start, remaining, size):
        """The Request for ``size`` records from ``start``, within ``remaining`` (None: no LIMIT)."""
        if remaining is not None and remaining <= 0:
            return None
        count = size if remaining is None else min(size, remaining)
        page = page_params(start, count, self.table.limit_param, self.table.offset_param)
        return Request(request_url(self.table, self.params + page, self.base), start, count)

    def next_size(self):
        if self.remaining is None:
            return self.table.page_size
        return min(self.size * GROWTH, self.table.page_size)

    def next(self, answer, records, request):
        total = self.total = total_of(self.table, answer)
        if not records:
            return None
        self.start = request.start + len(records)
        if self.remaining is not None:
            self.remaining -= len(records)
        if total is not None and self.start >= total:
            return None
        self.size = self.next_size()
        return self.request_at(self.start, self.remaining, self.size)

    def guess(self, headers, request):
        """What ``next`` gives when the page is full and the count is the one known; None when
        that count is unknown or says the page is the last."""
        total = known_total(self.table, headers, self.total)
        start = request.start + request.count
        if total is None or start >= total:
            return None
        remaining = None if self.remaining is None else self.remaining - request.count
        return self.request_at(start, remaining, self.next_size())


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

    def guess(self, headers, request):
        """The next Request from an answer's headers alone, before its body is parsed; None when
        they cannot tell (``next`` decides)."""
        return None

    def follow(self, link, url, where):
        """The Request for a next-page URL the service gave in its answer to ``url``;
        FdwError when it leads elsewhere."""
        if not isinstance(link, str):
            raise FdwError("the answer of %s has %s under %s, not a URL"
                           % (show(self.table, url), excerpt(json_text(link), 80), where),
                           hint="Check the pagination option and the option naming where the "
                                "next page is.")
        try:
            following = follow(link, url, self.table.credentials.params)
        except ValueError as error:
            raise FdwError("the answer of %s gives a next page URL under %s that is refused: it %s"
                           % (show(self.table, url), where, error),
                           hint="Next page URLs must be plain http(s) URLs on the url option's "
                                "host, without a backslash, user@ credentials or spaces.",
                           detail=excerpt(show(self.table, link), 300)) from None
        if origin(following) != origin(self.table.url):
            raise FdwError("the answer of %s gives the next page on another host: %s"
                           % (show(self.table, url), show(self.table, following)),
                           hint="Requests (and credentials) go only to the scheme, host and port "
                                "of the url option. Set url to where the service really is.")
        return Request(following, None, None)


class PageNumber(Sized):
    """page number and page size, from first_page_number; ends at the total or an empty page.

    A short page does not end the scan: the service may cap its page size,
    or (without limit_param) use its own.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.number = self.table.first_page_number
        self.received = 0
        self.total = None  # the count the latest answer reported

    def first(self):
        return self.request([(self.table.page_param, str(self.number))])

    def next(self, answer, records, request):
        total = self.total = total_of(self.table, answer)
        self.received += len(records)
        if not records or (total is not None and self.received >= total):
            return None
        self.number += 1
        return self.request([(self.table.page_param, str(self.number))])

    def guess(self, headers, request):
        """What ``next`` gives when the page is full and the count is the one known; None when
        the page size or that count is unknown, or the count says the page is the last."""
        total = known_total(self.table, headers, self.total)
        if request.count is None or total is None or self.received + request.count >= total:
            return None
        return self.request([(self.table.page_param, str(self.number + 1))])


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
                           % (show(self.table, answer.url), excerpt(json_text(cursor), 80),
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
        return self.follow(link, answer.url, '"%s"' % self.table.next_path)


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
            return self.follow(link, answer.url, "the Link header")
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

    def guess(self, headers, request):
        """The rel="next" link's Request, as ``next`` gives it; None without one."""
        link = next_link(headers.get("Link") or "")
        return None if link is None else self.follow(link, request.url, "the Link header")


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
                single=False, host_checked=(), last_page=None):
    """Yield the pages (record lists) matching ``params``, from ``offset``, up to ``limit`` records.

    ``base`` is the URL the parameters go to (default: the table's endpoint);
    ``single``: it names one record, a 404 meaning none. Lazy: the first
    pages are requested when needed, each later one while PostgreSQL uses
    the page before (see the module), so when PostgreSQL stops pulling rows
    at most that one request is left, and it is dropped unread. ``offset`` and
    ``limit`` are honoured by the offset style only (the only one they are
    pushed to). Each page's values are checked against the ``columns``
    PostgreSQL reads, but those in ``host_checked`` (the engine checks them,
    types.host_checks); ``last_page``, a list, is set to the page being
    yielded and its URL as errors show it. Yielding whole pages keeps the
    per-record cost in C (chain.from_iterable).
    """
    check = types.page_checker(table.columns, columns, table.missing_fields, skip=host_checked)
    counters = stats.counters(table.stats_name)
    style = Single if single else STYLES[table.pagination]
    pages = style(table, base or table.endpoint, params, offset, limit, first_page)
    request = pages.first()
    seen, fingerprints = set(), {}  # request URLs' digests; page fingerprint -> page number
    ahead = None  # (Request, http.Sent): the next page's request, sent before it is needed
    guessing = True  # until a guess proves wrong

    def advance(answer, records, request):
        """The Request after ``request``, or None; FdwError when the paging is in a loop."""
        following = pages.next(answer, records, request)
        if following is None:
            return None
        seen.add(digest(request.url))
        if digest(following.url) in seen:
            raise FdwError("the service's paging is in a loop: %s asks again for %s"
                           % (show(table, answer.url), show(table, following.url)),
                           hint="The service sent the same cursor or next page twice.")
        return following

    def may_send(following, number):
        """True when ``following`` may be sent ahead as page ``number`` + 1: within max_pages,
        and no request of the scan before (a loop is an ERROR, not a request)."""
        return following is not None and number < table.max_pages \
            and following.url != request.url and digest(following.url) not in seen

    def send_guess(headers):
        """Sends ahead the request ``guess`` gives from the headers of the page being read."""
        nonlocal ahead
        try:
            guessed = pages.guess(headers, request)
        except FdwError:  # next will say it, when the page is parsed
            guessed = None
        if ahead is None and may_send(guessed, number):
            ahead = (guessed, send_ahead(table, guessed.url))

    try:
        for number in range(1, table.max_pages + 2):
            if request is None:
                return
            if number > table.max_pages:
                raise FdwError("the scan of %s needs more than max_pages (%d) pages"
                               % (show(table, request.url), table.max_pages),
                               hint="Add a WHERE clause the service can filter on, "
                                    "or raise page_size or max_pages.")
            sent = None
            if ahead is not None:
                sent, ahead = ahead[1], None
            early = number > READ_BEFORE_SENDING_AHEAD and not table.cache_seconds
            answer = get_answer(table, request.url, missing_ok=single, sent=sent,
                                on_read=send_guess if early and guessing else None)
            if answer is None:  # a 404 for the one record asked for: there is none
                return
            records = records_of(table, answer.body, request.url, single)
            if early:
                failure = None
                try:
                    following = advance(answer, records, request)
                except FdwError as error:  # raised when the next page is needed
                    following, failure = None, error
                if ahead is not None and ahead[0] != following:  # a wrong guess
                    ahead[1].close()
                    ahead, guessing = None, False
                if ahead is None and may_send(following, number):
                    ahead = (following, send_ahead(table, following.url))
            total = total_of(table, answer) if request.start is not None else None
            check_page(table, request.url, records, request.start, request.count, total)
            check_repeat(table, request.url, records, number, fingerprints)
            source = show(table, request.url)
            try:
                check(records, source)
            except FdwError:
                if host_checked:  # the error of the first misfit in the table's order
                    types.page_checker(table.columns, columns, table.missing_fields)(records,
                                                                                     source)
                raise
            if last_page is not None:
                last_page[:] = (records, source)
            counters.rows += len(records)
            yield records
            if early:
                if failure is not None:
                    raise failure
                request = following
            else:
                request = advance(answer, records, request)
    finally:
        if ahead is not None:  # the scan ended first
            ahead[1].close()


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
