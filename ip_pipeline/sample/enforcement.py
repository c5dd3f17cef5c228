"""行政执法与司法保护案件: the city's own case list (every row in scope)."""
from __future__ import annotations

import datetime as dt
import random
from typing import Iterator

from . import dates, geo, names, volumes as v
from .context import Context

NAME = "enforcement"
FIRST_YEAR = 2005
_TYPES = ("patent_dispute", "patent_counterfeit", "trademark_infringement", "trademark_counterfeit", "other")
_AUTHORITIES = {
    "administrative": ("烟台市市场监督管理局", "烟台市知识产权局", "{unit}市场监督管理局"),
    "judicial": ("烟台市中级人民法院", "山东省高级人民法院", "{unit}人民法院"),
    "customs": ("烟台海关", "龙口海关", "蓬莱海关"),
}
_OUTCOMES = {
    "administrative": ("罚款", "责令停止侵权", "调解结案", "移送公安", "撤案"),
    "judicial": ("判决", "调解", "撤诉", "驳回起诉"),
    "customs": ("扣留货物", "罚款", "没收"),
}


def expected_rows(ctx: Context) -> int:
    return ctx.expected(v.ENFORCEMENT, FIRST_YEAR)


def records(ctx: Context) -> Iterator[dict]:
    rnd = ctx.rng(NAME)
    for year in range(FIRST_YEAR, ctx.end.year + 1):
        n = ctx.count(v.ENFORCEMENT, year)
        trademark_share = 0.55 + 0.01 * (year - 2005)
        for seq, opened in enumerate(sorted(dates.in_year(rnd, year, ctx.end) for _ in range(n))):
            if rnd.random() < trademark_share:
                case_type = rnd.choice(_TYPES[2:4])
            else:
                case_type = rnd.choices(_TYPES, (5, 3, 0, 0, 1))[0]
            authority_type = rnd.choices(tuple(_AUTHORITIES), (6, 3, 1))[0]
            code = names.pick_unit(rnd)
            unit = geo.UNIT_BY_CODE[code]
            authority = rnd.choice(_AUTHORITIES[authority_type]).format(unit=unit.name if code != geo.UNLOCATED else "烟台市")
            closed = opened + dt.timedelta(days=round(rnd.lognormvariate(4.2, 0.6)))
            value = round(rnd.lognormvariate(2.3, 1.3), 2)
            penalty = round(value * rnd.uniform(0.05, 0.8), 2) if authority_type != "judicial" else None
            party = names.person(rnd) if rnd.random() < 0.4 else ctx.pool.pick_uniform(rnd).name
            yield {
                "case_no": f"YTSJ{year}{seq:05d}",
                "case_type": case_type,
                "authority_type": authority_type,
                "authority": authority,
                "opened_date": opened,
                "closed_date": closed if closed <= ctx.end else None,
                "district_code": code if code != geo.UNLOCATED and rnd.random() < 0.9 else None,
                "value_wan": value,
                "penalty_wan": penalty,
                "party": party,
                "outcome": rnd.choice(_OUTCOMES[authority_type]) if closed <= ctx.end else "办理中",
            }


def conflict(rec: dict, rnd: random.Random) -> dict:
    variant = dict(rec)
    variant["value_wan"] = round(rec["value_wan"] * rnd.uniform(1.1, 2.0), 2)
    return variant


def _closed_before_opened(rec: dict, rnd: random.Random) -> None:
    rec["closed_date"] = rec["opened_date"] - dt.timedelta(days=rnd.randint(1, 90))


EXTRAS = {"date_order:closed_date": _closed_before_opened}
