"""/metrics through the real gateway: texts, bookings, refused webhooks, actors, restarts."""

from __future__ import annotations

import json

import pytest
from prometheus_client.parser import text_string_to_metric_families

from cli.simulate import message_received
from cli.simulate_call import initiated
from gateway.app import create_app
from gateway.bridge import ActorUnavailable
from gateway.calls import CALLS
from tests.conftest import make_settings, running_gateway
from tests.helpers import http, serve_app, wait_until
from tests.sms_helpers import GLOW, conversation
from tests.test_gateway_errors import NoBridge

WEBHOOK_SECRET = "whsec_metrics_test"


def scrape(url: str) -> dict[tuple, float]:
    """{(sample name, (label, value), ...): value} of one scrape."""
    status, headers, text = http("GET", url + "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    return {
        (sample.name, *sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, *sorted(labels.items())), 0.0)


@pytest.fixture(scope="module")
def _metrics_gateway(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("THESPIAN_BASE_IPADDR", "127.0.0.1")  # read by Thespian itself
        settings = make_settings(tmp_path_factory.mktemp("metrics"))
        # Stripe's webhook checks signatures once it has a secret (payments stay local)
        with running_gateway(settings.replace(stripe_webhook_secret=WEBHOOK_SECRET)) as gateway:
            yield gateway


@pytest.fixture
def metrics_gateway(_metrics_gateway):
    from store.db import close_database, open_for

    open_for(_metrics_gateway.settings)
    yield _metrics_gateway
    close_database()


@pytest.mark.multiproc
def test_a_booked_text_conversation_counts_texts_in_and_out_and_one_booking(metrics_gateway):
    before = scrape(metrics_gateway.url)
    replies = conversation(
        metrics_gateway, "Hi, this is Ana Lopez, I'd like Botox next Wednesday at 2pm", "yes"
    )
    assert "booked" in " ".join(replies[-1]).lower()
    after = scrape(metrics_gateway.url)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("vrai_sms_messages_total", direction="in") == 2
    assert delta("vrai_sms_messages_total", direction="out") >= 2  # one reply per text at least
    assert delta("vrai_webhooks_total", source="telnyx_sms", outcome="accepted") == 2
    # appointment.booked is never pushed by name (it commits with the turn): counted all the same
    assert delta("vrai_bookings_total") == 1
    assert delta("vrai_dashboard_events_total", type="appointment.booked") == 1
    assert delta("vrai_dashboard_events_total", type="message.sent") == 2


@pytest.mark.multiproc
def test_refused_webhooks_are_counted_by_source_and_reason(metrics_gateway):
    url = metrics_gateway.url
    before = scrape(url)
    sms = json.dumps(message_received(GLOW, "+15555550123", "hi")).encode()
    call = json.dumps(initiated("v3:metrics-call", GLOW, "+15555550123")).encode()
    json_headers = {"Content-Type": "application/json"}
    assert http("POST", url + "/webhooks/telnyx/sms", sms, headers=json_headers)[0] == 401
    assert http("POST", url + "/webhooks/telnyx/call", call, headers=json_headers)[0] == 401
    forged = {**json_headers, "Stripe-Signature": "t=1,v1=00"}
    assert http("POST", url + "/webhooks/stripe", b"{}", headers=forged)[0] == 400
    from tests.sms_helpers import post_event

    assert post_event(metrics_gateway, {}, raw=b"{not json")[0] == 400
    after = scrape(url)

    def delta(source, outcome):
        labels = {"source": source, "outcome": outcome}
        return value(after, "vrai_webhooks_total", **labels) - value(
            before, "vrai_webhooks_total", **labels
        )

    assert delta("telnyx_sms", "invalid_signature") == 1
    assert delta("telnyx_call", "invalid_signature") == 1
    assert delta("stripe", "invalid_signature") == 1
    assert delta("telnyx_sms", "invalid_json") == 1


@pytest.mark.multiproc
def test_the_actors_gauge_counts_every_supervised_actor_by_kind_and_state(metrics_gateway):
    listed = http("GET", metrics_gateway.url + "/api/ops/actors", token=metrics_gateway.token())
    services = [a for a in listed[2]["items"] if a["kind"] == "service"]
    assert {a["name"] for a in services} >= {"calendar", "crm", "knowledge", "events"}
    samples = scrape(metrics_gateway.url)
    assert value(samples, "vrai_actor_system_up") == 1
    running = sum(1 for a in services if a["state"] == "running")
    assert value(samples, "vrai_actors", kind="service", state="running") == running
    assert value(samples, "vrai_actors", kind="supervisor", state="running") >= 2
    assert value(samples, "vrai_live_calls") == 0


@pytest.mark.multiproc
def test_an_actor_restart_is_counted(metrics_gateway):
    before = value(
        scrape(metrics_gateway.url), "vrai_actor_restarts_total", kind="service", event="restarted"
    )
    token = metrics_gateway.token(role="ops")
    status, _, _ = http(
        "POST", metrics_gateway.url + "/api/ops/actors/service:crm/restart", token=token
    )
    assert status == 202
    wait_until(
        lambda: (
            value(
                scrape(metrics_gateway.url),
                "vrai_actor_restarts_total",
                kind="service",
                event="restarted",
            )
            == before + 1
        ),
        timeout_s=15,
    )


@pytest.mark.multiproc
def test_http_latency_is_by_route_template(metrics_gateway):
    token = metrics_gateway.token()
    for document_id in (1001, 1002):
        http("GET", f"{metrics_gateway.url}/api/kb/documents/{document_id}", token=token)
    http("GET", metrics_gateway.url + "/no/such/page")
    samples = scrape(metrics_gateway.url)
    route = "/api/kb/documents/{id}"
    assert value(samples, "vrai_http_request_seconds_count", route=route) == 2
    assert value(samples, "vrai_http_requests_total", method="GET", route=route, status="404") == 2
    assert value(samples, "vrai_http_request_seconds_count", route="unmatched") >= 1


def test_a_scrape_succeeds_when_the_actor_system_does_not_answer(settings, database):
    class DeadBridge(NoBridge):
        async def ask_root(self, message, timeout_s=None):
            raise ActorUnavailable("down")

    app = create_app(settings, DeadBridge())
    with serve_app(app) as url:
        samples = scrape(url)
        app[CALLS].active["v3:a-live-call"] = None  # what a bridged media stream leaves there
        live = value(scrape(url), "vrai_live_calls")
        app[CALLS].active.clear()
    assert value(samples, "vrai_actor_system_up") == 0
    assert not [key for key in samples if key[0] == "vrai_actors"]
    assert value(samples, "vrai_sms_messages_total", direction="in") == 0
    assert live == 1
