"""What an ops token may see: the machine, never the patients.

Ops run the service (actors, restarts, health). They get no names, numbers, message bodies or
transcripts, on REST or SSE: a conversation actor's id, which is made of the clinic's and the
customer's numbers, is shown as a stable opaque reference instead, and any field that could
carry a patient's details is dropped from what they are sent.
"""

from __future__ import annotations

import hashlib

# Fields that can carry a patient's details, wherever they appear in an event or a record.
PATIENT_FIELDS = frozenset(
    {
        "name",
        "phone",
        "customer",
        "customer_phone",
        "customer_name",
        "from",
        "to",
        "email",
        "notes",
        "text",
        "transcript",
        "message",
        "body",
        "key",
    }
)
CONVERSATION_KINDS = ("sms", "call")
OPS_EVENT_PREFIXES = ("actor.",)


def opaque_actor_id(actor_id: str) -> str:
    """``sms:+1555…:+1555…`` → ``sms:anon-3f2a…``; shared services keep their names."""
    kind, _, key = actor_id.partition(":")
    if kind not in CONVERSATION_KINDS or not key or key.startswith("anon-"):
        return actor_id
    return f"{kind}:anon-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def redacted(value):
    """A copy of ``value`` with every patient field removed, at any depth."""
    if isinstance(value, dict):
        kept = {k: redacted(v) for k, v in value.items() if k not in PATIENT_FIELDS}
        if isinstance(value.get("actor_id"), str):
            kept["actor_id"] = opaque_actor_id(value["actor_id"])
        return kept
    if isinstance(value, list):
        return [redacted(v) for v in value]
    return value


def visible_event(role: str, event: dict) -> dict | None:
    """The event as this role may receive it, or None when the role is not sent it at all."""
    if role != "ops":
        return event
    if not event["type"].startswith(OPS_EVENT_PREFIXES):
        return None
    return {**event, "data": redacted(event["data"])}
