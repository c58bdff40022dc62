"""A local Google OAuth token endpoint and Calendar API v3 for google-api-python-client.

Answers the service-account token exchange (``POST /token``, a JWT bearer grant), then
``POST /calendar/v3/freeBusy`` and the events paths. Stateful: events live per calendar;
inserting an id that exists is Google's 409 ``duplicate``; deleting a missing one is 404/410.
Scriptable: ``busy[calendar_id]`` blocks, ``broken`` calendars answer freebusy with an error
entry, ``fail_next(n, status)`` answers the next n API calls with an error (503, 429).
"""

from __future__ import annotations

import threading

from aiohttp import web

from tests.helpers import serve_app

TOKEN = "ya29.fake-token"


def _error(status: int, reason: str, message: str) -> web.Response:
    body = {"error": {"code": status, "message": message, "errors": [{"reason": reason}]}}
    return web.json_response(body, status=status)


class FakeGoogleCalendar:
    def __init__(self):
        self.events: dict[str, dict[str, dict]] = {}  # calendar id -> event id -> event
        self.busy: dict[str, list[tuple[str, str]]] = {}
        self.broken: set[str] = set()
        self.requests: list[tuple[str, str]] = []
        self.tokens_issued = 0
        self._failures: list[int] = []
        self._lock = threading.Lock()
        app = web.Application()
        app.router.add_post("/token", self._token)
        app.router.add_post("/calendar/v3/freeBusy", self._freebusy)
        app.router.add_post("/calendar/v3/calendars/{cid}/events", self._insert)
        app.router.add_patch("/calendar/v3/calendars/{cid}/events/{eid}", self._patch)
        app.router.add_delete("/calendar/v3/calendars/{cid}/events/{eid}", self._delete)
        self._server = serve_app(app)

    def __enter__(self) -> FakeGoogleCalendar:
        self.url = self._server.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._server.__exit__(*exc)

    def fail_next(self, count: int, status: int = 503) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def recover(self) -> None:
        with self._lock:
            self._failures.clear()

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        if form.get("assertion", "").count(".") != 2:
            return web.json_response({"error": "invalid_grant"}, status=400)
        self.tokens_issued += 1
        return web.json_response(
            {"access_token": TOKEN, "expires_in": 3600, "token_type": "Bearer"}
        )

    def _refused(self, request: web.Request) -> web.Response | None:
        with self._lock:
            self.requests.append((request.method, request.path))
            if request.headers.get("Authorization") != f"Bearer {TOKEN}":
                return _error(401, "authError", "Invalid Credentials")
            if self._failures:
                status = self._failures.pop(0)
                reason = "rateLimitExceeded" if status == 429 else "backendError"
                return _error(status, reason, "Backend Error")
        return None

    async def _freebusy(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        body = await request.json()
        calendars = {}
        for item in body.get("items", []):
            cid = item["id"]
            if cid in self.broken:  # not shared with our account, or gone
                calendars[cid] = {
                    "busy": [],
                    "errors": [{"domain": "global", "reason": "notFound"}],
                }
                continue
            blocks = [{"start": s, "end": e} for s, e in self.busy.get(cid, [])]
            for event in self.events.get(cid, {}).values():
                blocks.append(
                    {"start": event["start"]["dateTime"], "end": event["end"]["dateTime"]}
                )
            calendars[cid] = {"busy": blocks}
        return web.json_response(
            {
                "kind": "calendar#freeBusy",
                "timeMin": body.get("timeMin"),
                "timeMax": body.get("timeMax"),
                "calendars": calendars,
            }
        )

    async def _insert(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        cid, event = request.match_info["cid"], await request.json()
        with self._lock:
            events = self.events.setdefault(cid, {})
            if event.get("id") in events:
                return _error(409, "duplicate", "The requested identifier already exists.")
            event = {**event, "status": event.get("status", "confirmed")}
            events[event["id"]] = event
        return web.json_response(event)

    async def _patch(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        cid, eid = request.match_info["cid"], request.match_info["eid"]
        changes = await request.json()
        with self._lock:
            event = self.events.get(cid, {}).get(eid)
            if event is None:
                return _error(404, "notFound", "Not Found")
            event.update(changes)
        return web.json_response(event)

    async def _delete(self, request: web.Request) -> web.Response:
        refused = self._refused(request)
        if refused is not None:
            return refused
        cid, eid = request.match_info["cid"], request.match_info["eid"]
        with self._lock:
            if self.events.get(cid, {}).pop(eid, None) is None:
                return _error(410, "deleted", "Resource has been deleted")
        return web.Response(status=204)


def write_service_account_key(path, token_uri: str) -> None:
    """A service-account key file as Google issues them, with a fresh RSA key of its own (so
    google-auth signs real token requests with it)."""
    import json

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "vrai-test",
                "private_key_id": "k1",
                "private_key": pem,
                "client_email": "receptionist@vrai-test.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": token_uri,
            }
        )
    )
