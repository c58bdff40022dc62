"""A local, scriptable stand-in for OpenAI's ``POST /v1/chat/completions`` (non-streaming).

Tests drive the real ``openai`` SDK against it. It answers with the responses a test queued,
in order (tool calls, then a final text, ...), records every request it received (body and
headers) so tests can check what the SDK really sent, and checks requests the way the real
API does: the API key, ``model``/``messages``, the nested tools shape, ``tool_choice``, and
that every assistant ``tool_calls`` entry is answered by a ``tool`` message with its id. A
request the real API would reject gets the real 400 error body and is also listed in
``protocol_errors`` (tests assert it stays empty). It can fail the next N requests with
500/429/401 (``retry-after-ms`` keeps the SDK's retries quick) or answer them slowly::

    with FakeChatCompletionsServer() as server:
        ids = server.queue_tool_calls(("check_availability", {"service": "Botox"}))
        server.queue_text("I have 10 AM or 2 PM on Friday. Which works?")
        client = OpenAI(api_key=server.api_key, base_url=server.base_url)
        ...
        server.requests[1].messages[-1]  # {"role": "tool", "tool_call_id": ids[0], ...}

It binds 127.0.0.1 only and runs its own event loop in a daemon thread. Run it alone with
``python tests/fakes/chat_completions_server.py [--port N]`` (it then answers every request
with a fixed text).
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.openai_errors import openai_error

ROLES = {"system", "developer", "user", "assistant", "tool"}
TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
FAILURES = {
    500: ("The server had an error while processing your request.", "server_error", None),
    429: ("Rate limit reached for requests.", "requests", "rate_limit_exceeded"),
    401: ("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
    503: ("The engine is currently overloaded.", "server_error", None),
}


@dataclass(frozen=True)
class ToolCall:
    """One scripted tool call; ``arguments`` may be a raw (even invalid) JSON string."""

    name: str
    arguments: dict | str = field(default_factory=dict)
    id: str | None = None


@dataclass(frozen=True)
class Scripted:
    """One scripted answer: a final text, or tool calls (``finish_reason`` follows)."""

    content: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None  # default: "tool_calls" if tool_calls else "stop"


@dataclass(frozen=True)
class RecordedRequest:
    body: dict
    headers: dict[str, str]  # lower-cased names

    @property
    def messages(self) -> list[dict]:
        return self.body.get("messages", [])

    @property
    def tools(self) -> list[dict]:
        return self.body.get("tools", [])

    @property
    def system_prompt(self) -> str:
        """The first system message's content ("" if there is none)."""
        for message in self.messages:
            if message.get("role") == "system":
                return message.get("content") or ""
        return ""


@dataclass
class _Trouble:
    remaining: int = 0
    status: int = 500
    retry_after_ms: int = 1
    delay_s: float = 0.0


