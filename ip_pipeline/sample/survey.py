"""知识产权保护社会满意度调查: weighted respondents from 2019, satisfaction rising toward 87."""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator

from . import dates, geo
from . import volumes as v
from .context import Context

NAME = "survey"
FIRST_YEAR = 2019
_TYPES = ("企业", "公众", "律师", "专利代理师", "行政人员")
_TYPE_WEIGHTS = (45, 40, 6, 5, 4)
_TYPE_SHIFT = {"企业": 0.5, "公众": -1.5, "律师": -3.0, "专利代理师": -1.0, "行政人员": 3.0}
_UNITS = [u for u in geo.UNITS if u.population_2020]
_UNIT_CUM = list(itertools.accumulate(u.population_2020 for u in _UNITS))


def expected_rows(ctx: Context) -> int:
    return ctx.expected(v.SURVEY_RESPONSES, FIRST_YEAR)


def records(ctx: Context) -> Iterator[dict]:
    rnd = ctx.rng(NAME)
    for year in range(FIRST_YEAR, ctx.end.year + 1):
        mean = v.interpolate(v.SURVEY_MEAN, year)
        for seq, day in enumerate(
            sorted(dates.in_year(rnd, year, ctx.end) for _ in range(ctx.count(v.SURVEY_RESPONSES, year)))
        ):
            unit = _UNITS[bisect.bisect(_UNIT_CUM, rnd.random() * _UNIT_CUM[-1])]
            kind = rnd.choices(_TYPES, _TYPE_WEIGHTS)[0]
            score = rnd.gauss(mean + _TYPE_SHIFT[kind] + 2.0 * (unit.sei_bias - 1.0), 8.0)
            yield {
                "response_id": f"S{year}{seq:05d}",
                "survey_date": day,
                "district_code": unit.code if rnd.random() < 0.95 else None,
                "respondent_type": kind,
                "overall_score": round(min(100.0, max(20.0, score)), 1),
                "weight": round(max(0.1, rnd.lognormvariate(0.0, 0.4)), 2),
            }


def conflict(rec: dict, rnd: random.Random) -> dict:
    variant = dict(rec)
    score = rec["overall_score"]
    variant["overall_score"] = round(score - 15.0 if score >= 50 else score + 15.0, 1)
    return variant


EXTRAS: dict = {}
