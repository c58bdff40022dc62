"""The production text brain: an OpenAI chat-completions model driving the conversation tools.

One ``respond`` call is one customer message. The model sees the system prompt
(``prompts.build_system_prompt``), the conversation so far, a compact memory of the tool
results from earlier turns (``turn.state``: history only carries text, but "the 10 AM one"
needs the exact slot that was offered), and the new message. It may call tools for a bounded
number of steps; whatever the API or the model does (outage, timeout, bad tool arguments, a
model that never stops calling tools) the turn ends with something sensible to send and the
customer's message in front of the staff. A tool that *raises* is a bug, not an outage (the
runner reports expected failures as ``{"ok": False, ...}`` results): it propagates out of
``respond`` so the conversation actor crashes and is restarted from its checkpoint. Logs carry
ids, counts and error kinds only: never message bodies, names or phone numbers.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx2  # the openai SDK's HTTP client (openai>=3 depends on it)
from openai import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    OpenAI,
    OpenAIError,
)

from actors.brain.base import BrainReply, ToolRunner, Turn
from actors.brain.prompts import build_system_prompt
from actors.tools import TOOL_NAMES, chat_tools
from actors.wording import sms as wording
from store.texts import split_message

log = logging.getLogger("vrai.brain.openai")

FALLBACK_TEXT = wording.ASSISTANT_TROUBLE
UNREACHABLE_TEXT = wording.ASSISTANT_UNREACHABLE  # .format(phone=...)
# What a chat-completions request can fail with that is the API's or the network's fault: the
# SDK's errors (status, connection, timeout, bad response), raw transport errors, and a body
# that is not the JSON it should be. Anything else is a bug and propagates.
API_FAILURES: tuple[type[BaseException], ...] = (
    OpenAIError,
    httpx2.HTTPError,
    TimeoutError,
    ConnectionError,
    ValueError,
)
ENDING_TOOLS = frozenset({"end_conversation", "transfer_to_staff"})
HISTORY_ROLES = {"customer": "user", "user": "user", "assistant": "assistant"}

HISTORY_LIMIT = 30  # earlier messages sent to the model; older ones are dropped
MEMORY_ITEMS = 6  # tool results remembered across turns
MEMORY_ITEM_CHARS = 2000  # JSON size of one remembered result after compaction
STATE_VERSION = 1


class OpenAIChatBrain:
    """``Brain`` backed by ``client.chat.completions.create`` with the shared tools."""

    def __init__(
        self,
        api_key: str,
        base_url: str | None,
        model: str = "gpt-4.1-mini",
        max_steps: int = 5,
        timeout_s: float = 20.0,
    ) -> None:
        if max_steps < 1:
            raise ValueError("max_steps must be at least 1")
        self.model = model
        self.max_steps = max_steps
        self._client = OpenAI(api_key=api_key, base_url=base_url, max_retries=2, timeout=timeout_s)
        self._tools = chat_tools()

    def close(self) -> None:
        """Release the HTTP connection pool (the brain is unusable afterwards)."""
        self._client.close()

    def respond(self, turn: Turn, tools: ToolRunner) -> BrainReply:
        run = _Run(turn, tools)
        messages = build_messages(turn)
        text, failure = self._loop(messages, run)
        replies = split_message(text) if text is not None else run.fallback()
        state = run.state(failure)
        log.info(
            "openai brain turn done",
            extra={
                "clinic_id": turn.clinic.id,
                "steps": run.steps,
                "tools": ",".join(c["name"] for c in run.calls) or "-",
                "outcome": failure or "reply",
                "replies": len(replies),
            },
        )
        return BrainReply(tuple(replies), state, end=run.end, tool_calls=tuple(run.calls))

    def _loop(self, messages: list[dict], run: _Run) -> tuple[str | None, str | None]:
        """(final text, None) or (None, failure kind) after at most ``max_steps`` requests."""
        for step in range(self.max_steps):
            run.steps = step + 1
            try:
                completion = self._client.chat.completions.create(
                    model=self.model, messages=messages, tools=self._tools, tool_choice="auto"
                )
            except API_FAILURES as exc:  # an outage degrades to taking a message
                kind = failure_kind(exc)
                log.warning(
                    "openai request failed",
                    extra={"clinic_id": run.turn.clinic.id, "step": step + 1, "failure": kind},
                )
                return None, kind
            if not completion.choices:
                return None, "empty_response"
            message = completion.choices[0].message
            if not message.tool_calls:
                text = (message.content or "").strip()
                return (text, None) if text else (None, "empty_reply")
            if step == self.max_steps - 1:
                break  # no room left to report what these calls would do: don't run them
            messages.append(_echo(message))
            for call in message.tool_calls:
                result = run.call(call)
                messages.append(
                    {"role": "tool", "tool_call_id": call.id, "content": _dumps(result)}
                )
        log.warning(
            "openai brain hit max_steps",
            extra={"clinic_id": run.turn.clinic.id, "max_steps": self.max_steps},
        )
        return None, "max_steps"


@dataclass
class _Run:
    """What one turn has done so far: the tool log, the end flag, the memory to carry."""

    turn: Turn
    tools: ToolRunner
    calls: list[dict] = field(default_factory=list)
    memory: list[dict] = field(default_factory=list)
    end: bool = False
    steps: int = 0

    def __post_init__(self) -> None:
        self.memory = _valid_memory(self.turn.state.get("memory"))

    def call(self, tool_call: Any) -> dict:
        """Run one model tool call; a bad call gets an error result the model can read."""
        function = getattr(tool_call, "function", None)  # None for non-function tool types
        name = str(getattr(function, "name", None) or getattr(tool_call, "type", "?"))
        args = parse_arguments(getattr(function, "arguments", None))
        if function is None or name not in TOOL_NAMES:
            result = _error("unknown_tool", f"There is no tool called {name!r}.")
            args = {}
        elif args is None:
            result = _error("invalid_arguments", "The arguments were not a JSON object.")
            args = {}
        else:
            result = self._run_tool(name, args)
            self.memory = [*self.memory, _memory_item(name, args, result)][-MEMORY_ITEMS:]
            if name in ENDING_TOOLS and result.get("ok"):
                self.end = True
        self.calls.append({"name": name, "args": args, "result": result})
        return result

    def _run_tool(self, name: str, args: dict) -> dict:
        """The tool's result; an exception from the runner is a bug and propagates."""
        result = self.tools.call(name, args)
        if not isinstance(result, dict):
            return _error("unavailable", "That didn't work just now.")
        return result

    def fallback(self) -> list[str]:
        """Hand the message to the staff (unless the model already did) and say so honestly."""
        if not any(c["name"] == "take_message" and c["result"].get("ok") for c in self.calls):
            done = ", ".join(
                f"{c['name']} ({'ok' if c['result'].get('ok') else 'failed'})" for c in self.calls
            )
            note = (
                "The assistant could not complete this conversation; please follow up. "
                f"Customer's last message: {self.turn.text}"
                + (f"\nAlready done this turn: {done}" if done else "")
            )
            args = {"message": note, "urgent": False}
            result = self._run_tool("take_message", args)
            self.calls.append({"name": "take_message", "args": args, "result": result})
            if not result.get("ok"):
                return [wording.assistant_unreachable(self.turn.clinic.phone)]
        return [wording.assistant_trouble()]

    def state(self, failure: str | None) -> dict:
        previous = self.turn.state.get("failures")
        failures = (previous if isinstance(previous, int) else 0) + 1 if failure else 0
        state: dict = {"v": STATE_VERSION, "memory": self.memory, "failures": failures}
        if failure:
            state["last_failure"] = {"kind": failure, "at": self.turn.now.isoformat()}
        return state


