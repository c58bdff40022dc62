"""A local Telnyx messaging API (POST /v2/messages) that records what it is sent.

Scriptable: ``fail_next(n, status)`` answers the next n requests with an error, ``drop_next(n)``
takes the next n texts and drops the connection before answering (the answer is lost, the text
is not), and numbers in ``blocked`` get Telnyx's 40300 "Blocked due to STOP message" error.
"""

from __future__ import annotations

import threading
import uuid

from aiohttp import web

from tests.helpers import serve_app


class FakeTelnyxMessaging:
    def __init__(self):
        self.requests: list[dict] = []
        self.blocked: set[str] = set()
        self._failures: list[int] = []
        self._drops = 0
        self._lock = threading.Lock()
        self.received = threading.Condition(self._lock)
        app = web.Application()
        app.router.add_post("/v2/messages", self._messages)
        self._server = serve_app(app)

    def __enter__(self) -> FakeTelnyxMessaging:
        self.url = self._server.__enter__() + "/v2"
        return self

    def __exit__(self, *exc) -> None:
        self._server.__exit__(*exc)

    def fail_next(self, count: int, status: int = 500) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def drop_next(self, count: int) -> None:
        with self._lock:
            self._drops += count

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list[dict]:
        with self.received:
            self.received.wait_for(lambda: len(self.requests) >= count, timeout_s)
            return list(self.requests)

    async def _messages(self, request: web.Request) -> web.Response:
        body = await request.json()
        with self.received:
            self.requests.append({"auth": request.headers.get("Authorization"), **body})
            self.received.notify_all()
            failure = self._failures.pop(0) if self._failures else None
            drop, self._drops = self._drops > 0, max(0, self._drops - 1)
        if drop:  # taken, then the connection goes before the answer does
            request.transport.close()
            raise ConnectionResetError("dropped by the fake")
        if failure:
            return web.json_response(
                {"errors": [{"code": "10001", "title": "busy"}]}, status=failure
            )
        if body["to"] in self.blocked:
            error = {"code": "40300", "title": "Blocked due to STOP message"}
            return web.json_response({"errors": [error]}, status=403)
        data = {
            "id": str(uuid.uuid4()),
            "record_type": "message",
            "direction": "outbound",
            "to": [{"phone_number": body["to"], "status": "queued"}],
            "from": {"phone_number": body["from"]},
            "text": body["text"],
            "parts": 1,
        }
        return web.json_response({"data": data})
