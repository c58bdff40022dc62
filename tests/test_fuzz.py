"""Hostile input: every operation of the OpenAPI document fuzzed, and bodies over the limit.

Schemathesis generates requests from the document the gateway publishes (valid ones, and
ones that break the schema on purpose), with an admin token and then a staff token, against
one real gateway. Whatever it sends, no answer may be a 5xx, and every 4xx is the one error
shape. Generation is derandomized (the same requests every run) and bounded so that the file
stays well under a minute and a half on two cores.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import aiohttp
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from cli.simulate_call import initiated
from gateway.app import MAX_BODY_BYTES
from gateway.telnyx_signature import sign
from store.secrets import load_signing_key
from tests.conftest import make_settings, running_gateway
from tests.helpers import http
from tests.sms_helpers import GLOW

pytestmark = pytest.mark.multiproc

#: Not fuzzed: the event stream never ends (tests/test_sse.py covers it).
SKIPPED = {("GET", "/api/events")}
ADMIN_EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 15}
STAFF_EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 4}
REQUEST_TIMEOUT_S = 30.0


@dataclass
class Findings:
    examples: int = 0
    operations: set = field(default_factory=set)
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        top = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
        return f"{len(self.operations)} operations, {self.examples} requests ({top})"


def _wrong(response: requests.Response) -> str | None:
    """Why an answer breaks the rules, or None."""
    if response.status_code >= 500:
        return f"{response.status_code} {response.text[:200]}"
    if response.status_code >= 400:
        try:
            error = response.json()["error"]
            if isinstance(error["code"], str) and isinstance(error["message"], str):
                return None
        except (ValueError, KeyError, TypeError):
            pass
        return f"{response.status_code} not the error shape: {response.text[:200]}"
    return None


def _request_line(case) -> str:
    body = "" if case.body is None else json.dumps(case.body, default=repr)[:300]
    query = f"?{case.query}" if case.query else ""
    return f"{case.method} {case.formatted_path}{query} {body}"


def fuzz(gateway, token: str, examples: dict) -> Findings:
    document = http("GET", gateway.url + "/api/openapi.json")[2]
    findings = Findings()
    session = requests.Session()
    auth = {"Authorization": f"Bearer {token}"}
    for result in schemathesis.openapi.from_dict(document).get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        findings.operations.add((operation.method.upper(), operation.path))
        for mode, count in examples.items():

            @settings(
                max_examples=count,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def exercise(case) -> None:
                response = case.call(
                    base_url=gateway.url, session=session, headers=auth, timeout=REQUEST_TIMEOUT_S
                )
                findings.examples += 1
                findings.statuses[response.status_code] += 1
                wrong = _wrong(response)
                if wrong:
                    findings.failures.append(f"{_request_line(case)} -> {wrong}")

            try:
                exercise()
            except Unsatisfiable:  # nothing to break: no parameters and no body
                pass
    session.close()
    return findings


@pytest.fixture(scope="module")
def fuzzed_gateway(tmp_path_factory):
    # Hypothesis keeps what it learns (here: the constants it reads from our code) in
    # ./.hypothesis unless told otherwise; the suite leaves nothing in the work tree.
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("THESPIAN_BASE_IPADDR", "127.0.0.1")  # read by Thespian itself
        with running_gateway(make_settings(tmp_path_factory.mktemp("fuzz"))) as gateway:
            yield gateway
    set_hypothesis_home_dir(None)


@pytest.mark.timeout(240)  # each request that crashes an actor waits out its 10 s ask
@pytest.mark.parametrize(
    ("role", "examples"), [("admin", ADMIN_EXAMPLES), ("staff", STAFF_EXAMPLES)]
)
def test_no_generated_request_gets_a_server_error_or_a_bare_4xx(fuzzed_gateway, role, examples):
    started = time.monotonic()
    findings = fuzz(fuzzed_gateway, fuzzed_gateway.token(role=role), examples)
    print(f"\nfuzz as {role}: {findings.summary()} in {time.monotonic() - started:.1f}s")
    assert findings.examples > 5 * len(findings.operations)  # it really ran
    assert findings.failures == [], "\n  ".join(
        ["requests the gateway got wrong:", *findings.failures]
    )


def test_an_id_no_database_can_hold_is_a_404_not_a_crashed_service(fuzzed_gateway):
    """Found by the fuzzer: an id past 64 bits crashed the knowledge actor (its ask then timed
    out as a 503, ~10 s), and a non-ASCII digit ("²") was a 500 in the gateway."""
    token = fuzzed_gateway.token()
    for raw in (str(2**63), quote("²")):
        url = f"{fuzzed_gateway.url}/api/kb/documents/{raw}"
        status, _, body = http("GET", url, token=token, timeout=20)
        assert (status, body["error"]["code"]) == (404, "not_found"), raw


# ---------------------------------------------------------------------------- size limits

TOO_LARGE = 2 * MAX_BODY_BYTES


def _big_json() -> bytes:
    return json.dumps({"title": "big", "text": "x" * TOO_LARGE}).encode()


def test_a_body_over_a_mebibyte_is_a_json_413_on_api_and_webhook_routes(fuzzed_gateway):
    gateway = fuzzed_gateway
    status, _, body = http("POST", gateway.url + "/api/kb/documents", _big_json(), gateway.token())
    assert status == 413 and body["error"]["code"] == "too_large"
    raw = _big_json()
    headers = sign(raw, load_signing_key(gateway.settings.dev_signing_key_path))
    status, _, body = http("POST", gateway.url + "/webhooks/telnyx/sms", raw, headers=headers)
    assert status == 413 and body["error"]["code"] == "too_large"
    listed = http("GET", gateway.url + "/api/kb/documents", token=gateway.token())[2]["items"]
    assert not [d for d in listed if d["title"] == "big"]


def test_the_limit_leaves_the_media_socket_and_the_event_stream_alone(fuzzed_gateway):
    gateway = fuzzed_gateway
    raw = json.dumps(initiated("v3:fuzz-size", GLOW, "+15555550177")).encode()
    headers = sign(raw, load_signing_key(gateway.settings.dev_signing_key_path))
    status, _, answer = http("POST", gateway.url + "/webhooks/telnyx/call", raw, headers=headers)
    assert status == 200 and answer["status"] == "embedded"

    async def streams() -> tuple:
        async with aiohttp.ClientSession() as session:
            # the media socket: upgraded (no body limit applies) and talking: the offline voice
            # engine greets; big frames are the WebSocket's own 1 MiB message limit's concern
            stream = urlsplit(answer["stream_url"])  # on this test server's port
            async with session.ws_connect(f"{gateway.url}{stream.path}?{stream.query}") as ws:
                media_format = {"encoding": "PCMU", "sample_rate": 8000, "channels": 1}
                start = {"call_control_id": "v3:fuzz-size", "media_format": media_format}
                await ws.send_json({"event": "start", "stream_id": "s", "start": start})
                frame = await ws.receive(timeout=30)
                close = json.loads(frame.data).get("event")
            url = f"{gateway.url}/api/events?token={gateway.token()}&last_event_id=0"
            async with session.get(url) as events:
                first = await asyncio.wait_for(events.content.readuntil(b"\n\n"), 10)
                return close, events.status, events.content_type, first

    close, status, content_type, first = asyncio.run(streams())
    assert close == "media"  # the greeting's audio, not a 413
    assert (status, content_type) == (200, "text/event-stream")
    assert first.startswith(b"retry:")
