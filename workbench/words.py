"""Counts and ranks in English words, for every text the workbench writes for a reader."""

from __future__ import annotations


def plural(count: int, noun: str, plural_form: str | None = None, *, thousands: bool = True) -> str:
    """'1 statement', '2 statements', '1,200 articles' (``plural_form`` for an irregular noun)."""
    number = f"{count:,}" if thousands else str(count)
    return f"{number} {noun if count == 1 else plural_form or noun + 's'}"


def ordinal(place: int) -> str:
    """'1st', '2nd', '3rd', '11th', '22nd'."""
    suffix = "th" if 10 <= place % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(place % 10, "th")
    return f"{place}{suffix}"
