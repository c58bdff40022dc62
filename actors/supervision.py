"""Supervision bookkeeping, OTP style, kept free of Thespian so it can be tested with a fake clock.

A supervisor keeps one ``Child`` per supervised actor, keyed by our own id (Thespian addresses
are unhashable and their ``str()`` changes once the child starts). ``RestartBudget`` is the
restart intensity: at most N restarts within T seconds; past that the child is marked failed.
"""

from __future__ import annotations

import collections
import math
import os
import signal
from dataclasses import dataclass, field
from typing import Any

import psutil

from actors.messages import ActorInfo

# Child states
STARTING = "starting"
RUNNING = "running"
RESTARTING = "restarting"
RETIRING = "retiring"
FAILED = "failed"

# What happens to a child, as its supervisor sees it
SPAWNED = "spawned"  # a new process was created for it
UP = "started"  # it said Started
CRASHED = "crashed"  # it exited without being retired, within its restart budget
GAVE_UP = "gave_up"  # it exited past its restart budget
RETIRE = "retire"  # asked to exit: finished or idle

#: The one table every supervisor moves its children by: state -> {event: next state}.
#: A restart stays "restarting" until the new process says it started, so ops can tell a
#: restart from a first start; a failed child is only ever spawned again (by ops or back-off).
CHILD_TRANSITIONS: dict[str, dict[str, str]] = {
    STARTING: {
        SPAWNED: STARTING,
        UP: RUNNING,
        CRASHED: RESTARTING,
        GAVE_UP: FAILED,
        RETIRE: RETIRING,
    },
    RESTARTING: {
        SPAWNED: RESTARTING,
        UP: RUNNING,
        CRASHED: RESTARTING,
        GAVE_UP: FAILED,
        RETIRE: RETIRING,
    },
    RUNNING: {UP: RUNNING, CRASHED: RESTARTING, GAVE_UP: FAILED, RETIRE: RETIRING},
    RETIRING: {SPAWNED: STARTING, CRASHED: RESTARTING, GAVE_UP: FAILED, RETIRE: RETIRING},
    FAILED: {SPAWNED: STARTING, RETIRE: FAILED},
}


class IllegalTransition(ValueError):
    """A supervisor tried to move a child along an edge the table does not have (a bug)."""


class RestartBudget:
    """At most ``intensity`` restarts within ``window_s``: OTP's MaxR / MaxT."""

    def __init__(self, intensity: int, window_s: float):
        self.intensity = intensity
        self.window_s = window_s
        self.times: collections.deque[float] = collections.deque()

    def allow(self, now: float) -> bool:
        """Record a restart at ``now`` if the budget allows it; False means: give up."""
        while self.times and now - self.times[0] > self.window_s:
            self.times.popleft()
        if len(self.times) >= self.intensity:
            return False
        self.times.append(now)
        return True

    def reset(self) -> None:
        self.times.clear()


@dataclass
class Child:
    """One supervised actor as its supervisor sees it."""

    id: str
    kind: str
    name: str
    clinic_id: int | None
    budget: RestartBudget
    address: Any = None
    pid: int | None = None
    started_at: float = 0.0
    incarnation: int = 0
    restarts: int = 0
    state: str = STARTING
    last_exit: str | None = None
    last_pong: float = 0.0
    last_activity: float = 0.0
    memory_checked_at: float = 0.0
    ping_seq: int = 0
    checkpoint_version: int | None = None
    # ordered input forwarded to the child and not yet answered: re-sent after a restart
    inflight: dict[str, Any] = field(default_factory=dict)
    # input that arrived while the child was starting or retiring
    pending: list[Any] = field(default_factory=list)
    finished: bool = False
    kill_reason: str | None = None  # why we killed it, reported when its exit arrives

    def move(self, event: str) -> str:
        """Move along ``CHILD_TRANSITIONS``; the only way a child's state changes."""
        after = CHILD_TRANSITIONS[self.state].get(event)
        if after is None:
            raise IllegalTransition(f"a {self.state} child cannot be {event}")
        self.state = after
        return after

    def event_data(self) -> dict:
        """What a dashboard event about this actor's restart or failure says."""
        return {
            "actor_id": self.id,
            "kind": self.kind,
            "restarts": self.restarts,
            "reason": self.last_exit,
        }

    def info(self) -> ActorInfo:
        return ActorInfo(
            id=self.id,
            kind=self.kind,
            name=self.name,
            clinic_id=self.clinic_id,
            address=str(self.address) if self.address is not None else "",
            pid=self.pid,
            started_at=self.started_at,
            restarts=self.restarts,
            state=self.state,
            last_exit=self.last_exit,
            checkpoint_version=self.checkpoint_version,
        )


