"""PROGRESS.md — growth-ratio method, status rules in order, score, districts, plans."""

from datetime import date

import pytest

from .builder import CITY, bulk, enterprises, trademarks

END_2020 = date(2020, 12, 31)
END_2023 = date(2023, 12, 31)
# Decimal years from the end of the base year, every year end a whole number (PROGRESS.md,
# "Time"; was (END_2023 - END_2020).days / 365.25 before the spec fixed Δt).
DT_2023 = 3.0
GBT = "gbt29490_enterprises"  # base computed from the data, level target 400


def gbt_case(wh, base: int, now: int):
    """`base` enterprises certified in 2020, `now` − base more in 2022 (negative: some expire in 2021)."""
    if now >= base:
        enterprises(wh, base, date(2020, 6, 1))
        if now > base:
            enterprises(wh, now - base, date(2022, 6, 1))
    else:
        enterprises(wh, now, date(2020, 6, 1))
        enterprises(wh, base - now, date(2020, 6, 1), valid_until=date(2021, 6, 30))
    wh.progress(END_2023)
    return wh.progress_row(GBT, END_2023)


def expected_ratio(base, now, target=400, dt=DT_2023):
    g_req = (target / base) ** (1 / 5) - 1
    g_obs = (now / base) ** (1 / dt) - 1
    return g_obs / abs(g_req)


def test_worked_check_hv_patents_on_track(wh):
    # 72 high-value patents and 100,000 residents at the end of 2023 -> 7.2 per 10,000.
    wh.population(2023, "370602", 100000)
    bulk(
        wh,
        "stg_patents",
        72,
        application_no="2015{i}",
        patent_type="invention",
        filing_date=date(2010, 1, 1),
        grant_date=date(2012, 1, 1),
        holder="x",
        district_code="370602",
        legal_status="in_force",
        in_scope=True,
    )
    wh.progress(END_2023)
    r = wh.progress_row("hv_patents_per_10k", END_2023)
    assert r["value"] == pytest.approx(7.2)
    assert r["base_value"] == 4.06 and r["base_computed"] is False
    assert r["g_req"] == pytest.approx(0.2056, abs=5e-5)
    assert r["g_obs"] == pytest.approx(0.210, abs=1e-3)
    assert r["ratio"] == pytest.approx(1.02, abs=0.01)
    assert r["status"] == "on_track" and r["status_label_zh"] == "进度正常"


def test_worked_check_valid_trademarks_needs_acceleration(wh):
    trademarks(wh, 120000, date(2019, 1, 1), date(2030, 1, 1))  # 12.0 万件
    wh.progress(END_2023)
    r = wh.progress_row("valid_trademarks", END_2023)
    assert r["value"] == pytest.approx(12.0)
    assert r["g_req"] == pytest.approx(0.0539, abs=5e-5)
    assert r["ratio"] == pytest.approx(0.78, abs=0.01)
    assert r["status"] == "needs_acceleration" and r["status_label_zh"] == "需加快进度"


def test_computed_base_when_plan_gives_none(wh):
    r = gbt_case(wh, 100, 250)
    assert r["base_value"] == 100 and r["base_computed"] is True and "computed_base" in r["flags"]
    assert r["delta_t"] == pytest.approx(DT_2023)
    assert r["g_req"] == pytest.approx(4**0.2 - 1)


def test_status_not_available_when_delta_t_below_one_year(wh):
    enterprises(wh, 100, date(2020, 6, 1))
    d = date(2021, 11, 30)  # 334/365 years: no growth rate yet (31 Dec 2021 is exactly 1 year now)
    wh.progress(d)
    r = wh.progress_row(GBT, d)
    assert r["status"] == "not_available" and r["score"] is None and r["g_obs"] is None


def test_status_not_available_when_base_is_zero(wh):
    enterprises(wh, 50, date(2022, 6, 1))  # nothing in the base year
    wh.progress(END_2023)
    r = wh.progress_row(GBT, END_2023)
    assert r["base_value"] == 0 and r["status"] == "not_available" and r["g_req"] is None


def test_status_target_achieved(wh):
    r = gbt_case(wh, 100, 400)
    assert r["status"] == "target_achieved" and r["score"] == 5


def test_status_on_track(wh):
    r = gbt_case(wh, 100, 250)
    assert r["ratio"] == pytest.approx(expected_ratio(100, 250))
    assert r["ratio"] >= 0.95 and r["status"] == "on_track"


def test_status_needs_acceleration(wh):
    r = gbt_case(wh, 100, 180)
    assert 0.60 <= expected_ratio(100, 180) < 0.95
    assert r["status"] == "needs_acceleration"


def test_status_limited_progress(wh):
    r = gbt_case(wh, 100, 110)
    assert 0 <= expected_ratio(100, 110) < 0.60
    assert r["status"] == "limited_progress"