def build_messages(turn: Turn) -> list[dict]:
    """System prompt, earlier conversation, remembered tool results, then the new message."""
    prompt = build_system_prompt(turn.clinic, turn.customer, turn.now, turn.channel)
    messages: list[dict] = [{"role": "system", "content": prompt}]
    for entry in turn.history[-HISTORY_LIMIT:]:
        if not isinstance(entry, dict):
            continue
        role = HISTORY_ROLES.get(entry.get("role", ""))
        text = entry.get("text")
        if role and isinstance(text, str) and text.strip():
            messages.append({"role": role, "content": text})
    memory = _valid_memory(turn.state.get("memory"))
    if memory:
        lines = [
            f"- {item['tool']} {_dumps(item['args'])} -> {_dumps(item['result'])}"
            for item in memory
        ]
        messages.append(
            {
                "role": "system",
                "content": "Tool results from earlier in this conversation (oldest first; "
                "reuse exact times and ids from them):\n" + "\n".join(lines),
            }
        )
    messages.append({"role": "user", "content": turn.text})
    return messages


def parse_arguments(raw: object) -> dict | None:
    """The model's argument string as a dict, or None when it is not a JSON object."""
    if not isinstance(raw, str):
        return None
    if not raw.strip():
        return {}  # some models send "" for tools without parameters
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def failure_kind(exc: BaseException) -> str:
    """A short, body-free label for an API failure (logged and kept in the state)."""
    if isinstance(exc, APITimeoutError):
        return "timeout"
    if isinstance(exc, APIConnectionError):
        return "connection"
    if isinstance(exc, APIStatusError):
        return {401: "auth", 403: "forbidden", 429: "rate_limited"}.get(
            exc.status_code, f"http_{exc.status_code}"
        )
    if isinstance(exc, OpenAIError):
        return "api_error"
    return f"unexpected_{type(exc).__name__}"


