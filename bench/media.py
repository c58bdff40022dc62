"""Media bridge benchmark: the real gateway vs a bare WebSocket relay, measured alternately.

Three kinds of process (the load generator competes for the same two cores, so it runs in
a process of its own and its CPU is reported, not counted):
  * the service: ``supervisor.py serve`` on a temporary data dir, with ``OPENAI_BASE_URL``
    pointing at the echo server below and Telnyx in embedded mode. Each call is placed as
    Telnyx would: a signed ``call.initiated`` webhook (the answer carries the one-time media
    stream URL), ``call.answered``, then the media WebSocket ``/media/telnyx?token=...``,
    bridged by the gateway to Realtime through the real openai SDK, with the call's actor
    and hooks live; after the window ``stop`` and a signed ``call.hangup``.
  * this process hosts the baseline: a minimal aiohttp app whose ``/bare`` route forwards
    every frame verbatim to the same upstream and back (the least a relay can do).
  * the load generator runs N simulated Telnyx callers (20 ms PCMU frames, marks echoed at
    once) and the upstream: a local Realtime echo server that answers each
    ``input_audio_buffer.append`` with a ``response.output_audio.delta`` of the same audio
    (and echoes non-Realtime frames verbatim for the bare relay).

CPU is the relay process's own (the gateway process, or this one for the bare relay): the
sum of its threads' run time from ``/proc/<pid>/task/*/schedstat`` (nanoseconds, Linux)
over a window that excludes call setup/teardown, divided by the round trips completed in
it. Latency is caller frame sent -> same audio back at the caller (round trip through relay
and echo server). Bare and gateway windows alternate (ABBA) in the same run.

    python bench/media.py --quick     # 20 calls, about a minute
    python bench/media.py             # longer windows + capacity search

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._service import RealService  # noqa: E402

FRAME_MS = 20
FRAME_BYTES = 160
P99_TARGET_MS = 20.0
MODEL = "gpt-realtime"
CLINIC = "+15550100001"  # the demo clinic's number
SETTLE_S = 0.5


# ---------------------------------------------------------------- load generator process


def _percentiles(samples: list[float]) -> dict[str, float | None]:
    import numpy as np

    if not samples:
        return {"p50_ms": None, "p99_ms": None, "max_ms": None}
    arr = np.asarray(samples) * 1000.0
    return {
        "p50_ms": round(float(np.percentile(arr, 50)), 3),
        "p99_ms": round(float(np.percentile(arr, 99)), 3),
        "max_ms": round(float(arr.max()), 3),
    }


class _Telnyx:
    """What Telnyx does around a media stream: signed call webhooks to the gateway."""

    def __init__(self, session: Any, target: dict[str, Any]) -> None:
        from store.secrets import load_signing_key

        self.session = session
        self.base = target["base"]
        self.key = load_signing_key(Path(target["key_path"]))

    async def _post(self, event: dict[str, Any]) -> dict[str, Any]:
        from gateway.telnyx_signature import sign

        raw = json.dumps(event).encode()
        url = self.base + "/webhooks/telnyx/call"
        async with self.session.post(url, data=raw, headers=sign(raw, self.key)) as response:
            body = await response.json()
            if response.status != 200:
                raise RuntimeError(f"call webhook refused: {response.status} {body}")
            return body

    async def ring(self, ccid: str, caller: str) -> str:
        from cli.simulate_call import call_event, initiated

        answer = await self._post(initiated(ccid, CLINIC, caller))
        await self._post(call_event("call.answered", ccid))
        query = answer["stream_url"].split("?", 1)[1]
        return self.base.replace("http://", "ws://", 1) + "/media/telnyx?" + query

    async def hang_up(self, ccid: str) -> None:
        from cli.simulate_call import hangup

        await self._post(hangup(ccid))


class _Caller:
    """One simulated Telnyx stream: paced 20 ms frames out, RTT per frame back."""

    def __init__(self, index: int, target: dict[str, Any], window: dict[str, Any]) -> None:
        self.index = index
        self.target = target
        self.window = window
        self.sent: dict[int, float] = {}
        self.echoes = 0
        self.stop = asyncio.Event()

    async def run(self, ready: asyncio.Event, warm: list[int], gateway: _Telnyx | None) -> None:
        ccid = f"v3:bench-{uuid.uuid4().hex[:16]}"
        stream = f"stream-{self.index}"
        if gateway is None:
            url = self.target["url"]
        else:  # ring the clinic; the answer carries the media stream URL
            url = await gateway.ring(ccid, f"+1555800{self.index:04d}")
        try:
            await self._stream(url, ccid, stream, ready, warm)
        finally:
            if gateway is not None:
                await gateway.hang_up(ccid)

    async def _stream(
        self, url: str, ccid: str, stream: str, ready: asyncio.Event, warm: list[int]
    ) -> None:
        from websockets.asyncio.client import connect

        async with connect(url, compression=None, max_size=None) as ws:
            await ws.send(json.dumps({"event": "connected", "version": "1.0.0"}))
            start = {
                "call_control_id": ccid,
                "media_format": {"encoding": "PCMU", "sample_rate": 8000, "channels": 1},
            }
            await ws.send(
                json.dumps(
                    {"event": "start", "sequence_number": "1", "stream_id": stream, "start": start}
                )
            )
            reader = asyncio.create_task(self._read(ws, stream, warm, ready))
            filler = bytes([0x7F]) * (FRAME_BYTES - 4)
            loop = asyncio.get_running_loop()
            # Stagger calls across the 20 ms period like independent phone calls.
            t0 = loop.time() + (self.index % 20) * FRAME_MS / 20_000
            seq = 0
            while not self.stop.is_set():
                seq += 1
                delay = t0 + seq * FRAME_MS / 1000 - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                payload = base64.b64encode(seq.to_bytes(4, "big") + filler).decode()
                frame = {
                    "event": "media",
                    "sequence_number": str(seq + 1),
                    "stream_id": stream,
                    "media": {"track": "inbound", "payload": payload},
                }
                self.sent[seq] = time.perf_counter()
                await ws.send(json.dumps(frame))
            await ws.send(json.dumps({"event": "stop", "stream_id": stream}))
            await ws.close()
            reader.cancel()

    async def _read(self, ws: Any, stream: str, warm: list[int], ready: asyncio.Event) -> None:
        from websockets.exceptions import ConnectionClosed

        window = self.window
        try:
            async for message in ws:
                frame = json.loads(message)
                event = frame.get("event")
                if event == "media":
                    seq = int.from_bytes(base64.b64decode(frame["media"]["payload"])[:4], "big")
                    sent_at = self.sent.pop(seq, None)
                    if sent_at is None:
                        continue
                    self.echoes += 1
                    if self.echoes == 5:
                        warm[0] += 1
                        if warm[0] == window["calls"]:
                            ready.set()
                    if window["on"]:
                        window["rtts"].append(time.perf_counter() - sent_at)
                        window["frames"] += 1
                elif event == "mark":
                    echo = {"event": "mark", "stream_id": stream, "mark": frame["mark"]}
                    await ws.send(json.dumps(echo))
        except ConnectionClosed:
            pass


async def _phase(target: dict[str, Any], calls: int, seconds: float, conn: Connection) -> None:
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=32)) as session:
        gateway = _Telnyx(session, target) if target["mode"] == "gateway" else None
        await _calls(target, gateway, calls, seconds, conn)


async def _calls(
    target: dict[str, Any], gateway: _Telnyx | None, calls: int, seconds: float, conn: Connection
) -> None:
    window: dict[str, Any] = {"on": False, "rtts": [], "frames": 0, "calls": calls}
    ready = asyncio.Event()
    warm = [0]
    callers = [_Caller(i, target, window) for i in range(calls)]
    tasks = [asyncio.create_task(c.run(ready, warm, gateway)) for c in callers]
    warmed = asyncio.create_task(ready.wait())
    await asyncio.wait([warmed, *tasks], timeout=60.0, return_when=asyncio.FIRST_COMPLETED)
    if not ready.is_set():  # a call failed to connect, or the relay is too slow to warm up
        warmed.cancel()
        failed = [t.exception() for t in tasks if t.done() and t.exception()]
        conn.send(("error", f"only {warm[0]}/{calls} calls warmed up; {failed[:1]}"))
        raise RuntimeError("warm-up failed")
    # The relay's own per-call setup (records, actor messages) ends shortly after the audio
    # starts flowing: let it finish so the window holds the steady state of N live calls.
    await asyncio.sleep(SETTLE_S)
    cpu0 = time.process_time()
    window["on"] = True
    conn.send(("started", None))
    await asyncio.sleep(seconds)  # the measurement window itself
    window["on"] = False
    gen_cpu = time.process_time() - cpu0
    conn.send(
        (
            "stopped",
            {
                "frames": window["frames"],
                "rtts": window["rtts"],
                "loadgen_cpu_util": gen_cpu / seconds,
            },
        )
    )
    for caller in callers:
        caller.stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    conn.send(("done", None))


async def _loadgen_main(conn: Connection) -> None:
    from tests.fakes.realtime_server import FakeRealtimeServer

    async with FakeRealtimeServer(echo=True) as upstream:
        conn.send(("upstream", upstream.port))
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command[0] == "quit":
                return
            _, target, calls, seconds = command
            await _phase(target, calls, seconds, conn)


def loadgen_process(conn: Connection) -> None:
    """Entry point of the load-generator process."""
    asyncio.run(_loadgen_main(conn))


# ---------------------------------------------------------------- relay processes


def thread_cpu_s(pid: int) -> float:
    """CPU time of every thread of ``pid`` so far, in seconds (nanosecond schedstat)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            continue  # a thread that ended between the listing and the read
    return total / 1e9


