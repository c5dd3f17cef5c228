"""The final evaluation of an ended plan (终期评估): each indicator's value at the end of the target year
against its target, from `plan_outcomes` where the warehouse has it, else computed the same way."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ..city import CITY
from ..db import connect
from ..indicators import rules
from ..indicators.catalogue import Plan, load_plans
from .data_quality import read_checks, read_sources
from .frames import as_date, as_float, as_list, is_na, value_on
from .model import FinalEvaluation, FinalRow, ReportDataError
from .plans import find_plan
from .queries import first_line, read_district_names, read_values, table_names


def read_outcomes(con, tables, plan: Plan, notes=None) -> dict[str, dict[str, Any]]:
    if "plan_outcomes" not in tables:
        return {}
    try:
        df = con.execute(
            "SELECT * FROM plan_outcomes WHERE plan_id = ? AND district_code = ?", [plan.id, CITY]
        ).df()
    except duckdb.Error as exc:
        if notes is not None:
            notes.append(("notes.table_unreadable", {"table": "plan_outcomes", "error": first_line(exc)}))
        return {}
    return {
        r["indicator_id"]: {k: (None if is_na(v) else v) for k, v in r.items()} for r in df.to_dict("records")
    }


def final_evaluation(
    con,
    tables,
    plan: Plan,
    values: pd.DataFrame | None = None,
    districts: pd.DataFrame | None = None,
    notes=None,
) -> FinalEvaluation:
    """Each indicator's value on 31 Dec of the target year against the target, from `plan_outcomes`
    (the plans' lifecycle table) where it exists, else computed the same way from `indicator_values`."""
    T, B = plan.target_year, plan.base_year
    as_of, base_date = date(T, 12, 31), date(B, 12, 31)
    if values is None:
        values = read_values(con, B, as_of)
    if districts is None:
        districts = read_district_names(con, tables, [])
    outcomes = read_outcomes(con, tables, plan, notes)
    revisions: dict[str, dict[str, Any]] = {}
    if "plan_outcome_revisions" in tables:
        try:
            rev = con.execute(
                """SELECT * FROM plan_outcome_revisions WHERE plan_id = ? AND district_code = ?
                   QUALIFY row_number() OVER (PARTITION BY indicator_id ORDER BY revised_at DESC) = 1""",
                [plan.id, CITY],
            ).df()
            revisions = {
                r["indicator_id"]: {k: (None if is_na(v) else v) for k, v in r.items()}
                for r in rev.to_dict("records")
            }
        except duckdb.Error:
            revisions = {}
    progress_t = pd.DataFrame()
    if "indicator_progress" in tables:
        try:
            progress_t = con.execute(
                "SELECT indicator_id, ratio, status, base_value, flags FROM indicator_progress "
                "WHERE plan_id = ? AND district_code = ? AND as_of = ?",
                [plan.id, CITY, as_of],
            ).df()
        except duckdb.Error:
            progress_t = pd.DataFrame()
    rows = []
    window = values[(values["as_of"] > date(B, 11, 30)) & (values["as_of"] <= as_of)]
    for ind in plan.indicators:
        v_ind = window[window["indicator_id"] == ind.id]
        city = v_ind[v_ind["district_code"] == CITY].sort_values("as_of")
        monthly = (
            city.groupby("month", as_index=False).last()[["as_of", "value"]]
            if not city.empty
            else pd.DataFrame(columns=["as_of", "value"])
        )
        series = pd.DataFrame(
            [(date(y, 12, 31), value_on(city, date(y, 12, 31))) for y in range(B, T + 1)],
            columns=["as_of", "value"],
        )
        o = outcomes.get(ind.id, {})
        pr = (
            progress_t[progress_t["indicator_id"] == ind.id].to_dict("records")
            if not progress_t.empty
            else []
        )
        pr = {k: (None if is_na(v) else v) for k, v in pr[0].items()} if pr else {}
        value = as_float(o["value"]) if o.get("value") is not None else value_on(city, as_of)
        base = o.get("base_value")
        if base is None:
            base = (
                ind.base_value
                if ind.base_value is not None
                else (pr.get("base_value") or value_on(city, base_date))
            )
        base = as_float(base)
        target = (
            ind.target.value
            if ind.target is not None and ind.target.value is not None
            else as_float(o.get("target_value"))
        )
        growth = ind.target is not None and ind.target.kind == "growth"
        if o:
            achieved = None if o.get("achieved") is None else bool(o["achieved"])
            attainment, share = as_float(o.get("attainment")), as_float(o.get("change_share"))
            final = o.get("final_status") or (
                "not_available" if achieved is None else "target_achieved" if achieved else "target_missed"
            )
            ratio, status = as_float(o.get("ratio")), o.get("status")
        else:
            # No plan_outcomes (an older warehouse): the engine's rule on the value read here.
            achieved = None if ind.target is None else ind.target.met(value, ind.direction or 1, base)
            attainment = None if value is None or not target else value / target
            share = None
            if (
                not growth
                and value is not None
                and base is not None
                and target is not None
                and target != base
            ):
                share = (value - base) / (target - base)
            final = (
                "not_available" if achieved is None else ("target_achieved" if achieved else "target_missed")
            )
            ratio, status = as_float(pr.get("ratio")), pr.get("status")
        rows.append(
            FinalRow(
                indicator=ind,
                value=value,
                base_value=None if growth else base,
                target_value=target,
                achieved=achieved,
                attainment=attainment,
                change_share=share,
                ratio=ratio,
                status=status,
                final_status=final,
                series=series,
                monthly=monthly,
                districts=contributions(v_ind, as_of, base_date, districts),
                flags=as_list(city[city["as_of"] == as_of]["flags"].iloc[-1])
                if (city["as_of"] == as_of).any()
                else [],
                revision=revisions.get(ind.id),
                gap=as_float(o.get("target_gap")),
                base_computed=None if o.get("base_computed") is None else bool(o["base_computed"]),
            )
        )
    score = None
    if "plan_scores" in tables:
        try:
            hit = con.execute(
                "SELECT score FROM plan_scores WHERE plan_id = ? AND district_code = ? AND as_of = ?",
                [plan.id, CITY, as_of],
            ).fetchone()
            score = None if hit is None else as_float(hit[0])
        except duckdb.Error:
            score = None
    vint = values[values["as_of"] == as_of]["vintage"].dropna().astype(str)
    vintage = next((str(o["vintage"]) for o in outcomes.values() if o.get("vintage")), None) or (
        max(vint) if not vint.empty else None
    )
    return FinalEvaluation(
        plan=plan,
        as_of=as_of,
        rows=rows,
        score=score,
        source="plan_outcomes" if outcomes else "computed",
        vintage=vintage,
    )


def contributions(v_ind: pd.DataFrame, as_of: date, base_date: date, districts: pd.DataFrame) -> pd.DataFrame:
    """District values at the end of the target year and at the base; for counts that add up to the city,
    each district's share of the city's change since the base (未定位 kept, never ranked)."""
    cols = ["district_code", "name_zh", "name_en", "value", "base_value", "change", "contribution"]
    d = v_ind[v_ind["district_code"] != CITY]
    now = d[d["as_of"] == as_of][["district_code", "value", "denominator"]]
    if now.empty:
        return pd.DataFrame(columns=cols)
    then = d[d["as_of"] == base_date][["district_code", "value"]].rename(columns={"value": "base_value"})
    out = now.merge(then, on="district_code", how="left").merge(
        districts[["district_code", "name_zh", "name_en"]], on="district_code", how="left"
    )
    out["change"] = out["value"] - out["base_value"]
    city = v_ind[v_ind["district_code"] == CITY]
    c_now, c_then = value_on(city, as_of), value_on(city, base_date)
    additive = (
        out["denominator"].isna().all()
        and c_now is not None
        and abs(float(out["value"].sum()) - c_now) <= 0.02 * max(abs(c_now), 1e-9)
    )
    out["contribution"] = None
    if additive and c_then is not None and c_now != c_then:
        out["contribution"] = out["change"] / (c_now - c_then)
    return out[cols].reset_index(drop=True)


def load_final_evaluation(warehouse: Path, plan_id: str, catalogue_dir: Path | None = None):
    """(FinalEvaluation, ReportData-like context) for `report --plan ID --final`."""
    if not Path(warehouse).exists():
        raise ReportDataError(f"no warehouse at {warehouse}")
    plans = load_plans(catalogue_dir)
    plan = find_plan(plans, plan_id)
    con = connect(warehouse, read_only=True)
    try:
        tables = table_names(con)
        if "indicator_values" not in tables:
            raise ReportDataError("the warehouse has no indicator_values table (run the indicators first)")
        (last,) = con.execute("SELECT max(as_of) FROM indicator_values").fetchone()
        if last is None or not rules.ended_by(plan, as_date(last)):
            raise ReportDataError(
                f"plan {plan_id} runs to 31 December {plan.target_year}: its final evaluation "
                f"needs data after that date (latest data: {last})"
            )
        notes: list = []
        final = final_evaluation(con, tables, plan, notes=notes)
        sources = read_sources(con, tables, notes)
        checks, checks_note = read_checks(con, tables)
        return final, plans, sources, checks, checks_note, notes
    finally:
        con.close()
