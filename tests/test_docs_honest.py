"""Docs that cannot drift: every route is in the OpenAPI document, every setting in the README."""

from __future__ import annotations

from pathlib import Path

from gateway.app import create_app
from store.settings import ENVIRONMENT
from tests.helpers import http, serve_app
from tests.test_gateway_errors import NoBridge

ROOT = Path(__file__).resolve().parents[1]


def test_every_route_is_in_the_openapi_document(settings, database):
    app = create_app(settings, NoBridge())
    with serve_app(app) as url:
        status, _, spec = http("GET", url + "/api/openapi.json")
    assert status == 200
    routes = {
        (r.method.lower(), r.resource.canonical)
        for r in app.router.routes()
        if r.method not in ("HEAD", "*")
    }
    documented = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    assert routes == documented
    assert spec["paths"]["/api/ops/actors"]["get"]["security"] == [{"bearer": []}]


def test_every_route_has_a_docstring_summary(settings, database):
    app = create_app(settings, NoBridge())
    missing = [r.resource.canonical for r in app.router.routes() if not r.handler.__doc__]
    assert missing == []


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in ENVIRONMENT if f"`{name}`" not in readme]
    assert missing == []
