"""A waitlist wish in customers' own words: joining is recognised, days and reach are read."""

from __future__ import annotations

import pytest

from actors.brain import nlu


@pytest.mark.parametrize(
    "text",
    [
        "put me on the waitlist",
        "Can you add me to the wait list for a facial?",
        "WAITLIST",
        "let me know if something opens up",
        "text me if someone cancels before friday",
        "I'd like to be on the waiting list for botox",
        "sign me up for the cancellation list",
    ],
)
def test_joining_the_waitlist_is_recognised(text):
    assert nlu.keyword_intent(text) == "waitlist"


@pytest.mark.parametrize(
    "text",
    ["what's your cancellation policy", "stop", "is there a wait to get in?", "I'll wait"],
)
def test_other_words_are_not_taken_for_it(text):
    assert nlu.keyword_intent(text) != "waitlist"


@pytest.mark.parametrize(
    "text, days",
    [
        ("any Tuesday or Thursday afternoon", ["tue", "thu"]),
        ("mondays, weds and fridays", ["mon", "wed", "fri"]),
        ("weekdays only", ["mon", "tue", "wed", "thu", "fri"]),
        ("the weekend", ["sat", "sun"]),
        ("text me if someone cancels before friday", []),  # Friday is the limit
        ("any monday, no later than next friday", ["mon"]),
        ("thurs or sat mornings", ["thu", "sat"]),
        ("whenever", []),
    ],
)
def test_days_of_the_week(text, days):
    assert nlu.weekdays(text) == days


@pytest.mark.parametrize(
    "text, ahead",
    [
        ("in the next two weeks", 14),
        ("within 10 days", 10),
        ("next month", 30),
        ("over the next couple of weeks", 14),
        ("any time", None),
    ],
)
def test_how_far_ahead(text, ahead):
    assert nlu.days_ahead(text) == ahead


@pytest.mark.parametrize(
    "text",
    ["remove me from the waitlist", "take me off your wait list please", "leave the waitlist"],
)
def test_leaving_the_waitlist_is_not_an_opt_out(text):
    assert nlu.keyword_intent(text) == "leave_waitlist"
