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
JESS = ProviderInfo(4, "Jess Kim", (1,), ("Jess", "Jessica"))
BENSON = ProviderInfo(5, "Ben Benson", (1,))  # no nicknames: named by first or last name


@pytest.mark.parametrize(
    ("said", "who"),
    [
        ("can I see dr ben tomorrow", ["Dr. Ben Ortiz"]),
        ("with dr ben", ["Dr. Ben Ortiz"]),
        ("Dr. Ben please", ["Dr. Ben Ortiz"]),
        ("Doctor Ben please", ["Dr. Ben Ortiz"]),
        ("jess", ["Jess Kim"]),
        ("Jessica on Tuesday?", ["Jess Kim"]),
        ("Botox with dr b friday", ["Beatriz Santos"]),
        ("with Benson", ["Ben Benson"]),
        ("with dr b on friday", ["Beatriz Santos"]),
        ("dr ana at 3", ["Dr. Ana Lee"]),
        ("with Lee", ["Dr. Ana Lee"]),  # a last name still counts
        ("with beatriz", ["Beatriz Santos"]),
        ("anyone is fine", []),
    ],
)
def test_a_nickname_names_its_provider(said, who):
    assert [p.name for p in match_providers(said, [BEN, ANA, BEA, JESS, BENSON])] == who


def test_a_nickname_wins_over_another_providers_first_name():
    """ "Ben" is Dr. Ortiz's nickname and Ben Benson's first name: the clinic's word wins."""
    assert match_providers("with ben", [BEN, BENSON]) == [BEN]
    assert match_providers("with ben", [BENSON]) == [BENSON]  # no nickname: as before
    assert match_providers("with bob", [BEN, BEA]) == []


def test_the_demo_providers_have_their_nicknames(database):
    ben = Provider.get(Provider.name == "Dr. Ben Ortiz")
    assert "Dr. Ben" in ben.nicknames.split(",")


def test_an_existing_database_gains_the_column_and_keeps_its_providers(database):
    """Migration 12 upgrades a database made before nicknames in place: rows kept, empty."""
    from store.db import db
    from store.migrations import migrate

    db.execute_sql('ALTER TABLE "provider" DROP COLUMN "nicknames"')
    db.execute_sql("DELETE FROM schema_version WHERE version >= 12")
    assert migrate()[:1] == [12]  # and any later ones, which come after it
    assert "nicknames" in {c.name for c in db.get_columns("provider")}
    assert Provider.get(Provider.name == "Dr. Ben Ortiz").nicknames == ""
    assert migrate() == []


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
    assert nicknames_of(gateway, "Dr. Ana Lee")[1] == ["Dr. A", "Doc Ana"]
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
