"""Talking to the service: one keep-alive session per backend, lazy paging, clear errors.

Every failure (no connection, timeout, non-2xx status, a body that is not
JSON, no record list) is an FdwError naming the URL: a scan never ends
early with a short result that looks complete.
"""
import json

import requests

from .errors import FdwError, excerpt
from .pushdown import page_params, page_windows
from .urls import build_url, redact

_session = None

SERVICE_HINT = "Check the url option and that the service is running."


def session():
    """The backend's requests.Session, created on first use and reused (keep-alive)."""
    global _session
    if _session is None:
        _session = requests.Session()
    return _session


def get_json(table, params):
    """GET ``table.endpoint`` with ``params``; the decoded JSON body, or FdwError."""
    url = build_url(table.endpoint, params)
    try:
        response = session().get(url, timeout=(table.connect_timeout, table.read_timeout))
    except requests.Timeout as error:
        raise FdwError("no answer from %s within the time allowed "
                       "(connect_timeout %g s, read_timeout %g s)"
                       % (show(url), table.connect_timeout, table.read_timeout),
                       hint="Check that the service is running, or raise the timeout options.",
                       detail=transport_detail(error)) from None
    except requests.RequestException as error:
        raise FdwError("could not reach %s" % show(url), hint=SERVICE_HINT,
                       detail=transport_detail(error)) from None
    status = ("HTTP %d %s" % (response.status_code, response.reason or "")).strip()
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
        if response.ok:
            raise FdwError("%s answered %s with a body that is not JSON" % (show(url), status),
                           hint="Check the url and path options: they must name the JSON endpoint.",
                           detail=excerpt(response.text)) from None
    if not response.ok:
        raise FdwError("%s answered %s" % (show(url), status),
                       hint=status_hint(response.status_code),
                       detail=error_detail(body, response.text))
    return body


def show(url):
    """A request URL as error messages show it: redacted, and cut if very long."""
    return excerpt(redact(url))


def transport_detail(error):
    """The root cause of a requests error ("... Connection refused"), not urllib3's wrapping."""
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return excerpt(reason or error)


def status_hint(status_code):
    if status_code >= 500:
        return "The service failed; check its logs."
    return ("Check the url and path options, and that each column's field and filters "
            "options match what the service accepts.")


def error_detail(body, text):
    """The service's own error message when its JSON has one, else an excerpt of the body."""
    if isinstance(body, dict) and body.get("error"):
        detail = str(body["error"])
        if body.get("parameter"):
            detail += " (parameter %s)" % body["parameter"]
        return excerpt(detail)
    return excerpt(text)


def records_of(table, body, params):
    """The record list of a response body, or FdwError when there is none."""
    records = body.get(table.records_key) if isinstance(body, dict) else None
    if not isinstance(records, list):
        raise FdwError("the answer of %s has no list under \"%s\""
                       % (show(build_url(table.endpoint, params)), table.records_key),
                       hint="Set the records_key option to the key that holds the records.",
                       detail=excerpt(json.dumps(body)))
    return records


def fetch_records(table, params, offset=None, limit=None):
    """Yield the records matching ``params``, from ``offset``, at most ``limit`` of them.

    Lazy: a page is requested only once the previous one has been consumed,
    so when PostgreSQL stops pulling rows no further request is made. Stops
    at a page shorter than asked or when the reported total is reached.
    """
    for start, count in page_windows(offset, limit, table.page_size):
        page = params + page_params(start, count)
        body = get_json(table, page)
        records = records_of(table, body, page)
        if len(records) > count:
            raise FdwError("%s returned %d records when asked for at most %d"
                           % (show(build_url(table.endpoint, page)), len(records), count),
                           hint="The service must honour the limit and offset parameters.")
        yield from records
        total = body.get(table.total_key)
        if len(records) < count or (is_count(total) and start + count >= total):
            return


def fetch_total(table, params):
    """The number of records the service reports for ``params`` (which ask for none)."""
    body = get_json(table, params)
    records_of(table, body, params)
    total = body.get(table.total_key)
    if not is_count(total):
        raise FdwError("the answer of %s has no count under \"%s\""
                       % (show(build_url(table.endpoint, params)), table.total_key),
                       hint="Set the total_key option to the key that holds the number of matches.",
                       detail=excerpt(json.dumps(body)))
    return total


def is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
