"""Small test helpers: free ports, a blocking HTTP client, an app served from a thread."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import socket
import threading
import time
import urllib.error
import urllib.request

from aiohttp import web


def free_port() -> int:
    """A free port below Linux's ephemeral range (32768+), so that the sockets the actor
    processes open for themselves cannot take it between now and its use."""
    for _ in range(200):
        port = random.randint(20000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def http(method: str, url: str, body=None, token: str | None = None, headers=None, timeout=10):
    """Returns (status, headers, parsed JSON or text)."""
    data = None
    all_headers = dict(headers or {})
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        all_headers.setdefault("Content-Type", "application/json")
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, resp_headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, resp_headers, raw = error.code, error.headers, error.read()
    text = raw.decode()
    try:
        return status, resp_headers, json.loads(text)
    except ValueError:
        return status, resp_headers, text


def wait_until(predicate, timeout_s: float = 10.0, interval_s: float = 0.05):
    """Poll for a condition that has no event to wait on (another process's state)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s}s")
        time.sleep(interval_s)


@contextlib.contextmanager
def serve_app(app: web.Application):
    """Run an aiohttp app on 127.0.0.1 in a background thread; yields its base URL."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    box: dict = {}

    async def start():
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        box["runner"] = runner
        box["port"] = runner.addresses[0][1]
        started.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    future = asyncio.run_coroutine_threadsafe(start(), loop)
    future.result(timeout=30)
    try:
        yield f"http://127.0.0.1:{box['port']}"
    finally:
        asyncio.run_coroutine_threadsafe(box["runner"].cleanup(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def write_tone_wav(path, freq_hz: float, rate: int, samples: int, amplitude: int = 6000) -> None:
    """A 16-bit mono WAV of a sine tone: stands in for a caller's recording."""
    import wave

    import numpy as np

    tone = (np.sin(np.arange(samples) * 2 * np.pi * freq_hz / rate) * amplitude).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(tone.tobytes())
