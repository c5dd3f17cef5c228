"""The rules a verdict rests on, each written once (PROGRESS.md, BULLETIN.md).

The progress and outcome SQL calls these functions (registered on the connection by
`register`), the report and the CLI read the columns they produced: a rule with two
copies drifts, so there is only this one.

- the plan's lifecycle on a date (a catalogue.Plan's in_force / ended_by, for readers without the class);
- whether a value meets a target (`meets`, with the limit tolerance);
- the status, first rule that applies, with the rule for dates before the target year;
- "显著提升" judged against the survey's margin of error (`margin`, `rise_class`);
- the comparison period: the same day a year earlier (`same_day_last_year`);
- the displayed decimals of an indicator and the display of a value next to its verdict.
"""

from __future__ import annotations

import calendar
import math
from datetime import date
from typing import Any

import duckdb

from .indicator_definitions import load_definitions

DEFAULT_DECIMALS = 2
MAX_EXTRA_DECIMALS = 3
Z95 = 1.96


# -- lifecycle -------------------------------------------------------------------------------
def in_force(plan: Any, d: date) -> bool:
    """End of base year < D <= 31 Dec of the target year (PROGRESS.md, "The plan's lifecycle")."""
    return plan.in_force(d)


def ended_by(plan: Any, d: date) -> bool:
    return plan.ended_by(d)


def started(plan: Any, d: date) -> bool:
    """The plan has begun by D (its base year is over): in force, or ended."""
    return d > plan.start_date


# -- periods ---------------------------------------------------------------------------------
def month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def same_day_last_year(d: date) -> date:
    """The comparison date a year earlier: the same month and day (29 February -> 28 February);
    a month end compares with the month end a year earlier."""
    if d == month_end(d):
        return month_end(date(d.year - 1, d.month, 1))
    return date(d.year - 1, d.month, min(d.day, calendar.monthrange(d.year - 1, d.month)[1]))


# -- enforcement -----------------------------------------------------------------------------
# 罚没款 are imposed by administrative and customs authorities; a court's case has none (a
# criminal fine is not 罚没款), so its row is 不适用 and no total counts an amount for it.
PENALTY_AUTHORITIES = ("administrative", "customs")


def penalty_applies(authority_type: str | None) -> bool:
    return authority_type in PENALTY_AUTHORITIES


# -- targets ---------------------------------------------------------------------------------
def meets(value: float | None, target: float | None, comparison: str | None) -> bool | None:
    """`value` against `target` by the target's comparison (ge | gt | le | lt; default ge)."""
    if value is None or target is None:
        return None
    return {"gt": value > target, "le": value <= target, "lt": value < target}.get(
        comparison or "ge", value >= target
    )


def meets_with_limit(
    value: float | None,
    target: float | None,
    comparison: str | None,
    limit: float | None = None,
    tolerance: float = 0.5,
) -> bool | None:
    """`meets`, and a value within the tolerance of a limit target (100 for a share) counts as met."""
    m = meets(value, target, comparison)
    if (
        m is False
        and limit is not None
        and target is not None
        and abs(target - limit) <= tolerance
        and abs(value - limit) <= tolerance
    ):
        return True
    return m


def early_achievement(target_kind: str, kind: str) -> bool:
    """Whether a met target is a status before the target year (PROGRESS.md, "Before the target
    year"): a cumulative count, and a level on a stock; not a flow or rate judged by year, a growth
    target or an improvement, which can still fall back while the plan runs."""
    return target_kind == "cumulative" or (target_kind == "level" and kind == "stock")


def early_label_key(target_kind: str, kind: str) -> str | None:
    """The label of a target met before the target year: 已提前完成 (cumulative) or
    已提前达到目标值 (a stock's level); the final evaluation alone says 已实现目标."""
    if target_kind == "cumulative":
        return "achieved_early"
    if target_kind == "level" and kind == "stock":
        return "reached_early"
    return None


EARLY_LABELS = {
    "achieved_early": {"zh": "已提前完成", "en": "Achieved ahead of schedule"},
    "reached_early": {"zh": "已提前达到目标值", "en": "Target value reached early"},
}


# -- "显著提升" -------------------------------------------------------------------------------
def margin(se: float | None, se0: float | None) -> float | None:
    """Half-width of the 95 % interval of v − v₀ from the two years' standard errors
    (√(se² + se₀²), INDICATORS.md § 6); None when either year has no survey behind it."""
    if (
        se is None
        or se0 is None
        or (isinstance(se, float) and math.isnan(se))
        or (isinstance(se0, float) and math.isnan(se0))
    ):
        return None
    return Z95 * math.sqrt(se * se + se0 * se0)


def significant_rise(rise: float | None, margin_: float | None) -> bool | None:
    """A rise counts when its 95 % interval lies above 0; with no margin known any rise counts."""
    if rise is None:
        return None
    return rise > (margin_ if margin_ is not None else 0.0)


# -- status (PROGRESS.md, "Status, first rule that applies") ---------------------------------
def status(
    target_kind: str,
    kind: str,
    before_end: bool,
    unavailable: bool,
    achieved: bool | None,
    ratio: float | None,
    g_req: float | None,
    on_track: float,
    needs_acc: float,
    rise: float | None = None,
    margin_: float | None = None,
) -> str:
    if target_kind == "improvement":
        if unavailable or rise is None:
            return "not_available"
        significant = significant_rise(rise, margin_)
        if not before_end and significant:
            return "target_achieved"
        if significant:
            return "on_track"
        return "limited_progress" if rise > 0 else "deterioration"
    if target_kind == "cumulative" and achieved:
        return "target_achieved"  # reached: at any Δt
    if unavailable:
        return "not_available"
    if achieved and (not before_end or early_achievement(target_kind, kind)):
        return "target_achieved"
    if g_req == 0:
        return "deterioration"  # target equals base and it is not met
    if ratio is None:
        return "not_available"
    if ratio >= on_track:
        return "on_track"
    if ratio >= needs_acc:
        return "needs_acceleration"
    return "limited_progress" if ratio >= 0 else "deterioration"


