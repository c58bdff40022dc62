"""Which of the options just offered (slots, services, appointments) a reply picks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from actors.brain.nlu.catalog import provider_words
from actors.brain.nlu.text import MONTH_RE, WEEKDAY_RE, WEEKDAY_WORDS, normalise, tokens
from actors.brain.nlu.when import When, in_part, parse_when

_ORDINALS = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
    "fifth": 4, "5th": 4, "top": 0, "earliest": 0, "former": 0,
}  # fmt: skip


def choose_option(
    text: str,
    starts: Sequence[datetime | None],
    providers: Sequence[str | None] = (),
    now: datetime | None = None,
    tz: ZoneInfo | None = None,
) -> int | None:
    """Which of the offered options (0-based) the text picks, or None.

    "2", "#2", "option 2", "the second one", "the last one", "the 3pm one", "the Friday one",
    "the one with Jess": a time, day or provider counts only when it fits exactly one option.
    """
    count = len(starts)
    clean = normalise(text).strip(" .!")
    if not count or not clean:
        return None
    number = re.fullmatch(
        r"(?:(?:i'?ll take|i want|let'?s do|lets do|let'?s go with|go with|i choose|pick|"
        r"option|number|choice|#|no\.?)\s*)*(?:the\s+)?#?([1-9])(?:\s*(?:please|pls|thanks|"
        r"thank you|one|is good|works|is fine|sounds good))*[.!]?",
        clean,
    )
    if number and not re.search(r"\d\s*(?:am|pm|a\.m|p\.m|:\d)", clean):
        index = int(number[1]) - 1
        return index if index < count else None
    words = tokens(clean)
    if len(words) <= 8:
        if "last" in words or "latest" in words or "latter" in words:
            return count - 1
        for word in words:
            if word in _ORDINALS and _ORDINALS[word] < count and "thing" not in words:
                if word in ("1st", "2nd", "3rd", "4th", "5th") and re.search(MONTH_RE, clean):
                    continue
                return _ORDINALS[word]
    fits = _options_fitting(clean, starts, providers, now, tz)
    return fits[0] if len(fits) == 1 else None


def _options_fitting(
    clean: str,
    starts: Sequence[datetime | None],
    providers: Sequence[str | None],
    now: datetime | None,
    tz: ZoneInfo | None,
) -> list[int]:
    """Options matching every time, weekday and provider the text mentions (none: no match)."""
    zone = tz or next((s.tzinfo for s in starts if s is not None), None)
    when = (
        parse_when(clean, now, zone) if now is not None and isinstance(zone, ZoneInfo) else When()
    )
    weekday_match = re.search(rf"(?<!['\w])({WEEKDAY_RE})s?\b", clean)
    weekday = WEEKDAY_WORDS[weekday_match[1]] if weekday_match else None
    named = [p for p in providers if p and any(n in tokens(clean) for n in provider_words(p))]
    if when.at is None and weekday is None and not named and when.part_of_day is None:
        return []
    fits = []
    for index, start in enumerate(starts):
        if start is None:
            continue
        local = start.astimezone(zone) if isinstance(zone, ZoneInfo) else start
        if when.at is not None and local.time().replace(second=0) != when.at:
            continue
        if weekday is not None and local.weekday() != weekday:
            continue
        if when.day is not None and weekday is None and local.date() != when.day:
            continue
        if when.part_of_day and when.at is None and not in_part(local.time(), when.part_of_day):
            continue
        provider = providers[index] if index < len(providers) else None
        if named and provider not in named:
            continue
        fits.append(index)
    return fits
