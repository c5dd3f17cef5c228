"""Incomplete population years (INDICATORS.md, Population): a unit missing from a year it had a
row for earlier takes its latest earlier year, flagged provisional_denominator, and a city total
summed from units carries the same flag — the city's denominator never shrinks silently."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from tests.indicators.builder import CITY, WarehouseBuilder

D22, D23 = date(2022, 12, 31), date(2023, 12, 31)
PROVISIONAL = "provisional_denominator"


@pytest.fixture
def wh():
    con = duckdb.connect(":memory:")
    yield WarehouseBuilder(con)
    con.close()


def _two_units(wh: WarehouseBuilder) -> None:
    wh.population(2022, "370602", 10000)
    wh.population(2022, "370611", 30000)
    wh.population(2023, "370602", 11000)  # 370611 is missing from 2023
    wh.hv_patent(district_code="370602")
    for _ in range(3):
        wh.hv_patent(district_code="370611")


def test_unit_missing_from_a_year_takes_its_latest_earlier_year_flagged(wh):
    _two_units(wh)
    wh.compute(D23)
    r = wh.row("hv_patents_per_10k", D23, "370611")
    assert r["denominator"] == 30000 and r["value"] == pytest.approx(1.0)
    assert r["flags"] == [PROVISIONAL]
    complete = wh.row("hv_patents_per_10k", D23, "370602")
    assert complete["denominator"] == 11000 and complete["flags"] == []


def test_city_total_summed_from_an_incomplete_year_carries_the_flag(wh):
    _two_units(wh)
    wh.compute(D23)
    city = wh.row("hv_patents_per_10k", D23, CITY)
    # 11,000 + 30,000 (370611 carried from 2022), not 11,000 alone (the value would jump 3.7x)
    assert city["denominator"] == 41000
    assert city["value"] == pytest.approx(4 / 41000 * 10000)
    assert city["flags"] == [PROVISIONAL]


def test_complete_years_are_not_flagged_and_keep_their_values(wh):
    _two_units(wh)
    wh.compute(D22)
    city = wh.row("hv_patents_per_10k", D22, CITY)
    assert city["denominator"] == 40000 and city["flags"] == []
    assert wh.row("hv_patents_per_10k", D22, "370611")["flags"] == []


def test_city_row_of_its_own_is_not_flagged_for_a_missing_unit(wh):
    """The city's own 370600 row is the published total: complete whatever the units say."""
    _two_units(wh)
    wh.population(2023, CITY, 45000)
    wh.compute(D23)
    city = wh.row("hv_patents_per_10k", D23, CITY)
    assert city["denominator"] == 45000 and city["flags"] == []
    assert wh.row("hv_patents_per_10k", D23, "370611")["flags"] == [PROVISIONAL]


def test_a_unit_that_first_appears_later_does_not_make_earlier_years_incomplete(wh):
    wh.population(2022, "370602", 10000)
    wh.population(2023, "370602", 10000)
    wh.population(2023, "370611", 30000)  # new in 2023 (e.g. a zone that began reporting)
    wh.hv_patent(district_code="370602")
    wh.compute(D22, D23)
    assert wh.row("hv_patents_per_10k", D22, CITY)["flags"] == []
    assert wh.row("hv_patents_per_10k", D22, CITY)["denominator"] == 10000
    assert wh.row("hv_patents_per_10k", D23, CITY)["flags"] == []
    assert wh.row("hv_patents_per_10k", D23, CITY)["denominator"] == 40000
