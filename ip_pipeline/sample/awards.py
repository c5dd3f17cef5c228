"""专利奖励: awards to generated patents granted before the award year."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator

from . import volumes as v
from .context import Context

NAME = "awards"
FIRST_YEAR = 2008
_AWARDS = ("中国专利金奖", "中国专利银奖", "中国专利优秀奖", "山东省专利奖", "国家科学技术奖", "烟台市专利奖")
_WEIGHTS = (2, 5, 40, 28, 3, 22)


def expected_rows(ctx: Context) -> int:
    return ctx.expected(v.AWARDS, FIRST_YEAR)


def records(ctx: Context) -> Iterator[dict]:
    rnd = ctx.rng(NAME)
    candidates = sorted(ctx.links.awardable)
    granted = [c[0] for c in candidates]
    seen: set[tuple[str, str, int]] = set()
    for year in range(FIRST_YEAR, ctx.end.year + 1):
        eligible = bisect.bisect_left(granted, dt.date(year, 1, 1))
        if eligible == 0:
            continue
        for _ in range(ctx.count(v.AWARDS, year)):
            app_no = candidates[eligible - 1 - int(eligible * rnd.random() ** 1.5)][1]
            award = rnd.choices(_AWARDS, _WEIGHTS)[0]
            if (app_no, award, year) in seen:
                continue
            seen.add((app_no, award, year))
            yield {"application_no": app_no, "award": award, "award_year": year}


# Every column of an award is its key, so no row can conflict with another: no `conflict`.
EXTRAS: dict = {}
