"""One contract, every CallControl backend: what the call routes rely on."""

from __future__ import annotations

import asyncio
import base64

import aiohttp
import pytest

from gateway.call_control import CALL_CONTROLS, CallControlError, make_call_control
from store.models import Call, CallEvent
from tests.conftest import make_settings
from tests.fakes.telnyx_call_control_server import FakeCallControl

TELNYX_KEY = base64.b64encode(bytes(range(32))).decode()
CCID = "v3:contract-call"


def run_with(backend_name: str, tmp_path, database_factory, scenario):
    """Build the backend (Telnyx pointed at a local fake) and run ``scenario(control, fake)``."""

    async def main():
        fake = None
        env = {}
        async with FakeCallControl() as cc:
            if backend_name == "telnyx":
                fake = cc
                env = dict(
                    TELNYX_API_KEY="KEY_TEST",
                    TELNYX_PUBLIC_KEY=TELNYX_KEY,
                    TELNYX_API_BASE=cc.base_url,
                )
            settings = make_settings(tmp_path, **env)
            call = database_factory(settings)
            async with aiohttp.ClientSession() as session:
                control = make_call_control(settings, session)
                return await scenario(control, fake, call)

    return asyncio.run(asyncio.wait_for(main(), 30))


@pytest.fixture
def database_factory():
    from store.db import close_database, open_for
    from store.demo import seed_demo_clinics
    from store.migrations import migrate
    from store.models import Clinic

    def make(settings):
        open_for(settings)
        migrate()
        seed_demo_clinics()
        clinic = Clinic.get(Clinic.phone == "+15550100001")
        return Call.create(
            clinic=clinic, call_control_id=CCID, from_phone="+15555550123", to_phone=clinic.phone
        )

    yield make
    close_database()


def commands(call) -> list[tuple[str, str]]:
    rows = CallEvent.select().where((CallEvent.call == call) & (CallEvent.kind == "command"))
    return [(e.data["action"], e.data["status"]) for e in rows.order_by(CallEvent.id)]


@pytest.mark.parametrize("backend", CALL_CONTROLS)
def test_every_command_is_recorded_with_how_it_went(backend, tmp_path, database_factory):
    async def scenario(control, fake, call):
        await control.hangup(call.clinic_id, call.id, CCID)
        await control.transfer(call.clinic_id, call.id, CCID, "+15550100091")
        return call

    call = run_with(backend, tmp_path, database_factory, scenario)
    expected = "embedded" if backend == "recorded" else "sent"
    assert commands(call) == [("hangup", expected), ("transfer", expected)]


@pytest.mark.parametrize("backend", CALL_CONTROLS)
def test_commands_carry_telnyx_dedupe_ids_and_our_call_id(backend, tmp_path, database_factory):
    async def scenario(control, fake, call):
        await control.transfer(call.clinic_id, call.id, CCID, "+15550100091")
        return call, fake

    call, fake = run_with(backend, tmp_path, database_factory, scenario)
    body = CallEvent.get(CallEvent.kind == "command").data["body"]
    assert body["command_id"] == f"transfer-{CCID}" and body["to"] == "+15550100091"
    assert base64.b64decode(body["client_state"]) == f'{{"call_id": {call.id}}}'.encode()
    if fake is not None:
        [sent] = fake.commands
        assert (sent.call_control_id, sent.action, sent.body) == (CCID, "transfer", body)


@pytest.mark.parametrize("backend", CALL_CONTROLS)
def test_a_call_that_already_ended_is_not_an_error(backend, tmp_path, database_factory):
    async def scenario(control, fake, call):
        if fake is not None:
            fake.ended("hangup")
        return await control.hangup(call.clinic_id, call.id, CCID)

    status = run_with(backend, tmp_path, database_factory, scenario)
    assert status in ("embedded", "already_ended")


def test_a_refused_command_raises_and_records_nothing(tmp_path, database_factory):
    async def scenario(control, fake, call):
        fake.fail("transfer", 403)
        with pytest.raises(CallControlError):
            await control.transfer(call.clinic_id, call.id, CCID, "+15550100091")
        return call, fake

    call, fake = run_with("telnyx", tmp_path, database_factory, scenario)
    assert commands(call) == [] and len(fake.commands) == 1  # a refusal is not retried
