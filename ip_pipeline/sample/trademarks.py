"""商标注册信息: one row per trademark application that was registered or is pending, with
renewals (ten-year terms) and later cancellations, revocations and invalidations."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from . import dates, geo, names
from . import volumes as v
from .context import Context
from .numbers import spread_serials

NAME = "trademarks"
FIRST_YEAR = 1996

# First registration number of each filing year (the register numbers applications in order).
_FIRST_NUMBER = {
    1996: 900_000,
    2000: 1_600_000,
    2005: 4_500_000,
    2010: 8_500_000,
    2013: 12_500_000,
    2015: 16_500_000,
    2017: 22_500_000,
    2018: 28_000_000,
    2019: 35_000_000,
    2020: 43_000_000,
    2021: 52_000_000,
    2022: 61_000_000,
    2023: 68_000_000,
    2024: 75_000_000,
    2025: 82_000_000,
    2026: 88_000_000,
    2027: 94_000_000,
}
_CLASSES = (33, 29, 30, 35, 9, 7, 25, 3, 5, 31, 32, 43, 41, 42, 44, 11, 1, 12, 20, 21, 16, 6, 19, 37, 39, 40)
_CLASS_WEIGHTS = (9, 8, 8, 9, 7, 6, 5, 4, 4, 5, 4, 4, 3, 4, 2, 3, 2, 3, 2, 2, 2, 2, 2, 2, 2, 1)
_MARK_CHARS = "福山樱海韵蓬莱仙张裕金沙玲珑鲁东渤海龙大冰轮正海蓝莱阳梨栖霞苹果长岛海参烟台红牟平盛泰恒源"


def expected_rows(ctx: Context) -> int:
    return ctx.expected(v.TRADEMARK_FILINGS, FIRST_YEAR)


def _lag_months(year: int) -> tuple[int, int]:
    """Filing-to-registration time: the backlog of the late 2000s, then faster examination
    (about four months since 2020)."""
    if year < 2012:
        return 14, 34
    if year < 2016:
        return 9, 16
    if year < 2019:
        return 5, 11
    if year < 2021:
        return 3.5, 8
    return 3, 6


def records(ctx: Context) -> Iterator[dict]:
    rnd = ctx.rng(NAME)
    for year in range(FIRST_YEAR, ctx.end.year + 1):
        n = ctx.count(v.TRADEMARK_FILINGS, year)
        if n <= 0:
            continue
        first = int(v.interpolate(_FIRST_NUMBER, year))
        width = int(v.interpolate(_FIRST_NUMBER, year + 1)) - first
        filed = sorted(dates.in_year(rnd, year, ctx.end) for _ in range(n))
        for filing_date, number in zip(filed, spread_serials(rnd, first, width, n)):
            yield _mark(ctx, rnd, str(number), filing_date)


def _mark(ctx: Context, rnd: random.Random, reg_no: str, filing_date: dt.date) -> dict:
    end = ctx.end
    if rnd.random() < 0.12:  # individual businesses (个体工商户) register many marks
        name, code = names.person(rnd), names.pick_unit(rnd)
        address, idx = geo.address(rnd, code), -1
    else:
        holder = ctx.pool.pick_uniform(rnd) if rnd.random() < 0.6 else ctx.pool.pick(rnd)
        name, code, address, idx = holder.name, holder.code, holder.address, holder.idx
    if rnd.random() < 0.005:
        reg_no = "G" + reg_no  # Madrid designation: its own number space
    lo, hi = _lag_months(filing_date.year)
    registered = filing_date + dt.timedelta(days=round(30.4 * rnd.uniform(lo, hi)))
    reg_date = expiry = status_date = None
    status = "pending"
    if registered <= end:
        reg_date = registered
        status = "registered"
        expiry = dates.add_years(reg_date, 10) - dt.timedelta(days=1)
        # Renewal is filed in the last year of a term (or the six months' grace after it).
        while expiry < end + dt.timedelta(days=180) and rnd.random() < v.TRADEMARK_RENEWAL * (
            1.0 if expiry < end else 0.5
        ):
            expiry = dates.add_years(expiry + dt.timedelta(days=1), 10) - dt.timedelta(days=1)
        r = rnd.random()
        for change, share in v.TRADEMARK_STATUS_CHANGE.items():
            if r < share:
                earliest = reg_date + dt.timedelta(days=3 * 365 if change == "revoked" else 200)
                when = earliest + dt.timedelta(days=round(rnd.uniform(0, 6 * 365)))
                if when <= min(end, expiry):
                    status, status_date = change, when
                break
            r -= share
        if idx >= 0 and status == "registered" and rnd.random() < v.TRADEMARK_PLEDGE_CANDIDATE_SHARE:
            ctx.links.pledge_marks.append((reg_date, reg_no, idx))
    mark_name = None
    if rnd.random() < 0.8:
        mark_name = "".join(rnd.choice(_MARK_CHARS) for _ in range(rnd.choice((2, 2, 3, 4))))
        if rnd.random() < 0.08:
            mark_name += rnd.choice((" YANTAI", "·海", " HAI", "及图"))
    return {
        "registration_no": reg_no,
        "nice_class": rnd.choices(_CLASSES, _CLASS_WEIGHTS)[0],
        "mark_name": mark_name,
        "registrant": name,
        "registrant_address": address,
        "district_code": code if code != geo.UNLOCATED and rnd.random() < 0.5 else None,
        "filing_date": filing_date,
        "registration_date": reg_date,
        "expiry_date": expiry,
        "status": status,
        "status_date": status_date,
    }


def conflict(rec: dict, rnd: random.Random) -> dict:
    """An older export: before the last renewal, or with another address."""
    variant = dict(rec)
    if (
        rec["expiry_date"] is not None
        and rec["registration_date"] is not None
        and (rec["expiry_date"] - rec["registration_date"]).days > 3700
    ):
        variant["expiry_date"] = dates.add_years(rec["registration_date"], 10) - dt.timedelta(days=1)
    else:
        variant["registrant"] = rec["registrant"] + "(原)"
    return variant


def _changed_without_date(rec: dict, rnd: random.Random) -> None:
    rec["status"] = rnd.choice(("invalidated", "cancelled", "revoked"))
    rec["status_date"] = None


EXTRAS = {"missing:status_date": _changed_without_date}
