"""doctor."""

from __future__ import annotations

import argparse
import os
import time

from ..ops.doctor import diagnose_timed, render, render_timings
from .common import add_home, home_of


def _process_age() -> float | None:
    """Seconds since this process started (Linux /proc), to time the whole command."""
    try:
        start_ticks = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19])
        uptime = float(open("/proc/uptime").read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def cmd_doctor(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    findings, timings = diagnose_timed(home_of(args), imports=args.imports)
    print(render(findings))
    if args.timings:
        print(render_timings(timings, _process_age() or (time.perf_counter() - start)))
    return 1 if any(f.level == "fail" for f in findings) else 0


def add_cli(sub) -> None:
    p = sub.add_parser(
        "doctor",
        help="check Python, fonts, disk, the warehouse (lock and integrity), its backups, "
        "the Dagster storage, the landing zone and the database",
    )
    add_home(p)
    p.add_argument("--timings", action="store_true", help="print how long each check took")
    p.add_argument(
        "--imports",
        action="store_true",
        help="import every package for real (slower: seconds) instead of reading its installed metadata",
    )
    p.set_defaults(func=cmd_doctor)
