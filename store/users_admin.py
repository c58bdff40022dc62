"""The clinic's staff accounts as its admin manages them.

Accounts are deactivated, never deleted (the audit log names them). Deactivating one, or
resetting its password, ends its sessions: every refresh token it holds is revoked, so it can
neither log in nor refresh (an access token already issued lives out its 15 minutes). A
clinic never loses its last active admin: nobody could manage its staff any more.
"""

from __future__ import annotations

from store.accounts import add_user
from store.db import write
from store.edits import Conflict, Edited, note, owned
from store.fields import utcnow
from store.models import RefreshToken, StaffUser
from store.passwords import hash_password


def user_dict(user: StaffUser) -> dict:
    """Never the password hash."""
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "active": user.active,
        "created_at": user.created_at.isoformat(),
    }


def list_users(clinic_id: int, limit: int, offset: int) -> list[dict]:
    rows = (
        StaffUser.select()
        .where(StaffUser.clinic == clinic_id)
        .order_by(StaffUser.email)
        .limit(limit)
        .offset(offset)
    )
    return [user_dict(u) for u in rows]


def create_user(
    clinic_id: int, actor: str, email: str, name: str, role: str, password: str
) -> Edited:
    """``email`` already lower-cased. The hash is made inside the transaction (``add_user``
    owns how an account is made); adding staff is rare enough for its 50 ms."""
    with write():
        if StaffUser.get_or_none((StaffUser.clinic == clinic_id) & (StaffUser.email == email)):
            raise Conflict(f"{email} is already staff here")
        user = add_user(clinic_id, email, name, role, password)
        event = note(
            clinic_id, actor, "user.create", "user", user.id, {"fields": ["email", "name", "role"]}
        )
        return Edited(user_dict(user), event)


def _keep_an_admin(clinic_id: int, user: StaffUser, role: str, active: bool) -> None:
    if user.role != "admin" or not user.active or (role == "admin" and active):
        return
    others = StaffUser.select().where(
        (StaffUser.clinic == clinic_id)
        & (StaffUser.role == "admin")
        & StaffUser.active
        & (StaffUser.id != user.id)
    )
    if not others.exists():
        raise Conflict("this is the clinic's last active admin: make another admin first")


def _end_sessions(user: StaffUser) -> None:
    RefreshToken.update(revoked_at=utcnow()).where(
        (RefreshToken.user == user) & RefreshToken.revoked_at.is_null()
    ).execute()


def update_user(clinic_id: int, actor: str, user_id: int, changes: dict) -> Edited:
    """Name, role, active, or a new ``password`` (hashed before the transaction opens)."""
    changes = dict(changes)
    hashed = hash_password(changes.pop("password")) if "password" in changes else None
    with write():
        user = owned(StaffUser, clinic_id, user_id, "user")
        _keep_an_admin(
            clinic_id, user, changes.get("role", user.role), changes.get("active", user.active)
        )
        for name, value in changes.items():
            setattr(user, name, value)
        if hashed is not None:
            user.password_hash = hashed
        user.save()
        if hashed is not None or not user.active:
            _end_sessions(user)
        fields = sorted([*changes, *(["password"] if hashed else [])])
        data = {"fields": fields, **({"role": user.role} if "role" in changes else {})}
        event = note(clinic_id, actor, "user.update", "user", user.id, data)
        return Edited(user_dict(user), event)


def deactivate_user(clinic_id: int, actor: str, user_id: int) -> Edited:
    with write():
        user = owned(StaffUser, clinic_id, user_id, "user")
        _keep_an_admin(clinic_id, user, user.role, False)
        user.active = False
        user.save()
        _end_sessions(user)
        event = note(clinic_id, actor, "user.deactivate", "user", user.id, {"fields": ["active"]})
        return Edited(user_dict(user), event)
