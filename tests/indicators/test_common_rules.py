"""INDICATORS.md "Common rules": units, city totals, population, vintage, idempotence."""

from datetime import date, datetime

import pytest

from .builder import CITY, UNIT_CODES

D = date(2023, 12, 31)


def test_every_unit_gets_a_row_with_zero_counts(wh):
    wh.enterprise(district_code="370611")
    wh.compute(D)
    rows = dict(
        wh.con.execute(
            "SELECT district_code, value FROM indicator_values WHERE indicator_id = 'gbt29490_enterprises' AND as_of = ?",
            [D],
        ).fetchall()
    )
    assert set(rows) == set(UNIT_CODES) | {CITY}
    assert rows["370611"] == 1 and rows["370602"] == 0 and rows["370699"] == 0


def test_city_only_indicators_have_no_unit_rows(wh):
    wh.compute(D)
    for ind in (
        "patent_intensive_va_share",
        "ip_protection_satisfaction",
        "ip_protection_satisfaction_survey",
    ):
        codes = [
            r[0]
            for r in wh.con.execute(
                "SELECT district_code FROM indicator_values WHERE indicator_id = ? AND as_of = ?", [ind, D]
            ).fetchall()
        ]
        assert codes == [CITY], ind


def test_city_is_sum_of_units(wh):
    wh.enterprise(district_code="370602")
    wh.enterprise(district_code="370611")
    wh.enterprise(district_code=None, in_scope=True)  # own list, no code -> 370699 counts in the city
    wh.compute(D)
    assert wh.value("gbt29490_enterprises", D, "370699") == 1
    assert wh.value("gbt29490_enterprises", D) == 3


def test_city_ratio_from_totals(wh):
    wh.population(2023, "370602", 10000)
    wh.population(2023, "370611", 30000)
    wh.hv_patent(district_code="370602")
    for _ in range(3):
        wh.hv_patent(district_code="370611")
    wh.compute(D)
    # units: 1 and 1 per 10k; their mean would be 1, the city is 4 / 40000 * 10000 = 1 too, so
    # add one unlocated patent: city = 5 / 40000 * 1e4 = 1.25, not an average of unit ratios.
    wh.hv_patent(district_code="370699", in_scope=True)
    wh.compute(D)
    r = wh.row("hv_patents_per_10k", D)
    assert r["numerator"] == 5 and r["denominator"] == 40000
    assert r["value"] == pytest.approx(1.25)


def test_city_population_row_wins_over_sum_of_units(wh):
    wh.population(2023, "370602", 10000)
    wh.population(2023, CITY, 50000)
    wh.hv_patent()
    wh.compute(D)
    assert wh.row("hv_patents_per_10k", D)["denominator"] == 50000


def test_population_provisional_when_year_missing(wh):
    wh.population(2022, "370602", 20000)
    wh.hv_patent()
    wh.compute(D)
    r = wh.row("hv_patents_per_10k", D, "370602")
    assert r["denominator"] == 20000 and r["value"] == pytest.approx(0.5)
    assert r["flags"] == ["provisional_denominator"]
    assert wh.row("hv_patents_per_10k", D)["flags"] == ["provisional_denominator"]


def test_unit_without_population_gets_null_value_and_flag_but_numerator(wh):
    wh.population(2023, "370602", 20000)
    wh.hv_patent(district_code="370611")
    wh.compute(D)
    r = wh.row("hv_patents_per_10k", D, "370611")
    assert r["value"] is None and r["numerator"] == 1
    assert r["flags"] == ["no_population"]


def test_flags_are_sorted(wh):
    wh.response(survey_date=date(2023, 3, 1))
    wh.compute(D)
    for (flags,) in wh.con.execute("SELECT flags FROM indicator_values").fetchall():
        assert flags == sorted(flags)


def test_vintage_is_newest_snapshot_of_the_sources_used(wh):
    wh.snapshot("trademarks", datetime(2024, 1, 2, 3, 4, 5))
    wh.snapshot("patents", datetime(2024, 5, 1, 0, 0, 0))
    wh.snapshot("overseas_grants", datetime(2024, 6, 1, 12, 0, 0))
    wh.compute(D)
    assert wh.row("valid_trademarks", D)["vintage"] == "2024-01-02T03:04:05"
    assert wh.row("hv_patents_per_10k", D)["vintage"] == "2024-06-01T12:00:00"
    assert wh.row("gbt29490_enterprises", D)["vintage"] is None


def test_vintage_null_when_source_snapshots_missing(wh):
    wh.con.execute("DROP TABLE source_snapshots")
    wh.compute(D)
    assert wh.row("valid_trademarks", D)["vintage"] is None


def test_output_columns_are_the_contract(wh):
    wh.compute(D)
    cols = [r[0] for r in wh.con.execute("DESCRIBE indicator_values").fetchall()]
    assert cols == [
        "indicator_id",
        "as_of",
        "district_code",
        "value",
        "numerator",
        "denominator",
        "unit",
        "flags",
        "vintage",
    ]
    ids = {r[0] for r in wh.con.execute("SELECT DISTINCT indicator_id FROM indicator_values").fetchall()}
    # INDICATORS.md's output contract now also has the action plan's ids (2025–2027 catalogue),
    # published once the registry computes them.
    from ip_pipeline.indicators.registry import COMPUTATIONS

    action = {
        "ip_transfer_licence_count",
        "ip_transfer_licence_cagr",
        "new_city_advantage_enterprises",
        "civil_first_instance_acceptance_rate",
    }
    assert ids == {
        "hv_patents_per_10k",
        "overseas_invention_grants",
        "valid_trademarks",
        "pledge_count_cagr",
        "pledge_amount_cagr",
        "patent_intensive_va_share",
        "ip_protection_satisfaction",
        "gbt29490_enterprises",
        "city_advantage_enterprises",
        "pledge_count",
        "pledge_amount_wan",
        "ip_protection_satisfaction_survey",
    } | (action & set(COMPUTATIONS))


def test_idempotent_rewrite_of_a_date(wh):
    wh.enterprise()
    d2 = date(2023, 11, 30)
    first = wh.compute(D, d2)
    snapshot = wh.con.execute("SELECT * FROM indicator_values ORDER BY ALL").fetchall()
    assert wh.compute(D) == first // 2
    assert wh.con.execute("SELECT * FROM indicator_values ORDER BY ALL").fetchall() == snapshot
    wh.enterprise()  # new data, recompute only D: D changes, d2 is kept as it was
    wh.compute(D)
    assert wh.value("gbt29490_enterprises", D) == 2
    assert wh.value("gbt29490_enterprises", d2) == 1
    n = wh.con.execute("SELECT count(*) FROM indicator_values WHERE as_of = ?", [D]).fetchall()[0][0]
    assert n == first // 2


def test_many_dates_in_one_call_equal_one_at_a_time(wh):
    wh.enterprise(certified_date=date(2021, 5, 1), valid_until=date(2022, 5, 31))
    dates = [date(2021, 4, 30), date(2021, 5, 31), date(2022, 5, 31), date(2022, 6, 30)]
    wh.compute(*dates)
    together = [wh.value("gbt29490_enterprises", d) for d in dates]
    assert together == [0, 1, 1, 0]  # valid_until is the last valid day
