"""The dashboard page: served at ``/`` with a same-origin CSP, only its own files under
``/static/``, nothing else on disk reachable, and nothing in it that loads from elsewhere."""

from __future__ import annotations

import json
import re
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from gateway.routes.page import FILES, STATIC_DIR
from tests.helpers import http

pytestmark = pytest.mark.multiproc


def raw_get(url: str, path: str) -> tuple[int, dict, bytes]:
    """GET a path exactly as written (urllib would leave it alone too, but say so)."""
    where = urlsplit(url)
    connection = HTTPConnection(where.hostname, where.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_the_page_is_html_that_may_load_only_from_this_origin(shared_gateway):
    status, headers, body = http("GET", shared_gateway.url + "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    policy = {
        part.split()[0]: part.split()[1:] for part in headers["Content-Security-Policy"].split("; ")
    }
    for directive in ("default-src", "script-src", "style-src", "connect-src"):
        assert policy[directive] == ["'self'"], directive
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert '<script type="module" src="/static/app.js">' in body


def test_scripts_and_styles_are_served_with_their_types(shared_gateway):
    status, headers, body = http("GET", shared_gateway.url + "/static/app.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert "Content-Security-Policy" in headers and "import" in body
    status, headers, _ = http("GET", shared_gateway.url + "/static/style.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css")


def test_an_unchanged_file_is_a_304_to_a_revalidating_browser(shared_gateway):
    _, headers, _ = http("GET", shared_gateway.url + "/static/app.js")
    assert headers["Cache-Control"] == "no-cache"
    status, _, body = http(
        "GET", shared_gateway.url + "/static/app.js", headers={"If-None-Match": headers["ETag"]}
    )
    assert status == 304 and body == ""


@pytest.mark.parametrize("name", ["nothing.js", "index.htm", ".gitignore", "app.js.map"])
def test_an_unknown_static_file_is_the_json_404(shared_gateway, name):
    status, _, body = http("GET", f"{shared_gateway.url}/static/{name}")
    assert status == 404 and body["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "path",
    [
        "/static/../store/db.py",
        "/static/..%2Fstore%2Fdb.py",
        "/static/%2e%2e/%2e%2e/store/db.py",
        "/static/..%5Croutes%5Cpage.py",
        "/static/%2Fetc%2Fpasswd",
        "/static//etc/passwd",
    ],
)
def test_no_path_reaches_outside_the_pages_own_files(shared_gateway, path):
    status, _, body = raw_get(shared_gateway.url, path)
    assert status == 404, (path, body[:200])
    assert json.loads(body)["error"]["code"] == "not_found"
    assert b"import" not in body and b"root:" not in body


def test_every_page_file_is_served_and_nothing_loads_from_elsewhere():
    assert {"index.html", "app.js", "style.css"} <= set(FILES)
    referenced = set()
    for name in FILES:
        text = (STATIC_DIR / name).read_text()
        if name.endswith(".svg"):  # its xmlns is a name, not something fetched
            text = text.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert not re.search(r"(https?:)?//[\w.-]+\.[a-z]{2,}", text), name
        assert "@import" not in text and "url(" not in text, name
        if name.endswith(".js"):
            # Data is put in the page as text only: no markup is ever parsed from it.
            assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", text)
            referenced |= set(re.findall(r'from "\./([\w.]+)"', text))
    assert referenced <= set(FILES)  # every module an import names is one that is served
    assert all(Path(path).parent == STATIC_DIR for path, _ in FILES.values())
