"""知识产权贯标/优势企业名录: companies of the pool certified under GB/T 29490 or designated
as city IP-advantage enterprises (toward ≈ 400 and ≈ 120 by 2025)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from . import dates, geo
from . import volumes as v
from .context import Context

NAME = "enterprises"
_PROGRAMMES = (("gbt29490", v.GBT29490_NEW, 2014, 0.25), ("city_advantage", v.CITY_ADVANTAGE_NEW, 2016, 0.2))


def expected_rows(ctx: Context) -> int:
    return sum(ctx.expected(table, first) for _, table, first, _ in _PROGRAMMES)


def records(ctx: Context) -> Iterator[dict]:
    rnd = ctx.rng(NAME)
    companies = ctx.pool.companies()
    for programme, table, first, ending_share in _PROGRAMMES:
        used: set[int] = set()
        for year in range(first, ctx.end.year + 1):
            for certified in sorted(dates.in_year(rnd, year, ctx.end) for _ in range(ctx.count(table, year))):
                # Patent-rich companies are the ones that certify: prefer the top of the pool.
                company = None
                for _ in range(20):
                    candidate = companies[int(len(companies) * rnd.random() ** 2.5)]
                    if candidate.idx not in used:
                        company = candidate
                        break
                if company is None:
                    continue
                used.add(company.idx)
                valid_until = None
                if rnd.random() < ending_share:  # not renewed: the term ends after three years
                    valid_until = dates.add_years(certified, 3) - dt.timedelta(days=1)
                yield {
                    "credit_code": company.credit_code,
                    "name": company.name,
                    "district_code": company.code
                    if company.code != geo.UNLOCATED and rnd.random() < 0.9
                    else None,
                    "programme": programme,
                    "certified_date": certified,
                    "valid_until": valid_until,
                }


def conflict(rec: dict, rnd: random.Random) -> dict:
    variant = dict(rec)
    variant["certified_date"] = rec["certified_date"] - dt.timedelta(days=rnd.randint(30, 400))
    return variant


EXTRAS: dict = {}
