"""Times, days and choices as customers actually write them (issue 17 item 4): spelled-out
hours, "half past", "quarter to", "10ish", "8 at night", "a week from Friday", and picking an
offered time by word number, ordinal, hour, "either" or "the later one"."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from actors.brain import nlu

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=LA)  # a Thursday morning
FRI, SAT, TUE = date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 8)


@pytest.mark.parametrize(
    ("text", "day", "at"),
    [
        ("half past two tomorrow", FRI, time(14, 30)),
        ("quarter past 11 friday", FRI, time(11, 15)),
        ("a quarter past nine on friday", FRI, time(9, 15)),
        ("quarter to 3 friday", FRI, time(14, 45)),
        ("nine thirty tomorrow", FRI, time(9, 30)),
        ("tomorrow at two", FRI, time(14, 0)),
        ("two pm friday", FRI, time(14, 0)),
        ("tomorrow around eleven", FRI, time(11, 0)),
        ("the 9th at ten thirty", date(2026, 12, 9), time(10, 30)),
        ("fri 4.45pm", FRI, time(16, 45)),
        ("8 in the morning on friday", FRI, time(8, 0)),
        ("friday at 8 at night", FRI, time(20, 0)),
        ("sat 10ish", SAT, time(10, 0)),
        ("10-ish saturday", SAT, time(10, 0)),
        ("tues 9", TUE, time(9, 0)),
        ("thurs at 9:45", date(2026, 12, 3), time(9, 45)),
        ("12/9 @ 3:00", date(2026, 12, 9), time(15, 0)),
        ("Friday at 2:15 in the afternoon", FRI, time(14, 15)),
    ],
)
def test_a_time_said_any_way_is_read_as_that_time(text, day, at):
    when = nlu.parse_when(text, NOW, LA)
    assert (when.day, when.at) == (day, at)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("a week from friday", date(2026, 12, 11)),
        ("2 weeks from now", date(2026, 12, 17)),
        ("3 weeks from saturday", date(2026, 12, 26)),
    ],
)
def test_weeks_from_a_day_count_from_that_day(text, day):
    assert nlu.parse_when(text, NOW, LA).day == day


@pytest.mark.parametrize(
    ("text", "before"),
    [
        ("Can I get Botox before my wedding on the 19th?", date(2026, 12, 19)),
        ("anything before Friday?", FRI),
        ("a facial ahead of my sister's wedding on December 12", date(2026, 12, 12)),
        ("no later than the 12th please", date(2026, 12, 12)),
        ("i want to come in before my trip on 12/15", date(2026, 12, 15)),
        ("sometime prior to next tuesday", TUE),
    ],
)
def test_a_deadline_is_a_limit_not_the_day_asked_for(text, before):
    when = nlu.parse_when(text, NOW, LA)
    assert (when.before, when.day) == (before, None)


@pytest.mark.parametrize(
    ("text", "day", "at"),
    [
        ("before 3pm on Friday", FRI, time(15, 0)),  # a time of day, on the day named
        ("Friday before noon", FRI, time(12, 0)),
        ("can I come by Friday", FRI, None),  # "by" names the visit's day
    ],
)
def test_before_a_time_and_by_a_day_are_not_deadlines(text, day, at):
    when = nlu.parse_when(text, NOW, LA)
    assert (when.day, when.at, when.before) == (day, at, None)


def test_a_time_after_the_deadline_phrase_is_still_read():
    when = nlu.parse_when("before my wedding on the 19th, at 3pm?", NOW, LA)
    assert (when.before, when.at) == (date(2026, 12, 19), time(15, 0))


@pytest.mark.parametrize("text", ["$4.50 fee", "is it 4.50 dollars", "4.5 stars"])
def test_money_and_ratings_are_not_times(text):
    assert nlu.parse_when(text, NOW, LA).at is None


OFFERED = [
    datetime(2026, 12, 4, 11, 0, tzinfo=LA),
    datetime(2026, 12, 4, 13, 30, tzinfo=LA),
    datetime(2026, 12, 5, 15, 0, tzinfo=LA),
]
PROVIDERS = ["Dr. Maya Patel", "Jess Kim", "Dr. Maya Patel"]


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("number two", 1),
        ("two", 1),
        ("ok 3", 2),
        ("yes 1 please", 0),
        ("the middle one", 1),
        ("the earlier one", 0),
        ("the later one", 2),
        ("either is fine", 0),
        ("whichever", 0),
        ("any of them", 0),
        ("doesn't matter, you pick", 0),
        ("11", 0),
        ("the eleven", 0),
        ("eleven o'clock", 0),
        ("half past one", 1),
        ("1.30", 1),
        ("the one with jess", 1),
        ("Let's do the second", 1),
        ("3rd", 2),
    ],
)
def test_an_offered_time_is_picked_however_it_is_named(text, index):
    assert nlu.choose_option(text, OFFERED, PROVIDERS, NOW, LA) == index


@pytest.mark.parametrize("text", ["option b", "4", "the 2 o'clock", "something later in the week"])
def test_what_picks_no_offered_time_picks_none(text):
    assert nlu.choose_option(text, OFFERED, PROVIDERS, NOW, LA) is None
