"""Staff logins: passwords (scrypt), the login/refresh/logout API, limits, the CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gateway.login_limits import LoginLimits
from store.accounts import AccountError, add_user, login, logout, rotate
from store.models import RefreshToken, StaffUser
from store.passwords import hash_password, verify_password
from tests.helpers import http

PASSWORD = "correct horse battery"


def test_a_password_is_stored_salted_and_checked():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second and PASSWORD not in first and first.startswith("scrypt$")
    assert verify_password(PASSWORD, first) and not verify_password("wrong password!", first)
    assert not verify_password(PASSWORD, None) and not verify_password(PASSWORD, "junk")
    with pytest.raises(ValueError):
        hash_password("short")


def test_refresh_rotates_and_a_reused_token_ends_the_family(database):
    add_user(database["+15550100001"], "Desk@Glow.test", "Desk", "staff", PASSWORD)
    user, first = login("desk@glow.test", PASSWORD)
    assert user.role == "staff"
    _, second = rotate(first)
    with pytest.raises(AccountError, match="used twice"):
        rotate(first)  # someone kept a copy of the first one
    with pytest.raises(AccountError):
        rotate(second)  # the rightful holder's next one is dead too: log in again
    assert not RefreshToken.select().where(RefreshToken.revoked_at.is_null()).exists()


def test_logout_ends_the_session(database):
    add_user(database["+15550100001"], "desk@glow.test", "Desk", "staff", PASSWORD)
    _, token = login("desk@glow.test", PASSWORD)
    logout(token)
    with pytest.raises(AccountError):
        rotate(token)


def test_limits_count_failures_per_key_and_forget_them_in_time():
    ticks = [0.0]
    limits = LoginLimits(max_failures=3, window_s=60, clock=lambda: ticks[0])
    for _ in range(3):
        assert limits.retry_after("account:a", "address:x") == 0
        limits.failed("account:a", "address:x")
    assert 0 < limits.retry_after("account:a") <= 61
    assert limits.retry_after("account:b", "address:x") > 0  # the same address, another account
    assert limits.retry_after("account:b", "address:y") == 0
    ticks[0] = 61
    assert limits.retry_after("account:a", "address:x") == 0


def login_http(gateway, email, password, **extra):
    return http(
        "POST", gateway.url + "/api/auth/login", {"email": email, "password": password, **extra}
    )


def test_logging_in_gives_tokens_for_the_users_role(gateway):
    add_user(gateway.clinics["+15550100001"], "owner@glow.test", "Owner", "admin", PASSWORD)
    add_user(gateway.clinics["+15550100001"], "desk@glow.test", "Desk", "staff", PASSWORD)
    status, _, owner = login_http(gateway, "OWNER@glow.test", PASSWORD)
    assert status == 200 and owner["user"]["role"] == "admin" and owner["expires_in"] == 900
    assert http("GET", gateway.url + "/api/ops/actors", token=owner["access_token"])[0] == 200
    desk = login_http(gateway, "desk@glow.test", PASSWORD)[2]
    assert http("GET", gateway.url + "/api/ops/actors", token=desk["access_token"])[0] == 403
    assert http("GET", gateway.url + "/api/appointments", token=desk["access_token"])[0] == 200

    status, _, renewed = http(
        "POST", gateway.url + "/api/auth/refresh", {"refresh_token": desk["refresh_token"]}
    )
    assert status == 200 and renewed["refresh_token"] != desk["refresh_token"]
    again = http(
        "POST", gateway.url + "/api/auth/refresh", {"refresh_token": desk["refresh_token"]}
    )
    assert again[0] == 401
    out = http(
        "POST", gateway.url + "/api/auth/logout", {"refresh_token": renewed["refresh_token"]}
    )
    assert out[0] == 200


def test_wrong_passwords_are_401_then_429_and_never_stored(gateway):
    add_user(gateway.clinics["+15550100001"], "desk@glow.test", "Desk", "staff", PASSWORD)
    for _ in range(5):
        status, _, body = login_http(gateway, "desk@glow.test", "not the password")
        assert status == 401 and body["error"]["code"] == "unauthorized"
    status, headers, body = login_http(gateway, "desk@glow.test", PASSWORD)  # even the right one
    assert status == 429 and int(headers["Retry-After"]) > 0
    assert body["error"]["code"] == "rate_limited"
    assert all(PASSWORD not in (u.password_hash or "") for u in StaffUser.select())


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "a@b.c"},
        {"email": 5, "password": "x"},
        {"email": "a@b.c", "password": "x" * 2000},
    ],
)
def test_bad_login_requests_are_400(shared_gateway, body):
    assert http("POST", shared_gateway.url + "/api/auth/login", body)[0] == 400


def test_an_unknown_email_is_the_same_401(shared_gateway):
    status, _, body = login_http(shared_gateway, "nobody@nowhere.test", PASSWORD)
    assert status == 401 and body["error"]["message"] == "wrong email or password"


def test_the_cli_adds_a_user_with_the_password_from_standard_input(settings, database):
    command = [
        sys.executable, "supervisor.py", "user", "add", "--data-dir", str(settings.data_dir),
        "--clinic", "+15550100001", "--email", "new@glow.test", "--role", "staff",
    ]  # fmt: skip
    added = subprocess.run(command, input=PASSWORD + "\n", capture_output=True, text=True)
    assert added.returncode == 0, added.stderr
    assert PASSWORD not in added.stdout + added.stderr
    assert login("new@glow.test", PASSWORD)[0].role == "staff"
    again = subprocess.run(command, input=PASSWORD + "\n", capture_output=True, text=True)
    assert again.returncode == 2 and "already" in again.stderr
    short = subprocess.run(
        [*command[:-4], "--email", "x@glow.test", "--role", "staff"], input="short\n",
        capture_output=True, text=True,
    )  # fmt: skip
    assert short.returncode == 2 and "at least" in short.stderr
