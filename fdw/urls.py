"""Building request URLs, and hiding secrets before a URL is shown anywhere.

Parameter values are always percent-encoded (``quote``, nothing kept as
"safe"), so a value holding ``&``, ``=``, ``#``, ``%``, ``/`` or quotes can
never add a parameter or change the path.
"""
from urllib.parse import quote, urlencode, urlsplit, urlunsplit


def endpoint(url, path=""):
    """``url`` with ``path`` appended to its path part (a query string in ``url`` is kept)."""
    if not path:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/" + path.lstrip("/")))


def build_url(base, params):
    """``base`` plus the encoded ``params`` (a list of (name, value) pairs; names may repeat)."""
    query = urlencode(params, quote_via=quote)
    if not query:
        return base
    return base + ("&" if urlsplit(base).query else "?") + query


def redact(url):
    """``url`` safe to show in errors and EXPLAIN: credentials in it are replaced by ``***``.

    Every URL shown to a user goes through here, so hiding a new kind of
    secret (an API key parameter, say) is a change in this one place.
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # malformed: hide it all if it may hold credentials
        return "***" if "@" in url else url
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc="***@" + host))
