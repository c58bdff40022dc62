"""What the bridge asks of the rest of the gateway (the call's actor, dashboard, telephony).

The bridge only moves audio and turn-taking; decisions (tools, hang-up, transfer, what to
do when the AI is down) belong to the gateway, reached through these async hooks.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class BridgeHooks(Protocol):
    async def on_tool_call(self, name: str, arguments: dict[str, Any], call_id: str) -> Any:
        """Run a model tool call; the JSON-serialisable result goes back to the model.

        A dict result may carry ``{"action": "end_call"}`` or
        ``{"action": "transfer", "to": "+1..."}``; the bridge performs it once the
        assistant's current audio has played, unless the caller interrupted that answer.
        Raising is fine: the model gets an error output and the call goes on.
        """
        ...

    async def on_transcript(self, role: str, text: str) -> str | None:
        """A finished line: role is ``"caller"`` or ``"assistant"``. For a caller's line it
        may return instructions: the bridge then stops the answer in progress and asks the
        engine for one with them (the safety screen's words)."""
        ...

    async def on_barge_in(self, heard_text: str | None) -> None:
        """The caller cut the assistant off (after the false-interruption guard): its audio
        was cleared and truncated, its answer cancelled. ``heard_text`` is an estimate of
        what the caller heard of the interrupted answer (its text cut in proportion to the
        audio played), or None when the engine gave no text for it."""
        ...

    async def on_turn_latency(self, latency_ms: float) -> None:
        """Caller stopped speaking -> first assistant audio sent, for one turn."""
        ...

    async def on_end_call(self, reason: str) -> None:
        """Hang up now (goodbye played). reason: assistant | silence | max_duration."""
        ...

    async def on_transfer(self, to: str) -> None:
        """Transfer the call to ``to`` (the assistant's announcement has played)."""
        ...

    async def on_fallback(self) -> None:
        """The AI is unavailable and an apology played: hand the call to staff/voicemail."""
        ...

    async def on_dtmf(self, digit: str) -> None:
        """A keypad digit from the caller."""
        ...

    async def on_event(self, name: str, data: dict[str, Any]) -> None:
        """Generic call events for the dashboard (never contains phone numbers)."""
        ...


class BaseBridgeHooks:
    """No-op hooks to subclass; tool calls answer with an error so the model moves on."""

    async def on_tool_call(self, name: str, arguments: dict[str, Any], call_id: str) -> Any:
        return {"error": "tool_not_available", "tool": name}

    async def on_transcript(self, role: str, text: str) -> str | None:
        return None

    async def on_barge_in(self, heard_text: str | None) -> None:
        return None

    async def on_turn_latency(self, latency_ms: float) -> None:
        return None

    async def on_end_call(self, reason: str) -> None:
        return None

    async def on_transfer(self, to: str) -> None:
        return None

    async def on_fallback(self) -> None:
        return None

    async def on_dtmf(self, digit: str) -> None:
        return None

    async def on_event(self, name: str, data: dict[str, Any]) -> None:
        return None
