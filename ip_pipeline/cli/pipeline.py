"""run, demo, backfill and reconcile."""

from __future__ import annotations

import argparse
import json
import sys

from ..ingest.contracts import SOURCE_NAMES
from ..ops.reconcile import reconcile
from ..paths import Home
from .common import add_home, home_of, print_written


def cmd_run(args: argparse.Namespace) -> int:
    from ..defs.runner import run_pipeline  # here: Dagster loads only for the commands that run

    home = home_of(args)
    if not home.landing.is_dir():
        print(
            f"error: no landing zone at {home.landing} (run `ip-pipeline sample --home {home.root}` "
            f"or put the exports there)",
            file=sys.stderr,
        )
        return 2
    outcome = run_pipeline(home, report=not args.no_report, verbose=args.debug)
    code = _finish(outcome, home)
    if code == 0:
        _closing_lines(outcome, home)
    return code


def _finish(outcome, home: Home) -> int:
    if not outcome.success:
        print("Run failed. " + outcome.message(), file=sys.stderr)
        return 1
    if not outcome.indicators_run:
        print(f"Run succeeded: every month was current. Warehouse: {home.warehouse}")
    else:
        print(f"Run succeeded ({outcome.months[0]} … {outcome.months[1]}). Warehouse: {home.warehouse}")
    if outcome.read_again is not None:
        print(_sources_line(outcome.read_again))
    if outcome.current and outcome.indicators_run:
        print(
            f"Months {outcome.current[0]} … {outcome.current[1]} were current (inputs unchanged since the "
            f"last run) and were not run again."
        )
    if outcome.report:
        print(f"Report: {outcome.report}")
    if outcome.backup:
        written, linked = outcome.backup_tables
        how = (
            "the warehouse is unchanged since it was made"
            if outcome.backup_reused
            else f"verified; {written} table(s) written, {linked} unchanged kept from the previous generation"
        )
        print(f"Backup: {outcome.backup} ({how}; `ip-pipeline restore` brings it back)")
    for note in outcome.notes:  # said once: a source folder that does not exist, no backup made
        print(f"Note: {note.rstrip('.')}.")
    return 0


def _sources_line(read_again: tuple[str, ...]) -> str:
    if not read_again:
        return "No source changed since the last run: none was read again (the freshness checks ran)."
    unchanged = [s for s in SOURCE_NAMES if s not in read_again]
    line = f"Sources read again (a new snapshot, or units taken from one): {', '.join(read_again)}"
    return line + (f"; unchanged, not read: {', '.join(unchanged)}." if unchanged else ".")


def _closing_lines(outcome, home: Home) -> None:
    """After a successful run: every file the report build wrote (its manifest, beside the PDF), the
    data docs index and the command that opens the UI on this data directory."""
    from ..defs.reports import written_files  # here: Dagster loads only for the commands that run

    files = written_files(home, outcome.report.parent.name) if outcome.report else []
    print_written(files, home)


def cmd_backfill(args: argparse.Namespace) -> int:
    from ..defs.runner import run_pipeline, run_report_archive  # here: Dagster, as above

    home = home_of(args)
    if args.reports:
        outcome = run_report_archive(home, first=args.from_month, last=args.to_month, verbose=args.debug)
        if not outcome.success:
            print("Run failed. " + outcome.message(), file=sys.stderr)
            return 1
        pdfs = [f for f in outcome.files if f.suffix == ".pdf"]
        print(
            f"Report archive built ({outcome.months[0]} … {outcome.months[1]}): {len(pdfs)} PDFs, "
            f"{len(outcome.files)} files in {home.reports}"
        )
        print_written(outcome.files, home, data_docs=False)
        return 0
    if not (args.from_month and args.to_month):
        print(
            "error: backfill needs --from and --to (or --reports, whose range defaults to every past month)",
            file=sys.stderr,
        )
        return 2
    outcome = run_pipeline(home, first=args.from_month, last=args.to_month, report=False, verbose=args.debug)
    return _finish(outcome, home)


def cmd_demo(args: argparse.Namespace) -> int:
    from ..defs.runner import run_pipeline  # here: Dagster, as above

    home = home_of(args)
    if not home.landing.is_dir() or not any(home.landing.iterdir()):
        from ..sample import generate_sample  # here: the generator loads only when it runs

        print(f"Generating the sample landing zone in {home.landing} …")
        generate_sample(home.root, scale=args.scale, progress=sys.stderr.isatty())
    outcome = run_pipeline(home, verbose=args.debug)
    code = _finish(outcome, home)
    if code == 0:
        _closing_lines(outcome, home)
    return code


def cmd_reconcile(args: argparse.Namespace) -> int:
    home = home_of(args)
    if not home.warehouse.exists():
        print(f"error: no warehouse at {home.warehouse}; run `ip-pipeline run` first", file=sys.stderr)
        return 2
    rows = reconcile(home)
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return 0
    print(
        f"{'source':<16}{'raw':>10}{'staged':>10}{'quarantined':>13}{'duplicates':>12}  reconciles  top reasons"
    )
    for r in rows:
        top = ", ".join(f"{k} {v}" for k, v in list(r["reasons"].items())[:3])
        print(
            f"{r['source']:<16}{r['raw']:>10,}{r['staged']:>10,}{r['quarantined']:>13,}{r['duplicates']:>12,}"
            f"  {'yes' if r['reconciles'] else 'NO':<10}  {top}"
        )
    return 0 if all(r["reconciles"] for r in rows) else 1


def add_cli(sub) -> None:
    p = sub.add_parser(
        "run", help="materialise every asset through Dagster (sources, checks, indicators, report)"
    )
    add_home(p)
    p.add_argument("--no-report", action="store_true", help="skip the latest month's report")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("demo", help="generate the sample when the landing zone is empty, then run")
    add_home(p)
    p.add_argument(
        "--scale", type=float, default=1.0, help="sample size relative to the real city (default 1)"
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "backfill",
        help="recompute a range of monthly partitions in one run; --reports: the archive "
        "of past months' bulletins",
    )
    add_home(p)
    p.add_argument(
        "--from",
        dest="from_month",
        default=None,
        metavar="YYYY-MM",
        help="first month (required without --reports; with it, default the first partition)",
    )
    p.add_argument(
        "--to",
        dest="to_month",
        default=None,
        metavar="YYYY-MM",
        help="last month (required without --reports; with it, default the last complete month)",
    )
    p.add_argument(
        "--reports",
        action="store_true",
        help="build each month's report (PDF zh/en, XLSX) as it was published: values from "
        "published_values where the history has them; the history is never rewritten",
    )
    p.set_defaults(func=cmd_backfill)

    p = sub.add_parser(
        "reconcile", help="per source: raw = staged + quarantined + duplicates, and the reasons"
    )
    add_home(p)
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_reconcile)
