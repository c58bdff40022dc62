"""What customers call a provider ("Dr. Ben", "Jess") is the clinic's own data (issue 17 item
4): seeded for the demo, edited through /api/providers, and understood by the brain at once."""

from __future__ import annotations

import pytest

from actors.brain.base import ProviderInfo
from actors.brain.nlu import match_providers
from store.models import Provider
from tests.helpers import http
from tests.sms_helpers import ALIGN, text

BEN = ProviderInfo(1, "Dr. Ben Ortiz", (1,), ("Dr. Ben", "Ben"))
ANA = ProviderInfo(2, "Dr. Ana Lee", (1,), ("Dr. Ana",))
BEA = ProviderInfo(3, "Beatriz Santos", (1,), ("Dr. B",))


@pytest.mark.parametrize(
    ("said", "who"),
    [
        ("can I see dr ben tomorrow", ["Dr. Ben Ortiz"]),
        ("Dr. Ben please", ["Dr. Ben Ortiz"]),
        ("with dr b on friday", ["Beatriz Santos"]),
        ("dr ana at 3", ["Dr. Ana Lee"]),
        ("with Lee", ["Dr. Ana Lee"]),  # a last name still counts
        ("with beatriz", ["Beatriz Santos"]),
        ("anyone is fine", []),
    ],
)
def test_a_nickname_names_its_provider(said, who):
    assert [p.name for p in match_providers(said, [BEN, ANA, BEA])] == who


def test_the_demo_providers_have_their_nicknames(database):
    ben = Provider.get(Provider.name == "Dr. Ben Ortiz")
    assert "Dr. Ben" in ben.nicknames.split(",")


def nicknames_of(gateway, name: str) -> tuple[int, list[str]]:
    token = gateway.token(ALIGN, role="admin")
    items = http("GET", gateway.url + "/api/providers", token=token)[2]["items"]
    found = next(p for p in items if p["name"] == name)
    return found["id"], found["nicknames"]


@pytest.mark.multiproc
def test_an_admin_edits_nicknames_and_the_next_text_understands_them(gateway):
    ana, seeded = nicknames_of(gateway, "Dr. Ana Lee")
    assert "Dr. Ana" in seeded
    token = gateway.token(ALIGN, role="admin")
    url = f"{gateway.url}/api/providers/{ana}"
    status, _, body = http("PATCH", url, {"nicknames": ["Dr. A", "Doc Ana"]}, token)
    assert status == 200 and body["nicknames"] == ["Dr. A", "Doc Ana"]
    (reply,) = text(gateway, "adjustment with doc ana next wednesday at 10am", clinic=ALIGN)
    assert "with Dr. Ana Lee" in reply, reply


@pytest.mark.multiproc
@pytest.mark.parametrize(
    "bad",
    [["Dr. A, Dr. B"], [""], ["   "], "Dr. A", [7], ["x" * 61], ["n"] * 21],
)
def test_bad_nicknames_are_400_and_change_nothing(shared_gateway, bad):
    ana, before = nicknames_of(shared_gateway, "Dr. Ana Lee")
    token = shared_gateway.token(ALIGN, role="admin")
    status, _, body = http(
        "PATCH", f"{shared_gateway.url}/api/providers/{ana}", {"nicknames": bad}, token
    )
    assert status == 400 and body["error"]["code"] == "invalid", body
    assert nicknames_of(shared_gateway, "Dr. Ana Lee")[1] == before
