"""海外发明专利授权: grants by foreign and regional offices, most of them to the family of a
generated Chinese invention of the same holder."""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections.abc import Iterator

from . import dates, geo
from . import volumes as v
from .context import Context

NAME = "overseas_grants"
FIRST_YEAR = 2008
_OFFICES = ("US", "EP", "JP", "KR", "DE", "GB", "RU", "AU", "IN", "CA", "BR", "FR", "EA", "SG", "MX", "ZA")
_OFFICE_WEIGHTS = (30, 18, 12, 10, 5, 4, 4, 3, 3, 2, 2, 2, 2, 1, 1, 1)
_FIRST_NUMBER = {"US": 7_500_000, "EP": 2_000_000, "JP": 4_300_000, "KR": 100_900_000, "RU": 2_350_000}
_KIND = {"US": "B2", "EP": "B1", "JP": "B2", "KR": "B1", "EA": "B1"}


def expected_rows(ctx: Context) -> int:
    return ctx.expected(v.OVERSEAS_GRANTS, FIRST_YEAR)


def records(ctx: Context) -> Iterator[dict]:
    rnd = ctx.rng(NAME)
    families = sorted(ctx.links.overseas_families)
    filed = [f[0] for f in families]
    next_number = {office: _FIRST_NUMBER.get(office, 1_000_000) for office in _OFFICES}
    granted: set[tuple[str, str]] = set()  # (office, family): one grant per family and office
    for year in range(FIRST_YEAR, ctx.end.year + 1):
        n = ctx.count(v.OVERSEAS_GRANTS, year)
        for grant_date in sorted(dates.in_year(rnd, year, ctx.end) for _ in range(n)):
            office = rnd.choices(_OFFICES, _OFFICE_WEIGHTS)[0]
            next_number[office] += rnd.randint(50, 4000)
            grant_no = f"{office}{next_number[office]}{_KIND.get(office, 'B')}"
            family = _family(rnd, families, filed, grant_date, office, granted)
            if family is not None:
                _, app_no, idx = family
                holder = ctx.pool.holders[idx]
            else:
                app_no, holder = None, ctx.pool.pick(rnd)
            ptype = "invention" if rnd.random() < 0.95 else rnd.choice(("utility_model", "design"))
            yield {
                "office": office,
                "grant_no": grant_no,
                "grant_date": grant_date,
                "patent_type": ptype,
                "holder": holder.name,
                "holder_address": holder.address,
                "district_code": holder.code if holder.code != geo.UNLOCATED and rnd.random() < 0.5 else None,
                "cn_family_application_no": app_no if ptype == "invention" else None,
            }


def _family(rnd, families, filed, grant_date, office, granted):
    """A Chinese invention filed at least 18 months before the overseas grant, recent ones
    more likely; None for grants without a Chinese family member."""
    if rnd.random() >= v.OVERSEAS_LINKED:
        return None
    eligible = bisect.bisect(filed, grant_date - dt.timedelta(days=548))
    for _ in range(5):
        if eligible == 0:
            return None
        family = families[eligible - 1 - int(eligible * rnd.random() ** 1.5)]
        if (office, family[1]) not in granted:
            granted.add((office, family[1]))
            return family
    return None


def conflict(rec: dict, rnd: random.Random) -> dict:
    variant = dict(rec)
    variant["grant_date"] = rec["grant_date"] - dt.timedelta(days=rnd.randint(1, 40))
    return variant


def _domestic(rec: dict, rnd: random.Random) -> None:
    rec["office"] = "CN"


EXTRAS = {"not_overseas:office": _domestic}
