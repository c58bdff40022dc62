"""A waitlist wish in the customer's words: which days of the week ("Tuesdays or Thursdays",
"weekdays") and how far ahead ("in the next three weeks")."""

from __future__ import annotations

import re

from actors.brain.nlu.text import normalise
from actors.brain.nlu.when import DEADLINE_WORDS

_DAYS = (
    ("mon", r"mon(day)?s?"),
    ("tue", r"tue(s|sday)?s?"),
    ("wed", r"wed(nesday)?s?"),
    ("thu", r"thu(r|rs|rsday)?s?"),
    ("fri", r"fri(day)?s?"),
    ("sat", r"sat(urday)?s?"),
    ("sun", r"sun(day)?s?"),
)
_DAY_PATTERNS = tuple((code, re.compile(rf"\b{pattern}\b")) for code, pattern in _DAYS)
_DAY_NAMES = "|".join(pattern for _, pattern in _DAYS)
#: "if someone cancels before friday": Friday is the wish's limit, not a day it wants.
_DEADLINE_DAY = re.compile(rf"{DEADLINE_WORDS}(?:\s+\S+){{0,5}}?\s+(?:{_DAY_NAMES})\b")
_WEEKDAYS = re.compile(r"\b(weekdays?|week days?|during the week)\b")
_WEEKEND = re.compile(r"\bweekends?\b")
_NUMBERS = {"one": 1, "a": 1, "two": 2, "couple of": 2, "couple": 2, "three": 3, "few": 3}
_NUMBERS.update({"four": 4, "five": 5, "six": 6})
_AHEAD = re.compile(
    r"\b(?:next|coming|following|within|in the next) (\d+|one|a|two|couple of|couple|three|few"
    r"|four|five|six)? ?(day|week|month)s?\b"
)


def weekdays(text: str) -> list[str]:
    """The days of the week named, as ``mon``..``sun``, in week order (empty: any day)."""
    clean = _DEADLINE_DAY.sub(" ", normalise(text))
    found = {code for code, pattern in _DAY_PATTERNS if pattern.search(clean)}
    if _WEEKDAYS.search(clean):
        found |= {"mon", "tue", "wed", "thu", "fri"}
    if _WEEKEND.search(clean):
        found |= {"sat", "sun"}
    return [code for code, _ in _DAYS if code in found]


def days_ahead(text: str) -> int | None:
    """How many days ahead the wish reaches ("next two weeks": 14), or None when unsaid."""
    match = _AHEAD.search(normalise(text))
    if match is None:
        return None
    count = match.group(1)
    number = int(count) if count and count.isdigit() else _NUMBERS.get(count or "one", 1)
    return number * {"day": 1, "week": 7, "month": 30}[match.group(2)]
