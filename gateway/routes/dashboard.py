"""What clinic staff see and do, gathered for the app: each part lives in its own module."""

from __future__ import annotations

from gateway.routes import appointments, calls, customers, records, threads

routes = [
    *threads.routes,
    *appointments.routes,
    *customers.routes,
    *calls.routes,
    *records.routes,
]
