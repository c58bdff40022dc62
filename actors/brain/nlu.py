"""Deterministic extraction for the local brain: the same text always yields the same details.

The embedding classifier (``intents.py``) only says *what* a customer wants; the facts a
booking depends on (service, provider, day and time, name, yes/no, which offered option) come
from here: regular expressions, ``difflib`` for typos and ``dateparser`` for calendar dates.
Every date is read in the clinic's time zone relative to the turn's ``now``, never the wall
clock.

Choices made where customers are vague (documented so tests and replies agree):

* A bare weekday ("Tuesday", "this Tuesday") is its next occurrence, today included; "next
  Tuesday" is the first Tuesday strictly after today (dateparser reads it the same way).
* A bare hour ("at 3", "3:30") is a business-hours time: 1-6 mean PM, 7-11 AM, 12 noon;
  "morning"/"afternoon"/"evening" in the same message override that.
* "the 14th" is the next 14th from today; a month date without a year that already passed
  this year ("Nov 20" in December) is next year's.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser

from actors.brain.base import ProviderInfo, ServiceInfo

PARTS_OF_DAY = ("morning", "afternoon", "evening")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def normalise(text: str) -> str:
    """Lower case, straight quotes, single spaces: what every pattern below expects."""
    return " ".join(text.translate(_QUOTES).lower().split())


def _wordset(text: str) -> frozenset[str]:
    """A set of words written as one string (long lists read better as prose)."""
    return frozenset(text.split())


def tokens(text: str) -> list[str]:
    """Plain alphanumeric words ("Hydra-Facial!" -> ["hydra", "facial"])."""
    return re.findall(r"[a-z0-9]+", normalise(text))


# --------------------------------------------------------------------------- services

_WEEKDAY_WORDS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "weds": 2,
    "wed": 2, "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
# Everyday words that sit within typo distance of a service alias ("message" ~ "massage",
# "just" ~ "adjust"): they are never read as a misspelt service.
_NOT_A_SERVICE = (
    _wordset(
        """
        a an the and or to for with at on in of my me i you we it is are be can could would
        like want need book booking booked appointment appointments appt time times today
        tomorrow next this that some any just please thanks thank get got do does have has
        message messages morning afternoon evening week day days free open price cost much how
        what when where who about also another one first last new leave left call text back
        face feel peer past paste pay best rest place nice hello hey hi yes no not okay sure
        """
    )
    | frozenset(_WEEKDAY_WORDS)
    | frozenset(_MONTHS)
)
_FUZZY_MIN = 0.8


def _aliases(service: ServiceInfo) -> list[str]:
    """The service's name and synonyms, each squashed to letters and digits ("hydrafacial")."""
    out: list[str] = []
    for alias in (service.name, *service.synonyms):
        squashed = "".join(tokens(alias))
        if squashed and squashed not in out:
            out.append(squashed)
    return out


def _grams(words: Sequence[str], longest: int = 3) -> set[str]:
    """Squashed runs of 1..longest consecutive words, plus each run without a plural "s"."""
    out: set[str] = set()
    for n in range(1, longest + 1):
        for i in range(len(words) - n + 1):
            gram = "".join(words[i : i + n])
            out.add(gram)
            if len(gram) > 4 and gram.endswith("s"):
                out.add(gram[:-1])
    return out


def match_services(text: str, services: Sequence[ServiceInfo]) -> list[ServiceInfo]:
    """Services the text names, best first: one is a clear match, several are ambiguous.

    Exact aliases win (spacing and plurals ignored: "hydra facial", "peels"); only when none
    is present are typos tried ("botx", "chemcial peel"), and only on words that are not
    everyday English and that start with the alias's first letter.
    """
    words = tokens(text)
    grams = _grams(words)
    exact = [s for s in services if any(a in grams for a in _aliases(s))]
    if exact:
        return exact
    fuzzy_words = [w for w in words if w not in _NOT_A_SERVICE and not w.isdigit()]
    fuzzy_grams = {g for g in _grams(fuzzy_words) if len(g) >= 4}
    scored: list[tuple[float, int, ServiceInfo]] = []
    for order, service in enumerate(services):
        best = 0.0
        for alias in _aliases(service):
            for gram in fuzzy_grams:
                if gram[0] == alias[0]:
                    best = max(best, difflib.SequenceMatcher(None, gram, alias).ratio())
        if best >= _FUZZY_MIN:
            scored.append((best, order, service))
    if not scored:
        return []
    scored.sort(key=lambda item: (-item[0], item[1]))
    top = scored[0][0]
    return [service for score, _, service in scored if score >= top - 0.05]


