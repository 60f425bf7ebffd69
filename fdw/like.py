"""SQL LIKE patterns taken apart, so that a service with simpler text tests can still filter.

PostgreSQL's rules: ``%`` matches any run of characters, ``_`` exactly one,
and a backslash makes the next character literal. A service may offer only
literal tests (starts with, ends with, contains) or patterns with ``*`` for
any run. What is sent for a LIKE is then exact when the pattern has that very
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
