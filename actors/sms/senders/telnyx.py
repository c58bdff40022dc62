"""Telnyx messaging REST: ``POST {base}/messages`` with ``from``, ``to`` and ``text``.

Each send retries what certainly did not send (no connection, 429, 5xx) with exponential
backoff; a number the carrier blocks after STOP (Telnyx error 40300) is reported as blocked
and not retried; other refusals are not retried. A request whose answer was lost once it was
on its way (a timeout, a dropped connection) may have sent the text: it is reported uncertain
and never retried, so a customer is not texted twice. Texts of one batch go concurrently.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

import aiohttp

from actors.sms.senders import UNCERTAIN, Delivered, NotSent, OutboundText
from store.settings import Settings

ATTEMPTS = 4
BACKOFF_S = 0.5
TIMEOUT_S = 10.0
BLOCKED_AFTER_STOP = "40300"


class SendFailed(Exception):
    def __init__(self, reason: str, blocked: bool = False, uncertain: bool = False):
        super().__init__(reason)
        self.blocked, self.uncertain = blocked, uncertain


async def send_one(session: aiohttp.ClientSession, base: str, key: str, body: dict) -> str:
    """POST /v2/messages with retries; returns Telnyx's message id."""
    delay = BACKOFF_S
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with session.post(
                f"{base}/messages",
                json=body,
                headers={"Authorization": f"Bearer {key}"},
            ) as response:
                if response.status < 300:  # taken: its id, or an answer we could not read
                    payload = await response.json(content_type=None)
                    return payload["data"]["id"]
                try:
                    payload = await response.json(content_type=None)
                except ValueError:  # a proxy's HTML error page, say
                    payload = {}
                codes = {str(e.get("code")) for e in (payload or {}).get("errors", [])}
                if BLOCKED_AFTER_STOP in codes:
                    raise SendFailed("blocked after STOP", blocked=True)
                if response.status != 429 and response.status < 500:
                    raise SendFailed(f"refused with HTTP {response.status}")
                reason = f"HTTP {response.status}"
        except aiohttp.ClientConnectorError as error:  # never reached Telnyx: safe to retry
            reason = type(error).__name__
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as error:
            raise SendFailed(f"answer lost ({type(error).__name__})", uncertain=True) from None
        if attempt < ATTEMPTS:
            await asyncio.sleep(delay)
            delay *= 2
    raise SendFailed(f"gave up after {ATTEMPTS} attempts ({reason})")


class TelnyxSender:
    name: ClassVar[str] = "telnyx"
    new_status: ClassVar[str] = "queued"

    def __init__(self, api_base: str, api_key: str) -> None:
        self.api_base = api_base.rstrip("/")
        self.api_key = api_key

    @classmethod
    def from_settings(cls, settings: Settings) -> TelnyxSender:
        if not settings.telnyx_api_key:
            raise ValueError("the Telnyx sender needs TELNYX_API_KEY")
        return cls(settings.telnyx_api_base, settings.telnyx_api_key)

    def send(self, texts: list[OutboundText]) -> list[Delivered | NotSent]:
        if not texts:
            return []
        return asyncio.run(self._send_all(texts))

    async def _send_all(self, texts: list[OutboundText]) -> list[Delivered | NotSent]:
        timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            results = await asyncio.gather(
                *(self._deliver(session, t) for t in texts), return_exceptions=True
            )
        return [_result(r) for r in results]

    async def _deliver(self, session: aiohttp.ClientSession, text: OutboundText) -> str:
        body = {"from": text.clinic_phone, "to": text.customer_phone, "text": text.text}
        return await send_one(session, self.api_base, self.api_key, body)


def _result(outcome) -> Delivered | NotSent:
    if isinstance(outcome, str):
        return Delivered(outcome)
    if isinstance(outcome, SendFailed) and outcome.uncertain:
        return NotSent(str(outcome), final_status=UNCERTAIN)
    if isinstance(outcome, SendFailed):
        return NotSent(str(outcome), blocked=outcome.blocked)
    if isinstance(outcome, Exception):  # gather(return_exceptions): an unexpected one
        raise outcome
    return NotSent("send error")
