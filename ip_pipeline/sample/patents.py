"""专利著录及法律状态: one row per Chinese patent of the city's holders, with a legal-status
history that is consistent as of the end date."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections.abc import Iterator

from . import dates, geo, ipc
from . import volumes as v
from .context import Context
from .numbers import PATENT_TYPE_DIGIT, PCT_TYPE_DIGIT, application_no, spread_serials

NAME = "patents"
FIRST_YEAR = 1998
_TERM_YEARS = {"invention": 20, "utility_model": 10, "design": 10}
_DESIGN_15Y_FROM = dt.date(2021, 6, 1)


def expected_rows(ctx: Context) -> int:
    return ctx.expected(v.PATENT_FILINGS, FIRST_YEAR)


def records(ctx: Context) -> Iterator[dict]:
    rnd = ctx.rng(NAME)
    for year in range(FIRST_YEAR, ctx.end.year + 1):
        n = ctx.count(v.PATENT_FILINGS, year)
        n_inv = round(n * v.interpolate(v.INVENTION_SHARE, year))
        n_pct = round(n_inv * v.PCT_SHARE) if year >= 2003 else 0
        n_design = round(n * v.DESIGN_SHARE)
        groups = (
            ("invention", PATENT_TYPE_DIGIT["invention"], n_inv - n_pct),
            ("invention", PCT_TYPE_DIGIT["invention"], n_pct),
            ("utility_model", PATENT_TYPE_DIGIT["utility_model"], n - n_inv - n_design),
            ("design", PATENT_TYPE_DIGIT["design"], n_design),
        )
        for ptype, digit, k in groups:
            if k <= 0:
                continue
            filed = sorted(dates.in_year(rnd, year, ctx.end) for _ in range(k))
            if year >= 2003:
                serials = spread_serials(rnd, 100_000 + rnd.randrange(5_000), 8_000_000, k)
            else:
                serials = spread_serials(rnd, 10_000, 89_000, k)
            for filing_date, serial in zip(filed, serials):
                yield _patent(ctx, rnd, ptype, application_no(year, digit, serial), filing_date)


def _years(rnd: random.Random, lo: float, mode: float, hi: float) -> dt.timedelta:
    return dt.timedelta(days=round(365.25 * rnd.triangular(lo, hi, mode)))


def _patent(ctx: Context, rnd: random.Random, ptype: str, app_no: str, filing_date: dt.date) -> dict:
    holder = ctx.pool.pick(rnd)
    unit = geo.UNIT_BY_CODE[holder.code]
    end = ctx.end
    grant_date = lapse_date = None
    if ptype == "invention":
        decided = filing_date + _years(rnd, 1.2, 2.3, 4.5)
        granted = rnd.random() < v.INVENTION_GRANT_RATE[holder.kind]
    elif ptype == "utility_model":
        decided = filing_date + _years(rnd, 0.4, 0.8, 1.6)
        granted = rnd.random() < 0.93
    else:
        decided = filing_date + _years(rnd, 0.3, 0.5, 1.2)
        granted = rnd.random() < 0.95
    if decided > end:
        status = "pending"
    elif not granted:
        status, lapse_date = "lapsed", decided  # rejected or withdrawn: it never was in force
    else:
        grant_date = decided
        term = 15 if ptype == "design" and filing_date >= _DESIGN_15Y_FROM else _TERM_YEARS[ptype]
        term_end = dates.add_years(filing_date, term)
        held = rnd.expovariate(v.YEARLY_LAPSE[ptype][holder.kind])
        # Unpaid annuities end the right on an anniversary of the filing date.
        age = (grant_date - filing_date).days / 365.25 + held
        lapse = min(dates.add_years(filing_date, max(1, math.ceil(age))), term_end)
        if lapse <= end:
            status, lapse_date = "lapsed", lapse
        else:
            status = "in_force"

    holders = holder.name
    if rnd.random() < 0.06:
        other = ctx.pool.pick(rnd)
        if other.idx != holder.idx:
            holders = f"{holder.name};{other.name}"

    main_ipc = codes = None
    if ptype != "design":  # designs carry a Locarno class, not IPC
        p = (
            v.interpolate(v.SEI_SHARE, filing_date.year) * unit.sei_bias
            if ptype == "invention"
            else v.SEI_SHARE_UTILITY
        )
        codes = ipc.codes(rnd, rnd.random() < p)
        main_ipc = codes[0]

    links = ctx.links
    if grant_date is not None and ptype != "design" and rnd.random() < v.PLEDGE_CANDIDATE_SHARE:
        links.pledge_patents.append((grant_date, app_no, holder.idx))
    rejected = status == "lapsed" and grant_date is None
    if ptype == "invention" and holder.kind != "person" and not rejected:
        if rnd.random() < v.OVERSEAS_CANDIDATE_SHARE:
            links.overseas_families.append((filing_date, app_no, holder.idx))
    if grant_date is not None and rnd.random() < (v.AWARD_CANDIDATE_SHARE if ptype == "invention" else 0.003):
        links.awardable.append((grant_date, app_no))

    return {
        "application_no": app_no,
        "patent_type": ptype,
        "filing_date": filing_date,
        "grant_date": grant_date,
        "holder": holders,
        "holder_address": holder.address,
        "district_code": holder.code if holder.code != geo.UNLOCATED and rnd.random() < 0.55 else None,
        "main_ipc": main_ipc,
        "ipc_codes": codes,
        "legal_status": status,
        "lapse_date": lapse_date,
    }


def conflict(rec: dict, rnd: random.Random) -> dict:
    """An older export of the same patent: still pending then, or at another address."""
    variant = dict(rec)
    if rec["grant_date"] is not None:
        variant.update(grant_date=None, legal_status="pending", lapse_date=None)
    else:
        variant["holder_address"] = re.sub(r"\d+号$", f"{rnd.randint(400, 999)}号", rec["holder_address"])
    return variant


def _lapsed_without_date(rec: dict, rnd: random.Random) -> None:
    rec["legal_status"] = "lapsed"
    rec["lapse_date"] = None


EXTRAS = {"missing:lapse_date": _lapsed_without_date}
