"""INDICATORS.md §§ 5, 6 — patent-intensive share and satisfaction."""

import math
from datetime import date

import pytest

D = date(2023, 6, 30)


def test_patent_intensive_share_of_the_year(wh):
    wh.economy(2023, 8000.0, 1000.0)
    wh.compute(D)
    r = wh.row("patent_intensive_va_share", D)
    assert r["value"] == pytest.approx(12.5) and r["flags"] == []
    assert (r["numerator"], r["denominator"]) == (1000.0, 8000.0)


def test_economy_lagged_flag(wh):
    wh.economy(2021, 7000.0, 700.0)
    wh.economy(2022, 8000.0, 960.0)
    wh.compute(D)
    r = wh.row("patent_intensive_va_share", D)
    assert r["value"] == pytest.approx(12.0) and r["flags"] == ["lagged:2022"]


def test_published_satisfaction_wins(wh):
    wh.published(2023, 88.5)
    wh.response(survey_date=date(2023, 3, 1), overall_score=70.0)
    wh.compute(D)
    main = wh.row("ip_protection_satisfaction", D)
    assert main["value"] == 88.5 and main["flags"] == ["published"]
    survey = wh.row("ip_protection_satisfaction_survey", D)
    assert survey["value"] == 70.0


def test_survey_estimate_is_weighted_mean_with_sums_as_numerator_and_denominator(wh):
    scores = [(80.0, 1.0), (90.0, 3.0), (60.0, 2.0)]
    for s, w in scores:
        wh.response(survey_date=date(2023, 2, 1), overall_score=s, weight=w)
    wh.response(survey_date=date(2023, 7, 1), overall_score=0.0)  # after D
    wh.response(survey_date=date(2022, 12, 31), overall_score=0.0)  # last year
    wh.compute(D)
    sw = sum(w for _, w in scores)
    sws = sum(s * w for s, w in scores)
    r = wh.row("ip_protection_satisfaction", D)
    assert (r["numerator"], r["denominator"]) == (sws, sw)
    assert r["value"] == pytest.approx(sws / sw)


def test_survey_confidence_interval_uses_kish_effective_n(wh):
    scores = [(80.0, 1.0), (90.0, 3.0), (60.0, 2.0), (75.0, 2.0)]
    for s, w in scores:
        wh.response(survey_date=date(2023, 2, 1), overall_score=s, weight=w)
    wh.compute(D)
    sw = sum(w for _, w in scores)
    mean = sum(s * w for s, w in scores) / sw
    n_eff = sw**2 / sum(w * w for _, w in scores)
    var = sum(w * (s - mean) ** 2 for s, w in scores) / sw * n_eff / (n_eff - 1)
    half = 1.959963984540054 * math.sqrt(var / n_eff)
    est = wh.con.execute(
        "SELECT estimate, ci_low, ci_high, n_responses, n_eff FROM satisfaction_estimates WHERE as_of = ?",
        [D],
    ).fetchall()[0]
    assert est[0] == pytest.approx(mean)
    assert est[1] == pytest.approx(mean - half) and est[2] == pytest.approx(mean + half)
    assert est[3] == 4 and est[4] == pytest.approx(n_eff)


def test_small_sample_flag(wh):
    for _ in range(29):
        wh.response(survey_date=date(2023, 2, 1))
    wh.compute(D)
    assert wh.row("ip_protection_satisfaction", D)["flags"] == ["small_sample"]
    wh.response(survey_date=date(2023, 2, 1))  # the 30th response
    wh.compute(D)
    assert wh.row("ip_protection_satisfaction", D)["flags"] == []


def test_no_responses_gives_null(wh):
    wh.compute(D)
    r = wh.row("ip_protection_satisfaction", D)
    assert r["value"] is None and r["flags"] == ["no_data"]
