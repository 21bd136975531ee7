"""Counts in words, for every text a player reads."""

from __future__ import annotations


def plural(n: int, word: str) -> str:
    """``n`` and ``word``, the word agreeing with the count (regular English plurals only).

    >>> plural(1, "repetition"), plural(0, "spot"), plural(2, "minute")
    ('1 repetition', '0 spots', '2 minutes')
    """
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
