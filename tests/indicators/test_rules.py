"""indicators/rules.py: each rule at its one owner, and the progress and outcome tables that use it
(PROGRESS.md "Before the target year", "显著提升", "Displayed values and verdicts agree";
BULLETIN.md "Units"). The data is built in each test."""

from datetime import date

import pytest

from ip_pipeline.indicators import rules
from ip_pipeline.indicators.catalogue import load_plans
from ip_pipeline.indicators.outcomes import achieved_violations, compute_plan_outcomes

from .builder import CITY, trademarks

P14, ACTION = "yantai_ip_14th_fyp", "yantai_ip_action_2025_2027"
END = {y: date(y, 12, 31) for y in range(2020, 2029)}


def outcome(con, indicator_id, plan_id=P14):
    cur = con.execute(
        "SELECT * FROM plan_outcomes WHERE plan_id = ? AND indicator_id = ? AND district_code = ?",
        [plan_id, indicator_id, CITY],
    )
    rows = cur.fetchall()
    assert len(rows) == 1
    return dict(zip([d[0] for d in cur.description], rows[0]))


# -- the rules themselves -------------------------------------------------------------------
def test_same_day_last_year():
    assert rules.same_day_last_year(date(2026, 11, 30)) == date(2025, 11, 30)
    assert rules.same_day_last_year(date(2024, 2, 29)) == date(2023, 2, 28)  # month end to month end
    assert rules.same_day_last_year(date(2025, 2, 28)) == date(2024, 2, 29)
    assert rules.same_day_last_year(date(2026, 3, 15)) == date(2025, 3, 15)


def test_a_missed_target_never_displays_as_met():
    assert rules.display_decimals(29.99, 30.0, 1, True, "ge") == 2
    assert rules.display_decimals(29.9999, 30.0, 1, True, "ge") == 4
    assert rules.display_decimals(29.99, 30.0, 1, False, "ge") == 1  # a met target keeps the catalogue's
    assert rules.display_decimals(18.0, 18.0, 2, True, "gt") == 2  # 18.00 against > 18.00 reads as missed
    assert rules.gap_decimals(-0.01, 1, True) == 2 and rules.fmt(-0.01, 2, True) == "-0.01"


def test_significance_of_a_rise():
    m = rules.margin(1.0, 1.0)
    assert m == pytest.approx(1.96 * 2**0.5)
    assert rules.significant_rise(1.6, m) is False and rules.significant_rise(3.0, m) is True
    assert rules.significant_rise(0.1, None) is True  # no survey behind it: any rise counts


def test_rate_gaps_are_in_percentage_points():
    assert rules.gap_unit("%", "zh") == "个百分点" and rules.gap_unit("%", "en") == "pp"
    assert rules.gap_unit("件", "zh") == "件"


def test_decimals_come_from_the_indicator_definition():
    assert rules.decimals("overseas_invention_grants") == 0 and rules.decimals("pledge_amount_cagr") == 1
    assert rules.decimals("no_such_indicator") == rules.DEFAULT_DECIMALS


# -- before the target year -----------------------------------------------------------------
def test_level_target_on_a_stock_met_early_says_reached_early(wh):
    trademarks(wh, 150000, date(2019, 1, 1), date(2035, 1, 1))  # 15.0 万件 at the end of 2024
    trademarks(wh, 30001, date(2026, 1, 1), date(2035, 1, 1))  # just over 18 万件 from 2026
    wh.progress(END[2026], END[2027])
    early = wh.progress_row("valid_trademarks", END[2026], plan_id=ACTION)
    assert early["status"] == "target_achieved" and early["verdict"] == "reached_early"
    assert early["status_label_zh"] == "已提前达到目标值"
    final = wh.progress_row("valid_trademarks", END[2027], plan_id=ACTION)
    assert final["verdict"] == "target_achieved" and final["status_label_zh"] == "已实现目标"


def test_growth_target_met_before_the_target_year_is_on_track_not_achieved(wh):
    wh.pledge(registration_date=date(2020, 5, 1))
    for _ in range(3):
        wh.pledge(registration_date=date(2023, 5, 1))
    wh.progress(END[2023])
    r = wh.progress_row("pledge_count_cagr", END[2023])
    assert r["achieved"] is True and r["status"] == "on_track" and r["status_label_zh"] != "已实现目标"


# -- 显著提升 against the margin of error -----------------------------------------------------
def _survey(wh, year, scores):
    for s in scores:
        wh.response(survey_date=date(year, 6, 1), overall_score=s)


@pytest.mark.parametrize(
    "later, status, achieved",
    [
        ([72.0, 89.0] * 5, "limited_progress", False),  # +0.5 points, inside the margin
        ([94.0, 96.0] * 5, "on_track", True),  # +15 points, well outside it
        ([60.0, 80.0] * 5, "deterioration", False),
    ],
)
def test_improvement_is_judged_against_the_surveys_margin(wh, later, status, achieved):
    _survey(wh, 2024, [70.0, 90.0] * 5)  # 80.0, standard error about 3
    _survey(wh, 2026, later)
    _survey(wh, 2027, later)
    wh.progress(END[2026], END[2027])
    r = wh.progress_row("ip_protection_satisfaction", END[2026], plan_id=ACTION)
    assert r["margin"] is not None and r["margin"] > 0
    assert r["status"] == status
    assert "significance_unknown" not in r["flags"]
    compute_plan_outcomes(wh.con, date(2028, 1, 31))
    o = outcome(wh.con, "ip_protection_satisfaction", ACTION)
    assert o["achieved"] is achieved and o["margin"] == pytest.approx(r["margin"])
    assert not achieved_violations(wh.con, load_plans())


def test_a_published_score_has_no_margin_and_says_so(wh):
    wh.published(2024, 80.0)
    wh.published(2027, 80.5)
    wh.progress(END[2027])
    r = wh.progress_row("ip_protection_satisfaction", END[2027], plan_id=ACTION)
    assert r["margin"] is None and "significance_unknown" in r["flags"] and r["status"] == "target_achieved"


# -- displayed values agree with the verdict --------------------------------------------------
@pytest.fixture
def pledges_at_29_99(wh):
    """Pledge amounts growing 29.99 % a year from 2020 to 2025 against the 14th FYP's ≥ 30 %."""
    wh.pledge(registration_date=date(2020, 5, 1), amount_wan=10000.0)
    wh.pledge(registration_date=date(2025, 5, 1), amount_wan=10000.0 * 1.2999**5)
    return wh


def test_29_99_against_30_displays_below_the_target_in_progress_and_outcomes(pledges_at_29_99):
    wh = pledges_at_29_99
    wh.progress(END[2025])
    r = wh.progress_row("pledge_amount_cagr", END[2025])
    assert r["value"] == pytest.approx(29.99, abs=1e-6)
    assert r["achieved"] is False and r["status"] != "target_achieved"
    assert r["value_display"] == "29.99" and r["target_display"] == "30.0"
    compute_plan_outcomes(wh.con, date(2026, 1, 31))
    o = outcome(wh.con, "pledge_amount_cagr")
    assert o["final_status"] == "target_missed" and o["final_label_zh"] == "目标未完成"
    assert o["value_display"] == "29.99" and o["target_display"] == "30.0"
    assert o["target_gap"] == pytest.approx(-0.01, abs=1e-6) and o["gap_display"] == "-0.01"
    assert o["gap_unit_zh"] == "个百分点"
    assert not achieved_violations(wh.con, load_plans())
