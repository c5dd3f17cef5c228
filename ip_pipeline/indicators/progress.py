"""`indicator_progress` and `plan_scores`: every plan × indicator with a target ×
as-of date × unit, judged by the growth-ratio method of PROGRESS.md (SQL in
assets/sql/progress/). Values are evaluated afresh for the as-of dates and for
the year ends the method needs (base year, latest complete years), so progress
does not depend on which dates indicator_values already holds.

Choices where PROGRESS.md leaves room:
- growth-rate indicators (pledge_*_cagr) are measured from the plan's own base
  year; Δt = Y − B whole years; no base value, no projection; expected = g*.
- districts: base = own base-year value (computed_base), g_req = the plan's,
  target = base·(1+g_req)^ΔT (district_target_implied); growth targets apply as is.
- Δt < 1: status not_available and g_obs/ratio/projection NULL.
- g_req = 0 and not achieved: deterioration with score −5 (the formula's floor).
- Δt (PROGRESS.md, "Time"): stocks (year(D) − B − 1) + doy(D)/days_in_year(year(D)), so every
  year end is a whole number of years; flows are judged on the latest complete year (value,
  gap and status all of that year, flag complete_year:Y; the year-to-date value stays in
  indicator_values); growth rates Y − B.
- lifecycle: a plan has rows only for D with end of base year < D <= 31 Dec of the target
  year (Plan.in_force); an ended plan's final evaluation is plan_outcomes (outcomes.py).
- an indicator with a target but no values at all (no computation in the registry, or no
  data yet) still gets its rows, value NULL and status not_available, for the city and,
  unless it is city-only, every reporting unit.
- cumulative and improvement targets: see assets/sql/progress/indicator_progress.sql.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb
import pandas as pd

from ..city import CITY
from . import rules, schema, sql
from .catalogue import Plan, load_plans
from .engine import evaluate
from .indicator_definitions import load_definitions
from .registry import COMPUTATIONS
from .transaction import atomic

STATUSES = (
    "target_achieved",
    "on_track",
    "needs_acceleration",
    "limited_progress",
    "deterioration",
    "not_available",
    "target_missed",
)

SPEC_COLUMNS = dict(
    plan_id="VARCHAR",
    indicator_id="VARCHAR",
    kind="VARCHAR",
    direction="INTEGER",
    base_year="INTEGER",
    base_value="DOUBLE",
    target_year="INTEGER",
    target_kind="VARCHAR",
    target_value="DOUBLE",
    comparison="VARCHAR",
    lim="DOUBLE",
    tol="DOUBLE",
    on_track="DOUBLE",
    needs_acc="DOUBLE",
    city_only="BOOLEAN",
    unit="VARCHAR",
    unit_en="VARCHAR",
    decimals="INTEGER",
)


def city_only(ind) -> bool:
    comp = COMPUTATIONS.get(ind.id)
    return bool(ind.city_only or (comp is not None and comp.city_only))


def target_spec(plans: Sequence[Plan]) -> pd.DataFrame:
    rows = []
    for plan in plans:
        st = plan.status
        for ind in plan.indicators:
            if ind.target is None:
                continue
            rows.append(
                dict(
                    plan_id=plan.id,
                    indicator_id=ind.id,
                    kind=ind.kind,
                    direction=ind.direction,
                    base_year=ind.base_year or plan.base_year,
                    base_value=ind.base_value,
                    target_year=ind.target.year,
                    target_kind=ind.target.kind,
                    target_value=ind.target.value,
                    comparison=ind.target.comparison,
                    lim=ind.limit,
                    tol=float(st.get("limit_tolerance", 0.5)),
                    on_track=float(st.get("on_track_ratio", 0.95)),
                    needs_acc=float(st.get("needs_acceleration_ratio", 0.60)),
                    city_only=city_only(ind),
                    unit=ind.unit,
                    unit_en=ind.unit_en,
                    decimals=rules.decimals(ind.id),
                )
            )
    return pd.DataFrame(rows, columns=list(SPEC_COLUMNS))


def status_labels(plans: Sequence[Plan]) -> pd.DataFrame:
    """Each plan's label of each status, and of a target met before the target year (the verdicts
    of rules.EARLY_LABELS, which a plan may word itself)."""
    rows = [
        dict(plan_id=p.id, status=s, zh=p.status_label(s, "zh"), en=p.status_label(s, "en"))
        for p in plans
        for s in STATUSES + tuple(rules.EARLY_LABELS)
        if s in p.status.get("labels", {})
    ]
    return pd.DataFrame(rows, columns=["plan_id", "status", "zh", "en"])


def temp_from_frame(
    con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame, casts: dict[str, str]
) -> None:
    con.register("_prog_df", frame)
    try:
        cols = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in casts.items())
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {cols} FROM _prog_df")
    finally:
        con.unregister("_prog_df")


def _evaluation_dates(plan: Plan, spec: pd.DataFrame, dates: Sequence[date]) -> set[date]:
    needed = set(dates)
    needed |= {date(int(y), 12, 31) for y in spec["base_year"]}
    needed |= {date(d.year - 1, 12, 31) for d in dates}  # latest complete year of flows
    return needed


def _complete_missing(con: duckdb.DuckDBPyConnection, plan: Plan, spec: pd.DataFrame, ext: set[date]) -> None:
    """NULL rows for (indicator, date) pairs with no value at all: the city and, unless the
    indicator is city-only, every reporting unit (an id not computed yet is not_available)."""
    temp_from_frame(
        con,
        "_prog_ids",
        spec[["indicator_id", "city_only"]],
        {"indicator_id": "VARCHAR", "city_only": "BOOLEAN"},
    )
    temp_from_frame(
        con, "_prog_ext", pd.DataFrame({"as_of": pd.to_datetime(sorted(ext)).date}), {"as_of": "DATE"}
    )
    con.execute(
        f"""INSERT INTO _prog_values
            SELECT ?, i.indicator_id, e.as_of, u.district_code, NULL
            FROM _prog_ids AS i CROSS JOIN _prog_ext AS e
            JOIN (SELECT '{CITY}' AS district_code UNION SELECT district_code FROM _calc_units) AS u
              ON NOT i.city_only OR u.district_code = '{CITY}'
            WHERE NOT EXISTS (SELECT 1 FROM _calc_values AS v
                              WHERE v.indicator_id = i.indicator_id AND v.as_of = e.as_of)""",
        [plan.id],
    )


def prepare_progress(
    con: duckdb.DuckDBPyConnection,
    dates: Sequence[date],
    plans: Sequence[Plan],
    context: Sequence[Plan] | None = None,
) -> None:
    """Temp tables for the progress SQL. `plans` are judged; `context` (default: `plans`) are
    every plan of the catalogue, for the parameters a plan does not give itself."""
    context = list(context) if context is not None else list(plans)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _prog_values (plan_id VARCHAR, indicator_id VARCHAR, as_of DATE, "
        "district_code VARCHAR, value DOUBLE)"
    )
    # The survey's standard error behind a value (none for a published score): 显著提升's margin.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _prog_se (plan_id VARCHAR, indicator_id VARCHAR, as_of DATE, "
        "district_code VARCHAR, std_error DOUBLE)"
    )
    rules.register(con)
    defs = load_definitions()
    in_force = []
    for plan in plans:
        spec = target_spec([plan])
        live = [d for d in dates if plan.in_force(d)]  # the lifecycle: no rows before or after
        in_force += [(plan.id, d) for d in live]
        if spec.empty or not live:
            continue
        ext = _evaluation_dates(plan, spec, live)
        growth = spec.loc[spec["kind"] == "growth_rate", "base_year"]
        base = int(growth.iloc[0]) if len(growth) else plan.base_year
        # This plan's parameters first; growth rates measured from this plan's base year.
        ordered = [plan] + [p for p in context if p.id != plan.id]
        evaluate(con, ext, ordered, list(spec["indicator_id"]), {d: base for d in ext})
        con.execute(
            "INSERT INTO _prog_values SELECT ?, indicator_id, as_of, district_code, value FROM _calc_values",
            [plan.id],
        )
        surveyed = [
            i for i in spec["indicator_id"] if i in defs and "satisfaction_estimates" in defs[i].marts
        ]
        if surveyed:
            con.execute(
                """INSERT INTO _prog_se
                   SELECT ?, v.indicator_id, v.as_of, v.district_code, s.std_error
                   FROM _calc_values AS v JOIN _calc_satisfaction AS s USING (as_of, district_code)
                   WHERE list_contains(?, v.indicator_id) AND NOT list_contains(coalesce(v.flags, []), 'published')
                     AND s.std_error IS NOT NULL""",
                [plan.id, surveyed],
            )
        _complete_missing(con, plan, spec, ext)
    temp_from_frame(
        con, "_prog_dates", pd.DataFrame({"as_of": pd.to_datetime(sorted(dates)).date}), {"as_of": "DATE"}
    )
    temp_from_frame(
        con,
        "_prog_in_force",
        pd.DataFrame(in_force, columns=["plan_id", "as_of"]).assign(
            as_of=lambda f: pd.to_datetime(f["as_of"]).dt.date
        ),
        {"plan_id": "VARCHAR", "as_of": "DATE"},
    )
    temp_from_frame(con, "_prog_spec", target_spec(plans), SPEC_COLUMNS)
    # (calc_frame.prepare makes it too; here for a run where no plan is in force on any date)
    con.execute(
        "CREATE OR REPLACE TEMP MACRO _calc_flags(l) AS "
        "CAST(list_sort(list_distinct(list_filter(l, lambda f: f IS NOT NULL))) AS VARCHAR[])"
    )
    temp_from_frame(
        con,
        "_prog_labels",
        status_labels(plans),
        dict(plan_id="VARCHAR", status="VARCHAR", zh="VARCHAR", en="VARCHAR"),
    )
    temp_from_frame(
        con, "_prog_plans", pd.DataFrame({"plan_id": [p.id for p in plans]}), {"plan_id": "VARCHAR"}
    )


def _write_scores(con: duckdb.DuckDBPyConnection) -> int:
    schema.ensure(con, "plan_scores")
    con.execute(
        "DELETE FROM plan_scores WHERE as_of IN (SELECT as_of FROM _prog_dates) "
        "AND plan_id IN (SELECT plan_id FROM _prog_plans)"
    )
    before = con.execute("SELECT count(*) FROM plan_scores").fetchall()[0][0]
    sql.execute(con, "INSERT INTO plan_scores", "progress/plan_scores")
    return con.execute("SELECT count(*) FROM plan_scores").fetchall()[0][0] - before


def write_progress(
    con: duckdb.DuckDBPyConnection,
    dates: Sequence[date],
    plans: Sequence[Plan],
    context: Sequence[Plan] | None = None,
) -> int:
    """Delete then insert indicator_progress and plan_scores for the dates and plans, inside
    the caller's transaction. Returns the number of indicator_progress rows written."""
    prepare_progress(con, sorted(set(dates)), plans, context)
    schema.ensure(con, "indicator_progress")
    con.execute(
        "DELETE FROM indicator_progress WHERE as_of IN (SELECT as_of FROM _prog_dates) "
        "AND plan_id IN (SELECT plan_id FROM _prog_plans)"
    )
    before = con.execute("SELECT count(*) FROM indicator_progress").fetchall()[0][0]
    cols = ", ".join(schema.columns("indicator_progress"))
    sql.execute(con, f"INSERT INTO indicator_progress ({cols})", "progress/indicator_progress")
    written = con.execute("SELECT count(*) FROM indicator_progress").fetchall()[0][0] - before
    _write_scores(con)
    return int(written)


