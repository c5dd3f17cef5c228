"""Everything the report shows, read from the warehouse in one read-only connection.

The report reads the output contract (`indicator_values`) and, where they exist,
`indicator_progress`, `plan_scores`, `high_value_patent_criteria`,
`source_snapshots`, `quarantine_<source>`, `quality_results`, `stg_districts`
and the previous month's `published_values`. A missing optional table becomes a
note in the report, never an error. Personal columns (enforcement `party`) are
never selected: only counts and quarantine reasons leave the quarantine tables.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from ..city import CITY
from ..db import connect
from ..indicators import rules
from ..indicators.catalogue import Indicator, Plan, load_plans
from ..ingest.empty_sources import empty_sources
from ..paths import SOURCES_DIR
from ..quality.warehouse_io import check_outcome

CRITERIA = ("sei", "overseas_family", "maintained_10y", "pledge_financing", "award")


class ReportDataError(RuntimeError):
    """The report cannot be built: no warehouse, or no indicator values for the month."""


@dataclass
class IndicatorSection:
    indicator: Indicator
    as_of: date | None
    value: float | None
    numerator: float | None
    denominator: float | None
    flags: list[str]
    prev_value: float | None  # last value of the previous month
    year_ago_value: float | None  # last value of the same month a year earlier
    progress: dict[str, Any] | None  # indicator_progress row for the city at as_of
    series: pd.DataFrame  # as_of, value (last value of each month since the base year)
    path: pd.DataFrame  # as_of, expected_value (from indicator_progress)
    districts: (
        pd.DataFrame
    )  # district_code, name_zh, name_en, value, numerator, denominator, flags, prev_value
    judged_year: int | None = None  # a flow judged on its latest complete year (flag complete_year:Y)
    judged_value: float | None = None  # the full-year value of judged_year
    judged_prev_value: float | None = None  # the full year before judged_year

    @property
    def id(self) -> str:
        return self.indicator.id

    @property
    def ytd(self) -> bool:
        """A flow counted from 1 January to the date: compared with the same period a year earlier."""
        return self.indicator.kind == "flow"

    @property
    def full_year(self) -> bool:
        """The value covers a whole calendar year (a flow on 31 December)."""
        return self.as_of is not None and (self.as_of.month, self.as_of.day) == (12, 31)


@dataclass
class FinalRow:
    """One indicator of an ended plan: its value at the end of the target year against the target."""

    indicator: Indicator
    value: float | None
    base_value: float | None
    target_value: float | None
    achieved: bool | None
    attainment: float | None
    change_share: float | None
    ratio: float | None
    status: str | None  # the R class on 31 Dec of T
    final_status: str  # target_achieved | target_missed | not_available
    series: pd.DataFrame  # as_of, value: year-end values from the base year to T
    monthly: pd.DataFrame  # as_of, value: the monthly city series from the base year to T
    districts: pd.DataFrame  # district_code, name_zh, name_en, value, base_value, change, contribution
    flags: list[str] = field(default_factory=list)
    revision: dict[str, Any] | None = (
        None  # the latest change of this outcome on recompute (plan_outcome_revisions)
    )
    gap: float | None = (
        None  # plan_outcomes.target_gap: the compared value minus the target, in the value's unit
    )
    base_computed: bool | None = None  # the base is the pipeline's, not the plan's official one

    @property
    def id(self) -> str:
        return self.indicator.id


@dataclass
class FinalEvaluation:
    """A plan whose target year has ended: 终期评估 (PROGRESS.md, "The plan's lifecycle")."""

    plan: Plan
    as_of: date
    rows: list[FinalRow]
    score: float | None
    source: str  # 'plan_outcomes' or 'computed' (the table is not there yet)
    vintage: str | None = None

    @property
    def n_targets(self) -> int:
        return sum(1 for r in self.rows if r.target_value is not None)

    @property
    def n_achieved(self) -> int:
        return sum(1 for r in self.rows if r.final_status == "target_achieved")

    @property
    def n_missing(self) -> int:
        return sum(1 for r in self.rows if r.final_status == "not_available")


@dataclass
class PlanView:
    """Another plan in force on the report date: its indicators' values and statuses."""

    plan: Plan
    sections: list[IndicatorSection]
    plan_score: dict[str, Any] | None