def test_status_deterioration(wh):
    r = gbt_case(wh, 100, 90)
    assert expected_ratio(100, 90) < 0 and r["status"] == "deterioration"


def test_status_growth_target_achieved_when_observed_growth_reaches_it(wh):
    wh.pledge(registration_date=date(2020, 5, 1))
    for _ in range(3):
        wh.pledge(registration_date=date(2023, 5, 1))
    wh.progress(END_2023)
    r = wh.progress_row("pledge_count_cagr", END_2023)
    g = 3 ** (1 / 3) - 1  # 44 % a year >= 30 %
    assert r["g_obs"] == pytest.approx(g) and r["g_req"] == pytest.approx(0.30)
    assert r["ratio"] == pytest.approx(g / 0.30)
    # Before the target year a growth target is judged by its R class (PROGRESS.md): R >= 1 -> on_track.
    assert r["status"] == "on_track" and r["achieved"] is True


def test_score_formula(wh):
    r = gbt_case(wh, 100, 180)
    assert r["score"] == pytest.approx(min(7.1429 * r["ratio"] - 4.2857, 5))


def test_score_formula_below_threshold(wh):
    r = gbt_case(wh, 100, 110)
    assert r["score"] == pytest.approx(max(4.1667 * r["ratio"] - 2.5, -5))


def test_expected_value_gap_and_projection(wh):
    r = gbt_case(wh, 100, 250)
    g_req = 4**0.2 - 1
    expected = 100 * (1 + g_req) ** DT_2023
    assert r["expected_value"] == pytest.approx(expected)
    assert r["gap"] == pytest.approx(250 - expected)
    g_obs = 2.5 ** (1 / DT_2023) - 1
    proj = 250 * (1 + g_obs) ** (5 - DT_2023)
    assert r["projection"] == pytest.approx(proj)
    assert r["projection_share"] == pytest.approx((proj - 100) / (400 - 100))


def test_flow_uses_latest_complete_year(wh):
    for _ in range(10):
        wh.overseas_grant(grant_date=date(2020, 5, 1))
    for _ in range(20):
        wh.overseas_grant(grant_date=date(2022, 5, 1))
    wh.overseas_grant(grant_date=date(2023, 2, 1))  # 2023 year to date: shown in indicator_values only
    d = date(2023, 6, 30)
    wh.progress(d)
    r = wh.progress_row("overseas_invention_grants", d)
    assert r["value"] == 20 and r["base_value"] == 10 and r["delta_t"] == 2
    assert r["g_obs"] == pytest.approx(2**0.5 - 1)
    assert "complete_year:2022" in r["flags"]


def test_district_target_implied_from_plan_growth(wh):
    enterprises(wh, 10, date(2020, 6, 1), district_code="370611")
    enterprises(wh, 90, date(2020, 6, 1), district_code="370602")
    enterprises(wh, 10, date(2022, 6, 1), district_code="370611")
    wh.progress(END_2023)
    r = wh.progress_row(GBT, END_2023, "370611")
    g_req = (400 / 100) ** 0.2 - 1  # the plan's (city) required growth
    assert r["base_value"] == 10 and r["g_req"] == pytest.approx(g_req)
    assert r["target_value"] == pytest.approx(10 * (1 + g_req) ** 5)
    assert set(r["flags"]) == {"computed_base", "district_target_implied"}
    assert r["ratio"] == pytest.approx(((20 / 10) ** (1 / DT_2023) - 1) / g_req)


def test_city_only_indicators_have_no_district_progress(wh):
    wh.progress(END_2023)
    n = wh.con.execute(
        "SELECT count(*) FROM indicator_progress WHERE indicator_id = 'patent_intensive_va_share' "
        "AND district_code <> ?",
        [CITY],
    ).fetchall()[0][0]
    assert n == 0


def test_plan_score_is_mean_over_indicators_with_a_status(wh):
    gbt_case(wh, 100, 180)
    rows = wh.con.execute(
        "SELECT score FROM indicator_progress WHERE as_of = ? AND district_code = ? "
        "AND status <> 'not_available'",
        [END_2023, CITY],
    ).fetchall()
    plan = wh.con.execute(
        "SELECT score, indicators_scored, achieved FROM plan_scores WHERE as_of = ? AND district_code = ?",
        [END_2023, CITY],
    ).fetchall()[0]
    assert plan[1] == len(rows) >= 1
    assert plan[0] == pytest.approx(sum(s for (s,) in rows) / len(rows))
    assert plan[2] is False


