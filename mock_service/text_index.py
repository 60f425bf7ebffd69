"""Finds the lines that pass a TextTest by searching one big string in C.

All lines are joined into "\\nline1\\nline2\\n...\\n", so a prefix is a
search for "\\n" + prefix, a suffix for suffix + "\\n", and a LIKE pattern
is a regex that starts at a newline and whose wildcards cannot cross one.
str.find and re.finditer then do the work instead of a Python loop.
"""

from bisect import bisect_right
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
