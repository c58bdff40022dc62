"""The demo knowledge base agrees with store/demo.py: prices, durations, deposits, hours."""

from __future__ import annotations

import re

import pytest

from kb.demo_docs import DEMO_DOCUMENTS
from store.demo import ALIGN_PHONE, DEMO, GLOW_PHONE


def dollars(cents: int) -> str:
    return f"${cents // 100}"


@pytest.fixture(params=[spec["clinic"]["phone"] for spec in DEMO])
def clinic(request) -> tuple[dict, str]:
    spec = next(s for s in DEMO if s["clinic"]["phone"] == request.param)
    text = "\n\n".join(body for _, body in DEMO_DOCUMENTS[request.param])
    return spec, text


def test_every_demo_clinic_has_8_to_12_documents():
    assert set(DEMO_DOCUMENTS) == {GLOW_PHONE, ALIGN_PHONE}
    for documents in DEMO_DOCUMENTS.values():
        assert 8 <= len(documents) <= 12
        assert len({title for title, _ in documents}) == len(documents)


def test_price_table_matches_the_services(clinic):
    spec, text = clinic
    for service in spec["services"]:
        price = "Free" if service.price_cents == 0 else dollars(service.price_cents)
        cells = [re.escape(service.name), f"{service.duration_min} minutes", re.escape(price)]
        row = r"\| " + r" \| ".join(cells) + r" \|"
        assert re.search(row, text), f"{service.name}: no table row {row}"


def test_only_real_prices_and_deposits_are_mentioned(clinic):
    spec, text = clinic
    allowed = {dollars(s.price_cents) for s in spec["services"] if s.price_cents}
    allowed |= {dollars(s.deposit_cents) for s in spec["services"] if s.deposit_cents}
    assert set(re.findall(r"\$\d+", text)) == allowed


def test_deposits_are_described_with_their_service(clinic):
    spec, text = clinic
    for service in spec["services"]:
        if service.deposit_cents:
            deposit = re.escape(dollars(service.deposit_cents))
            assert re.search(rf"{re.escape(service.name)}[^.]*{deposit} deposit", text)
    assert "24 hours" in text and "refunded in full" in text


def test_contact_details_and_providers(clinic):
    spec, text = clinic
    details = spec["clinic"]
    assert details["address"] in text
    assert details["email"] in text
    digits = details["phone"][-10:]
    assert f"({digits[:3]}) {digits[3:6]}-{digits[6:]}" in text
    for name, title, _offers, _hours in spec["providers"]:
        assert f"{name}, {title}" in text


def test_opening_hours():
    glow = "\n".join(body for _, body in DEMO_DOCUMENTS[GLOW_PHONE])
    align = "\n".join(body for _, body in DEMO_DOCUMENTS[ALIGN_PHONE])
    assert "Tuesday to Saturday, 9:00 am to 6:00 pm Pacific time" in glow
    assert "closed on Sundays\nand Mondays" in glow
    assert "Monday to Friday 8:00 am to 5:00 pm, and Saturday 9:00 am to 12:00 pm" in align
    assert "Central time" in align and "closed on Sundays" in align
    assert "9:00\nam to 12:00 pm and 1:00 pm to 6:00 pm" in glow  # Jess Kim's lunch break
