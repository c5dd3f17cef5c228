"""The protection statistics: enforcement cases opened from 1 January to the report date and in the same
period a year earlier, by authority and case type, and the civil first-instance acceptance rate.
Only counts and sums leave `stg_enforcement`: the personal `party` column is never selected."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from ..db import column_names
from ..indicators import rules
from ..indicators.catalogue import Indicator, load_plans
from .frames import as_date
from .model import Protection
from .queries import first_line
from .sections import build_section

ACCEPTANCE = "civil_first_instance_acceptance_rate"


def read_protection(
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
        acceptance = build_section(acc_ind, values, None, districts, date(as_of.year, as_of.month, 1))
    if "stg_enforcement" not in tables:
        return None if acceptance is None else Protection(as_of.year, as_of, None, acceptance, False)
    cols = set(column_names(con, "stg_enforcement"))
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
        prev_end = rules.same_day_last_year(as_of)  # the engine's comparison date, as the label says
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
        notes.append(("notes.table_unreadable", {"table": "stg_enforcement", "error": first_line(exc)}))
        return None
    if earliest is None:  # the source has never delivered a case: no data yet, not "no cases this year"
        return Protection(y, as_of, None, acceptance, False)
    has_prev = as_date(earliest) <= date(y - 1, 1, 31)
    return Protection(
        year=y, as_of=as_of, by_type=df, acceptance=acceptance, has_prev=has_prev, monthly=monthly
    )
