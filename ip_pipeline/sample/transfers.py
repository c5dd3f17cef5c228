"""知识产权转让许可登记: transfers and licences of patents and marks with a party in Yantai —
the city's holders selling or licensing their rights (to each other or outside), and rights
bought or licensed in from outside. A few thousand recordals a year, growing ≈ 15 % a year
since 2024 (the action plan's 15 %)."""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections.abc import Iterator

from ..city import CITY
from . import dates, geo, names
from . import volumes as v
from .context import Context
from .numbers import PATENT_TYPE_DIGIT, application_no

NAME = "transfers"
FIRST_YEAR = v.TRANSFERS_FIRST_YEAR

# Parties outside Yantai: universities and institutes that license out, and companies.
_OUTSIDE_INSTITUTES = (
    ("山东大学", "山东省济南市历下区", ("山大南路", "经十路")),
    ("中国海洋大学", "山东省青岛市崂山区", ("松岭路", "科苑纬一路")),
    ("青岛科技大学", "山东省青岛市崂山区", ("松岭路",)),
    ("哈尔滨工业大学", "黑龙江省哈尔滨市南岗区", ("西大直街",)),
    ("清华大学", "北京市海淀区", ("双清路", "学院路")),
    ("浙江大学", "浙江省杭州市西湖区", ("余杭塘路",)),
    ("中国科学院大连化学物理研究所", "辽宁省大连市沙河口区", ("中山路",)),
)
_OUTSIDE_PLACES = ("青岛", "济南", "潍坊", "威海", "北京", "上海", "苏州", "深圳", "天津", "杭州")
_OUTSIDE_STREETS = {
    "青岛": "山东省青岛市市南区香港中路",
    "济南": "山东省济南市历下区解放路",
    "潍坊": "山东省潍坊市奎文区胜利东街",
    "威海": "山东省威海市环翠区海滨路",
    "北京": "北京市海淀区知春路",
    "上海": "上海市浦东新区张江路",
    "苏州": "江苏省苏州市工业园区星湖街",
    "深圳": "广东省深圳市南山区科技园路",
    "天津": "天津市滨海新区黄海路",
    "杭州": "浙江省杭州市滨江区江南大道",
}


def expected_rows(ctx: Context) -> int:
    return ctx.expected(v.TRANSFERS, FIRST_YEAR)


def _outside_party(rnd: random.Random) -> tuple[str, str]:
    """(name, address) of a party outside Yantai: the address names no Yantai unit."""
    if rnd.random() < 0.3:
        name, prefix, streets = rnd.choice(_OUTSIDE_INSTITUTES)
        return name, f"{prefix}{rnd.choice(streets)}{rnd.randint(1, 399)}号"
    place = rnd.choice(_OUTSIDE_PLACES)
    brand = rnd.choice(names._SYLLABLES) + rnd.choice(names._SYLLABLES)
    return (
        f"{place}{brand}{rnd.choice(names._TRADES)}{rnd.choice(names._FORMS)}",
        f"{_OUTSIDE_STREETS[place]}{rnd.randint(1, 399)}号",
    )


class _Rights:
    """The city's patents and marks that can change hands (the links drawn while generating
    them), in date order; a pick takes one granted or registered before the recordal."""

    def __init__(self, items: list[tuple[dt.date, str, int]]):
        self.items = sorted(items)

    def pick(self, rnd: random.Random, before: dt.date) -> list[tuple[dt.date, str, int]]:
        eligible = bisect.bisect_left(self.items, (before, "", -1))
        if eligible == 0:
            return []
        first = self.items[rnd.randrange(eligible)]
        chosen = [first]
        if rnd.random() < 0.2:  # a package of the same holder's rights
            same = [i for i in self.items[:eligible] if i[2] == first[2] and i[1] != first[1]]
            chosen += rnd.sample(same, min(len(same), rnd.randint(1, 4)))
        return chosen


def _outside_items(rnd: random.Random, kind: str, reg_date: dt.date) -> list[str]:
    """Rights of an outside holder: valid application or registration numbers."""
    if kind == "trademark":
        return [str(rnd.randint(3_000_000, 70_000_000)) for _ in range(rnd.choice((1, 1, 1, 2)))]
    out = []
    for _ in range(rnd.choice((1, 1, 1, 2, 3))):
        year = rnd.randint(max(2005, reg_date.year - 8), reg_date.year - 1)
        digit = PATENT_TYPE_DIGIT[rnd.choice(("invention", "invention", "utility_model"))]
        out.append(application_no(year, digit, rnd.randint(100_000, 8_000_000)))
    return out


def records(ctx: Context) -> Iterator[dict]:
    rnd = ctx.rng(NAME)
    patents = _Rights(ctx.links.pledge_patents)
    marks = _Rights(ctx.links.pledge_marks)
    pool = ctx.pool
    for year in range(FIRST_YEAR, ctx.end.year + 1):
        n = ctx.count(v.TRANSFERS, year)
        for seq, reg_date in enumerate(sorted(dates.in_year(rnd, year, ctx.end) for _ in range(n)), start=1):
            ip_type = "patent" if rnd.random() < v.TRANSFER_PATENT_SHARE else "trademark"
            kind = "licence" if rnd.random() < v.TRANSFER_LICENCE_SHARE[ip_type] else "transfer"
            direction = rnd.choices(("within", "out", "in"), v.TRANSFER_DIRECTIONS)[0]
            if direction == "in":
                assignor, assignor_address = _outside_party(rnd)
                items = _outside_items(rnd, ip_type, reg_date)
                holder = pool.pick(rnd)
                assignee, assignee_address, code = holder.name, holder.address, holder.code
            else:
                chosen = (patents if ip_type == "patent" else marks).pick(rnd, reg_date)
                if not chosen:
                    continue
                owner = pool.holders[chosen[0][2]]
                items = [c[1] for c in chosen]
                assignor, assignor_address = owner.name, owner.address
                if direction == "out":
                    assignee, assignee_address = _outside_party(rnd)
                    code = owner.code
                else:
                    other = pool.pick(rnd)
                    if other.idx == owner.idx:
                        other = pool.holders[(owner.idx + 1) % len(pool.holders)]
                    assignee, assignee_address, code = other.name, other.address, other.code
            if ip_type == "patent":
                record_no = f"{year}37{seq:07d}" if kind == "transfer" else f"X{year}{CITY}{seq:05d}"
            else:
                record_no = f"T{year}{seq:06d}" if kind == "transfer" else f"TX{year}{seq:06d}"
            yield {
                "record_no": record_no,
                "kind": kind,
                "ip_type": ip_type,
                "items": items,
                "assignor": assignor,
                "assignor_address": assignor_address,
                "assignee": assignee,
                "assignee_address": assignee_address,
                "district_code": code if code != geo.UNLOCATED and rnd.random() < 0.6 else None,
                "registration_date": reg_date,
            }


def conflict(rec: dict, rnd: random.Random) -> dict:
    """An earlier export of the same recordal, before the date was corrected."""
    variant = dict(rec)
    variant["registration_date"] = rec["registration_date"] - dt.timedelta(days=rnd.randint(1, 30))
    return variant


EXTRAS: dict = {}
