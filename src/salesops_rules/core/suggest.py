"""The one "did you mean": a suggestion only when it is close enough to be the same name.

`difflib`'s default cutoff (0.6) pairs a receipt of goods with a receipt of cash, names that
share a word but mean different things. A suggestion that misleads is worse than none, so the
bar here is a slip of the keyboard: at most about one character in five differs.
"""

from __future__ import annotations

from collections.abc import Collection

CUTOFF = 0.8


def closest(word: str, choices: Collection[str]) -> str | None:
    """The choice `word` most likely misspells, or None when none is that close."""
    import difflib  # here: a suggestion is made for a mistake only, not on a run's way

    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=CUTOFF)
    return found[0] if found else None
