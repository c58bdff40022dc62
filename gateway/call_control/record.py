"""Every Call Control command, whichever backend gave it, is a ``CallEvent`` row."""

from __future__ import annotations

from typing import Any

from store.db import write
from store.models import CallEvent


def redacted(body: dict[str, Any]) -> dict[str, Any]:
    """The body as stored: stream tokens are credentials and stay out of the database."""
    if "stream_url" not in body:
        return body
    return {**body, "stream_url": body["stream_url"].split("?", 1)[0] + "?token=<redacted>"}


def record_command(clinic_id: int, call_id: int, action: str, body: dict, status: str) -> None:
    with write():
        CallEvent.create(
            clinic=clinic_id,
            call=call_id,
            kind="command",
            text=action,
            data={"action": action, "status": status, "body": redacted(body)},
        )
