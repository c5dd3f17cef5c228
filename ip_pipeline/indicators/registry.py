"""Which SQL computes each published indicator id, and which sources it reads.

The catalogue (YAML) says what a plan targets; this registry says how an id is
computed. A new plan reusing these ids needs no code; an id with no entry here
is reported and skipped.
"""
from __future__ import annotations

from dataclasses import dataclass

CITY = "370600"
UNLOCATED = "370699"


@dataclass(frozen=True)
class Computation:
    sql: str  # assets/sql/indicators/<sql>.sql
    sources: tuple[str, ...]  # data sources (source_snapshots.source)
    reference: tuple[str, ...] = ()  # reference tables read
    city_only: bool = False
    params: tuple[tuple[str, str], ...] = ()  # $name values the SQL file is run with


COMPUTATIONS: dict[str, Computation] = {
    "hv_patents_per_10k": Computation(
        "hv_patents_per_10k", ("patents", "overseas_grants", "pledges", "awards"), ("population", "sei_ipc")
    ),
    "overseas_invention_grants": Computation("overseas_invention_grants", ("overseas_grants",)),
    "valid_trademarks": Computation("valid_trademarks", ("trademarks",)),
    "pledge_count": Computation("pledge_count", ("pledges",)),
    "pledge_amount_wan": Computation("pledge_amount_wan", ("pledges",)),
    "pledge_count_cagr": Computation("pledge_count_cagr", ("pledges",)),
    "pledge_amount_cagr": Computation("pledge_amount_cagr", ("pledges",)),
    "patent_intensive_va_share": Computation("patent_intensive_va_share", (), ("economy",), city_only=True),
    "ip_protection_satisfaction": Computation(
        "ip_protection_satisfaction", ("survey",), ("satisfaction",), city_only=True
    ),
    "ip_protection_satisfaction_survey": Computation(
        "ip_protection_satisfaction_survey", ("survey",), city_only=True
    ),
    "gbt29490_enterprises": Computation(
        "enterprises_certified", ("enterprises",),
        params=(("indicator_id", "gbt29490_enterprises"), ("programme", "gbt29490"))),
    "city_advantage_enterprises": Computation(
        "enterprises_certified", ("enterprises",),
        params=(("indicator_id", "city_advantage_enterprises"), ("programme", "city_advantage"))),
}

# Units of the contract's companions when a catalogue does not list them.
DEFAULT_UNITS = {"pledge_count": "件", "pledge_amount_wan": "万元", "ip_protection_satisfaction_survey": "分"}

# Ids published beside the plans' own even if a catalogue forgets them (INDICATORS.md, output contract).
COMPANION_IDS = ("pledge_count", "pledge_amount_wan", "ip_protection_satisfaction_survey")


def source_names(comp: Computation) -> list[str]:
    """Names a source may carry in source_snapshots (the reference tables share one snapshot)."""
    names: list[str] = []
    for s in comp.sources:
        names += [s, f"stg_{s}"]
    for t in comp.reference:
        names += ["reference", t, f"stg_{t}", f"reference/{t}", f"reference.{t}", f"reference_{t}"]
    return sorted(set(names))
