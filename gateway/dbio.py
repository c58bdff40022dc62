"""Database calls off the event loop: peewee is synchronous, the loop must never wait on it."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

_executor = ThreadPoolExecutor(4, thread_name_prefix="db")


async def run_db(fn: Callable[..., T], *args, **kwargs) -> T:
    """Run ``fn`` in the database thread pool (reads, and writes through ``store.db.write``)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor, functools.partial(fn, *args, **kwargs))
