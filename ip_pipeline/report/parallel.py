"""The language editions of a report rendered side by side: the first in this process, each
other one in a worker process of its own (the machine's second core).

Workers are spawned, not forked: the caller may be a Dagster step with threads and an open
DuckDB, which a fork would copy half-way. Each worker opens the warehouse read-only, as the
caller does, and returns its result (picklable dataclasses); an error in a worker is raised
here as if the edition had been built in this process.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

R = TypeVar("R")


def side_by_side(work: Callable[..., R], jobs: Sequence[tuple]) -> list[R]:
    """`work(*job)` for every job, results in job order. `work` must be a module-level function."""
    if len(jobs) <= 1:
        return [work(*job) for job in jobs]
    with ProcessPoolExecutor(
        max_workers=len(jobs) - 1, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        others = [pool.submit(work, *job) for job in jobs[1:]]
        first = work(*jobs[0])
        return [first, *(f.result() for f in others)]
