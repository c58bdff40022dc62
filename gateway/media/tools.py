"""Running a model tool call through the gateway hook, safely.

The model's arguments are untrusted JSON and the hook is someone else's code: every
failure becomes an error output the model can talk about, never an exception.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from .hooks import BridgeHooks

ACTIONS = ("end_call", "transfer")


async def call_tool(
    hooks: BridgeHooks,
    name: str,
    arguments: str,
    call_id: str,
    timeout: float,
    log: logging.Logger | logging.LoggerAdapter,  # type: ignore[type-arg]
) -> Any:
    """The hook's result, or an ``{"error": ...}`` dict for bad arguments, timeouts, raises."""
    try:
        parsed = json.loads(arguments) if arguments else {}
    except ValueError:
        return {"error": "invalid_arguments", "message": "arguments were not valid JSON"}
    if not isinstance(parsed, dict):
        return {"error": "invalid_arguments", "message": "arguments must be a JSON object"}
    try:
        async with asyncio.timeout(timeout):
            return await hooks.on_tool_call(name, parsed, call_id)
    except TimeoutError:
        log.warning("tool %s timed out", name)
        return {"error": "timeout", "message": "The system did not answer in time."}
    except Exception as exc:  # message may carry caller data: type only above debug
        log.warning("tool %s failed: %s", name, type(exc).__name__)
        log.debug("tool %s failure", name, exc_info=True)
        return {"error": "tool_failed", "message": "The action could not be completed."}


def result_json(result: Any) -> str:
    """Tool result as the JSON string the model gets; never raises."""
    try:
        return json.dumps(result, default=str)
    except (TypeError, ValueError):
        return json.dumps({"error": "tool_failed", "message": "unreadable tool result"})


def requested_action(result: Any) -> dict[str, Any] | None:
    """``{"action": "end_call"}`` or ``{"action": "transfer", "to": ...}`` results."""
    if isinstance(result, dict) and result.get("action") in ACTIONS:
        return result
    return None