def test_second_plan_tracked_side_by_side(wh, plan14, plan15):
    enterprises(wh, 100, date(2020, 6, 1))
    enterprises(wh, 200, date(2025, 6, 1))
    enterprises(wh, 60, date(2026, 6, 1))
    wh.pledge(registration_date=date(2025, 3, 1))
    wh.pledge(registration_date=date(2026, 3, 1))
    wh.pledge(registration_date=date(2026, 4, 1))
    d = date(2026, 12, 31)
    wh.compute(d, plans=[plan14, plan15])
    # The 14th plan ended on 31 Dec 2025 (PROGRESS.md, "The plan's lifecycle"): it is judged
    # on its last day, the 15th a year later; no 14th-plan row after its target year.
    wh.progress(date(2025, 12, 31), d, plans=[plan14, plan15])
    old = wh.progress_row(GBT, date(2025, 12, 31), plan_id="yantai_ip_14th_fyp")
    new = wh.progress_row(GBT, d, plan_id="yantai_ip_15th_fyp")
    assert (old["base_value"], old["target_value"]) == (100, 400)
    assert (new["base_value"], new["target_value"], new["base_year"]) == (300, 600, 2025)
    assert new["delta_t"] == 1.0  # one whole year (was 365/365.25 before the spec fixed Δt)
    # The 15th plan's growth rate runs from its own base year 2025: 2 registrations vs 1.
    cagr = wh.progress_row("pledge_count_cagr", d, plan_id="yantai_ip_15th_fyp")
    assert cagr["g_obs"] == pytest.approx(1.0) and cagr["g_req"] == pytest.approx(0.20)
    # and indicator_values, on a date of the 15th plan, measures from 2025 too.
    assert wh.value("pledge_count_cagr", d) == pytest.approx(100.0)
    plans = {p for (p,) in wh.con.execute("SELECT DISTINCT plan_id FROM plan_scores").fetchall()}
    assert plans == {"yantai_ip_14th_fyp", "yantai_ip_15th_fyp"}


def test_progress_rewrite_of_a_date_is_idempotent(wh):
    enterprises(wh, 100, date(2020, 6, 1))
    n1 = wh.progress(END_2023, date(2023, 11, 30))
    before = wh.con.execute("SELECT * FROM indicator_progress ORDER BY ALL").fetchall()
    wh.progress(END_2023)
    assert wh.con.execute("SELECT * FROM indicator_progress ORDER BY ALL").fetchall() == before
    assert len(before) == n1


def _with_target(plan, indicator_id, value):
    from dataclasses import replace

    return replace(
        plan,
        indicators=tuple(
            replace(i, target=replace(i.target, value=value)) if i.id == indicator_id else i
            for i in plan.indicators
        ),
    )


def test_status_zero_required_growth_is_achieved_or_deterioration(wh, plan14):
    flat = _with_target(plan14, GBT, 100)  # target = base: g_req = 0
    enterprises(wh, 90, date(2020, 6, 1))
    enterprises(wh, 10, date(2020, 6, 1), valid_until=date(2021, 6, 30))
    wh.progress(END_2023, plans=[flat])
    r = wh.progress_row(GBT, END_2023)
    assert r["g_req"] == 0 and r["status"] == "deterioration" and r["score"] == -5
    enterprises(wh, 10, date(2022, 6, 1))  # back to 100: d·(v_t − v_T) >= 0
    wh.progress(END_2023, plans=[flat])
    assert wh.progress_row(GBT, END_2023)["status"] == "target_achieved"


def test_status_value_within_tolerance_of_limit_target_counts_as_met(wh, plan14):
    at_limit = _with_target(plan14, "patent_intensive_va_share", 100)  # a target at the natural limit 100
    wh.economy(2020, 100.0, 90.0)
    wh.economy(2023, 100.0, 99.6)  # 99.6 %: within 0.5 of the limit
    wh.progress(END_2023, plans=[at_limit])
    assert wh.progress_row("patent_intensive_va_share", END_2023)["status"] == "target_achieved"
    wh.con.execute("UPDATE stg_economy SET patent_intensive_va_yi = 99.4 WHERE year = 2023")
    wh.progress(END_2023, plans=[at_limit])
    assert wh.progress_row("patent_intensive_va_share", END_2023)["status"] != "target_achieved"


def test_plan_achieved_only_when_every_indicator_is(wh, plan14):
    from dataclasses import replace

    only_gbt = replace(plan14, indicators=tuple(i for i in plan14.indicators if i.id == GBT))
    enterprises(wh, 100, date(2020, 6, 1))
    enterprises(wh, 300, date(2022, 6, 1))
    wh.progress(END_2023, plans=[only_gbt])
    score, n, achieved = wh.con.execute(
        "SELECT score, indicators_scored, achieved FROM plan_scores WHERE as_of = ? AND district_code = ?",
        [END_2023, CITY],
    ).fetchall()[0]
    assert (score, n, achieved) == (5, 1, True)
    wh.progress(END_2023, plans=[plan14])  # the other indicators are not achieved
    assert (
        wh.con.execute(
            "SELECT achieved FROM plan_scores WHERE as_of = ? AND district_code = ? AND plan_id = ?",
            [END_2023, CITY, plan14.id],
        ).fetchall()[0][0]
        is False
    )
