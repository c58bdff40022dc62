"""Parse and build Telnyx media-stream frames (JSON text frames over the WebSocket).

Telnyx is the WebSocket client; it sends ``connected``, ``start``, ``media``, ``dtmf``,
``mark``, ``error`` and ``stop`` events. We answer with ``media`` (audio to play),
``mark`` (checkpoint echoed once the audio queued before it has played) and ``clear``
(drop queued audio on barge-in). Builders return plain dicts; the transport serialises.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

#: G.711 at 8 kHz mono: one byte per sample, so 8 bytes per millisecond for PCMU and PCMA.
BYTES_PER_MS = 8

#: The codecs we pass through untouched (engines take G.711 as is).
G711 = ("PCMU", "PCMA")


@dataclass(frozen=True, slots=True)
class StartInfo:
    """Fields of the ``start`` frame the bridge needs. Caller numbers are kept out of logs."""

    stream_id: str
    call_control_id: str
    client_state: str
    from_number: str
    to_number: str
    encoding: str
    sample_rate: int
    channels: int

    @property
    def supported(self) -> bool:
        """True when the stream is 8 kHz mono G.711, the only shape we pass through."""
        return self.encoding in G711 and self.sample_rate == 8000


def parse_start(frame: dict[str, Any]) -> StartInfo:
    """Read a ``start`` frame defensively: every field is optional on the wire."""
    start = frame.get("start") or {}
    fmt = start.get("media_format") or {}
    encoding = str(fmt.get("encoding") or "PCMU").upper()
    return StartInfo(
        stream_id=str(frame.get("stream_id") or start.get("stream_id") or ""),
        call_control_id=str(start.get("call_control_id") or ""),
        client_state=str(start.get("client_state") or ""),
        from_number=str(start.get("from") or ""),
        to_number=str(start.get("to") or ""),
        encoding=encoding,
        sample_rate=_as_int(fmt.get("sample_rate"), 8000),
        channels=_as_int(fmt.get("channels"), 1),
    )


def sequence_number(frame: dict[str, Any]) -> int | None:
    """Telnyx sends ``sequence_number`` as a string; order on the wire is not guaranteed."""
    value = frame.get("sequence_number")
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def inbound_payload(frame: dict[str, Any]) -> str | None:
    """Base64 caller audio of a ``media`` frame, or None for other tracks / empty frames."""
    media = frame.get("media")
    if not isinstance(media, dict):
        return None
    track = media.get("track")
    if track not in (None, "inbound"):
        return None
    payload = media.get("payload")
    return payload if isinstance(payload, str) and payload else None


def dtmf_digit(frame: dict[str, Any]) -> str | None:
    """Digit of a ``dtmf`` frame."""
    dtmf = frame.get("dtmf")
    digit = dtmf.get("digit") if isinstance(dtmf, dict) else None
    return str(digit) if digit not in (None, "") else None


def mark_name(frame: dict[str, Any]) -> str | None:
    """Name of an echoed ``mark`` frame."""
    mark = frame.get("mark")
    name = mark.get("name") if isinstance(mark, dict) else None
    return name if isinstance(name, str) else None


def media_text(payload_b64: str) -> str:
    """Audio for Telnyx to play, already in the call's codec; serialised here, since building
    and encoding a dict per audio chunk is measurable at 50 chunks a second per call."""
    return '{"event": "media", "media": {"payload": ' + json.dumps(payload_b64) + "}}"


def mark_text(name: str) -> str:
    """Checkpoint Telnyx echoes back once everything queued before it has played
    (serialised here like ``media_text``: one follows every few chunks of audio)."""
    return '{"event": "mark", "mark": {"name": ' + json.dumps(name) + "}}"


def clear_frame() -> dict[str, Any]:
    """Drop every queued outbound audio chunk (barge-in)."""
    return {"event": "clear"}


def _as_int(value: object, default: int) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default
