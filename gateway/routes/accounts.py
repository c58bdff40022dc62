"""``/api/auth``: staff log in with email and password, refresh, and log out.

An access token lives 15 minutes; the refresh token (14 days, used once, rotated) gets the
next one. Failed logins are limited per account and per address (429 with Retry-After).
Passwords are never logged; neither are emails.
"""

from __future__ import annotations

from aiohttp import web

from gateway import keys
from gateway.auth import make_token
from gateway.dbio import run_db
from gateway.errors import ApiError, read_json
from gateway.schemas import INTEGER, STRING, enum, obj, schema
from store.accounts import AccountError, AmbiguousEmail, login, logout, rotate
from store.models import ROLES

routes = web.RouteTableDef()

ACCESS_TTL_S = 15 * 60
LIMITS = web.AppKey("login_limits", object)
EMAIL_CHARS, PASSWORD_CHARS, REFRESH_TOKEN_CHARS = 320, 1024, 200


def _bounded(limit: int) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": limit}


LOGIN = obj(
    {"email": _bounded(EMAIL_CHARS), "password": _bounded(PASSWORD_CHARS)},
    {"clinic": INTEGER},
)
REFRESH_TOKEN = obj({"refresh_token": _bounded(REFRESH_TOKEN_CHARS)})
TOKENS = obj(
    {
        "access_token": STRING,
        "token_type": enum(("Bearer",)),
        "expires_in": INTEGER,
        "refresh_token": STRING,
        "user": obj({"id": INTEGER, "name": STRING, "role": enum(ROLES), "clinic": INTEGER}),
    }
)


def _text(body: dict, name: str, limit: int = EMAIL_CHARS) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ApiError(400, "invalid", f"{name} is required (a string of at most {limit})")
    return value


def _tokens(request: web.Request, user, refresh_token: str) -> web.Response:
    secret = request.app[keys.SETTINGS].jwt_secret
    access = make_token(secret, user.clinic_id, user.role, ACCESS_TTL_S, user_id=user.id)
    return web.json_response(
        {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ACCESS_TTL_S,
            "refresh_token": refresh_token,
            "user": {"id": user.id, "name": user.name, "role": user.role, "clinic": user.clinic_id},
        }
    )


@routes.post("/api/auth/login")
@schema(request=LOGIN, response=TOKENS)
async def log_in(request: web.Request) -> web.Response:
    """Email and password (and ``clinic`` when the email is staff at several): tokens."""
    body = await read_json(request)
    email, password = _text(body, "email").strip().lower(), _text(body, "password", PASSWORD_CHARS)
    clinic = body.get("clinic")
    if clinic is not None and type(clinic) is not int:
        raise ApiError(400, "invalid", "clinic must be a clinic id")
    limits = request.app[LIMITS]
    keys_ = (f"account:{email}", f"address:{request.remote}")
    wait = limits.retry_after(*keys_)
    if wait:
        raise ApiError(
            429,
            "rate_limited",
            "too many failed logins: try again later",
            {"Retry-After": str(wait)},
        )
    try:
        user, refresh_token = await run_db(login, email, password, clinic)
    except AmbiguousEmail as error:
        raise ApiError(400, "clinic_required", str(error)) from None
    except AccountError as error:
        limits.failed(*keys_)
        raise ApiError(401, "unauthorized", str(error)) from None
    limits.succeeded(keys_[0])
    return _tokens(request, user, refresh_token)


@routes.post("/api/auth/refresh")
@schema(request=REFRESH_TOKEN, response=TOKENS)
async def refresh(request: web.Request) -> web.Response:
    """A refresh token for a new access token and the next refresh token (rotated)."""
    token = _text(await read_json(request), "refresh_token", REFRESH_TOKEN_CHARS)
    try:
        user, next_token = await run_db(rotate, token)
    except AccountError as error:
        raise ApiError(401, "unauthorized", str(error)) from None
    return _tokens(request, user, next_token)


@routes.post("/api/auth/logout")
@schema(request=REFRESH_TOKEN, response=obj({"status": enum(("logged_out",))}))
async def log_out(request: web.Request) -> web.Response:
    """End the session the refresh token belongs to (every token of its family)."""
    token = _text(await read_json(request), "refresh_token", REFRESH_TOKEN_CHARS)
    await run_db(logout, token)
    return web.json_response({"status": "logged_out"})
