"""行政执法与司法保护案件: the city's own case list (every row in scope)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from . import dates, geo, names
from . import volumes as v
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


# Courts of Yantai with IP jurisdiction and the code in their case numbers (鲁06 = the
# intermediate court; basic courts by their county code).
_COURTS = (
    ("烟台市中级人民法院", "06", None, 0.6),
    ("烟台市莱山区人民法院", "0613", "370613", 0.15),
    ("龙口市人民法院", "0681", "370681", 0.1),
    ("烟台经济技术开发区人民法院", "0691", "370672", 0.15),
)
_CASE_WORD = {
    ("civil", "first"): "知民初",
    ("civil", "second"): "知民终",
    ("civil", "retrial"): "知民再",
    ("criminal", "first"): "知刑初",
    ("administrative", "first"): "知行初",
}
_COURT_OUTCOMES = ("判决", "判决", "调解", "撤诉", "驳回起诉")


def expected_rows(ctx: Context) -> int:
    return ctx.expected(v.ENFORCEMENT, FIRST_YEAR) + ctx.expected(v.COURT_CASES, v.COURT_CASES_FIRST_YEAR)


def _accepted(
    rnd: random.Random, nature: str, instance: str, closed: dt.date | None, end: dt.date
) -> bool | None:
    """服判息诉 of a closed first-instance civil case; None (blank) while not known: the case is
    open, the appeal period (15 days) has not run out, or the court left it blank."""
    if nature != "civil" or instance != "first" or closed is None:
        return None
    if (end - closed).days < 30 or rnd.random() < v.ACCEPTANCE_UNKNOWN:
        return None
    return rnd.random() < v.interpolate(v.ACCEPTANCE_RATE, closed.year)


def _judicial_fields(rnd: random.Random, rec: dict, end: dt.date) -> None:
    """案件性质, 审级, 服判息诉 of a judicial row of the case list (own stream: the case list's
    other columns do not depend on whether these are drawn)."""
    if rec["authority_type"] != "judicial":
        rec.update(case_nature=None, instance=None, accepted=None)
        return
    counterfeit = rec["case_type"] in ("patent_counterfeit", "trademark_counterfeit")
    nature = "criminal" if counterfeit and rnd.random() < 0.6 else "civil"
    instance = rnd.choices(("first", "second", "retrial"), (0.85, 0.12, 0.03))[0]
    rec.update(
        case_nature=nature,
        instance=instance,
        accepted=_accepted(rnd, nature, instance, rec["closed_date"], end),
    )


def _court_cases(ctx: Context) -> Iterator[dict]:
    rnd = ctx.rng(f"{NAME}:courts")
    kinds, weights = zip(*v.COURT_CASE_KINDS.items())
    courts, court_weights = zip(*((c[:3], c[3]) for c in _COURTS))
    for year in range(v.COURT_CASES_FIRST_YEAR, ctx.end.year + 1):
        seq: dict[tuple, int] = {}
        n = ctx.count(v.COURT_CASES, year)
        for opened in sorted(dates.in_year(rnd, year, ctx.end) for _ in range(n)):
            nature, instance = rnd.choices(kinds, weights)[0]
            court, code_in_no, court_unit = rnd.choices(courts, court_weights)[0]
            if instance != "first":
                court, code_in_no, court_unit = courts[0]  # appeals and retrials: the intermediate court
            key = (code_in_no, nature, instance)
            seq[key] = seq.get(key, 0) + 1
            case_no = f"({year})鲁{code_in_no}{_CASE_WORD[(nature, instance)]}{seq[key]}号"
            closed = opened + dt.timedelta(days=round(rnd.lognormvariate(4.6, 0.5)))
            closed = closed if closed <= ctx.end else None
            case_type = rnd.choices(_TYPES, (4, 1, 6, 2, 1) if nature != "criminal" else (0, 1, 0, 4, 0))[0]
            unit = court_unit or names.pick_unit(rnd)
            yield {
                "case_no": case_no,
                "case_type": case_type,
                "authority_type": "judicial",
                "authority": court,
                "opened_date": opened,
                "closed_date": closed,
                "district_code": unit if unit != geo.UNLOCATED and rnd.random() < 0.9 else None,
                "value_wan": round(rnd.lognormvariate(2.8, 1.2), 2),
                "penalty_wan": round(rnd.lognormvariate(1.5, 1.0), 2)
                if nature == "criminal" and closed
                else None,
                "party": ctx.pool.pick_uniform(rnd).name if rnd.random() < 0.7 else names.person(rnd),
                "outcome": rnd.choice(_COURT_OUTCOMES) if closed else "审理中",
                "case_nature": nature,
                "instance": instance,
                "accepted": _accepted(rnd, nature, instance, closed, ctx.end),
            }


def records(ctx: Context) -> Iterator[dict]:
    yield from _case_list(ctx)
    yield from _court_cases(ctx)


def _case_list(ctx: Context) -> Iterator[dict]:
    rnd = ctx.rng(NAME)
    judicial = ctx.rng(f"{NAME}:judicial")
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
            authority = rnd.choice(_AUTHORITIES[authority_type]).format(
                unit=unit.name if code != geo.UNLOCATED else "烟台市"
            )
            closed = opened + dt.timedelta(days=round(rnd.lognormvariate(4.2, 0.6)))
            value = round(rnd.lognormvariate(2.3, 1.3), 2)
            penalty = round(value * rnd.uniform(0.05, 0.8), 2) if authority_type != "judicial" else None
            party = names.person(rnd) if rnd.random() < 0.4 else ctx.pool.pick_uniform(rnd).name
            rec = {
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
            _judicial_fields(judicial, rec, ctx.end)
            yield rec


def conflict(rec: dict, rnd: random.Random) -> dict:
    variant = dict(rec)
    variant["value_wan"] = round(rec["value_wan"] * rnd.uniform(1.1, 2.0), 2)
    return variant


def _closed_before_opened(rec: dict, rnd: random.Random) -> None:
    rec["closed_date"] = rec["opened_date"] - dt.timedelta(days=rnd.randint(1, 90))


EXTRAS = {"date_order:closed_date": _closed_before_opened}
