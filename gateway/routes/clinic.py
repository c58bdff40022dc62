"""Placeholder: filled in by the dashboard work (issue 14)."""

from __future__ import annotations

from aiohttp import web

routes = web.RouteTableDef()
