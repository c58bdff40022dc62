"""One SMS reply rewritten as a receptionist would say it on the phone.

The local brain writes every reply for SMS (``actors.wording.sms``): numbered options, "Reply 1,
2 or 3", "Reply YES to confirm", links, "$50", "Tue Dec 1 at 2:00 PM". When the same brain
answers a caller, a text-to-speech engine reads the reply aloud, and those conventions become
noise or nonsense (a caller cannot "reply 1" or tap a link). ``for_the_ear`` turns one reply into
plain spoken sentences: options said as a list, reply instructions as questions, times, dates,
money and abbreviations in words, no links, emoji or shouted keywords.

It is a pure string function (no clinic data, no clock), deterministic and idempotent, so it can
sit at any layer, or run twice, without changing what the caller hears.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import pairwise

# --------------------------------------------------------------------------- vocabulary

DAYS = {
    "Mon": "Monday",
    "Tue": "Tuesday",
    "Tues": "Tuesday",
    "Wed": "Wednesday",
    "Thu": "Thursday",
    "Thur": "Thursday",
    "Thurs": "Thursday",
    "Fri": "Friday",
    "Sat": "Saturday",
    "Sun": "Sunday",
}
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = {
    "Jan": "January",
    "Feb": "February",
    "Mar": "March",
    "Apr": "April",
    "Jun": "June",
    "Jul": "July",
    "Aug": "August",
    "Sep": "September",
    "Sept": "September",
    "Oct": "October",
    "Nov": "November",
    "Dec": "December",
}
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Capitals a speech engine should spell out or reads correctly; every other all-caps word is an
# SMS keyword (YES, STOP, WAITLIST) or shouting, and is said as a normal word.
KEEP_CAPS = frozenset(
    {
        *("AM", "PM", "MD", "DC", "RN", "NP", "PA", "DDS", "DMD", "DPT", "PT", "LMT"),
        *("CPR", "ER", "ICU", "IV", "ID", "FAQ", "HSA", "FSA", "USA", "UK", "TV"),
        *("MRI", "CT", "EKG", "ECG", "BMI", "HIV", "UV", "SPF", "IPL", "PRP"),
    }
)

# An abbreviation's dot, unless it also ends the sentence ("on Sat. See you").
_DOT = r"(?:\.(?!\s*(?:[A-Z]|$)))?"
_DAY_ABBR = "|".join(sorted(DAYS, key=len, reverse=True))
_DAY_ANY = f"(?:{'|'.join(DAY_NAMES)}|{_DAY_ABBR})"
_MONTH_FULL = "|".join(MONTH_NAMES)
_MONTH_ABBR = "|".join(sorted(MONTHS, key=len, reverse=True))

# --------------------------------------------------------------------------- compiled patterns

_EMOJI_CHARS = (
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2190-\u21ff\ufe0e\ufe0f\u200d\u20e3"
    "\U000e0020-\U000e007f\u00ae\u2122]"
)
_EMOJI = re.compile(_EMOJI_CHARS)
_EMOJI_BREAK = re.compile(rf"(?<=\w)[ \t]*{_EMOJI_CHARS}+[ \t]+(?=[A-Z])")  # "booked ✅ See you"
_EMOTICON = re.compile(r"(?<!\S)[:;]-?[)(DP](?!\S)")
_URL_BODY = r"(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,;:!?)'\]]"
_URL = re.compile(_URL_BODY, re.I)
_URL_AFTER_COLON = re.compile(r"(?:[ \t]+here)?[ \t]*:[ \t]*" + _URL_BODY + r"[ \t]*", re.I)
_MENTIONS_LINK = re.compile(r"\blinks?\b|\btext(?:ed|ing)?\s+(?:you|it)\b", re.I)

_PHONE = re.compile(
    r"\+1[ -]?\(?(\d{3})\)?[ -]?(\d{3})[ -]?(\d{4})\b|\((\d{3})\)\s*(\d{3})-(\d{4})\b"
)
_AMOUNT = r"\$(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{2})?"
_MONEY_NOUN = re.compile(
    r"\b(?P<art>[Tt]he|[Aa]n?|[Yy]our|[Oo]ur)\s+(?P<amt>" + _AMOUNT + r")\s+"
    r"(?P<noun>(?:cancellation |no-show |late |booking )?(?:deposit|fee|charge|refund|credit))\b"
)
_MONEY = re.compile(r"\$(?P<dollars>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<cents>\d{2}))?")
_CLOCK = re.compile(r"\b0?(\d{1,2})(?::([0-5]\d))?\s*([AaPp])(?:\.[Mm]\.|[Mm]\b)")
_TIME_RANGE = re.compile(r"\b(AM|PM)\s*[-–]\s*(?=\d)")
_MONTH = re.compile(rf"\b({_MONTH_ABBR})\.?(?=\s+\d{{1,2}}\b)")
_DAY_RANGE = re.compile(rf"\b({_DAY_ANY})\.?\s*[-–]\s*({_DAY_ANY})\b{_DOT}")
_DAY_PAIR = re.compile(rf"\b({_DAY_ANY})\.?/({_DAY_ANY})\b{_DOT}")
_DAY_DATE = re.compile(rf"\b({_DAY_ANY})\.?,?\s+(?=(?:{_MONTH_FULL})\s+\d)")
# "Wed", "Sat" and "Sun" are also words ("Sat down", "Sun protection"): expanded alone only
# where a day is meant ("on Sat", "every Sun", "Fri, Sat", "Closed Sat.").
_DAY_ALONE = re.compile(
    rf"\b(Mon|Tues?|Thu(?:rs?)?|Fri)\b{_DOT}"
    rf"|(?:(?<=\bon )|(?<=\bevery )|(?<=, )|(?<=\bor )|(?<=\band ))(Wed|Sat|Sun)\b{_DOT}"
    rf"|\b(Wed|Sat|Sun)(?=[.,;!?]|$){_DOT}"
)
_DOCTOR = re.compile(r"\bDr(s?)\.?(?=\s+[A-Z])")
_UNIT = re.compile(r"\b(\d+)\s*(mins?|hrs?)\b")
_SIMPLE = [
    (re.compile(rf"\b([Aa])ppts\b{_DOT}"), r"\1ppointments"),
    (re.compile(rf"\b([Aa])ppt\b{_DOT}"), r"\1ppointment"),
    (re.compile(r"\bw/\s*"), "with "),
    (re.compile(r"\be\.g\.,?"), "for example,"),
    (re.compile(r"\bi\.e\.,?"), "that is,"),
    (re.compile(r"\bvs\.?(?=\s)"), "versus"),
    (re.compile(r"\b([Aa])pprox\.?(?=\s)"), r"\1bout"),
    (re.compile(r"\bASAP\b"), "as soon as possible"),
    (re.compile(r"\bOK\b"), "okay"),
    (re.compile(rf"\bBlvd\b{_DOT}"), "Boulevard"),
    (re.compile(rf"\bAve\b{_DOT}(?=[\s,.]|$)"), "Avenue"),
    (re.compile(r"\bSte\b\.?(?=\s+\d)"), "Suite"),
    (re.compile(r"\s*&\s*"), " and "),
    (re.compile(r"(\d)\s*%"), r"\1 percent"),
    (re.compile(r"#(?=\d)"), "number "),
    (re.compile(r"\*+"), ""),
    (re.compile(r"(?m)^[ \t]*[-•][ \t]+"), ""),
]

_MARKER = re.compile(r"(?<!\S)(\d{1,2})\)[ \t]+")
_ITEM_TAIL = re.compile(r"(?:,?\s+or)?[\s,;]*$")
_ITEM_END = re.compile(r"\n|[?!]|\.(?=\s|$)")
_PICKING = re.compile(r"\breply\s+(?:\d|with the number)|\bwhich\b|\bhow about\b", re.I)
_SLOT = re.compile(
    rf"^(?P<day>(?:{'|'.join(DAY_NAMES)}), (?:{_MONTH_FULL}) \d{{1,2}}) at (?P<time>.+)$"
)
_WITH = re.compile(r"^(?P<head>.+?)(?P<with> with .+)$")

_PAREN_AFTER_END = re.compile(r"([.!?])[ \t]*\(([^()\n]+)\)")
_PAREN_BEFORE_END = re.compile(r"[ \t]*\(([^()\n]+)\)(?=[.!?])")
_PAREN = re.compile(r"[ \t]*\(([^()\n]+)\)")
_LINE_END = re.compile(r"(?<=[^\s.!?:;,])[ \t]*\n\s*")
_NEWLINES = re.compile(r"\s*\n\s*")
_INLINE_REPLY = re.compile(r"[:;]\s+(?=reply\b)", re.I)
_SIGNATURE = re.compile(r"([.!?])\s+[-–—]\s+[^.!?]+$")
_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE = re.compile(r"\s+([,.!?;:])")
_DOUBLE_PUNCT = re.compile(r"([.!?])(?:\s*[.,;:]|[!?])+|[,;:]\s*([.!?])|,(?:\s*,)+")
_SENTENCE_BREAK = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”]))\s+")
_SENTENCE_START = re.compile(r"(^|[.!?][\"”]?\s+)([a-z])")
_CAPS = re.compile(r"\b[A-Z]{2,}\b")
_ZIP_AHEAD = re.compile(r"\s+\d{5}\b")
_ENDS_WELL = re.compile(r"[.!?][\"”’')]*$")

# Whole-sentence reply instructions and their spoken versions (see ``_speak_sentence``).
_REPLY_NUMBERS = re.compile(
    r"^(?:or\s+)?reply\s+(?P<numbers>\d+(?:(?:,\s*|\s+or\s+)\d+)*)"
    r"(?P<rest>(?:\s+to\s+(?:pick|take|choose|select)\b[^.!?]*)?(?:,?\s+or\s+tell me [^.!?]*)?)"
    r"[.!?]?$",
    re.I,
)
_DIGITS = re.compile(r"\d+")
_REPLY_NUMBER_OR_NAME = re.compile(r"^reply with the number or (?:the )?name[.!?]?$", re.I)
_REPLY_HERE = re.compile(r"^[Rr]eply here to (?P<rest>.+?)[.!?]?$")
_REPLY_YES_OR_TELL = re.compile(
    r"^(?:[Oo]r\s+)?[Rr]eply\s+YES,?\s+or\s+(?P<rest>tell me .+?)[.!?]?$"
)
_REPLY_WAITLIST = re.compile(
    r"^(?P<either>[Oo]r\s+)?[Rr]eply\s+WAITLIST\s+and\s+I'll\s+(?P<rest>.+?)[.!?]?$"
)
_REPLY_TWO_WAYS = re.compile(
    r"^(?:[Oo]r\s+)?[Rr]eply\s+(?P<a>[A-Z]+)\s+to\s+(?P<x>.+?),?\s+or\s+(?P<b>[A-Z]+)\s+to\s+"
    r"(?P<y>.+?)[.!?]?$"
)
_WHICH_ONE = re.compile(r"^Which one\?$")
_GO_AHEAD = re.compile(r"^Shall I go ahead\b[^.!?]*\?$")
_CONFIRM_LEAD = re.compile(r"^(?P<verb>Book|Move|Cancel)\s+(?P<rest>.+)\?$")
_SAY_KEYWORD = re.compile(r"(?<![\w\"])(?:[Rr]eply|[Tt]ext)\s+(?=[\"“]|[A-Z]{2,}\b|[A-Z]\b|\d)")
# "Reply HELP for help, STOP to stop": the second keyword needs its own "or say".
_MORE_KEYWORDS = re.compile(r",\s+(?=[A-Z]{2,}\s+(?:to|for)\b)")
_NAME_LIST = re.compile(r"(?<=:\s)[A-Z][^,.!?:;\d]*(?:,\s+[A-Z][^,.!?:;\d]*)+(?=[.!](?:\s|$))")
_TEXT_US = re.compile(r"\b([Tt])ext (?:us|me)\b")
_BY_TEXT = re.compile(r"\bby text\b")
_REPLY_LEFT = re.compile(r"\b([Rr])eply\b")

# How to answer a question, said in brackets inside it: "(reply 1, 2 or 3)", "(YES or NO)".
# A caller just answers the question, so the aside goes.
_NO_TO_ASIDE = re.compile(r"[ \t]*\(YES,? or NO to ([^()\n]+)\)\?")
_REPLY_ASIDE = re.compile(
    r"[ \t]*\((?:reply\b|YES\b|(?:\d+(?:,\s*|\s+or\s+))*\d+\))[^()\n]*\)?(?=[\s:,.?!])", re.I
)
_LEADS = {
    "Book": "I can book",
    "Move": "I can move",
    "Cancel": "Just to confirm, you'd like to cancel",
}


# --------------------------------------------------------------------------- the entry point


def for_the_ear(text: str) -> str:
    """``text`` (one SMS reply) as it should be spoken to a caller; "" stays ""."""
    text = _REPLY_ASIDE.sub("", _NO_TO_ASIDE.sub(r", or would you rather \1?", text))
    text = _EMOTICON.sub("", _EMOJI.sub("", _EMOJI_BREAK.sub(". ", text)))
    text = _drop_links(text)
    text = _expand(text)
    text = _speak_lists(text)
    text = _flatten(text)
    text = _speak_sentences(_SENTENCE_BREAK.split(text))
    text = _CAPS.sub(_uncap, text)
    return _finish(text)


# --------------------------------------------------------------------------- links


def _drop_links(text: str) -> str:
    """A caller cannot click a link: say it will be texted (once), unless the reply says so."""
    promise = [not _MENTIONS_LINK.search(_URL.sub("", text))]

    def after_colon(_: re.Match) -> str:
        said, promise[0] = promise[0], False
        return ". I'll text you a link. " if said else ". "

    def inline(_: re.Match) -> str:
        said, promise[0] = promise[0], False
        return "the link I'll text you" if said else "the link"

    return _URL.sub(inline, _URL_AFTER_COLON.sub(after_colon, text))


# --------------------------------------------------------------------------- words


def _expand(text: str) -> str:
    """Symbols and abbreviations a speech engine misreads, in words."""
    text = _PHONE.sub(_phone, text)
    text = _MONEY_NOUN.sub(_money_noun, text)
    text = _MONEY.sub(_money, text)
    text = _CLOCK.sub(_clock, text)
    text = _TIME_RANGE.sub(r"\1 to ", text)
    text = _MONTH.sub(lambda m: MONTHS[m.group(1)], text)
    text = _DAY_RANGE.sub(lambda m: f"{_day(m.group(1))} to {_day(m.group(2))}", text)
    text = _DAY_PAIR.sub(lambda m: f"{_day(m.group(1))} and {_day(m.group(2))}", text)
    text = _DAY_DATE.sub(lambda m: f"{_day(m.group(1))}, ", text)
    text = _DAY_ALONE.sub(lambda m: DAYS[next(g for g in m.groups() if g)], text)
    text = _DOCTOR.sub(lambda m: "Doctors" if m.group(1) else "Doctor", text)
    text = _UNIT.sub(_unit, text)
    for pattern, replacement in _SIMPLE:
        text = pattern.sub(replacement, text)
    return text


def _day(name: str) -> str:
    """ "Tue" -> "Tuesday"; a full name stays."""
    return DAYS.get(name, name)


def _phone(m: re.Match) -> str:
    """ "+15550100001" is read as one huge number; grouped digits are read as a phone number."""
    groups = [g for g in m.groups() if g]
    return "-".join(groups)


def _money(m: re.Match) -> str:
    """ "$50" -> "50 dollars", "$49.50" -> "49 dollars 50", "$0.50" -> "50 cents"."""
    dollars, cents = m.group("dollars"), m.group("cents") or "00"
    if dollars == "0" and cents != "00":
        return f"{int(cents)} cent{'' if cents == '01' else 's'}"
    spoken = f"{dollars} dollar{'' if dollars == '1' else 's'}"
    return spoken if cents == "00" else f"{spoken} {cents}"


def _money_noun(m: re.Match) -> str:
    """ "the $50 deposit" -> "the deposit of 50 dollars" ("the 50 dollars deposit" is wrong)."""
    article = {"an": "a", "An": "A"}.get(m.group("art"), m.group("art"))
    return f"{article} {m.group('noun')} of {_MONEY.sub(_money, m.group('amt'))}"


def _clock(m: re.Match) -> str:
    """ "2:00 PM" -> "2 PM" (nobody says "two o'clock zero zero"); "3:30 PM" stays."""
    hour, minute, half = m.group(1), m.group(2), m.group(3).upper()
    said = f"{int(hour)}:{minute} {half}M" if minute and minute != "00" else f"{int(hour)} {half}M"
    rest = m.string[m.end() :].lstrip()
    if m.group(0).endswith(".") and rest[:1].isupper():  # "a.m." also ended its sentence
        said += "."
    return said


def _unit(m: re.Match) -> str:
    """ "15 min" -> "15 minutes": "min" is read as "min", not as a unit."""
    count, unit = m.group(1), "minute" if m.group(2).startswith("m") else "hour"
    return f"{count} {unit}{'' if count == '1' else 's'}"


def _uncap(m: re.Match) -> str:
    """Keywords and shouting as normal words; known acronyms and state codes (before a ZIP)
    stay spelled out."""
    word = m.group(0)
    if word in KEEP_CAPS or _ZIP_AHEAD.match(m.string, m.end()):
        return word
    return word.lower()


# --------------------------------------------------------------------------- option lists


def _speak_lists(text: str) -> str:
    """Numbered options ("1) Tue Dec 1 at 2 PM\\n2) ...") as one spoken list."""
    choosing = bool(_PICKING.search(text))
    markers = list(_MARKER.finditer(text))
    runs: list[list[re.Match]] = []
    for marker in markers:
        number = int(marker.group(1))
        if runs and number == int(runs[-1][-1].group(1)) + 1:
            runs[-1].append(marker)
        elif number == 1:
            runs.append([marker])
    for run in reversed(runs):
        text = _speak_run(text, run, choosing)
    return _MARKER.sub("", text)


def _speak_run(text: str, run: Sequence[re.Match], choosing: bool) -> str:
    """Replace one run of markers 1..n and their items with a spoken list, and join it to the
    sentence that introduced it."""
    items = [
        _ITEM_TAIL.sub("", text[m.end() : following.start()]).strip()
        for m, following in pairwise(run)
    ]
    last = _ITEM_END.search(text, run[-1].end())
    end = last.start() if last else len(text)
    items.append(text[run[-1].end() : end].strip())
    spoken = _join([i for i in _fold(items) if i], "or" if choosing else "and")

    head, tail = text[: run[0].start()].rstrip(), text[end:]
    closing = "."
    if head.endswith("How about one of these?"):
        head, closing = head[: -len("one of these?")].rstrip(), "?"
    elif head.endswith("?"):
        head, closing = head[:-1] + ":", "?"
    rest = tail.lstrip(" \t")
    if rest[:1] in (".", "?", "!"):  # an inline list keeps the sentence's own ending
        return f"{head} {spoken}{rest}".lstrip()
    return f"{head} {spoken}{closing} {tail.lstrip()}".strip()


def _fold(items: list[str]) -> list[str]:
    """Offered times say their day and provider once: "Tuesday, December 1 at 2 PM, 3 PM, or
    4 PM with Jess Kim" (a listener cannot skim repeated words the way a reader can)."""
    if len(items) < 2 or not all(_SLOT.match(i) for i in items):
        return items
    folded, day = [], None
    for item in _provider_once(items):
        slot = _SLOT.match(item)
        folded.append(slot.group("time") if slot and slot.group("day") == day else item)
        day = slot.group("day") if slot else None
    return folded


