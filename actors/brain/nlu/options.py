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


_ANY_WILL_DO = re.compile(
    r"(?:(?:ok|okay|oh|um|hmm),?\s*)?(?:either(?: one)?|any(?: of them| one)?|whichever"
    r"(?: one)?|doesn'?t matter|don'?t mind|no preference|any ?time(?: that day| then)?"
    r"|anything(?: works)?)"
    r"(?:\s*(?:is|are|works?|would work)?\s*(?:fine|good|ok|okay)?)?"
    r"(?:,? (?:really|thanks|please))?"
    r"(?:[,.!]? ?(?:you pick|you choose|up to you))?"
)
_EARLIER = re.compile(
    r"(?:the )?(?:earlier|earliest|sooner|soonest|first available)(?: one)?(?: please)?"
)
_LATER = re.compile(r"(?:the )?(?:later|latest)(?: one)?(?: please)?")
_NUMBER_DIGITS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
                  "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
                  "eleven": "11", "twelve": "12"}  # fmt: skip
_NUMBER_WORD = re.compile(rf"\b({'|'.join(_NUMBER_DIGITS)})\b(?! (?:of|to|past|thirty|fifteen))")


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
    if _ANY_WILL_DO.fullmatch(clean):
        return 0  # "either is fine", "whichever": the first offered is as good as any
    if count >= 2 and _EARLIER.fullmatch(clean):
        return 0
    if count >= 2 and _LATER.fullmatch(clean):
        return count - 1
    if count == 3 and re.fullmatch(r"(?:the )?middle(?: one)?(?: please)?", clean):
        return 1
    spelled = _NUMBER_WORD.sub(lambda m: _NUMBER_DIGITS[m[1]], clean)
    number = re.fullmatch(
        r"(?:(?:ok|okay|yes|yeah|yep|sure|great|perfect|hmm|um),?\s*)?"
        r"(?:(?:i'?ll take|i want|let'?s do|lets do|let'?s go with|go with|i choose|pick|"
        r"option|number|choice|#|no\.?)\s*)*(?:the\s+)?#?([1-9])(?:\s*(?:please|pls|thanks|"
        r"thank you|one|is good|works|is fine|sounds good))*[.!]?",
        spelled,
    )
    if number and not re.search(r"\d\s*(?:am|pm|a\.m|p\.m|:\d)", clean):
        index = int(number[1]) - 1
        if index < count:
            return index
    hour = re.fullmatch(r"(?:the |at )?(\d{1,2})(?: one| o'?clock| please)*", spelled)
    if hour:  # "11", "the eleven": an offered time on that hour, if only one is
        on_hour = [
            i
            for i, start in enumerate(starts)
            if start is not None and start.hour % 12 == int(hour[1]) % 12 and start.minute == 0
        ]
        return on_hour[0] if len(on_hour) == 1 else None
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
