"""The clinic's own settings and booking policies, as the desk reads and the admin edits them.

Every reader (the booking engine, reminders, deposits, the brain) reads the clinic row afresh,
so a changed policy applies from the next request; bookings already made keep the policy
they were made under where it matters (a deposit's refund terms are copied onto it).
"""

from __future__ import annotations

from store.db import write
from store.edits import Edited, Invalid, note
from store.models import Clinic
from store.schedule_admin import hours_of

TEXT_FIELDS = ("name", "phone", "timezone", "staff_phone", "email", "address", "instructions")
POLICY_FIELDS = (
    "voice",
    "min_notice_min",
    "horizon_days",
    "buffer_before_min",
    "buffer_after_min",
    "slot_step_min",
    "refund_window_h",
    "refund_percent",
    "deposit_hold_min",
    "currency",
    "reminder_hours_before",
    "retention_days",
    "quiet_hours_start",
    "quiet_hours_end",
    "second_reminder_hours",
    "follow_up_hours",
    "waitlist_hold_min",
    "review_url",
    "generic_reminders",
    "reminder_texts",
)


def clinic_view(clinic_id: int) -> dict:
    clinic = Clinic.get_by_id(clinic_id)
    fields = {name: getattr(clinic, name) for name in (*TEXT_FIELDS, *POLICY_FIELDS)}
    fields["reminder_texts"] = fields["reminder_texts"] or {}
    return {"id": clinic.id, **fields, "hours": hours_of(clinic_id)}


def update_clinic(clinic_id: int, actor: str, changes: dict) -> Edited:
    """Apply checked changes; the audit names every field and the new policy values."""
    with write():
        if "reminder_texts" in changes:  # merged: null for a kind puts its default back
            own = {
                **(Clinic.get_by_id(clinic_id).reminder_texts or {}),
                **changes["reminder_texts"],
            }
            changes = {**changes, "reminder_texts": {k: v for k, v in own.items() if v}}
        Clinic.update(**changes).where(Clinic.id == clinic_id).execute()
        clinic = Clinic.get_by_id(clinic_id)
        if clinic.quiet_hours_start == clinic.quiet_hours_end:  # rolls the change back
            raise Invalid("quiet hours must start and end at different times")
        policy = {k: v for k, v in changes.items() if k in POLICY_FIELDS or k == "timezone"}
        event = note(
            clinic_id,
            actor,
            "clinic.update",
            "clinic",
            clinic_id,
            {"fields": sorted(changes), "policy": policy},
        )
    return Edited(clinic_view(clinic_id), event)
