"""Day, time and part of day in a text, read in the clinic's zone relative to the turn's ``now``.

Regular expressions find the phrases; ``dateparser`` resolves calendar dates. The rules for
vague wording (bare weekdays, bare hours, month dates without a year) are in the package
docstring.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser

from actors.brain.nlu.text import MONTH_RE, MONTHS, WEEKDAY_RE, WEEKDAY_WORDS, normalise

PARTS_OF_DAY = ("morning", "afternoon", "evening")


@dataclass(frozen=True)
class When:
    """The when of a request; any part may be missing ("tomorrow", "at 3", "mornings")."""

    day: date | None = None
    at: time | None = None
    part_of_day: str | None = None
    week_of: date | None = None  # "next week": the Monday to search from
    before: date | None = None  # "before my wedding on the 19th": the first day that is too late

    def __bool__(self) -> bool:
        return any((self.day, self.at, self.part_of_day, self.week_of, self.before))

    def start(self, tz: ZoneInfo) -> datetime | None:
        """The exact start asked for, when both a day and a time were given."""
        if self.day is None or self.at is None:
            return None
        return datetime.combine(self.day, self.at, tzinfo=tz)


_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
_NOT_A_TIME_AFTER = r"(?!\d|\s*(?:st|nd|rd|th|/|%|\$|dollars?|units?|days?|weeks?|min|hours?)\b)"

_AT = r"(?:\b(?:at|around|about|by|after|before)|@)"
_TIME_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("noon", re.compile(r"\b(noon|midday|12 ?o'?clock noon)\b")),
    ("ampm", re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?|a|p)(?![a-z])")),
    ("half", re.compile(r"\bhalf past (\d{1,2})\b")),
    ("clock", re.compile(r"\b(\d{1,2}):(\d{2})\b")),
    ("bare", re.compile(_AT + r"\s*(\d{1,2})" + _NOT_A_TIME_AFTER)),
    ("oclock", re.compile(r"\b(\d{1,2})\s*o'?clock\b")),
    (
        "dayhour",
        re.compile(
            r"(?:day|tomorrow|today|tmrw|\b(?:mon|tues?|weds?|thu|thurs?|fri|sat|sun))\s+"
            r"(\d{1,2})" + _NOT_A_TIME_AFTER
        ),
    ),
)

_PART_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("morning", re.compile(r"\b(morning|mornings|first thing)\b")),
    ("afternoon", re.compile(r"\b(afternoon|afternoons|lunch ?time|lunch)\b")),
    ("evening", re.compile(r"\b(evening|evenings|tonight|after work)\b")),
)


_WEEKDAY_PHRASE = re.compile(
    rf"(?<!['\w])(?:(this coming|the coming|coming|this|next)\s+)?({WEEKDAY_RE})s?\b"
)
_IN_DAYS = re.compile(rf"\bin (\d{{1,3}}|{'|'.join(_NUMBER_WORDS)}) (days?|weeks?)\b")


def _clock(hour: int, minute: int, meridiem: str | None, part: str | None) -> time | None:
    """A time from an hour the customer wrote; bare hours follow the business-hours rule."""
    if minute > 59 or hour > 23:
        return None
    if meridiem:
        if hour == 0 or hour > 12:
            return None
        return time(hour % 12 + (12 if meridiem.startswith("p") else 0), minute)
    if hour == 0 or hour > 12:
        return time(hour, minute)
    if part == "morning":
        return time(hour % 12, minute) if hour != 12 else time(12, minute)
    if part in ("afternoon", "evening"):
        return time(hour % 12 + 12, minute)
    return time(hour + 12 if hour <= 6 else hour, minute)


def _find_time(text: str, part: str | None) -> tuple[time | None, str]:
    """The first time of day in ``text`` and the text with it blanked out."""
    for kind, pattern in _TIME_PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        if kind == "noon":
            found: time | None = time(12, 0)
        elif kind == "ampm":
            found = _clock(int(match[1]), int(match[2] or 0), match[3], part)
        elif kind == "half":
            found = _clock(int(match[1]), 30, None, part)
        elif kind == "clock":
            found = _clock(int(match[1]), int(match[2]), None, part)
        else:
            found = _clock(int(match[1]), 0, None, part)
        if found is not None:  # "tues 9": the day word stays for the day parser
            start = match.start(1) if kind == "dayhour" else match.start()
            return found, text[:start] + " " + text[match.end() :]
    return None, text


def _parse_with_dateparser(phrase: str, now: datetime, tz: ZoneInfo) -> date | None:
    settings = {
        "PREFER_DATES_FROM": "future",
        "TIMEZONE": tz.key,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "RELATIVE_BASE": now.astimezone(tz).replace(tzinfo=None),
        "DATE_ORDER": "MDY",
    }
    parsed = dateparser.parse(phrase, languages=["en"], settings=settings)
    return parsed.date() if parsed is not None else None


def _calendar_date(
    month: int, day: int, year: int | None, now: datetime, tz: ZoneInfo
) -> date | None:
    """A month/day (and maybe year) via dateparser, checked, rolled to next year if passed."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    phrase = f"{month}/{day}/{year}" if year else f"{month}/{day}"
    parsed = _parse_with_dateparser(phrase, now, tz)
    if parsed is None or (parsed.month, parsed.day) != (month, day):
        return None  # e.g. 2/30: dateparser would guess something else
    today = now.astimezone(tz).date()
    if year is None and parsed < today:
        try:
            parsed = parsed.replace(year=today.year + 1)
        except ValueError:
            return None
    if year is None and parsed.year > today.year + 1:
        return None
    return parsed


