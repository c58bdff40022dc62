"""The OpenAPI document is the API: every route, valid OpenAPI 3.1, and the bodies really match.

The last test starts one gateway, gives it a little of everything (a booked text
conversation, a call, a document), then calls every ``GET /api`` route with an admin token
and validates each JSON body against the schema its handler declares.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import jsonschema
import pytest
from openapi_spec_validator import validate as validate_openapi

from cli.simulate_call import initiated
from gateway.app import create_app
from gateway.openapi import ERROR_SCHEMA, build_openapi, documented_routes
from gateway.telnyx_signature import sign
from store.secrets import load_signing_key
from tests.conftest import make_settings, running_gateway
from tests.helpers import http
from tests.sms_helpers import GLOW, conversation
from tests.test_gateway_errors import NoBridge

#: /api routes whose answer is not a JSON body, and why.
NOT_JSON = {("GET", "/api/events"): "Server-Sent Events (text/event-stream)"}
#: Values for query parameters a route cannot answer without.
QUERY_VALUES = {
    "/api/availability": {"service": "HydraFacial"},
    "/api/kb/search": {"q": "how much is a facial"},
}
ANA = "+15555550123"


@pytest.fixture
def app(settings, database):
    return create_app(settings, NoBridge())


def _validator(schema: dict) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _problems(body, schema: dict) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message[:200]}"
        for e in _validator(schema).iter_errors(body)
    ]


def _handler_name(route) -> str:
    return f"{route.handler.__module__}.{route.handler.__name__}"


def test_every_route_is_in_the_document_and_nothing_else(app):
    document = build_openapi(app)
    routes = {(route.method.lower(), path) for route, path in documented_routes(app)}
    assert len(routes) == len(list(documented_routes(app)))  # no path answered twice
    every_route = {
        (r.method.lower(), r.resource.canonical)
        for r in app.router.routes()
        if r.method not in ("HEAD", "*")
    }
    documented = {(m, p) for p, operations in document["paths"].items() for m in operations}
    assert documented == routes == every_route


def test_every_api_json_route_declares_its_response_schema(app):
    lacking = []
    for route, path in documented_routes(app):
        if not path.startswith("/api/") or (route.method, path) in NOT_JSON:
            continue
        declared = getattr(route.handler, "openapi", None)
        if declared is None:
            lacking.append(f"{route.method} {path}: {_handler_name(route)} has no @schema")
        elif declared["response"] is None and declared["status"] != 204:
            lacking.append(f"{route.method} {path}: {_handler_name(route)} declares no response")
    assert lacking == [], "handlers without a response schema:\n  " + "\n  ".join(lacking)


def test_the_document_is_valid_openapi_3_1_with_valid_json_schemas(app):
    document = build_openapi(app)
    validate_openapi(document)  # the OpenAPI 3.1 meta-schema, JSON Schema 2020-12 dialect
    assert document["openapi"] == "3.1.0"
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            schemas = [p["schema"] for p in operation.get("parameters", [])]
            body = operation.get("requestBody", {}).get("content", {})
            schemas += [c["schema"] for c in body.values()]
            for response in operation["responses"].values():
                schemas += [c["schema"] for c in response.get("content", {}).values()]
            for schema in schemas:
                jsonschema.Draft202012Validator.check_schema(schema)
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert names == set(_path_names(path)), (method, path)


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def test_protected_routes_name_their_security_and_errors_their_shape(app):
    document = build_openapi(app)
    for path, operations in document["paths"].items():
        for operation in operations.values():
            public = not path.startswith("/api/") or path in (
                "/api/openapi.json",
                "/api/auth/login",
                "/api/auth/refresh",
                "/api/auth/logout",
            )
            assert ("security" not in operation) == public, path
            assert operation["responses"]["4XX"] == {"$ref": "#/components/responses/ClientError"}
    error = document["components"]["responses"]["ClientError"]["content"]["application/json"]
    assert error["schema"] == {"$ref": "#/components/schemas/Error"}
    assert document["components"]["schemas"]["Error"] == ERROR_SCHEMA
    search = {p["name"]: p for p in document["paths"]["/api/kb/search"]["get"]["parameters"]}
    assert search["q"]["required"] and not search["k"]["required"]
    assert "x-required" not in json.dumps(document)


# ---------------------------------------------------------------------------- real answers


@pytest.fixture(scope="module")
def stocked_gateway(tmp_path_factory):
    """One gateway with a booked text conversation, a call and a document to read back."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("THESPIAN_BASE_IPADDR", "127.0.0.1")  # read by Thespian itself
        settings = make_settings(tmp_path_factory.mktemp("openapi"))
        with running_gateway(settings) as gateway:
            _stock(gateway)
            yield gateway


