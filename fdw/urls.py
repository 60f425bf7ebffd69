"""Building request URLs, checking where they go, and hiding secrets before a URL is shown.

One reading of a URL, ``parse``, decides both the host a check sees and the
host a request connects to (http.py connects to ``parse``'s host, port and
target, never to a URL re-read by another parser). URLs that parsers read
differently are refused wherever they come from (the url and path options,
next-page URLs, Link headers, the OpenAPI document's URL): a backslash, a
user name or password (``user@host``), a control character, whitespace or
any character outside printable ASCII, a host that is not a plain DNS name
or IP address, a port outside 1-65535.

Parameter values are always percent-encoded (``quote``, nothing kept as
"safe"), so a value holding ``&``, ``=``, ``#``, ``%``, ``/`` or quotes can
never add a parameter or change the path. A value filling a path template
becomes one path segment the same way, and the segments ``.`` and ``..``
(which a client or server may resolve) are never made.
"""
import functools
import re
from collections import namedtuple
from urllib.parse import parse_qsl, quote, unquote, urldefrag, urljoin, urlsplit, urlunsplit

# Query parameters whose values are masked wherever a URL is shown, whatever
# the options say: the names services commonly use for credentials.
SECRET_PARAMS = frozenset({
    "access_token", "api_key", "api-key", "apikey", "auth", "client_secret", "key",
    "password", "secret", "sig", "signature", "token",
})
MASK = "***"
MAX_URL_LENGTH = 8192  # a URL from the service longer than this is refused (servers' usual limit)


def endpoint(url, path=""):
    """``url`` with ``path`` appended to its path part (a query string in ``url`` is kept)."""
    if not path:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/" + path.lstrip("/")))


def build_url(base, params):
    """``base`` plus the encoded ``params`` (a list of (name, value) pairs; names may repeat).

    The query is what ``urlencode(params, quote_via=quote)`` writes.
    """
    if not params:
        return base
    query = "&".join([encoded(name) + "=" + encoded(value) for name, value in params])
    return base + ("&" if urlsplit(base).query else "?") + query


# quote(text, safe="") of each ASCII character it encodes: all but letters, digits and _.-~
PERCENT_ENCODED = {code: "%%%02X" % code for code in range(128)
                   if not (chr(code).isalnum() or chr(code) in "_.-~")}


def encoded(value):
    """One name or value of a query, percent-encoded as urlencode's ``quote_via=quote`` does.

    ASCII text is translated in one C call, with quote's own result.
    """
    if type(value) is str and value.isascii():
        return value.translate(PERCENT_ENCODED)
    return quote(value if isinstance(value, bytes) else str(value), safe="")


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

# Where a request goes: scheme and host lower case, the port filled in, and
# the request target (path and query) sent in the request line.
Target = namedtuple("Target", ["scheme", "host", "port", "target"])
REFUSED_CHARACTER = re.compile(r"[^\x21-\x7e]|\\")
AUTHORITY = re.compile(r"(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])"
                       r"(?::(?P<port>[0-9]{1,5}))?")


def parse(url):
    """The Target of an absolute http(s) URL; ValueError saying why when it is refused.

    The one place a URL is read for where it goes (see the module's docstring
    for what is refused). A #fragment is not part of the target.
    """
    if not isinstance(url, str):
        raise ValueError("is not a text")
    bad = REFUSED_CHARACTER.search(url)
    if bad:
        raise ValueError("holds %s at character %d" % (describe(bad.group()), bad.start() + 1))
    if "#" in url:  # urlsplit cuts the fragment first, so a "?" after it is no query
        return target_of(url)
    # The host and path end before the first "?" (urlsplit reads the query from there),
    # so that part's reading is remembered: a scan's requests differ in their queries only.
    base, _, query = url.partition("?")
    where = base_target(base)
    return Target(where.scheme, where.host, where.port, where.target + "?" + query) \
        if query else where


