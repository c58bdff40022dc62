"""The conversation tools: bad input is a typed answer, a bug is a crash (never "busy")."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from actors.conversation_tools import ConversationTools
from store.models import Appointment, Clinic

NOW = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)


def tools_for(database, knowledge=lambda question: {"ok": True, "found": False}):
    clinic = Clinic.get(Clinic.phone == "+15550100001")
    return ConversationTools(clinic, "+15555550123", "sms", "turn-1", NOW, knowledge)


@pytest.mark.parametrize(
    ("name", "arguments", "problem"),
    [
        ("book_appointment", {"service": "Botox", "start": 5, "customer_name": "Ana"}, "start"),
        ("book_appointment", {"service": ["Botox"], "start": "x", "customer_name": "A"}, "service"),
        ("book_appointment", {"service": "Botox", "start": "2026-12-02T10:00"}, "customer_name"),
        ("check_availability", {"service": "Botox", "part_of_day": "midnight"}, "part_of_day"),
        ("cancel_appointment", {"appointment_id": True}, "appointment_id"),
        ("check_availability", {"service": "Botox", "colour": "blue"}, "colour"),
    ],
)
def test_arguments_of_the_wrong_shape_are_answered_not_crashed_on(
    database, name, arguments, problem
):
    result = tools_for(database).call(name, arguments)
    assert result["ok"] is False and result["error"] == "invalid_arguments", result
    assert problem in result["message"]
    assert not Appointment.select().exists()


def test_optional_arguments_given_as_null_mean_not_given(database):
    result = tools_for(database).call(
        "check_availability", {"service": "Botox", "provider": None, "date": None}
    )
    assert result["ok"] is True and result["slots"]


def test_a_bug_inside_a_tool_surfaces_instead_of_passing_for_bad_arguments(database):
    def broken_knowledge(question: str) -> dict:
        raise TypeError("a bug in the knowledge path")

    tools = tools_for(database, broken_knowledge)
    with pytest.raises(TypeError, match="a bug in the knowledge path"):
        tools.call("answer_question", {"question": "Do you have parking?"})


def test_an_expected_booking_failure_is_a_typed_result(database):
    result = tools_for(database).call(
        "book_appointment",
        {"service": "Botox", "start": "2026-11-30T10:00:00-08:00", "customer_name": "Ana"},
    )
    assert result["ok"] is False and result["error"] not in ("invalid_arguments", "unavailable")
