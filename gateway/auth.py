"""API authentication: HS256 JWTs (algorithm pinned, ``exp`` required) with a role and a clinic.

Every ``/api`` route requires a token, from ``Authorization: Bearer`` or, for EventSource
clients that cannot set headers, ``?token=``. Missing, malformed, expired or wrongly signed
tokens (including ``alg: none``) are 401; a role the route does not allow, or a request that
names another clinic than the token's, is 403. Each route declares its roles with ``@roles``.
"""

from __future__ import annotations

import time
import uuid

import jwt
from aiohttp import web

from gateway import keys
from gateway.dbio import run_db
from gateway.errors import ApiError
from store.models import ROLES, StaffUser

ALGORITHM = "HS256"
PUBLIC_API_PATHS = {
    "/api/openapi.json",
    "/api/auth/login",  # these three carry their own credentials
    "/api/auth/refresh",
    "/api/auth/logout",
}


def make_token(
    secret: str, clinic_id: int, role: str, ttl_s: int = 3600, user_id: int | None = None
) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if ttl_s <= 0:
        raise ValueError("ttl must be positive")
    now = int(time.time())
    claims = {
        "clinic": clinic_id,
        "role": role,
        "iat": now,
        "exp": now + ttl_s,
        "jti": uuid.uuid4().hex,
    }
    if user_id is not None:  # a staff member's login; script tokens name no one
        claims["sub"] = str(user_id)
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_token(secret: str, token: str) -> dict:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "clinic", "role"]},
        )
    except jwt.ExpiredSignatureError:
        raise _unauthorized("token expired") from None
    except jwt.InvalidTokenError:
        raise _unauthorized("invalid token") from None
    if claims["role"] not in ROLES or not isinstance(claims["clinic"], int):
        raise _unauthorized("invalid token claims")
    return claims


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, {"WWW-Authenticate": 'Bearer realm="vrai"'})


def _login_still_holds(claims: dict) -> bool:
    """A staff login's token is only as good as the user behind it: deactivated, moved to
    another role, or gone, and it stops working at once rather than when it expires."""
    sub = claims["sub"]
    if not (isinstance(sub, str) and sub.isascii() and sub.isdigit() and len(sub) < 19):
        return False
    return (
        StaffUser.select(StaffUser.id)
        .where(
            (StaffUser.id == int(sub))
            & (StaffUser.clinic == claims["clinic"])
            & (StaffUser.role == claims["role"])
            & StaffUser.active
        )
        .exists()
    )


def roles(*allowed: str):
    """Declare which roles may call a route (checked by the auth middleware)."""

    def mark(handler):
        handler.allowed_roles = frozenset(allowed)
        return handler

    return mark


def actor_of(request: web.Request) -> str:
    """Who is asking, for the audit log: the staff user, or the role of a script token."""
    claims = request[keys.CLAIMS]
    if claims.get("sub"):
        return f"staff:{claims['sub']}"
    return f"token:{claims['role']}"


def token_from(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.query.get("token") or None


def make_auth_middleware(secret: str, clinic_exists):
    """``clinic_exists(clinic_id) -> bool`` is awaited so a token for a deleted clinic fails."""

    @web.middleware
    async def auth(request: web.Request, handler):
        if not request.path.startswith("/api/") or request.path in PUBLIC_API_PATHS:
            return await handler(request)
        token = token_from(request)
        if token is None:
            raise _unauthorized("missing bearer token")
        claims = decode_token(secret, token)
        if not await clinic_exists(claims["clinic"]):
            raise ApiError(403, "forbidden", "the token's clinic does not exist")
        if "sub" in claims and not await run_db(_login_still_holds, claims):
            raise _unauthorized("the login behind this token was deactivated or changed")
        named = request.query.get("clinic") or request.headers.get("X-Clinic-Id")
        if named is not None and named != str(claims["clinic"]):
            raise ApiError(403, "forbidden", "the token is not for that clinic")
        target = getattr(request.match_info.handler, "allowed_roles", None)
        if target is not None and claims["role"] not in target:
            raise ApiError(403, "forbidden", f"role {claims['role']!r} may not do this")
        request[keys.CLAIMS] = claims
        request[keys.CLINIC_ID] = claims["clinic"]
        return await handler(request)

    return auth
