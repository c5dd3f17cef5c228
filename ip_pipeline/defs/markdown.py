"""Markdown the Dagster UI shows in materialisation and check metadata: tables a data
engineer can read and act on (names beside ids, numbers by unit, statuses filled)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from ..city import CITY
from ..db import table_exists
from ..indicators import rules, sql
from ..indicators.catalogue import load_plans
from ..indicators.progress import prepare_progress
from ..labels import Labels, format_number, no_data_yet, standard_districts

log = logging.getLogger(__name__)

MAX_ROWS = 20


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if v != v:  # NaN
            return ""
        return f"{v:,.4g}" if abs(v) < 1 else f"{v:,.2f}" if not v.is_integer() else f"{v:,.0f}"
    if isinstance(v, (list, tuple)):
        v = ", ".join(str(x) for x in v)
    return str(v).replace("|", "\\|").replace("\n", " ")


def md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], align: str | None = None) -> str:
    """A GitHub markdown table; `align` one letter per column (l or r)."""
    rows = list(rows)
    align = align or "l" * len(headers)
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|",
    ]
    lines += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def records_table(records: list[dict], limit: int = MAX_ROWS, total: int | None = None) -> str:
    """A list of dicts (a check's offending rows) as a markdown table, names beside district codes."""
    if not records:
        return "_(none)_"
    names = standard_districts()
    cols: list[str] = []
    for r in records:
        cols += [k for k in r if k not in cols]
    shown = records[:limit]
    rows = []
    for r in shown:
        row = []
        for c in cols:
            v = r.get(c)
            if c == "district_code" and v in names:
                v = f"{v} {names[v][0]}"
            row.append(v)
        rows.append(row)
    align = "".join(
        "r"
        if all(
            isinstance(r.get(c), (int, float)) and not isinstance(r.get(c), bool)
            for r in shown
            if r.get(c) is not None
        )
        and any(r.get(c) is not None for r in shown)
        else "l"
        for c in cols
    )
    text = md_table(cols, rows, align)
    total = len(records) if total is None else total
    if total > len(shown):
        text += f"\n\n_{len(shown)} of {total:,} rows shown._"
    return text


def _example(value: Any) -> str:
    """An offending value in words: a row as `column value` pairs (the full rows: offending_sample)."""
    if isinstance(value, dict):
        return ", ".join(f"{k} {_cell(v)}" for k, v in value.items())
    return _cell(value)


def failures_table(failures: list) -> str:
    """Failed expectations (quality/failures.py ExpectationFailure) as one markdown table."""
    if not failures:
        return "_(every expectation passed)_"
    rows = []
    for f in failures:
        sample = (
            "; ".join(_example(s) for s in (f.sample or [])[:3])
            if isinstance(f.sample, list)
            else _example(f.sample)
        )
        pct = "" if f.unexpected_percent is None else f"{f.unexpected_percent:.2f}%"
        rows.append(
            [
                f.severity,
                f.rule,
                f.column or "",
                f.unexpected_count,
                pct,
                f.error or ("" if f.observed is None else _cell(f.observed)),
                sample,
            ]
        )
    return md_table(
        ["severity", "rule", "column", "unexpected rows", "share", "observed / error", "e.g."],
        rows,
        "lllrrll",
    )


# --------------------------------------------------------------------------- latest values


def _plans_shown(plans, as_of: date):
    """Every plan that has started by `as_of` (in force, or ended: shown by its final evaluation)."""
    started = [p for p in plans if rules.started(p, as_of)]
    return started or plans[:1]


def _in_force(plan, as_of: date) -> bool:
    return rules.in_force(plan, as_of)  # the engine's lifecycle: end of base year < D <= 31 Dec T


def final_statuses(con, plans) -> dict[tuple[str, str], str]:
    """(plan_id, indicator_id) -> the final word of an ended plan's evaluation (plan_outcomes), city."""
    ended = [p.id for p in plans]
    if not ended or not table_exists(con, "plan_outcomes"):
        return {}
    try:
        rows = con.execute(
            "SELECT plan_id, indicator_id, final_label_zh FROM plan_outcomes "
            "WHERE district_code = ? AND list_contains(?, plan_id)",
            [CITY, ended],
        ).fetchall()
    except Exception:  # noqa: BLE001  an older plan_outcomes without the label column
        return {}
    return {(p, i): f"终期: {w}" for p, i, w in rows if w}


def statuses_for(con, as_of: date, plans, compute: bool = True) -> tuple[dict[tuple[str, str], str], str]:
    """(plan_id, indicator_id) -> status word for the city on `as_of`, and where it came from.

    indicator_values runs before indicator_progress: the status is computed here for this one
    date from the catalogue (the progress SQL into temp tables, nothing written); if that
    cannot be done, the last status indicator_progress holds on or before the date is shown."""
    try:
        if not compute:
            raise LookupError("indicator_progress is computed")
        prepare_progress(con, [as_of], plans)
        sql.execute(con, "CREATE OR REPLACE TEMP TABLE _md_progress AS", "progress/indicator_progress")
        rows = con.execute(
            "SELECT plan_id, indicator_id, status_label_zh FROM _md_progress "
            "WHERE district_code = ? AND as_of = ?",
            [CITY, as_of],
        ).fetchall()
        con.execute("DROP TABLE IF EXISTS _md_progress")
        return {(p, i): s for p, i, s in rows}, "computed for this date from the catalogue"
    except LookupError:
        pass
    except Exception as exc:  # noqa: BLE001  the progress code changed shape: fall back to what was published
        log.warning("status for the latest-values table not computed (%s); using indicator_progress", exc)
    if not table_exists(con, "indicator_progress"):
        return {}, "no indicator_progress yet"
    rows = con.execute(
        "SELECT plan_id, indicator_id, arg_max(status_label_zh, as_of), max(as_of) FROM indicator_progress "
        "WHERE district_code = ? AND as_of <= ? GROUP BY ALL",
        [CITY, as_of],
    ).fetchall()
    when = max((r[3] for r in rows), default=None)
    return {(p, i): s for p, i, s, _ in rows}, f"from indicator_progress as of {when}"


def latest_values_markdown(con, as_of: date, compute_status: bool = True) -> str:
    """The city's values on `as_of` against the targets of the plans in force, statuses filled."""
    plans = load_plans()
    if not table_exists(con, "indicator_values"):
        return "_(no values)_"
    rows = con.execute(
        "SELECT indicator_id, value, unit, flags FROM indicator_values "
        "WHERE as_of = ? AND district_code = ? ORDER BY indicator_id",
        [as_of, CITY],
    ).fetchall()
    if not rows:
        return "_(no values)_"
    labels = Labels.load(con, "zh", plans)
    shown = _plans_shown(plans, as_of)
    live = [p for p in shown if _in_force(p, as_of)]
    status, origin = statuses_for(con, as_of, live, compute_status) if live else ({}, "")
    ended = [p for p in shown if not _in_force(p, as_of)]
    finals = final_statuses(con, ended)
    for p in ended:  # an ended plan has no progress after its target year: its final word, or that it ended
        for ind in p.indicators:
            status[(p.id, ind.id)] = finals.get((p.id, ind.id), "规划已结束")
    heads = ["indicator", "name", "value"]
    for p in shown:
        suffix = "" if len(shown) == 1 else f" ({p.id})"
        heads += [f"target{suffix}", f"status{suffix}"]
    heads.append("flags")
    body = []
    for ind, value, unit, flags in rows:
        line = [ind, labels.indicator(ind), no_data_yet(value, flags, "zh") or labels.value(value, ind, unit)]
        for p in shown:
            try:
                target = p.indicator(ind).target
            except KeyError:
                target = None
            if target is None or getattr(target, "value", None) is None:
                # an `improvement` target has no number: the value must rise (显著提升)
                line += [
                    "rise" if getattr(target, "kind", None) == "improvement" else "",
                    status.get((p.id, ind), ""),
                ]
                continue
            u = labels.indicators[ind].unit if ind in labels.indicators else unit
            line += [
                format_number(
                    target.value, u, with_unit=False, decimals=2 if ind == "hv_patents_per_10k" else None
                ),
                status.get((p.id, ind), ""),
            ]
        line.append(", ".join(flags or []))
        body.append(line)
    title = f"As of {as_of}, city ({CITY} 烟台市) — " + "; ".join(
        p.name_zh + ("" if _in_force(p, as_of) else f" (ended {p.target_year}-12-31)") for p in shown
    )
    note = f"\n\n_Status: {origin}._" if origin else ""
    return title + "\n\n" + md_table(heads, body, "llr" + "rl" * len(shown) + "l") + note