class FakeChatCompletionsServer:
    """``POST /v1/chat/completions`` on 127.0.0.1; see the module docstring."""

    def __init__(self, api_key: str = "sk-test-fake-chat") -> None:
        self.api_key = api_key
        self.port = 0
        self.requests: list[RecordedRequest] = []
        self.responses: list[dict] = []  # every 200 body sent, in order
        self.protocol_errors: list[str] = []  # requests the real API would have rejected
        self._script: deque[Scripted] = deque()
        self._default: Scripted | None = None
        self._failures = _Trouble()
        self._delays = _Trouble()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closing: asyncio.Event | None = None
        self._ready = threading.Event()

    # --- scripting ----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def queue_text(self, content: str, finish_reason: str = "stop") -> None:
        """The next unscripted request gets this final assistant text."""
        self._push(Scripted(content=content, finish_reason=finish_reason))

    def queue_tool_calls(self, *calls: ToolCall | tuple[str, dict | str]) -> list[str]:
        """The next unscripted request gets these tool calls; returns their ids."""
        scripted = Scripted(tool_calls=tuple(_with_id(c) for c in calls))
        self._push(scripted)
        return [c.id or "" for c in scripted.tool_calls]

    def always_tool_calls(self, *calls: ToolCall | tuple[str, dict | str]) -> None:
        """Once the queue is empty, answer every request with these calls (fresh ids)."""
        with self._lock:
            self._default = Scripted(tool_calls=tuple(_as_call(c) for c in calls))

    def always_text(self, content: str) -> None:
        with self._lock:
            self._default = Scripted(content=content)

    def fail_next(self, count: int, status: int = 500, retry_after_ms: int = 1) -> None:
        """The next ``count`` requests get ``status`` (500, 429, 401, 503) with a real body."""
        if status not in FAILURES:
            raise ValueError(f"unsupported failure status {status}")
        with self._lock:
            self._failures = _Trouble(count, status, retry_after_ms)

    def delay_next(self, count: int, seconds: float) -> None:
        """The next ``count`` requests are answered only after ``seconds`` (or at stop)."""
        with self._lock:
            self._delays = _Trouble(count, delay_s=seconds)

    def _push(self, scripted: Scripted) -> None:
        with self._lock:
            self._script.append(scripted)

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> str:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._serve, args=(sock,), name="fake-chat-completions", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake chat completions server did not start")
        return self.base_url

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(self._begin_close)
        thread.join(10)
        self._loop, self._thread = None, None

    def __enter__(self) -> FakeChatCompletionsServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _begin_close(self) -> None:
        assert self._closing is not None and self._loop is not None
        self._closing.set()  # wakes slow handlers so shutdown never waits for them
        self._loop.stop()

    def _serve(self, sock: socket.socket) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        self._closing = asyncio.Event()
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.SockSite(runner, sock).start())
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(runner.cleanup())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    # --- the endpoint -------------------------------------------------------------------

    async def _completions(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return openai_error(401, *FAILURES[401])
        try:
            body = await request.json()
        except ValueError:
            return self._reject("We could not parse the JSON body of your request.")
        if not isinstance(body, dict):
            return self._reject("The request body must be a JSON object.")
        with self._lock:
            self.requests.append(
                RecordedRequest(body, {k.lower(): v for k, v in request.headers.items()})
            )
            failure = _take(self._failures)
            delay = _take(self._delays)
        problem = check_request(body)
        if problem:
            return self._reject(problem)
        if failure is not None:
            headers = {"retry-after-ms": str(failure.retry_after_ms)}
            return openai_error(failure.status, *FAILURES[failure.status], headers=headers)
        if delay is not None and not await self._wait(delay.delay_s):
            return openai_error(503, *FAILURES[503])  # the server is stopping
        transport = request.transport
        if transport is None or transport.is_closing():
            return openai_error(
                503, *FAILURES[503]
            )  # the client gave up (timeout): keep the script
        with self._lock:
            scripted = self._script.popleft() if self._script else self._default
        if scripted is None:
            return self._reject("fake server: no response scripted for this request")
        payload = _completion(body, scripted)
        with self._lock:
            self.responses.append(payload)
        return web.json_response(payload)

    async def _wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` unless the server starts closing; True if it is still up."""
        assert self._closing is not None
        try:
            await asyncio.wait_for(self._closing.wait(), timeout=seconds)
        except TimeoutError:
            return True
        return False

    def _reject(self, message: str, param: str | None = None) -> web.Response:
        with self._lock:
            self.protocol_errors.append(message)
        return openai_error(400, message, "invalid_request_error", None, param=param)


def check_request(body: dict) -> str | None:
    """What the real API would reject in this request body, or None."""
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "you must provide a model parameter"
    if body.get("stream"):
        return "fake server: streaming is not supported"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty array"
    problem = _check_messages(messages)
    if problem:
        return problem
    tools = body.get("tools")
    if tools is not None:
        problem = _check_tools(tools)
        if problem:
            return problem
    choice = body.get("tool_choice")
    if choice is not None:
        if not tools:
            return "'tool_choice' is only allowed when 'tools' are specified."
        if choice not in ("none", "auto", "required") and not (
            isinstance(choice, dict) and choice.get("type") == "function"
        ):
            return f"Invalid value for 'tool_choice': {choice!r}"
    return None


def _check_messages(messages: list) -> str | None:
    pending: list[str] = []  # tool_call ids the last assistant message is waiting on
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            return f"Invalid value for '{where}.role'."
        role, content = message["role"], message.get("content")
        if role == "tool":
            call_id = message.get("tool_call_id")
            if call_id not in pending:
                return (
                    f"Invalid parameter: '{where}' with role 'tool' must be a response to a "
                    "preceeding message with 'tool_calls'."
                )
            pending.remove(call_id)
            if not isinstance(content, str):
                return f"Invalid type for '{where}.content': expected a string."
            continue
        if pending:
            return (
                "An assistant message with 'tool_calls' must be followed by tool messages "
                "responding to each 'tool_call_id'. The following tool_call_ids did not have "
                f"response messages: {', '.join(pending)}"
            )
        if role == "assistant" and message.get("tool_calls"):
            calls = message["tool_calls"]
            for call in calls:
                function = call.get("function") if isinstance(call, dict) else None
                if (
                    not isinstance(function, dict)
                    or call.get("type") != "function"
                    or not isinstance(call.get("id"), str)
                    or not isinstance(function.get("name"), str)
                    or not isinstance(function.get("arguments"), str)
                ):
                    return f"Invalid value for '{where}.tool_calls'."
            pending = [call["id"] for call in calls]
            if content is not None and not isinstance(content, str):
                return f"Invalid type for '{where}.content'."
        elif not isinstance(content, str | list):
            return f"Invalid type for '{where}.content': expected a string or array."
    if pending:
        return f"tool_call_ids did not have response messages: {', '.join(pending)}"
    return None


def _check_tools(tools: object) -> str | None:
    if not isinstance(tools, list):
        return "Invalid type for 'tools': expected an array."
    for index, tool in enumerate(tools):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(tool, dict) or tool.get("type") != "function":
            return f"Invalid value for 'tools[{index}].type'."
        if not isinstance(function, dict) or set(tool) - {"type", "function"}:
            return f"Missing required parameter: 'tools[{index}].function'."
        if not TOOL_NAME.match(str(function.get("name", ""))):
            return f"Invalid 'tools[{index}].function.name'."
        if "parameters" in function and not isinstance(function["parameters"], dict):
            return f"Invalid type for 'tools[{index}].function.parameters'."
    return None


def _completion(body: dict, scripted: Scripted) -> dict:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": scripted.content,
        "refusal": None,
        "annotations": [],
    }
    if scripted.tool_calls:
        message["tool_calls"] = [_wire_call(_with_id(call)) for call in scripted.tool_calls]
    finish = scripted.finish_reason or ("tool_calls" if scripted.tool_calls else "stop")
    prompt_tokens = max(1, len(json.dumps(body.get("messages", []))) // 4)
    completion_tokens = max(1, len(json.dumps(message)) // 4)
    return {
        "id": f"chatcmpl-{secrets.token_hex(12)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
        "service_tier": "default",
        "system_fingerprint": "fp_fake",
    }


def _wire_call(call: ToolCall) -> dict:
    arguments = call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments)
    return {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": arguments},
    }


def _as_call(call: ToolCall | tuple[str, dict | str]) -> ToolCall:
    return call if isinstance(call, ToolCall) else ToolCall(call[0], call[1])


def _with_id(call: ToolCall | tuple[str, dict | str]) -> ToolCall:
    call = _as_call(call)
    if call.id:
        return call
    return ToolCall(call.name, call.arguments, f"call_{secrets.token_hex(12)}")


def _take(trouble: _Trouble) -> _Trouble | None:
    if trouble.remaining <= 0:
        return None
    trouble.remaining -= 1
    return trouble


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = FakeChatCompletionsServer()
    server.port = args.port
    server.always_text("Hi! This is the fake chat completions server.")
    print(f"OPENAI_BASE_URL={server.start()} OPENAI_API_KEY={server.api_key}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
