"""Prometheus metrics of the gateway process, in one registry the app owns."""

from __future__ import annotations

import time

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "vrai_http_requests_total",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "vrai_http_request_seconds",
            "HTTP request latency by route",
            ["route"],
            registry=self.registry,
        )
        self.sse_clients = Gauge(
            "vrai_sse_clients", "connected dashboard event streams", registry=self.registry
        )
        self.turn_latency = Histogram(
            "vrai_call_turn_latency_seconds",
            "caller stopped speaking -> first assistant audio byte sent",
            buckets=(0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0, 5.0),
            registry=self.registry,
        )
        self.webhooks = Counter(
            "vrai_webhooks_total",
            "webhooks by source and outcome",
            ["source", "outcome"],
            registry=self.registry,
        )


def make_metrics_middleware(metrics: Metrics):
    @web.middleware
    async def measure(request: web.Request, handler):
        started = time.perf_counter()
        route = request.match_info.route.resource
        name = route.canonical if route is not None else "unmatched"
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as error:
            status = error.status
            raise
        finally:
            metrics.requests.labels(request.method, name, str(status)).inc()
            metrics.latency.labels(name).observe(time.perf_counter() - started)

    return measure
