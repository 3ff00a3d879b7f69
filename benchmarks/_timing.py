"""Interleaved timing shared by the benchmark scripts.

Every variant runs once per round, in turn, so that load from other processes on a shared
machine hits all variants alike and their ratios stay meaningful.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping


def interleaved_times(runners: Mapping[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Seconds per call of each runner over ``rounds`` interleaved rounds, after one warm-up call
    each (oneDNN primitive creation, first page faults)."""
    for run in runners.values():
        run()
    times: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(rounds):
        for name, run in runners.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return times
