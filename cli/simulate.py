"""``supervisor.py simulate sms``: a correctly signed Telnyx messaging webhook to the gateway.

Signs with the data dir's dev key (the embedded stand-in for Telnyx's), posts a real
``message.received`` event, then watches the thread through the REST API (with a short-lived
staff token it mints from the data dir's JWT secret) and prints the replies as they appear.
Exit codes: 0 once the webhook was acknowledged (even if no reply came in time), 1 when the
gateway refused it, 2 when it could not be reached.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime

from gateway.auth import make_token
from gateway.telnyx_signature import sign
from store.secrets import load_signing_key


def message_received(to: str, sender: str, text: str) -> dict:
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return {
        "data": {
            "record_type": "event",
            "id": str(uuid.uuid4()),
            "event_type": "message.received",
            "occurred_at": now,
            "payload": {
                "id": str(uuid.uuid4()),
                "record_type": "message",
                "direction": "inbound",
                "type": "SMS",
                "text": text,
                "from": {"phone_number": sender, "carrier": "Simulated", "line_type": "Wireless"},
                "to": [{"phone_number": to, "status": "webhook_delivered"}],
                "received_at": now,
                "parts": 1,
                "media": [],
                "errors": [],
            },
        },
        "meta": {"attempt": 1, "delivered_to": "simulate"},
    }


def _request(url: str, data: bytes | None = None, headers=None, timeout=10.0):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, json.loads(response.read() or b"{}")


def _base(settings) -> str:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "") else settings.host
    return f"http://{host}:{settings.port}"


def simulate_sms(settings, to: str, sender: str, text: str, wait_s: float = 15.0, out=print) -> int:
    base = _base(settings)
    raw = json.dumps(message_received(to, sender, text)).encode()
    headers = sign(raw, load_signing_key(settings.dev_signing_key_path))
    try:
        _request(base + "/webhooks/telnyx/sms", raw, headers)
    except urllib.error.HTTPError as error:
        out(f"webhook refused: HTTP {error.code} {error.read().decode(errors='replace')}")
        return 1
    except OSError as error:
        out(f"gateway not reachable at {base}: {error}")
        return 2
    replies = _wait_for_replies(settings, base, to, sender, wait_s)
    if not replies:
        out("(webhook accepted; no reply within the wait)")
    for reply in replies:
        out(reply)
    return 0


def _wait_for_replies(settings, base: str, to: str, sender: str, wait_s: float) -> list[str]:
    from store.db import open_for
    from store.models import Clinic

    open_for(settings)
    clinic = Clinic.get_or_none(Clinic.phone == to)
    if clinic is None:
        return []
    token = make_token(settings.jwt_secret, clinic.id, "staff", 120)
    auth = {"Authorization": f"Bearer {token}"}
    query = urllib.parse.urlencode({"customer_phone": sender})
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        _, threads = _request(f"{base}/api/threads?{query}", headers=auth)
        if threads["items"]:
            thread_id = threads["items"][0]["id"]
            _, messages = _request(f"{base}/api/threads/{thread_id}/messages", headers=auth)
            items = messages["items"]
            last_in = max((m["id"] for m in items if m["direction"] == "in"), default=0)
            replies = [m["text"] for m in items if m["direction"] == "out" and m["id"] > last_in]
            if replies:
                time.sleep(0.3)  # let a multi-part reply finish landing, then read it whole
                _, messages = _request(f"{base}/api/threads/{thread_id}/messages", headers=auth)
                return [
                    m["text"]
                    for m in messages["items"]
                    if m["direction"] == "out" and m["id"] > last_in
                ]
        time.sleep(0.2)
    return []


def add_simulate_commands(commands, add) -> None:
    """Register ``simulate sms`` and ``simulate call`` on the CLI. Their handlers take
    ``(args, settings)``: the launcher builds the settings, the simulators read none."""
    simulate = add("simulate", None, "act as a customer against the running gateway")
    kinds = simulate.add_subparsers(dest="kind", required=True)
    sms = kinds.add_parser("sms", help="text the clinic")
    sms.add_argument("--to", required=True, help="clinic number, e.g. +15550100001")
    sms.add_argument("--from", dest="sender", required=True, help="customer number (E.164)")
    sms.add_argument("--wait", type=float, default=15.0, help="seconds to wait for the reply")
    sms.add_argument("--data-dir", dest="data_dir")
    sms.add_argument("text")
    sms.set_defaults(func=_cmd_sms)
    from cli.simulate_call import add_simulate_call

    add_simulate_call(kinds)


def _cmd_sms(args, settings) -> int:
    return simulate_sms(settings, args.to, args.sender, args.text, args.wait)
