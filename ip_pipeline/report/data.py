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

from ..indicators.catalogue import Indicator, Plan, load_plans
from ..paths import SOURCES_DIR
from ..resources import connect

CITY = "370600"
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
    prev_value: float | None          # last value of the previous month
    year_ago_value: float | None      # last value of the same month a year earlier
    progress: dict[str, Any] | None   # indicator_progress row for the city at as_of
    series: pd.DataFrame              # as_of, value (last value of each month since the base year)
    path: pd.DataFrame                # as_of, expected_value (from indicator_progress)
    districts: pd.DataFrame           # district_code, name_zh, name_en, value, numerator, denominator, flags, prev_value

    @property
    def id(self) -> str:
        return self.indicator.id


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
    criteria: pd.DataFrame | None          # district_code, name_zh, name_en, total, multi, <criteria…>
    criteria_as_of: date | None
    sources: pd.DataFrame                  # one row per source
    checks: pd.DataFrame | None            # latest result of each check
    checks_note: str | None
    published: pd.DataFrame                # rows to record in published_values
    previous_report_month: str | None
    revisions: pd.DataFrame                # indicator_id, as_of, district_code, names, old, new, change
    district_names: pd.DataFrame
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


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


def choose_plan(plans: list[Plan], year: int, plan_id: str | None = None) -> Plan:
    if plan_id:
        for p in plans:
            if p.id == plan_id:
                return p
        raise ReportDataError(f"no plan {plan_id!r} in the catalogue")
    covering = [p for p in plans if p.base_year < year <= p.target_year]
    return covering[0] if covering else plans[-1]


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
def load_report_data(warehouse: Path, month: str, plan_id: str | None = None,
                     catalogue_dir: Path | None = None, as_published: bool = False) -> ReportData:
    """`as_published`: the month's values as its report published them (published_values of
    that report month, where the history has it) instead of today's vintage — for the archive."""
    month_start, month_end = month_bounds(month)
    if not Path(warehouse).exists():
        raise ReportDataError(f"no warehouse at {warehouse}")
    plan = choose_plan(load_plans(catalogue_dir), month_start.year, plan_id)
    con = connect(warehouse, read_only=True)
    try:
        return _load(con, month, month_start, month_end, plan, as_published)
    finally:
        con.close()


