"""The report's reads from the warehouse: indicator values, district names, progress, plan scores,
high-value patent criteria and the revisions since the previous report. A missing optional table
becomes a note (`notes`), never an error."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from ..city import CITY
from ..db import column_names
from ..indicators.catalogue import Plan
from .frames import as_date, as_float, differs, is_na
from .model import CRITERIA


def table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall()
    return {r[0] for r in rows}


def first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:160]


def read_values(con, since_year: int, until: date) -> pd.DataFrame:
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


def read_district_names(con, tables: set[str], notes) -> pd.DataFrame:
    if "stg_districts" in tables:
        df = con.execute("SELECT code AS district_code, name_zh, name_en, kind FROM stg_districts").df()
        return df
    notes.append(("notes.no_districts", {}))
    return pd.DataFrame(columns=["district_code", "name_zh", "name_en", "kind"])


def read_progress(con, tables, plan: Plan, month_end: date, notes) -> pd.DataFrame | None:
    if "indicator_progress" not in tables:
        notes.append(("notes.no_progress", {}))
        return None
    try:
        df = con.execute(
            "SELECT * FROM indicator_progress WHERE plan_id = ? AND district_code = ? AND as_of <= ?",
            [plan.id, CITY, month_end],
        ).df()
    except duckdb.Error as exc:
        notes.append(("notes.table_unreadable", {"table": "indicator_progress", "error": first_line(exc)}))
        return None
    df["as_of"] = pd.to_datetime(df["as_of"]).dt.date
    return df


def latest_vintage(in_month: pd.DataFrame) -> str | None:
    v = in_month["vintage"].dropna().astype(str)
    return max(v) if not v.empty else None


def read_plan_score(
    con, tables, plan: Plan, month_start, month_end, progress, sections, notes
) -> dict | None:
    if "plan_scores" in tables:
        try:
            cols = column_names(con, "plan_scores")
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
                    "score": as_float(r[score_col]),
                    "achieved": bool(r["achieved"]) if "achieved" in r and not is_na(r["achieved"]) else None,
                    "n": None if n is None or is_na(n) else int(n),
                    "source": "plan_scores",
                }
        except duckdb.Error as exc:
            notes.append(("notes.table_unreadable", {"table": "plan_scores", "error": first_line(exc)}))
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


def read_criteria(con, tables, month_start, month_end, districts, notes):
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
            ("notes.table_unreadable", {"table": "high_value_patent_criteria", "error": first_line(exc)})
        )
        return None, None
    df = df.merge(districts[["district_code", "name_zh", "name_en"]], on="district_code", how="left")
    return df, as_date(as_of)


def read_revisions(con, tables, month, published: pd.DataFrame, plan: Plan, districts: pd.DataFrame):
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
    changed = both.apply(lambda r: differs(r["old"], r["new"]), axis=1) if not both.empty else []
    rev = both[changed].copy() if len(both) else both.copy()
    rev["change"] = rev["new"] - rev["old"]
    rev = rev.merge(districts[["district_code", "name_zh", "name_en"]], on="district_code", how="left")
    rev["abs_rel"] = (rev["change"].abs() / rev["old"].abs().where(rev["old"].abs() > 0, 1)).fillna(
        float("inf")
    )
    rev = rev.sort_values(["abs_rel", "indicator_id", "as_of"], ascending=[False, True, True])
    return str(prev), rev.drop(columns="abs_rel").reset_index(drop=True)