def service_named(name: str, services: Sequence[ServiceInfo]) -> ServiceInfo | None:
    """The clinic's service with exactly this name (as stored in the brain's state)."""
    return next((s for s in services if s.name.lower() == name.lower()), None)


# --------------------------------------------------------------------------- providers

_TITLES = frozenset({"dr", "doctor", "md", "dc", "np", "rn", "pa", "mrs", "mr", "ms"})
_ANY_PROVIDER = re.compile(
    r"\b(any ?one|any ?body|whoever|no preference|doesn'?t matter|don'?t mind|don'?t care|"
    r"any provider)\b"
)


def match_providers(text: str, providers: Sequence[ProviderInfo]) -> list[ProviderInfo]:
    """Providers the text names by first or last name ("with Jess", "Dr. Patel", "dr patle")."""
    words = set(tokens(text))
    found = []
    for provider in providers:
        names = [n for n in tokens(provider.name) if n not in _TITLES and len(n) >= 3]
        if any(n in words for n in names) or any(
            difflib.SequenceMatcher(None, n, w).ratio() >= _FUZZY_MIN
            for n in names
            if len(n) >= 5
            for w in words
            if len(w) >= 5 and w[0] == n[0]
        ):
            found.append(provider)
    return found


def wants_any_provider(text: str) -> bool:
    """ "Anyone is fine", "no preference": drop a provider asked for earlier."""
    return bool(_ANY_PROVIDER.search(normalise(text)))


# --------------------------------------------------------------------------- dates and times


@dataclass(frozen=True)
class When:
    """The when of a request; any part may be missing ("tomorrow", "at 3", "mornings")."""

    day: date | None = None
    at: time | None = None
    part_of_day: str | None = None
    week_of: date | None = None  # "next week": the Monday to search from

    def __bool__(self) -> bool:
        return any((self.day, self.at, self.part_of_day, self.week_of))

    def start(self, tz: ZoneInfo) -> datetime | None:
        """The exact start asked for, when both a day and a time were given."""
        if self.day is None or self.at is None:
            return None
        return datetime.combine(self.day, self.at, tzinfo=tz)


_WEEKDAY_RE = "|".join(sorted(_WEEKDAY_WORDS, key=len, reverse=True))
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
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
    ("dayhour", re.compile(r"(?:day|tomorrow|today|tmrw)\s+(\d{1,2})" + _NOT_A_TIME_AFTER)),
)

_PART_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("morning", re.compile(r"\b(morning|mornings|first thing)\b")),
    ("afternoon", re.compile(r"\b(afternoon|afternoons|lunch ?time|lunch)\b")),
    ("evening", re.compile(r"\b(evening|evenings|tonight|after work)\b")),
)