async def _start_bare_relay(upstream_port: int) -> tuple[Any, int]:
    """Baseline: the same two sockets, frames forwarded verbatim, nothing else."""
    from aiohttp import WSMsgType, web
    from websockets.asyncio.client import connect

    async def bare(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, compress=False)
        await ws.prepare(request)
        upstream_url = f"ws://127.0.0.1:{upstream_port}/v1/realtime?model={MODEL}"
        headers = {"Authorization": "Bearer bench"}
        async with connect(
            upstream_url, additional_headers=headers, compression=None, max_size=None
        ) as up:

            async def downlink() -> None:
                async for message in up:
                    await ws.send_str(message if isinstance(message, str) else message.decode())

            down = asyncio.create_task(downlink())
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    break
                await up.send(msg.data)
            down.cancel()
        await ws.close()
        return ws

    app = web.Application()
    app.router.add_get("/bare", bare)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner.cleanup, runner.addresses[0][1]


def _gateway_target(service: RealService) -> dict[str, Any]:
    """What the load generator needs to ring the service like Telnyx."""
    key_path = str(service.settings.dev_signing_key_path)
    return {"mode": "gateway", "base": service.base, "key_path": key_path}


async def _recv(conn: Connection) -> tuple[str, Any]:
    loop = asyncio.get_running_loop()
    message: tuple[str, Any] = await loop.run_in_executor(None, conn.recv)
    if message[0] == "error":
        raise RuntimeError(f"load generator: {message[1]}")
    return message


