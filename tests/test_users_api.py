"""Staff accounts through the gateway: only admins manage them, passwords never come back, a
deactivated account cannot log in, and a clinic always keeps an admin.

These routes ask no actor, so the real app is served without an actor system (one per file).
"""

from __future__ import annotations

import pytest

from gateway.app import create_app
from gateway.auth import make_token
from store.accounts import add_user
from store.db import close_database, open_for
from store.demo import ALIGN_PHONE, GLOW_PHONE, seed_demo_clinics
from store.migrations import migrate
from store.models import AuditLog, Clinic, DashboardEvent, StaffUser
from tests.conftest import make_settings
from tests.helpers import http, serve_app
from tests.test_gateway_errors import NoBridge

PASSWORD = "a long enough passphrase"


class Api:
    def __init__(self, url: str, settings):
        self.url, self.settings = url, settings
        self.glow = Clinic.get(Clinic.phone == GLOW_PHONE).id
        self.align = Clinic.get(Clinic.phone == ALIGN_PHONE).id

    def token(self, clinic: int | None = None, role: str = "admin", user_id=None) -> str:
        secret = self.settings.jwt_secret
        return make_token(secret, clinic or self.glow, role, 600, user_id=user_id)

    def call(self, method: str, path: str, body=None, token: str | None = None):
        return http(method, self.url + path, body, token or self.token())

    def login(self, email: str, password: str = PASSWORD):
        body = {"email": email, "password": password}
        return http("POST", self.url + "/api/auth/login", body)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    settings = make_settings(tmp_path_factory.mktemp("users"))
    open_for(settings)
    migrate()
    seed_demo_clinics()
    with serve_app(create_app(settings, NoBridge())) as url:
        yield Api(url, settings)
    close_database()


def new_user(api: Api, address: str, role: str = "staff", token: str | None = None, **extra):
    body = {"email": address, "name": address.split("@")[0], "role": role, "password": PASSWORD}
    return api.call("POST", "/api/users", {**body, **extra}, token)


def test_an_admin_adds_a_user_who_logs_in_and_the_audit_names_the_admin(api):
    owner = add_user(api.glow, "owner@glow.test", "Owner", "admin", PASSWORD)
    admin = api.login("owner@glow.test")[2]["access_token"]

    status, _, created = new_user(api, "Desk.One@Glow.test", token=admin)
    assert status == 201, created
    assert created["email"] == "desk.one@glow.test" and created["role"] == "staff"
    assert created["active"] is True and "password_hash" not in created
    status, _, session = api.login("desk.one@glow.test")
    assert status == 200 and session["user"]["role"] == "staff"

    listed = api.call("GET", "/api/users", token=admin)[2]["items"]
    assert created in listed
    assert all("password" not in key for user in listed for key in user)
    entry = AuditLog.get(
        (AuditLog.action == "user.create") & (AuditLog.entity_id == str(created["id"]))
    )
    assert entry.actor == f"staff:{owner.id}"
    assert PASSWORD not in str(entry.data)
    events = DashboardEvent.select().where(DashboardEvent.type == "user.updated")
    assert {"user_id": created["id"]} in [e.data for e in events]


@pytest.mark.parametrize(
    "change",
    [
        {"password": "elevenchars"},  # one short of twelve
        {"password": 123456789012},
        {"role": "owner"},
        {"email": "not-an-address"},
        {"email": None},
        {"name": "   "},
        {"name": 5},
        {"password_hash": "scrypt$..."},
        {"active": False},  # a new account is active; PATCH deactivates
    ],
)
def test_bad_new_users_are_400_and_nothing_is_stored(api, change):
    before = StaffUser.select().count()
    status, _, body = new_user(api, "bad@glow.test", **change)
    assert status == 400 and body["error"]["code"] == "invalid", body
    assert StaffUser.select().count() == before


def test_a_missing_field_or_a_non_object_body_is_400(api):
    assert api.call("POST", "/api/users", {"email": "x@glow.test", "role": "staff"})[0] == 400
    assert api.call("POST", "/api/users", ["x@glow.test"])[0] == 400
    assert api.call("PATCH", "/api/users/1", {})[0] == 400


def test_an_email_already_staff_here_is_409_whatever_its_case(api):
    assert new_user(api, "twice@glow.test")[0] == 201
    status, _, body = new_user(api, "TWICE@glow.test", role="admin")
    assert status == 409 and body["error"]["code"] == "conflict"
    assert StaffUser.select().where(StaffUser.email == "twice@glow.test").count() == 1


