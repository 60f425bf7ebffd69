"""Credentials for the service, and keeping them out of everything a user or a log can see.

Tokens and API keys belong in the user mapping (CREATE USER MAPPING ...
OPTIONS (token '...')): PostgreSQL shows a mapping's options only to its own
user and the server's owner, while server and table options are readable by
everyone. The host merges table, server and mapping options into one dict,
so the wrapper accepts them anywhere, but nowhere else are they private.

Secrets are sent in headers unless ``api_key_param`` asks for a query
parameter, and every text that leaves the wrapper (error messages, EXPLAIN)
has them masked: URLs by urls.redact, everything else by ``mask``. The
values of ``headers`` entries whose names say they carry a credential
(Authorization, Cookie, X-Api-Key, X-Auth-Token, ...: SECRET_HEADER) are
secrets too, so a user mapping may hold a service's own credential header.

Where they may go: only to the scheme, host and port of the url option,
which only a server may set (options.SERVER_OPTIONS, enforced by the host),
as ``allowed_hosts``, ``api_key_header`` and ``api_key_param`` are (where in
a request the key goes is the server owner's choice too); a user mapping may
set the token, API key and headers only. Every request is checked against
the url's origin (http.destination), and redirects are never followed.
"""
import json
import re
from collections import namedtuple
from urllib.parse import quote, quote_plus

from .urls import MASK

# The options credentials() takes, and those whose values are never echoed, even malformed.
CREDENTIAL_OPTIONS = ("token", "api_key", "api_key_header", "api_key_param")
SECRET_OPTIONS = ("token", "api_key", "headers")
# Header names whose values are credentials, masked like tokens.
SECRET_HEADER = re.compile(r"authorization|proxy-authorization|cookie|"
                           r".*(key|token|secret|auth|password|passwd|session|signature|"
                           r"credential).*", re.IGNORECASE)
PARTIAL = 4  # a cut text's first or last characters that are this much of a secret are masked

# A header value must be visible ASCII (RFC 9110), or requests refuses it with
# an exception that quotes the value.
HEADER_VALUE = re.compile(r"[\x21-\x7e]+")
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# Headers that say where a request goes or how its bytes are framed (RFC 9110 section 7.6.1,
# RFC 9112): set by the transport, never by an option.
TRANSPORT_HEADERS = ("host", "content-length", "transfer-encoding", "connection", "keep-alive",
                     "te", "trailer", "upgrade", "proxy-connection", "expect")


class Credentials(namedtuple("Credentials", [
        "headers",        # a dict sent with every request
        "params",         # a list of (name, value) added to every URL
        "secrets",        # a tuple of the values to mask in any text shown
        "secret_params",  # a tuple of the parameter names redact must mask
        ])):
    """What the auth options send, and what must never be shown; its repr shows no secret."""

    __slots__ = ()

    def __repr__(self):
        return "Credentials(secret_params=%r)" % (self.secret_params,)


def parse_secret(value):
    if value and not HEADER_VALUE.fullmatch(value):
        raise ValueError("must be printable ASCII without spaces")
    return value


def parse_header_name(value):
    """The header name an API key goes in; ValueError for a non-name or a TRANSPORT_HEADERS one."""
    if not HEADER_NAME.fullmatch(value):
        raise ValueError("must be an HTTP header name (letters, digits and -)")
    if value.lower() in TRANSPORT_HEADERS:
        raise ValueError("may not be %s, a header the transport sets" % value)
    return value


def credentials(token="", api_key="", api_key_header="X-API-Key", api_key_param=""):
    """The Credentials for the (already parsed) auth options; empty ones are left out."""
    headers, params = {}, []
    if token:
        headers["Authorization"] = "Bearer " + token
    if api_key and api_key_param:
        params.append((api_key_param, api_key))
    elif api_key:
        headers[api_key_header] = api_key
    return Credentials(headers=headers, params=params,
                       secrets=tuple(secret for secret in (token, api_key) if secret),
                       secret_params=(api_key_param,) if api_key_param else ())


def header_secrets(headers):
    """The values of the ``headers`` whose names are credential names (SECRET_HEADER)."""
    return tuple(value for name, value in headers.items()
                 if value and SECRET_HEADER.fullmatch(name))


def echoed_forms(secret):
    """The forms in which a service may echo ``secret``: as is, percent-encoded (quote, with and
    without ``/`` kept, quote_plus, and JavaScript's encodeURIComponent), JSON-escaped
    (json.dumps, with ``\\/`` for ``/`` as PHP's json_encode writes, and with ``<>&`` as
    ``\\u003c`` as Go's encoding/json does), HTML-escaped, as Python's repr writes it, and as
    UTF-16 read byte by byte (a NUL beside each ASCII character). ``mask`` matches each one
    in any letter case."""
    escaped = json.dumps(secret)[1:-1]
    go = escaped.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    html = secret.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace('"', "&quot;").replace("'", "&#39;")
    forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret),
             quote(secret, safe="-_.!~*'()"), escaped, escaped.replace("/", "\\/"), go, html,
             html.replace("&#39;", "&#x27;"), repr(secret)[1:-1]}
    if secret.isascii():
        forms.update({"\0".join(secret) + "\0", "\0" + "\0".join(secret)})
    return forms


def mask(text, secrets):
    """``text`` with each secret, in any echoed form and letter case, replaced by ``***``;
    None stays None.

    A text cut before it was masked may begin with the end of a secret or end
    with its start (before a "..."): PARTIAL or more such characters are masked
    too, also before a "..." inside the text (a cut value quoted in a longer
    message). Texts are masked before they are cut (errors.excerpt after mask).
    """
    if text is None:
        return None
    forms = sorted({form for secret in secrets if secret for form in echoed_forms(secret)},
                   key=len, reverse=True)
    if not forms:
        return text
    text = re.sub("|".join(map(re.escape, forms)), MASK, text, flags=re.IGNORECASE)
    for form in forms:
        folded = form.casefold()
        cuts = [match.start() for match in re.finditer(r"(?=\.\.\.)", text)] + [len(text)]
        for cut in reversed(cuts):  # from the end: earlier positions stay where they were
            for size in range(len(form) - 1, PARTIAL - 1, -1):
                if size <= cut and text[cut - size:cut].casefold() == folded[:size]:
                    text = text[:cut - size] + MASK + text[cut:]
                    break
        for size in range(len(form) - 1, PARTIAL - 1, -1):
            if text[:size].casefold() == folded[-size:]:
                text = MASK + text[size:]
                break
    return text
