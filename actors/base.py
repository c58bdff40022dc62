"""What every VRAI actor shares: process setup after the fork, heartbeats, crash semantics.

Thespian does not restart an actor whose ``receiveMessage`` raises: it retries the message once,
sends a ``PoisonMessage`` and carries on with whatever state it had. A half-updated actor is
worse than a restarted one, so on a multiprocess base an unexpected exception ends the process;
the parent sees ``ChildActorExited`` and restarts the actor from its checkpoint. Expected errors
never get here: they are answered as typed ``Failure`` replies.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import signal
import sys

from thespian.actors import ActorTypeDispatcher

from actors import calendar, payments
from actors.messages import Directory, Ping, Pong, Published
from store.db import open_for, write
from store.events import record_event
from store.models import DashboardEvent

log = logging.getLogger("vrai.actors")

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux).

    A ``kill -9`` of a parent would otherwise leave its children running as orphans that keep
    their ports and survive ``ActorSystem.shutdown()``.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except OSError:
            log.warning("prctl(PR_SET_PDEATHSIG) unavailable; relying on the pid ledger")


def settle_heap() -> None:
    """Move every object alive now (modules, the brain, models, warm caches) out of the garbage
    collector's reach: a full collection no longer walks them, and children forked from here
    do not dirty the pages they share with us by touching those objects' GC headers."""
    gc.collect()
    gc.freeze()


def published(event: DashboardEvent) -> Published:
    """The live push of a committed dashboard event."""
    return Published(
        event.id, event.clinic_id, event.type, event.data, event.created_at.isoformat()
    )


class VraiActor(ActorTypeDispatcher):
    """Base class: call ``self.setup(settings)`` from the init handler."""

    settings = None
    directory: dict = {}
    _isolated = False

    def setup(self, settings) -> None:
        self.settings = settings
        self._isolated = settings.actor_system_base != "simpleSystemBase"
        if self._isolated:
            die_with_parent()
        open_for(settings)
        # This process's integration backends, as supervisor.py chose them (built after the
        # fork, and before a supervisor compiles its statements for the children it forks).
        calendar.use(settings)
        payments.use(settings)

    def receiveMessage(self, message, sender):
        try:
            return super().receiveMessage(message, sender)
        except Exception:
            log.exception("actor %s crashed on %s", type(self).__name__, type(message).__name__)
            if self._isolated:
                # Exit instead of limping on: the supervisor restarts us from the checkpoint.
                os._exit(70)
            raise

    def receiveMsg_Directory(self, message: Directory, sender) -> None:
        self.directory = dict(message.addresses)

    def publish(self, clinic_id: int | None, type_: str, data: dict) -> None:
        """Commit a dashboard event on its own, then push it live."""
        with write():
            event = record_event(clinic_id, type_, data)
        self.push(event)

    def push(self, event: DashboardEvent) -> None:
        """Hand an already-committed dashboard event to the events actor for live fan-out."""
        events = self.directory.get("events")
        if events is not None:
            self.send(events, published(event))

    def ring(self, clinic_id: int | None) -> None:
        """Tell live dashboards of a clinic that new events are in the table (SSE streams treat
        every push as a doorbell and read the table), without naming the event."""
        events = self.directory.get("events")
        if events is not None:
            self.send(events, Published(0, clinic_id, "doorbell", {}, ""))

    def receiveMsg_Ping(self, message: Ping, sender) -> None:
        self.send(sender, Pong(message.seq, os.getpid(), message.corr))

    def receiveUnrecognizedMessage(self, message, sender) -> None:
        """System messages we have no use for (e.g. ActorExitRequest) need no handling."""
