"""The three recorded steps of the indicator pipeline, Dagster-free: the marts, the values
and the progress, each recomputing only the as-of dates it must (recompute.py). The
Dagster assets (defs/marts.py, defs/indicators.py) call these; so do the tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb

from .catalogue import Plan, load_plans
from .marts import marts_exist, refresh_marts
from .progress import compute_indicator_progress
from .recompute import DateSplit, Inputs, current_dates, refresh_step
from .values import compute_indicator_values, restamp_vintage

MARTS_STEP, VALUES_STEP, PROGRESS_STEP = "marts", "values", "progress"


def marts_current(con: duckdb.DuckDBPyConnection, dates: Sequence[date], inputs: Inputs) -> bool:
    """The marts tables hold these dates computed from today's inputs (the marts step ran)."""
    return marts_exist(con) and set(dates) <= current_dates(con, MARTS_STEP, inputs.fingerprint)


def marts_step(
    con, dates: Sequence[date], today: date, plans: Sequence[Plan] | None = None, inputs: Inputs | None = None
) -> tuple[DateSplit, int]:
    plans = list(plans) if plans is not None else load_plans()
    return refresh_step(
        con,
        dates,
        MARTS_STEP,
        today,
        inputs=inputs,
        compute=lambda ds: sum(refresh_marts(con, ds, plans).values()),
    )


def values_step(
    con, dates: Sequence[date], today: date, plans: Sequence[Plan] | None = None, inputs: Inputs | None = None
) -> tuple[DateSplit, int]:
    plans = list(plans) if plans is not None else load_plans()
    inputs = inputs or Inputs.of(con)
    return refresh_step(
        con,
        dates,
        VALUES_STEP,
        today,
        inputs=inputs,
        compute=lambda ds: compute_indicator_values(
            con, ds, plans, persisted_marts=marts_current(con, ds, inputs)
        ),
        restamp=lambda ds: restamp_vintage(con, ds, plans),
    )


def progress_step(
    con, dates: Sequence[date], today: date, plans: Sequence[Plan] | None = None, inputs: Inputs | None = None
) -> tuple[DateSplit, int]:
    plans = list(plans) if plans is not None else load_plans()
    return refresh_step(
        con,
        dates,
        PROGRESS_STEP,
        today,
        inputs=inputs,
        compute=lambda ds: compute_indicator_progress(con, ds, plans),
    )
