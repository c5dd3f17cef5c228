"""`ip-pipeline report --home DIR --month YYYY-MM [--lang zh|en]`."""
from __future__ import annotations

import argparse
import sys

import duckdb


def add_cli(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("report", help="build the monthly indicator report (PDF and XLSX)",
                                   description="Build the monthly indicator report from the warehouse.")
    parser.add_argument("--home", default=None, help="data directory (default $IP_PIPELINE_HOME, else ./data)")
    parser.add_argument("--month", required=True, help="report month, YYYY-MM")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="report language (default zh)")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from ..paths import Home
    from .build import build_report
    from .data import ReportDataError

    home = Home.of(args.home)
    try:
        result = build_report(home.root, args.month, lang=args.lang)
    except ReportDataError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 2
    except duckdb.IOException as exc:  # e.g. the warehouse is locked by a writer
        print(f"report: cannot open the warehouse {home.warehouse}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    from ..cli.common import print_written

    # Every file written, the PDF last (the last line is the PDF's path, as before).
    print_written([f for f in result.files if f != result.pdf] + [result.pdf], home, data_docs=False)
    return 0
