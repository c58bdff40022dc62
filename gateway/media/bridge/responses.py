"""Responses and tool calls: requesting answers, following up on tools, deferred actions.

The bridge asks for a response only when none is in progress (else it defers the request
until the current one is done). A response whose tools all answered gets a follow-up
answer, or performs the action a tool asked for (end_call, transfer) once its audio has
played, never for an answer the caller interrupted.
"""

from __future__ import annotations

import contextlib
import json

from ..engines import EngineDisconnected, ResponseDone, VoiceSession
from ..state import ResponseState
from ..tools import call_tool, requested_action, result_json
from .turns import TurnTaking


class Responses(TurnTaking):
    # ------------------------------------------------------------------ responses

    def _on_response_created(self, response_id: str) -> None:
        st = self._state
        resp = st.track(response_id, self._now())
        resp.created_at = self._now()
        st.active = resp
        was_ours = st.requested
        st.requested = False
        if st.suppress_next and not was_ours:
            # The engine answered a cough we decided to ignore; the assistant keeps talking.
            st.suppress_next = False
            resp.interrupted = True
            st.cancelled.add(response_id)
            resp.cancel_sent = True
            self._spawn(self._cancel_quietly(), "cancel")
        elif self._goodbye_reason and self._goodbye_rid is None and was_ours:
            self._goodbye_rid = response_id
        self._touch()

    async def _cancel_quietly(self) -> None:
        session = self._session
        if session is not None:
            with contextlib.suppress(EngineDisconnected):
                await session.cancel_response()

    async def _on_response_done(self, done: ResponseDone) -> None:
        st = self._state
        rid = done.response_id
        resp = st.track(rid, self._now())
        resp.done = True
        if st.active is resp:
            st.active = None
        if done.cancelled:
            st.cancelled.add(rid)
            resp.interrupted = True
        session = self._session
        if session is not None:
            for call in done.tool_calls:
                self._on_function_call(session, rid, call.call_id, call.name, call.arguments)
        if rid == self._goodbye_rid:
            self._goodbye_done.set()
        self._touch()
        await self._settle(resp)
        if st.deferred and st.active is None and not st.requested:
            st.deferred = False
            await self._request_response(st.deferred_instructions)

    async def _request_response(self, instructions: str | None = None) -> None:
        """Ask the engine to answer now, or defer it while another response is in progress."""
        st = self._state
        session = self._session
        if session is None:
            return
        if st.active is not None or st.requested:
            st.deferred, st.deferred_instructions = True, instructions
            return
        self._requests += 1
        st.requested, st.request_instructions = True, instructions
        st.request_id = f"vrai_response_{self._requests}"
        st.suppress_next = False
        await session.request_response(instructions, st.request_id)

    async def _settle(self, resp: ResponseState) -> None:
        """Once a response is done and its tools answered: follow up or run its action."""
        if not resp.done or resp.tools_running or resp.settled:
            return
        resp.settled = True
        if resp.interrupted:
            return
        if resp.action is not None:
            self._spawn(self._perform_action(resp), "action")
        elif resp.wants_followup:
            await self._request_response()

    # ------------------------------------------------------------------ tools

    def _on_function_call(
        self, session: VoiceSession, response_id: str, call_id: str | None, name: str, args: str
    ) -> None:
        st = self._state
        if not call_id or call_id in st.seen_calls:
            return  # seen both as a ToolCall and in its ResponseDone
        st.seen_calls.add(call_id)
        self.stats.tool_calls += 1
        resp = st.track(response_id, self._now())
        if resp.interrupted:
            output = json.dumps({"status": "cancelled", "reason": "the caller interrupted"})
            self._spawn(self._send_output(session, call_id, output), "tool-cancelled")
            return
        resp.tools_running += 1
        self._spawn(self._run_tool(session, resp, call_id, name, args), f"tool:{name}")

    async def _run_tool(
        self, session: VoiceSession, resp: ResponseState, call_id: str, name: str, args: str
    ) -> None:
        try:
            result = await call_tool(
                self._hooks, name, args, call_id, self._cfg.tool_timeout_s, self._log
            )
            action = requested_action(result)
            if action is not None:
                resp.action = action
            else:
                resp.wants_followup = True
            output = result_json(result)
            self._remember("tool", f"Result of {name}: {output[:500]}")
            await self._send_output(session, call_id, output)
        finally:
            resp.tools_running -= 1
            self._touch()
        if self._session is session:
            with contextlib.suppress(EngineDisconnected):
                await self._settle(resp)

    async def _send_output(self, session: VoiceSession, call_id: str, output: str) -> None:
        if self._session is not session:
            return  # the call_id belongs to a session that is gone; context keeps the result
        with contextlib.suppress(EngineDisconnected):
            await session.send_tool_result(call_id, output)

    async def _perform_action(self, resp: ResponseState) -> None:
        """end_call / transfer after the answer that asked for it has been heard."""
        await self._playout.wait_drained(self._cfg.goodbye_timeout_s)
        if resp.interrupted or self._handed_off or resp.action is None:
            return
        if resp.action["action"] == "end_call":
            await self._hand_off("end_call", "assistant")
        else:
            target = str(resp.action.get("to") or "")
            if target:
                await self._hand_off("transfer", target)
            else:
                self._log.warning("transfer requested without a target")
