"""Telnyx Call Control REST: ``POST {base}/calls/{call_control_id}/actions/{command}``.

One aiohttp client with a timeout and bounded retries of transient failures (network, 429,
5xx); a refusal (other 4xx) is not retried. 422 with code 90018 ("call has already ended")
counts as done: a hang-up of a call that is gone has nothing left to do.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import quote

import aiohttp

from gateway.call_control import CallControlError, CommandBodies
from gateway.call_control.record import record_command
from gateway.dbio import run_db

log = logging.getLogger("vrai.gateway.calls")

COMMAND_TIMEOUT_S = 5.0
COMMAND_ATTEMPTS = 3
CALL_ENDED_CODE = "90018"  # Telnyx: "Call has already ended"


class TelnyxCallControl(CommandBodies):
    def __init__(self, api_base: str, api_key: str, session: aiohttp.ClientSession) -> None:
        self.api_base = api_base.rstrip("/")
        self.api_key = api_key
        self.session = session

    async def command(
        self, clinic_id: int, call_id: int, ccid: str, action: str, body: dict[str, Any]
    ) -> str:
        status = await self._post(ccid, action, body)  # a failure raises, and is not recorded
        await run_db(record_command, clinic_id, call_id, action, body, status)
        return status

    async def _post(self, ccid: str, action: str, body: dict[str, Any]) -> str:
        url = f"{self.api_base}/calls/{quote(ccid, safe='')}/actions/{action}"
        headers = {"Authorization": f"Bearer {self.api_key}"}
        timeout = aiohttp.ClientTimeout(total=COMMAND_TIMEOUT_S)
        problem = "no attempt"
        for attempt in range(COMMAND_ATTEMPTS):
            if attempt:
                await asyncio.sleep(0.2 * 2**attempt)
            try:
                async with self.session.post(
                    url, json=body, headers=headers, timeout=timeout
                ) as response:
                    if response.status < 300:
                        return "sent"
                    detail = await _error_code(response)
                    if response.status == 422 and detail == CALL_ENDED_CODE:
                        return "already_ended"
                    problem = f"HTTP {response.status} ({detail or 'no code'})"
                    if response.status < 500 and response.status != 429:
                        break  # a refusal: retrying the same command cannot help
            except (aiohttp.ClientError, TimeoutError) as error:
                problem = type(error).__name__
        log.warning("telnyx %s failed: %s", action, problem)
        raise CallControlError(f"{action} failed: {problem}")


async def _error_code(response: aiohttp.ClientResponse) -> str | None:
    try:
        body = await response.json(content_type=None)
        return str(body["errors"][0]["code"])
    except (ValueError, KeyError, IndexError, TypeError, aiohttp.ContentTypeError):
        return None
