"""Deterministic extraction: dates in the clinic's zone, services, providers, names, answers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from actors.brain import nlu

LA = ZoneInfo("America/Los_Angeles")
CHICAGO = ZoneInfo("America/Chicago")
GLOW_NOW = datetime(2026, 11, 25, 10, 0, tzinfo=LA)  # a Wednesday morning
ALIGN_NOW = datetime(2026, 11, 25, 10, 0, tzinfo=CHICAGO)


@pytest.mark.parametrize(
    ("text", "day", "at", "part"),
    [
        ("next Tuesday at 3", date(2026, 12, 1), time(15), None),
        ("tomorrow afternoon", date(2026, 11, 26), None, "afternoon"),
        ("the 14th", date(2026, 12, 14), None, None),
        ("Friday 2pm", date(2026, 11, 27), time(14), None),
        ("3:30", None, time(15, 30), None),
        ("this Saturday morning", date(2026, 11, 28), None, "morning"),
        ("Dec 14 at 10am", date(2026, 12, 14), time(10), None),
        ("December 3rd, 2026 at 11:15 a.m.", date(2026, 12, 3), time(11, 15), None),
        ("12/14", date(2026, 12, 14), None, None),
        ("in 3 days", date(2026, 11, 28), None, None),
        ("at noon", None, time(12), None),
        ("Wednesday", date(2026, 11, 25), None, None),
        ("next Wednesday", date(2026, 12, 2), None, None),
        ("tues @ 4", date(2026, 12, 1), time(16), None),
        ("saturday at 9", date(2026, 11, 28), time(9), None),
        ("tomorrow at 12", date(2026, 11, 26), time(12), None),
        ("tuesday 3", date(2026, 12, 1), time(15), None),
        ("half past 2 on friday", date(2026, 11, 27), time(14, 30), None),
        ("Thursday evening at 6", date(2026, 11, 26), time(18), "evening"),
        ("tomorrow morning at 10", date(2026, 11, 26), time(10), "morning"),
        ("the day after tomorrow", date(2026, 11, 27), None, None),
        ("17:45 tomorrow", date(2026, 11, 26), time(17, 45), None),
        ("yesterday at 3", date(2026, 11, 24), time(15), None),
    ],
)
def test_date_phrases_are_read_in_the_clinic_zone_relative_to_now(text, day, at, part):
    when = nlu.parse_when(text, GLOW_NOW, LA)
    assert (when.day, when.at, when.part_of_day) == (day, at, part)


def test_a_month_date_that_already_passed_this_year_means_next_year():
    assert nlu.parse_when("Nov 20", GLOW_NOW, LA).day == date(2027, 11, 20)


def test_next_week_is_a_week_to_search_not_a_day():
    when = nlu.parse_when("sometime next week", GLOW_NOW, LA)
    assert when.day is None and when.week_of == date(2026, 11, 30)  # the Monday


@pytest.mark.parametrize("text", ["2/30", "Feb 30", "I have 3 kids", "botox for $50", "20 units"])
def test_impossible_dates_and_plain_numbers_are_not_read_as_times(text):
    assert not nlu.parse_when(text, GLOW_NOW, LA)


def test_a_bare_hour_is_read_as_a_business_hour():
    assert nlu.parse_when("at 3", GLOW_NOW, LA).at == time(15)
    assert nlu.parse_when("at 6", GLOW_NOW, LA).at == time(18)
    assert nlu.parse_when("at 9", GLOW_NOW, LA).at == time(9)
    assert nlu.parse_when("around 11", GLOW_NOW, LA).at == time(11)


def test_dates_follow_the_turns_now_not_the_wall_clock():
    later = datetime(2031, 6, 2, 9, 0, tzinfo=LA)  # a Monday
    assert nlu.parse_when("tomorrow", later, LA).day == date(2031, 6, 3)


def test_the_chicago_clinic_gets_a_chicago_start():
    when = nlu.parse_when("Monday at 8", ALIGN_NOW, CHICAGO)
    start = when.start(CHICAGO)
    assert start == datetime(2026, 11, 30, 8, 0, tzinfo=CHICAGO)
    assert start.utcoffset() == timedelta(hours=-6)


def test_a_start_after_the_autumn_dst_change_gets_the_winter_offset():
    before_change = datetime(2026, 10, 31, 10, 0, tzinfo=LA)  # Saturday, PDT
    assert before_change.utcoffset() == timedelta(hours=-7)
    start = nlu.parse_when("Tuesday at 3", before_change, LA).start(LA)
    assert start.date() == date(2026, 11, 3)
    assert start.utcoffset() == timedelta(hours=-8)
    assert start.isoformat() == "2026-11-03T15:00:00-08:00"


def test_a_start_after_the_spring_dst_change_gets_the_summer_offset():
    before_change = datetime(2026, 3, 6, 9, 0, tzinfo=CHICAGO)  # Friday, CST
    start = nlu.parse_when("Monday at 10am", before_change, CHICAGO).start(CHICAGO)
    assert start.isoformat() == "2026-03-09T10:00:00-05:00"


def test_now_in_another_zone_is_converted_to_the_clinic_day():
    utc_now = datetime(2026, 11, 26, 5, 0, tzinfo=LA).astimezone(CHICAGO)  # 07:00 in Chicago
    assert nlu.parse_when("today", utc_now, LA).day == date(2026, 11, 26)


def test_a_reschedule_target_is_the_time_after_to():
    when = nlu.parse_target_when("can you move my Tuesday botox to Friday at 3", GLOW_NOW, LA)
    assert (when.day, when.at) == (date(2026, 11, 27), time(15))
    assert nlu.parse_target_when("I need to reschedule", GLOW_NOW, LA).day is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hydra facial", ["HydraFacial"]),
        ("HydraFacials", ["HydraFacial"]),
        ("hydrafacail please", ["HydraFacial"]),
        ("botx", ["Botox"]),
        ("some tox", ["Botox"]),
        ("a facial", ["HydraFacial"]),
        ("laser", ["Laser Hair Removal"]),
        ("chem peel", ["Chemical Peel"]),
        ("chemcial pell", ["Chemical Peel"]),
        ("consultaton", ["Consultation"]),
        ("a peel or a facial", ["HydraFacial", "Chemical Peel"]),
        ("I want to book", []),
        ("do you feel ok", []),
    ],
)
def test_services_match_names_synonyms_and_typos(glow, text, expected):
    assert [s.name for s in nlu.match_services(text, glow.services)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("massage", ["Massage Therapy"]),
        ("I'm a new patient", ["New Patient Exam"]),
        ("chiropractic exam", ["New Patient Exam", "Adjustment"]),
        ("can I leave a message", []),
        ("just checking in", []),
    ],
)
def test_services_of_the_chiropractor_and_words_that_only_look_like_them(align, text, expected):
    assert [s.name for s in nlu.match_services(text, align.services)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("with Jess", ["Jess Kim"]),
        ("Dr. Patel please", ["Dr. Maya Patel"]),
        ("can maya do it", ["Dr. Maya Patel"]),
        ("dr patle", ["Dr. Maya Patel"]),
        ("no one in particular", []),
    ],
)
def test_providers_match_first_or_last_names(glow, text, expected):
    assert [p.name for p in nlu.match_providers(text, glow.providers)] == expected


def test_chiropractors_are_told_apart_by_last_name(align):
    assert [p.name for p in nlu.match_providers("with Dr. Lee", align.providers)] == ["Dr. Ana Lee"]
    assert nlu.wants_any_provider("anyone is fine")
    assert not nlu.wants_any_provider("with Jess")


@pytest.mark.parametrize(
    ("text", "expecting", "name"),
    [
        ("I'm Jane Doe", False, "Jane Doe"),
        ("this is jane", False, "Jane"),
        ("my name is Jane Doe", False, "Jane Doe"),
        ("hi this is Jane, can I book?", False, "Jane"),
        ("i'm jane doe and i want botox", False, "Jane Doe"),
        ("Jane Doe", True, "Jane Doe"),
        ("mary-kate o'neil", True, "Mary-Kate O'Neil"),
        ("Jane Doe", False, None),
        ("I'm free Tuesday", False, None),
        ("I'm looking for botox", False, None),
        ("this is for my daughter", False, None),
        ("yes", True, None),
        ("Tuesday at 3", True, None),
        ("what time is it", True, None),
        ("botox", True, None),
    ],
)
def test_names_come_from_introductions_or_a_bare_reply_when_asked(text, expecting, name):
    assert nlu.extract_name(text, expecting=expecting) == name


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("yes", "yes"),
        ("Yep!", "yes"),
        ("sounds good", "yes"),
        ("that works", "yes"),
        ("ok thanks", "yes"),
        ("yes please book it", "yes"),
        ("no", "no"),
        ("nope", "no"),
        ("another time", "no"),
        ("none of those work", "no"),
        ("not sure", None),
        ("maybe", None),
        ("no problem", None),
        ("what's the price", None),
    ],
)
def test_yes_and_no_are_recognised_and_hedges_are_neither(text, answer):
    assert nlu.yes_no(text) == answer


def test_never_mind_stops_a_flow():
    assert nlu.is_abort("never mind")
    assert nlu.is_abort("actually forget it")
    assert not nlu.is_abort("I'd like to book")


_OPTIONS = [
    datetime(2026, 11, 26, 9, 0, tzinfo=LA),  # Thu 9:00 AM, Dr. Maya Patel
    datetime(2026, 11, 26, 15, 0, tzinfo=LA),  # Thu 3:00 PM, Jess Kim
    datetime(2026, 11, 27, 11, 0, tzinfo=LA),  # Fri 11:00 AM, Dr. Maya Patel
]
_PROVIDERS = ["Dr. Maya Patel", "Jess Kim", "Dr. Maya Patel"]


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("2", 1),
        ("#3", 2),
        ("option 1", 0),
        ("I'll take 2 please", 1),
        ("the first one", 0),
        ("second", 1),
        ("the last one", 2),
        ("the 3pm one", 1),
        ("3pm", 1),
        ("the Friday one", 2),
        ("the one with Jess", 1),
        ("4", None),
        ("the 2pm one", None),
        ("Thursday", None),  # two options on Thursday: not a choice
        ("tomorrow", None),
        ("tomorrow afternoon", 1),
        ("first thing tomorrow", 0),  # the morning one, not "the first"
    ],
)
def test_an_offered_option_is_chosen_by_number_order_time_day_or_provider(text, index):
    assert nlu.choose_option(text, _OPTIONS, _PROVIDERS, GLOW_NOW, LA) == index


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I need to reschedule", "reschedule"),
        ("can I move my appointment", "reschedule"),
        ("please cancel my appointment", "cancel"),
        ("stop texting me", "opt_out"),
        ("STOP", "opt_out"),
        ("please don't message me again", "opt_out"),
        ("can I talk to a real person", "human"),
        ("when is my appointment", "list_appointments"),
        ("help", "help"),
        ("what can you do?", "help"),
        ("I'd like to book botox", None),
    ],
)
def test_plain_keywords_settle_some_intents_without_the_classifier(text, intent):
    assert nlu.keyword_intent(text) == intent


def test_a_date_far_ahead_is_still_read_so_the_tools_can_refuse_it():
    assert nlu.parse_when("in 400 days", GLOW_NOW, LA).day == date(2027, 12, 30)
