"""How an in-process benchmark runs and prints: ``--quick``, its figures aligned, then JSON."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable


def main(description: str, quick_help: str, run: Callable[[bool], dict], width: int = 32) -> None:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    args = parser.parse_args()
    started = time.perf_counter()
    figures = run(args.quick)
    figures["wall_s"] = round(time.perf_counter() - started, 1)
    for key, value in figures.items():
        print(f"{key:>{width}}: {value}")
    print(json.dumps(figures, sort_keys=True))
