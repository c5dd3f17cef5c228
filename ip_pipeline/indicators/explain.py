"""`explain`: the records behind a published number, for a reader who asks "which ones?".

Counts list their records (high-value patents with the criteria each met,
trademarks, overseas grants, pledges, enterprises); ratios list their
numerator's records; the satisfaction indicators give a summary of the survey
responses, never the answers one by one. Enforcement cases are listed only for
the civil acceptance rate, by case number, and a `party` column (personal data)
is never returned.
"""
from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from . import sql
from .catalogue import load_plans
from .engine import build_marts, prepare
from .registry import CITY, COMPUTATIONS

# indicator id -> (explain SQL, extra parameters, a filter on the result's period)
EXPLAIN = {
    "hv_patents_per_10k": ("explain/hv_patents", {}),
    "overseas_invention_grants": ("explain/overseas_grants", {}),
    "valid_trademarks": ("explain/trademarks", {}),
    "pledge_count": ("explain/pledges", {"period": "year_to_date"}),
    "pledge_amount_wan": ("explain/pledges", {"period": "year_to_date"}),
    "pledge_count_cagr": ("explain/pledges", {}),
    "pledge_amount_cagr": ("explain/pledges", {}),
    "patent_intensive_va_share": ("explain/economy", {}),
    "ip_protection_satisfaction": ("explain/survey", {}),
    "ip_protection_satisfaction_survey": ("explain/survey", {}),
    "gbt29490_enterprises": ("explain/enterprises", {"programme": "gbt29490"}),
    "city_advantage_enterprises": ("explain/enterprises", {"programme": "city_advantage"}),
    "ip_transfer_licence_count": ("explain/transfers", {"period": "year_to_date"}),
    "ip_transfer_licence_cagr": ("explain/transfers", {}),
    "new_city_advantage_enterprises": ("explain/new_enterprises", {}),
    "civil_first_instance_acceptance_rate": ("explain/judicial_cases", {}),
}
PERSONAL_COLUMNS = {"party"}


def explain(
    con: duckdb.DuckDBPyConnection, indicator_id: str, as_of: date, district_code: str | None = None,
    plans=None,
) -> pd.DataFrame:
    """The records behind `indicator_id` on `as_of` for a unit (None or 370600: the whole city)."""
    if indicator_id not in EXPLAIN or indicator_id not in COMPUTATIONS:
        raise KeyError(f"unknown indicator {indicator_id!r}; known: {', '.join(sorted(EXPLAIN))}")
    if isinstance(as_of, str):
        as_of = date.fromisoformat(as_of)
    plans = load_plans() if plans is None else plans
    prepare(con, [as_of], plans)
    build_marts(con, plans)
    name, extra = EXPLAIN[indicator_id]
    params = {"district": None if district_code in (None, CITY) else district_code}
    params.update({k: v for k, v in extra.items() if k != "period"})
    df = sql.query(con, name, **params).df()
    if "period" in extra:
        df = df[df["period"] == extra["period"]].reset_index(drop=True)
    return df.drop(columns=[c for c in df.columns if c.lower() in PERSONAL_COLUMNS])
