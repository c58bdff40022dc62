"""Supervises one kind of conversation actor (SMS threads or calls): simple_one_for_one.

One transient child per conversation key, spawned on its first input and found again by key for
every later input. Children are pinged every heartbeat; a child that stops answering (hung) or
grows past its memory cap (unique memory) is killed. A child that dies without having said it
finished is restarted from its checkpoint within its restart budget, and the input it had not
answered is delivered again (the child dedupes by correlation id, so nothing happens twice).
Past the budget the conversation is marked failed, its waiting input is answered with a failure
(the caller's fallback: take a message, text back), and ops see it. Idle children are retired.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from datetime import timedelta

from thespian.actors import ActorExitRequest, ChildActorExited, WakeupMessage

from actors.base import VraiActor, settle_heap
from actors.call import CallActor
from actors.messages import (
    CallEnded,
    Category,
    ChildrenReport,
    ConversationInit,
    ConversationMessage,
    ConversationOutput,
    Directory,
    Failure,
    FillPool,
    Finished,
    ListActors,
    ListPool,
    Ok,
    Ping,
    Pong,
    Prestart,
    Prestarted,
    RestartActor,
    ServiceInit,
    Started,
    Urgent,
    sms_received,
    sms_supervisor_for,
)
from actors.sms_thread import SmsThreadActor, prime_clinics, warm_up
from actors.supervision import (
    CRASHED,
    FAILED,
    GAVE_UP,
    RETIRE,
    RETIRING,
    SPAWNED,
    UP,
    Child,
    Children,
    RestartBudget,
    kill_pid,
    over_memory_cap,
    plan_beat,
)
from actors.warm_pool import WarmPool
from store.calls import ended_calls_without_outcome
from store.prepared import compile_all
from store.sms import unhandled_inbound

log = logging.getLogger("vrai.supervisor")

CONVERSATION_CLASSES = {"sms": SmsThreadActor, "call": CallActor}
SWEEP_EVERY = 5  # heartbeats
# Reading one child's unique memory can cost the supervisor ~1.3 ms: weighing a hundred
# children in one beat stalled every conversation for 140 ms. See plan_beat, over_memory_cap.
MEMORY_CHECKS_PER_BEAT = 8
SWEEP_AFTER_S = 10.0
QUIET_S = 0.25  # the pool is refilled only after this long with no conversation input
FILL = "fill the pool"  # the payload of the wakeup that does it
WARM_CALLS = 2  # warm call actors each call supervisor keeps (calls come one at a time)


def child_id(kind: str, key: str) -> str:
    return f"{kind}:{key}"


class ConversationSupervisor(VraiActor):
    """Routes conversation input to the one actor that owns that conversation."""

    def __init__(self):
        super().__init__()
        self.kind = ""
        self.name = ""
        self.children = Children()
        self.parent = None
        self.ping_seq = 0
        self.pool: WarmPool | None = None
        self.filling = False  # a FillPool or its wakeup is on its way to us
        self.last_routed = 0.0  # when conversation input last came through
        self.busy: set[str] = set()  # conversations with input in flight

    # ------------------------------------------------------------------ lifecycle

    def receiveMsg_ServiceInit(self, message: ServiceInit, sender) -> None:
        self.setup(message.settings)
        self.name = message.name  # "sms", "sms-1", ... or "call"
        self.kind = "sms" if message.name.startswith("sms") else message.name
        self.parent = sender
        if self.kind == "sms":
            warm_up()
            self._prime_clinics()
        compile_all()  # children inherit the statements' SQL instead of building it on a turn
        settle_heap()  # before any child is forked from us
        self.send(sender, Started(message.name, os.getpid()))
        self.pool = WarmPool(floor=self._pool_floor())
        self._refill()
        self.wakeupAfter(self.settings.supervision.heartbeat_s)

    def _pool_floor(self) -> int:
        if self.kind != "sms":
            return WARM_CALLS
        return -(-self.settings.warm_threads // self.settings.sms_supervisors)  # ceiling

    # ------------------------------------------------------------------ the warm pool

    def receiveMsg_FillPool(self, message: FillPool, sender) -> None:
        self.filling = False
        if self._busy_now():
            self._refill()  # texts came in meanwhile: wait for the next lull
            return
        now = time.monotonic()
        if self.pool is None or not self.pool.short(now):
            return
        self._fork_warm(now)
        if self.pool.short(now) and not self.filling:  # the next one after what is waiting
            self.filling = True
            self.send(self.myAddress, FillPool())

    def _fork_warm(self, now: float) -> None:
        member = self.pool.add(self.createActor(CONVERSATION_CLASSES[self.kind]), now)
        self.send(member.address, Prestart(self.settings))

    def receiveMsg_Prestarted(self, message: Prestarted, sender) -> None:
        member = self.pool.find(sender) if self.pool else None
        if member is not None:
            member.pid = message.pid

    def receiveMsg_ListPool(self, message: ListPool, sender) -> None:
        pool = self.pool or WarmPool(0)
        self.send(
            sender,
            Ok(
                message.corr,
                {
                    "pids": pool.pids(),
                    "handed_out": pool.handed_out,
                    "cold": pool.cold,
                    "size": len(pool.members),
                    "target": pool.target(time.monotonic()),
                },
            ),
        )

    def _busy_now(self) -> bool:
        """Texts came in within ``QUIET_S``, or turns are still running or waiting."""
        return bool(self.busy) or time.monotonic() - self.last_routed < QUIET_S

    def _refill(self) -> None:
        """Fork the next warm actor once we have been quiet for ``QUIET_S``: a fork stalls
        everything this supervisor routes, so a burst of new texters is answered from the pool
        first and the pool is refilled in the lull after it."""
        if self.pool is not None and not self.filling and self.pool.short(time.monotonic()):
            self.filling = True
            self.wakeupAfter(timedelta(seconds=QUIET_S), payload=FILL)

    def _fill_when_quiet(self) -> None:
        self.filling = False
        if self._busy_now():
            self._refill()  # still busy: look again after another quiet spell
            return
        self.receiveMsg_FillPool(FillPool(), self.myAddress)

    def _prime_clinics(self) -> None:
        """Keep the clinic views fresh in this process: threads forked next inherit them."""
        try:
            prime_clinics()
        except Exception:  # a database hiccup must not stop the beat; threads read their own
            log.exception("could not refresh the clinic views")

    def receiveMsg_Directory(self, message: Directory, sender) -> None:
        super().receiveMsg_Directory(message, sender)
        for child in self.children:
            if child.address is not None:
                self.send(child.address, message)

    # ------------------------------------------------------------------ routing

    def receiveMsg_ConversationMessage(self, message: ConversationMessage, sender) -> None:
        if message.wants_reply and message.reply_to is None:
            message = dataclasses.replace(message, reply_to=sender)
        cid = child_id(message.kind, message.key)
        child = self.children.get(cid)
        now = self.last_routed = time.monotonic()
        if child is None:
            child = self.children.add(
                Child(
                    id=cid,
                    kind=message.kind,
                    name=message.key,
                    clinic_id=message.clinic_id,
                    budget=self._budget(),
                )
            )
            self._spawn(child)
        elif child.state == FAILED:
            if not child.budget.allow(now):
                self._answer(
                    message, Failure(message.corr, Category.UNAVAILABLE, "conversation failed")
                )
                return
            child.restarts += 1
            self._spawn(child)
        child.last_activity = now
        if child.state == RETIRING:
            child.pending.append(message)
            return
        self._deliver(child, [message])

    def receiveMsg_ConversationOutput(self, message: ConversationOutput, sender) -> None:
        child = self.children.find_address(sender)
        if child is not None:
            child.inflight.pop(message.corr, None)
            if not child.inflight:
                self.busy.discard(child.id)
            child.last_activity = child.last_pong = time.monotonic()  # an answer is a pong
            if message.checkpoint_version is not None:
                child.checkpoint_version = message.checkpoint_version
        if message.reply_to is not None:
            self.send(message.reply_to, message.result)
        for service, relayed in message.relay:
            address = self.directory.get(service)
            if address is not None:
                self.send(address, relayed)

    def receiveMsg_Started(self, message: Started, sender) -> None:
        child = self.children.find_address(sender)
        if child is None:
            return
        child.pid = message.pid
        child.move(UP)
        child.last_pong = time.monotonic()
        self._report(child)

    def receiveMsg_Pong(self, message: Pong, sender) -> None:
        child = self.children.find_address(sender)
        if child is not None:
            child.last_pong = time.monotonic()

    def receiveMsg_Finished(self, message: Finished, sender) -> None:
        child = self.children.find_address(sender)
        if child is not None:
            child.finished = True
            self._retire(child)

    # ------------------------------------------------------------------ supervision

    def receiveMsg_WakeupMessage(self, message: WakeupMessage, sender) -> None:
        """The beat: judge every child (see ``plan_beat``), sweep, report."""
        if message.payload == FILL:
            self._fill_when_quiet()
            return
        sup = self.settings.supervision
        self.ping_seq += 1
        beat = plan_beat(
            self.children,
            time.monotonic(),
            hung_after_s=sup.hung_after_s,
            idle_after_s=self._idle_s(),
            ping_after_s=max(sup.heartbeat_s, sup.hung_after_s / 3),
            heartbeat_s=sup.heartbeat_s,
            weigh_max=MEMORY_CHECKS_PER_BEAT,
        )
        for child in beat.hung:
            self._kill(child, "hung")
        for child in beat.weigh:
            if over_memory_cap(child.pid, sup.conversation_memory_mb):
                self._kill(child, "memory")
        for child in beat.retire:
            self._retire(child)
        for child in beat.ping:
            if child.kill_reason is None:
                self.send(child.address, Ping(self.ping_seq))
        if self.pool is not None:
            now = time.monotonic()
            for late in self.pool.stale(now):
                log.warning("a warm %s actor never got ready: replaced", self.kind)
                self.send(late.address, ActorExitRequest())
            surplus = self.pool.surplus(now)
            if surplus is not None:  # the burst that grew the pool is over: one fewer per beat
                self.send(surplus.address, ActorExitRequest())
            elif self.pool.short(now) and self._busy_now():
                self._fork_warm(now)  # never quiet under steady load: one fork per beat
            self._refill()
        if self.children:
            self._send_report()  # also keeps checkpoint versions fresh for ops
        if self.kind == "sms":
            self._prime_clinics()
            if self.ping_seq % SWEEP_EVERY == 0:
                self._sweep_unhandled()
        elif self.ping_seq % SWEEP_EVERY == 0:
            self._sweep_unfinished_calls()
        self.wakeupAfter(sup.heartbeat_s)

    def receiveMsg_ChildActorExited(self, message: ChildActorExited, sender) -> None:
        member = self.pool.find(message.childAddress) if self.pool else None
        if member is not None:  # a warm actor died before it had a conversation
            self.pool.members.remove(member)
            self._refill()
            return
        child = self.children.find_address(message.childAddress)
        if child is None:
            return
        if child.state == RETIRING:
            if child.pending:
                self._spawn(child)
                self._deliver(child, child.pending)
                child.pending = []
                self._report(child)
            else:
                self.children.remove(child.id)
                self._report(child, removed=True)
            return
        child.last_exit, child.kill_reason = child.kill_reason or "crashed", None
        if child.budget.allow(time.monotonic()):
            child.restarts += 1
            child.move(CRASHED)
            self._spawn(child)
            self._deliver(child, list(child.inflight.values()))
            self.publish(child.clinic_id, "actor.restarted", child.event_data())
        else:
            child.move(GAVE_UP)
            self.busy.discard(child.id)
            child.address = None
            child.pid = None
            for waiting in list(child.inflight.values()):
                self._answer(
                    waiting, Failure(waiting.corr, Category.UNAVAILABLE, "conversation failed")
                )
            child.inflight.clear()
            self.publish(child.clinic_id, "actor.failed", child.event_data())
            log.error("conversation %s failed: restart intensity exceeded", child.kind)
        self._report(child)

    def receiveMsg_RestartActor(self, message: RestartActor, sender) -> None:
        reply_to = message.reply_to or sender
        child = self.children.get(message.actor_id)
        if child is None:
            self.send(reply_to, Failure(message.corr, Category.NOT_FOUND, "no such actor"))
            return
        if child.state == FAILED:
            child.budget.reset()
            child.restarts += 1
            self._spawn(child)
        else:
            # A requested restart is not a crash: it does not spend the restart budget.
            child.budget.reset()
            self._kill(child, "restart requested")
        self.send(reply_to, Ok(message.corr, child.info()))

    def receiveMsg_ListActors(self, message: ListActors, sender) -> None:
        self.send(sender, Ok(message.corr, tuple(c.info() for c in self.children)))

    # ------------------------------------------------------------------ helpers

    def _sweep_unhandled(self) -> None:
        """Texts stored and acknowledged but never handled (the gateway could not reach us, or
        we were restarting) are routed again; the conversation dedupes them by message id."""
        for message in unhandled_inbound(SWEEP_AFTER_S):
            turn = sms_received(
                message.clinic_id,
                message.clinic.phone,
                message.thread.customer_phone,
                message.id,
                message.text,
            )
            if sms_supervisor_for(turn.key, self.settings.sms_supervisors) != self.name:
                continue  # another SMS supervisor's thread
            child = self.children.get(child_id("sms", turn.key))
            if child is None or turn.corr not in child.inflight:
                self.receiveMsg_ConversationMessage(turn, self.myAddress)

    def _sweep_unfinished_calls(self) -> None:
        """Calls whose hang-up was stored but never reached their actor (the gateway could not
        reach us) get their ``CallEnded`` again; the actor decides their outcome once."""
        for call in ended_calls_without_outcome(SWEEP_AFTER_S):
            ended = CallEnded(
                corr=f"end-{call.id}",
                key=call.call_control_id,
                clinic_id=call.clinic_id,
                call_id=call.id,
                hangup_cause=call.hangup_cause or "unknown",
                duration_s=call.duration_s or 0,
            )
            child = self.children.get(child_id("call", ended.key))
            if child is None or ended.corr not in child.inflight:
                self.receiveMsg_ConversationMessage(ended, self.myAddress)

    def _budget(self) -> RestartBudget:
        sup = self.settings.supervision
        return RestartBudget(sup.conversation_restarts, sup.conversation_window_s)

    def _idle_s(self) -> float:
        sup = self.settings.supervision
        return sup.sms_idle_s if self.kind == "sms" else sup.call_idle_s

    def _spawn(self, child: Child) -> None:
        """A warm actor from the pool when one is ready (no fork waited for), else a fork."""
        now = time.monotonic()
        member = self.pool.take(now, child.restarts == 0) if self.pool is not None else None
        if member is not None:
            child.address, child.pid = member.address, member.pid
        else:
            child.address, child.pid = self.createActor(CONVERSATION_CLASSES[child.kind]), None
        child.move(SPAWNED)
        child.started_at = time.time()
        child.last_pong = time.monotonic()
        child.finished = False
        self.send(
            child.address,
            ConversationInit(
                settings=self.settings,
                kind=child.kind,
                key=child.name,
                clinic_id=child.clinic_id,
                incarnation=child.restarts,
                directory=self.directory,
            ),
        )
        self._report(child)
        self._refill()

    def _deliver(self, child: Child, messages: list) -> None:
        """Send input to a child; urgent input (a hang-up) overtakes ordered input that is
        still waiting for a restarted or re-spawned child."""
        for message in sorted(messages, key=lambda m: not isinstance(m, Urgent)):
            child.inflight[message.corr] = message
            self.send(child.address, message)
        if messages:
            self.busy.add(child.id)

    def _retire(self, child: Child) -> None:
        child.move(RETIRE)
        self.send(child.address, ActorExitRequest())

    def _kill(self, child: Child, reason: str) -> None:
        child.kill_reason = reason
        log.warning("killing %s actor (%s)", child.kind, reason)
        if not kill_pid(child.pid):
            self.send(child.address, ActorExitRequest())

    def _answer(self, message: ConversationMessage, result) -> None:
        if message.reply_to is not None:
            self.send(message.reply_to, result)

    def _report(self, child: Child, removed: bool = False) -> None:
        """Tell the root what changed about one child. Sending the whole list on every change
        made a burst of N new texters cost O(N^2); the whole list goes once per beat."""
        if self.parent is not None:
            if removed:
                self.send(self.parent, ChildrenReport(self.name, (), False, (child.id,)))
            else:
                self.send(self.parent, ChildrenReport(self.name, (child.info(),), False))

    def _send_report(self) -> None:
        if self.parent is not None:
            self.send(
                self.parent, ChildrenReport(self.name, tuple(c.info() for c in self.children))
            )