def _provider_once(items: list[str]) -> list[str]:
    """The shared " with Doctor Maya Patel" kept on the last item only."""
    withs = [m for m in (_WITH.match(i) for i in items) if m]
    if len(withs) < len(items) or len({m.group("with") for m in withs}) > 1:
        return items
    return [m.group("head") for m in withs[:-1]] + [items[-1]]


def _join(items: Sequence[str], word: str) -> str:
    """ "A or B", "A, B, or C": the comma before "or" is a pause the listener needs."""
    if len(items) <= 2:
        return f" {word} ".join(items)
    return f"{', '.join(items[:-1])}, {word} {items[-1]}"


# --------------------------------------------------------------------------- layout


def _flatten(text: str) -> str:
    """One line of sentences: parentheses as commas, lines as sentences, tidy spacing."""
    text = _PAREN_AFTER_END.sub(r", \2\1", text)
    text = _PAREN_BEFORE_END.sub(lambda m: ". " + m.group(1)[:1].upper() + m.group(1)[1:], text)
    text = _PAREN.sub(r", \1,", text)
    text = _NEWLINES.sub(" ", _LINE_END.sub(". ", text))
    text = _INLINE_REPLY.sub(". ", text)
    return _NAME_LIST.sub(_name_list, _tidy(text))


