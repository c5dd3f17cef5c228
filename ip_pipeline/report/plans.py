"""Which plan a month's report leads with."""

from __future__ import annotations

from datetime import date

from ..indicators import rules
from ..indicators.catalogue import Plan
from .model import ReportDataError


def find_plan(plans: list[Plan], plan_id: str) -> Plan:
    for p in plans:
        if p.id == plan_id:
            return p
    raise ReportDataError(f"no plan {plan_id!r} in the catalogue (plans: {', '.join(p.id for p in plans)})")


def choose_plan(plans: list[Plan], d: date | int, plan_id: str | None = None) -> Plan:
    """The plan a month's report leads with: the one asked for, else the plan in force on `d` that ends first
    (the 14th FYP in 2025, the 2025–2027 action plan in 2026), else the plan that ended last."""
    if plan_id:
        return find_plan(plans, plan_id)
    if isinstance(d, int):
        d = date(d, 12, 31)
    # the plan's lifecycle is the engine's (indicators/rules.py); its last day the catalogue's (Plan.end_date)
    covering = sorted((p for p in plans if rules.in_force(p, d)), key=lambda p: (p.end_date, p.base_year))
    if covering:
        return covering[0]
    ended = sorted((p for p in plans if rules.ended_by(p, d)), key=lambda p: p.end_date)
    if ended:
        return ended[-1]
    # before any plan starts (a report of December 2020): the plan that starts first
    return min(plans, key=lambda p: (p.base_year, p.end_date))