def _nth_of_month(day: int, today: date) -> date | None:
    """The next ``day``-th of a month from today (today included)."""
    if not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    for _ in range(13):
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _find_day(text: str, now: datetime, tz: ZoneInfo) -> tuple[date | None, date | None]:
    """(day, week_of) from the first date phrase in ``text``."""
    today = now.astimezone(tz).date()
    later = _weeks_from(text, today)
    if later is not None:
        return later, None
    if re.search(r"\bday after (tomorrow|tmrw)\b", text):
        return today + timedelta(days=2), None
    if re.search(r"\b(today|tonight|this (morning|afternoon|evening))\b", text):
        return today, None
    if re.search(r"\b(tomorrow|tmrw|tmr|tomorow|tommorow|tommorrow)\b", text):
        return today + timedelta(days=1), None
    if re.search(r"\byesterday\b", text):
        return today - timedelta(days=1), None
    match = re.search(
        rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({MONTH_RE})\.?\b(?:,?\s*(\d{{4}}))?", text
    )
    if match:
        year = int(match[3]) if match[3] else None
        return _calendar_date(MONTHS[match[2]], int(match[1]), year, now, tz), None
    match = re.search(
        rf"\b({MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s*(\d{{4}}))?", text
    )
    if match:
        year = int(match[3]) if match[3] else None
        return _calendar_date(MONTHS[match[1]], int(match[2]), year, now, tz), None
    match = re.search(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?\b", text)
    if match:
        year = int(match[3]) if match[3] else None
        if year is not None and year < 100:
            year += 2000
        return _calendar_date(int(match[1]), int(match[2]), year, now, tz), None
    match = _WEEKDAY_PHRASE.search(text)
    if match:
        ahead = (WEEKDAY_WORDS[match[2]] - today.weekday()) % 7
        if match[1] == "next" and ahead == 0:
            ahead = 7
        return today + timedelta(days=ahead), None
    match = _IN_DAYS.search(text)
    if match:
        count = int(match[1]) if match[1].isdigit() else _NUMBER_WORDS[match[1]]
        return _parse_with_dateparser(f"in {count} {match[2]}", now, tz), None
    match = re.search(r"\b(next|this) weekend\b|\bweekend\b", text)
    if match:
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        return saturday + timedelta(days=7 if match[1] == "next" else 0), None
    if re.search(r"\bnext week\b", text):
        return None, today + timedelta(days=7 - today.weekday())
    match = re.search(r"\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b", text)
    if match:
        return _nth_of_month(int(match[1]), today), None
    return None, None


_HOUR_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_HOUR_WORD_RE = "|".join(_HOUR_WORDS)
_MINUTE_WORDS = {"oh five": 5, "fifteen": 15, "thirty": 30, "forty five": 45, "forty-five": 45}
_SPOKEN_CLOCK = (
    # "half past two" -> "2:30", "quarter past 11" -> "11:15", "quarter to 3" -> "2:45"
    (
        re.compile(rf"\b(half|quarter) past (\d{{1,2}}|{_HOUR_WORD_RE})\b"),
        lambda m: f"{_hour(m[2])}:{30 if m[1] == 'half' else 15:02d}",
    ),
    (
        re.compile(rf"\b(?:a )?quarter (?:to|till|til|of) (\d{{1,2}}|{_HOUR_WORD_RE})\b"),
        lambda m: f"{(_hour(m[1]) - 2) % 12 + 1}:45",
    ),
    # "eleven fifteen" -> "11:15", "two thirty" -> "2:30"
    (
        re.compile(rf"\b({_HOUR_WORD_RE}) ({'|'.join(_MINUTE_WORDS)})\b"),
        lambda m: f"{_HOUR_WORDS[m[1]]}:{_MINUTE_WORDS[m[2]]:02d}",
    ),
    # "eleven o'clock", "at three" -> digits
    (re.compile(rf"\b({_HOUR_WORD_RE})(?= ?o'?clock\b)"), lambda m: str(_HOUR_WORDS[m[1]])),
    (
        re.compile(rf"\b(at|around|about|after|before) ({_HOUR_WORD_RE})\b"),
        lambda m: f"{m[1]} {_HOUR_WORDS[m[2]]}",
    ),
    # "1.30" -> "1:30"; "10ish" / "10-ish" -> "10"
    (
        re.compile(r"(?<!\$)\b(\d{1,2})\.([0-5]\d)(?![\d.]|\s*(?:dollars?|%|percent))"),
        lambda m: f"{m[1]}:{m[2]}",
    ),
    (
        re.compile(rf"\b({_HOUR_WORD_RE})(?=\s*(?:a\.?m\b|p\.?m\b))"),
        lambda m: str(_HOUR_WORDS[m[1]]),
    ),
    (re.compile(r"\b(\d{1,2}(?::\d{2})?)\s*-?ish\b"), lambda m: f"around {m[1]}"),
    # "8 in the morning" -> "8am", "8 at night" / "in the evening" -> "8pm"
    (
        re.compile(r"\b(\d{1,2}(?::\d{2})?) (?:in the morning|a m)\b"),
        lambda m: f"{m[1]}am",
    ),
    (
        re.compile(r"\b(\d{1,2}(?::\d{2})?) (?:at night|in the (?:evening|afternoon)|tonight)\b"),
        lambda m: f"{m[1]}pm",
    ),
)


def _hour(word: str) -> int:
    return int(word) if word.isdigit() else _HOUR_WORDS[word]


def spoken_clock(clean: str) -> str:
    """Times as people say them, in digits: "half past two" -> "2:30", "eleven fifteen" ->
    "11:15", "8 in the morning" -> "8am", "10ish" -> "10"."""
    for pattern, digits in _SPOKEN_CLOCK:
        clean = pattern.sub(digits, clean)
    return clean


_WEEKS_FROM = re.compile(
    rf"\b(a|one|two|three|\d) weeks? (?:from|after) "
    rf"(?:(now|today|tomorrow)|(?:this |next )?({WEEKDAY_RE}))\b"
)


def _weeks_from(text: str, today: date) -> date | None:
    """ "a week from Friday" (the Friday after next), "two weeks from now"."""
    match = _WEEKS_FROM.search(text)
    if not match:
        return None
    count = (
        int(match[1]) if match[1].isdigit() else {"a": 1, "one": 1, "two": 2, "three": 3}[match[1]]
    )
    if match[3]:
        base = today + timedelta(days=(WEEKDAY_WORDS[match[3]] - today.weekday()) % 7)
    else:
        base = today + timedelta(days=1 if match[2] == "tomorrow" else 0)
    return base + timedelta(weeks=count)


#: "before my wedding on the 19th", "ahead of Friday", "no later than the 12th": a deadline.
#: "by" is left out: "can I come by Friday?" names the day itself.
DEADLINE_WORDS = r"\b(?:before|ahead of|prior to|no later than|not later than)\b"
_DEADLINE = re.compile(DEADLINE_WORDS)
#: How many words may come between the deadline's word and its date ("my sister's wedding on").
_DEADLINE_REACH = 6
_CLOCK_WORD = re.compile(rf"^\s*(?:\d|noon|midday|lunch|{_HOUR_WORD_RE}\b)")


def _find_deadline(text: str, now: datetime, tz: ZoneInfo) -> tuple[date | None, str]:
    """(the deadline's day, the text without its phrase); "before 3pm" is a time, not this."""
    for match in _DEADLINE.finditer(text):
        tail = text[match.end() :]
        if _CLOCK_WORD.match(tail):
            continue
        words = tail.split()
        for reach in range(1, min(len(words), _DEADLINE_REACH) + 1):
            day, _ = _find_day(" ".join(words[:reach]), now, tz)
            if day is not None:  # the phrase ends with its date: a time after it is kept
                return day, f"{text[: match.start()]} {' '.join(words[reach:])}"
    return None, text


def parse_when(text: str, now: datetime, tz: ZoneInfo | str) -> When:
    """Day, time and part of day in ``text``, read in the clinic's zone relative to ``now``."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    clean = spoken_clock(normalise(text))
    part = next((name for name, pattern in _PART_PATTERNS if pattern.search(clean)), None)
    before, clean = _find_deadline(clean, now, zone)
    at, rest = _find_time(clean, part)
    day, week_of = _find_day(rest, now, zone)
    if at is not None and part is not None and not in_part(at, part):
        part = None  # "at 10 in the evening" is unusual: keep the explicit time only
    if day is not None and before is not None and day >= before:
        before = None  # "Friday, before the 12th" with Friday after it: the day they named
    return When(day=day, at=at, part_of_day=part, week_of=week_of, before=before)


def parse_target_when(text: str, now: datetime, tz: ZoneInfo | str) -> When:
    """For a move, the *new* time: what follows the last "to"/"until" when that names a time
    ("move my Tuesday botox to Friday at 3" -> Friday 3 PM), else the whole text's."""
    clean = normalise(text)
    for match in reversed(list(re.finditer(r"\b(?:to|until|till|til|into)\b", clean))):
        tail = parse_when(clean[match.end() :], now, tz)
        if tail:
            return tail
    return parse_when(text, now, tz)


def in_part(at: time, part: str) -> bool:
    return {"morning": at.hour < 12, "afternoon": 12 <= at.hour < 17, "evening": at.hour >= 17}[
        part
    ]
