"""The home's run lock: one `ip-pipeline run`/`backfill` (or accept/restore/rebuild) at a time
per data directory. Its own module: the light commands take it without importing Dagster."""

from __future__ import annotations

import fcntl
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from ..paths import Home

RUN_LOCK = ".ip-pipeline-run.lock"


@contextmanager
def home_run_lock(home: Home) -> Iterator[None]:
    """One `ip-pipeline run`/`backfill` at a time per data directory; a second one waits.

    The `warehouse` pool (limit 1) already serialises warehouse steps across runs, but
    two CLI processes started together still collide: both create the SQLite instance
    storage of a fresh home at once ("table runs already exists"), a slot can leak if
    a process is killed mid-step (nothing frees it without a daemon), and step-level
    slot polling interleaves two full runs slowly. An fcntl lock under <home> covers the
    whole run, is released by the kernel when the process dies, and costs nothing when
    uncontended. Runs launched by the daemon do not take it: they rely on the pool."""
    home.root.mkdir(parents=True, exist_ok=True)
    with open(home.root / RUN_LOCK, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(
                f"Another ip-pipeline run holds {home.root / RUN_LOCK}; waiting for it to finish …",
                file=sys.stderr,
                flush=True,
            )
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
