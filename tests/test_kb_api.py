"""Knowledge-base REST: documents CRUD and search, through the real gateway and actors."""

from __future__ import annotations

import pytest

from tests.helpers import http

pytestmark = pytest.mark.multiproc

PARKING = (
    "# Parking\n\nFree parking is in the garage under the building on Ocean Park Blvd. "
    "Take a ticket; we validate it at the front desk."
)


def test_added_document_is_found_by_search_with_score_and_source(gateway):
    token = gateway.token()
    status, _, created = http(
        "POST",
        gateway.url + "/api/kb/documents",
        {"title": "Parking", "text": PARKING},
        token,
    )
    assert status == 201 and isinstance(created["id"], int)

    status, _, body = http(
        "GET", gateway.url + "/api/kb/search?q=where+can+I+park&k=3", token=token
    )
    assert status == 200
    best = body["results"][0]
    assert best["document_id"] == created["id"] and best["title"] == "Parking"
    assert "garage" in best["text"] and 0 < best["score"] <= 2


def test_documents_can_be_listed_updated_and_deleted(gateway):
    token = gateway.token()
    url = gateway.url + "/api/kb/documents"
    doc_id = http("POST", url, {"title": "Parking", "text": PARKING}, token)[2]["id"]
    assert [d["id"] for d in http("GET", url, token=token)[2]["items"]] == [doc_id]

    status, _, _ = http("PUT", f"{url}/{doc_id}", {"text": "Street parking only."}, token)
    assert status == 200
    assert http("GET", f"{url}/{doc_id}", token=token)[2]["text"] == "Street parking only."

    assert http("DELETE", f"{url}/{doc_id}", token=token)[0] == 204
    assert http("GET", f"{url}/{doc_id}", token=token)[0] == 404

    from store.models import AuditLog  # each change is on the record, with who made it

    trail = AuditLog.select().where(AuditLog.entity == "kb_document").order_by(AuditLog.id)
    assert [(e.action, e.entity_id, e.actor) for e in trail] == [
        (action, str(doc_id), "token:admin") for action in ("kb.create", "kb.update", "kb.delete")
    ]


def test_another_clinics_document_is_not_visible(gateway):
    url = gateway.url + "/api/kb/documents"
    doc_id = http("POST", url, {"title": "Parking", "text": PARKING}, gateway.token())[2]["id"]
    other = gateway.token("+15550100002")
    assert http("GET", f"{url}/{doc_id}", token=other)[0] == 404
    assert http("DELETE", f"{url}/{doc_id}", token=other)[0] == 404
    results = http("GET", gateway.url + "/api/kb/search?q=parking", token=other)[2]["results"]
    assert all(r["document_id"] != doc_id for r in results)


@pytest.mark.parametrize(
    "body",
    [{"title": "", "text": "x"}, {"title": "T"}, {"title": 5, "text": "x"}, {"text": "x"}],
)
def test_bad_documents_are_400_and_nothing_is_stored(shared_gateway, body):
    token = shared_gateway.token()
    status, _, error = http("POST", shared_gateway.url + "/api/kb/documents", body, token)
    assert status == 400 and error["error"]["code"] == "invalid"
    assert http("GET", shared_gateway.url + "/api/kb/documents", token=token)[2]["items"] == []


@pytest.mark.parametrize("query", ["", "?q=", "?q=x&k=0", "?q=x&k=abc", "?q=x&k=51"])
def test_bad_search_parameters_are_400(shared_gateway, query):
    status, _, _ = http(
        "GET", shared_gateway.url + "/api/kb/search" + query, token=shared_gateway.token()
    )
    assert status == 400
