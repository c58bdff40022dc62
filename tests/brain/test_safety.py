"""The safety screen: emergencies and requests for medical advice, without false alarms."""

from __future__ import annotations

import pytest

from actors.brain.safety import EMERGENCY_REPLY, MEDICAL_ADVICE_REPLY, screen


@pytest.mark.parametrize(
    "text",
    [
        "I have chest pain after my adjustment",
        "I can't breathe",
        "having trouble breathing since the injection",
        "my throat is swelling after botox",
        "my tongue feels swollen and tight",
        "I think I'm having a severe allergic reaction to the peel",
        "I feel suicidal",
        "I want to kill myself",
        "I think I overdosed on my pills",
        "heavy bleeding from the injection site",
        "it won't stop bleeding",
        "call 911",
        "my vision is blurry and I lost my sight in one eye",
        "this is a medical emergency",
    ],
)
def test_emergencies_are_caught(text):
    found = screen(text)
    assert found is not None and found.kind == "emergency"
    assert found.reply == EMERGENCY_REPLY


@pytest.mark.parametrize(
    "text",
    [
        "how many units should I get?",
        "how much botox do I need for my forehead",
        "what dose of arnica should I use",
        "is this normal?",
        "I have bruising after my botox, is that normal",
        "can I take ibuprofen before botox",
        "does botox interact with my medication",
        "I'm pregnant, can I still get a peel",
        "headache since my botox yesterday",
        "my lips are swollen after filler",
        "should I be worried",
        "I'm on blood thinners",
        "neck pain since my last adjustment",
        "is it safe to get botox while breastfeeding",
        "do I have an infection",
    ],
)
def test_requests_for_medical_advice_are_caught(text):
    found = screen(text)
    assert found is not None and found.kind == "medical_advice"
    assert found.reply == MEDICAL_ADVICE_REPLY


@pytest.mark.parametrize(
    "text",
    [
        "I want to stop the wrinkles",
        "Botox units price",
        "how much is botox per unit",
        "how much is a unit of botox",
        "I'm dying to try the hydrafacial",
        "do I have an appointment?",
        "is it ok to park on the street?",
        "can I take a look at prices",
        "I'm on my way",
        "I have back pain, can I book an adjustment?",
        "I'm sore from the gym, can I get a massage",
        "it's not an emergency but can someone call me",
        "can I work out after a peel?",
        "do you take emergency appointments?",
        "no chest pain, just want a massage",
        "call me at 555-911-2222",
        "laser hair removal on my chest",
        "what should I wear to my facial",
        "how long does botox last",
        "book botox tuesday at 3",
        "I need to cancel my appointment",
        "",
    ],
)
def test_ordinary_questions_and_requests_pass_through(text):
    assert screen(text) is None


def test_an_emergency_outranks_a_question_in_the_same_message():
    found = screen("is this normal? my throat is closing up")
    assert found is not None and found.kind == "emergency"


def test_the_replies_send_people_to_911_or_a_clinician_and_say_what_happens_next():
    assert "911" in EMERGENCY_REPLY and "emergency room" in EMERGENCY_REPLY
    assert "staff" in EMERGENCY_REPLY
    assert "medical advice" in MEDICAL_ADVICE_REPLY and "clinician" in MEDICAL_ADVICE_REPLY
    assert "passed your question" in MEDICAL_ADVICE_REPLY
    assert len(EMERGENCY_REPLY) <= 320 and len(MEDICAL_ADVICE_REPLY) <= 320
