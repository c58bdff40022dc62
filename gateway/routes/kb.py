"""Knowledge-base documents and search for the token's clinic."""

from __future__ import annotations

from aiohttp import web

from actors.messages import KbDelete, KbGet, KbIngest, KbList, KbSearch, new_corr
from gateway import keys
from gateway.auth import actor_of, roles
from gateway.dbio import run_db
from gateway.errors import ApiError, read_json
from gateway.routes.common import call, int_param, path_id
from gateway.schemas import (
    INSTANT,
    INTEGER,
    NON_EMPTY_STRING,
    NUMBER,
    STRING,
    items,
    obj,
    required,
    schema,
)
from store.audit import audit
from store.db import write

routes = web.RouteTableDef()


def _audited(clinic_id: int, actor: str, action: str, document_id: int) -> None:
    """The knowledge actor commits the change; the audit row follows once it has answered."""
    with write():
        audit(clinic_id, actor, action, "kb_document", document_id)


async def _record(request: web.Request, action: str, document_id: int) -> None:
    await run_db(_audited, request[keys.CLINIC_ID], actor_of(request), action, document_id)


DOCUMENT_INFO = {
    "id": INTEGER,
    "clinic_id": INTEGER,
    "title": STRING,
    "source": STRING,
    "content_hash": STRING,
    "chunks": INTEGER,
    "created_at": INSTANT,
    "updated_at": INSTANT,
}
DOCUMENT_ID = obj({"id": INTEGER})
HIT = obj({"document_id": INTEGER, "title": STRING, "text": STRING, "score": NUMBER})

INGEST_TIMEOUT_S = 120.0  # a long document is embedded before it is stored


def _text_field(body: dict, name: str, required: bool) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "invalid", f"{name} must be a non-empty string")
    return value


@routes.post("/api/kb/documents")
@roles("admin", "staff")
@schema(
    request=obj({"title": NON_EMPTY_STRING, "text": NON_EMPTY_STRING}),
    response=DOCUMENT_ID,
    status=201,
)
async def create_document(request: web.Request) -> web.Response:
    """Add a document (Markdown, plain text or Q:/A: pairs) to the clinic's knowledge base."""
    body = await read_json(request)
    title, text = _text_field(body, "title", True), _text_field(body, "text", True)
    message = KbIngest(new_corr(), request[keys.CLINIC_ID], title, text)
    document_id = await call(request, "knowledge", message, INGEST_TIMEOUT_S)
    await _record(request, "kb.create", document_id)
    return web.json_response({"id": document_id}, status=201)


@routes.get("/api/kb/documents")
@roles("admin", "staff")
@schema(response=items(obj(DOCUMENT_INFO)))
async def list_documents(request: web.Request) -> web.Response:
    """The clinic's knowledge-base documents (without their text)."""
    items = await call(request, "knowledge", KbList(new_corr(), request[keys.CLINIC_ID]))
    return web.json_response({"items": items})


@routes.get("/api/kb/documents/{id}")
@roles("admin", "staff")
@schema(response=obj({**DOCUMENT_INFO, "text": STRING}))
async def get_document(request: web.Request) -> web.Response:
    """One document with its text."""
    message = KbGet(new_corr(), request[keys.CLINIC_ID], path_id(request))
    return web.json_response(await call(request, "knowledge", message))


@routes.put("/api/kb/documents/{id}")
@roles("admin", "staff")
@schema(
    request={
        **obj(optional={"title": NON_EMPTY_STRING, "text": NON_EMPTY_STRING}),
        "minProperties": 1,
    },
    response=DOCUMENT_ID,
)
async def update_document(request: web.Request) -> web.Response:
    """Replace a document's title and/or text; its passages are replaced atomically."""
    document_id = path_id(request)
    body = await read_json(request)
    title, text = _text_field(body, "title", False), _text_field(body, "text", False)
    if title is None and text is None:
        raise ApiError(400, "invalid", "send a title and/or a text")
    message = KbIngest(new_corr(), request[keys.CLINIC_ID], title, text, document_id)
    await call(request, "knowledge", message, INGEST_TIMEOUT_S)
    await _record(request, "kb.update", document_id)
    return web.json_response({"id": document_id})


@routes.delete("/api/kb/documents/{id}")
@roles("admin", "staff")
@schema(status=204)
async def delete_document(request: web.Request) -> web.Response:
    """Delete a document and its passages."""
    message = KbDelete(new_corr(), request[keys.CLINIC_ID], path_id(request))
    await call(request, "knowledge", message)
    await _record(request, "kb.delete", path_id(request))
    return web.Response(status=204)


@routes.get("/api/kb/search")
@roles("admin", "staff", "ops")
@schema(
    query={
        "q": required(NON_EMPTY_STRING),
        "k": {"type": "integer", "minimum": 1, "maximum": 50, "default": 5},
    },
    response=obj({"results": {"type": "array", "items": HIT}}),
)
async def search(request: web.Request) -> web.Response:
    """Semantic + keyword search of the clinic's documents, with scores and sources."""
    query = request.query.get("q", "").strip()
    if not query:
        raise ApiError(400, "invalid", "q (the search text) is required")
    k = int_param(request.query.get("k"), "k", 5, 1, 50)
    hits = await call(request, "knowledge", KbSearch(new_corr(), request[keys.CLINIC_ID], query, k))
    results = [
        {
            "document_id": h["document_id"],
            "title": h["title"],
            "text": h["text"],
            "score": round(h["score"], 4),
        }
        for h in hits
    ]
    return web.json_response({"results": results})
