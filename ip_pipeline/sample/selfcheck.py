"""Calibration self-check: the key indicators computed straight from the generated records
(the rows the pipeline stages, not the quarantined ones), by INDICATORS.md's rules.
Nothing is written; the generators and the dirt are replayed with the same seed."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from ..dates import today_in_yantai
from . import dates, ipc, reference
from .context import Context
from .generate import MODULES, dirt_for, outcomes

DEFAULT_AS_OF = tuple(dt.date(y, 12, 31) for y in range(2020, 2026))
HV_THRESHOLD_WAN = 1000.0


def _population(year: int) -> int:
    rows = list(reference.population_rows(year))
    return sum(p for y, _, p in rows if y == year)


def calibration(
    scale: float = 1.0,
    seed: int = 20201231,
    end: dt.date | None = None,
    dirt_rate: float = 0.002,
    as_of: tuple[dt.date, ...] = DEFAULT_AS_OF,
) -> dict:
    """{as_of: {hv_patents, hv_per_10k, valid_trademarks, overseas_inventions, pledges,
    pledge_amount_wan, gbt29490, city_advantage, transfers (full calendar year of as_of, in scope),
    civil_first_instance (closed in the year: accepted/rejected/unknown),
    civil_first_instance_acceptance (%), new_city_advantage_since_2024}} for every as-of
    date not after `end`."""
    end = end or today_in_yantai()
    ctx = Context(scale=scale, seed=seed, end=end)
    days = tuple(d for d in as_of if d <= end)
    prefixes = [p for p, _ in ipc.SEI_PREFIXES]
    inventions = []  # granted, staged, in scope: (app_no, filing, grant, lapse, sei)
    overseas_family: dict[str, dt.date] = {}
    overseas_count = Counter()
    pledged: dict[str, dt.date] = {}
    pledge_count, pledge_amount = Counter(), Counter()
    awarded: dict[str, int] = {}
    marks = Counter()
    enterprises = defaultdict(Counter)
    first_city_advantage: dict[str, dt.date] = {}
    transfers = Counter()
    civil_first = defaultdict(Counter)  # closing year -> accepted / rejected / unknown

    for module in MODULES:
        for rec, out in outcomes(ctx, module, dirt_for(ctx, module, dirt_rate)):
            if out.quarantined:
                continue
            name = module.NAME
            if name == "patents":
                if (
                    out.in_scope
                    and rec["patent_type"] == "invention"
                    and rec["legal_status"] != "pending"
                    and rec["grant_date"]
                ):
                    sei = ipc.matches(rec["ipc_codes"] or [], prefixes)
                    inventions.append(
                        (rec["application_no"], rec["filing_date"], rec["grant_date"], rec["lapse_date"], sei)
                    )
            elif name == "overseas_grants":
                family = rec["cn_family_application_no"]
                if family and (family not in overseas_family or rec["grant_date"] < overseas_family[family]):
                    overseas_family[family] = rec["grant_date"]
                if out.in_scope and rec["patent_type"] == "invention":
                    for d in days:
                        if rec["grant_date"].year == d.year and rec["grant_date"] <= d:
                            overseas_count[d] += 1
            elif name == "pledges":
                reg = rec["registration_date"]
                if rec["pledge_type"] == "patent" and rec["amount_wan"] >= HV_THRESHOLD_WAN:
                    for item in rec["items"]:
                        pledged[item] = min(reg, pledged.get(item, reg))
                if out.in_scope:
                    pledge_count[reg.year] += 1
                    pledge_amount[reg.year] += rec["amount_wan"]
            elif name == "awards":
                app = rec["application_no"]
                awarded[app] = min(rec["award_year"], awarded.get(app, rec["award_year"]))
            elif name == "trademarks" and out.in_scope and rec["registration_date"]:
                for d in days:
                    ended = (
                        rec["status"] in ("invalidated", "cancelled", "revoked") and rec["status_date"] <= d
                    )
                    if rec["registration_date"] <= d <= rec["expiry_date"] and not ended:
                        marks[d] += 1
            elif name == "transfers" and out.in_scope:
                transfers[rec["registration_date"].year] += 1
            elif name == "enforcement":
                if (
                    rec["authority_type"] == "judicial"
                    and rec.get("case_nature") == "civil"
                    and rec.get("instance") == "first"
                    and rec["closed_date"]
                ):
                    outcome = {True: "accepted", False: "rejected", None: "unknown"}[rec.get("accepted")]
                    civil_first[rec["closed_date"].year][outcome] += 1
            elif name == "enterprises":
                if rec["programme"] == "city_advantage":
                    code = rec["credit_code"]
                    first_city_advantage[code] = min(
                        rec["certified_date"], first_city_advantage.get(code, rec["certified_date"])
                    )
                for d in days:
                    if rec["certified_date"] <= d and (rec["valid_until"] is None or rec["valid_until"] >= d):
                        enterprises[rec["programme"]][d] += 1

    result = {}
    for d in days:
        ten_years_before = dates.add_years(d, -10)
        hv = Counter()
        for app, filed, granted, lapsed, sei in inventions:
            if granted > d or (lapsed is not None and lapsed <= d):
                continue
            met = {
                "sei": sei,
                "overseas": app in overseas_family and overseas_family[app] <= d,
                "maintained_10y": filed < ten_years_before,
                "pledge": app in pledged and pledged[app] <= d,
                "award": app in awarded and awarded[app] <= d.year,
            }
            hv["in_force"] += 1
            if any(met.values()):
                hv["hv"] += 1
            for k, flag in met.items():
                hv[k] += flag
        population = _population(min(d.year, end.year - 1))
        result[d.isoformat()] = {
            "invention_in_force": hv["in_force"],
            "hv_patents": hv["hv"],
            "hv_per_10k": round(hv["hv"] / population * 10_000, 3),
            "hv_criteria": {k: hv[k] for k in ("sei", "overseas", "maintained_10y", "pledge", "award")},
            "valid_trademarks": marks[d],
            "overseas_inventions": overseas_count[d],
            "pledges": pledge_count[d.year],
            "pledge_amount_wan": round(pledge_amount[d.year], 2),
            "gbt29490": enterprises["gbt29490"][d],
            "city_advantage": enterprises["city_advantage"][d],
            "transfers": transfers[d.year],
            "civil_first_instance": dict(civil_first[d.year]),
            "civil_first_instance_acceptance": (
                round(100 * civil_first[d.year]["accepted"] / known, 2)
                if (known := civil_first[d.year]["accepted"] + civil_first[d.year]["rejected"])
                else None
            ),
            "new_city_advantage_since_2024": sum(
                1 for c in first_city_advantage.values() if dt.date(2024, 12, 31) < c <= d
            ),
        }
    return result
