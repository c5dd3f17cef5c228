"""`ip-pipeline`: the command line of the Yantai IP indicators pipeline.

Each sub-command lives in the module of its domain and registers itself with
`add_cli(subparsers)`. Errors are one readable line (exit 2 for a usage or
input problem, 1 for a failed run); `--debug` shows the traceback.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import warnings

# Modules that contribute sub-commands, in the order `--help` lists them.
COMMAND_MODULES = (
    "ip_pipeline.cli.pipeline",       # run, demo, backfill, reconcile
    "ip_pipeline.sample.cli",         # sample
    "ip_pipeline.cli.indicators",     # indicators, progress, explain
    "ip_pipeline.cli.plans",          # plans, outcomes, progress --plan (after cli.indicators)
    "ip_pipeline.report.cli",         # report
    "ip_pipeline.cli.doctor",         # doctor
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ip-pipeline",
        description="烟台市知识产权强市指标 — ingest, check, compute and report the IP strategy's indicators.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks and Dagster's own logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_cli(sub)
    return parser


def _quiet() -> None:
    warnings.filterwarnings("ignore")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    logging.getLogger("dagster").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if not args.debug:
        _quiet()
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: a sentence, not a traceback
        if args.debug:
            raise
        from ..ingest.database import mask_url

        print(f"error: {mask_url(f'{type(exc).__name__}: {exc}')} (run with --debug for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
