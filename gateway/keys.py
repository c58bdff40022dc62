"""Typed application keys: what the app carries for its handlers."""

from __future__ import annotations

from typing import Any

from aiohttp import web

SETTINGS = web.AppKey("settings", Any)
METRICS = web.AppKey("metrics", Any)
HUB = web.AppKey("hub", Any)
BRIDGE = web.AppKey("bridge", Any)
OPENAPI = web.AppKey("openapi", dict)

REQUEST_ID = web.RequestKey("request_id", str)
CLAIMS = web.RequestKey("claims", dict)
CLINIC_ID = web.RequestKey("clinic_id", int)