@dataclass
class Protection:
    """Enforcement cases opened from 1 January to the report date, and the same period a year earlier.

    Only counts and sums leave `stg_enforcement`; the `party` column is never selected.
    """

    year: int
    as_of: date
    by_type: (
        pd.DataFrame | None
    )  # None: the source has no case at all; else authority_type, case_type, cases, cases_prev, value_wan, value_wan_prev, penalty_wan, penalty_wan_prev
    acceptance: IndicatorSection | None
    has_prev: bool
    monthly: pd.DataFrame | None = None  # year, month, cases (opened), this year and the last


@dataclass
class ReportData:
    month: str
    month_start: date
    month_end: date
    as_of: date
    plan: Plan
    sections: list[IndicatorSection]
    vintage: str | None
    plan_score: dict[str, Any] | None
    criteria: pd.DataFrame | None  # district_code, name_zh, name_en, total, multi, <criteria…>
    criteria_as_of: date | None
    sources: pd.DataFrame  # one row per source
    checks: pd.DataFrame | None  # latest result of each check
    checks_note: str | None
    published: pd.DataFrame  # rows to record in published_values
    previous_report_month: str | None
    revisions: pd.DataFrame  # indicator_id, as_of, district_code, names, old, new, change
    district_names: pd.DataFrame
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)  # every plan of the catalogue (names, units)
    in_force: bool = True  # `plan` is in force on as_of
    other_plans: list[PlanView] = field(default_factory=list)  # further plans in force on as_of
    finals: list[FinalEvaluation] = field(default_factory=list)  # plans ended by as_of, latest first
    protection: Protection | None = None
    companions: list[IndicatorSection] = field(default_factory=list)
    monitored: list[IndicatorSection] = field(default_factory=list)  # other plans' indicators still published

    @property
    def partial(self) -> bool:
        """The month is still running (or its data stops early): the report says 'as of' its last day."""
        return self.as_of < self.month_end


def month_bounds(month: str) -> tuple[date, date]:
    try:
        y, m = (int(p) for p in month.split("-"))
        start = date(y, m, 1)
    except (ValueError, TypeError):
        raise ReportDataError(f"month must be YYYY-MM, not {month!r}") from None
    return start, date(y, m, calendar.monthrange(y, m)[1])


