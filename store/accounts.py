"""Staff accounts: who may log in, and the refresh tokens that keep them logged in.

Refresh tokens are random, kept only as a SHA-256, and used once: a refresh marks the token
used and issues the next of its family; presenting a used token again means someone else has
it, so the whole family is revoked (the owner logs in again). Logout revokes the family.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from store.db import write
from store.fields import utcnow
from store.models import ROLES, RefreshToken, StaffUser
from store.passwords import hash_password, verify_password

REFRESH_TTL = timedelta(days=14)


@functools.cache
def _dummy_hash() -> str:
    """Checked against for an unknown email, so it costs what a wrong password costs (made on
    first use: a deliberate slow hash has no place in every process's start-up)."""
    return hash_password("not-a-real-password-at-all")


class AccountError(Exception):
    """A login or refresh refused; the message is safe to show."""


class AmbiguousEmail(AccountError):
    """The email belongs to staff of more than one clinic: the login must name the clinic."""


def add_user(clinic_id: int, email: str, name: str, role: str, password: str) -> StaffUser:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    email = email.strip().lower()
    if "@" not in email:
        raise ValueError("an email address is needed")
    hashed = hash_password(password)
    with write():
        return StaffUser.create(
            clinic=clinic_id, email=email, name=name or email, role=role, password_hash=hashed
        )


def authenticate(email: str, password: str, clinic_id: int | None = None) -> StaffUser:
    query = StaffUser.select().where(
        (StaffUser.email == email.strip().lower()) & (StaffUser.active == True)  # noqa: E712
    )
    if clinic_id is not None:
        query = query.where(StaffUser.clinic == clinic_id)
    users = list(query)
    if len(users) > 1:
        raise AmbiguousEmail("that email is staff at more than one clinic: name the clinic")
    user = users[0] if users else None
    if not verify_password(password, user.password_hash if user else _dummy_hash()) or not user:
        raise AccountError("wrong email or password")
    return user


def issue_refresh(user: StaffUser, family: str | None = None, now: datetime | None = None) -> str:
    """Inside or outside a transaction: a new refresh token for the user (a new family unless
    it continues one)."""
    token = secrets.token_urlsafe(32)
    RefreshToken.create(
        clinic=user.clinic_id,
        user=user,
        family=family or uuid.uuid4().hex,
        token_hash=_hash(token),
        expires_at=(now or utcnow()) + REFRESH_TTL,
    )
    return token


def login(email: str, password: str, clinic_id: int | None = None) -> tuple[StaffUser, str]:
    user = authenticate(email, password, clinic_id)
    with write():
        return user, issue_refresh(user)


def rotate(token: str, now: datetime | None = None) -> tuple[StaffUser, str]:
    """The token's user and the next token of its family; a reused token revokes the family
    (committed before the refusal, so the thief's copy is dead too)."""
    now = now or utcnow()
    with write():
        row = RefreshToken.get_or_none(RefreshToken.token_hash == _hash(token))
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            refused = "refresh token not valid: log in again"
        elif row.used_at is not None:
            _revoke_family(row.family, now)
            refused = "refresh token used twice: every session of it is ended"
        elif not row.user.active:
            refused = "account disabled"
        else:
            row.used_at = now
            row.save()
            return row.user, issue_refresh(row.user, row.family, now)
    raise AccountError(refused)


def logout(token: str, now: datetime | None = None) -> None:
    with write():
        row = RefreshToken.get_or_none(RefreshToken.token_hash == _hash(token))
        if row is not None:
            _revoke_family(row.family, now or utcnow())


def _revoke_family(family: str, now: datetime) -> None:
    RefreshToken.update(revoked_at=now).where(
        (RefreshToken.family == family) & RefreshToken.revoked_at.is_null()
    ).execute()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
