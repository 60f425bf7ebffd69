"""Building request URLs, checking where they go, and hiding secrets before a URL is shown.

Parameter values are always percent-encoded (``quote``, nothing kept as
"safe"), so a value holding ``&``, ``=``, ``#``, ``%``, ``/`` or quotes can
never add a parameter or change the path. A value filling a path template
becomes one path segment the same way, and the segments ``.`` and ``..``
(which a client or server may resolve) are never made.
"""
import re
from urllib.parse import (parse_qsl, quote, unquote, urldefrag, urlencode, urljoin, urlsplit,
                          urlunsplit)

# Query parameters whose values are masked wherever a URL is shown, whatever
# the options say: the names services commonly use for credentials.
SECRET_PARAMS = frozenset({
    "access_token", "api_key", "api-key", "apikey", "auth", "client_secret", "key",
    "password", "secret", "sig", "signature", "token",
})
MASK = "***"


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


def request_url(table, params, base=None):
    """The URL of a request: ``base`` (default: the endpoint), ``params``, any API key parameter."""
    return build_url(base or table.endpoint, params + table.credentials.params)


PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
UNSAFE_SEGMENTS = ("", ".", "..")


def placeholders(path):
    """The names of a path template's ``{name}`` placeholders, in order, without repeats."""
    return tuple(dict.fromkeys(PLACEHOLDER.findall(path)))


def fill_template(template, values):
    """``template`` with each ``{name}`` replaced by ``values[name]`` as one path segment.

    None when a name has no value, or a value cannot be a segment ('', '.', '..').
    """
    names = placeholders(template)
    if any(values.get(name) in UNSAFE_SEGMENTS or name not in values for name in names):
        return None
    return PLACEHOLDER.sub(lambda match: quote(values[match.group(1)], safe=""), template)


DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url):
    """(scheme, host, port) of a URL, the port filled in when it is the scheme's default."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme)


def follow(link, current, credential_params=()):
    """The absolute URL of a ``link`` found in the answer to ``current``, without its #fragment.

    The credential parameters the link lacks are added.
    """
    url = urldefrag(urljoin(current, link))[0]
    present = {name for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)}
    missing = [(name, value) for name, value in credential_params if name not in present]
    return build_url(url, missing)


def host_of(url):
    """The URL's host name, lower case ('' when it has none)."""
    return (urlsplit(url).hostname or "").lower()


def redact(url, secret_params=()):
    """``url`` safe to show in errors and EXPLAIN: credentials in it are replaced by ``***``.

    Hidden: the userinfo (``user:password@``) and the values of query
    parameters named in SECRET_PARAMS or ``secret_params`` (case-insensitive).
    Every URL shown to a user goes through here.
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # malformed: hide it all if it may hold credentials
        return MASK if "@" in url or "?" in url else url
    if "@" in parts.netloc:
        parts = parts._replace(netloc=MASK + "@" + parts.netloc.rpartition("@")[2])
    if parts.query:
        hidden = SECRET_PARAMS.union(name.lower() for name in secret_params)
        parts = parts._replace(query="&".join(
            mask_param(pair, hidden) for pair in parts.query.split("&")))
    return urlunsplit(parts)


def mask_param(pair, hidden):
    """One ``name=value`` of a query string, its value masked when the name is in ``hidden``."""
    name, equals, _ = pair.partition("=")
    if equals and unquote(name).lower() in hidden:
        return name + "=" + MASK
    return pair
