"""Customers: recognise returning ones by phone, remember names, audit every change."""

from __future__ import annotations

from actors.messages import Category, FindCustomer, SaveCustomer
from actors.services.base import ServiceActor
from store.customers import customer_dict, find_customer, save_customer
from store.db import write
from store.events import record_event
from store.phones import e164


def valid_e164(phone: str) -> bool:
    return e164(phone) is not None and phone.startswith("+")


class CrmActor(ServiceActor):
    def receiveMsg_FindCustomer(self, message: FindCustomer, sender) -> None:
        customer = find_customer(message.clinic_id, message.phone)
        self.ok(sender, message, customer_dict(customer) if customer else None)

    def receiveMsg_SaveCustomer(self, message: SaveCustomer, sender) -> None:
        if not valid_e164(message.phone):
            self.fail(
                sender, message, Category.INVALID, "phone must be an E.164 number like +15555550123"
            )
            return
        with write():
            customer, created = save_customer(
                message.clinic_id, message.phone, message.name, message.email, message.actor
            )
            event = record_event(
                message.clinic_id,
                "customer.created" if created else "customer.updated",
                {"customer_id": customer.id},
            )
        self.push(event)
        self.ok(sender, message, customer_dict(customer))
