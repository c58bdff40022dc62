"""`supervisor.py simulate sms` against a running gateway, and its exit codes."""

from __future__ import annotations

import pytest

from cli.simulate import simulate_sms

pytestmark = pytest.mark.multiproc


def test_simulated_text_gets_the_reply_printed(gateway):
    printed: list[str] = []
    code = gateway_settings_call(gateway, "HELP", printed)
    assert code == 0
    assert any("Glow Med Spa" in line for line in printed)


def gateway_settings_call(gateway, text, printed):
    port = int(gateway.url.rsplit(":", 1)[1])
    settings = gateway.settings.replace(port=port)
    return simulate_sms(settings, "+15550100001", "+15555550123", text, 10, printed.append)


def test_refused_webhook_exits_1(gateway):
    port = int(gateway.url.rsplit(":", 1)[1])
    settings = gateway.settings.replace(port=port)
    printed: list[str] = []
    assert simulate_sms(settings, "+15550109999", "+15555550123", "hi", 1, printed.append) == 1
    assert "404" in printed[0]


def test_unreachable_gateway_exits_2(settings):
    printed: list[str] = []
    code = simulate_sms(settings.replace(port=1), "+15550100001", "+1555", "hi", 1, printed.append)
    assert code == 2 and "not reachable" in printed[0]