def _name_list(m: re.Match) -> str:
    """ "We offer: Botox, HydraFacial, Consultation." needs an "and" before the last name."""
    names = [n.strip() for n in m.group(0).split(",")]
    if any(" and " in n or " or " in n for n in names):
        return m.group(0)
    return _join(names, "and")


def _tidy(text: str) -> str:
    """Single spaces, no space before punctuation, no doubled punctuation left by the edits."""
    text = _SPACES.sub(" ", text)
    text = _SPACE_BEFORE.sub(r"\1", text)
    return _DOUBLE_PUNCT.sub(lambda m: m.group(1) or m.group(2) or ",", text).strip()


def _finish(text: str) -> str:
    """Capital at each sentence start and a full stop at the end, so the voice closes."""
    text = _SIGNATURE.sub(r"\1", _tidy(text))
    text = _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), text)
    text = text.rstrip(" ,;:-–—")
    if text.endswith("…"):
        text = text[:-1].rstrip(" ,;:") + "."
    if text and not _ENDS_WELL.search(text):
        text += "."
    return text


# --------------------------------------------------------------------------- reply instructions


def _speak_sentences(sentences: Sequence[str]) -> str:
    """Each sentence with its SMS instruction said aloud; an instruction already answered by
    the question before it is dropped."""
    said: list[str] = []
    two_way = any(_REPLY_TWO_WAYS.match(s) or _GO_AHEAD.match(s) for s in sentences)
    for sentence in sentences:
        lead = _CONFIRM_LEAD.match(sentence) if two_way else None
        if lead:
            sentence = f"{_LEADS[lead.group('verb')]} {lead.group('rest')}."
        asked = bool(said) and said[-1].endswith("?")
        spoken = _speak_sentence(sentence, asked)
        if spoken:
            said.append(_speak_inline(spoken))
    return " ".join(said)


