"""SQL LIKE patterns taken apart, so that a service with other text tests can still filter.

PostgreSQL's rules: ``%`` matches any run of characters, ``_`` exactly one,
and a backslash makes the next character literal. A service may offer only
literal tests (starts with, ends with, contains), patterns with ``*`` for
any run, regular expressions (json-server's ``_like``, PostgREST's
``match``) or globs (SQLite's GLOB, fnmatch). Literal text is escaped for
the syntax it goes into, so no character of the pattern is read as syntax
by the service. What is sent for a LIKE is then exact when the pattern has that very
shape (``abc%`` as a prefix, ``%abc`` as a suffix, ``%abc%`` as contains),
and otherwise a test every match passes (a superset): each literal run of the
pattern is in the value, the leading one at its start, the trailing one at its
end. PostgreSQL re-checks the LIKE, so a superset is enough.
"""


class Wildcard:
    def __init__(self, char):
        self.char = char

    def __repr__(self):
        return self.char


ANY_RUN = Wildcard("%")
ANY_CHAR = Wildcard("_")
STAR = "*"


def parse(pattern):
    """The pattern as pieces: literal strings, ANY_RUN and ANY_CHAR; None if it ends in a backslash.

    Adjacent literals are joined and a run of ``%`` counts as one.
    """
    pieces = []
    literal = []
    characters = iter(pattern)
    for character in characters:
        if character == "\\":
            character = next(characters, None)
            if character is None:
                return None  # PostgreSQL: "LIKE pattern must not end with escape character"
            literal.append(character)
            continue
        if character not in "%_":
            literal.append(character)
            continue
        if literal:
            pieces.append("".join(literal))
            literal = []
        wildcard = ANY_RUN if character == "%" else ANY_CHAR
        if not (wildcard is ANY_RUN and pieces and pieces[-1] is ANY_RUN):
            pieces.append(wildcard)
    if literal:
        pieces.append("".join(literal))
    return pieces


def shape(pieces):
    """("equals" | "prefix" | "suffix" | "contains", literal) when the pattern is exactly that test.

    None for any other pattern (a ``_``, or a wildcard between literals).
    """
    literals = [piece for piece in pieces if isinstance(piece, str)]
    wildcards = [piece for piece in pieces if not isinstance(piece, str)]
    if len(literals) > 1 or ANY_CHAR in wildcards:
        return None
    literal = literals[0] if literals else ""
    kinds = {(): "equals", (literal,): "equals", (literal, ANY_RUN): "prefix",
             (ANY_RUN, literal): "suffix", (ANY_RUN, literal, ANY_RUN): "contains"}
    kind = kinds.get(tuple(pieces))
    return None if kind is None else (kind, literal)


def literal_test(pieces, forms):
    """(form, literal): the best literal test among ``forms`` (prefix, suffix, contains) for a LIKE.

    The exact test when the pattern has its shape; else the leading literal
    as a prefix, the trailing one as a suffix or the longest literal run as
    contains, whichever of those ``forms`` has holds the longest literal (the
    first on a tie); None when none applies or the literal would be empty (a
    test that every value passes).
    """
    exact = shape(pieces)
    if exact and exact[0] in forms and exact[1]:
        return exact
    literals = [piece for piece in pieces if isinstance(piece, str)]
    candidates = []
    if pieces and isinstance(pieces[0], str):
        candidates.append(("prefix", pieces[0]))
    if pieces and isinstance(pieces[-1], str):
        candidates.append(("suffix", pieces[-1]))
    if literals:
        candidates.append(("contains", max(literals, key=len)))
    usable = [(form, text) for form, text in candidates if form in forms and text]
    return max(usable, key=lambda test: len(test[1]), default=None)


def star_pattern(pieces):
    """The pattern with ``*`` for any run of characters and every other character literal.

    Exact unless the pattern has ``_`` (sent as ``*``) or a literal ``*``
    (which the service reads as a wildcard): either matches more, a superset.
    """
    star = "".join(piece if isinstance(piece, str) else STAR for piece in pieces)
    while STAR * 2 in star:
        star = star.replace(STAR * 2, STAR)
    return star


# Characters a regular expression reads as syntax outside a bracket
# expression, in JavaScript, Python and POSIX extended syntax alike; each is
# escaped with a backslash. The slash too, for services that wrap the pattern in /.../.
REGEX_SYNTAX = frozenset("\\^$.|?*+()[]{}/")
# Any run of characters, newlines included (``.`` stops at a newline).
REGEX_ANY_RUN = r"[\s\S]*"
# One character: in JavaScript (without the u flag) a character outside the
# Basic Multilingual Plane is two code units, so one or two of anything.
REGEX_ANY_CHAR = r"[\s\S]{1,2}"


def regex_pattern(pieces):
    """An anchored regular expression that every value matching the LIKE matches; None for ``%``.

    Exact (for a case-sensitive service) unless the pattern has ``_``, which
    may also match two characters. A service that compares without case only
    matches more. None when the pattern has no literal text: every value matches.
    """
    if not any(isinstance(piece, str) for piece in pieces):
        return None
    parts = ["^"]
    for piece in pieces:
        if piece is ANY_RUN:
            parts.append(REGEX_ANY_RUN)
        elif piece is ANY_CHAR:
            parts.append(REGEX_ANY_CHAR)
        else:
            parts.append("".join("\\" + c if c in REGEX_SYNTAX else c for c in piece))
    parts.append("$")
    return "".join(parts)


# Characters a glob reads as syntax (and the backslash, an escape in some);
# each is sent as a one-character bracket expression.
GLOB_SYNTAX = frozenset("*?[\\")


def glob_pattern(pieces):
    """The pattern as a glob (``*`` any run, ``?`` one character), exactly; None for ``%``.

    Literal ``*``, ``?``, ``[`` and backslashes are sent as ``[*]``, ``[?]``,
    ``[[]`` and ``[\\]``.
    """
    if not any(isinstance(piece, str) for piece in pieces):
        return None
    parts = []
    for piece in pieces:
        if piece is ANY_RUN:
            parts.append("*")
        elif piece is ANY_CHAR:
            parts.append("?")
        else:
            parts.append("".join("[%s]" % c if c in GLOB_SYNTAX else c for c in piece))
    return "".join(parts)
