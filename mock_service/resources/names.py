"""Made-up words and names for generated records, from a seeded random.Random: no files."""

import random

ONSETS = ("b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
          "br", "ch", "cr", "dr", "gl", "kr", "pl", "qu", "sh", "st", "th", "tr")
VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "io", "ou")
CODAS = ("", "", "", "n", "r", "s", "l", "m", "nd", "rt", "x")


def word(rng: random.Random, syllables: tuple[int, int] = (1, 3)) -> str:
    """A pronounceable lower-case word of a few syllables."""
    count = rng.randint(*syllables)
    return "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(count))


def unique_words(rng: random.Random, count: int, syllables: tuple[int, int] = (2, 3),
                 taken: set[str] | None = None) -> list[str]:
    """count different words, none of them in taken."""
    seen = set(taken or ())
    words = []
    while len(words) < count:
        candidate = word(rng, syllables)
        if candidate not in seen:
            seen.add(candidate)
            words.append(candidate)
    return words
