"""Tests on words: literal equality, prefix, suffix, substring, and SQL LIKE patterns.

LIKE follows PostgreSQL: '%' matches any run of characters, '_' exactly one,
and a backslash makes the next character literal.  A pattern that is only a
literal with '%' at one or both ends becomes a plain string test, which is
much faster than a regular expression.
"""

import re
from itertools import compress, repeat
from typing import NamedTuple, Sequence


class LikePatternError(ValueError):
    """The pattern is not a valid LIKE pattern (PostgreSQL would reject it too)."""


class LikePart(NamedTuple):
    """One piece of a LIKE pattern: kind is "text", "any_run" ('%') or "any_char" ('_')."""

    kind: str
    text: str = ""


LITERAL_KINDS = ("equals", "startswith", "endswith", "contains")

# Regex sources for the wildcards: over one whole text (with re.DOTALL), and
# within one line of a newline-separated text.
WHOLE_TEXT_WILDCARDS = {"any_run": ".*", "any_char": "."}
IN_LINE_WILDCARDS = {"any_run": "[^\n]*", "any_char": "[^\n]"}


class TextTest:
    """One test a word must pass.

    kind is one of LITERAL_KINDS (compare with value), "any" (always true) or
    "like" (regex must match the whole word).  line_regex finds the same
    words in a text of words each preceded by a newline (see TextIndex); it
    is None when a literal holds a newline, as it could then match across
    two words.
    """

    def __init__(self, kind: str, value: str = "", regex=None, line_regex=None):
        self.kind = kind
        self.value = value
        self.regex = regex
        self.line_regex = line_regex

    def __repr__(self):
        return f"TextTest({self.kind!r}, {self.value!r}, {self.regex!r})"

    def matches(self, text: str) -> bool:
        """Whether one text passes."""
        return bool(self.filter([text], range(1)))

    def filter(self, texts: Sequence[str], positions: Sequence[int]) -> list[int]:
        """The positions whose text passes, tested in C with map and compress rather than a Python loop."""
        if isinstance(positions, range) and positions.step == 1:
            picked = texts[positions.start:positions.stop]
        else:
            picked = map(texts.__getitem__, positions)
        if self.kind == "equals":
            passed = map(self.value.__eq__, picked)
        elif self.kind == "startswith":
            passed = map(str.startswith, picked, repeat(self.value))
        elif self.kind == "endswith":
            passed = map(str.endswith, picked, repeat(self.value))
        elif self.kind == "contains":
            passed = map(str.__contains__, picked, repeat(self.value))
        elif self.kind == "any":
            return list(positions)
        else:
            passed = map(self.regex.fullmatch, picked)
        return list(compress(positions, passed))


def literal_test(kind: str, value: str) -> TextTest:
    """A test comparing words with a literal; an empty prefix, suffix or substring matches anything."""
    if kind not in LITERAL_KINDS:
        raise ValueError(f"unknown literal test kind {kind!r}")
    if value == "" and kind != "equals":
        return TextTest("any")
    return TextTest(kind, value)


def split_like(pattern: str) -> list[LikePart]:
    """Split a LIKE pattern into literal runs and wildcards; runs of '%' collapse into one."""
    parts: list[LikePart] = []
    text: list[str] = []

    def end_text():
        if text:
            parts.append(LikePart("text", "".join(text)))
            text.clear()

    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            escaped = next(chars, None)
            if escaped is None:
                raise LikePatternError("LIKE pattern must not end with escape character")
            text.append(escaped)
        elif char == "%":
            end_text()
            if not parts or parts[-1].kind != "any_run":
                parts.append(LikePart("any_run"))
        elif char == "_":
            end_text()
            parts.append(LikePart("any_char"))
        else:
            text.append(char)
    end_text()
    return parts


def regex_source(parts: list[LikePart], wildcards: dict[str, str]) -> str:
    return "".join(
        re.escape(part.text) if part.kind == "text" else wildcards[part.kind] for part in parts
    )


def like_to_regex(pattern: str) -> str:
    """A regular expression source that, used with fullmatch and re.DOTALL, behaves like the LIKE pattern."""
    return regex_source(split_like(pattern), WHOLE_TEXT_WILDCARDS)


def like_test(pattern: str) -> TextTest:
    """The fastest TextTest equivalent to a LIKE pattern."""
    parts = split_like(pattern)
    kinds = tuple(part.kind for part in parts)
    if kinds == ():
        return literal_test("equals", "")
    if kinds == ("any_run",):
        return TextTest("any")
    if kinds == ("text",):
        return literal_test("equals", parts[0].text)
    if kinds == ("text", "any_run"):
        return literal_test("startswith", parts[0].text)
    if kinds == ("any_run", "text"):
        return literal_test("endswith", parts[1].text)
    if kinds == ("any_run", "text", "any_run"):
        return literal_test("contains", parts[1].text)

    regex = re.compile(regex_source(parts, WHOLE_TEXT_WILDCARDS), re.DOTALL)
    if any("\n" in part.text for part in parts):
        return TextTest("like", regex=regex)
    line_regex = re.compile("\n" + regex_source(parts, IN_LINE_WILDCARDS) + "(?=\n)")
    return TextTest("like", regex=regex, line_regex=line_regex)


def fold(text: str) -> str:
    """Lower case, one character at a time: a character whose lower case is longer stays.

    So case-insensitive tests never change a text's length, and ``_`` matches
    one character as in PostgreSQL (whose ILIKE under the C collation folds
    ASCII letters only: folding more is a wider test, never a narrower one).
    """
    return "".join(lowered if len(lowered) == 1 else char
                   for char, lowered in zip(text, map(str.lower, text)))
