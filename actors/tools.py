"""The conversation tools: one set, JSON-schema'd, for every channel and every brain.

The OpenAI brains pass ``TOOLS`` to the model as they are (chat completions nests them under
``function``; Realtime takes them flat: see ``chat_tools`` / ``realtime_tools``); the local brain
calls the same names with the same arguments. Every result is a JSON object with ``ok``; a
failure also has ``error`` (a stable code) and ``message`` (a friendly sentence the brain may
relay), and, where it helps, ``alternatives`` (slots to offer instead).

Times are ISO 8601 with the clinic's UTC offset (e.g. ``2026-12-01T14:00:00-08:00``).

Error codes: ``service_unknown``, ``service_ambiguous`` (with ``options``), ``provider_unknown``,
``provider_does_not_offer_service``, ``invalid_time``, ``in_past``, ``too_soon``,
``beyond_horizon``, ``clinic_closed``, ``outside_hours``, ``off_grid``, ``provider_unavailable``,
``slot_taken``, ``daily_cap_reached``, ``no_resource``, ``customer_overlap``, ``name_required``,
``phone_invalid``, ``not_found``, ``waitlist_refused`` (a wish the waitlist cannot take),
``too_late_to_cancel`` (never blocks: the deposit is kept),
``unavailable`` (a service is down: try again or take a message).
"""

from __future__ import annotations

import copy

_SERVICE = {"type": "string", "description": "Service name as the customer said it"}
_PROVIDER = {"type": "string", "description": "Provider name, if the customer asked for one"}
_START = {"type": "string", "description": "ISO 8601 start with the clinic's UTC offset"}