def shift_month(month_start: date, months: int) -> date:
    idx = month_start.year * 12 + month_start.month - 1 + months
    return date(idx // 12, idx % 12 + 1, 1)


def plan_end(plan: Plan) -> date:
    return plan.end_date  # the catalogue's: 31 December of the target year


# The plan's lifecycle is the engine's (indicators/rules.py).
in_force = rules.in_force
ended_by = rules.ended_by


def find_plan(plans: list[Plan], plan_id: str) -> Plan:
    for p in plans:
        if p.id == plan_id:
            return p
    raise ReportDataError(f"no plan {plan_id!r} in the catalogue (plans: {', '.join(p.id for p in plans)})")


def choose_plan(plans: list[Plan], d: date | int, plan_id: str | None = None) -> Plan:
    """The plan a month's report leads with: the one asked for, else the plan in force on `d` that ends first
    (the 14th FYP in 2025, the 2025–2027 action plan in 2026), else the plan that ended last."""
    if plan_id:
        return find_plan(plans, plan_id)
    if isinstance(d, int):
        d = date(d, 12, 31)
    covering = sorted((p for p in plans if in_force(p, d)), key=lambda p: (plan_end(p), p.base_year))
    if covering:
        return covering[0]
    ended = sorted((p for p in plans if ended_by(p, d)), key=plan_end)
    if ended:
        return ended[-1]
    # before any plan starts (a report of December 2020): the plan that starts first
    return min(plans, key=lambda p: (p.base_year, plan_end(p)))


# -- helpers ----------------------------------------------------------------------
def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall()
    return {r[0] for r in rows}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ?",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def _as_list(flags: Any) -> list[str]:
    if flags is None or (isinstance(flags, float) and pd.isna(flags)):
        return []
    return [str(f) for f in list(flags)]


def _num(v: Any) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _to_date(v: Any) -> date | None:
    if v is None or (not isinstance(v, (date, datetime)) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    return v.date() if isinstance(v, datetime) else v


# -- loading ------------------------------------------------------------------------
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


def _values(con, since_year: int, until: date) -> pd.DataFrame:
    values = con.execute(
        """
        SELECT indicator_id, as_of, district_code, value, numerator, denominator, flags, vintage
        FROM indicator_values
        WHERE as_of <= ? AND as_of >= make_date(?, 1, 1)
        """,
        [until, since_year],
    ).df()
    values["as_of"] = pd.to_datetime(values["as_of"]).dt.date
    values["month"] = [d.strftime("%Y-%m") for d in values["as_of"]]
    return values


def _load(
    con,
    month: str,
    month_start: date,
    month_end: date,
    plans: list[Plan],
    plan_id: str | None = None,
    as_published: bool = False,
) -> ReportData:
    tables = _tables(con)
    notes: list[tuple[str, dict[str, Any]]] = []
    if "indicator_values" not in tables:
        raise ReportDataError("the warehouse has no indicator_values table (run the indicators first)")
    (last_in_month,) = con.execute(
        "SELECT max(as_of) FROM indicator_values WHERE as_of BETWEEN ? AND ?", [month_start, month_end]
    ).fetchone()
    if last_in_month is None:
        raise ReportDataError(f"indicator_values has no rows for {month}")
    as_of = _to_date(last_in_month)
    plan = choose_plan(plans, as_of, plan_id)
    current = in_force(plan, as_of)
    values = _values(con, min(p.base_year for p in plans), month_end)
    if as_published:  # the archive of past bulletins (report/archive.py)
        from .archive import as_published as _as_published

        values = _as_published(con, tables, month, values)
    in_month = values[(values["as_of"] >= month_start) & (values["as_of"] <= month_end)]

    districts = _district_names(con, tables, notes)
    # An ended plan has no progress rows after its target year: no expected value, no projection to a past year.
    progress = _progress(con, tables, plan, month_end, notes) if current else None

    sections = [_section(ind, values, progress, districts, month_start) for ind in plan.indicators]
    companions = [_section(ind, values, None, districts, month_start) for ind in plan.companions]
    others = []
    for other in plans:
        if other.id != plan.id and in_force(other, as_of):
            prog = _progress(con, tables, other, month_end, notes)
            secs = [_section(ind, values, prog, districts, month_start) for ind in other.indicators]
            others.append(
                PlanView(
                    other, secs, _plan_score(con, tables, other, month_start, month_end, prog, secs, notes)
                )
            )
    finals = [
        final_evaluation(con, tables, p, values, districts)
        for p in sorted(plans, key=plan_end, reverse=True)
        if ended_by(p, as_of)
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
            monitored.append(_section(ind, values, None, districts, month_start))
    vintage = _vintage(in_month)
    published = values[values["as_of"] <= as_of][
        ["indicator_id", "as_of", "district_code", "value"]
    ].reset_index(drop=True)
    prev_month, revisions = _revisions(con, tables, month, published, plan, districts)
    criteria, criteria_as_of = _criteria(con, tables, month_start, month_end, districts, notes)
    sources = _sources(con, tables, notes)
    checks, checks_note = _checks(con, tables)
    return ReportData(
        month=month,
        month_start=month_start,
        month_end=month_end,
        as_of=as_of,
        plan=plan,
        sections=sections,
        vintage=vintage,
        plan_score=_plan_score(con, tables, plan, month_start, month_end, progress, sections, notes)
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
        protection=_protection(con, tables, as_of, values, districts, notes),
        companions=companions,
        monitored=monitored,
    )


def _district_names(con, tables: set[str], notes) -> pd.DataFrame:
    if "stg_districts" in tables:
        df = con.execute("SELECT code AS district_code, name_zh, name_en, kind FROM stg_districts").df()
        return df
    notes.append(("notes.no_districts", {}))
    return pd.DataFrame(columns=["district_code", "name_zh", "name_en", "kind"])


def _progress(con, tables, plan: Plan, month_end: date, notes) -> pd.DataFrame | None:
    if "indicator_progress" not in tables:
        notes.append(("notes.no_progress", {}))
        return None
    try:
        df = con.execute(
            "SELECT * FROM indicator_progress WHERE plan_id = ? AND district_code = ? AND as_of <= ?",
            [plan.id, CITY, month_end],
        ).df()
    except duckdb.Error as exc:
        notes.append(("notes.table_unreadable", {"table": "indicator_progress", "error": _first_line(exc)}))
        return None
    df["as_of"] = pd.to_datetime(df["as_of"]).dt.date
    return df


def _last_in_month(frame: pd.DataFrame, month_start: date) -> pd.Series | None:
    key = month_start.strftime("%Y-%m")
    rows = frame[frame["month"] == key]
    if rows.empty:
        return None
    return rows.sort_values("as_of").iloc[-1]


def _section(
    ind: Indicator,
    values: pd.DataFrame,
    progress: pd.DataFrame | None,
    districts: pd.DataFrame,
    month_start: date,
) -> IndicatorSection:
    rows = values[values["indicator_id"] == ind.id]
    city = rows[rows["district_code"] == CITY].sort_values("as_of")
    series = city.groupby("month", as_index=False).last()[["as_of", "value"]].sort_values("as_of")
    current = _last_in_month(city, month_start)
    prev = _last_in_month(city, shift_month(month_start, -1))
    year_ago = _last_in_month(city, rules.same_day_last_year(month_start))  # the month a year earlier
    as_of = current["as_of"] if current is not None else None

    prog_row, path = None, pd.DataFrame(columns=["as_of", "expected_value"])
    if progress is not None and not progress.empty:
        p = progress[progress["indicator_id"] == ind.id].sort_values("as_of")
        if as_of is not None:
            hit = p[p["as_of"] == as_of]
            if not hit.empty:
                prog_row = {k: (None if _is_na(v) else v) for k, v in hit.iloc[-1].to_dict().items()}
        if "expected_value" in p:
            p = p.assign(month=[d.strftime("%Y-%m") for d in p["as_of"]])
            path = p.groupby("month", as_index=False).last()[["as_of", "expected_value"]].dropna()

    dist = pd.DataFrame(
        columns=[
            "district_code",
            "name_zh",
            "name_en",
            "value",
            "numerator",
            "denominator",
            "flags",
            "prev_value",
        ]
    )
    if as_of is not None:
        here = rows[(rows["as_of"] == as_of) & (rows["district_code"] != CITY)]
        before = pd.DataFrame(columns=["district_code", "prev_value"])
        if prev is not None:
            b = rows[(rows["as_of"] == prev["as_of"]) & (rows["district_code"] != CITY)]
            before = b[["district_code", "value"]].rename(columns={"value": "prev_value"})
        dist = (
            here[["district_code", "value", "numerator", "denominator", "flags"]]
            .merge(districts[["district_code", "name_zh", "name_en"]], on="district_code", how="left")
            .merge(before, on="district_code", how="left")
        )
    judged_year = judged_value = judged_prev = None
    for f in _as_list((prog_row or {}).get("flags")):
        key, _, param = f.partition(":")
        if key == "complete_year" and param.isdigit():
            judged_year = int(param)
    if judged_year is not None:
        judged_value = _value_on(city, date(judged_year, 12, 31))
        if judged_value is None and prog_row is not None:
            judged_value = _num(prog_row.get("value"))
        judged_prev = _value_on(city, date(judged_year - 1, 12, 31))
    return IndicatorSection(
        judged_year=judged_year,
        judged_value=judged_value,
        judged_prev_value=judged_prev,
        indicator=ind,
        as_of=as_of,
        value=_num(current["value"]) if current is not None else None,
        numerator=_num(current["numerator"]) if current is not None else None,
        denominator=_num(current["denominator"]) if current is not None else None,
        flags=_as_list(current["flags"]) if current is not None else [],
        prev_value=_num(prev["value"]) if prev is not None else None,
        year_ago_value=_num(year_ago["value"]) if year_ago is not None else None,
        progress=prog_row,
        series=series,
        path=path,
        districts=dist,
    )


def _value_on(city: pd.DataFrame, d: date) -> float | None:
    hit = city[city["as_of"] == d]
    return None if hit.empty else _num(hit.iloc[-1]["value"])


def _is_na(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _vintage(in_month: pd.DataFrame) -> str | None:
    v = in_month["vintage"].dropna().astype(str)
    return max(v) if not v.empty else None


def _plan_score(con, tables, plan: Plan, month_start, month_end, progress, sections, notes) -> dict | None:
    if "plan_scores" in tables:
        try:
            cols = _columns(con, "plan_scores")
            where, params = [], []
            if "plan_id" in cols:
                where.append("plan_id = ?")
                params.append(plan.id)
            if "district_code" in cols:
                where.append("district_code = ?")
                params.append(CITY)
            order = ""
            if "as_of" in cols:
                where.append("as_of BETWEEN ? AND ?")
                params += [month_start, month_end]
                order = "ORDER BY as_of DESC"
            sql = (
                f"SELECT * FROM plan_scores {'WHERE ' + ' AND '.join(where) if where else ''} {order} LIMIT 1"
            )
            row = con.execute(sql, params).df()
            score_col = next((c for c in ("score", "plan_score", "mean_score") if c in cols), None)
            if not row.empty and score_col:
                r = row.iloc[0].to_dict()
                n = next((r[c] for c in ("n_indicators", "indicators_scored", "n_scored") if c in r), None)
                return {
                    "score": _num(r[score_col]),
                    "achieved": bool(r["achieved"])
                    if "achieved" in r and not _is_na(r["achieved"])
                    else None,
                    "n": None if n is None or _is_na(n) else int(n),
                    "source": "plan_scores",
                }
        except duckdb.Error as exc:
            notes.append(("notes.table_unreadable", {"table": "plan_scores", "error": _first_line(exc)}))
    scored = [
        s.progress
        for s in sections
        if s.progress
        and s.progress.get("score") is not None
        and s.progress.get("status") not in (None, "not_available")
    ]
    if not scored:
        return None
    statuses = [s.progress.get("status") if s.progress else None for s in sections]
    return {
        "score": sum(float(p["score"]) for p in scored) / len(scored),
        "achieved": all(st == "target_achieved" for st in statuses),
        "n": len(scored),
        "source": "computed",
    }


def _criteria(con, tables, month_start, month_end, districts, notes):
    if "high_value_patent_criteria" not in tables:
        return None, None
    try:
        as_of = con.execute(
            "SELECT max(as_of) FROM high_value_patent_criteria WHERE as_of BETWEEN ? AND ?",
            [month_start, month_end],
        ).fetchone()[0]
        if as_of is None:
            return None, None
        any_c = " OR ".join(f"coalesce({c}, false)" for c in CRITERIA)
        n_c = " + ".join(f"coalesce({c}, false)::INTEGER" for c in CRITERIA)
        per = ", ".join(f"count(*) FILTER (WHERE {c}) AS {c}" for c in CRITERIA)
        df = con.execute(
            f"""
            SELECT district_code, count(DISTINCT application_no) FILTER (WHERE {any_c}) AS total,
                   count(DISTINCT application_no) FILTER (WHERE {n_c} >= 2) AS multi, {per}
            FROM high_value_patent_criteria WHERE as_of = ? GROUP BY district_code ORDER BY district_code
            """,
            [as_of],
        ).df()
    except duckdb.Error as exc:
        notes.append(
            ("notes.table_unreadable", {"table": "high_value_patent_criteria", "error": _first_line(exc)})
        )
        return None, None
    df = df.merge(districts[["district_code", "name_zh", "name_en"]], on="district_code", how="left")
    return df, _to_date(as_of)


def is_absent(v: Any) -> bool:
    """None, NaN and NaT alike (a snapshot time of a source never loaded reads as NaT)."""
    return v is None or _is_na(v)


def has_no_data(source_row: dict[str, Any]) -> bool:
    """An empty source (ingest/empty_sources.py: no published snapshot ever had a row): no data
    yet, and its indicators are no_data. A source that had data and now has none is not one."""
    return bool(source_row.get("no_data"))


def _source_titles() -> dict[str, dict[str, str]]:
    out = {}
    for f in sorted(Path(SOURCES_DIR).glob("*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        name = doc.get("name", f.stem)
        out[name] = {
            "zh": doc.get("title_zh", name),
            "en": doc.get("title_en", name),
            "cadence_days": doc.get("cadence_days"),
        }
    return out


SOURCE_COLUMNS = [
    "source",
    "title_zh",
    "title_en",
    "cadence_days",
    "snapshot_at",
    "raw_rows",
    "staged_rows",
    "duplicate_rows",
    "quarantined_rows",
    "top_reasons",
    "no_data",
]


def _sources(con, tables, notes) -> pd.DataFrame:
    titles = _source_titles()
    rows: dict[str, dict[str, Any]] = {}
    if "source_snapshots" in tables:
        try:
            snap = con.execute(
                "SELECT source, snapshot_at, raw_rows, staged_rows, quarantined_rows, duplicate_rows "
                "FROM source_snapshots ORDER BY source"
            ).df()
            for r in snap.to_dict("records"):
                rows[r["source"]] = r
        except duckdb.Error as exc:
            notes.append(("notes.table_unreadable", {"table": "source_snapshots", "error": _first_line(exc)}))
    for t in sorted(tables):
        if t.startswith("quarantine_"):
            rows.setdefault(t[len("quarantine_") :], {"source": t[len("quarantine_") :]})
    if rows:  # every source of the contracts is listed, one never loaded as having no data yet
        for name in titles:
            rows.setdefault(name, {"source": name})
    empty = empty_sources(con, rows)
    for name, r in rows.items():
        meta = titles.get(name, {"zh": name, "en": name, "cadence_days": None})
        r.update(
            title_zh=meta["zh"],
            title_en=meta["en"],
            cadence_days=meta["cadence_days"],
            top_reasons=[],
            no_data=name in empty,
        )
        table = f"quarantine_{name}"
        if table in tables and "reason" in _columns(con, table):
            # Only the reason and a count: quarantined rows may hold personal columns.
            reasons = con.execute(
                f'SELECT reason, count(*) AS n FROM "{table}" GROUP BY reason ORDER BY n DESC, reason LIMIT 10'
            ).fetchall()
            r["top_reasons"] = [(str(reason), int(n)) for reason, n in reasons]
            if _is_na(r.get("quarantined_rows")):
                r["quarantined_rows"] = sum(n for _, n in reasons)
    df = pd.DataFrame(list(rows.values()), columns=SOURCE_COLUMNS)
    return df.sort_values("source").reset_index(drop=True)


def _checks(con, tables) -> tuple[pd.DataFrame | None, str | None]:
    if "quality_results" not in tables:
        return None, None
    try:
        df = con.execute(
            f"""
            SELECT table_name, check_name, severity, passed, evaluated_at,
                   {"failed_expectations" if "failed_expectations" in _columns(con, "quality_results") else "NULL"}
                       AS failed_expectations
            FROM quality_results
            QUALIFY row_number() OVER (PARTITION BY table_name, check_name ORDER BY evaluated_at DESC) = 1
            ORDER BY table_name, check_name
            """
        ).df()
    except duckdb.Error as exc:
        return None, _first_line(exc)
    # passed | warned | failed, the quality layer's word: a warning is never counted as a pass.
    df["outcome"] = [
        check_outcome(None if _is_na(p) else bool(p), sv, None if _is_na(f) else f)
        for p, sv, f in zip(df["passed"], df["severity"], df["failed_expectations"])
    ]
    return df.drop(columns=["failed_expectations"]), None


def _revisions(con, tables, month, published: pd.DataFrame, plan: Plan, districts: pd.DataFrame):
    empty = pd.DataFrame(columns=["indicator_id", "as_of", "district_code", "old", "new", "change"])
    if "published_values" not in tables:
        return None, empty
    prev = con.execute(
        "SELECT max(report_month) FROM published_values WHERE report_month < ?", [month]
    ).fetchone()[0]
    if prev is None:
        return None, empty
    old = con.execute(
        "SELECT indicator_id, as_of, district_code, value AS old FROM published_values WHERE report_month = ?",
        [prev],
    ).df()
    old["as_of"] = pd.to_datetime(old["as_of"]).dt.date
    both = old.merge(
        published.rename(columns={"value": "new"}), on=["indicator_id", "as_of", "district_code"], how="inner"
    )
    changed = both.apply(lambda r: _differs(r["old"], r["new"]), axis=1) if not both.empty else []
    rev = both[changed].copy() if len(both) else both.copy()
    rev["change"] = rev["new"] - rev["old"]
    rev = rev.merge(districts[["district_code", "name_zh", "name_en"]], on="district_code", how="left")
    rev["abs_rel"] = (rev["change"].abs() / rev["old"].abs().where(rev["old"].abs() > 0, 1)).fillna(
        float("inf")
    )
    rev = rev.sort_values(["abs_rel", "indicator_id", "as_of"], ascending=[False, True, True])
    return str(prev), rev.drop(columns="abs_rel").reset_index(drop=True)


def _differs(old: Any, new: Any) -> bool:
    o, n = _is_na(old), _is_na(new)
    if o or n:
        return o != n
    return abs(float(old) - float(new)) > 1e-9 * max(1.0, abs(float(old)))


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:160]


# -- the final evaluation of an ended plan (终期评估) ------------------------------------------------
OUTCOME_COLUMNS = (
    "value",
    "base_value",
    "target_value",
    "achieved",
    "attainment",
    "change_share",
    "ratio",
    "status",
    "final_status",
)


def _outcomes(con, tables, plan: Plan, notes=None) -> dict[str, dict[str, Any]]:
    if "plan_outcomes" not in tables:
        return {}
    try:
        df = con.execute(
            "SELECT * FROM plan_outcomes WHERE plan_id = ? AND district_code = ?", [plan.id, CITY]
        ).df()
    except duckdb.Error as exc:
        if notes is not None:
            notes.append(("notes.table_unreadable", {"table": "plan_outcomes", "error": _first_line(exc)}))
        return {}
    return {
        r["indicator_id"]: {k: (None if _is_na(v) else v) for k, v in r.items()}
        for r in df.to_dict("records")
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
        values = _values(con, B, as_of)
    if districts is None:
        districts = _district_names(con, tables, [])
    outcomes = _outcomes(con, tables, plan, notes)
    revisions: dict[str, dict[str, Any]] = {}
    if "plan_outcome_revisions" in tables:
        try:
            rev = con.execute(
                """SELECT * FROM plan_outcome_revisions WHERE plan_id = ? AND district_code = ?
                   QUALIFY row_number() OVER (PARTITION BY indicator_id ORDER BY revised_at DESC) = 1""",
                [plan.id, CITY],
            ).df()
            revisions = {
                r["indicator_id"]: {k: (None if _is_na(v) else v) for k, v in r.items()}
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
            [(date(y, 12, 31), _value_on(city, date(y, 12, 31))) for y in range(B, T + 1)],
            columns=["as_of", "value"],
        )
        o = outcomes.get(ind.id, {})
        pr = (
            progress_t[progress_t["indicator_id"] == ind.id].to_dict("records")
            if not progress_t.empty
            else []
        )
        pr = {k: (None if _is_na(v) else v) for k, v in pr[0].items()} if pr else {}
        value = _num(o["value"]) if o.get("value") is not None else _value_on(city, as_of)
        base = o.get("base_value")
        if base is None:
            base = (
                ind.base_value
                if ind.base_value is not None
                else (pr.get("base_value") or _value_on(city, base_date))
            )
        base = _num(base)
        target = (
            ind.target.value
            if ind.target is not None and ind.target.value is not None
            else _num(o.get("target_value"))
        )
        growth = ind.target is not None and ind.target.kind == "growth"
        if o:
            achieved = None if o.get("achieved") is None else bool(o["achieved"])
            attainment, share = _num(o.get("attainment")), _num(o.get("change_share"))
            final = o.get("final_status") or (
                "not_available" if achieved is None else "target_achieved" if achieved else "target_missed"
            )
            ratio, status = _num(o.get("ratio")), o.get("status")
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
            ratio, status = _num(pr.get("ratio")), pr.get("status")
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
                districts=_contributions(v_ind, as_of, base_date, districts),
                flags=_as_list(city[city["as_of"] == as_of]["flags"].iloc[-1])
                if (city["as_of"] == as_of).any()
                else [],
                revision=revisions.get(ind.id),
                gap=_num(o.get("target_gap")),
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
            score = None if hit is None else _num(hit[0])
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


def _contributions(
    v_ind: pd.DataFrame, as_of: date, base_date: date, districts: pd.DataFrame
) -> pd.DataFrame:
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
    c_now, c_then = _value_on(city, as_of), _value_on(city, base_date)
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
        tables = _tables(con)
        if "indicator_values" not in tables:
            raise ReportDataError("the warehouse has no indicator_values table (run the indicators first)")
        (last,) = con.execute("SELECT max(as_of) FROM indicator_values").fetchone()
        if last is None or not ended_by(plan, _to_date(last)):
            raise ReportDataError(
                f"plan {plan_id} runs to 31 December {plan.target_year}: its final evaluation "
                f"needs data after that date (latest data: {last})"
            )
        notes: list = []
        final = final_evaluation(con, tables, plan, notes=notes)
        sources = _sources(con, tables, notes)
        checks, checks_note = _checks(con, tables)
        return final, plans, sources, checks, checks_note, notes
    finally:
        con.close()


# -- protection: enforcement cases (personal columns never selected) ------------------------------------
ACCEPTANCE = "civil_first_instance_acceptance_rate"


def _protection(
    con, tables, as_of: date, values: pd.DataFrame, districts: pd.DataFrame, notes
) -> Protection | None:
    acceptance = None
    rows = values[values["indicator_id"] == ACCEPTANCE]
    if not rows.empty:
        acc_ind = next(
            (i for p in load_plans() for i in p.indicators if i.id == ACCEPTANCE), None
        ) or Indicator(
            id=ACCEPTANCE,
            name_zh="知识产权民事案件一审服判息诉率",
            name_en="First-instance acceptance rate of civil IP cases",
            unit="%",
            unit_en="%",
            kind="flow",
            city_only=True,
        )
        acceptance = _section(acc_ind, values, None, districts, date(as_of.year, as_of.month, 1))
    if "stg_enforcement" not in tables:
        return None if acceptance is None else Protection(as_of.year, as_of, None, acceptance, False)
    cols = set(_columns(con, "stg_enforcement"))
    need = {"authority_type", "case_type", "opened_date"}
    if not need <= cols:
        return None
    val = "value_wan" if "value_wan" in cols else "NULL::DOUBLE"
    # Penalties only where they apply (rules.penalty_applies): a court row has no amount anywhere.
    applies = ", ".join(f"'{a}'" for a in rules.PENALTY_AUTHORITIES)
    pen = (
        f"CASE WHEN authority_type IN ({applies}) THEN penalty_wan END"
        if "penalty_wan" in cols
        else "NULL::DOUBLE"
    )
    scope = "AND coalesce(in_scope, true)" if "in_scope" in cols else ""
    y = as_of.year
    try:
        prev_end = date(y - 1, as_of.month, min(as_of.day, calendar.monthrange(y - 1, as_of.month)[1]))
        # Aggregates only: the party column is never read.
        df = con.execute(
            f"""
            SELECT authority_type, case_type,
                   count(*) FILTER (WHERE opened_date BETWEEN ? AND ?) AS cases,
                   count(*) FILTER (WHERE opened_date BETWEEN ? AND ?) AS cases_prev,
                   sum({val}) FILTER (WHERE opened_date BETWEEN ? AND ?) AS value_wan,
                   sum({val}) FILTER (WHERE opened_date BETWEEN ? AND ?) AS value_wan_prev,
                   sum({pen}) FILTER (WHERE opened_date BETWEEN ? AND ?) AS penalty_wan,
                   sum({pen}) FILTER (WHERE opened_date BETWEEN ? AND ?) AS penalty_wan_prev
            FROM stg_enforcement
            WHERE opened_date BETWEEN ? AND ? {scope}
            GROUP BY ALL ORDER BY authority_type, case_type
            """,
            [date(y, 1, 1), as_of, date(y - 1, 1, 1), prev_end] * 3 + [date(y - 1, 1, 1), as_of],
        ).df()
        (earliest,) = con.execute("SELECT min(opened_date) FROM stg_enforcement").fetchone()
        monthly = con.execute(
            f"""SELECT year(opened_date) AS year, month(opened_date) AS month, count(*) AS cases
                FROM stg_enforcement WHERE opened_date BETWEEN ? AND ? {scope} GROUP BY ALL ORDER BY ALL""",
            [date(y - 1, 1, 1), as_of],
        ).df()
    except duckdb.Error as exc:
        notes.append(("notes.table_unreadable", {"table": "stg_enforcement", "error": _first_line(exc)}))
        return None
    if earliest is None:  # the source has never delivered a case: no data yet, not "no cases this year"
        return Protection(y, as_of, None, acceptance, False)
    has_prev = _to_date(earliest) <= date(y - 1, 1, 31)
    return Protection(
        year=y, as_of=as_of, by_type=df, acceptance=acceptance, has_prev=has_prev, monthly=monthly
    )
