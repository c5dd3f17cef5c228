"""Everything the report shows, read from the warehouse in one read-only connection and assembled
into the report's model (report/model.py).

The report reads the output contract (`indicator_values`) and, where they exist,
`indicator_progress`, `plan_scores`, `high_value_patent_criteria`,
`source_snapshots`, `quarantine_<source>`, `quality_results`, `stg_districts`
and the previous month's `published_values`. A missing optional table becomes a
note in the report, never an error. Personal columns (enforcement `party`) are
never selected: only counts and quarantine reasons leave the quarantine tables.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from ..db import connect
from ..indicators import rules
from ..indicators.catalogue import Plan, load_plans
from . import archive
from .data_quality import read_checks, read_sources
from .evaluation import final_evaluation
from .frames import as_date
from .model import PlanView, ReportData, ReportDataError
from .months import month_bounds
from .peers import read_peers
from .plans import choose_plan, find_plan
from .protection import read_protection
from .queries import (
    latest_vintage,
    read_criteria,
    read_district_names,
    read_plan_score,
    read_progress,
    read_revisions,
    read_values,
    table_names,
)
from .sections import build_section


def load_report_data(
    warehouse: Path,
    month: str,
    plan_id: str | None = None,
    catalogue_dir: Path | None = None,
    as_published: bool = False,
) -> ReportData:
    """`as_published`: the month's values as its report published them (published_values of
    that report month, where the history has it) instead of today's vintage — for the archive."""
    month_start, month_end = month_bounds(month)
    if not Path(warehouse).exists():
        raise ReportDataError(f"no warehouse at {warehouse}")
    plans = load_plans(catalogue_dir)
    if plan_id:
        find_plan(plans, plan_id)
    con = connect(warehouse, read_only=True)
    try:
        return _load(con, month, month_start, month_end, plans, plan_id, as_published)
    finally:
        con.close()


def _load(
    con,
    month: str,
    month_start: date,
    month_end: date,
    plans: list[Plan],
    plan_id: str | None = None,
    as_published: bool = False,
) -> ReportData:
    tables = table_names(con)
    notes: list[tuple[str, dict[str, Any]]] = []
    if "indicator_values" not in tables:
        raise ReportDataError("the warehouse has no indicator_values table (run the indicators first)")
    (last_in_month,) = con.execute(
        "SELECT max(as_of) FROM indicator_values WHERE as_of BETWEEN ? AND ?", [month_start, month_end]
    ).fetchone()
    if last_in_month is None:
        raise ReportDataError(f"indicator_values has no rows for {month}")
    as_of = as_date(last_in_month)
    plan = choose_plan(plans, as_of, plan_id)
    current = rules.in_force(plan, as_of)
    values = read_values(con, min(p.base_year for p in plans), month_end)
    if as_published:  # the archive of past bulletins (report/archive.py)
        values = archive.as_published(con, tables, month, values)
    in_month = values[(values["as_of"] >= month_start) & (values["as_of"] <= month_end)]

    districts = read_district_names(con, tables, notes)
    # An ended plan has no progress rows after its target year: no expected value, no projection to a past year.
    progress = read_progress(con, tables, plan, month_end, notes) if current else None

    sections = [build_section(ind, values, progress, districts, month_start) for ind in plan.indicators]
    companions = [build_section(ind, values, None, districts, month_start) for ind in plan.companions]
    others = []
    for other in plans:
        if other.id != plan.id and rules.in_force(other, as_of):
            prog = read_progress(con, tables, other, month_end, notes)
            secs = [build_section(ind, values, prog, districts, month_start) for ind in other.indicators]
            others.append(
                PlanView(
                    other,
                    secs,
                    read_plan_score(con, tables, other, month_start, month_end, prog, secs, notes),
                )
            )
    finals = [
        final_evaluation(con, tables, p, values, districts)
        for p in sorted(plans, key=lambda p: p.end_date, reverse=True)
        if rules.ended_by(p, as_of)
    ]
    # Indicators the city still publishes that no plan in force judges (an ended plan's, companions):
    # their value and the change on a year earlier, without a target or a status.
    shown = {i.id for i in plan.indicators} | {i.id for v in others for i in v.plan.indicators}
    monitored, seen = [], set()
    published = set(values["indicator_id"].unique())
    for p in [plan] + [v.plan for v in others] + [f.plan for f in finals]:
        for ind in (
            p.companions
            if p.id == plan.id or p.id in {v.plan.id for v in others}
            else p.indicators + p.companions
        ):
            if ind.id in shown or ind.id in seen or ind.id not in published:
                continue
            seen.add(ind.id)
            monitored.append(build_section(ind, values, None, districts, month_start))
    vintage = latest_vintage(in_month)
    published = values[values["as_of"] <= as_of][
        ["indicator_id", "as_of", "district_code", "value"]
    ].reset_index(drop=True)
    prev_month, revisions = read_revisions(con, tables, month, published, plan, districts)
    criteria, criteria_as_of = read_criteria(con, tables, month_start, month_end, districts, notes)
    sources = read_sources(con, tables, notes)
    checks, checks_note = read_checks(con, tables)
    return ReportData(
        month=month,
        month_start=month_start,
        month_end=month_end,
        as_of=as_of,
        plan=plan,
        sections=sections,
        vintage=vintage,
        plan_score=read_plan_score(con, tables, plan, month_start, month_end, progress, sections, notes)
        if current
        else None,
        criteria=criteria,
        criteria_as_of=criteria_as_of,
        sources=sources,
        checks=checks,
        checks_note=checks_note,
        published=published,
        previous_report_month=prev_month,
        revisions=revisions,
        district_names=districts,
        notes=notes,
        plans=plans,
        in_force=current,
        other_plans=others,
        finals=finals,
        protection=read_protection(con, tables, as_of, values, districts, notes),
        companions=companions,
        monitored=monitored,
        peers=read_peers(con, tables),
    )