TOOLS: list[dict] = [
    {
        "name": "check_availability",
        "description": "Next free appointment slots for a service, optionally for one provider, "
        "one day (YYYY-MM-DD, clinic time) or part of day.",
        "parameters": {
            "type": "object",
            "properties": {
                "service": _SERVICE,
                "provider": _PROVIDER,
                "date": {"type": "string", "description": "YYYY-MM-DD in the clinic's time zone"},
                "part_of_day": {"type": "string", "enum": ["morning", "afternoon", "evening"]},
                "near": {"type": "string", "description": "ISO time to search around"},
                "party": {
                    "type": "integer",
                    "description": "How many people, booked back to back (default 1, at most 4)",
                },
            },
            "required": ["service"],
            "additionalProperties": False,
        },
        # -> {"ok", "service", "slots": [{"start", "end", "provider", "label"}]}; with "near":
        #    "exact" (whether that start is free: then it is slots[0]), and when it is not,
        #    "reason" (a code) and "message" (why, with its facts: "We open at 9:00 AM ...");
        #    slots are spread out: that day's nearest first, then the nearest other days;
        #    with "party" > 1 each slot also has "group": one slot per person, back to back
    },
    {
        "name": "provider_hours",
        "description": "When a provider is in: one day (YYYY-MM-DD, clinic time), or the "
        "next seven days; time off and closures are taken out.",
        "parameters": {
            "type": "object",
            "properties": {
                "provider": {"type": "string", "description": "Provider name as said"},
                "date": {"type": "string", "description": "YYYY-MM-DD in the clinic's time zone"},
            },
            "required": ["provider"],
            "additionalProperties": False,
        },
        # -> {"ok", "provider", "days": [{"date", "weekday", "hours": [["09:00", "12:00"]]}]}
        #    (no hours: not in that day)
    },
    {
        "name": "book_appointment",
        "description": "Book a slot the customer has explicitly confirmed.",
        "parameters": {
            "type": "object",
            "properties": {
                "service": _SERVICE,
                "start": _START,
                "provider": _PROVIDER,
                "customer_name": {"type": "string", "description": "The customer's full name"},
                "notes": {"type": "string"},
            },
            "required": ["service", "start", "customer_name"],
            "additionalProperties": False,
        },
        # -> {"ok", "appointment": {"id", "service", "provider", "start", "end", "status",
        #     "label"}, "deposit": {"required", "amount", "status", "link"}}
    },
    {
        "name": "reschedule_appointment",
        "description": "Move the customer's appointment to a new confirmed start.",
        "parameters": {
            "type": "object",
            "properties": {
                "appointment_id": {
                    "type": "integer",
                    "description": "Which appointment; omit when the customer has only one",
                },
                "new_start": _START,
                "provider": _PROVIDER,
            },
            "required": ["new_start"],
            "additionalProperties": False,
        },
    },
    {
        "name": "cancel_appointment",
        "description": "Cancel the customer's appointment (deposit refunded per clinic policy).",
        "parameters": {
            "type": "object",
            "properties": {
                "appointment_id": {"type": "integer"},
                "reason": {"type": "string"},
            },
            "additionalProperties": False,
        },
        # -> {"ok", "appointment": {...}, "deposit": "refunded"|"kept"|"none"}
    },
    {
        "name": "list_my_appointments",
        "description": "The customer's upcoming appointments.",
        "parameters": {"type": "object", "properties": {}, "additionalProperties": False},
        # -> {"ok", "appointments": [{"id", "service", "provider", "start", "label", "status"}]}
    },
    {
        "name": "join_waitlist",
        "description": "Put the customer on the waitlist when no offered time suits: they are "
        "texted if a matching slot frees up (a cancellation) and can reply YES to book it. "
        "Days and part of day narrow the wish; the window defaults to the next two weeks.",
        "parameters": {
            "type": "object",
            "properties": {
                "service": _SERVICE,
                "customer_name": {"type": "string", "description": "The customer's full name"},
                "provider": _PROVIDER,
                "weekdays": {
                    "type": "array",
                    "items": {
                        "type": "string",
                        "enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                    },
                    "description": "Only these days of the week (empty: any day)",
                },
                "part_of_day": {"type": "string", "enum": ["morning", "afternoon", "evening"]},
                "from_date": {"type": "string", "description": "YYYY-MM-DD, clinic time"},
                "until_date": {"type": "string", "description": "YYYY-MM-DD, clinic time"},
            },
            "required": ["service"],
            "additionalProperties": False,
        },
        # -> {"ok", "entry_id", "service", "window"}
    },
    {
        "name": "leave_waitlist",
        "description": "Take the customer off the waitlist (every service they wait for). "
        "This is not an opt-out: their appointment texts go on.",
        "parameters": {"type": "object", "properties": {}, "additionalProperties": False},
        # -> {"ok", "services": [names]}
    },
    {
        "name": "answer_question",
        "description": "Answer a question from the clinic's own documents (prices, preparation, "
        "aftercare, hours, parking, insurance, policies). Never guess beyond them.",
        "parameters": {
            "type": "object",
            "properties": {"question": {"type": "string"}},
            "required": ["question"],
            "additionalProperties": False,
        },
        # -> {"ok", "found", "answer", "sources": [document ids]}
    },
    {
        "name": "take_message",
        "description": "Leave a message for the clinic's staff (they reply by text or call).",
        "parameters": {
            "type": "object",
            "properties": {
                "message": {"type": "string"},
                "urgent": {"type": "boolean"},
            },
            "required": ["message"],
            "additionalProperties": False,
        },
    },
    {
        "name": "transfer_to_staff",
        "description": "Hand the conversation to a person at the clinic.",
        "parameters": {
            "type": "object",
            "properties": {"reason": {"type": "string"}},
            "required": ["reason"],
            "additionalProperties": False,
        },
        # -> {"ok", "staff_phone", "action": "transfer"}
    },
    {
        "name": "end_conversation",
        "description": "End the conversation after saying goodbye.",
        "parameters": {"type": "object", "properties": {}, "additionalProperties": False},
        # -> {"ok", "action": "end_call"}
    },
]

TOOL_NAMES = tuple(tool["name"] for tool in TOOLS)


def chat_tools() -> list[dict]:
    """The chat-completions shape: ``{"type": "function", "function": {...}}``."""
    return [{"type": "function", "function": copy.deepcopy(tool)} for tool in TOOLS]


def realtime_tools() -> list[dict]:
    """The Realtime shape: flat ``{"type": "function", "name", "description", "parameters"}``."""
    return [{"type": "function", **copy.deepcopy(tool)} for tool in TOOLS]


_JSON_TYPES = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "object": dict,
    "array": list,
}
_SCHEMAS = {tool["name"]: tool["parameters"] for tool in TOOLS}


def argument_problem(name: str, arguments: dict) -> str | None:
    """What is wrong with a tool call's arguments against its JSON schema (types, enums), or
    None. Models and the local brain both produce them: a wrong type is bad
    input to answer, not a reason for the booking engine to fail deep inside."""
    schema = _SCHEMAS.get(name)
    if schema is None:
        return None
    properties = schema.get("properties", {})
    # What must be given is the handler's signature's to say (a schema's "required" asks the
    # model for more than the tool needs: transfer_to_staff works without a reason).
    for key, value in arguments.items():
        spec = properties.get(key)
        if spec is None or value is None:
            continue  # unknown names are the signature's to refuse; null means "not given"
        expected = _JSON_TYPES.get(spec.get("type"))
        wrong_bool = isinstance(value, bool) and spec.get("type") in ("integer", "number")
        if expected is not None and (not isinstance(value, expected) or wrong_bool):
            return f"{key} must be a {spec['type']}"
        if "enum" in spec and value not in spec["enum"]:
            return f"{key} must be one of {', '.join(map(str, spec['enum']))}"
    return None
