"""Call Control: the commands the gateway gives a call (answer, hang up, transfer).

One interface, ``CallControl``, one file per backend, chosen once in supervisor.py
(``Settings.backends.call_control``):
- ``telnyx``: Telnyx Call Control REST (``telnyx.py``);
- ``recorded``: no phone network to command (embedded mode, the simulator); each command is
  recorded so the dashboard and the simulator see what would have been done (``recorded.py``).
Both record every command as a ``CallEvent(kind="command")`` with its outcome, tokens redacted.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Protocol

import aiohttp

from store.settings import Settings


class CallControlError(RuntimeError):
    """A command Telnyx refused or that could not be delivered after the retries."""


class CallControl(Protocol):
    """What the call routes need of a phone network."""

    async def command(
        self, clinic_id: int, call_id: int, ccid: str, action: str, body: dict[str, Any]
    ) -> str:
        """Give one command; returns how it went (``sent``, ``already_ended``, ``embedded``)
        or raises ``CallControlError``."""
        ...

    async def hangup(self, clinic_id: int, call_id: int, ccid: str) -> str: ...

    async def transfer(self, clinic_id: int, call_id: int, ccid: str, to: str) -> str: ...


def client_state(call_id: int) -> str:
    """Our call id, as Telnyx echoes it back on every later event of the call."""
    return base64.b64encode(json.dumps({"call_id": call_id}).encode()).decode()


class CommandBodies:
    """The bodies of hang-up and transfer, shared by every backend (``command_id`` makes
    Telnyx dedupe a retried command)."""

    async def command(self, clinic_id, call_id, ccid, action, body) -> str:  # pragma: no cover
        raise NotImplementedError

    async def hangup(self, clinic_id: int, call_id: int, ccid: str) -> str:
        body = {"client_state": client_state(call_id), "command_id": f"hangup-{ccid}"}
        return await self.command(clinic_id, call_id, ccid, "hangup", body)

    async def transfer(self, clinic_id: int, call_id: int, ccid: str, to: str) -> str:
        body = {"to": to, "client_state": client_state(call_id), "command_id": f"transfer-{ccid}"}
        return await self.command(clinic_id, call_id, ccid, "transfer", body)


def make_call_control(settings: Settings, session: aiohttp.ClientSession | None) -> CallControl:
    """The backend ``settings.backends.call_control`` names (``session``: the app's client)."""
    name = settings.backends.call_control
    if name == "telnyx":
        from gateway.call_control.telnyx import TelnyxCallControl

        if session is None or not settings.telnyx_api_key:
            raise ValueError("Telnyx call control needs TELNYX_API_KEY and an HTTP session")
        return TelnyxCallControl(settings.telnyx_api_base, settings.telnyx_api_key, session)
    if name == "recorded":
        from gateway.call_control.recorded import RecordedCallControl

        return RecordedCallControl()
    raise ValueError(f"no call control backend {name!r}")


CALL_CONTROLS = ("recorded", "telnyx")