def _speak_sentence(sentence: str, asked: bool) -> str:
    """The spoken version of a whole-sentence reply instruction ("" when nothing is left)."""
    for pattern, speak in _INSTRUCTIONS:
        m = pattern.match(sentence)
        if m:
            return speak(m, asked)
    return sentence


def _reply_numbers(m: re.Match, asked: bool) -> str:
    """ "Reply 1, 2 or 3 to pick one, or tell me another time." as the question it stands for."""
    count = len(_DIGITS.findall(m.group("numbers")))
    if "another" in m.group("rest"):
        if asked:
            return (
                "Or would another time be better?"
                if count > 1
                else "Or would you like another time?"
            )
        if count == 1:
            return "Would that time work, or would you like another?"
        return "Which suits you, or would another time be better?"
    if asked:
        return ""
    return "Would that one work?" if count == 1 else "Which one would you like?"


def _reply_number_or_name(_: re.Match, asked: bool) -> str:
    """The numbers were never said aloud; the question before already asks for a name."""
    return "" if asked else "Just tell me which one."


def _reply_here(m: re.Match, _: bool) -> str:
    """ "Reply here to reschedule": the caller is already talking to us."""
    return f"If you'd like to {m.group('rest')}, just let me know."


def _reply_yes_or_tell(m: re.Match, asked: bool) -> str:
    """ "Reply YES or tell me a day": after "Would you like to book?", a yes is implied."""
    return f"If so, just {m.group('rest')}." if asked else f"Just say yes, or {m.group('rest')}."