@pytest.mark.parametrize("role", ["staff", "ops"])
def test_only_admins_touch_users(api, role):
    target = new_user(api, f"target-{role}@glow.test")[2]["id"]
    token = api.token(role=role)
    assert api.call("GET", "/api/users", token=token)[0] == 403
    assert new_user(api, f"sneaky-{role}@glow.test", token=token)[0] == 403
    assert api.call("PATCH", f"/api/users/{target}", {"role": "admin"}, token)[0] == 403
    assert api.call("DELETE", f"/api/users/{target}", token=token)[0] == 403
    assert StaffUser.get_by_id(target).role == "staff"
    assert not StaffUser.select().where(StaffUser.email.startswith("sneaky")).exists()


def test_another_clinics_admin_cannot_see_or_change_these_users(api):
    target = new_user(api, "mine@glow.test")[2]["id"]
    other = api.token(api.align)
    listed = api.call("GET", "/api/users", token=other)[2]["items"]
    assert target not in [u["id"] for u in listed]
    assert api.call("PATCH", f"/api/users/{target}", {"name": "Mallory"}, other)[0] == 404
    assert api.call("DELETE", f"/api/users/{target}", token=other)[0] == 404
    assert StaffUser.get_by_id(target).name == "mine" and StaffUser.get_by_id(target).active


def test_ids_that_are_not_rows_are_404(api):
    for path in ("/api/users/abc", "/api/users/1e3", "/api/users/" + "9" * 30):
        assert api.call("PATCH", path, {"name": "x"})[0] == 404, path
    assert api.call("DELETE", "/api/users/99999")[0] == 404


def test_a_deactivated_user_cannot_log_in_or_refresh(api):
    user = new_user(api, "leaving@glow.test")[2]
    session = api.login("leaving@glow.test")[2]
    status, _, gone = api.call("DELETE", f"/api/users/{user['id']}")
    assert status == 200 and gone["active"] is False

    assert api.login("leaving@glow.test")[0] == 401
    refresh = {"refresh_token": session["refresh_token"]}
    assert http("POST", api.url + "/api/auth/refresh", refresh)[0] == 401
    listed = api.call("GET", "/api/users")[2]["items"]
    assert next(u for u in listed if u["id"] == user["id"])["active"] is False

    back = api.call("PATCH", f"/api/users/{user['id']}", {"active": True})
    assert back[0] == 200 and api.login("leaving@glow.test")[0] == 200


def test_a_new_password_replaces_the_old_and_ends_sessions(api):
    user = new_user(api, "forgetful@glow.test")[2]
    session = api.login("forgetful@glow.test")[2]
    fresh = "  another long passphrase "
    assert api.call("PATCH", f"/api/users/{user['id']}", {"password": "too short"})[0] == 400
    status, _, changed = api.call("PATCH", f"/api/users/{user['id']}", {"password": fresh})
    assert status == 200 and "password" not in changed

    assert api.login("forgetful@glow.test")[0] == 401
    assert api.login("forgetful@glow.test", fresh)[0] == 200  # its spaces are part of it
    refresh = {"refresh_token": session["refresh_token"]}
    assert http("POST", api.url + "/api/auth/refresh", refresh)[0] == 401
    entry = AuditLog.select().where(AuditLog.action == "user.update").order_by(AuditLog.id.desc())
    assert entry.first().data == {"fields": ["password"]}


def test_a_changed_role_is_the_role_of_the_next_login(api):
    user = new_user(api, "promoted@glow.test")[2]
    status, _, changed = api.call("PATCH", f"/api/users/{user['id']}", {"role": "admin"})
    assert status == 200 and changed["role"] == "admin"
    token = api.login("promoted@glow.test")[2]["access_token"]
    assert api.call("GET", "/api/users", token=token)[0] == 200


def test_the_last_active_admin_cannot_demote_or_deactivate_themself(api):
    """Align's only admin: with nobody left to manage staff, the clinic would be stuck."""
    boss = add_user(api.align, "boss@align.test", "Boss", "admin", PASSWORD)
    token = api.login("boss@align.test")[2]["access_token"]
    me = f"/api/users/{boss.id}"

    for change in ({"role": "staff"}, {"active": False}):
        status, _, body = api.call("PATCH", me, change, token)
        assert status == 409 and "last active admin" in body["error"]["message"]
    assert api.call("DELETE", me, token=token)[0] == 409
    assert StaffUser.get_by_id(boss.id).role == "admin" and StaffUser.get_by_id(boss.id).active

    second = new_user(api, "deputy@align.test", role="admin", token=token)[2]
    assert api.call("PATCH", me, {"role": "staff"}, token)[0] == 200
    deputy = api.login("deputy@align.test")[2]["access_token"]
    assert api.call("DELETE", f"/api/users/{second['id']}", token=deputy)[0] == 409
