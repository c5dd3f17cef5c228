"""INDICATORS.md § 4 — pledge counts, amounts and their average annual growth."""

from datetime import date

import pytest

from .builder import CITY


def test_pledge_yearly_totals_are_year_to_date_and_ignore_status(wh):
    wh.pledge(registration_date=date(2023, 1, 1), amount_wan=100.0)
    wh.pledge(registration_date=date(2023, 6, 30), amount_wan=50.0, status="released")  # on D, released later
    wh.pledge(registration_date=date(2023, 7, 1), amount_wan=7.0)
    wh.pledge(registration_date=date(2023, 3, 1), amount_wan=9.0, pledge_type="trademark", items="12345678")
    wh.compute(date(2023, 6, 30))
    assert wh.value("pledge_count", date(2023, 6, 30)) == 3
    assert wh.value("pledge_amount_wan", date(2023, 6, 30)) == 159.0


def test_cagr_compares_year_to_date_with_same_month_day_of_base_year(wh):
    # Base year 2020 up to 30 June: 2 registrations, 200 万元 (the 1 July one is excluded).
    wh.pledge(registration_date=date(2020, 1, 15), amount_wan=100.0)
    wh.pledge(registration_date=date(2020, 6, 30), amount_wan=100.0)
    wh.pledge(registration_date=date(2020, 7, 1), amount_wan=1000.0)
    # 2023 up to 30 June: 5 registrations, 800 万元.
    for _ in range(4):
        wh.pledge(registration_date=date(2023, 2, 1), amount_wan=150.0)
    wh.pledge(registration_date=date(2023, 6, 30), amount_wan=200.0)
    d = date(2023, 6, 30)
    wh.compute(d)
    count = wh.row("pledge_count_cagr", d)
    assert (count["numerator"], count["denominator"]) == (5, 2)
    assert count["value"] == pytest.approx(((5 / 2) ** (1 / 3) - 1) * 100)
    amount = wh.row("pledge_amount_cagr", d)
    assert amount["value"] == pytest.approx(((800 / 200) ** (1 / 3) - 1) * 100)
    assert amount["unit"] == "%"


def test_cagr_on_31_december_uses_full_years(wh):
    wh.pledge(registration_date=date(2020, 12, 31), amount_wan=10.0)
    wh.pledge(registration_date=date(2021, 12, 31), amount_wan=10.0)
    wh.pledge(registration_date=date(2021, 12, 30), amount_wan=10.0)
    d = date(2021, 12, 31)
    wh.compute(d)
    assert wh.value("pledge_count_cagr", d) == pytest.approx(100.0)  # (2/1)^(1/1) − 1


def test_zero_base_gives_null_and_flag(wh):
    wh.pledge(registration_date=date(2022, 3, 1), district_code="370611")
    wh.pledge(registration_date=date(2020, 3, 1), district_code="370602")
    wh.pledge(registration_date=date(2022, 3, 1), district_code="370602")
    d = date(2022, 12, 31)
    wh.compute(d)
    r = wh.row("pledge_count_cagr", d, "370611")
    assert (
        r["value"] is None and r["flags"] == ["zero_base"] and r["numerator"] == 1 and r["denominator"] == 0
    )
    assert wh.row("pledge_count_cagr", d, "370602")["flags"] == []
    city = wh.row("pledge_count_cagr", d, CITY)  # city from totals: (2/1)^(1/2) − 1
    assert city["value"] == pytest.approx((2**0.5 - 1) * 100)


def test_cagr_in_base_year_is_null(wh):
    wh.pledge(registration_date=date(2020, 3, 1))
    d = date(2020, 12, 31)
    wh.compute(d)
    r = wh.row("pledge_count_cagr", d)
    assert r["value"] is None and r["flags"] == ["base_period"]


def test_cagr_on_29_february_takes_base_year_to_the_end_of_february(wh):
    # Base 2025 (a common year, second plan) and D = 29 Feb 2028: the base period ends 28 Feb 2025.
    from ip_pipeline.indicators.catalogue import load_plan

    from .builder import FIXTURES

    plan15 = load_plan(FIXTURES / "plan_15th_fyp.yaml")
    wh.pledge(registration_date=date(2025, 2, 28))
    wh.pledge(registration_date=date(2025, 3, 1))
    for _ in range(8):
        wh.pledge(registration_date=date(2028, 2, 29))
    d = date(2028, 2, 29)
    wh.compute(d, plans=[plan15])
    r = wh.row("pledge_count_cagr", d)
    assert (r["numerator"], r["denominator"]) == (8, 1)
    assert r["value"] == pytest.approx((8 ** (1 / 3) - 1) * 100)


def test_pledges_of_out_of_scope_pledgors_do_not_count(wh):
    wh.pledge(registration_date=date(2023, 3, 1), district_code=None, in_scope=False)
    wh.compute(date(2023, 3, 31))
    assert wh.value("pledge_count", date(2023, 3, 31)) == 0
