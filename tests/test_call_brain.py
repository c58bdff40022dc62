"""What the offline voice engine's brain turns say: the greeting by opening hours, the keypad,
replies for the ear, and the tool that ends the brain's part (in-process, the clock given)."""

from __future__ import annotations

from datetime import UTC, datetime

from actors.call_brain import greeting, hear, vocabulary
from actors.clinic_context import customer_info
from actors.conversation_tools import ConversationTools
from store.models import Clinic, Closure

GLOW = "+15550100001"
CALLER = "+15555550166"
# Glow Med Spa is open Tue-Sat 09:00-18:00 in Los Angeles (UTC-8 in December).
TUESDAY_NOON = datetime(2026, 12, 8, 20, 0, tzinfo=UTC)
MONDAY_NOON = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)
TUESDAY_NIGHT = datetime(2026, 12, 9, 5, 0, tzinfo=UTC)  # 21:00 Tuesday in LA


class NoIntents:
    """The brain's intent classifier with nothing to say: the flows' own signals decide."""

    def classify(self, text: str) -> list[tuple[str, float]]:
        return []


def _tools(clinic: Clinic, now: datetime) -> ConversationTools:
    return ConversationTools(clinic, CALLER, "call", "call:test", now, lambda q: {"ok": False})


def test_the_greeting_says_when_the_clinic_is_closed_now(database):
    clinic = Clinic.get(Clinic.phone == GLOW)
    open_words = greeting(clinic, customer_info(clinic.id, CALLER), TUESDAY_NOON)
    assert open_words.startswith("Thanks for calling Glow Med Spa.")
    assert "closed" not in open_words and open_words.endswith("?")
    for closed_at in (MONDAY_NOON, TUESDAY_NIGHT):
        words = greeting(clinic, customer_info(clinic.id, CALLER), closed_at)
        assert "closed right now" in words and "book" in words and words.endswith("?")


def test_a_holiday_closes_an_open_day(database):
    clinic = Clinic.get(Clinic.phone == GLOW)
    Closure.create(
        clinic=clinic,
        starts_at=datetime(2026, 12, 8, 8, tzinfo=UTC),
        ends_at=datetime(2026, 12, 9, 8, tzinfo=UTC),
        reason="holiday",
    )
    assert "closed right now" in greeting(clinic, customer_info(clinic.id, CALLER), TUESDAY_NOON)


def test_the_recogniser_is_told_the_clinics_own_words(database):
    words = vocabulary(Clinic.get(Clinic.phone == GLOW))
    for term in ("Glow Med Spa", "HydraFacial", "Botox", "Maya Patel", "Jess Kim", "Saturday"):
        assert term in words


def test_a_booking_reply_is_said_for_the_ear_not_as_a_text(database):
    clinic = Clinic.get(Clinic.phone == GLOW)
    tools = _tools(clinic, TUESDAY_NOON)
    result, reply = hear(
        clinic,
        CALLER,
        "I'd like to book a HydraFacial on Friday afternoon",
        dtmf=False,
        state={},
        history=[],
        tools=tools,
        classifier=NoIntents(),
    )
    said = result["say"]
    assert result["ok"] and said.endswith("?"), said
    assert "Reply" not in said and "1)" not in said and ":00 " not in said, said
    assert reply.state.get("stage") in ("offer_slots", "ask_name"), reply.state


def test_keypad_one_at_a_confirmation_is_yes(database):
    clinic = Clinic.get(Clinic.phone == GLOW)
    state: dict = {}
    history: list[dict] = []
    for text in ("I'd like to book a HydraFacial on Friday at 2pm", "Ana Lopez"):
        result, reply = hear(
            clinic, CALLER, text, dtmf=False, state=state, history=history,
            tools=_tools(clinic, TUESDAY_NOON), classifier=NoIntents(),
        )  # fmt: skip
        state = reply.state
    assert state["stage"] == "confirm", (state, result)
    result, reply = hear(
        clinic, CALLER, "1", dtmf=True, state=state, history=history,
        tools=_tools(clinic, TUESDAY_NOON), classifier=NoIntents(),
    )  # fmt: skip
    assert "booked" in result["say"].lower(), result["say"]


def test_asking_for_a_person_transfers_after_the_answer_is_heard(database):
    clinic = Clinic.get(Clinic.phone == GLOW)
    result, _ = hear(
        clinic, CALLER, "can I talk to a real person please", dtmf=False, state={}, history=[],
        tools=_tools(clinic, TUESDAY_NOON), classifier=NoIntents(),
    )  # fmt: skip
    assert result["then"] == "transfer_to_staff" and result["say"], result
