"""Finds the lines that pass a TextTest, the way a search service would: with indexes.

Prefixes and suffixes are found by bisecting sorted lists (of the lines, and
of the lines reversed); a substring of three characters or more by
intersecting the lines that hold each of its trigrams, then checking those
few. The indexes are built on first use. Anything else searches one big
string in C: all lines are joined into "\\nline1\\nline2\\n...\\n", so a LIKE
pattern is a regex that starts at a newline and whose wildcards cannot cross
one.
"""

from array import array
from bisect import bisect_left, bisect_right
from functools import cached_property
from itertools import accumulate

from .patterns import TextTest

# After this many hits, testing the remaining lines one by one is cheaper
# than jumping from hit to hit.
HITS_BEFORE_SCAN = 2000


class TextIndex:
    def __init__(self, lines: list[str]):
        self.lines = lines
        self.text = "\n" + "\n".join(lines) + "\n"
        # starts[i] is where the newline in front of line i sits; starts[-1] is the last newline.
        self.starts = list(accumulate((len(line) + 1 for line in lines), initial=0))

    @cached_property
    def sorted_lines(self) -> list[tuple[str, int]]:
        return sorted((line, number) for number, line in enumerate(self.lines))

    @cached_property
    def sorted_reversed(self) -> list[tuple[str, int]]:
        return sorted((line[::-1], number) for number, line in enumerate(self.lines))

    @cached_property
    def trigrams(self) -> dict[str, array]:
        """trigram -> the numbers (ascending) of the lines that contain it."""
        postings: dict[str, array] = {}
        for number, line in enumerate(self.lines):
            for gram in {line[i:i + 3] for i in range(len(line) - 2)}:
                postings.setdefault(gram, array("i")).append(number)
        return postings

    @staticmethod
    def with_prefix(pairs: list[tuple[str, int]], prefix: str) -> list[int]:
        found = []
        for line, number in pairs[bisect_left(pairs, (prefix,)):]:
            if not line.startswith(prefix):
                break
            found.append(number)
        return sorted(found)

    def containing(self, value: str) -> list[int]:
        """Lines that contain ``value`` (3 characters or more), through the trigram index."""
        postings = sorted((self.trigrams.get(value[i:i + 3], ()) for i in range(len(value) - 2)),
                          key=len)
        candidates = set(postings[0])
        for posting in postings[1:3]:
            candidates.intersection_update(posting)
        return sorted(number for number in candidates if value in self.lines[number])

    def line_at(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1

    def search(self, test: TextTest) -> list[int]:
        """Numbers (0-based, ascending) of the lines that pass test."""
        if test.kind == "any":
            return list(range(len(self.lines)))
        if test.kind == "like":
            if test.line_regex is None:
                return self.scan(test, 0)
            return [self.line_at(match.start()) for match in test.line_regex.finditer(self.text)]
        if "\n" in test.value:
            return []
        if test.kind == "startswith":
            return self.with_prefix(self.sorted_lines, test.value)
        if test.kind == "endswith":
            return self.with_prefix(self.sorted_reversed, test.value[::-1])
        if test.kind == "contains" and len(test.value) >= 3:
            return self.containing(test.value)
        needle = {
            "equals": "\n" + test.value + "\n",
            "startswith": "\n" + test.value,
            "endswith": test.value + "\n",
            "contains": test.value,
        }[test.kind]
        found = []
        offset = self.text.find(needle)
        while offset != -1:
            line = self.line_at(offset)
            found.append(line)
            if len(found) >= HITS_BEFORE_SCAN:
                return found + self.scan(test, line + 1)
            offset = self.text.find(needle, self.starts[line + 1])
        return found

    def scan(self, test: TextTest, first: int) -> list[int]:
        """Numbers of the lines from first on that pass test, testing each line."""
        return test.filter(self.lines, range(first, len(self.lines)))
