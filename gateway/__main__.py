"""Gateway process entry: ``python -m gateway`` with pickled settings on standard input.

The launcher passes settings through a pipe, not arguments or the environment, so secrets do
not show up in ``ps`` and nothing below the launcher reads ``os.environ``.
"""

from __future__ import annotations

import gc
import logging.config
import pickle
import sys

from aiohttp import web

from gateway.app import create_app
from store.logs import log_config


def main() -> None:
    settings = pickle.load(sys.stdin.buffer)
    logging.config.dictConfig(
        log_config(settings.log_level, str(settings.data_dir / "gateway.log"))
    )
    app = create_app(settings)
    # The app, routes and libraries are here for good: the collector need not walk them.
    gc.collect()
    gc.freeze()
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        access_log=None,
        print=None,
        shutdown_timeout=5,
    )


if __name__ == "__main__":
    main()
