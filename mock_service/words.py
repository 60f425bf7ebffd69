"""The word list, and fast answers to filtered, sorted queries over it.

A word's id is its 1-based line number; inside this module words are
addressed by 0-based position (id - 1), and results are lists or ranges of
positions.  Records are pre-encoded to JSON bytes once per field list, so a
response is just a join of ready bytes.
"""

import json
import threading
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Sequence

from .patterns import TextTest, fold
from .text_index import TextIndex

FIELDS = ("id", "word")

# Below this many candidates, testing each one beats searching the whole list.
SCAN_LIMIT = 5000

# Searching by index first pays off most for the kinds that usually match few words.
SEARCH_PREFERENCE = {"equals": 0, "startswith": 1, "endswith": 2, "contains": 3, "like": 4}

encode_json = json.JSONEncoder(ensure_ascii=False).encode


@dataclass
class WordQuery:
    """What a GET /words request asks for; id bounds are inclusive, None means unbounded."""

    fields: tuple[str, ...] = FIELDS
    ids: list[int] | None = None  # id must be one of these
    words: list[str] | None = None  # word must be one of these
    id_min: int | None = None
    id_max: int | None = None
    word_bounds: list[tuple[str, str]] = field(default_factory=list)  # (gt|gte|lt|lte, value)
    word_tests: list[TextTest] = field(default_factory=list)  # all must pass on the word
    lower_word_tests: list[TextTest] = field(default_factory=list)  # all must pass on fold(word)
    order: tuple[tuple[str, bool], ...] = (("id", False),)  # (id|word, descending)
    limit: int = 1000
    offset: int = 0


class WordList:
    """The words in id order, with the indexes that make common queries fast."""

    def __init__(self, words: list[str]):
        self.words = words
        self.lowered = [fold(word) for word in words]
        self.text_index = TextIndex(words)
        self.lower_text_index = TextIndex(self.lowered)
        self.positions_of: dict[str, list[int]] = {}
        for position, word in enumerate(words):
            self.positions_of.setdefault(word, []).append(position)
        self.words_are_unique = len(self.positions_of) == len(words)
        # Words in code point order; a word's rank is its index there, equal words share a rank.
        self.distinct_words = sorted(self.positions_of)
        rank_of = {word: rank for rank, word in enumerate(self.distinct_words)}
        self.word_rank = [rank_of[word] for word in words]
        self.by_word = sorted(range(len(words)), key=self.word_rank.__getitem__)
        self.sorted_ranks = [self.word_rank[p] for p in self.by_word]
        self._encoded: dict[tuple[str, ...], list[bytes]] = {}
        self._encoding_lock = threading.Lock()
        self._all_records_json: bytes | None = None
        self._encoded_records(FIELDS)  # the default, so the first request is as fast as the rest

    @classmethod
    def from_file(cls, path) -> "WordList":
        """One word per line, UTF-8; every line counts, so ids are line numbers."""
        with open(path, encoding="utf-8", newline="\n") as file:
            lines = file.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return cls(lines)

    def __len__(self) -> int:
        return len(self.words)

    # Selecting

    def select(self, query: WordQuery) -> Sequence[int]:
        """Positions of all matching words, in the requested order."""
        return self._sort(self._filter(query), query.order)

    def _filter(self, query: WordQuery) -> Sequence[int]:
        count = len(self.words)
        first = 0 if query.id_min is None else min(max(query.id_min - 1, 0), count)
        stop = count if query.id_max is None else min(max(query.id_max, first), count)
        positions: Sequence[int] = range(first, stop)

        if query.ids is not None:
            positions = sorted({wanted - 1 for wanted in query.ids if wanted - 1 in positions})
        if query.words is not None:
            allowed = positions if isinstance(positions, range) else set(positions)
            chosen = {p for word in query.words for p in self.positions_of.get(word, ())}
            positions = sorted(p for p in chosen if p in allowed)
        if query.word_bounds:
            low, high = self._rank_bounds(query.word_bounds)
            if isinstance(positions, range):
                first_in, stop_in = bisect_left(self.sorted_ranks, low), bisect_left(self.sorted_ranks, high)
                positions = sorted(p for p in self.by_word[first_in:stop_in] if p in positions)
            else:
                rank = self.word_rank
                positions = [p for p in positions if low <= rank[p] < high]

        tests = [(self.words, self.text_index, test) for test in query.word_tests]
        tests += [(self.lowered, self.lower_text_index, test) for test in query.lower_word_tests]
        tests = [entry for entry in tests if entry[2].kind != "any"]
        tests.sort(key=lambda entry: SEARCH_PREFERENCE[entry[2].kind])
        if tests and isinstance(positions, range) and len(positions) > SCAN_LIMIT:
            _, index, test = tests.pop(0)
            found = index.search(test)
            positions = found if len(positions) == count else [p for p in found if p in positions]
        for texts, _, test in tests:
            positions = test.filter(texts, positions)
        return positions

    def _rank_bounds(self, word_bounds: list[tuple[str, str]]) -> tuple[int, int]:
        """The range of word ranks [low, high) that satisfies every comparison."""
        low, high = 0, len(self.distinct_words)
        for operator, value in word_bounds:
            if operator == "gt":
                low = max(low, bisect_right(self.distinct_words, value))
            elif operator == "gte":
                low = max(low, bisect_left(self.distinct_words, value))
            elif operator == "lt":
                high = min(high, bisect_left(self.distinct_words, value))
            elif operator == "lte":
                high = min(high, bisect_right(self.distinct_words, value))
            else:
                raise ValueError(f"unknown comparison {operator!r}")
        return low, high

    def _sort(self, positions: Sequence[int], order: tuple[tuple[str, bool], ...]) -> Sequence[int]:
        """Sort by the keys in order; ties stay in id order, as positions come in id order."""
        if not order or order == (("id", False),):
            return positions
        if order[0] == ("id", True):
            return positions[::-1]
        whole_list = isinstance(positions, range) and len(positions) == len(self.words)
        if whole_list and order[0][0] == "word" and self.words_are_unique:
            return self.by_word[::-1] if order[0][1] else self.by_word
        result = list(positions)
        for key, descending in reversed(order):
            result.sort(key=self.word_rank.__getitem__ if key == "word" else None, reverse=descending)
        return result

    # Encoding

    def records_json(self, positions: Sequence[int], fields: tuple[str, ...]) -> bytes:
        """The JSON objects for these words, comma-separated, without the surrounding brackets."""
        encoded = self._encoded_records(fields)
        return b",".join([encoded[p] for p in positions])

    def all_records_json(self) -> bytes:
        """The whole GET / body, built once."""
        if self._all_records_json is None:
            records = self.records_json(range(len(self.words)), FIELDS)
            self._all_records_json = b'{"records":[' + records + b"]}"
        return self._all_records_json

    def _encoded_records(self, fields: tuple[str, ...]) -> list[bytes]:
        with self._encoding_lock:
            if fields not in self._encoded:
                self._encoded[fields] = self._encode_records(fields)
            return self._encoded[fields]

    def _encode_records(self, fields: tuple[str, ...]) -> list[bytes]:
        if not fields:
            return [b"{}"] * len(self.words)
        columns = {}
        if "id" in fields:
            columns["id"] = [b'"id":%d' % (position + 1) for position in range(len(self.words))]
        if "word" in fields:
            columns["word"] = [b'"word":' + encode_json(word).encode("utf-8") for word in self.words]
        return [b"{" + b",".join(parts) + b"}" for parts in zip(*(columns[name] for name in fields))]