_WEEKDAY_PHRASE = re.compile(
    rf"(?<!['\w])(?:(this coming|the coming|coming|this|next)\s+)?({_WEEKDAY_RE})s?\b"
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
        if found is not None:
            return found, text[: match.start()] + " " + text[match.end() :]
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
    if re.search(r"\bday after (tomorrow|tmrw)\b", text):
        return today + timedelta(days=2), None
    if re.search(r"\b(today|tonight|this (morning|afternoon|evening))\b", text):
        return today, None
    if re.search(r"\b(tomorrow|tmrw|tmr|tomorow|tommorow|tommorrow)\b", text):
        return today + timedelta(days=1), None
    if re.search(r"\byesterday\b", text):
        return today - timedelta(days=1), None
    match = re.search(
        rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\.?\b(?:,?\s*(\d{{4}}))?", text
    )
    if match:
        year = int(match[3]) if match[3] else None
        return _calendar_date(_MONTHS[match[2]], int(match[1]), year, now, tz), None
    match = re.search(
        rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s*(\d{{4}}))?", text
    )
    if match:
        year = int(match[3]) if match[3] else None
        return _calendar_date(_MONTHS[match[1]], int(match[2]), year, now, tz), None
    match = re.search(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?\b", text)
    if match:
        year = int(match[3]) if match[3] else None
        if year is not None and year < 100:
            year += 2000
        return _calendar_date(int(match[1]), int(match[2]), year, now, tz), None
    match = _WEEKDAY_PHRASE.search(text)
    if match:
        ahead = (_WEEKDAY_WORDS[match[2]] - today.weekday()) % 7
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


def parse_when(text: str, now: datetime, tz: ZoneInfo | str) -> When:
    """Day, time and part of day in ``text``, read in the clinic's zone relative to ``now``."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    clean = normalise(text)
    part = next((name for name, pattern in _PART_PATTERNS if pattern.search(clean)), None)
    at, rest = _find_time(clean, part)
    day, week_of = _find_day(rest, now, zone)
    if at is not None and part is not None and not _in_part(at, part):
        part = None  # "at 10 in the evening" is unusual: keep the explicit time only
    return When(day=day, at=at, part_of_day=part, week_of=week_of)


def parse_target_when(text: str, now: datetime, tz: ZoneInfo | str) -> When:
    """For a move, the *new* time: what follows the last "to"/"until" when that names a time
    ("move my Tuesday botox to Friday at 3" -> Friday 3 PM), else the whole text's."""
    clean = normalise(text)
    for match in reversed(list(re.finditer(r"\b(?:to|until|till|til|into)\b", clean))):
        tail = parse_when(clean[match.end() :], now, tz)
        if tail:
            return tail
    return parse_when(text, now, tz)


def _in_part(at: time, part: str) -> bool:
    return {"morning": at.hour < 12, "afternoon": 12 <= at.hour < 17, "evening": at.hour >= 17}[
        part
    ]


# --------------------------------------------------------------------------- yes / no / never mind

_NO = re.compile(
    r"^(no|nope|nah|na|negative|not really|no thanks|no thank you|n)\b(?! (problem|worries|doubt))|"
    r"\b(another time|different time|other time|other times|none of (those|these|them)|"
    r"neither|doesn'?t work|does not work|don'?t work|won'?t work|can'?t make|cannot make|"
    r"not that|not those|not good|don'?t want|rather not|no good)\b"
)
_YES = re.compile(
    r"^(yes|yeah|yea|yep|yup|ya|yas|y|sure|ok|okay|k|kk|perfect|great|correct|confirm|"
    r"confirmed|absolutely|definitely|alright|all right|fine|please do|go ahead|"
    r"do it|book it|let'?s do it|lets do it|works)\b|"
    r"\b(sounds good|sounds great|sounds perfect|that works|works for me|that'?s fine|"
    r"that is fine|that'?s great|that'?s perfect|of course|go for it|book it|"
    r"confirm|i confirm|please book|yes please)\b|^👍"
)
_UNSURE = re.compile(r"\b(not sure|unsure|maybe|i don'?t know|idk|dunno)\b")
_ABORT = re.compile(
    r"\b(never ?mind|nvm|forget (it|that|about it)|scratch that|cancel that|don'?t bother|"
    r"changed my mind|change of plans?|no longer need|not anymore|leave it)\b"
)


def yes_no(text: str) -> str | None:
    """ "yes", "no", or None when the text is neither (or hedges: "not sure", "maybe")."""
    clean = normalise(text).strip(" .!")
    if not clean or _UNSURE.search(clean):
        return None
    if _NO.search(clean):
        return "no"
    if _YES.search(clean):
        return "yes"
    return None


def is_abort(text: str) -> bool:
    """ "Never mind", "forget it": stop whatever flow is under way."""
    return bool(_ABORT.search(normalise(text)))


# --------------------------------------------------------------------------- names

_NAME_INTRO = re.compile(
    r"(?:^|\b)(?:my name is|my name's|name is|name's|this is|i am|i'm|im|it's|its|it is|"
    r"call me|under)\s+([a-z][a-z.'-]*(?:\s+[a-z][a-z.'-]*){0,3})"
)
# Words that follow "I'm" / "this is" without being a name ("I'm free", "this is for Botox").
_NOT_A_NAME = (
    _wordset(
        """
        a an the and or but so to for with at on in of about from my your our me you we he she
        it they i is are was be been not no yes yeah yep ok okay sure please thanks thank hi
        hello hey free available interested looking wondering hoping trying calling texting
        writing going coming running late early new back here there good fine great well sick
        pregnant allergic sorry ready done just also still really very actually confused
        worried curious calling booked booking book appointment appt reschedule cancel
        cancelling canceling question asking need want would like can could will what when
        where who why how which today tomorrow tonight morning afternoon evening week next
        this that then available botox facial peel laser consult consultation massage
        adjustment exam patient customer client stop help human person someone anyone
        """
    )
    | frozenset(_WEEKDAY_WORDS)
    | frozenset(_MONTHS)
)


def _name_words(candidate: str) -> list[str]:
    out = []
    for word in candidate.split():
        bare = word.strip(".'-")
        if not bare or bare in _NOT_A_NAME or not bare.replace("'", "").replace("-", "").isalpha():
            break
        out.append(bare)
    return out


def _title(words: Sequence[str]) -> str:
    return " ".join(word.title() for word in words)


def extract_name(text: str, expecting: bool = False) -> str | None:
    """A name the customer gives ("I'm Jane Doe", "this is jane"); with ``expecting`` (the
    brain just asked for it) a bare reply of one to four words ("Jane Doe") counts too."""
    clean = normalise(text).strip(" .!")
    for match in _NAME_INTRO.finditer(clean):
        words = _name_words(match[1])
        if words and not (words[0].endswith("ing") and len(words[0]) > 5):
            return _title(words)
    if expecting:
        bare = [w.strip(",.!") for w in clean.split()]
        if 1 <= len(bare) <= 4:
            words = _name_words(" ".join(bare))
            if len(words) == len(bare):
                return _title(words)
    return None


# --------------------------------------------------------------------------- offered options

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
                if word in ("1st", "2nd", "3rd", "4th", "5th") and re.search(_MONTH_RE, clean):
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
    weekday_match = re.search(rf"(?<!['\w])({_WEEKDAY_RE})s?\b", clean)
    weekday = _WEEKDAY_WORDS[weekday_match[1]] if weekday_match else None
    named = [p for p in providers if p and any(n in tokens(clean) for n in _provider_words(p))]
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
        if when.part_of_day and when.at is None and not _in_part(local.time(), when.part_of_day):
            continue
        provider = providers[index] if index < len(providers) else None
        if named and provider not in named:
            continue
        fits.append(index)
    return fits


def _provider_words(name: str) -> list[str]:
    return [n for n in tokens(name) if n not in _TITLES and len(n) >= 3]


# --------------------------------------------------------------------------- plain keywords

_KEYWORD_INTENTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "opt_out",
        re.compile(
            r"^(stop|stopall|unsubscribe|end|quit|opt out|optout)$|\bunsubscribe\b|\bopt me out\b|"
            r"\b(stop|quit) (texting|messaging|contacting|sending)\b|"
            r"\b(don'?t|do not|never) (text|message|contact|txt) me\b|\bremove me from\b|"
            r"\b(take|remove) me off\b|\bleave me alone\b|\bno more (texts|messages)\b"
        ),
    ),
    (
        "human",
        re.compile(
            r"\b(talk|speak|chat) (to|with) (a |an |the |your |some )?(real |actual |live )?"
            r"(person|human|someone|somebody|staff|receptionist|front desk|manager|people|team)\b|"
            r"\b(real|actual|live) (person|human)\b|\bhave (someone|somebody|a person) call\b|"
            r"\b(call me|call me back)\b|\bare you a (bot|robot|machine)\b"
        ),
    ),
    (
        "help",
        re.compile(
            r"^(help|help me|help please|info|menu|options|i need help|can you help( me)?|"
            r"what can you do|what do you do|how does this work)\??$"
        ),
    ),
    (
        "reschedule",
        re.compile(
            r"\bre-?schedul|\b(move|change|push|shift|switch|bump) (back )?(my|the|our|that|"
            r"this) (appointment|appt|booking|visit|session)\b"
        ),
    ),
    (
        "cancel",
        re.compile(
            r"\bcancel+(ing|ed)? (my|the|our|this|that|an|tomorrow'?s|today'?s|\w+day'?s) "
            r"(appointment|appt|booking|visit|session|botox|facial|peel|massage|adjustment|exam)"
            r"|\bcancel+ (my|it)\b|\bcan'?t make (it|my appointment)\b.*\bcancel"
        ),
    ),
    (
        "list_appointments",
        re.compile(
            r"\b(when|what time) is my (next )?(appointment|appt)\b|"
            r"\b(my|any) (upcoming )?(appointments|appts)\b|\bdo i have (an|any) (appointment|appt)"
        ),
    ),
)


def keyword_intent(text: str) -> str | None:
    """An intent some plain words make certain ("reschedule", "stop texting me"), checked
    before the embedding classifier so these never depend on a similarity score."""
    clean = normalise(text).strip(" .!")
    for intent, pattern in _KEYWORD_INTENTS:
        if pattern.search(clean):
            return intent
    return None