def compute_indicator_progress(
    con: duckdb.DuckDBPyConnection, as_of_dates: list[date], plans: list[Plan] | None = None
) -> int:
    """Delete then insert indicator_progress (and plan_scores) for the dates and plans,
    in one transaction. Returns the number of indicator_progress rows written. A plan
    gets rows only for the dates on which it is in force (older rows of the dates go)."""
    if not as_of_dates:
        return 0
    plans = list(plans) if plans is not None else load_plans()
    with atomic(con):
        return write_progress(con, as_of_dates, plans)


def compute_plan_scores(
    con: duckdb.DuckDBPyConnection, as_of_dates: list[date], plans: list[Plan] | None = None
) -> int:
    """Refresh plan_scores from indicator_progress for the dates (compute_indicator_progress
    already does this; here for a caller that wants only the summary)."""
    if not as_of_dates:
        return 0
    plans = list(plans) if plans is not None else load_plans()
    with atomic(con):
        schema.ensure(con, "indicator_progress")
        temp_from_frame(
            con,
            "_prog_dates",
            pd.DataFrame({"as_of": pd.to_datetime(sorted(set(as_of_dates))).date}),
            {"as_of": "DATE"},
        )
        temp_from_frame(
            con, "_prog_plans", pd.DataFrame({"plan_id": [p.id for p in plans]}), {"plan_id": "VARCHAR"}
        )
        return _write_scores(con)
