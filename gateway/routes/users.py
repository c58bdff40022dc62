"""``/api/users``: the clinic's staff accounts, managed by its admins only.

Passwords go in and never come out (not even as a hash). Deactivating an account or
resetting its password ends its sessions; the clinic's last active admin cannot be demoted
or deactivated (409), so somebody can always manage the staff.
"""

from __future__ import annotations

from aiohttp import web

from gateway import keys
from gateway.auth import actor_of, roles
from gateway.routes.editing import (
    PAGE_QUERY,
    Bool,
    Choice,
    Fields,
    Text,
    edit,
    email_address,
    page,
    read_fields,
    record_id,
    stored,
)
from gateway.schemas import BOOLEAN, INSTANT, INTEGER, STRING, enum, items, obj, schema
from store import users_admin
from store.models import ROLES
from store.passwords import MIN_LENGTH

routes = web.RouteTableDef()

MIN_PASSWORD = MIN_LENGTH  # the one rule, in store/passwords.py

RULES = {
    "email": Text(254, blank_ok=False, check=email_address, fmt="email"),
    "name": Text(120, blank_ok=False),
    "role": Choice(ROLES),
    # checked as sent: a password's spaces are part of it
    "password": Text(1024, blank_ok=False, min_len=MIN_PASSWORD, strip=False),
    "active": Bool(),
}
NEW_USER = Fields(
    {k: v for k, v in RULES.items() if k != "active"},
    required=("email", "name", "role", "password"),
)
USER_CHANGES = Fields({k: v for k, v in RULES.items() if k != "email"}, nonempty=True)
USER = obj(
    {
        "id": INTEGER,
        "email": STRING,
        "name": STRING,
        "role": enum(ROLES),
        "active": BOOLEAN,
        "created_at": INSTANT,
    }
)
ADMIN = "admin"


@routes.get("/api/users")
@roles(ADMIN)
@schema(response=items(USER), query=PAGE_QUERY)
async def list_users(request: web.Request) -> web.Response:
    """The clinic's staff accounts, active or not (never their passwords)."""
    found = await stored(users_admin.list_users, request[keys.CLINIC_ID], *page(request))
    return web.json_response({"items": found})


@routes.post("/api/users")
@roles(ADMIN)
@schema(request=NEW_USER.schema, response=USER, status=201)
async def add_user(request: web.Request) -> web.Response:
    """Add a staff account that can log in (409 when the email is already staff here)."""
    body = await read_fields(request, NEW_USER)
    created = await edit(
        request,
        users_admin.create_user,
        request[keys.CLINIC_ID],
        actor_of(request),
        body["email"],
        body["name"],
        body["role"],
        body["password"],
    )
    return web.json_response(created, status=201)


@routes.patch("/api/users/{id}")
@roles(ADMIN)
@schema(request=USER_CHANGES.schema, response=USER)
async def update_user(request: web.Request) -> web.Response:
    """Rename, change role, (re)activate, or set a new ``password`` (which logs them out)."""
    user_id = record_id(request)
    changes = await read_fields(request, USER_CHANGES)
    updated = await edit(
        request,
        users_admin.update_user,
        request[keys.CLINIC_ID],
        actor_of(request),
        user_id,
        changes,
    )
    return web.json_response(updated)


@routes.delete("/api/users/{id}")
@roles(ADMIN)
@schema(response=USER)
async def deactivate_user(request: web.Request) -> web.Response:
    """Deactivate an account: it cannot log in, and its sessions are ended."""
    removed = await edit(
        request,
        users_admin.deactivate_user,
        request[keys.CLINIC_ID],
        actor_of(request),
        record_id(request),
    )
    return web.json_response(removed)
