"""Arguments and output helpers shared by sub-commands."""
from __future__ import annotations

import argparse

from ..paths import Home


def add_home(p: argparse.ArgumentParser) -> None:
    p.add_argument("--home", default=None,
                   help="data directory (default: $IP_PIPELINE_HOME, else ./data)")


def home_of(args: argparse.Namespace) -> Home:
    return Home.of(args.home)
