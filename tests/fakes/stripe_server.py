"""A local, stateful Stripe API for the real stripe SDK: Checkout Sessions and refunds.

Speaks Stripe's wire format: bearer auth, form-encoded bodies with bracketed nesting
(``metadata[appointment_id]=42``, ``line_items[0][quantity]=1``), JSON objects with ``id`` and
``object``, error bodies ``{"error": {"type", "code", "message"}}``, and ``Idempotency-Key``
replay: the same key with the same body answers the first response again; with another body it
is a 400 ``idempotency_error``. Scriptable: ``fail_next(n, status)`` answers the next n
requests with an error (the SDK retries a 500 with the same key), ``decline_next()`` a card
error; ``pay(session_id)`` is the customer finishing Checkout.
"""

from __future__ import annotations

import itertools
import threading
import time

from aiohttp import web

from tests.helpers import serve_app

API_KEY = "sk_test_vrai_fake"


def nested(form) -> dict:
    """``a[b][0][c]=v`` pairs into Stripe's nested objects and lists."""
    root: dict = {}
    for key, value in form.items():
        parts = key.replace("]", "").split("[")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    if not isinstance(node, dict):
        return node
    if node and all(k.isdigit() for k in node):
        return [_lists(node[k]) for k in sorted(node, key=int)]
    return {k: _lists(v) for k, v in node.items()}


