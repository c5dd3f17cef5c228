"""doctor."""
from __future__ import annotations

import argparse

from .common import add_home, home_of


def cmd_doctor(args: argparse.Namespace) -> int:
    from ..doctor import diagnose, render

    findings = diagnose(home_of(args))
    print(render(findings))
    return 1 if any(f.level == "fail" for f in findings) else 0


def add_cli(sub) -> None:
    p = sub.add_parser("doctor", help="check Python, fonts, disk, the warehouse lock, the landing zone and the database")
    add_home(p)
    p.set_defaults(func=cmd_doctor)
