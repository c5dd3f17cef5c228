"""The report's model: what a monthly report (and a plan's final evaluation) shows, as read from the
warehouse by report/data.py and its readers. Plain dataclasses, no reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from ..indicators.catalogue import Indicator, Plan

# The high-value patent criteria: the columns of ReportData.criteria, one count per criterion.
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
    # published national and provincial figures (report/peers.py): year, level, indicator_id, value, source
    peers: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["year", "level", "indicator_id", "value", "source"])
    )

    @property
    def partial(self) -> bool:
        """The month is still running (or its data stops early): the report says 'as of' its last day."""
        return self.as_of < self.month_end
