"""One JSON error shape for everything that goes wrong, and request ids on every answer."""

from __future__ import annotations

import concurrent.futures

from aiohttp import web

from gateway.app import create_app
from gateway.calls import CALLS
from gateway.errors import ApiError, read_json
from tests.helpers import http, serve_app


class NoBridge:
    """The app without an actor system: enough for routes that never ask an actor."""

    def start_listener(self, loop, deliver):
        pass

    def close(self):
        pass


def app_with_extra_routes(settings):
    app = create_app(settings, NoBridge())

    async def boom(request):
        raise RuntimeError("a bug")

    async def echo(request):
        return web.json_response(await read_json(request))

    async def conflict(request):
        raise ApiError(409, "conflict", "that slot was just taken")

    app.router.add_get("/test/boom", boom)
    app.router.add_post("/test/echo", echo)
    app.router.add_get("/test/conflict", conflict)
    return app


def test_unexpected_exception_is_a_json_500_with_request_id(settings, database):
    with serve_app(app_with_extra_routes(settings)) as url:
        status, headers, body = http("GET", url + "/test/boom")
    assert status == 500
    assert body["error"]["code"] == "internal"
    assert "a bug" not in body["error"]["message"]  # internals are logged, not shown
    assert headers["X-Request-ID"]


def test_unknown_route_and_wrong_method_are_json(settings, database):
    with serve_app(app_with_extra_routes(settings)) as url:
        assert http("GET", url + "/nope")[2]["error"]["code"] == "not_found"
        status, headers, body = http("DELETE", url + "/healthz")
    assert status == 405 and body["error"]["code"] == "method_not_allowed"
    assert headers["Allow"] == "GET,HEAD"  # what a client may do instead


def test_ids_that_are_not_plain_digits_name_no_row(settings, database):
    """Superscript digits pass str.isdigit but not int(); a 20-digit id is past any row id:
    both are a 404, not a 500 from the database."""
    from gateway.auth import make_token

    token = make_token(settings.jwt_secret, database["+15550100001"], "staff")
    with serve_app(app_with_extra_routes(settings)) as url:
        for raw in ("%C2%B2", "99999999999999999999", "1e3", "-1"):
            status, _, body = http("GET", f"{url}/api/threads/{raw}/messages", token=token)
            assert (status, body["error"]["code"]) == (404, "not_found"), raw


def test_malformed_json_body_is_400_and_wrong_type_is_415(settings, database):
    with serve_app(app_with_extra_routes(settings)) as url:
        status, _, body = http("POST", url + "/test/echo", body=b"{not json")
        assert (status, body["error"]["code"]) == (400, "invalid_json")
        status, _, body = http("POST", url + "/test/echo", body=b"[1, 2]")
        assert (status, body["error"]["code"]) == (400, "invalid")
        status, _, _ = http(
            "POST", url + "/test/echo", body=b"a=1", headers={"Content-Type": "text/plain"}
        )
        assert status == 415


def test_body_over_the_limit_is_413_json(settings, database):
    from gateway.app import MAX_BODY_BYTES

    # Just over the limit: with a whole extra megabyte the client could still be writing when
    # the 413 came, and under the suite's load it waited out its 10 s timeout (11 s a run).
    oversize = b'"' + b"x" * (MAX_BODY_BYTES + 1024) + b'"'
    with serve_app(app_with_extra_routes(settings)) as url:
        status, _, body = http("POST", url + "/test/echo", body=oversize)
    assert status == 413 and body["error"]["code"] == "too_large"


def test_api_errors_keep_their_status_and_code(settings, database):
    with serve_app(app_with_extra_routes(settings)) as url:
        status, headers, body = http("GET", url + "/test/conflict", headers={"X-Request-ID": "r1"})
    assert status == 409
    assert body == {"error": {"code": "conflict", "message": "that slot was just taken"}}
    assert headers["X-Request-ID"] == "r1"


def test_readyz_is_503_when_the_actor_system_is_not_there(settings, database):
    class DeadBridge(NoBridge):
        async def ask_root(self, message, timeout_s=None):
            from gateway.bridge import ActorUnavailable

            raise ActorUnavailable("down")

    with serve_app(create_app(settings, DeadBridge())) as url:
        status, _, body = http("GET", url + "/readyz")
        assert http("GET", url + "/healthz")[0] == 200
    assert status == 503
    assert body["checks"]["actors"] == "down" and body["checks"]["database"] == "ok"


def test_readyz_waits_for_the_voice_to_load_but_not_for_a_voice_that_failed(settings, database):
    """Right after a start the voice loads its models (about a second of CPU): a service that
    says ready then has its first callers and texters wait behind that load."""

    class LiveBridge(NoBridge):
        async def ask_root(self, message, timeout_s=None):
            return None

    app = create_app(settings, LiveBridge())
    with serve_app(app) as url:
        assert app[CALLS].engine is not None  # the offline voice is configured by default
        load = concurrent.futures.Future()
        app[CALLS].warming = [load]
        loading = http("GET", url + "/readyz")
        load.set_result(None)
        loaded = http("GET", url + "/readyz")
        broken = concurrent.futures.Future()
        broken.set_exception(OSError("no model here"))
        app[CALLS].warming = [broken]
        failed = http("GET", url + "/readyz")
    assert loading[0] == 503 and loading[2]["checks"]["voice"] == "loading"
    assert loaded[0] == 200
    assert loaded[2]["checks"] == {"actors": "ok", "database": "ok", "voice": "ok"}
    assert failed[0] == 200 and failed[2]["checks"]["voice"] == "down"
