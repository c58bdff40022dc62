"""A conversation supervisor's pool of warm actors: forked and set up before any conversation
needs them, so a new texter waits for neither a fork nor its set-up (like the idle job
processes voice-agent runtimes keep), and replaced in the background one fork at a time.

The pool's size follows load: never below its floor, and half again the most new conversations
this supervisor saw start within one second over the last ten minutes (bursts come in waves:
replies to a reminder round; the next wave's share of a supervisor is not the last one's), up to
a ceiling; past its size, the longest-waiting member is retired on the beat. Pure bookkeeping:
the supervisor does the forking and the messaging.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

WINDOW_S = 600.0  # how far back the burst that sizes the pool is looked for
HEADROOM = 1.5  # warm actors kept per new conversation of that burst
BURST_S = 1.0  # a burst: new conversations within this long
CEILING = 100  # warm actors one supervisor keeps at most
READY_WITHIN_S = 30.0  # a warm actor not ready by then is replaced


@dataclass
class Member:
    """One warm actor: its address, and its pid once it said it is ready."""

    address: object
    born: float
    pid: int | None = None

    @property
    def ready(self) -> bool:
        return self.pid is not None


@dataclass
class WarmPool:
    floor: int
    ceiling: int = CEILING
    members: list[Member] = field(default_factory=list)
    starts: deque = field(default_factory=lambda: deque(maxlen=4 * CEILING))
    handed_out: int = 0  # conversations given a warm actor (ops and tests read it)
    cold: int = 0  # conversations that had to wait for a fork

    def target(self, now: float) -> int:
        """How many warm actors to keep now: the floor, or the recent burst with headroom if
        bigger (exactly the last burst's size still forked for part of the next one: measured
        p99 664 ms for a second burst of 100 against 358 ms and less with the headroom)."""
        while self.starts and now - self.starts[0] > WINDOW_S:
            self.starts.popleft()
        peak, first = 0, 0
        times = list(self.starts)
        for last, at in enumerate(times):  # the most starts within any BURST_S
            while at - times[first] > BURST_S:
                first += 1
            peak = max(peak, last - first + 1)
        return min(self.ceiling, max(self.floor, math.ceil(peak * HEADROOM)))

    def short(self, now: float) -> bool:
        return len(self.members) < self.target(now)

    def add(self, address, now: float) -> Member:
        member = Member(address, now)
        self.members.append(member)
        return member

    def take(self, now: float, new: bool = True) -> Member | None:
        """A ready member for a conversation (oldest first), or None: fork then. Only a
        ``new`` conversation counts towards the burst that sizes the pool (not a restart)."""
        if new:
            self.starts.append(now)
        member = next((m for m in self.members if m.ready), None)
        if member is None:
            self.cold += 1
            return None
        self.members.remove(member)
        self.handed_out += 1
        return member

    def find(self, address) -> Member | None:
        return next((m for m in self.members if m.address == address), None)

    def surplus(self, now: float) -> Member | None:
        """One member past the pool's size, to retire (the oldest ready one)."""
        if len(self.members) <= self.target(now):
            return None
        member = next((m for m in self.members if m.ready), None)
        if member is not None:
            self.members.remove(member)
        return member

    def stale(self, now: float) -> list[Member]:
        """Members that never said they were ready within ``READY_WITHIN_S`` (removed: the
        supervisor retires and replaces them, so the pool cannot wait on them forever)."""
        late = [m for m in self.members if not m.ready and now - m.born > READY_WITHIN_S]
        for member in late:
            self.members.remove(member)
        return late

    def pids(self) -> tuple[int, ...]:
        return tuple(m.pid for m in self.members if m.pid is not None)
