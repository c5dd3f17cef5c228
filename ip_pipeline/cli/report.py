"""`ip-pipeline report --home DIR [--month YYYY-MM] [--lang zh|en]` and `report --plan ID --final`."""

from __future__ import annotations

import argparse
import sys

import duckdb

from ..paths import Home
from .common import print_written

# The report stack (matplotlib) and Dagster load inside the functions: only `report` needs them,
# and every command builds its parser from this module.


def add_cli(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "report",
        help="build the monthly indicator report (PDF and XLSX), or a plan's final evaluation",
        description="Build the monthly indicator report from the warehouse; with --plan ID "
        "--final, the final evaluation (终期评估) of a plan whose target year has ended.",
    )
    parser.add_argument(
        "--home", default=None, help="data directory (default $IP_PIPELINE_HOME, else ./data)"
    )
    parser.add_argument(
        "--month",
        default=None,
        help="report month, YYYY-MM (default: the last complete month in Asia/Shanghai; the running "
        "month is reported only when named, labelled 'as of' its last day of data)",
    )
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="report language (default zh)")
    parser.add_argument("--plan", default=None, help="plan id (with --final: the plan to evaluate)")
    parser.add_argument(
        "--final", action="store_true", help="the plan's final evaluation instead of a monthly report"
    )
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from ..report.build import build_report
    from ..report.model import ReportDataError
    from ..report.months import last_complete_month

    home = Home.of(args.home)
    try:
        if getattr(args, "final", False):
            if not args.plan:
                print("report: --final needs --plan ID (e.g. --plan yantai_ip_14th_fyp)", file=sys.stderr)
                return 2
            return _final(home, args.plan, args.lang)
        elif getattr(args, "plan", None):  # one plan's edition: not an asset of its own
            result = build_report(
                home.root, args.month or last_complete_month(), lang=args.lang, plan_id=args.plan
            )
        else:
            return _through_the_asset(
                home, args.month or last_complete_month(), args.lang, getattr(args, "debug", False)
            )
    except ReportDataError as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 2
    except duckdb.IOException as exc:  # e.g. the warehouse is locked by a writer
        print(
            f"report: cannot open the warehouse {home.warehouse}: {str(exc).splitlines()[0]}", file=sys.stderr
        )
        return 2
    # Every file written, the PDF last (the last line is the PDF's path, for `… | tail -1`).
    print_written([f for f in result.files if f != result.pdf] + [result.pdf], home, data_docs=False)
    return 0


def _final(home: Home, plan_id: str, lang: str) -> int:
    """The plan's final evaluation, built, audited and published as the nightly does (report/staging.py):
    one that does not reconcile with plan_outcomes leaves the published files in place."""
    from ..report.staging import build_final_audited

    result = build_final_audited(home.root, plan_id, (lang,))
    if not result.published:
        print(
            f"report: the final evaluation of {plan_id} does not reconcile with plan_outcomes; not published "
            f"(the rejected files are in {result.rejected[0].parent if result.rejected else '.rejected'}):",
            file=sys.stderr,
        )
        for f in result.findings[:5]:
            print(f"  {f.table} · {f.row}: expected {f.expected}, found {f.found}", file=sys.stderr)
        return 1
    pdf = next(f for f in result.files if f.suffix == ".pdf")
    print_written([f for f in result.files if f != pdf] + [pdf], home, data_docs=False)
    return 0


def _through_the_asset(home, month: str, lang: str, verbose: bool) -> int:
    """The month's report as the monthly_report asset builds it (both editions, the XLSX, the page-1
    PNGs, the final evaluations of plans ended by then): a run of monthly_report_job for the month
    that materialises the report from the indicators as they are (`ip-pipeline run` refreshes them)."""
    from ..defs.reports import report_pdfs, written_files
    from ..defs.runner import run_report

    if not home.warehouse.exists():
        print(
            f"report: no warehouse at {home.warehouse}; run `ip-pipeline run --home {home.root}` first",
            file=sys.stderr,
        )
        return 2
    from ..defs.partitions import monthly_partitions

    keys = monthly_partitions.get_partition_keys()
    if f"{month}-01" not in keys:
        print(
            f"report: {month} is not a month of the pipeline (YYYY-MM from {keys[0][:7]} to {keys[-1][:7]})",
            file=sys.stderr,
        )
        return 2
    outcome = run_report(home, month, verbose=verbose)
    if not outcome.success:
        print(f"report: {outcome.message()}", file=sys.stderr)
        return 2
    pdf = report_pdfs(home, month)[1 if lang == "en" else 0]
    mine = [f for f in written_files(home, month) if f"_{lang}" in f.name and f != pdf]
    # Every file of that edition written, the PDF last (the last line is the PDF's path, for `… | tail -1`).
    print_written(mine + [pdf], home, data_docs=False)
    return 0
