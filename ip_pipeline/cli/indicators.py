"""CLI: `indicators`, `progress` and `explain` print what the warehouse holds.

The table format is for people (cli/tables.py): district names beside the codes, plan
names, values in their units, the catalogue's status words, columns aligned by display
width; `--lang en` for English. csv and json keep the warehouse's columns and ids.
`--indicator`, `--district` and `--plan` list their valid ids in `--help`.

The warehouse is opened read-only and closed as soon as the rows are read, so a
running pipeline is not blocked for long.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

import pandas as pd

from ..city import CITY
from ..db import table_exists
from ..indicators.catalogue import load_plans
from ..indicators.engine import indicator_ids
from ..indicators.explain import CRITERIA_NAMES, EXPLAIN, GROWTH_TERMS, formula, summarise
from ..indicators.explain import explain as explain_records
from ..indicators.registry import COMPUTATIONS
from ..indicators.rules import month_end
from ..indicators.schema import columns
from ..labels import MISSING, format_count, format_number, no_data_yet
from ..paths import Home
from .common import COMMAND_ARGS, FORMATS, CliError, guard, parse_as_of
from .output import current_labels, emit, flags_text, labels_for, read
from .plans import plans_in_force
from .tables import district_ids_help, header, indicator_ids_help, plan_ids_help, render


def _note(args: argparse.Namespace, zh: str, en: str) -> None:
    """A line about what is shown (stderr: a csv or json on stdout stays clean)."""
    print(("说明: " + zh) if getattr(args, "lang", "zh") != "en" else ("note: " + en), file=sys.stderr)


def _shown_date(con, table: str, args: argparse.Namespace) -> date | None:
    """The date shown: --as-of when it is a month end; a date inside a month takes the month's end
    (the bulletin's dates), said in one line; no --as-of, the latest month end the table holds.
    Where that month end has no rows yet, the latest earlier one that has, said so too."""
    asked = args.as_of
    if asked is None and getattr(args, "all", False):
        return None
    wanted = month_end(asked) if asked is not None else None
    if asked is not None and wanted != asked:
        _note(
            args,
            f"{asked} 不是月末，显示该月月末 {wanted} 的数据",
            f"{asked} is not a month end: showing the month's end, {wanted}",
        )
    ends = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT as_of FROM {table} WHERE as_of = last_day(as_of) "
            + ("AND as_of <= ? " if wanted else "")
            + "ORDER BY as_of",
            [wanted] if wanted else [],
        ).fetchall()
    ]
    if wanted is not None and wanted in ends:
        return wanted
    if not ends:
        span = con.execute(f"SELECT min(as_of), max(as_of) FROM {table}").fetchone()
        if span[0] is None:
            raise CliError(f"{table} has no rows yet: run the pipeline (ip-pipeline run)")
        raise CliError(f"{table} has no month end on or before {wanted}; it holds {span[0]} to {span[1]}")
    latest = ends[-1]
    if wanted is not None:
        _note(
            args,
            f"{wanted} 尚无数据，显示最近的月末 {latest}",
            f"no rows for {wanted} yet: showing the latest month end, {latest}",
        )
    return latest


def _select(table: str, order: str):
    def work(con) -> pd.DataFrame:
        if not table_exists(con, table):
            raise CliError(f"the warehouse has no {table} yet: run the pipeline (ip-pipeline run)")
        args = COMMAND_ARGS.get()
        shown = _shown_date(con, table, args) if args is not None else None
        where, params = ("WHERE as_of = ?", [shown]) if shown else ("", [])
        # A warehouse written by an older version lacks the newest columns: those are left out.
        have = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = ? AND table_schema = 'main'",
                [table],
            ).fetchall()
        }
        cols = ", ".join(c for c in columns(table) if c in have)
        df = con.execute(f"SELECT {cols} FROM {table} {where} ORDER BY {order}", params).df()
        if args is None:
            return df
        if not getattr(args, "all", False) and not getattr(args, "district", None):
            df = df[df["district_code"] == CITY]  # the city by default; --district or --all for the units
        return _filter(df, args)

    return work


def _summary(df: pd.DataFrame, args: argparse.Namespace, labels) -> str:
    """The line under a table, in the table's language: rows, dates, units."""
    dates = sorted({str(d)[:10] for d in df["as_of"]}) if len(df) else []
    when = dates[0] if len(dates) == 1 else (f"{dates[0]} – {dates[-1]}" if dates else "—")
    units = sorted(set(df["district_code"])) if len(df) else []
    where = labels.district(units[0]) if len(units) == 1 else None
    if labels.lang == "en":
        return (
            f"{len(df):,} rows · as of {when} · "
            + (where or f"{len(units)} units")
            + ("" if getattr(args, "all", False) else " (--all for every date and unit)")
        )
    return (
        f"共 {len(df):,} 行 · 日期 {when} · "
        + (where or f"{len(units)} 个区划")
        + ("" if getattr(args, "all", False) else "（--all 显示所有日期和区划）")
    )


def _flags_cell(f) -> str:
    return flags_text(list(f)) if f is not None and not (isinstance(f, float) and pd.isna(f)) else ""


def _values_table(df: pd.DataFrame, labels=None) -> str:
    labels = current_labels(labels)
    lang = labels.lang
    heads = [
        header(k, lang)
        for k in ("as_of", "indicator", "district", "value", "numerator", "denominator", "flags")
    ]
    rows = [
        [
            r.as_of,
            labels.indicator(r.indicator_id),
            labels.district(r.district_code),
            no_data_yet(r.value, r.flags, lang) or labels.value(r.value, r.indicator_id, r.unit),
            format_count(r.numerator),
            format_count(r.denominator),
            _flags_cell(r.flags),
        ]
        for r in df.itertuples(index=False)
    ]
    return render(heads, rows, align="lllrrrl")


def _progress_table(df: pd.DataFrame, labels=None) -> str:
    labels = current_labels(labels)
    lang = labels.lang
    keys = (
        "as_of",
        "plan",
        "indicator",
        "district",
        "current",
        "base",
        "target",
        "expected",
        "ratio",
        "status",
        "score",
    )
    rows = []
    for r in df.itertuples(index=False):
        # The value with the engine's decimals (more where a missed target would print as met).
        shown = getattr(r, "value_decimals", None)
        shown = None if shown is None or pd.isna(shown) else int(shown)
        rows.append(
            [
                r.as_of,
                labels.plan(r.plan_id),
                labels.indicator(r.indicator_id),
                labels.district(r.district_code),
                labels.value(r.value, r.indicator_id, decimals=shown),
                *(labels.value(v, r.indicator_id) for v in (r.base_value, r.target_value, r.expected_value)),
                MISSING if pd.isna(r.ratio) else f"{r.ratio:.2f}",
                labels.status(r.status, r.status_label_zh, r.status_label_en),
                MISSING if pd.isna(r.score) else f"{r.score:.2f}",
            ]
        )
    return render([header(k, lang) for k in keys], rows, align="llllrrrrrlr")


def _filter(df: pd.DataFrame, args: argparse.Namespace) -> pd.DataFrame:
    for col, attr in (("indicator_id", "indicator"), ("district_code", "district"), ("plan_id", "plan")):
        wanted = getattr(args, attr, None)
        if wanted and col in df.columns:
            df = df[df[col] == wanted]
    return df.reset_index(drop=True)


def _check_ids(args: argparse.Namespace) -> None:
    """A wrong id is one line naming the valid ones (the same list --help shows)."""
    plans = load_plans()
    ind = getattr(args, "indicator", None)
    if ind:
        known = indicator_ids(plans) + [i for i in COMPUTATIONS if i not in indicator_ids(plans)]
        if ind not in known:
            raise CliError(f"unknown indicator {ind!r}; known: {', '.join(known)}")
    plan = getattr(args, "plan", None)
    if plan and plan not in [p.id for p in plans]:
        raise CliError(f"unknown plan {plan!r}; known: {', '.join(p.id for p in plans)}")


def run_indicators(args: argparse.Namespace) -> int:
    _check_ids(args)
    df = read(args, _select("indicator_values", "as_of, indicator_id, district_code"))
    labels = labels_for(args) if args.format == "table" else None
    emit(df, args.format, lambda view: _values_table(view, labels))
    if labels is not None:
        sys.stdout.write("\n" + _summary(df, args, labels) + "\n")
    return 0


def run_progress(args: argparse.Namespace) -> int:
    _check_ids(args)
    df = read(args, _select("indicator_progress", "as_of, plan_id, indicator_id, district_code"))
    df = plans_in_force(df, args)  # an ended plan has no progress, only its final evaluation
    labels = labels_for(args) if args.format == "table" else None
    emit(df, args.format, lambda view: _progress_table(view, labels))
    if labels is not None:
        sys.stdout.write("\n" + _summary(df, args, labels) + "\n")
    return 0


def _page(df: pd.DataFrame, offset: int, limit: int | None) -> pd.DataFrame:
    end = None if limit is None else offset + limit
    return df.iloc[offset:end].reset_index(drop=True)


def run_explain_address(args: argparse.Namespace) -> int:
    """`explain --address TEXT` or `--record SOURCE:KEY`: which words of an address decided its unit."""
    from ..ingest.addresses import AddressReader, explain_lines
    from ..ingest.districts import reader_from_table, record_lines

    if args.record:
        source, _, key = args.record.partition(":")
        if not key:
            raise CliError("--record takes SOURCE:KEY, e.g. patents:2021101234567")
        try:
            lines = read(args, lambda con: record_lines(con, source.strip(), key.strip()))
        except (KeyError, ValueError, FileNotFoundError) as exc:
            raise CliError(str(exc.args[0] if exc.args else exc)) from None
    else:

        def with_districts(con):  # the districts the warehouse was built with
            if con is None or not table_exists(con, "stg_districts"):
                return None
            names = dict(con.execute("SELECT code, name_zh FROM main.stg_districts").fetchall())
            return explain_lines(reader_from_table(con).read(args.address), names)

        lines = read(args, with_districts) if Home.of(args.home).warehouse.exists() else None
        if lines is None:  # no warehouse yet: the spec's districts table
            import csv
            import io

            from ..sample.geo import DISTRICTS_CSV

            rows = list(csv.DictReader(io.StringIO(DISTRICTS_CSV)))
            lines = explain_lines(
                AddressReader(rows).read(args.address), {r["code"]: r["name_zh"] for r in rows}
            )
    print("\n".join(lines))
    return 0


def run_explain(args: argparse.Namespace) -> int:
    if getattr(args, "address", None) or getattr(args, "record", None):
        return run_explain_address(args)
    if not args.indicator or not args.as_of:
        raise CliError("explain needs --indicator and --as-of (or --address TEXT / --record SOURCE:KEY)")
    _check_ids(args)
    if args.indicator not in COMPUTATIONS:
        raise CliError(f"indicator {args.indicator!r} has no computation; known: {', '.join(COMPUTATIONS)}")
    listable = args.indicator in EXPLAIN

    def work(con):
        records = explain_records(con, args.indicator, args.as_of, args.district) if listable else None
        return records, summarise(con, args.indicator, args.as_of, args.district, records)

    try:
        records, summary = read(args, work)
    except KeyError as exc:
        raise CliError(str(exc.args[0])) from None
    if args.format != "table":
        # Machine formats: the records themselves, the columns of the explain SQL (stable), paged on request.
        if records is None:
            raise CliError(f"{args.indicator} has no record listing (its summary: --format table)")
        emit(_page(records, args.offset, args.limit), args.format)
        return 0
    labels = labels_for(args)
    sys.stdout.write(_summary_text(summary, labels) + "\n")
    if records is not None and args.records:
        limit = 50 if args.limit is None else args.limit
        page = _page(records, args.offset, limit)
        shown = f"{args.offset + 1}–{args.offset + len(page)}" if len(page) else "0"
        sys.stdout.write(
            ("\n记录 " if labels.lang == "zh" else "\nRecords ") + f"{shown} / {len(records):,}\n"
        )
        emit(page, "table", lambda view: _records_table(view, labels))
        if args.offset + len(page) < len(records):
            sys.stdout.write(
                f"… --offset {args.offset + len(page)} --limit {limit} for the next page, "
                f"--format csv for all {len(records):,}\n"
            )
    elif records is not None:
        sys.stdout.write(
            "\n列出记录: --records (分页 --limit/--offset; 导出 --format csv)\n"
            if labels.lang == "zh"
            else "\nList the records: --records (paged with --limit/--offset; export: --format csv)\n"
        )
    return 0


def _records_table(view: pd.DataFrame, labels) -> str:
    out = view.copy()
    if "district_code" in out.columns:
        out["district_code"] = out["district_code"].map(labels.district)
    for c in out.columns:
        out[c] = out[c].map(
            lambda v: (
                flags_text(list(v))
                if hasattr(v, "tolist") and not isinstance(v, str)
                else ("" if v is None or (isinstance(v, float) and pd.isna(v)) else v)
            )
        )
        if pd.api.types.is_float_dtype(view[c]):
            out[c] = view[c].map(lambda v: "" if pd.isna(v) else f"{v:,.2f}")
    return render(list(out.columns), out.values.tolist())


def _summary_text(s, labels) -> str:
    zh = labels.lang != "en"
    lines = [
        f"{labels.indicator(s.indicator_id)} ({s.indicator_id}) · {s.as_of} · {labels.district(s.district_code)}"
    ]
    if s.stored:
        value = labels.value(s.value, s.indicator_id, s.unit)
        lines.append(("值 = " if zh else "value = ") + formula(s, value, format_count, labels.lang))
        if s.indicator_id.endswith("_cagr"):
            lines.append("    " + GROWTH_TERMS[0 if zh else 1])
        lines.append(("标记: " if zh else "flags: ") + (", ".join(s.flags) if s.flags else "—"))
        if no_data_yet(s.value, s.flags, labels.lang):
            lines.append(
                "暂无数据：所需数据源尚无可用于计算的记录"
                if zh
                else "no data yet: the sources it needs have no records to compute it from"
            )
    else:
        lines.append(
            "indicator_values 无该日期的值 (先运行 ip-pipeline run)"
            if zh
            else "indicator_values has no value for this date (run ip-pipeline run first)"
        )
    if s.records is not None:
        lines.append(("记录数: " if zh else "records: ") + f"{s.records:,}")
    if s.by_criterion is not None:
        total = max(s.records or 0, 1)
        rows = [
            [CRITERIA_NAMES[c][0 if zh else 1], f"{n:,}", format_number(100 * n / total, "%", decimals=1)]
            for c, n in zip(s.by_criterion["criterion"], s.by_criterion["count"])
        ]
        lines += [
            "",
            "按条件 (一件专利可满足多个条件)" if zh else "By criterion (a patent may meet several)",
            render(
                [
                    header("criterion", labels.lang),
                    header("count", labels.lang),
                    header("share", labels.lang),
                ],
                rows,
                align="lrr",
            ),
        ]
        over = [
            [(f"满足 {k} 项" if zh else f"{k} criteria" if k > 1 else "1 criterion"), f"{n:,}"]
            for k, n in zip(s.overlap["criteria_met"], s.overlap["count"])
        ]
        multi = int(s.overlap.loc[s.overlap["criteria_met"] >= 2, "count"].sum())
        over.append(["满足多项 (≥2)" if zh else "several (≥2)", f"{multi:,}"])
        lines += [
            "",
            "条件重叠" if zh else "Overlap of criteria",
            render(["条件数" if zh else "criteria met", header("count", labels.lang)], over, align="lr"),
        ]
    if s.by_unit is not None and len(s.by_unit):
        rows = [
            [
                labels.district(r.district_code),
                f"{int(r.records):,}",
                labels.value(getattr(r, "value", None), s.indicator_id, s.unit),
                format_count(getattr(r, "numerator", None)),
                format_count(getattr(r, "denominator", None)),
            ]
            for r in s.by_unit.itertuples(index=False)
        ]
        keys = ("district", "records", "value", "numerator", "denominator")
        lines += [
            "",
            "按区划" if zh else "By unit",
            render([header(k, labels.lang) for k in keys], rows, align="lrrrr"),
        ]
    return "\n".join(lines)


AS_OF_HELP = (
    "YYYY-MM-DD (default: the latest month end; a date inside a month takes the month's end, "
    "as the bulletin does)"
)
ALL_HELP = "every row: every date (unless --as-of) and every reporting unit (default: the city only)"


def add_cli(subparsers) -> None:
    """Register `indicators`, `progress` and `explain` on an argparse subparsers object."""

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--home", default=None, help="data directory (default $IP_PIPELINE_HOME, else ./data)")
        p.add_argument(
            "--format",
            choices=FORMATS,
            default="table",
            help="table (for people: names, units), or csv / json (the warehouse's columns and ids)",
        )
        p.add_argument(
            "--lang", choices=("zh", "en"), default="zh", help="language of the table's names (default zh)"
        )

    def ids(p: argparse.ArgumentParser, required: bool = False) -> None:
        p.add_argument("--indicator", required=required, metavar="ID", help=indicator_ids_help())
        p.add_argument(
            "--district",
            default=None,
            metavar="CODE",
            help=district_ids_help(
                f"reporting unit code (default: the whole city {CITY})"
                if required
                else "only this reporting unit"
            ),
        )

    p = subparsers.add_parser("indicators", help="print indicator_values")
    common(p)
    p.add_argument("--as-of", type=parse_as_of, default=None, help=AS_OF_HELP)
    p.add_argument("--all", action="store_true", help=ALL_HELP)
    ids(p)
    p.set_defaults(func=guard(run_indicators))

    p = subparsers.add_parser(
        "progress", help="print progress against the plans in force (an ended plan: outcomes)"
    )
    common(p)
    p.add_argument("--as-of", type=parse_as_of, default=None, help=AS_OF_HELP)
    p.add_argument("--all", action="store_true", help=ALL_HELP)
    p.add_argument(
        "--plan",
        default=None,
        metavar="ID",
        help=plan_ids_help("only this plan, and only while it is in force on --as-of (default today)"),
    )
    ids(p)
    p.set_defaults(func=guard(run_progress))

    p = subparsers.add_parser(
        "explain",
        help="how an indicator value is made, and the records behind it",
        description="A summary (value = numerator / denominator, counts by criterion and "
        "by unit), then the records with --records. csv and json give the records.",
    )
    common(p)
    ids(p, required=False)
    p.add_argument("--as-of", type=parse_as_of, default=None, help="YYYY-MM-DD (required with --indicator)")
    p.add_argument(
        "--address",
        default=None,
        metavar="TEXT",
        help="which words of an address decide its unit (SOURCES.md, District resolution)",
    )
    p.add_argument(
        "--record",
        default=None,
        metavar="SOURCE:KEY",
        help="a staged record's unit and the words of its addresses that decided it",
    )
    p.add_argument("--records", action="store_true", help="list the records after the summary (table format)")
    p.add_argument(
        "--limit",
        type=int,
        default=None,
        metavar="N",
        help="records per page (table default 50; csv/json default all)",
    )
    p.add_argument("--offset", type=int, default=0, metavar="N", help="skip the first N records (default 0)")
    p.set_defaults(func=guard(run_explain))