# -- display (PROGRESS.md, "Displayed values and verdicts agree") ----------------------------
def decimals(indicator_id: str | None) -> int:
    """The catalogue's displayed decimals of an indicator (its definition's `decimals`)."""
    d = load_definitions().get(indicator_id) if indicator_id else None
    return DEFAULT_DECIMALS if d is None or d.decimals is None else int(d.decimals)


def display_decimals(
    value: float | None,
    target: float | None,
    base_decimals: int,
    missed: bool | None,
    comparison: str | None = "ge",
) -> int:
    """The catalogue's decimals, or as many more (up to 3) as needed so that a missed target does
    not print as met: 29.99 against ≥ 30 prints 29.99, never 30.0. A value that met its target
    never needs more (its rounding cannot make it look missed by the rule's own comparison)."""
    if not missed or value is None or target is None:
        return base_decimals
    for d in range(base_decimals, base_decimals + MAX_EXTRA_DECIMALS + 1):
        if meets(round(value, d), round(target, d), comparison) is False:
            return d
    return base_decimals + MAX_EXTRA_DECIMALS


def gap_decimals(gap: float | None, base_decimals: int, missed: bool | None) -> int:
    """A gap next to 目标未完成 never prints as 0: more decimals (up to 3) until it does not."""
    if not missed or gap is None:
        return base_decimals
    for d in range(base_decimals, base_decimals + MAX_EXTRA_DECIMALS + 1):
        if round(gap, d) != 0:
            return d
    return base_decimals + MAX_EXTRA_DECIMALS


def fmt(value: float | None, ndigits: int, signed: bool = False) -> str | None:
    """A number as shown (the ASCII minus; the report's typography is its own)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if round(value, ndigits) == 0:
        value, signed = 0.0, False
    return f"{value:+.{ndigits}f}" if signed else f"{value:.{ndigits}f}"


def gap_unit(unit: str, lang: str = "zh") -> str:
    """The unit of a difference: a difference of two percentages is in percentage points."""
    if unit == "%":
        return "个百分点" if lang == "zh" else "pp"
    return unit


# -- SQL -------------------------------------------------------------------------------------
def _udf(con: duckdb.DuckDBPyConnection, name: str, fn, params: list[str], ret: str) -> None:
    try:
        con.remove_function(name)
    except (duckdb.InvalidInputException, duckdb.CatalogException):
        pass
    con.create_function(name, fn, params, ret, null_handling="special")


def register(con: duckdb.DuckDBPyConnection) -> None:
    """These rules as the connection's SQL functions (the progress and outcome SQL call them)."""
    _udf(
        con,
        "_rule_meets",
        lambda v, t, c, lim, tol: meets_with_limit(v, t, c, lim, 0.5 if tol is None else tol),
        ["DOUBLE", "DOUBLE", "VARCHAR", "DOUBLE", "DOUBLE"],
        "BOOLEAN",
    )
    _udf(
        con,
        "_rule_status",
        lambda tk, k, be, un, ach, r, gq, ot, na, rise, m: status(
            tk, k, bool(be), bool(un), ach, r, gq, ot, na, rise, m
        ),
        [
            "VARCHAR",
            "VARCHAR",
            "BOOLEAN",
            "BOOLEAN",
            "BOOLEAN",
            "DOUBLE",
            "DOUBLE",
            "DOUBLE",
            "DOUBLE",
            "DOUBLE",
            "DOUBLE",
        ],
        "VARCHAR",
    )
    _udf(con, "_rule_margin", margin, ["DOUBLE", "DOUBLE"], "DOUBLE")
    _udf(con, "_rule_significant", significant_rise, ["DOUBLE", "DOUBLE"], "BOOLEAN")
    _udf(con, "_rule_early_label", lambda tk, k: early_label_key(tk, k), ["VARCHAR", "VARCHAR"], "VARCHAR")
    _udf(
        con,
        "_rule_display_decimals",
        lambda v, t, d, missed, c: display_decimals(
            v, t, int(d if d is not None else DEFAULT_DECIMALS), missed, c
        ),
        ["DOUBLE", "DOUBLE", "INTEGER", "BOOLEAN", "VARCHAR"],
        "INTEGER",
    )
    _udf(
        con,
        "_rule_gap_decimals",
        lambda g, d, missed: gap_decimals(g, int(d if d is not None else DEFAULT_DECIMALS), missed),
        ["DOUBLE", "INTEGER", "BOOLEAN"],
        "INTEGER",
    )
    _udf(
        con,
        "_rule_fmt",
        lambda v, d, s: fmt(v, int(d if d is not None else DEFAULT_DECIMALS), bool(s)),
        ["DOUBLE", "INTEGER", "BOOLEAN"],
        "VARCHAR",
    )
    _udf(
        con,
        "_rule_gap_unit",
        lambda u, lang: None if u is None else gap_unit(u, lang or "zh"),
        ["VARCHAR", "VARCHAR"],
        "VARCHAR",
    )


def decimals_frame_rows(ids: list[str]) -> list[dict[str, Any]]:
    return [dict(indicator_id=i, decimals=decimals(i)) for i in ids]
