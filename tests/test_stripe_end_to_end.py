"""Deposits through the running service: texted booking, signed Stripe webhooks, a cancel.

The real gateway, actors and stripe SDK; Stripe is a local stateful server speaking its wire
format. Webhooks are signed the way Stripe signs them (HMAC-SHA256 over ``t.body``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from store.models import Appointment, Deposit, Message, WebhookEvent
from tests.conftest import make_settings, running_gateway
from tests.fakes.stripe_server import API_KEY, FakeStripe
from tests.helpers import http, wait_until
from tests.sms_helpers import conversation

pytestmark = pytest.mark.multiproc

SECRET = "whsec_test_vrai"


@pytest.fixture
def clinic(tmp_path, monkeypatch):
    """Glow Med Spa running with Stripe keys, pointed at a local Stripe."""
    monkeypatch.setenv("THESPIAN_BASE_IPADDR", "127.0.0.1")
    with FakeStripe() as fake:
        settings = make_settings(
            tmp_path,
            STRIPE_API_KEY=API_KEY,
            STRIPE_WEBHOOK_SECRET=SECRET,
            STRIPE_API_BASE=fake.url,
        )
        assert settings.backends.payments == "stripe"
        with running_gateway(settings, workers=2) as gateway:
            yield gateway, fake


@pytest.fixture(scope="module")
def _refusing_clinic(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch, FakeStripe() as fake:
        patch.setenv("THESPIAN_BASE_IPADDR", "127.0.0.1")
        settings = make_settings(
            tmp_path_factory.mktemp("stripe"),
            STRIPE_API_KEY=API_KEY,
            STRIPE_WEBHOOK_SECRET=SECRET,
            STRIPE_API_BASE=fake.url,
        )
        with running_gateway(settings, workers=2) as gateway:
            yield gateway


@pytest.fixture
def refusing(_refusing_clinic):
    """One service for the tests whose webhooks are all refused (each checks nothing stored)."""
    from store.db import close_database, open_for

    open_for(_refusing_clinic.settings)
    yield _refusing_clinic
    close_database()


def signed(event: dict, secret: str = SECRET, at: int | None = None) -> tuple[bytes, dict]:
    body = json.dumps(event).encode()
    stamp = at if at is not None else int(time.time())
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Stripe-Signature": f"t={stamp},v1={digest}", "Content-Type": "application/json"}


def stripe_event(fake: FakeStripe, event_type: str, session_id: str) -> dict:
    return {
        "id": f"evt_{event_type}_{session_id}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "data": {"object": dict(fake.sessions[session_id])},
    }


def post(gateway, body: bytes, headers: dict):
    return http("POST", gateway.url + "/webhooks/stripe", body, headers=headers)


def test_a_texted_botox_booking_is_held_paid_by_webhook_and_refunded_once(clinic):
    gateway, fake = clinic
    _confirm, done = conversation(
        gateway, "Hi, this is Ana Lopez, I'd like Botox next Wednesday at 2pm", "yes"
    )
    (session,) = fake.sessions.values()
    assert session["url"] in " ".join(done).split()  # the link, verbatim, as its own word
    appointment = Appointment.get()
    assert appointment.status == "pending_deposit"
    assert session["metadata"]["appointment_id"] == str(appointment.id)

    fake.pay(session["id"])
    body, headers = signed(stripe_event(fake, "checkout.session.completed", session["id"]))
    answers = [post(gateway, body, headers) for _ in range(3)]  # Stripe redelivers
    assert [a[0] for a in answers] == [200, 200, 200]
    assert [a[2]["status"] for a in answers] == ["accepted", "duplicate", "duplicate"]
    wait_until(lambda: Appointment.get_by_id(appointment.id).status == "booked", timeout_s=20)
    assert Deposit.get().status == "paid"
    wait_until(lambda: Message.select().where(Message.text.contains("deposit is paid")).exists())
    assert Message.select().where(Message.text.contains("deposit is paid")).count() == 1

    token = gateway.token(role="staff")
    url = f"{gateway.url}/api/appointments/{appointment.id}/cancel"
    for _ in range(2):
        status, _, answer = http("POST", url, {"reason": "change of plans"}, token)
        assert status == 200, answer
    assert [r["amount"] for r in fake.refunds.values()] == [5000]


@pytest.mark.parametrize(
    "tamper",
    ["forged", "stale", "missing", "other_body"],
)
def test_a_webhook_without_a_good_signature_is_400_and_stores_nothing(clinic, tamper):
    gateway, _fake = clinic
    event = {"id": "evt_x", "object": "event", "type": "checkout.session.completed", "data": {}}
    body, headers = signed(event)
    if tamper == "forged":
        body, headers = signed(event, secret="whsec_someone_else")
    elif tamper == "stale":
        body, headers = signed(event, at=int(time.time()) - 301)
    elif tamper == "missing":
        headers = {"Content-Type": "application/json"}
    else:
        body = body.replace(b"evt_x", b"evt_y")
    status, _, answer = post(gateway, body, headers)
    assert status == 400 and answer["error"]["code"] == "invalid_signature"
    assert not WebhookEvent.select().where(WebhookEvent.provider == "stripe").exists()


@pytest.mark.parametrize("body", [b"[1, 2", b"[1, 2]", b'"x"', b'{"id": 5}', b"{}"])
def test_a_signed_body_that_is_not_an_event_is_400(refusing, body):
    gateway = refusing
    stamp = int(time.time())
    digest = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    status, _, answer = post(gateway, body, {"Stripe-Signature": f"t={stamp},v1={digest}"})
    assert status == 400 and answer["error"]["code"] in ("invalid_json", "invalid")
    assert not WebhookEvent.select().where(WebhookEvent.provider == "stripe").exists()


def _paid_botox(gateway, fake) -> int:
    conversation(gateway, "Hi, this is Ana Lopez, I'd like Botox next Wednesday at 2pm", "yes")
    (session,) = fake.sessions.values()
    fake.pay(session["id"])
    body, headers = signed(stripe_event(fake, "checkout.session.completed", session["id"]))
    assert post(gateway, body, headers)[0] == 200
    appointment = Appointment.get()
    wait_until(lambda: Appointment.get_by_id(appointment.id).status == "booked", timeout_s=20)
    return appointment.id


def test_the_api_shows_the_deposit_and_staff_refund_it_by_hand(clinic):
    gateway, fake = clinic
    appointment_id = _paid_botox(gateway, fake)
    staff, admin = gateway.token(role="staff"), gateway.token()
    url = f"{gateway.url}/api/appointments/{appointment_id}"
    status, _, one = http("GET", url, token=staff)
    assert status == 200 and one["deposit"] == {
        "status": "paid",
        "amount_cents": 5000,
        "checkout_url": next(iter(fake.sessions.values()))["url"],
    }
    listed = http("GET", gateway.url + "/api/appointments", token=staff)[2]["items"]
    assert [item["deposit"] for item in listed] == [one["deposit"]]

    assert http("POST", url + "/refund", {"amount_cents": 2000}, staff)[0] == 403  # admin only
    for bad in ({"amount_cents": 0}, {"amount_cents": "20"}, {"amount_cents": 6000}):
        assert http("POST", url + "/refund", bad, admin)[0] == 400
    assert http("POST", url + "/refund", {"amount_cents": 2000}, admin)[0] == 200
    assert http("GET", url, token=staff)[2]["deposit"]["status"] == "partially_refunded"
    assert http("POST", url + "/refund", {}, admin)[0] == 200  # the rest
    assert sorted(r["amount"] for r in fake.refunds.values()) == [2000, 3000]
    assert http("GET", url, token=staff)[2]["deposit"]["status"] == "refunded"
    assert http("POST", url + "/refund", {}, admin)[0] == 400  # nothing left
    assert http("GET", gateway.url + "/api/appointments/999999", token=staff)[0] == 404


def test_a_no_show_keeps_the_deposit(clinic):
    gateway, fake = clinic
    appointment_id = _paid_botox(gateway, fake)
    url = f"{gateway.url}/api/appointments/{appointment_id}"
    status, _, answer = http("POST", url + "/no-show", {}, gateway.token(role="staff"))
    assert status == 200, answer
    shown = http("GET", url, token=gateway.token(role="staff"))[2]
    assert (shown["status"], shown["deposit"]["status"]) == ("no_show", "kept")
    assert fake.refunds == {}


def test_the_pages_stripe_sends_customers_back_to_exist(refusing):
    gateway = refusing
    for path, words in (("/deposit/paid", "text when"), ("/deposit/cancelled", "No payment")):
        status, headers, page = http("GET", gateway.url + path)
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert words in page