def _stock(gateway) -> None:
    """Data through the public doors, each answer checked against its declared schema."""
    document = http("GET", gateway.url + "/api/openapi.json")[2]
    conversation(gateway, "Hi, this is Ana Lopez, I'd like Botox next Wednesday at 2pm", "yes")
    raw = json.dumps(initiated("v3:openapi-call", GLOW, ANA)).encode()
    headers = sign(raw, load_signing_key(gateway.settings.dev_signing_key_path))
    call = http("POST", gateway.url + "/webhooks/telnyx/call", raw, headers=headers)
    answers = [("post", "/webhooks/telnyx/call", call)]
    body = {"title": "Prices", "text": "A HydraFacial is $199. Botox is $12 a unit."}
    created = http("POST", gateway.url + "/api/kb/documents", body, gateway.token())
    answers.append(("post", "/api/kb/documents", created))
    wish = {"phone": "+15555550124", "name": "Bea Ruiz", "service_id": 1, "weekdays": ["tue"]}
    answers.append(
        (
            "post",
            "/api/waitlist",
            http("POST", gateway.url + "/api/waitlist", wish, gateway.token()),
        )
    )
    for method, path, (status, _, answer) in answers:
        declared = document["paths"][path][method]["responses"]
        assert str(status) in declared, (path, status, answer)
        schema = declared[str(status)]["content"]["application/json"]["schema"]
        assert _problems(answer, schema) == [], path


def _success_schema(operation: dict) -> tuple[int, dict | None]:
    for status, response in operation["responses"].items():
        if status.isdigit() and int(status) < 300:
            content = response.get("content", {}).get("application/json")
            return int(status), content["schema"] if content else None
    return 200, None


def _role_for(operation: dict) -> str:
    roles = operation.get("x-roles") or ["admin"]
    return "admin" if "admin" in roles else roles[0]


@pytest.mark.multiproc
def test_every_get_api_answer_matches_its_declared_schema(stocked_gateway):
    gateway = stocked_gateway
    document = http("GET", gateway.url + "/api/openapi.json")[2]
    problems, checked = [], []

    def check(path: str, url_path: str, operation: dict, query: dict) -> dict | None:
        url = gateway.url + url_path + ("?" + urlencode(query) if query else "")
        status, _, body = http("GET", url, token=gateway.token(role=_role_for(operation)))
        expected, schema = _success_schema(operation)
        if status != expected:
            problems.append(f"GET {url_path}: {status} {str(body)[:200]}")
            return None
        if schema is None:
            problems.append(f"GET {path}: {operation['operationId']} declares no response schema")
            return None
        found = _problems(body, schema)
        problems.extend(f"GET {url_path}: {p}" for p in found)
        checked.append(path)
        return body

    listings: dict[str, dict | None] = {}
    for path, operations in document["paths"].items():
        get = operations.get("get")
        if not path.startswith("/api/") or get is None or ("GET", path) in NOT_JSON:
            continue
        if "{" not in path:
            listings[path] = check(path, path, get, QUERY_VALUES.get(path, {}))
    for path, operations in document["paths"].items():
        get = operations.get("get")
        if not path.startswith("/api/") or get is None or "{" not in path:
            continue
        listing = path.partition("/{")[0]
        names = _path_names(path)
        if names != ["id"]:
            problems.append(f"GET {path}: no way to choose {names} for it here")
            continue
        found = (listings.get(listing) or {}).get("items") or []
        if not found:
            problems.append(f"GET {path}: {listing} listed nothing to read back")
            continue
        check(path, path.replace("{id}", str(found[0]["id"])), get, {})

    assert problems == [], "answers that do not match their schema:\n  " + "\n  ".join(problems)
    assert "/api/kb/documents/{id}" in checked and "/api/ops/actors" in checked


@pytest.mark.multiproc
def test_error_answers_match_the_error_schema(stocked_gateway):
    gateway = stocked_gateway
    answers = [
        http("GET", gateway.url + "/api/kb/documents/999999", token=gateway.token()),
        http("GET", gateway.url + "/api/kb/documents"),
        http("GET", gateway.url + "/api/ops/actors", token=gateway.token(role="staff")),
        http("POST", gateway.url + "/api/kb/documents", {"title": ""}, gateway.token()),
        http("GET", gateway.url + "/api/nowhere", token=gateway.token()),
    ]
    assert [status for status, _, _ in answers] == [404, 401, 403, 400, 404]
    for _, _, body in answers:
        assert _problems(body, ERROR_SCHEMA) == []