async def _measure(conn: Connection, relay: Relay, calls: int, seconds: float) -> dict[str, Any]:
    conn.send(("run", relay.target, calls, seconds))
    await _recv(conn)  # started: calls connected and warmed up
    cpu0 = thread_cpu_s(relay.pid)
    wall0 = time.perf_counter()
    _, result = await _recv(conn)  # stopped
    cpu = thread_cpu_s(relay.pid) - cpu0
    wall = time.perf_counter() - wall0
    await _recv(conn)  # done: calls torn down
    await asyncio.sleep(0.3)  # let the relay finish closing sockets before the next window
    return {
        "cpu_s": cpu,
        "wall_s": wall,
        "frames": result["frames"],
        "rtts": result["rtts"],
        "loadgen_cpu_util": result["loadgen_cpu_util"],
    }


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _summarise(windows: list[dict[str, Any]]) -> dict[str, Any]:
    frames = sum(w["frames"] for w in windows)
    cpu = sum(w["cpu_s"] for w in windows)
    wall = sum(w["wall_s"] for w in windows)
    rtts = [r for w in windows for r in w["rtts"]]
    return {
        "frames": frames,
        "cpu_us_per_frame": round(cpu / frames * 1e6, 2) if frames else None,
        "relay_cpu_util": round(cpu / wall, 3) if wall else None,
        "loadgen_cpu_util": round(max(w["loadgen_cpu_util"] for w in windows), 3),
        **_percentiles(rtts),
    }


@dataclass(frozen=True)
class Relay:
    """Where the callers go and whose CPU counts."""

    target: dict[str, Any]
    pid: int


async def _compare(
    conn: Connection, relays: dict[str, Relay], calls: int, args: argparse.Namespace
) -> dict:
    """Alternate bare and bridge windows (ABBA) so drift hits both alike."""
    for mode in ("bare", "bridge"):  # untimed warm-up at full size: imports, first sockets
        await _measure(conn, relays[mode], calls, 1.0)
    windows: dict[str, list[dict[str, Any]]] = {"bare": [], "bridge": []}
    for mode in ["bare", "bridge", "bridge", "bare"] * args.rounds:
        window = await _measure(conn, relays[mode], calls, args.window)
        windows[mode].append(window)
        per_frame = window["cpu_s"] / window["frames"] * 1e6
        _progress(f"{mode:6s} {calls} calls: {per_frame:.0f} us/frame")
    bare, bridge = _summarise(windows["bare"]), _summarise(windows["bridge"])
    # Median of the per-window costs: one window disturbed by a neighbour does not decide.
    medians = {
        mode: statistics.median(w["cpu_s"] / w["frames"] for w in ws)
        for mode, ws in windows.items()
    }
    return {
        "cpu_ratio_vs_bare": round(medians["bridge"] / medians["bare"], 3),
        "cpu_ratio_vs_bare_pooled": round(bridge["cpu_us_per_frame"] / bare["cpu_us_per_frame"], 3),
        "bridge": bridge,
        "bare": bare,
    }


