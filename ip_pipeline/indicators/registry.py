"""Which SQL computes each published indicator id, and which sources it reads.

The catalogue (YAML) says what a plan targets; this registry says how an id is
computed. A new plan reusing these ids needs no code; an id with no entry here
is reported and skipped.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..city import CITY  # noqa: F401  (re-exported: one constant, ip_pipeline/city.py)
UNLOCATED = "370699"


@dataclass(frozen=True)
class Computation:
    sql: str  # assets/sql/indicators/<sql>.sql
    sources: tuple[str, ...]  # data sources (source_snapshots.source)
    reference: tuple[str, ...] = ()  # reference tables read
    city_only: bool = False
    params: tuple[tuple[str, str], ...] = ()  # $name values the SQL file is run with
    # Measured from a base year (growth rates, counts "since the end of the base year"): the
    # engine gives it a base year per as-of date, from the plans that define this id
    # (engine.growth_base_year), in `_calc_growth_base (indicator_id, as_of, base_year)`.
    based: bool = False


COMPUTATIONS: dict[str, Computation] = {
    "hv_patents_per_10k": Computation(
        "hv_patents_per_10k", ("patents", "overseas_grants", "pledges", "awards"), ("population", "sei_ipc")
    ),
    "overseas_invention_grants": Computation("overseas_invention_grants", ("overseas_grants",)),
    "valid_trademarks": Computation("valid_trademarks", ("trademarks",)),
    "pledge_count": Computation("pledge_count", ("pledges",)),
    "pledge_amount_wan": Computation("pledge_amount_wan", ("pledges",)),
    "pledge_count_cagr": Computation("pledge_count_cagr", ("pledges",), based=True),
    "pledge_amount_cagr": Computation("pledge_amount_cagr", ("pledges",), based=True),
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
    # The 2025-2027 action plan (INDICATORS.md, "The plan in force now").
    "ip_transfer_licence_count": Computation("ip_transfer_licence_count", ("transfers",)),
    "ip_transfer_licence_cagr": Computation("ip_transfer_licence_cagr", ("transfers",), based=True),
    "new_city_advantage_enterprises": Computation("new_city_advantage_enterprises", ("enterprises",), based=True),
    "civil_first_instance_acceptance_rate": Computation("civil_first_instance_acceptance_rate", ("enforcement",)),
}

# Units of the contract's companions when a catalogue does not list them.
DEFAULT_UNITS = {"pledge_count": "件", "pledge_amount_wan": "万元", "ip_protection_satisfaction_survey": "分",
                 "ip_transfer_licence_count": "次"}

# Ids published beside the plans' own even if a catalogue forgets them (INDICATORS.md, output contract).
COMPANION_IDS = ("pledge_count", "pledge_amount_wan", "ip_protection_satisfaction_survey")


# Staged tables that a warehouse may lack, or hold without some columns (a source folder
# that never existed; enforcement exports without the optional judicial columns). The
# indicators read them through temp views `_calc_in_<name>` with exactly these columns,
# NULL where the table or the column is missing, so that the values are NULL with flag
# `no_data` instead of an error (INDICATORS.md, "The plan in force now").
OPTIONAL_INPUTS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "_calc_in_transfers": ("stg_transfers", (
        ("record_no", "VARCHAR"), ("kind", "VARCHAR"), ("ip_type", "VARCHAR"), ("registration_date", "DATE"),
        ("district_code", "VARCHAR"), ("in_scope", "BOOLEAN"), ("assignor", "VARCHAR"), ("assignee", "VARCHAR"),
        ("items", "VARCHAR"))),
    "_calc_in_cases": ("stg_enforcement", (
        ("case_no", "VARCHAR"), ("authority_type", "VARCHAR"), ("case_nature", "VARCHAR"), ("instance", "VARCHAR"),
        ("accepted", "BOOLEAN"), ("opened_date", "DATE"), ("closed_date", "DATE"), ("district_code", "VARCHAR"))),
}


def source_names(comp: Computation) -> list[str]:
    """Names a source may carry in source_snapshots (the reference tables share one snapshot)."""
    names: list[str] = []
    for s in comp.sources:
        names += [s, f"stg_{s}"]
    for t in comp.reference:
        names += ["reference", t, f"stg_{t}", f"reference/{t}", f"reference.{t}", f"reference_{t}"]
    return sorted(set(names))
