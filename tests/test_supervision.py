"""Supervision with the real multiprocess base: kill -9, hangs, memory caps, restart intensity."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import time

import psutil
import pytest

from actors.messages import (
    Failure,
    Ok,
    RestartActor,
    SaveCustomer,
    TextReceived,
    new_corr,
    sms_supervisor_for,
)
from store.models import ConversationCheckpoint, DashboardEvent
from tests.conftest import HANG_TEST_LIMIT_S
from tests.helpers import wait_until

pytestmark = pytest.mark.multiproc

GLOW = "+15550100001"
KEY = f"{GLOW}:+15555550123"


def text(system, clinic_id: int, body: str, key: str = KEY):
    """A turn that needs no brain (HELP): these tests are about supervision."""
    message = TextReceived(
        corr=new_corr(),
        key=key,
        clinic_id=clinic_id,
        message_id=None,
        text="HELP",
        customer_phone=key.split(":")[1],
        wants_reply=True,
    )
    return system.ask(message, system.address(owner(system, key)))


def owner(system, key: str = KEY) -> str:
    """The SMS supervisor that owns the thread (the gateway routes the same way)."""
    return sms_supervisor_for(key, system.settings.sms_supervisors)


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def conversation(system, key: str = KEY):
    return system.actors().get(f"sms:{key}")


def test_each_conversation_key_gets_its_own_actor_process(actor_system, database):
    text(actor_system, database[GLOW], "hi")
    text(actor_system, database[GLOW], "hello", key=f"{GLOW}:+15555550999")
    text(actor_system, database[GLOW], "again")
    infos = [i for i in actor_system.actors().values() if i.kind == "sms"]
    assert len(infos) == 2
    assert len({i.pid for i in infos}) == 2
    assert conversation(actor_system).checkpoint_version == 2 or wait_until(
        lambda: conversation(actor_system).checkpoint_version == 2
    )


def test_killed_conversation_actor_is_replaced_and_resumes_from_checkpoint(actor_system, database):
    clinic_id = database[GLOW]
    for n in range(3):
        assert text(actor_system, clinic_id, f"message {n}").value["turn"] == n + 1
    before = wait_until(lambda: (c := conversation(actor_system)) and c.pid and c)
    os.kill(before.pid, signal.SIGKILL)

    reply = text(actor_system, clinic_id, "are you there?")

    assert isinstance(reply, Ok)
    assert reply.value["turn"] == 4  # state restored: the count carried on, nothing was lost
    after = wait_until(lambda: (c := conversation(actor_system)) and c.state == "running" and c)
    assert after.pid != before.pid and after.restarts == 1 and after.last_exit == "crashed"
    checkpoint = ConversationCheckpoint.get(ConversationCheckpoint.key == KEY)
    assert checkpoint.state["turns"] == 4
    assert DashboardEvent.select().where(DashboardEvent.type == "actor.restarted").exists()


def test_restart_intensity_exceeded_marks_conversation_failed_and_answers_with_failure(
    actor_system, database
):
    clinic_id = database[GLOW]
    text(actor_system, clinic_id, "hi")
    budget = actor_system.settings.supervision.conversation_restarts
    for _ in range(budget + 1):
        pid = wait_until(
            lambda: (c := conversation(actor_system)) and c.state == "running" and c.pid
        )
        with contextlib.suppress(ProcessLookupError):  # a loaded machine got there first
            os.kill(pid, signal.SIGKILL)
        wait_until(lambda p=pid: conversation(actor_system).pid != p)
    failed = wait_until(lambda: (c := conversation(actor_system)) and c.state == "failed" and c)
    assert failed.restarts == budget
    assert DashboardEvent.select().where(DashboardEvent.type == "actor.failed").exists()
    # the budget is spent within the window: the conversation gets its fallback answer
    assert isinstance(text(actor_system, clinic_id, "hello?"), Failure)


def test_hung_conversation_actor_is_killed_and_replaced(tmp_path, database, monkeypatch):
    system = system_with(tmp_path, monkeypatch, hung_after_s=HANG_TEST_LIMIT_S)
    try:
        text(system, database[GLOW], "hi")
        # the registry learns the pid with the first reply's report, which may come after it
        hung = wait_until(lambda: (c := conversation(system)) and c.pid and c)
        os.kill(hung.pid, signal.SIGSTOP)  # alive but answering nothing: a hang

        replaced = wait_until(
            lambda: (c := conversation(system)) and c.pid != hung.pid and c.state == "running" and c
        )

        assert replaced.last_exit == "hung"
        assert wait_until(lambda: gone(hung.pid))
        assert text(system, database[GLOW], "still there?").value["turn"] == 2
    finally:
        system.stop()


def system_with(tmp_path, monkeypatch, **supervision):
    """A running system whose supervision timings differ from the suite's."""
    from store.db import open_for
    from store.demo import seed_demo_clinics
    from store.migrations import migrate
    from tests.conftest import FAST_SUPERVISION, RunningSystem, make_settings

    monkeypatch.setenv("THESPIAN_BASE_IPADDR", "127.0.0.1")
    settings = make_settings(tmp_path).replace(
        supervision=dataclasses.replace(FAST_SUPERVISION, **supervision)
    )
    open_for(settings)
    migrate()
    seed_demo_clinics()
    return RunningSystem(settings)


