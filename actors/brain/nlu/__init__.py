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

One module per kind of fact: ``catalog`` (services, providers), ``when`` (dates and times),
``names``, ``answers`` (yes / no / never mind), ``options`` (which offered option),
``keywords`` (intents plain words make certain), ``wishes`` (a waitlist wish's days and
reach), on top of ``text`` (normal form, tokens).
Callers use this package's names (``nlu.parse_when``); the modules are its inside.
"""

from actors.brain.nlu.answers import is_abort, yes_no
from actors.brain.nlu.catalog import (
    match_providers,
    match_services,
    service_named,
    wants_any_provider,
)
from actors.brain.nlu.keywords import keyword_intent
from actors.brain.nlu.names import extract_name
from actors.brain.nlu.options import choose_option
from actors.brain.nlu.text import normalise, tokens
from actors.brain.nlu.when import PARTS_OF_DAY, When, parse_target_when, parse_when
from actors.brain.nlu.wishes import days_ahead, weekdays

__all__ = [
    "PARTS_OF_DAY",
    "When",
    "choose_option",
    "days_ahead",
    "extract_name",
    "is_abort",
    "keyword_intent",
    "match_providers",
    "match_services",
    "normalise",
    "parse_target_when",
    "parse_when",
    "service_named",
    "tokens",
    "wants_any_provider",
    "weekdays",
    "yes_no",
]
