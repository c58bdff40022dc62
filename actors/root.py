"""The root supervisor: permanent service actors and the two conversation supervisors.

one_for_one: a child that exits is restarted alone, within its restart intensity. A service
actor past its budget is marked failed, ops see it and a dashboard event says so, and it is
tried again after a back-off (a clinic cannot run without its calendar, so "failed" is never
final). After any restart the new addresses go to every child as a ``Directory``.
The root is also the one stable address the gateway talks to (pitfall 8: TCP asks slow down
with every actor the caller talks to).
"""

from __future__ import annotations

import logging
import os
import time

from thespian.actors import ActorExitRequest, ChildActorExited, WakeupMessage

from actors.base import VraiActor
from actors.conversation_supervisor import ConversationSupervisor
from actors.housekeeping import declare
from actors.messages import (
    Category,
    ChildrenReport,
    Directory,
    Failure,
    GetDirectory,
    ListActors,
    Ok,
    Ping,
    Pong,
    RestartActor,
    RootInit,
    ServiceInit,
    Started,
    knowledge_actors,
    sms_supervisor_for,
    sms_supervisors,
)
from actors.services.calendar import CalendarActor
from actors.services.crm import CrmActor
from actors.services.events import EventsActor
from actors.services.knowledge import KnowledgeActor
from actors.services.notifier import NotifierActor
from actors.services.payments import PaymentsActor
from actors.supervision import (
    CRASHED,
    FAILED,
    GAVE_UP,
    RUNNING,
    SPAWNED,
    UP,
    Child,
    Children,
    RestartBudget,
    kill_pid,
)

log = logging.getLogger("vrai.root")

# Start order matters: events first so every later start can publish.
SERVICES = {
    "events": EventsActor,
    "crm": CrmActor,
    "calendar": CalendarActor,
    "payments": PaymentsActor,
    "knowledge": KnowledgeActor,
    "notifier": NotifierActor,
}


def service_names(settings) -> list[str]:
    """The services, with the extra knowledge actors that share the understanding of texts."""
    return [*SERVICES, *knowledge_actors(settings.knowledge_actors)[1:]]


def service_class(name: str) -> type:
    return SERVICES.get(name) or KnowledgeActor  # knowledge-1 ... are knowledge actors too


def supervisor_names(settings) -> list[str]:
    """The conversation supervisors: the SMS ones (see ``sms_supervisor_for``) and calls."""
    return [*sms_supervisors(settings.sms_supervisors), "call"]


ROOT_NAME = "vrai-root"


