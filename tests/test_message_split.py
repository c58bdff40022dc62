"""One reply is one text (issue 17 item 6): a reply goes out whole up to Telnyx's 1,600
characters, and only past that is it split, in order, by the one function every channel uses."""

from __future__ import annotations

import pytest

from store.texts import MESSAGE_LIMIT, split_message
from tests.helpers import http
from tests.sms_helpers import GLOW, text

SENTENCE = "Our HydraFacial cleanses, exfoliates and hydrates in about an hour."


def test_a_reply_up_to_the_limit_is_one_message_with_its_line_breaks():
    reply = "Here's what's open:\n1) Tue at 9:00 AM\n2) Tue at 11:00 AM\nWhich works best?"
    assert split_message(reply) == [reply]
    assert split_message("y" * MESSAGE_LIMIT) == ["y" * MESSAGE_LIMIT]


def test_past_the_limit_it_splits_in_order_at_sentences():
    reply = " ".join([SENTENCE] * 30)  # about 2,000 characters
    parts = split_message(reply)
    assert len(parts) == 2 and all(len(p) <= MESSAGE_LIMIT for p in parts)
    assert all(p.endswith(".") for p in parts) and " ".join(parts) == reply


def test_one_character_past_the_limit_splits_at_the_last_sentence_that_fits():
    first = "y" * 799 + "."  # 800 characters
    reply = f"{first} {first}"  # 1,601
    assert len(reply) == MESSAGE_LIMIT + 1
    assert split_message(reply) == [first, first]


def test_a_very_long_reply_keeps_every_word_in_order():
    reply = " ".join(f"{SENTENCE[:-1]} number {i}." for i in range(60))  # about 4,000
    parts = split_message(reply)
    assert len(parts) == 3 and all(0 < len(p) <= MESSAGE_LIMIT for p in parts)
    assert " ".join(parts).split() == reply.split()


def test_paragraphs_are_preferred_to_sentences():
    first, second = "A" * 1000 + ".", "B" * 1000 + "."
    assert split_message(f"{first}\n\n{second}") == [first, second]


def test_a_word_longer_than_the_limit_is_the_only_thing_cut_inside():
    assert split_message("x" * 700, limit=320) == ["x" * 320, "x" * 320, "x" * 60]
    assert split_message("short " + "y" * 400, limit=320) == ["short", "y" * 320, "y" * 80]


def test_characters_are_counted_not_bytes():
    reply = "✨" * MESSAGE_LIMIT
    assert split_message(reply) == [reply]
    assert [len(p) for p in split_message(reply + " ✨")] == [MESSAGE_LIMIT, 1]


@pytest.mark.parametrize("blank", ["", "   ", "\n\n"])
def test_nothing_to_say_sends_nothing(blank):
    assert split_message(blank) == []


def test_a_bad_limit_is_refused():
    with pytest.raises(ValueError):
        split_message("hello", limit=0)


@pytest.mark.multiproc
def test_a_long_answer_goes_out_as_one_message_through_the_webhook(gateway):
    """An answer and the offer to book (over 320 characters, the old split) is one text."""
    from kb.service import seed_demo_documents

    seed_demo_documents()  # the clinic's own documents answer the question
    (reply,) = text(gateway, "What should I do before botox?", clinic=GLOW)
    assert len(reply) > 320 and "alcohol" in reply and reply.endswith("?")


@pytest.mark.multiproc
def test_a_700_character_staff_reply_is_one_outbound_message(gateway):
    """Through the real thread reply API: stored (and handed to the sender) as one text."""
    from store.models import Message, SmsThread

    text(gateway, "hi, what are your hours?")
    thread = SmsThread.get(SmsThread.customer_phone == "+15555550123")
    url = f"{gateway.url}/api/threads/{thread.id}/messages"
    token = gateway.token(GLOW)
    reply = " ".join([SENTENCE] * 11)[:699] + "."
    before = Message.select().where(Message.direction == "out").count()
    status, _, sent = http("POST", url, {"text": reply}, token)
    assert status == 201 and len(reply) == 700, sent
    outbound = Message.select().where(Message.direction == "out")
    assert outbound.count() == before + 1
    assert Message.get_by_id(sent["message_id"]).text == reply
    status, _, body = http("POST", url, {"text": "y" * (MESSAGE_LIMIT + 1)}, token)
    assert status == 400 and body["error"]["code"] == "invalid", body
