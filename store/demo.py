"""The fixed demo data (docs/ARCHITECTURE.md, "Demo data"): two clinics tests and docs rely on.

Knowledge-base documents are seeded separately by the kb package (it owns chunking and
embedding); this module creates the clinics, their services, providers, hours and policies.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.db import write
from store.models import Clinic, Provider, ProviderService, Resource, Service, WorkingHours

GLOW_PHONE = "+15550100001"
ALIGN_PHONE = "+15550100002"


@dataclass(frozen=True)
class DemoService:
    name: str
    duration_min: int
    price_cents: int
    deposit_cents: int = 0
    synonyms: str = ""
    description: str = ""
    resource_kind: str | None = None


# (weekday, start, end); 0 = Monday
GLOW_HOURS = [(d, "09:00", "18:00") for d in (1, 2, 3, 4, 5)]
ALIGN_HOURS = [(d, "08:00", "17:00") for d in (0, 1, 2, 3, 4)] + [(5, "09:00", "12:00")]

# What customers call the demo providers (editable like any clinic's, via /api/providers).
NICKNAMES = {
    "Dr. Maya Patel": "Dr. Patel,Dr. Maya,Maya",
    "Jess Kim": "Jess,Jessica",
    "Dr. Ben Ortiz": "Dr. Ben,Ben,Dr. Ortiz",
    "Dr. Ana Lee": "Dr. Ana,Ana,Dr. Lee",
}

DEMO = [
    {
        "clinic": dict(
            name="Glow Med Spa",
            phone=GLOW_PHONE,
            timezone="America/Los_Angeles",
            staff_phone="+15550100091",
            email="hello@glowmedspa.example",
            address="1200 Ocean Park Blvd, Santa Monica, CA 90405",
            min_notice_min=120,
            horizon_days=60,
            buffer_after_min=10,
            refund_window_h=24,
        ),
        "hours": GLOW_HOURS,
        "resources": [("Laser Room", "laser")],
        "services": [
            DemoService(
                "Botox",
                30,
                30000,
                5000,
                "botox,tox,wrinkle relaxer,neurotoxin,dysport",
                "Wrinkle-relaxing injections for forehead lines, frown lines and crow's feet.",
            ),
            DemoService(
                "HydraFacial",
                60,
                19900,
                0,
                "facial,hydra facial,hydrafacial,hydro facial",
                "A deep-cleansing, exfoliating and hydrating facial.",
            ),
            DemoService(
                "Chemical Peel",
                45,
                15000,
                0,
                "peel,chem peel,chemical peel,acid peel",
                "A medical-grade peel for tone, texture and acne scarring.",
            ),
            DemoService(
                "Laser Hair Removal",
                30,
                12500,
                0,
                "laser,hair removal,laser hair",
                "Laser hair reduction for face and body.",
                "laser",
            ),
            DemoService(
                "Consultation",
                15,
                0,
                0,
                "consult,consultation,free consult,assessment",
                "A free 15-minute consultation to plan treatments.",
            ),
        ],
        "providers": [
            ("Dr. Maya Patel", "MD", None, GLOW_HOURS),
            (
                "Jess Kim",
                "Licensed Esthetician",
                ("HydraFacial", "Chemical Peel"),
                [(d, "09:00", "12:00") for d in (1, 2, 3, 4, 5)]
                + [(d, "13:00", "18:00") for d in (1, 2, 3, 4, 5)],
            ),
        ],
    },
    {
        "clinic": dict(
            name="Align Chiropractic",
            phone=ALIGN_PHONE,
            timezone="America/Chicago",
            staff_phone="+15550100092",
            email="frontdesk@alignchiro.example",
            address="455 W Division St, Chicago, IL 60610",
            min_notice_min=60,
            horizon_days=30,
            refund_window_h=24,
        ),
        "hours": ALIGN_HOURS,
        "resources": [],
        "services": [
            DemoService(
                "New Patient Exam",
                60,
                9500,
                2500,
                "new patient,first visit,exam,evaluation",
                "A first visit: history, exam and, if appropriate, a first adjustment.",
            ),
            DemoService(
                "Adjustment",
                20,
                5500,
                0,
                "adjustment,adjust,crack,alignment,chiropractic",
                "A chiropractic adjustment for established patients.",
            ),
            DemoService(
                "Massage Therapy",
                60,
                8500,
                0,
                "massage,massage therapy,deep tissue,soft tissue",
                "A 60-minute therapeutic massage.",
            ),
        ],
        "providers": [
            ("Dr. Ben Ortiz", "DC", None, ALIGN_HOURS),
            ("Dr. Ana Lee", "DC", None, ALIGN_HOURS),
        ],
    },
]


def seed_demo_clinics() -> list[Clinic]:
    """Create the demo clinics that do not exist yet (idempotent); returns the ones created."""
    created = []
    with write():
        for spec in DEMO:
            if Clinic.get_or_none(Clinic.phone == spec["clinic"]["phone"]):
                continue
            clinic = Clinic.create(**spec["clinic"])
            for weekday, start, end in spec["hours"]:
                WorkingHours.create(clinic=clinic, weekday=weekday, start=start, end=end)
            for name, kind in spec["resources"]:
                Resource.create(clinic=clinic, name=name, kind=kind)
            services = {}
            for s in spec["services"]:
                services[s.name] = Service.create(
                    clinic=clinic,
                    name=s.name,
                    duration_min=s.duration_min,
                    price_cents=s.price_cents,
                    deposit_cents=s.deposit_cents,
                    synonyms=s.synonyms,
                    description=s.description,
                    resource_kind=s.resource_kind,
                )
            for name, title, offers, hours in spec["providers"]:
                provider = Provider.create(
                    clinic=clinic, name=name, title=title, nicknames=NICKNAMES.get(name, "")
                )
                for service_name in offers or services:
                    ProviderService.create(
                        clinic=clinic, provider=provider, service=services[service_name]
                    )
                for weekday, start, end in hours:
                    WorkingHours.create(
                        clinic=clinic, provider=provider, weekday=weekday, start=start, end=end
                    )
            created.append(clinic)
    return created


def seed_demo_users() -> list[tuple[str, str, str, str]]:
    """An admin, a desk and an ops user for each demo clinic that has no staff yet, each with a
    fresh random password; returns (clinic, email, role, password) for the one time they are shown.
    Apart from the clinics: hashing a password is deliberately slow, and tests seed often."""
    import secrets

    from store.accounts import add_user
    from store.models import StaffUser

    made = []
    for spec in DEMO:
        clinic = Clinic.get_or_none(Clinic.phone == spec["clinic"]["phone"])
        if clinic is None or StaffUser.select().where(StaffUser.clinic == clinic).exists():
            continue
        domain = spec["clinic"]["email"].split("@")[1]
        for role, who in (("admin", "owner"), ("staff", "desk"), ("ops", "ops")):
            password = secrets.token_urlsafe(12)
            add_user(clinic.id, f"{who}@{domain}", f"{clinic.name} {who}", role, password)
            made.append((clinic.name, f"{who}@{domain}", role, password))
    return made