def _load(con, month: str, month_start: date, month_end: date, plan: Plan, as_published: bool = False) -> ReportData:
    tables = _tables(con)
    notes: list[tuple[str, dict[str, Any]]] = []
    if "indicator_values" not in tables:
        raise ReportDataError("the warehouse has no indicator_values table (run the indicators first)")
    values = con.execute(
        """
        SELECT indicator_id, as_of, district_code, value, numerator, denominator, flags, vintage
        FROM indicator_values
        WHERE as_of <= ? AND as_of >= make_date(?, 1, 1)
        """,
        [month_end, plan.base_year],
    ).df()
    values["as_of"] = pd.to_datetime(values["as_of"]).dt.date
    if as_published:  # the archive (report/archive.py)
        from .archive import as_published as _as_published

        values = _as_published(con, tables, month, values)
    in_month = values[(values["as_of"] >= month_start) & (values["as_of"] <= month_end)]
    if in_month.empty:
        raise ReportDataError(f"indicator_values has no rows for {month}")
    as_of = max(in_month["as_of"])
    values["month"] = [d.strftime("%Y-%m") for d in values["as_of"]]

    districts = _district_names(con, tables, notes)
    progress = _progress(con, tables, plan, month_end, notes)

    sections = [
        _section(ind, values, progress, districts, month_start)
        for ind in plan.indicators
    ]
    vintage = _vintage(in_month)
    published = values[values["as_of"] <= as_of][
        ["indicator_id", "as_of", "district_code", "value"]
    ].reset_index(drop=True)
    prev_month, revisions = _revisions(con, tables, month, published, plan, districts)
    criteria, criteria_as_of = _criteria(con, tables, month_start, month_end, districts, notes)
    sources = _sources(con, tables, notes)
    checks, checks_note = _checks(con, tables)
    return ReportData(
        month=month, month_start=month_start, month_end=month_end, as_of=as_of, plan=plan,
        sections=sections, vintage=vintage,
        plan_score=_plan_score(con, tables, plan, month_start, month_end, progress, sections, notes),
        criteria=criteria, criteria_as_of=criteria_as_of, sources=sources, checks=checks,
        checks_note=checks_note, published=published, previous_report_month=prev_month,
        revisions=revisions, district_names=districts, notes=notes,
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


def _section(ind: Indicator, values: pd.DataFrame, progress: pd.DataFrame | None,
             districts: pd.DataFrame, month_start: date) -> IndicatorSection:
    rows = values[values["indicator_id"] == ind.id]
    city = rows[rows["district_code"] == CITY].sort_values("as_of")
    series = city.groupby("month", as_index=False).last()[["as_of", "value"]].sort_values("as_of")
    current = _last_in_month(city, month_start)
    prev = _last_in_month(city, shift_month(month_start, -1))
    year_ago = _last_in_month(city, shift_month(month_start, -12))
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

    dist = pd.DataFrame(columns=["district_code", "name_zh", "name_en", "value", "numerator",
                                 "denominator", "flags", "prev_value"])
    if as_of is not None:
        here = rows[(rows["as_of"] == as_of) & (rows["district_code"] != CITY)]
        before = pd.DataFrame(columns=["district_code", "prev_value"])
        if prev is not None:
            b = rows[(rows["as_of"] == prev["as_of"]) & (rows["district_code"] != CITY)]
            before = b[["district_code", "value"]].rename(columns={"value": "prev_value"})
        dist = (here[["district_code", "value", "numerator", "denominator", "flags"]]
                .merge(districts[["district_code", "name_zh", "name_en"]], on="district_code", how="left")
                .merge(before, on="district_code", how="left"))
    return IndicatorSection(
        indicator=ind, as_of=as_of,
        value=_num(current["value"]) if current is not None else None,
        numerator=_num(current["numerator"]) if current is not None else None,
        denominator=_num(current["denominator"]) if current is not None else None,
        flags=_as_list(current["flags"]) if current is not None else [],
        prev_value=_num(prev["value"]) if prev is not None else None,
        year_ago_value=_num(year_ago["value"]) if year_ago is not None else None,
        progress=prog_row, series=series, path=path, districts=dist,
    )


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
                where.append("plan_id = ?"); params.append(plan.id)
            if "district_code" in cols:
                where.append("district_code = ?"); params.append(CITY)
            order = ""
            if "as_of" in cols:
                where.append("as_of BETWEEN ? AND ?"); params += [month_start, month_end]
                order = "ORDER BY as_of DESC"
            sql = f"SELECT * FROM plan_scores {'WHERE ' + ' AND '.join(where) if where else ''} {order} LIMIT 1"
            row = con.execute(sql, params).df()
            score_col = next((c for c in ("score", "plan_score", "mean_score") if c in cols), None)
            if not row.empty and score_col:
                r = row.iloc[0].to_dict()
                n = next((r[c] for c in ("n_indicators", "indicators_scored", "n_scored") if c in r), None)
                return {"score": _num(r[score_col]), "achieved": bool(r["achieved"]) if "achieved" in r and not _is_na(r["achieved"]) else None,
                        "n": None if n is None or _is_na(n) else int(n), "source": "plan_scores"}
        except duckdb.Error as exc:
            notes.append(("notes.table_unreadable", {"table": "plan_scores", "error": _first_line(exc)}))
    scored = [s.progress for s in sections if s.progress and s.progress.get("score") is not None
              and s.progress.get("status") not in (None, "not_available")]
    if not scored:
        return None
    statuses = [s.progress.get("status") if s.progress else None for s in sections]
    return {"score": sum(float(p["score"]) for p in scored) / len(scored),
            "achieved": all(st == "target_achieved" for st in statuses), "n": len(scored), "source": "computed"}


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
        notes.append(("notes.table_unreadable", {"table": "high_value_patent_criteria", "error": _first_line(exc)}))
        return None, None
    df = df.merge(districts[["district_code", "name_zh", "name_en"]], on="district_code", how="left")
    return df, _to_date(as_of)


def _source_titles() -> dict[str, dict[str, str]]:
    out = {}
    for f in sorted(Path(SOURCES_DIR).glob("*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        name = doc.get("name", f.stem)
        out[name] = {"zh": doc.get("title_zh", name), "en": doc.get("title_en", name),
                     "cadence_days": doc.get("cadence_days")}
    return out


SOURCE_COLUMNS = ["source", "title_zh", "title_en", "cadence_days", "snapshot_at", "raw_rows",
                  "staged_rows", "duplicate_rows", "quarantined_rows", "top_reasons"]


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
            rows.setdefault(t[len("quarantine_"):], {"source": t[len("quarantine_"):]})
    for name, r in rows.items():
        meta = titles.get(name, {"zh": name, "en": name, "cadence_days": None})
        r.update(title_zh=meta["zh"], title_en=meta["en"], cadence_days=meta["cadence_days"], top_reasons=[])
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
            """
            SELECT table_name, check_name, severity, passed, evaluated_at
            FROM quality_results
            QUALIFY row_number() OVER (PARTITION BY table_name, check_name ORDER BY evaluated_at DESC) = 1
            ORDER BY table_name, check_name
            """
        ).df()
    except duckdb.Error as exc:
        return None, _first_line(exc)
    return df, None


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
    both = old.merge(published.rename(columns={"value": "new"}),
                     on=["indicator_id", "as_of", "district_code"], how="inner")
    changed = both.apply(lambda r: _differs(r["old"], r["new"]), axis=1) if not both.empty else []
    rev = both[changed].copy() if len(both) else both.copy()
    rev["change"] = rev["new"] - rev["old"]
    rev = rev.merge(districts[["district_code", "name_zh", "name_en"]], on="district_code", how="left")
    rev["abs_rel"] = (rev["change"].abs() / rev["old"].abs().where(rev["old"].abs() > 0, 1)).fillna(float("inf"))
    rev = rev.sort_values(["abs_rel", "indicator_id", "as_of"], ascending=[False, True, True])
    return str(prev), rev.drop(columns="abs_rel").reset_index(drop=True)


def _differs(old: Any, new: Any) -> bool:
    o, n = _is_na(old), _is_na(new)
    if o or n:
        return o != n
    return abs(float(old) - float(new)) > 1e-9 * max(1.0, abs(float(old)))


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:160]