def _echo(message: Any) -> dict:
    """The assistant message as sent back to the API: tool calls unchanged, ids included."""
    echoed: dict = {"role": "assistant", "content": message.content}
    echoed["tool_calls"] = [
        call.model_dump(mode="json", exclude_none=True) for call in message.tool_calls
    ]
    return echoed


def _error(code: str, message: str) -> dict:
    return {"ok": False, "error": code, "message": message}


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _memory_item(name: str, args: dict, result: dict) -> dict:
    """One remembered call, at most ~``MEMORY_ITEM_CHARS`` of JSON; the result is cut first
    (the arguments, e.g. a booked start time, are small and the most useful part)."""
    item = {"tool": name, "args": _compact(args), "result": _compact(result)}
    if len(_dumps(item)) <= MEMORY_ITEM_CHARS:
        return item
    if len(_dumps(item["args"])) > MEMORY_ITEM_CHARS // 4:
        item["args"] = {"truncated": _dumps(item["args"])[: MEMORY_ITEM_CHARS // 4]}
    room = MEMORY_ITEM_CHARS - len(_dumps(item["args"])) - 100
    item["result"] = {"ok": result.get("ok"), "truncated": _dumps(item["result"])[:room]}
    return item


def _compact(value: object, depth: int = 0) -> Any:
    """A JSON-safe, size-bounded copy: short strings, short lists, shallow nesting."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value[:300]
    if depth >= 4:
        return _dumps(value)[:100]
    if isinstance(value, list | tuple):
        return [_compact(v, depth + 1) for v in list(value)[:8]]
    if isinstance(value, dict):
        return {str(k): _compact(v, depth + 1) for k, v in list(value.items())[:20]}
    return str(value)[:300]


def _valid_memory(raw: object) -> list[dict]:
    """Memory from a checkpoint, keeping only well-formed items (old or foreign state is ok)."""
    if not isinstance(raw, list):
        return []
    return [
        item
        for item in raw[-MEMORY_ITEMS:]
        if isinstance(item, dict)
        and isinstance(item.get("tool"), str)
        and isinstance(item.get("args"), dict)
        and isinstance(item.get("result"), dict)
    ]
