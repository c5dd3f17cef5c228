"""`explain`: the records behind a published number, for a reader who asks "which ones?".

Counts list their records (high-value patents with the criteria each met,
trademarks, overseas grants, pledges, enterprises); ratios list their
numerator's records; the satisfaction indicators give a summary of the survey
responses, never the answers one by one. Enforcement cases are listed only for
the civil acceptance rate, by case number, and a `party` column (personal data)
is never returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from ..city import CITY
from ..db import table_exists
from . import sql
from .calc_frame import growth_base_year, prepare
from .catalogue import load_plans
from .engine import build_marts
from .indicator_definitions import load_definitions
from .registry import COMPUTATIONS


class _Explain(Mapping):
    """indicator id -> (explain SQL, extra parameters incl. `period`: a filter on the result's
    period), from the definitions' `explain` (assets/catalogue/indicators/<id>.yaml)."""

    def _all(self) -> dict:
        out = {}
        for i, d in load_definitions().items():
            if d.explain is not None:
                extra = dict(d.explain.params)
                if d.explain.period:
                    extra["period"] = d.explain.period
                out[i] = (d.explain.sql, extra)
        return out

    def __getitem__(self, k):
        return self._all()[k]

    def __iter__(self):
        return iter(self._all())

    def __len__(self):
        return len(self._all())


EXPLAIN = _Explain()
PERSONAL_COLUMNS = {"party"}


def explain(
    con: duckdb.DuckDBPyConnection,
    indicator_id: str,
    as_of: date,
    district_code: str | None = None,
    plans=None,
) -> pd.DataFrame:
    """The records behind `indicator_id` on `as_of` for a unit (None or city.CITY: the whole city)."""
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


# --------------------------------------------------------------------------- the summary


def formulas() -> dict[str, tuple[str, str]]:
    """How each value is made from its numerator and denominator (zh, en); {n}, {d}, {v} are
    filled in (the definitions' `explain.formula`)."""
    return {i: d.explain.formula for i, d in load_definitions().items() if d.explain and d.explain.formula}


# What the numerator and denominator of a growth rate are (the year to date, the base year to the same day).
GROWTH_TERMS = (
    "分子 = 当年截至当日, 分母 = 基期年同期 (B)",
    "numerator = year to date, denominator = base year B to the same day",
)
COUNT_FORMULA = ("计数 = {n} = {v}", "count = {n} = {v}")

CRITERIA = ("sei", "overseas_family", "maintained_10y", "pledge_financing", "award")
CRITERIA_NAMES = {
    "sei": ("战略性新兴产业", "strategic emerging industry"),
    "overseas_family": ("海外同族授权", "overseas family grant"),
    "maintained_10y": ("维持年限超过10年", "maintained over 10 years"),
    "pledge_financing": ("质押融资额较高", "higher pledge financing"),
    "award": ("获得专利奖", "patent award"),
}


@dataclass
class Summary:
    """What `explain` says before any record: the value and how it is made, counts by criterion and unit."""

    indicator_id: str
    as_of: date
    district_code: str
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    unit: str | None = None
    flags: list[str] = field(default_factory=list)
    stored: bool = False  # the value was read from indicator_values (else: not published for this date)
    records: int | None = None  # rows `explain` lists (None: no record listing for this id)
    by_criterion: pd.DataFrame | None = None  # criterion, count (hv_patents_per_10k)
    overlap: pd.DataFrame | None = None  # criteria_met (1, 2, 3…), count
    by_unit: pd.DataFrame | None = None  # district_code, records, value, numerator, denominator


def stored_values(con: duckdb.DuckDBPyConnection, indicator_id: str, as_of: date) -> pd.DataFrame:
    """indicator_values rows of an id on a date, every unit (empty when the table is missing)."""
    if not table_exists(con, "indicator_values"):
        return pd.DataFrame(columns=["district_code", "value", "numerator", "denominator", "unit", "flags"])
    return con.execute(
        "SELECT district_code, value, numerator, denominator, unit, flags FROM indicator_values "
        "WHERE indicator_id = ? AND as_of = ? ORDER BY district_code",
        [indicator_id, as_of],
    ).df()


def summarise(
    con: duckdb.DuckDBPyConnection,
    indicator_id: str,
    as_of: date,
    district_code: str | None = None,
    records: pd.DataFrame | None = None,
) -> Summary:
    """The summary of `indicator_id` on `as_of` for a unit (None: the city); `records` = explain()'s rows."""
    if isinstance(as_of, str):
        as_of = date.fromisoformat(as_of)
    unit_code = district_code or CITY
    s = Summary(indicator_id, as_of, unit_code)
    stored = stored_values(con, indicator_id, as_of)
    here = stored[stored["district_code"] == unit_code]
    if not here.empty:
        row = here.iloc[0]
        s.stored = True
        s.value, s.numerator, s.denominator = (
            _num(row["value"]),
            _num(row["numerator"]),
            _num(row["denominator"]),
        )
        s.unit = row["unit"]
        s.flags = [] if row["flags"] is None else [str(f) for f in list(row["flags"])]
    if records is None:
        return s
    s.records = len(records)
    if indicator_id == "hv_patents_per_10k" and len(records):
        flags = records[list(CRITERIA)].fillna(False).astype(bool)
        s.by_criterion = pd.DataFrame(
            {"criterion": list(CRITERIA), "count": [int(flags[c].sum()) for c in CRITERIA]}
        )
        met = flags.sum(axis=1)
        s.overlap = (
            met.value_counts()
            .rename_axis("criteria_met")
            .reset_index(name="count")
            .sort_values("criteria_met")
            .reset_index(drop=True)
        )
    if (
        "district_code" in records.columns
        and unit_code == CITY
        and indicator_id not in ("ip_protection_satisfaction", "ip_protection_satisfaction_survey")
    ):
        counts = records.groupby("district_code").size().rename("records").reset_index()
        units = stored[stored["district_code"] != CITY][
            ["district_code", "value", "numerator", "denominator"]
        ]
        by_unit = units.merge(counts, on="district_code", how="outer") if len(units) else counts
        by_unit["records"] = by_unit["records"].fillna(0).astype(int)
        s.by_unit = by_unit.sort_values("district_code").reset_index(drop=True)
    return s


def formula(s: Summary, value_text: str, fmt_count, lang: str = "zh") -> str:
    """`value = numerator / denominator` with the numbers, in words a reader can check."""
    i = 1 if lang == "en" else 0
    n, d = fmt_count(s.numerator), fmt_count(s.denominator)
    template = formulas().get(s.indicator_id)
    if template is None:
        if s.denominator is not None:
            template = ("分子 / 分母 = {n} / {d} = {v}", "numerator / denominator = {n} / {d} = {v}")
        else:
            template = COUNT_FORMULA
    text = template[i].format(n=n, d=d, v=value_text)
    if "(Y − B)" in text:  # the growth rates: the years themselves
        try:  # the base year of this id (engines that know one per indicator), else the plans'
            b = growth_base_year(load_plans(), s.as_of, s.indicator_id)
        except TypeError:
            b = growth_base_year(load_plans(), s.as_of)
        y = s.as_of.year
        text = text.replace("(Y − B)", f"({y} − {b})", 2)
    return text


def _num(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)
