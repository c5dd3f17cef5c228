"""知识产权质押登记: patent and trademark pledges of the city's holders, growing ≈ 30 % a year
since 2020; items are generated patents or marks of the pledgor."""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Iterator

from . import dates, geo, names
from . import volumes as v
from .context import Context

NAME = "pledges"
FIRST_YEAR = 2008
THRESHOLD_WAN = 1000.0


def expected_rows(ctx: Context) -> int:
    return ctx.expected(v.PLEDGES, FIRST_YEAR)


class _Items:
    """Pledgeable numbers in date order, and per holder, to put a holder's rights together."""

    def __init__(self, items: list[tuple[dt.date, str, int]]):
        self.items = sorted(items)
        self.dates = [i[0] for i in self.items]
        self.by_holder: dict[int, list[int]] = defaultdict(list)
        for pos, item in enumerate(self.items):
            self.by_holder[item[2]].append(pos)

    def pick(self, rnd: random.Random, before: dt.date) -> list[tuple[dt.date, str, int]]:
        eligible = bisect.bisect_left(self.dates, before)
        if eligible == 0:
            return []
        first = self.items[eligible - 1 - int(eligible * rnd.random() ** 1.3)]
        same = [p for p in self.by_holder[first[2]] if p < eligible and self.items[p][1] != first[1]]
        extra = rnd.sample(same, min(len(same), rnd.choice((0, 0, 1, 1, 2, 4))))
        return [first] + [self.items[p] for p in sorted(extra)]


def records(ctx: Context) -> Iterator[dict]:
    rnd = ctx.rng(NAME)
    patents = _Items(ctx.links.pledge_patents)
    marks = _Items(ctx.links.pledge_marks)
    for year in range(FIRST_YEAR, ctx.end.year + 1):
        n = ctx.count(v.PLEDGES, year)
        for seq, reg_date in enumerate(sorted(dates.in_year(rnd, year, ctx.end) for _ in range(n)), start=1):
            kind = "patent" if rnd.random() < v.PLEDGE_PATENT_SHARE else "trademark"
            chosen = (patents if kind == "patent" else marks).pick(rnd, reg_date)
            if not chosen:
                kind = "trademark" if kind == "patent" else "patent"
                chosen = (patents if kind == "patent" else marks).pick(rnd, reg_date)
            if not chosen:
                continue
            holder = ctx.pool.holders[chosen[0][2]]
            amount = (
                v.PLEDGE_MEDIAN_WAN[kind] * 1.03 ** (year - 2020) * math.exp(rnd.gauss(0, v.PLEDGE_SIGMA))
            )
            amount = round(max(amount, 10.0), 2)
            if THRESHOLD_WAN - 5 <= amount < THRESHOLD_WAN + 5:
                amount += 10.0  # keep clear of the high-value threshold: 元 headers round
            age = (ctx.end - reg_date).days
            status = "active" if age < 2 * 365 else ("released" if rnd.random() < 0.85 else "active")
            if rnd.random() < 0.03:
                status = "amended"
            yield {
                "registration_no": f"Y{year}37{seq:06d}",
                "pledge_type": kind,
                "registration_date": reg_date,
                "pledgor": holder.name,
                "pledgor_address": holder.address,
                "district_code": holder.code if holder.code != geo.UNLOCATED and rnd.random() < 0.6 else None,
                "pledgee": rnd.choice(names.BANKS),
                "amount_wan": amount,
                "items": [c[1] for c in chosen],
                "status": status,
            }


def conflict(rec: dict, rnd: random.Random) -> dict:
    variant = dict(rec)
    variant["amount_wan"] = round(rec["amount_wan"] * rnd.uniform(0.5, 0.95), 2)
    return variant


EXTRAS: dict = {}
