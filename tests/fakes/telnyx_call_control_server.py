"""A fake Telnyx Call Control REST API on 127.0.0.1 that records the commands it receives.

``POST /v2/calls/{call_control_id}/actions/{action}`` with a bearer token answers 200 like
Telnyx (``{"data": {"result": "ok"}}``). Tests can script failures per action: a list of
statuses consumed one per request (``fail("answer", 500, 500)``); ``ended("hangup")`` answers
Telnyx's 422 "call has already ended" (code 90018).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Command:
    call_control_id: str
    action: str
    body: dict[str, Any]
    authorization: str


class FakeCallControl:
    """``async with FakeCallControl() as cc``; point ``TELNYX_API_BASE`` at ``cc.base_url``."""

    def __init__(self) -> None:
        self.commands: list[Command] = []
        self._script: dict[str, list[int]] = {}
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v2"

    def fail(self, action: str, *statuses: int) -> None:
        self._script.setdefault(action, []).extend(statuses)

    def ended(self, action: str) -> None:
        self.fail(action, 90018)

    def of_action(self, action: str) -> list[Command]:
        return [c for c in self.commands if c.action == action]

    async def wait_for(self, action: str, nth: int = 1, timeout: float = 10.0) -> Command:
        async with asyncio.timeout(timeout):
            while len(self.of_action(action)) < nth:
                await self._changed.wait()
        return self.of_action(action)[nth - 1]

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        command = Command(
            request.match_info["ccid"],
            request.match_info["action"],
            body,
            request.headers.get("Authorization", ""),
        )
        self.commands.append(command)
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
        if not command.authorization.startswith("Bearer "):
            return web.json_response({"errors": [{"code": "10009"}]}, status=401)
        script = self._script.get(command.action)
        if script:
            status = script.pop(0)
            if status == 90018:
                error = {"code": "90018", "title": "Call has already ended"}
                return web.json_response({"errors": [error]}, status=422)
            return web.json_response({"errors": [{"code": str(status)}]}, status=status)
        return web.json_response({"data": {"result": "ok"}})

    async def __aenter__(self) -> FakeCallControl:
        app = web.Application()
        app.router.add_post("/v2/calls/{ccid}/actions/{action}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()
