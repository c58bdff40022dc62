"""CORS: off unless VRAI_CORS_ORIGINS lists origins; then only those, exactly, and never ``*``."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest

from gateway.app import create_app
from gateway.auth import make_token
from store.settings import ConfigError, load_settings
from tests.helpers import http as request
from tests.helpers import serve_app
from tests.test_gateway_errors import NoBridge

DESK = "https://desk.example.com"
LOCAL = "http://localhost:5173"
ORIGINS = f"{DESK}, {LOCAL}"


def preflight(url: str, origin: str, method: str = "POST", path: str = "/api/kb/documents"):
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    return request("OPTIONS", url + path, headers=headers)


def cors_headers(headers) -> dict:
    return {k: v for k, v in headers.items() if k.lower().startswith("access-control-")}


def test_origins_are_off_by_default_and_read_as_a_list(tmp_path):
    assert load_settings({"VRAI_DATA_DIR": str(tmp_path)}).cors_origins == ()
    settings = load_settings({"VRAI_DATA_DIR": str(tmp_path), "VRAI_CORS_ORIGINS": ORIGINS})
    assert settings.cors_origins == (DESK, LOCAL)


@pytest.mark.parametrize(
    "origin", ["*", "https://desk.example.com/", "HTTPS://Desk.example.com", "desk.example.com"]
)
def test_an_origin_a_browser_would_never_send_is_named(tmp_path, origin):
    with pytest.raises(ConfigError) as refused:
        load_settings({"VRAI_DATA_DIR": str(tmp_path), "VRAI_CORS_ORIGINS": f"{DESK},{origin}"})
    assert len(refused.value.problems) == 1
    assert "VRAI_CORS_ORIGINS" in refused.value.problems[0] and origin in refused.value.problems[0]


def test_without_origins_nothing_is_cross_origin(settings, database):
    with serve_app(create_app(settings, NoBridge())) as url:
        status, headers, body = preflight(url, DESK)
        _, plain, _ = request("GET", url + "/api/openapi.json", headers={"Origin": DESK})
    assert status == 401 and body["error"]["code"] == "unauthorized"  # a preflight has no token
    assert cors_headers(headers) == {} and cors_headers(plain) == {}
    assert "Vary" not in plain


@pytest.mark.env(VRAI_CORS_ORIGINS=ORIGINS)
def test_a_listed_origin_gets_its_preflight_answered(settings, database):
    with serve_app(create_app(settings, NoBridge())) as url:
        status, headers, _ = preflight(url, DESK)
        other_route = preflight(url, LOCAL, "PUT", "/api/kb/documents/7")
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == DESK
    assert headers["Access-Control-Allow-Methods"] == "GET, POST"
    allowed = {h.strip() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed == {"Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID"}
    assert int(headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in headers
    assert other_route[0] == 204
    assert other_route[1]["Access-Control-Allow-Origin"] == LOCAL
    assert other_route[1]["Access-Control-Allow-Methods"] == "DELETE, GET, PUT"


@pytest.mark.env(VRAI_CORS_ORIGINS=ORIGINS)
def test_a_listed_origin_is_named_on_answers_and_errors(settings, database):
    with serve_app(create_app(settings, NoBridge())) as url:
        ok = request("GET", url + "/api/openapi.json", headers={"Origin": DESK})
        refused = request("GET", url + "/api/kb/documents", headers={"Origin": DESK})
        outside_api = request("GET", url + "/healthz", headers={"Origin": DESK})
    assert ok[0] == 200 and refused[0] == 401
    for _, headers, _ in (ok, refused):
        assert headers["Access-Control-Allow-Origin"] == DESK
        assert headers["Vary"] == "Origin"
        assert "X-Request-ID" in headers["Access-Control-Expose-Headers"]
        assert "Access-Control-Allow-Credentials" not in headers
    assert cors_headers(outside_api[1]) == {}


@pytest.mark.env(VRAI_CORS_ORIGINS=ORIGINS)
def test_another_origin_gets_no_cors_headers(settings, database):
    with serve_app(create_app(settings, NoBridge())) as url:
        status, headers, _ = preflight(url, "https://evil.example.com")
        _, plain, _ = request("GET", url + "/api/openapi.json", headers={"Origin": "null"})
        _, close, _ = request("GET", url + "/api/openapi.json", headers={"Origin": DESK + ".evil"})
    assert status == 401 and cors_headers(headers) == {}
    assert cors_headers(plain) == {} and cors_headers(close) == {}


@pytest.mark.env(VRAI_CORS_ORIGINS=ORIGINS)
def test_the_event_stream_names_a_listed_origin_too(settings, database):
    token = make_token(settings.jwt_secret, database["+15550100001"], "staff")
    with serve_app(create_app(settings, NoBridge())) as url:
        connection = http.client.HTTPConnection(urlsplit(url).netloc, timeout=10)
        try:
            connection.request("GET", f"/api/events?token={token}", headers={"Origin": LOCAL})
            response = connection.getresponse()
            status, headers = response.status, dict(response.getheaders())
        finally:
            connection.close()
    assert status == 200 and headers["Content-Type"] == "text/event-stream"
    assert headers["Access-Control-Allow-Origin"] == LOCAL
