"""The shared ground of every extractor: one normal form of the text, its words, and the
calendar words (weekdays, months) that several extractors must recognise or rule out."""

from __future__ import annotations

import re

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def normalise(text: str) -> str:
    """Lower case, straight quotes, single spaces: what every pattern of this package expects."""
    return " ".join(text.translate(_QUOTES).lower().split())


def wordset(text: str) -> frozenset[str]:
    """A set of words written as one string (long lists read better as prose)."""
    return frozenset(text.split())


def tokens(text: str) -> list[str]:
    """Plain alphanumeric words ("Hydra-Facial!" -> ["hydra", "facial"])."""
    return re.findall(r"[a-z0-9]+", normalise(text))


WEEKDAY_WORDS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "weds": 2,
    "wed": 2, "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip

WEEKDAY_RE = "|".join(sorted(WEEKDAY_WORDS, key=len, reverse=True))
MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
