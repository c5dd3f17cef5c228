"""Instrumented kill points for fault-injection tests.

`IP_PIPELINE_FAULT=<point>` makes the process kill itself with SIGKILL when it
reaches `maybe_fail(<point>)` — no cleanup, no `finally`, exactly like a power
cut or the OOM killer. Points: `ingest:before_commit` (a source's staged tables
are written, not yet committed), `indicators:before_commit` (indicator_values
written, not yet committed), `report:mid_write` (the PDF half written).
Unset (always, outside tests) it does nothing.
"""

from __future__ import annotations

import os
import signal

from .settings import settings


def maybe_fail(point: str) -> None:
    if settings().fault == point:
        os.kill(os.getpid(), signal.SIGKILL)