class FakeStripe:
    def __init__(self):
        self.sessions: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.payment_intents: dict[str, dict] = {}
        self.requests: list[tuple[str, str, str | None]] = []  # method, path, idempotency key
        self._replies: dict[str, tuple[str, int, dict]] = {}
        self._failures: list[tuple[int, dict]] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        app = web.Application()
        app.router.add_post("/v1/checkout/sessions", self._create_session)
        app.router.add_get("/v1/checkout/sessions/{id}", self._get_session)
        app.router.add_post("/v1/checkout/sessions/{id}/expire", self._expire_session)
        app.router.add_post("/v1/refunds", self._create_refund)
        app.router.add_get("/v1/payment_intents/{id}", self._get_payment_intent)
        self._server = serve_app(app)

    def __enter__(self) -> FakeStripe:
        self.url = self._server.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._server.__exit__(*exc)

    # ------------------------------------------------------------------ scripting

    def recover(self) -> None:
        """Stripe is back: drop the failures not yet answered."""
        with self._lock:
            self._failures.clear()

    def fail_next(self, count: int, status: int = 500) -> None:
        error = {"type": "api_error", "message": "An unknown error occurred"}
        if status == 429:
            error = {"type": "invalid_request_error", "code": "rate_limit", "message": "Too many"}
        with self._lock:
            self._failures.extend([(status, error)] * count)

    def decline_next(self) -> None:
        error = {
            "type": "card_error",
            "code": "card_declined",
            "message": "Your card was declined.",
        }
        with self._lock:
            self._failures.append((402, error))

    def pay(self, session_id: str) -> dict:
        """The customer completes Checkout: the session is paid, its PaymentIntent succeeded."""
        with self._lock:
            session = self.sessions[session_id]
            intent_id = f"pi_{next(self._ids):06d}"
            amount = int(session["amount_total"])
            self.payment_intents[intent_id] = {
                "id": intent_id,
                "object": "payment_intent",
                "amount": amount,
                "amount_received": amount,
                "currency": session["currency"],
                "status": "succeeded",
                "metadata": session["payment_intent_data_metadata"],
            }
            session.update(status="complete", payment_status="paid", payment_intent=intent_id)
            return dict(session)

    # ------------------------------------------------------------------ the API

    def _authorised(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != f"Bearer {API_KEY}":
            error = {"type": "invalid_request_error", "message": "Invalid API Key provided"}
            return web.json_response({"error": error}, status=401)
        return None

    def _refused_read(self, request: web.Request) -> web.Response | None:
        """A read is refused as a write is: bad key, or a scripted failure."""
        refused = self._authorised(request)
        if refused is not None:
            return refused
        with self._lock:
            self.requests.append((request.method, request.path, None))
            if self._failures:
                status, error = self._failures.pop(0)
                return web.json_response({"error": error}, status=status)
        return None

    async def _idempotent(self, request: web.Request, create) -> web.Response:
        refused = self._authorised(request)
        if refused is not None:
            return refused
        raw = await request.text()
        body = nested(await request.post())
        key = request.headers.get("Idempotency-Key")
        with self._lock:
            self.requests.append((request.method, request.path, key))
            if self._failures:
                status, error = self._failures.pop(0)
                return web.json_response({"error": error}, status=status)
            if key in self._replies:
                first_raw, status, reply = self._replies[key]
                if first_raw != raw:
                    error = {
                        "type": "idempotency_error",
                        "message": "Keys for idempotent requests can only be used with the "
                        "same parameters they were first used with.",
                    }
                    return web.json_response({"error": error}, status=400)
                return web.json_response(
                    reply, status=status, headers={"Idempotent-Replayed": "true"}
                )
            status, reply = create(body)
            if key is not None:
                self._replies[key] = (raw, status, reply)
        return web.json_response(reply, status=status)

    async def _create_session(self, request: web.Request) -> web.Response:
        return await self._idempotent(request, self._new_session)

    def _new_session(self, body: dict) -> tuple[int, dict]:
        items = body.get("line_items") or []
        if body.get("mode") != "payment" or not items:
            error = {"type": "invalid_request_error", "message": "mode and line_items required"}
            return 400, {"error": error}
        price = items[0]["price_data"]
        expires_at = int(body.get("expires_at", time.time() + 86400))
        if expires_at < time.time() + 1800 - 60:
            error = {
                "type": "invalid_request_error",
                "param": "expires_at",
                "message": "expires_at must be at least 30 minutes from now",
            }
            return 400, {"error": error}
        session_id = f"cs_test_{next(self._ids):06d}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": int(price["unit_amount"]) * int(items[0].get("quantity", 1)),
            "currency": price["currency"],
            "client_reference_id": body.get("client_reference_id"),
            "metadata": body.get("metadata", {}),
            "payment_intent": None,
            "expires_at": expires_at,
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "payment_intent_data_metadata": body.get("payment_intent_data", {}).get("metadata", {}),
        }
        self.sessions[session_id] = session
        return 200, self._public(session)

    @staticmethod
    def _public(session: dict) -> dict:
        return {k: v for k, v in session.items() if k != "payment_intent_data_metadata"}

    async def _get_session(self, request: web.Request) -> web.Response:
        refused = self._refused_read(request)
        if refused is not None:
            return refused
        with self._lock:
            session = self.sessions.get(request.match_info["id"])
        if session is None:
            return _missing("checkout.session", request.match_info["id"])
        return web.json_response(self._public(session))

    async def _expire_session(self, request: web.Request) -> web.Response:
        def expire(_body: dict) -> tuple[int, dict]:
            session = self.sessions.get(request.match_info["id"])
            if session is None:
                return 404, _missing_body("checkout.session", request.match_info["id"])
            if session["status"] != "open":
                error = {
                    "type": "invalid_request_error",
                    "message": f"Only Checkout Sessions with a status of open can be expired; "
                    f"this one is {session['status']}.",
                }
                return 400, {"error": error}
            session["status"] = "expired"
            return 200, self._public(session)

        return await self._idempotent(request, expire)

    async def _create_refund(self, request: web.Request) -> web.Response:
        return await self._idempotent(request, self._new_refund)

    def _new_refund(self, body: dict) -> tuple[int, dict]:
        intent = self.payment_intents.get(body.get("payment_intent", ""))
        if intent is None:
            return 404, _missing_body("payment_intent", body.get("payment_intent", ""))
        refunded = sum(
            r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"]
        )
        amount = int(body.get("amount", intent["amount"] - refunded))
        if amount <= 0 or refunded + amount > intent["amount"]:
            error = {
                "type": "invalid_request_error",
                "code": "charge_already_refunded" if refunded else "amount_too_large",
                "message": "Refund amount is greater than the unrefunded amount.",
            }
            return 400, {"error": error}
        refund_id = f"re_{next(self._ids):06d}"
        refund = {
            "id": refund_id,
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "status": "succeeded",
            "reason": body.get("reason"),
            "metadata": body.get("metadata", {}),
        }
        self.refunds[refund_id] = refund
        return 200, refund

    async def _get_payment_intent(self, request: web.Request) -> web.Response:
        refused = self._refused_read(request)
        if refused is not None:
            return refused
        with self._lock:
            intent = self.payment_intents.get(request.match_info["id"])
        if intent is None:
            return _missing("payment_intent", request.match_info["id"])
        return web.json_response(intent)


def _missing_body(kind: str, object_id: str) -> dict:
    return {
        "error": {
            "type": "invalid_request_error",
            "code": "resource_missing",
            "message": f"No such {kind}: '{object_id}'",
        }
    }


def _missing(kind: str, object_id: str) -> web.Response:
    return web.json_response(_missing_body(kind, object_id), status=404)
