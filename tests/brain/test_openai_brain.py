"""The OpenAI chat brain against a local chat-completions server, through the real SDK.

The fake server (``tests/fakes/chat_completions_server.py``) plays the model: each test
scripts what the "model" answers and then checks what the SDK actually sent (system prompt,
tools, tool results with their ids). Tools are an in-test ``ToolRunner`` that records calls.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from openai.types.chat import ChatCompletion

from actors.brain.base import BrainReply, ClinicInfo, CustomerInfo, ProviderInfo, ServiceInfo, Turn
from actors.brain.openai_chat import (
    FALLBACK_TEXT,
    MEMORY_ITEM_CHARS,
    MEMORY_ITEMS,
    UNREACHABLE_TEXT,
    OpenAIChatBrain,
)
from actors.brain.prompts import build_system_prompt
from actors.tools import chat_tools
from store.texts import MESSAGE_LIMIT
from tests.fakes.chat_completions_server import FakeChatCompletionsServer, ToolCall

CLINIC = ClinicInfo(
    id=7,
    name="Glow Aesthetics",
    phone="+14155550100",
    timezone="America/Los_Angeles",
    staff_phone="+14155550199",
    address="12 Market St, San Francisco",
    services=(
        ServiceInfo(1, "Botox", 30, 30000, 5000, synonyms=("tox",)),
        ServiceInfo(2, "HydraFacial", 60, 19900, 0),
    ),
    providers=(
        ProviderInfo(1, "Dr. Maya Kim", (1, 2)),
        ProviderInfo(2, "Sam Lee", (2,)),
    ),
    hours_text="Tue-Sat 9:00 AM-6:00 PM",
    instructions="Mention the 24-hour cancellation policy when booking.",
)
ANA = CustomerInfo(phone="+14155550123", name="Ana Ruiz", returning=True)
NEW_CUSTOMER = CustomerInfo(phone="+14155550188", name=None, returning=False)
NOW = datetime(2026, 12, 1, 22, 5, tzinfo=UTC)  # Tuesday 2:05 PM in San Francisco

SLOTS = {
    "ok": True,
    "service": "Botox",
    "slots": [
        {
            "start": "2026-12-04T10:00:00-08:00",
            "end": "2026-12-04T10:30:00-08:00",
            "provider": "Dr. Maya Kim",
            "label": "Fri Dec 4, 10:00 AM",
        },
        {
            "start": "2026-12-04T14:00:00-08:00",
            "end": "2026-12-04T14:30:00-08:00",
            "provider": "Dr. Maya Kim",
            "label": "Fri Dec 4, 2:00 PM",
        },
    ],
}
BOOKED = {
    "ok": True,
    "appointment": {"id": 41, "service": "Botox", "start": "2026-12-04T10:00:00-08:00"},
    "deposit": {"required": True, "amount": 5000, "status": "pending", "link": "https://pay/x"},
}


class RecordingTools:
    """A ``ToolRunner`` with canned results per tool name; remembers every call."""

    def __init__(self, results: dict[str, dict | Exception] | None = None) -> None:
        self.results = results or {}
        self.calls: list[tuple[str, dict]] = []

    def call(self, name: str, args: dict) -> dict:
        self.calls.append((name, args))
        result = self.results.get(name, {"ok": True})
        if isinstance(result, Exception):
            raise result
        return result

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


def make_turn(
    text: str,
    history: tuple[dict, ...] = (),
    state: dict | None = None,
    customer: CustomerInfo = ANA,
) -> Turn:
    return Turn(text, NOW, CLINIC, customer, "sms", history, state or {})


@pytest.fixture
def server() -> Iterator[FakeChatCompletionsServer]:
    with FakeChatCompletionsServer() as fake:
        yield fake
        assert fake.protocol_errors == []  # the SDK never sent what the real API rejects
        for body in fake.responses:  # and everything we answered is a valid ChatCompletion
            ChatCompletion.model_validate(body)


@pytest.fixture
def make_brain(server: FakeChatCompletionsServer) -> Iterator[Callable[..., OpenAIChatBrain]]:
    brains: list[OpenAIChatBrain] = []

    def make(**kwargs: object) -> OpenAIChatBrain:
        brain = OpenAIChatBrain(server.api_key, server.base_url, **kwargs)  # type: ignore[arg-type]
        brains.append(brain)
        return brain

    yield make
    for brain in brains:
        brain.close()


def assert_fallback(reply: BrainReply, tools: RecordingTools) -> None:
    assert reply.messages == (FALLBACK_TEXT,)
    assert tools.names()[-1] == "take_message"
    assert reply.tool_calls[-1]["name"] == "take_message"
    assert not reply.end


# --- the happy path -----------------------------------------------------------------------


def test_booking_dialogue_over_two_turns(server, make_brain):
    brain = make_brain(model="gpt-test")
    tools = RecordingTools({"check_availability": SLOTS, "book_appointment": BOOKED})

    [check_id] = server.queue_tool_calls(
        ("check_availability", {"service": "Botox", "date": "2026-12-04"})
    )
    server.queue_text("Friday I have 10:00 AM or 2:00 PM with Dr. Kim. Which one works?")
    first = brain.respond(make_turn("Can I get botox this Friday?"), tools)

    assert first.messages == ("Friday I have 10:00 AM or 2:00 PM with Dr. Kim. Which one works?",)
    assert not first.end
    assert tools.calls == [("check_availability", {"service": "Botox", "date": "2026-12-04"})]
    assert first.tool_calls == (
        {
            "name": "check_availability",
            "args": {"service": "Botox", "date": "2026-12-04"},
            "result": SLOTS,
        },
    )
    ask, answer = server.requests
    assert ask.body["model"] == "gpt-test"
    assert ask.tools == chat_tools()
    assert ask.body["tool_choice"] == "auto"
    assert "Glow Aesthetics" in ask.system_prompt
    assert [m["role"] for m in ask.messages] == ["system", "user"]
    assert ask.messages[-1] == {"role": "user", "content": "Can I get botox this Friday?"}
    # the second request replays the assistant's call unchanged and answers it by id
    echoed, tool_message = answer.messages[-2:]
    assert echoed["role"] == "assistant"
    assert echoed["tool_calls"] == [
        {
            "id": check_id,
            "type": "function",
            "function": {
                "name": "check_availability",
                "arguments": json.dumps({"service": "Botox", "date": "2026-12-04"}),
            },
        }
    ]
    assert tool_message == {"role": "tool", "tool_call_id": check_id, "content": json.dumps(SLOTS)}
    json.dumps(first.state)  # checkpointable

    history = (
        {"role": "customer", "text": "Can I get botox this Friday?"},
        {"role": "assistant", "text": first.messages[0]},
    )
    booking = {
        "service": "Botox",
        "start": "2026-12-04T10:00:00-08:00",
        "customer_name": "Ana Ruiz",
    }
    server.queue_tool_calls(("book_appointment", booking))
    server.queue_text("You're booked for Fri Dec 4 at 10:00 AM. Pay the $50 deposit: https://pay/x")
    second = brain.respond(make_turn("10am please", history, first.state), tools)

    assert second.messages == (
        "You're booked for Fri Dec 4 at 10:00 AM. Pay the $50 deposit: https://pay/x",
    )
    assert tools.calls[-1] == ("book_appointment", booking)
    sent = server.requests[2].messages
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "system", "user"]
    assert sent[1:3] == [
        {"role": "user", "content": "Can I get botox this Friday?"},
        {"role": "assistant", "content": first.messages[0]},
    ]
    memory = sent[3]["content"]  # last turn's slots, so "10am" maps to an exact start
    assert "check_availability" in memory and "2026-12-04T10:00:00-08:00" in memory
    assert sent[4] == {"role": "user", "content": "10am please"}
    assert [item["tool"] for item in second.state["memory"]] == [
        "check_availability",
        "book_appointment",
    ]


def test_system_prompt_describes_clinic_customer_and_rules():
    prompt = build_system_prompt(CLINIC, ANA, NOW, "sms")
    for expected in (
        "Glow Aesthetics",
        "America/Los_Angeles",
        "Tuesday 1 December 2026, 2:05 PM (UTC-08:00)",
        "2026-12-01T14:05:00-08:00",
        "Fri 2026-12-04",
        "Tue-Sat 9:00 AM-6:00 PM",
        "Botox: 30 min, $300, $50 deposit; with Dr. Maya Kim; also called tox",
        "HydraFacial: 60 min, $199, no deposit; with Dr. Maya Kim, Sam Lee",
        "- Sam Lee: HydraFacial",
        "Mention the 24-hour cancellation policy when booking.",
        "Ana Ruiz",
        "SMS-sized",
        "call 911",
        "Never give medical advice",
        "take_message",
        "answer_question",
        "explicit",
    ):
        assert expected in prompt, expected
    assert ANA.phone not in prompt
    assert "new customer" in build_system_prompt(CLINIC, NEW_CUSTOMER, NOW, "sms")


# --- bad tool calls -------------------------------------------------------------------------


def test_invalid_arguments_and_unknown_tools_get_errors_and_the_loop_continues(server, make_brain):
    tools = RecordingTools()
    ids = server.queue_tool_calls(
        ToolCall("check_availability", '{"service": "Botox"'),  # truncated JSON
        ToolCall("check_availability", "[1, 2]"),  # JSON, but not an object
        ToolCall("teleport", {"to": "Mars"}),
        ToolCall("list_my_appointments", ""),  # "" means no arguments
    )
    server.queue_text("You have no upcoming appointments. Want to book one?")

    reply = make_brain().respond(make_turn("what do I have booked?"), tools)

    assert reply.messages == ("You have no upcoming appointments. Want to book one?",)
    assert tools.calls == [("list_my_appointments", {})]  # nothing else reached the tools
    errors = [call["result"].get("error") for call in reply.tool_calls]
    assert errors == ["invalid_arguments", "invalid_arguments", "unknown_tool", None]
    answers = [m for m in server.requests[1].messages if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in answers] == ids
    assert json.loads(answers[2]["content"])["error"] == "unknown_tool"
    assert json.loads(answers[0]["content"])["ok"] is False


def test_a_tool_that_raises_propagates_out_of_respond(server, make_brain):
    """A runner's exception is a bug (expected failures are ``{"ok": False}`` results): it
    reaches the actor, which is restarted from its checkpoint; the model never hears of it."""
    tools = RecordingTools({"answer_question": ZeroDivisionError("a bug in the knowledge tool")})
    server.queue_tool_calls(("answer_question", {"question": "Is parking free?"}))

    with pytest.raises(ZeroDivisionError):
        make_brain().respond(make_turn("is parking free?"), tools)

    assert len(server.requests) == 1  # no second request reporting a made-up "unavailable"
    assert tools.names() == ["answer_question"]  # and no take_message fallback either


def test_a_take_message_that_raises_in_the_fallback_propagates(server, make_brain):
    server.fail_next(1, 401)
    tools = RecordingTools({"take_message": ZeroDivisionError("a bug in take_message")})

    with pytest.raises(ZeroDivisionError):
        make_brain().respond(make_turn("hi"), tools)


def test_a_bug_around_the_api_call_is_not_mistaken_for_an_outage(make_brain):
    brain = make_brain()

    def bug(**_kwargs):
        raise ZeroDivisionError("a bug, not the API")

    brain._client.chat.completions.create = bug  # type: ignore[method-assign]
    tools = RecordingTools()
    with pytest.raises(ZeroDivisionError):
        brain.respond(make_turn("hi"), tools)
    assert tools.calls == []


def test_max_steps_bounds_a_model_that_never_stops_calling_tools(server, make_brain):
    server.always_tool_calls(("list_my_appointments", {}))
    tools = RecordingTools({"list_my_appointments": {"ok": True, "appointments": []}})

    reply = make_brain(max_steps=3).respond(make_turn("hello?"), tools)

    assert len(server.requests) == 3
    assert tools.names() == ["list_my_appointments", "list_my_appointments", "take_message"]
    assert_fallback(reply, tools)
    assert "hello?" in tools.calls[-1][1]["message"]  # the staff see what the customer wrote
    assert reply.state["last_failure"]["kind"] == "max_steps"


def test_a_take_message_already_made_by_the_model_is_not_repeated(server, make_brain):
    server.queue_tool_calls(("take_message", {"message": "Call Ana back"}))
    server.always_tool_calls(("list_my_appointments", {}))
    tools = RecordingTools()

    reply = make_brain(max_steps=2).respond(make_turn("please call me"), tools)

    assert tools.names() == ["take_message"]
    assert reply.messages == (FALLBACK_TEXT,)


# --- API failures ---------------------------------------------------------------------------


def test_a_500_is_retried_by_the_sdk(server, make_brain):
    server.fail_next(1, 500)
    server.queue_text("We're open Tue-Sat 9 to 6. Want me to find you a time?")
    tools = RecordingTools()

    reply = make_brain().respond(make_turn("are you open saturday?"), tools)

    assert reply.messages == ("We're open Tue-Sat 9 to 6. Want me to find you a time?",)
    assert [r.headers["x-stainless-retry-count"] for r in server.requests] == ["0", "1"]
    assert tools.calls == []
    assert reply.state["failures"] == 0


@pytest.mark.parametrize(
    ("status", "attempts", "kind"),
    [(500, 3, "http_500"), (429, 3, "rate_limited"), (401, 1, "auth")],
)
def test_persistent_api_errors_fall_back_without_raising(
    server, make_brain, status, attempts, kind
):
    server.fail_next(10, status)
    tools = RecordingTools()

    reply = make_brain().respond(make_turn("hi", state={"failures": 1}), tools)

    assert_fallback(reply, tools)
    assert len(server.requests) == attempts  # max_retries=2 for 5xx/429; never for 401
    assert reply.state["last_failure"] == {"kind": kind, "at": NOW.isoformat()}
    assert reply.state["failures"] == 2  # consecutive failed turns


def test_a_slow_api_times_out_into_the_fallback(server, make_brain):
    server.delay_next(3, seconds=30)

    reply = make_brain(timeout_s=0.25).respond(make_turn("hi"), tools := RecordingTools())

    assert_fallback(reply, tools)
    assert len(server.requests) == 3
    assert reply.state["last_failure"]["kind"] == "timeout"


def test_when_even_take_message_fails_the_customer_is_told_to_call(server, make_brain):
    server.fail_next(1, 401)
    tools = RecordingTools({"take_message": {"ok": False, "error": "unavailable", "message": "x"}})

    reply = make_brain().respond(make_turn("hi"), tools)

    assert reply.messages == (UNREACHABLE_TEXT.format(phone=CLINIC.phone),)


# --- ending, splitting, state ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "result", "end"),
    [
        ("end_conversation", {"ok": True, "action": "end_call"}, True),
        ("transfer_to_staff", {"ok": True, "staff_phone": "+14155550199"}, True),
        ("transfer_to_staff", {"ok": False, "error": "unavailable", "message": "x"}, False),
    ],
)
def test_ending_tools_end_the_conversation_when_they_succeed(server, make_brain, tool, result, end):
    args = {} if tool == "end_conversation" else {"reason": "asked for a person"}
    server.queue_tool_calls((tool, args))
    server.queue_text("Thanks for texting Glow Aesthetics. Bye!")

    reply = make_brain().respond(make_turn("that's all, thanks"), RecordingTools({tool: result}))

    assert reply.end is end
    assert reply.messages == ("Thanks for texting Glow Aesthetics. Bye!",)
    assert reply.tool_calls == ({"name": tool, "args": args, "result": result},)


def test_a_long_reply_is_still_one_text(server, make_brain):
    sentence = "Botox softens lines for three to four months and takes about thirty minutes."
    long_text = " ".join([sentence] * 6) + "\n\nWant me to look for a time this week?"
    server.queue_text(long_text)

    reply = make_brain().respond(make_turn("tell me about botox"), RecordingTools())

    assert reply.messages == (long_text,)  # one text: Telnyx joins it up to 1,600


def test_only_replies_past_one_message_are_split(server, make_brain):
    sentence = "Botox softens lines for three to four months and takes about thirty minutes."
    long_text = " ".join([sentence] * 30)  # about 2,300 characters
    server.queue_text(long_text)

    reply = make_brain().respond(make_turn("tell me about botox"), RecordingTools())

    assert len(reply.messages) == 2
    assert all(len(m) <= MESSAGE_LIMIT and m.endswith(".") for m in reply.messages)
    assert " ".join(reply.messages) == long_text


def test_state_stays_bounded_and_serialisable_across_many_turns(server, make_brain):
    brain = make_brain()
    huge = {"ok": True, "slots": [{"label": "x" * 5000, "n": i} for i in range(100)]}
    tools = RecordingTools({"check_availability": huge})
    state: dict = {}
    for _ in range(4):
        server.queue_tool_calls(*[("check_availability", {"service": "Botox"})] * 3)
        server.queue_text("Here are some times.")
        state = brain.respond(make_turn("times?", state=state), tools).state

    assert len(state["memory"]) == MEMORY_ITEMS
    assert state["memory"][-1]["args"] == {"service": "Botox"}  # small args survive intact
    assert len(json.dumps(state)) < MEMORY_ITEMS * MEMORY_ITEM_CHARS * 1.2
    assert len(json.dumps(server.requests[-1].messages)) < 30_000


def test_logs_carry_no_message_bodies_names_or_phone_numbers(server, make_brain, caplog):
    caplog.set_level(logging.DEBUG, logger="vrai.brain")
    secret = "my cousin said her lips swelled after filler"
    server.queue_tool_calls(("take_message", {"message": secret}))
    server.queue_text(f"Thanks Ana, I've passed that on: {secret}")
    brain = make_brain()
    brain.respond(make_turn(secret), RecordingTools())
    server.fail_next(1, 401)
    brain.respond(make_turn(secret), RecordingTools())

    assert caplog.records
    for record in caplog.records:
        text = record.getMessage() + " " + json.dumps(record.__dict__, default=str)
        for private in (secret, "lips", ANA.phone, "Ana", CLINIC.phone):
            assert private not in text
