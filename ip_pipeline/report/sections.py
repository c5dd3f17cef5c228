"""One indicator's section of the report, from the values and progress read from the warehouse: its value
in the month, the month before and a year earlier, its monthly series, its planned path and its districts."""

from __future__ import annotations

from datetime import date

import pandas as pd

from ..city import CITY
from ..indicators import rules
from ..indicators.catalogue import Indicator
from .frames import as_float, as_list, is_na, value_on
from .model import IndicatorSection
from .months import shift_month


def last_in_month(frame: pd.DataFrame, month_start: date) -> pd.Series | None:
    key = month_start.strftime("%Y-%m")
    rows = frame[frame["month"] == key]
    if rows.empty:
        return None
    return rows.sort_values("as_of").iloc[-1]


def build_section(
    ind: Indicator,
    values: pd.DataFrame,
    progress: pd.DataFrame | None,
    districts: pd.DataFrame,
    month_start: date,
) -> IndicatorSection:
    rows = values[values["indicator_id"] == ind.id]
    city = rows[rows["district_code"] == CITY].sort_values("as_of")
    series = city.groupby("month", as_index=False).last()[["as_of", "value"]].sort_values("as_of")
    current = last_in_month(city, month_start)
    prev = last_in_month(city, shift_month(month_start, -1))
    year_ago = last_in_month(city, rules.same_day_last_year(month_start))  # the month a year earlier
    as_of = current["as_of"] if current is not None else None

    prog_row, path = None, pd.DataFrame(columns=["as_of", "expected_value"])
    if progress is not None and not progress.empty:
        p = progress[progress["indicator_id"] == ind.id].sort_values("as_of")
        if as_of is not None:
            hit = p[p["as_of"] == as_of]
            if not hit.empty:
                prog_row = {k: (None if is_na(v) else v) for k, v in hit.iloc[-1].to_dict().items()}
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
    for f in as_list((prog_row or {}).get("flags")):
        key, _, param = f.partition(":")
        if key == "complete_year" and param.isdigit():
            judged_year = int(param)
    if judged_year is not None:
        judged_value = value_on(city, date(judged_year, 12, 31))
        if judged_value is None and prog_row is not None:
            judged_value = as_float(prog_row.get("value"))
        judged_prev = value_on(city, date(judged_year - 1, 12, 31))
    return IndicatorSection(
        judged_year=judged_year,
        judged_value=judged_value,
        judged_prev_value=judged_prev,
        indicator=ind,
        as_of=as_of,
        value=as_float(current["value"]) if current is not None else None,
        numerator=as_float(current["numerator"]) if current is not None else None,
        denominator=as_float(current["denominator"]) if current is not None else None,
        flags=as_list(current["flags"]) if current is not None else [],
        prev_value=as_float(prev["value"]) if prev is not None else None,
        year_ago_value=as_float(year_ago["value"]) if year_ago is not None else None,
        progress=prog_row,
        series=series,
        path=path,
        districts=dist,
    )