async def _capacity(
    conn: Connection, relays: dict[str, Relay], args: argparse.Namespace
) -> dict[str, Any]:
    """Most calls with p99 under 20 ms, for the bridge and (same load) the bare relay."""
    steps: list[dict[str, Any]] = []
    for calls in args.capacity_steps:
        step: dict[str, Any] = {"calls": calls}
        for mode in ("bridge", "bare"):
            result = _summarise([await _measure(conn, relays[mode], calls, args.capacity_window)])
            step[mode] = {
                "p99_ms": result["p99_ms"],
                "ok": result["p99_ms"] is not None and result["p99_ms"] < P99_TARGET_MS,
                "relay_cpu_util": result["relay_cpu_util"],
                "loadgen_cpu_util": result["loadgen_cpu_util"],
            }
        _progress(
            f"capacity {calls} calls: p99 bridge {step['bridge']['p99_ms']} ms, "
            f"bare {step['bare']['p99_ms']} ms"
        )
        steps.append(step)
        if not step["bridge"]["ok"]:
            break
    return {"steps": steps, **{mode: _largest_ok(steps, mode) for mode in ("bridge", "bare")}}


def _largest_ok(steps: list[dict[str, Any]], mode: str) -> int | None:
    """Largest step such that it and every smaller step met the p99 target."""
    best = None
    for step in steps:
        if not step[mode]["ok"]:
            break
        best = step["calls"]
    return best


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=loadgen_process, args=(child,), name="media-loadgen", daemon=True)
    proc.start()
    cleanup = service = None
    try:
        _, upstream_port = await _recv(parent)
        service = RealService(
            "media", OPENAI_API_KEY="bench", OPENAI_BASE_URL=f"http://127.0.0.1:{upstream_port}/v1"
        )
        cleanup, bare_port = await _start_bare_relay(upstream_port)
        await asyncio.get_running_loop().run_in_executor(None, service.wait_ready)
        relays = {
            "bare": Relay({"mode": "bare", "url": f"ws://127.0.0.1:{bare_port}/bare"}, os.getpid()),
            "bridge": Relay(_gateway_target(service), service.gateway_pid()),
        }
        compared = await _compare(parent, relays, args.calls, args)
        capacity = await _capacity(parent, relays, args)
        parent.send(("quit",))
    finally:
        if cleanup is not None:
            await cleanup()
        if service is not None:
            service.stop()
        proc.join(timeout=10)
        if proc.is_alive():
            proc.terminate()

    bridge, bare = compared["bridge"], compared["bare"]
    added = (
        round(bridge["p99_ms"] - bare["p99_ms"], 3)
        if bridge["p99_ms"] is not None and bare["p99_ms"] is not None
        else None
    )
    return {
        "calls": args.calls,
        "cpu_ratio_vs_bare": compared["cpu_ratio_vs_bare"],
        "added_latency_p99_ms": added,
        "bridge_p50_ms": bridge["p50_ms"],
        "bridge_p99_ms": bridge["p99_ms"],
        "bare_p50_ms": bare["p50_ms"],
        "bare_p99_ms": bare["p99_ms"],
        "cpu_ratio_vs_bare_pooled": compared["cpu_ratio_vs_bare_pooled"],
        "bridge": bridge,
        "bare": bare,
        "targets": {"cpu_ratio_vs_bare": 1.3, "added_latency_p99_ms": 1.0, "p99_ms": P99_TARGET_MS},
        "max_calls_p99_under_20ms": capacity["bridge"],
        "bare_max_calls_p99_under_20ms": capacity["bare"],
        "capacity_steps": capacity["steps"],
        "setup": {
            "load_generator": "separate process (multiprocessing spawn): callers + echo upstream",
            "cpu_measured": "relay process only (the gateway process, or the bare relay's): "
            "its threads' schedstat run time over the measurement window",
            "relay_host": "bridge: the real service (supervisor.py serve, signed call webhooks, "
            "/media/telnyx with its stream token, call actor and hooks live); bare: a minimal "
            "aiohttp app in the bench process",
            "upstream": "local Realtime echo server via the real openai SDK (bridge) or "
            "a plain websockets client (bare)",
            "window_s": args.window,
            "rounds": args.rounds,
            "cpu_count": os.cpu_count(),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 calls, short windows (<60 s)")
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    if args.quick:
        args.window, args.rounds, args.capacity_window = 2.0, 2, 1.5
        args.capacity_steps = [30, 45, 60]
    else:
        args.window, args.rounds, args.capacity_window = 6.0, 3, 4.0
        args.capacity_steps = [20, 30, 40, 50, 60, 70, 80, 100, 120, 160]
    started = time.perf_counter()
    result = asyncio.run(_run(args))
    result["bench_runtime_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
