"""Evaluate indicators for a set of as-of dates in one pass, into temp tables.

Everything is set-based over the temp table `_calc_dates` (calc_frame.py): the marts (marts.py:
`_calc_hv`, `_calc_pledge_totals`, `_calc_transfer_totals`, `_calc_satisfaction`,
`_calc_population`, `_calc_pledge_items`, evaluated or read from the marts tables) and then
every indicator SQL, into `_calc_values`
(indicator_id, as_of, district_code, value, numerator, denominator, flags).
values.py publishes it; progress.py evaluates extra dates (base years, complete
years) the same way without publishing them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date

import duckdb

from . import marts, sql
from .calc_frame import prepare
from .catalogue import Plan
from .empty_sources import mark_empty_sources
from .registry import COMPUTATIONS, companion_ids

log = logging.getLogger(__name__)


def indicator_ids(plans: Sequence[Plan]) -> list[str]:
    """Every indicator and companion of every plan, plus the contract's companions, first-seen order."""
    ids: list[str] = []
    for plan in plans:
        for ind in plan.indicators + plan.companions:
            if ind.id not in ids:
                ids.append(ind.id)
    ids += [c for c in companion_ids() if c not in ids]
    return ids


def build_marts(con: duckdb.DuckDBPyConnection, plans: Sequence[Plan], persisted: bool = False) -> None:
    """The marts for the dates of `_calc_dates` as the engine's temp names: evaluated
    (marts.py, assets/sql/marts/), or, with `persisted`, read from the warehouse tables the
    marts assets wrote for those dates."""
    if persisted:
        marts.use_persisted_marts(con)
    else:
        marts.build_temp_marts(con, plans)


def evaluate(
    con: duckdb.DuckDBPyConnection,
    as_of_dates: Iterable[date],
    plans: Sequence[Plan],
    ids: Sequence[str] | None = None,
    growth_base: dict[date, int] | None = None,
    persisted_marts: bool = False,
) -> list[date]:
    """Compute `ids` (default: all of the plans) for the dates into temp table `_calc_values`
    (`persisted_marts`: read the marts tables instead of evaluating them, see build_marts)."""
    dates = prepare(con, as_of_dates, plans, growth_base)
    build_marts(con, plans, persisted_marts)
    wanted = list(ids) if ids is not None else indicator_ids(plans)
    known = [i for i in wanted if i in COMPUTATIONS]
    for unknown in sorted(set(wanted) - set(known)):
        log.warning("indicator %s has no computation in the registry; skipped", unknown)
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _calc_values (
               indicator_id VARCHAR, as_of DATE, district_code VARCHAR, value DOUBLE,
               numerator DOUBLE, denominator DOUBLE, flags VARCHAR[])"""
    )
    for ind_id in known:
        comp = COMPUTATIONS[ind_id]
        text = sql.load_sql(f"indicators/{comp.sql}")
        con.execute(f"INSERT INTO _calc_values\n{text}", sql.bind(text, dict(comp.params)))
    mark_empty_sources(con, known)
    return dates
