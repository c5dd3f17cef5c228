"""The sample city's transfers and court cases are calibrated to a plausible Yantai:
a few thousand transfers and licences a year growing ≈ 10–20 % a year from 2024,
a few hundred first-instance civil IP cases a year with an acceptance rate in the 80s."""

from __future__ import annotations

import datetime as dt

import pytest

from ip_pipeline.sample.selfcheck import calibration

END = dt.date(2026, 11, 29)
YEARS = tuple(dt.date(y, 12, 31) for y in range(2020, 2026))


@pytest.fixture(scope="module")
def figures():
    return calibration(scale=1.0, end=END, as_of=YEARS + (END,))


def test_a_few_thousand_transfers_a_year_growing_10_to_20_percent_from_2024(figures):
    by_year = {int(d[:4]): f["transfers"] for d, f in figures.items() if d.endswith("12-31")}
    assert all(1_500 <= n <= 6_000 for n in by_year.values()), by_year
    assert 1.10 <= by_year[2025] / by_year[2024] <= 1.20, by_year
    ytd_2026 = figures[END.isoformat()]["transfers"]  # to 29 Nov: the full year ≈ 12/11 of it
    assert 1.08 <= ytd_2026 * 365 / END.timetuple().tm_yday / by_year[2025] <= 1.22


def test_a_few_hundred_civil_first_instance_cases_a_year_accepted_in_the_80s(figures):
    for d, f in figures.items():
        cases = f["civil_first_instance"]
        assert 200 <= sum(cases.values()) <= 700, (d, cases)
        assert 80 <= f["civil_first_instance_acceptance"] < 90, (d, f["civil_first_instance_acceptance"])
        assert cases.get("unknown", 0) > 0, d  # some 服判息诉 not known


def test_new_city_advantage_enterprises_since_2024(figures):
    assert figures["2024-12-31"]["new_city_advantage_since_2024"] == 0
    assert 10 <= figures["2025-12-31"]["new_city_advantage_since_2024"] <= 30
