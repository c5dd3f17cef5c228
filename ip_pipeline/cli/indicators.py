"""CLI: `indicators`, `progress` and `explain` print what the warehouse holds.

The warehouse is opened read-only and closed as soon as the rows are read, so a
running pipeline is not blocked for long.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Callable

import pandas as pd

from ..exports import safe_cell
from ..indicators import explain as explain_records
from ..indicators.catalogue import load_plans
from ..indicators.schema import columns
from ..paths import Home
from ..resources import connect

FORMATS = ("table", "csv", "json")


class CliError(Exception):
    """A one-line message for the user, exit code 2."""


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _read(args: argparse.Namespace, work: Callable) -> pd.DataFrame:
    """Open, read into memory, close: a reader never holds the warehouse while it prints. While
    a run writes it, the newest backup is read instead (backups.open_for_reading says so)."""
    from ..backups import open_for_reading

    home = Home.of(args.home)
    path = home.warehouse
    if not path.exists():
        raise CliError(f"no warehouse at {path}: run the pipeline first (or pass --home)")
    try:
        reading = open_for_reading(home)
        con = reading.__enter__()
    except Exception as exc:  # e.g. locked by a writer, and no backup yet
        raise CliError(f"cannot open {path} read-only: {str(exc).splitlines()[0]}") from None
    try:
        return work(con)
    finally:
        reading.__exit__(None, None, None)


def _table_exists(con, name: str) -> bool:
    return con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ?", [name]
    ).fetchall()[0][0] > 0


def _select(table: str, as_of: date | None, order: str):
    def work(con) -> pd.DataFrame:
        if not _table_exists(con, table):
            raise CliError(f"the warehouse has no {table} yet: run the indicators first")
        where, params = ("WHERE as_of = ?", [as_of]) if as_of else ("", [])
        cols = ", ".join(columns(table))
        return con.execute(f"SELECT {cols} FROM {table} {where} ORDER BY {order}", params).df()
    return work


def _flags_text(v) -> str:
    return ";".join(v) if v is not None and len(v) else ""


def _emit(df: pd.DataFrame, fmt: str, table: Callable[[pd.DataFrame], str] | None = None) -> None:
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y-%m-%d")
    if fmt == "csv":
        if "flags" in out.columns:
            out["flags"] = out["flags"].map(_flags_text)
        for c in out.columns:
            if out[c].map(lambda v: isinstance(v, (list, tuple)) or hasattr(v, "tolist") and not isinstance(v, str)).any():
                out[c] = out[c].map(lambda v: _flags_text(list(v)) if v is not None else "")
        out = out.map(safe_cell)  # no cell a spreadsheet would run as a formula
        sys.stdout.write(out.to_csv(index=False))
    elif fmt == "json":
        for c in out.columns:
            out[c] = out[c].map(lambda v: v.tolist() if hasattr(v, "tolist") and not isinstance(v, str) else v)
        records = json.loads(out.to_json(orient="records", force_ascii=False, date_format="iso"))
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
    else:
        if out.empty:
            sys.stdout.write("(no rows)\n")
            return
        sys.stdout.write((table(out) if table else out.to_string(index=False)) + "\n")


def _names() -> dict[str, tuple[str, str]]:
    names: dict[str, tuple[str, str]] = {}
    for plan in load_plans():
        for ind in plan.indicators + plan.companions:
            names.setdefault(ind.id, (ind.name_zh, ind.unit))
    return names


def _fmt_num(v, unit: str = "") -> str:
    if v is None or pd.isna(v):
        return "—"
    text = f"{v:,.0f}" if float(v).is_integer() and abs(v) >= 1 else f"{v:,.4g}" if abs(v) < 1 else f"{v:,.2f}"
    return f"{text} {unit}".strip()


def _aligned(view: pd.DataFrame) -> str:
    # Chinese characters take two terminal columns; without this the columns drift.
    with pd.option_context("display.unicode.east_asian_width", True, "display.max_colwidth", 40):
        return view.to_string(index=False)


def _values_table(df: pd.DataFrame) -> str:
    names = _names()
    view = pd.DataFrame(
        {
            "日期": df["as_of"],
            "指标": df["indicator_id"].map(lambda i: names.get(i, (i, ""))[0]),
            "区划": df["district_code"],
            "值": [_fmt_num(v, u or "") for v, u in zip(df["value"], df["unit"])],
            "分子": df["numerator"].map(_fmt_num),
            "分母": df["denominator"].map(_fmt_num),
            "标记": df["flags"].map(lambda f: _flags_text(list(f)) if f is not None else ""),
        }
    )
    return _aligned(view)


def _progress_table(df: pd.DataFrame) -> str:
    names = _names()
    unit = lambda i: names.get(i, (i, ""))[1]  # noqa: E731
    view = pd.DataFrame(
        {
            "日期": df["as_of"],
            "规划": df["plan_id"],
            "指标": df["indicator_id"].map(lambda i: names.get(i, (i, ""))[0]),
            "区划": df["district_code"],
            "当前值": [_fmt_num(v, unit(i)) for v, i in zip(df["value"], df["indicator_id"])],
            "基期值": [_fmt_num(v, unit(i)) for v, i in zip(df["base_value"], df["indicator_id"])],
            "目标值": [_fmt_num(v, unit(i)) for v, i in zip(df["target_value"], df["indicator_id"])],
            "应达值": [_fmt_num(v, unit(i)) for v, i in zip(df["expected_value"], df["indicator_id"])],
            "进度比": df["ratio"].map(lambda r: "—" if pd.isna(r) else f"{r:.2f}"),
            "状态": df["status_label_zh"],
            "得分": df["score"].map(lambda s: "—" if pd.isna(s) else f"{s:.2f}"),
        }
    )
    return _aligned(view)


def run_indicators(args: argparse.Namespace) -> int:
    df = _read(args, _select("indicator_values", args.as_of, "as_of, indicator_id, district_code"))
    _emit(df, args.format, _values_table)
    return 0


def run_progress(args: argparse.Namespace) -> int:
    df = _read(args, _select("indicator_progress", args.as_of, "as_of, plan_id, indicator_id, district_code"))
    _emit(df, args.format, _progress_table)
    return 0


def run_explain(args: argparse.Namespace) -> int:
    try:
        df = _read(args, lambda con: explain_records(con, args.indicator, args.as_of, args.district))
    except KeyError as exc:
        raise CliError(str(exc.args[0])) from None
    _emit(df, args.format)
    return 0


def _guard(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except CliError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    run.__name__ = func.__name__
    return run


def add_cli(subparsers) -> None:
    """Register `indicators`, `progress` and `explain` on an argparse subparsers object."""
    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--home", default=None, help="data directory (default $IP_PIPELINE_HOME, else ./data)")
        p.add_argument("--format", choices=FORMATS, default="table")

    p = subparsers.add_parser("indicators", help="print indicator_values")
    common(p)
    p.add_argument("--as-of", type=_as_of, default=None, help="YYYY-MM-DD (default: every date)")
    p.set_defaults(func=_guard(run_indicators))

    p = subparsers.add_parser("progress", help="print progress against the plan(s)")
    common(p)
    p.add_argument("--as-of", type=_as_of, default=None, help="YYYY-MM-DD (default: every date)")
    p.set_defaults(func=_guard(run_progress))

    p = subparsers.add_parser("explain", help="the records behind an indicator value")
    common(p)
    p.add_argument("--indicator", required=True)
    p.add_argument("--as-of", type=_as_of, required=True)
    p.add_argument("--district", default=None, help="unit code (default: the whole city)")
    p.set_defaults(func=_guard(run_explain))