def _reply_waitlist(m: re.Match, _: bool) -> str:
    """A keyword to send becomes the offer it stands for, asked as a question."""
    ask = "Or would" if m.group("either") else "Would"
    return f"{ask} you like to join the waitlist, so I can {m.group('rest')}?"


def _reply_two_ways(m: re.Match, _: bool) -> str:
    """ "Reply YES to confirm or NO to pick another time." -> "Shall I go ahead, or ...?" """
    do, other = m.group("x"), m.group("y")
    if m.group("a") == "YES":
        go = "Shall I go ahead" if do == "confirm" else f"Shall I go ahead and {do}"
        return f"{go}, or would you rather {other}?"
    return f"Would you like to {do}, or {other}?"


def _which_one(m: re.Match, asked: bool) -> str:
    """ "Which one?" after the list's own question asks it twice."""
    return "" if asked else m.group(0)


_INSTRUCTIONS: list[tuple[re.Pattern, Callable[[re.Match, bool], str]]] = [
    (_WHICH_ONE, _which_one),
    (_REPLY_NUMBERS, _reply_numbers),
    (_REPLY_NUMBER_OR_NAME, _reply_number_or_name),
    (_REPLY_HERE, _reply_here),
    (_REPLY_YES_OR_TELL, _reply_yes_or_tell),
    (_REPLY_WAITLIST, _reply_waitlist),
    (_REPLY_TWO_WAYS, _reply_two_ways),
]


def _speak_inline(sentence: str) -> str:
    """Instructions inside a sentence: "reply START" -> "say start", "text us" -> "call us"."""
    sentence = (
        _MORE_KEYWORDS.sub(", or say ", sentence) if _SAY_KEYWORD.search(sentence) else sentence
    )
    sentence = _SAY_KEYWORD.sub(
        lambda m: "Just say " if m.group(0)[0].isupper() else "say ", sentence
    )
    sentence = _TEXT_US.sub(lambda m: "Call us" if m.group(1) == "T" else "call us", sentence)
    sentence = _BY_TEXT.sub("over the phone", sentence)
    return _REPLY_LEFT.sub(lambda m: "Respond" if m.group(1) == "R" else "respond", sentence)