def test_conversation_actor_over_memory_cap_is_replaced(tmp_path, database, monkeypatch):
    system = system_with(tmp_path, monkeypatch, conversation_memory_mb=1)
    try:
        text(system, 1, "hi")
        info = wait_until(lambda: (c := conversation(system)) and c.last_exit == "memory" and c)
        assert info.restarts >= 1
    finally:
        system.stop()


def test_killed_service_actor_is_restarted_and_answers_again(actor_system, database):
    crm = actor_system.actors()["service:crm"]
    os.kill(crm.pid, signal.SIGKILL)
    restarted = wait_until(
        lambda: (
            (c := actor_system.actors()["service:crm"]).pid != crm.pid
            and c.state == "running"
            and c
        )
    )
    assert restarted.restarts == 1
    reply = actor_system.ask(
        SaveCustomer(new_corr(), database[GLOW], "+15555550123", "Ana"), actor_system.address("crm")
    )
    assert isinstance(reply, Ok) and reply.value["name"] == "Ana"


def test_hung_service_actor_is_killed_and_replaced(tmp_path, database, monkeypatch):
    system = system_with(tmp_path, monkeypatch, service_hung_after_s=1.5)
    try:
        crm = system.actors()["service:crm"]
        os.kill(crm.pid, signal.SIGSTOP)  # alive but answering nothing: a hang
        replaced = wait_until(
            lambda: (c := system.actors()["service:crm"]).pid != crm.pid and c, timeout_s=20
        )
        assert replaced.last_exit == "hung"
        assert wait_until(lambda: gone(crm.pid))
    finally:
        system.stop()


def test_a_service_busy_for_longer_than_a_conversation_may_be_is_not_killed(
    tmp_path, database, monkeypatch
):
    """Loading the embedding model on a loaded machine took the knowledge actor past the
    conversations' hang limit; it was killed, restarted, and reloaded the model again."""
    system = system_with(tmp_path, monkeypatch, hung_after_s=HANG_TEST_LIMIT_S)
    try:
        sup = system.settings.supervision
        assert sup.service_hung_after_s > 4 * sup.hung_after_s
        crm = system.actors()["service:crm"]
        os.kill(crm.pid, signal.SIGSTOP)
        try:
            # The busy spell under test, not a wait for something: twice the conversations' limit.
            time.sleep(2 * sup.hung_after_s)
        finally:
            os.kill(crm.pid, signal.SIGCONT)
        save = SaveCustomer(new_corr(), 1, "+15555550123", "Ana")
        reply = system.ask(save, system.address("crm"))
        assert isinstance(reply, Ok)
        after = system.actors()["service:crm"]
        assert (after.pid, after.restarts) == (crm.pid, 0)
    finally:
        system.stop()


def test_ops_restart_of_a_conversation_keeps_its_state(actor_system, database):
    text(actor_system, database[GLOW], "one")
    before = wait_until(lambda: (c := conversation(actor_system)) and c.pid and c)
    reply = actor_system.ask(RestartActor(new_corr(), f"sms:{KEY}"))
    assert isinstance(reply, Ok)
    wait_until(lambda: conversation(actor_system).pid not in (None, before.pid))
    assert text(actor_system, database[GLOW], "two").value["turn"] == 2


def test_malformed_turn_is_a_typed_failure_not_a_crash(actor_system, database):
    message = TextReceived(
        corr=new_corr(),
        key=KEY,
        clinic_id=database[GLOW],
        message_id=None,
        text=5,
        customer_phone=KEY.split(":")[1],
        wants_reply=True,
    )
    reply = actor_system.ask(message, actor_system.address(owner(actor_system)))
    assert isinstance(reply, Failure) and reply.category == "invalid"
    assert conversation(actor_system).restarts == 0


def test_restart_of_unknown_actor_is_not_found(actor_system):
    reply = actor_system.ask(RestartActor(new_corr(), "sms:nobody"))
    assert isinstance(reply, Failure) and reply.category == "not_found"


def test_idle_conversation_is_retired_and_comes_back_with_its_state(
    tmp_path, database, monkeypatch
):
    from tests.conftest import FAST_SUPERVISION, RunningSystem, make_settings

    monkeypatch.setenv("THESPIAN_BASE_IPADDR", "127.0.0.1")
    settings = make_settings(tmp_path).replace(
        # long enough for the registry to learn its pid first, under a loaded suite's delays
        supervision=dataclasses.replace(FAST_SUPERVISION, sms_idle_s=2.0)
    )
    from store.db import open_for

    open_for(settings)
    system = RunningSystem(settings)
    try:
        assert text(system, 1, "one").value["turn"] == 1
        # its pid is in the registry once the child has said it started, which may come later
        first = wait_until(lambda: (c := conversation(system)) and c.pid)
        wait_until(lambda: conversation(system) is None)  # retired, not crashed
        wait_until(
            lambda: not psutil.pid_exists(first) or psutil.Process(first).status() == "zombie"
        )
        assert text(system, 1, "two").value["turn"] == 2  # respawned from its checkpoint
        assert conversation(system).restarts == 0
    finally:
        system.stop()