class Children:
    """The registry: children by id, found again by address when Thespian reports an exit."""

    def __init__(self):
        self.by_id: dict[str, Child] = {}
        self._by_address: dict[str, Child] = {}  # str(address) -> child, verified on use

    def __iter__(self):
        return iter(list(self.by_id.values()))

    def __len__(self) -> int:
        return len(self.by_id)

    def get(self, child_id: str) -> Child | None:
        return self.by_id.get(child_id)

    def add(self, child: Child) -> Child:
        self.by_id[child.id] = child
        return child

    def remove(self, child_id: str) -> None:
        self.by_id.pop(child_id, None)

    def find_address(self, address) -> Child | None:
        """The child at ``address``. A dict keyed by the address's text form makes the common
        case O(1) (every pong and output is looked up); since that text changes once a child
        has started, a miss falls back to comparing addresses and re-keys the hit."""
        key = str(address)
        child = self._by_address.get(key)
        if child is not None and child.address is not None and child.address == address:
            return child
        for child in self.by_id.values():
            if child.address is not None and child.address == address:
                self._by_address[key] = child
                if len(self._by_address) > 4 * len(self.by_id) + 64:
                    self._by_address = {key: child}
                return child
        return None


@dataclass
class Beat:
    """What one heartbeat decided about the running children."""

    hung: list[Child] = field(default_factory=list)  # silent past the limit: kill
    weigh: list[Child] = field(default_factory=list)  # read their unique memory this beat
    retire: list[Child] = field(default_factory=list)  # idle past the limit: let go
    ping: list[Child] = field(default_factory=list)  # quiet a while: are you there?


def plan_beat(
    children,
    now: float,
    *,
    hung_after_s: float,
    idle_after_s: float,
    ping_after_s: float,
    heartbeat_s: float,
    weigh_max: int,
) -> Beat:
    """Judge every running child once, cheaply enough for hundreds of them.

    - An actor handles one message at a time, so a child busy with a turn cannot answer a ping
      either: a hang shows as silence for ``hung_after_s`` whatever was asked. Every answer
      counts as a pong (``last_pong``), so only children quiet for ``ping_after_s`` are pinged,
      longest quiet first, and per beat only as many as keeps each pinged once per
      ``ping_after_s``: a burst of new conversations falls quiet together and was pinged in
      one stalling wave. A quiet child waits at most ``2 * ping_after_s`` for its ping, so
      ``ping_after_s`` must stay under half of ``hung_after_s``.
    - Reading a process's unique memory costs ~1.3 ms, so at most ``weigh_max`` children are
      weighed per beat: those that did work since they were last weighed (an idle process
      does not grow), longest unweighed first.
    """
    beat = Beat()
    quiet, active = [], []
    for child in children:
        if child.state != RUNNING:
            continue
        if now - child.last_pong > hung_after_s:
            beat.hung.append(child)
            continue
        if not child.inflight and now - child.last_activity > idle_after_s:
            beat.retire.append(child)
            continue
        if child.last_activity >= child.memory_checked_at:
            active.append(child)
        if now - child.last_pong >= ping_after_s:
            quiet.append(child)
    active.sort(key=lambda c: c.memory_checked_at)
    beat.weigh = active[:weigh_max]
    for child in beat.weigh:
        child.memory_checked_at = now
    quiet.sort(key=lambda c: c.last_pong)
    per_beat = max(1, math.ceil(len(children) * heartbeat_s / ping_after_s))
    beat.ping = quiet[:per_beat]
    return beat


def kill_pid(pid: int | None) -> bool:
    """SIGKILL a child that is hung or over its memory cap; its exit triggers the restart."""
    if not pid:
        return False
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


def over_memory_cap(pid: int | None, cap_mb: float) -> bool:
    """Whether a process holds more than ``cap_mb`` of memory of its own (USS).

    USS is never more than RSS, and RSS is one read of ``/proc/<pid>/statm`` while USS walks
    every mapping (~1.3 ms a child), so USS is only read for a process whose RSS is over the cap.
    RSS alone would not do: it counts the pages a forked child shares with its supervisor, so
    a cap on RSS kills healthy children of a large parent.
    """
    if not pid:
        return False
    try:
        process = psutil.Process(pid)
        if process.memory_info().rss / 2**20 <= cap_mb:
            return False
        return process.memory_full_info().uss / 2**20 > cap_mb
    except psutil.Error:
        return False