class RootSupervisor(VraiActor):
    def __init__(self):
        super().__init__()
        self.children = Children()
        self.reports: dict[str, dict] = {}  # supervisor -> actor id -> ActorInfo
        self.ping_seq = 0
        self.started = False
        self.init_waiter = None

    def receiveMsg_RootInit(self, message: RootInit, sender) -> None:
        if self.started:
            self.send(sender, Ok("init", "already running"))
            return
        self.setup(message.settings)
        self.started = True
        sup = self.settings.supervision
        services = service_names(self.settings)
        for name in (*services, *supervisor_names(self.settings)):
            kind = "service" if name in services else "supervisor"
            child = Child(
                id=f"{kind}:{name}",
                kind=kind,
                name=name,
                clinic_id=None,
                budget=RestartBudget(sup.service_restarts, sup.service_window_s),
            )
            self.children.add(child)
            self._spawn(child)
        self._broadcast_directory()
        self.housekeeping = declare(self._to_service)
        self.caught_up = False
        self.wakeupAfter(sup.heartbeat_s)
        self.init_waiter = sender  # answered once every child has said it started

    # ------------------------------------------------------------------ children

    def receiveMsg_Started(self, message: Started, sender) -> None:
        child = self.children.find_address(sender)
        if child is not None:
            child.pid = message.pid
            child.move(UP)
            child.last_pong = time.monotonic()
        if self.init_waiter is not None and all(c.state == RUNNING for c in self.children):
            self.send(self.init_waiter, Ok("init", os.getpid()))
            self.init_waiter = None

    def receiveMsg_Pong(self, message: Pong, sender) -> None:
        child = self.children.find_address(sender)
        if child is not None:
            child.last_pong = time.monotonic()

    def receiveMsg_ChildrenReport(self, message: ChildrenReport, sender) -> None:
        known = {} if message.complete else self.reports.setdefault(message.supervisor, {})
        known.update((info.id, info) for info in message.children)
        for actor_id in message.removed:
            known.pop(actor_id, None)
        self.reports[message.supervisor] = known

    def receiveMsg_ChildActorExited(self, message: ChildActorExited, sender) -> None:
        child = self.children.find_address(message.childAddress)
        if child is None:
            return
        child.last_exit, child.kill_reason = child.kill_reason or "crashed", None
        if child.kind == "supervisor":
            self.reports.pop(child.name, None)
        if child.budget.allow(time.monotonic()):
            child.restarts += 1
            child.move(CRASHED)
            self._spawn(child)
            self._broadcast_directory()
            self.publish(None, "actor.restarted", child.event_data())
        else:
            child.move(GAVE_UP)
            child.address, child.pid = None, None
            self.publish(None, "actor.failed", child.event_data())
            log.error("service %s failed: restart intensity exceeded", child.name)
            self.wakeupAfter(self.settings.supervision.service_backoff_s, payload=child.id)

    def receiveMsg_WakeupMessage(self, message: WakeupMessage, sender) -> None:
        if message.payload:  # back-off of a failed service expired: try it again
            child = self.children.get(message.payload)
            if child is not None and child.state == FAILED:
                child.budget.reset()
                child.restarts += 1
                self._spawn(child)
                self._broadcast_directory()
            return
        sup = self.settings.supervision
        now = time.monotonic()
        self.ping_seq += 1
        for child in self.children:
            if child.state != RUNNING:
                continue
            limit = sup.service_hung_after_s if child.kind == "service" else sup.hung_after_s
            if now - child.last_pong > limit:
                child.kill_reason = "hung"
                log.warning("killing %s %s (hung)", child.kind, child.name)
                kill_pid(child.pid)
            else:
                self.send(child.address, Ping(self.ping_seq))
        if self.caught_up:
            self.housekeeping.run_pending()
        elif all(c.state == RUNNING for c in self.children if c.kind == "service"):
            self.housekeeping.run_all()  # once every service is up: catch up after a start
            self.caught_up = True
        self.wakeupAfter(sup.heartbeat_s)

    def _to_service(self, name: str, message) -> None:
        child = self.children.get(f"service:{name}")
        if child is not None and child.state == RUNNING and child.address is not None:
            self.send(child.address, message)

    # ------------------------------------------------------------------ ops

    def receiveMsg_GetDirectory(self, message: GetDirectory, sender) -> None:
        self.send(sender, Ok(message.corr, self._directory()))

    def receiveMsg_ListActors(self, message: ListActors, sender) -> None:
        infos = [c.info() for c in self.children]
        for children in self.reports.values():
            infos.extend(children.values())
        self.send(sender, Ok(message.corr, tuple(infos)))

    def receiveMsg_RestartActor(self, message: RestartActor, sender) -> None:
        child = self.children.get(message.actor_id)
        if child is None:
            kind, _, key = message.actor_id.partition(":")
            if kind == "sms":
                kind = sms_supervisor_for(key, self.settings.sms_supervisors)
            sup = self.children.get(f"supervisor:{kind}")
            if sup is None or sup.address is None:
                self.send(sender, Failure(message.corr, Category.NOT_FOUND, "no such actor"))
                return
            self.send(sup.address, RestartActor(message.corr, message.actor_id, reply_to=sender))
            return
        child.budget.reset()
        if child.state == FAILED:
            child.restarts += 1
            self._spawn(child)
            self._broadcast_directory()
        else:
            child.kill_reason = "restart requested"
            if not kill_pid(child.pid):
                self.send(child.address, ActorExitRequest())
        self.send(sender, Ok(message.corr, child.info()))

    # ------------------------------------------------------------------ helpers

    def _spawn(self, child: Child) -> None:
        cls = ConversationSupervisor if child.kind == "supervisor" else service_class(child.name)
        child.address = self.createActor(cls)
        child.move(SPAWNED)
        child.pid = None
        child.started_at = time.time()
        child.last_pong = time.monotonic()
        self.send(child.address, ServiceInit(self.settings, child.name))

    def _directory(self) -> Directory:
        return Directory(
            {
                c.name: c.address
                for c in self.children
                if c.address is not None and c.state != FAILED
            }
        )

    def _broadcast_directory(self) -> None:
        directory = self._directory()
        self.directory = dict(directory.addresses)
        for child in self.children:
            if child.address is not None:
                self.send(child.address, directory)
