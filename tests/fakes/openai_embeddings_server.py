"""A local stand-in for OpenAI's ``POST /v1/embeddings``, for tests with the real SDK.

It speaks the real wire format (request validation, error bodies, ``float`` and ``base64``
encodings, ``usage``), returns deterministic vectors (a sum of hashed per-word vectors, so
texts sharing words are similar and search results are meaningful), and can be told to fail
the next N requests with 500 or 429 (with ``retry-after-ms`` so the SDK's retries are quick).
It binds 127.0.0.1 only and runs its own event loop in a daemon thread::

    with FakeEmbeddingsServer() as server:
        client = OpenAI(api_key=server.api_key, base_url=server.base_url)

Run it alone with ``python tests/fakes/openai_embeddings_server.py [--port N]``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import socket
import threading
from dataclasses import dataclass, field

import numpy as np
from aiohttp import web

from tests.fakes.openai_errors import openai_error

MAX_INPUTS = 2048
_WORD = re.compile(r"[a-z0-9]+")


@dataclass
class _Failures:
    remaining: int = 0
    status: int = 500
    retry_after_ms: int = 1


@dataclass
class Recorded:
    model: str
    inputs: int
    encoding_format: str


@dataclass
class FakeEmbeddingsServer:
    dim: int = 1536
    api_key: str = "sk-test-fake"
    shuffle: bool = False  # return data out of order: clients must sort by ``index``
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._failures = _Failures()
        self._lock = threading.Lock()
        self._word_vectors: dict[str, np.ndarray] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self.port = 0

    # --- control ----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def fail_next(self, count: int, status: int = 500, retry_after_ms: int = 1) -> None:
        """The next ``count`` requests get ``status`` (500, 429, ...) instead of vectors."""
        with self._lock:
            self._failures = _Failures(count, status, retry_after_ms)

    def vector(self, text: str) -> np.ndarray:
        """The unit vector this server returns for ``text`` (tests compare against it)."""
        total = np.zeros(self.dim, dtype=np.float64)
        for word in _WORD.findall(text.lower()) or [text]:
            vec = self._word_vectors.get(word)
            if vec is None:
                seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest())
                vec = np.random.default_rng(seed).standard_normal(self.dim)
                self._word_vectors[word] = vec
            total += vec
        return (total / np.linalg.norm(total)).astype(np.float32)

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> str:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake OpenAI server did not start")
        return self.base_url

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop, self._thread = None, None

    def __enter__(self) -> FakeEmbeddingsServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, sock: socket.socket) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        app = web.Application()
        app.router.add_post("/v1/embeddings", self._embeddings)
        self._runner = web.AppRunner(app, access_log=None)
        loop.run_until_complete(self._runner.setup())
        loop.run_until_complete(web.SockSite(self._runner, sock).start())
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._runner.cleanup())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    # --- the endpoint -------------------------------------------------------------------

    async def _embeddings(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return openai_error(401, "Incorrect API key provided.", "invalid_request_error")
        try:
            body = await request.json()
        except ValueError:
            return openai_error(400, "We could not parse the JSON body of your request.")
        model = body.get("model")
        inputs = body.get("input")
        encoding = body.get("encoding_format", "float")
        if not isinstance(model, str) or not model:
            return openai_error(400, "you must provide a model parameter", param="model")
        if isinstance(inputs, str):
            inputs = [inputs]
        if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
            return openai_error(400, "'$.input' is invalid.", param="input")
        if not inputs or len(inputs) > MAX_INPUTS or any(i == "" for i in inputs):
            return openai_error(
                400, "'$.input' is invalid. Please check the API reference.", param="input"
            )
        if encoding not in ("float", "base64"):
            return openai_error(
                400, f"Invalid encoding_format: {encoding!r}", param="encoding_format"
            )
        with self._lock:
            self.requests.append(Recorded(model, len(inputs), encoding))
            failing = self._failures.remaining > 0
            if failing:
                self._failures.remaining -= 1
                status, retry_ms = self._failures.status, self._failures.retry_after_ms
        if failing:
            message = "Rate limit reached" if status == 429 else "The server had an error"
            kind = "requests" if status == 429 else "server_error"
            return openai_error(status, message, kind, headers={"retry-after-ms": str(retry_ms)})
        dims = body.get("dimensions") or self.dim
        data = []
        for index, text in enumerate(inputs):
            vector = self.vector(text)[:dims]
            vector = vector / np.linalg.norm(vector)
            if encoding == "base64":
                embedding = base64.b64encode(vector.astype("<f4").tobytes()).decode()
            else:
                embedding = [float(x) for x in vector]
            data.append({"object": "embedding", "index": index, "embedding": embedding})
        if self.shuffle:
            data.reverse()
        tokens = sum(len(_WORD.findall(t.lower())) or 1 for t in inputs)
        return web.json_response(
            {
                "object": "list",
                "data": data,
                "model": model,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )


def main() -> None:
    import argparse
    import time

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--dim", type=int, default=1536)
    args = parser.parse_args()
    server = FakeEmbeddingsServer(dim=args.dim)
    server.port = args.port
    print(f"OPENAI_BASE_URL={server.start()} OPENAI_API_KEY={server.api_key}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
