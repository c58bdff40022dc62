"""Call control with no phone network (embedded mode): every command is recorded, none sent.

The recorded command is what the dashboard and the simulator read: the answer's stream URL is
handed back to the simulator by the webhook route, which then dials the media stream itself.
"""

from __future__ import annotations

from typing import Any

from gateway.call_control import CommandBodies
from gateway.call_control.record import record_command
from gateway.dbio import run_db


class RecordedCallControl(CommandBodies):
    async def command(
        self, clinic_id: int, call_id: int, ccid: str, action: str, body: dict[str, Any]
    ) -> str:
        await run_db(record_command, clinic_id, call_id, action, body, "embedded")
        return "embedded"
