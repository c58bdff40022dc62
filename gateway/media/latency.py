"""Per-turn latency: caller stopped speaking -> first assistant audio byte sent to Telnyx.

Measured on our own clock when the events arrive, because that is the delay the caller
feels (minus the network legs we cannot see). Only responses created after the caller
stopped count, so a leftover chunk of an earlier answer never passes for a fast reply.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LatencySummary:
    turns: int
    p50_ms: float | None
    max_ms: float | None


class LatencyObserver:
    """Collects one latency sample per caller turn for one call."""

    def __init__(self) -> None:
        self._armed_at: float | None = None
        self._samples: list[float] = []

    @property
    def armed(self) -> bool:
        """The caller finished a turn and is waiting for the assistant."""
        return self._armed_at is not None

    @property
    def samples(self) -> list[float]:
        return list(self._samples)

    def on_caller_started(self) -> None:
        """The caller spoke again before we answered: that turn is not finished yet."""
        self._armed_at = None

    def on_caller_stopped(self, now: float) -> None:
        """Start timing a turn (``now`` in seconds, loop clock)."""
        self._armed_at = now

    def cancel(self) -> None:
        """Stop timing without a sample, e.g. when the speech was ignored as a cough."""
        self._armed_at = None

    def on_audio_sent(self, now: float, response_created_at: float) -> float | None:
        """First audio of a response created after the caller stopped ends the turn.

        Returns the latency in ms when this call closed a turn, else None.
        """
        armed = self._armed_at
        if armed is None or response_created_at < armed:
            return None
        self._armed_at = None
        latency_ms = (now - armed) * 1000.0
        self._samples.append(latency_ms)
        return latency_ms

    def summary(self) -> LatencySummary:
        if not self._samples:
            return LatencySummary(0, None, None)
        return LatencySummary(
            turns=len(self._samples),
            p50_ms=statistics.median(self._samples),
            max_ms=max(self._samples),
        )
