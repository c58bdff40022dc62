"""The staff dashboard at ``/``: one static page (HTML, CSS and JavaScript modules), no build step.

What can be served is decided once, when this module is imported: the regular files of
``gateway/static`` whose suffix has a known type. A request names a file of that list or gets
the JSON 404 every other route answers; no part of a URL is ever joined to a path, so nothing
outside the folder (nor a symlink in it) can be reached. The Content-Security-Policy keeps the
page to this origin: no script, style, font or connection from anywhere else can load, and
inline scripts and styles are refused, so the page's own code never builds markup from data.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from aiohttp import web

from gateway.errors import ApiError
from gateway.schemas import STRING, schema

routes = web.RouteTableDef()

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-cache",  # revalidated each time (ETag): a new release shows at once
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _servable(folder: Path) -> dict[str, tuple[Path, str]]:
    return {
        path.name: (path, CONTENT_TYPES[path.suffix])
        for path in sorted(folder.iterdir())
        if path.suffix in CONTENT_TYPES and path.is_file() and not path.is_symlink()
    }


FILES = _servable(STATIC_DIR)


def _file_response(request: web.Request, name: str) -> web.Response:
    path, content_type = FILES[name]
    body = path.read_bytes()  # a few kilobytes, read each time so an edit shows on reload
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {**HEADERS, "ETag": etag}
    if etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(body=body, headers={**headers, "Content-Type": content_type})


@routes.get("/")
@schema(response=STRING, media_type="text/html")
async def dashboard_page(request: web.Request) -> web.Response:
    """The staff dashboard: log in, then the day's appointments, texts, calls and more, live."""
    return _file_response(request, "index.html")


@routes.get("/static/{name}")
@schema(response=STRING, media_type="text/plain")
async def static_file(request: web.Request) -> web.Response:
    """One of the dashboard's own files (its scripts, style sheet and icon); others are 404."""
    name = request.match_info["name"]
    if name not in FILES or name == "index.html":
        raise ApiError(404, "not_found", f"no route for {request.path}")
    return _file_response(request, name)
