"""A clinic's own rows as prepared statements (store/prepared.py), shared by every reader.

The booking engine, the availability calendar and the brain's view of a clinic all read the
clinic, its active services and providers, who offers what and the working hours, on every
booking request and every view refresh: their SQL is built once.
"""

from __future__ import annotations

from store.models import Clinic, Provider, ProviderService, Service, WorkingHours
from store.prepared import Param, Select

CLINIC = Select(lambda: Clinic.select().where(Clinic.id == Param("id")))
ACTIVE_SERVICES = Select(
    lambda: Service.select().where((Service.clinic == Param("clinic")) & Service.active)
)
ACTIVE_PROVIDERS = Select(
    lambda: Provider.select().where((Provider.clinic == Param("clinic")) & Provider.active)
)
PROVIDER = Select(lambda: Provider.select().where(Provider.id == Param("id")))
OFFERS = Select(lambda: ProviderService.select().where(ProviderService.clinic == Param("clinic")))
WORKING_HOURS = Select(lambda: WorkingHours.select().where(WorkingHours.clinic == Param("clinic")))
OPENING_HOURS = Select(  # the clinic's own, not a provider's
    lambda: (
        WorkingHours.select()
        .where((WorkingHours.clinic == Param("clinic")) & WorkingHours.provider.is_null())
        .order_by(WorkingHours.weekday, WorkingHours.start)
    )
)
