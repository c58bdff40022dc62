"""The conversation actor: owns one conversation's state and checkpoints it after every turn.

A restarted actor reloads its checkpoint and carries on, so a caller or texter notices nothing.
Inputs are deduplicated by correlation id (the last results are part of the checkpoint): when
the supervisor re-delivers input after a crash, a turn that had already committed is answered
from the checkpoint instead of being run again, so nothing is booked or sent twice.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from actors.base import VraiActor, published
from actors.messages import (
    Category,
    ConversationInit,
    ConversationMessage,
    ConversationOutput,
    Failure,
    Ok,
    Prestart,
    Prestarted,
    Started,
)
from store.db import write
from store.fields import utcnow
from store.models import ConversationCheckpoint
from store.prepared import Insert, Param, Select, Write

log = logging.getLogger("vrai.conversation")

REMEMBERED_RESULTS = 20

_CHECKPOINT = Select(
    lambda: (
        ConversationCheckpoint.select()
        .where(
            (ConversationCheckpoint.kind == Param("kind"))
            & (ConversationCheckpoint.key == Param("key"))
        )
        .limit(1)
    )
)
_UPDATE_CHECKPOINT = Write(
    lambda: ConversationCheckpoint.update(
        state=Param("state", ConversationCheckpoint.state),
        version=Param("version"),
        updated_at=Param("at", ConversationCheckpoint.updated_at),
    ).where(
        (ConversationCheckpoint.kind == Param("kind"))
        & (ConversationCheckpoint.key == Param("key"))
    )
)
_NEW_CHECKPOINT = Insert(ConversationCheckpoint)


def load_checkpoint(kind: str, key: str) -> tuple[dict | None, int]:
    row = _CHECKPOINT.first(kind=kind, key=key)
    return (row.state, row.version) if row else (None, 0)


def save_checkpoint(clinic_id: int, kind: str, key: str, state: dict, version: int) -> None:
    """Upsert the checkpoint; call inside ``write()`` so it commits with the turn's effects."""
    updated = _UPDATE_CHECKPOINT.run(state=state, version=version, at=utcnow(), kind=kind, key=key)
    if not updated:
        _NEW_CHECKPOINT.run(clinic=clinic_id, kind=kind, key=key, state=state, version=version)


class ConversationActor(VraiActor):
    """Subclasses implement ``initial_state`` and one ``turn_<MessageClass>`` method per input
    class they accept (one turn each, returning plain data); the base dedupes, checkpoints and
    answers. An input class the actor has no turn for is refused as invalid."""

    kind = ""

    def __init__(self):
        super().__init__()
        self.key = ""
        self.clinic_id = 0
        self.state: dict = {}
        self.version = 0
        self.incarnation = 0
        self.effects = None  # set by ``handle``: writes that must commit with the checkpoint
        self.relayed: list[tuple[str, Any]] = []
        self.in_turn = False
        self.pending_push: list = []  # dashboard events the turn committed, pushed after it

    def initial_state(self) -> dict:
        return {}

    def handle(self, message: ConversationMessage) -> Any:
        """Run one turn by the message's class: mutate ``self.state``, return the reply value
        (or raise ``TurnError``)."""
        turn = getattr(self, f"turn_{type(message).__name__}", None)
        if turn is None:
            raise TurnError(f"{self.kind} conversations take no {type(message).__name__}")
        return turn(message)

    def receiveMsg_Prestart(self, message: Prestart, sender) -> None:
        """A pooled actor: the process exists and is set up before any conversation needs it,
        so a new conversation waits for neither a fork nor this."""
        self.setup(message.settings)
        self.on_prestart()
        self.send(sender, Prestarted(os.getpid()))

    def on_prestart(self) -> None:
        """Hook for subclasses: warm-up a pooled actor does before it is handed a conversation."""

    def receiveMsg_ConversationInit(self, message: ConversationInit, sender) -> None:
        if self.settings is None:  # not pooled: set up now
            self.setup(message.settings)
        self.directory = dict(message.directory)
        self.key, self.clinic_id = message.key, message.clinic_id
        self.incarnation = message.incarnation
        state, self.version = load_checkpoint(self.kind, self.key)
        self.state = state if state is not None else self.initial_state()
        self.state.setdefault("_results", {})
        self.on_start()
        self.send(sender, Started(f"{self.kind}:{self.key}", os.getpid()))

    def on_start(self) -> None:
        """Hook for subclasses: runs after the checkpoint is loaded."""

    def receiveMsg_ConversationMessage(self, message: ConversationMessage, sender) -> None:
        done = self.state["_results"].get(message.corr)
        self.relayed = []
        if done is not None:
            result = Ok(message.corr, done)
        else:
            self.effects = None
            try:
                value = self.handle(message)
            except TurnError as error:
                result = Failure(message.corr, error.category, str(error), error.retryable)
            else:
                result = Ok(message.corr, value)
                self._remember(message.corr, value)
                self.version += 1
                self.commit(self.effects)
                self.in_turn = True
                try:
                    for event in self.pending_push:
                        self.push(event)
                    self.pending_push = []
                    self.after_commit()
                finally:
                    self.in_turn = False
        self.send(
            sender,
            ConversationOutput(
                corr=message.corr,
                key=self.key,
                result=result,
                reply_to=message.reply_to,
                checkpoint_version=self.version,
                relay=tuple(self.relayed),
            ),
        )
        self.relayed = []

    def commit(self, effects=None) -> None:
        """Write the checkpoint, together with ``effects()`` if given, in one transaction."""
        with write():
            if effects is not None:
                effects()
            save_checkpoint(self.clinic_id, self.kind, self.key, self.state, self.version)

    def after_commit(self) -> None:
        """Hook: side effects that may only happen once the turn is durable (pushes, sends)."""

    def relay(self, service: str, message) -> None:
        """Send ``message`` to a shared service, through the supervisor with this turn's answer.

        Thespian's TCP transport does work for every open connection on every message it
        handles, so a service that hundreds of conversation processes each talked to directly
        (the events actor, the notifier) slowed down as conversations were added. Relayed,
        each service hears from a handful of supervisors instead. Outside a turn it is a send.
        """
        if self.in_turn:
            self.relayed.append((service, message))
            return
        address = self.directory.get(service)
        if address is not None:
            self.send(address, message)

    def push(self, event) -> None:
        self.relay("events", published(event))

    def _remember(self, corr: str, value: Any) -> None:
        results = self.state["_results"]
        results[corr] = value
        while len(results) > REMEMBERED_RESULTS:
            results.pop(next(iter(results)))


class TurnError(Exception):
    """An expected failure of one turn, answered as a typed ``Failure``."""

    def __init__(self, message: str, category: Category = Category.INVALID, retryable=None):
        super().__init__(message)
        self.category = category
        self.retryable = category.retryable if retryable is None else retryable
