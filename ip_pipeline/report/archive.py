"""The archive of past bulletins: a month's report rebuilt as it was published.

`ip-pipeline backfill --reports` (and a backfill of `monthly_report` from the UI) rebuild past
months with `build_report(..., as_published=True, record=False)`: where `published_values` holds
what the month's report published, those values are shown instead of today's vintage, and the
history of what was published is never rewritten.
"""

from __future__ import annotations

import pandas as pd

from .frames import differs

KEY = ["indicator_id", "as_of", "district_code"]


def as_published(con, tables: set[str], month: str, values: pd.DataFrame) -> pd.DataFrame:
    """`values` (indicator_values rows) with `value` replaced by what the month's report published
    (published_values of report_month = month). Where a published value differs from today's, the
    numerator and denominator (not kept in the history) are emptied rather than shown beside a
    value they do not give."""
    if "published_values" not in tables:
        return values
    old = con.execute(
        "SELECT indicator_id, as_of, district_code, value AS published FROM published_values "
        "WHERE report_month = ?",
        [month],
    ).df()
    if old.empty:
        return values
    old["as_of"] = pd.to_datetime(old["as_of"]).dt.date
    old["_hit"] = True
    merged = values.merge(old, on=KEY, how="left")
    hit = merged["_hit"].notna()  # True where the history has the row, NaN elsewhere
    changed = hit & merged.apply(lambda r: differs(r["published"], r["value"]), axis=1)
    merged.loc[hit, "value"] = merged.loc[hit, "published"]
    merged.loc[changed, ["numerator", "denominator"]] = None
    return merged.drop(columns=["published", "_hit"])
