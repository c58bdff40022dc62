"""JWT on every /api route: 401 for no/bad/expired tokens, 403 for the wrong role or clinic."""

from __future__ import annotations

import time

import jwt
import pytest

from tests.helpers import http

pytestmark = pytest.mark.multiproc


def get(gateway, path, token=None, headers=None):
    return http("GET", gateway.url + path, token=token, headers=headers)


def test_missing_token_is_401_with_json_error(shared_gateway):
    status, headers, body = get(shared_gateway, "/api/ops/actors")
    assert status == 401
    assert body == {"error": {"code": "unauthorized", "message": "missing bearer token"}}
    assert headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_is_401(shared_gateway):
    claims = {"clinic": 1, "role": "admin", "iat": int(time.time()) - 100}
    claims["exp"] = int(time.time()) - 10
    token = jwt.encode(claims, shared_gateway.settings.jwt_secret, algorithm="HS256")
    status, _, body = get(shared_gateway, "/api/ops/actors", token)
    assert (status, body["error"]["message"]) == (401, "token expired")


def test_token_signed_with_another_secret_is_401(shared_gateway):
    claims = {"clinic": 1, "role": "admin", "iat": int(time.time()), "exp": int(time.time()) + 60}
    token = jwt.encode(claims, "not-the-secret-" * 3, algorithm="HS256")
    assert get(shared_gateway, "/api/ops/actors", token)[0] == 401


def test_unsigned_alg_none_token_is_401(shared_gateway):
    claims = {"clinic": 1, "role": "ops", "iat": int(time.time()), "exp": int(time.time()) + 60}
    token = jwt.encode(claims, None, algorithm="none")
    assert get(shared_gateway, "/api/ops/actors", token)[0] == 401


def test_token_without_exp_is_401(shared_gateway):
    claims = {"clinic": 1, "role": "admin", "iat": int(time.time())}
    token = jwt.encode(claims, shared_gateway.settings.jwt_secret, algorithm="HS256")
    assert get(shared_gateway, "/api/ops/actors", token)[0] == 401


def test_staff_may_not_read_ops_views(shared_gateway):
    status, _, body = get(shared_gateway, "/api/ops/actors", shared_gateway.token(role="staff"))
    assert status == 403 and body["error"]["code"] == "forbidden"


def test_request_naming_another_clinic_is_403(shared_gateway):
    token = shared_gateway.token("+15550100001")
    other = str(shared_gateway.clinics["+15550100002"])
    assert get(shared_gateway, f"/api/ops/actors?clinic={other}", token)[0] == 403
    assert get(shared_gateway, "/api/ops/actors", token, headers={"X-Clinic-Id": other})[0] == 403


def test_token_for_a_clinic_that_does_not_exist_is_403(shared_gateway):
    assert get(shared_gateway, "/api/ops/actors", shared_gateway.token(clinic=999))[0] == 403


def test_admin_token_reads_ops_actors(shared_gateway):
    status, _, body = get(shared_gateway, "/api/ops/actors", shared_gateway.token())
    assert status == 200
    ids = {item["id"] for item in body["items"]}
    assert {"service:calendar", "service:crm", "supervisor:sms"} <= ids


def test_token_in_query_string_works_for_event_source_clients(shared_gateway):
    status, _, _ = get(shared_gateway, f"/api/ops/actors?token={shared_gateway.token()}")
    assert status == 200
