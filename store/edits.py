"""What every desk edit shares: why it refused, and the two traces it leaves when it writes.

A refusal is raised inside ``write()``, so the transaction rolls back and nothing is half
written; the REST API turns each kind into its answer. A change writes its audit entry and its
``<entity>.updated`` dashboard event in the same transaction as itself (``note``).
"""

from __future__ import annotations

from typing import NamedTuple

from peewee import Model

from store.audit import audit
from store.events import record_event
from store.models import DashboardEvent


class Refused(Exception):
    """An edit that was not made; the message is safe to show to staff."""


class NotFound(Refused):
    """The row is not this clinic's, or does not exist: the same answer either way."""


class Invalid(Refused):
    """The values do not fit the clinic's other rows (a provider of another clinic, say)."""


class Conflict(Refused):
    """The edit clashes with what is stored (a duplicate name, the last admin)."""


class Edited(NamedTuple):
    """What an edit returns: the row as the API shows it, and the event to push live."""

    value: dict
    event: DashboardEvent


def note(
    clinic_id: int, actor: str, action: str, entity: str, entity_id: int, data: dict
) -> DashboardEvent:
    """Audit the change and record ``<entity>.updated``; call inside ``write()`` with it."""
    audit(clinic_id, actor, action, entity, entity_id, data)
    return record_event(clinic_id, f"{entity}.updated", {f"{entity}_id": entity_id})


def owned(model: type[Model], clinic_id: int, row_id: int, what: str) -> Model:
    """The clinic's row with that id; another clinic's is as unknown as a missing one."""
    row = model.get_or_none((model.id == row_id) & (model.clinic == clinic_id))
    if row is None:
        raise NotFound(f"no such {what}")
    return row


def refuse_duplicate(
    model: type[Model], clinic_id: int, name: str, keep_id: int | None = None
) -> None:
    """Names differing only in case are the same name to a caller asking for them. Compared
    here, not in SQL: SQLite's LOWER folds ASCII only."""
    query = model.select(model.id, model.name).where(model.clinic == clinic_id)
    wanted = name.casefold()
    if any(row.name.casefold() == wanted and row.id != keep_id for row in query):
        raise Conflict(f"{model.__name__.lower()} {name!r} already exists")


def refuse_foreign(model: type[Model], clinic_id: int, ids: list[int], what: str) -> None:
    """Every id must be one of this clinic's rows (a link across clinics is never made)."""
    if not ids:
        return
    found = {
        r.id for r in model.select(model.id).where(model.id.in_(ids), model.clinic == clinic_id)
    }
    strangers = sorted(set(ids) - found)
    if strangers:
        named = ", ".join(map(str, strangers[:5])) + (" ..." if len(strangers) > 5 else "")
        raise Invalid(f"no {what} {named} at this clinic")