def target_of(url):
    """The Target of ``url`` (parse's checks but the characters'), read by urlsplit."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError("is not an http:// or https:// URL")
    if "@" in parts.netloc:
        raise ValueError("holds a user name or password (user@host): credentials belong in "
                         "the user mapping")
    authority = AUTHORITY.fullmatch(parts.netloc)
    if not authority:
        raise ValueError("has no valid host[:port] (got %s)" % (parts.netloc or "no host"))
    port = authority.group("port")
    if port is not None and not 0 < int(port) <= 65535:
        raise ValueError("has port %s, outside 1-65535" % port)
    target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    return Target(scheme, authority.group("host").lower(),
                  int(port) if port else DEFAULT_PORTS[scheme], target)


base_target = functools.lru_cache(maxsize=128)(target_of)  # for URLs without "?" or "#"


def describe(character):
    if character == "\\":
        return "a backslash"
    if character.isspace():
        return "whitespace"
    if ord(character) < 0x20 or ord(character) == 0x7f:
        return "a control character"
    return "a character outside printable ASCII (%s)" % ascii(character)


@functools.lru_cache(maxsize=128)
def origin(url):
    """(scheme, host, port) of a URL (by ``parse``); None when the URL is refused."""
    try:
        return parse(url)[:3]
    except ValueError:
        return None


def show_origin(where):
    """(scheme, host, port) as ``scheme://host:port``."""
    return "%s://%s:%d" % where


def follow(link, current, credential_params=()):
    """The absolute URL of a ``link`` found in the answer to ``current``, without its #fragment.

    The credential parameters the link lacks are added. ValueError when the
    link is longer than MAX_URL_LENGTH or its URL is refused (``parse``).
    """
    if len(link) > MAX_URL_LENGTH:
        raise ValueError("is longer than %d characters" % MAX_URL_LENGTH)
    bad = REFUSED_CHARACTER.search(link)  # before urljoin, which drops some of them
    if bad:
        raise ValueError("holds %s at character %d" % (describe(bad.group()), bad.start() + 1))
    url = urldefrag(urljoin(current, link))[0]
    parse(url)
    present = {name for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)}
    missing = [(name, value) for name, value in credential_params if name not in present]
    return build_url(url, missing)


def allowed(where, entries):
    """True when the origin ``where`` (scheme, host, port) is one of ``entries``.

    ``entries`` are (scheme or None, host, port or None) as options.parse_hosts
    makes them: no scheme means http or https; no port means the scheme's
    default port (80 or 443), never any port.
    """
    scheme, host, port = where
    return any(host == entry_host and scheme == (entry_scheme or scheme)
               and port == (entry_port or DEFAULT_PORTS[scheme])
               for entry_scheme, entry_host, entry_port in entries)


def redact(url, secret_params=()):
    """``url`` safe to show in errors and EXPLAIN: credentials in it are replaced by ``***``.

    Hidden: the userinfo (``user:password@``) and the values of query
    parameters named in SECRET_PARAMS or ``secret_params`` (case-insensitive).
    Every URL shown to a user goes through here.
    """
    hidden = SECRET_PARAMS.union(name.lower() for name in secret_params) if secret_params \
        else SECRET_PARAMS
    try:
        if "#" in url or REFUSED_CHARACTER.search(url):  # urlsplit cuts, strips or drops these
            return redacted(url, hidden)
        base, _, query = url.partition("?")  # as in parse: the part before "?" is read once
        shown = redacted_base(base)
    except ValueError:  # malformed: hide it all if it may hold credentials
        return MASK if "@" in url or "?" in url else url
    if query:
        shown += "?" + "&".join(mask_param(pair, hidden) for pair in query.split("&"))
    return shown


def redacted(url, hidden):
    """``url`` read by urlsplit and written again, its userinfo and ``hidden`` parameters masked."""
    parts = urlsplit(url)
    if "@" in parts.netloc:
        parts = parts._replace(netloc=MASK + "@" + parts.netloc.rpartition("@")[2])
    if parts.query:
        parts = parts._replace(query="&".join(
            mask_param(pair, hidden) for pair in parts.query.split("&")))
    return urlunsplit(parts)


@functools.lru_cache(maxsize=128)
def redacted_base(base):
    """redacted() of a URL without query or fragment (the endpoints: remembered)."""
    return redacted(base, SECRET_PARAMS)


def mask_param(pair, hidden):
    """One ``name=value`` of a query string, its value masked when the name is in ``hidden``."""
    name, equals, _ = pair.partition("=")
    if equals and unquote(name).lower() in hidden:
        return name + "=" + MASK
    return pair
