"""Peer lines on an indicator's chart: the nation's and the province's published figures, joined
only across consecutive years (a gap year breaks the line), and the national target labelled as
the nation's. Checked on the data drawn (the lines' points), not on pixels."""

from __future__ import annotations

import json
import math
from datetime import date

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402 (the backend is chosen first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ip_pipeline.indicators.catalogue import load_plans  # noqa: E402
from ip_pipeline.paths import EXPECTATIONS_DIR  # noqa: E402
from ip_pipeline.report import charts  # noqa: E402
from ip_pipeline.report.model import IndicatorSection  # noqa: E402
from ip_pipeline.report.peers import (  # noqa: E402
    COMPARABLE,
    gapped,
    load_national_targets,
    peer_lines,
    peer_value,
)
from ip_pipeline.report.style import load_style  # noqa: E402
from ip_pipeline.report.texts import Texts  # noqa: E402

HV = "hv_patents_per_10k"


def texts(lang="zh") -> Texts:
    plans = load_plans()
    return Texts(lang, plans[0], load_style(), plans=plans)


def peers(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["year", "level", "indicator_id", "value", "source"])


# National figures for 2021, 2022 and 2025 (2023 and 2024 unpublished), one provincial for 2023.
GAP = peers(
    [
        (2021, "national", HV, 7.5, "CNIPA"),
        (2022, "national", HV, 9.4, "CNIPA"),
        (2025, "national", HV, 16.0, "CNIPA"),
        (2023, "provincial", HV, 8.57, "SD"),
        (2023, "provincial", "pledge_count", 900.0, "SD"),
    ]
)


def segments(line) -> list[list[tuple]]:
    """The runs of points a Line2D joins: split where its y is NaN."""
    out, run = [], []
    for x, y in zip(line.get_xdata(), line.get_ydata()):
        if isinstance(y, float) and math.isnan(y):
            if run:
                out.append(run)
            run = []
        else:
            run.append((x, y))
    return out + ([run] if run else [])


def by_label(ax, label):
    return next(line for line in ax.get_lines() if line.get_label() == label)


def test_gapped_puts_a_break_between_years_that_are_not_consecutive():
    xs, ys = gapped([2025, 2021, 2022], [16.0, 7.5, 9.4])
    assert xs == [2021, 2022, None, 2025]
    assert ys[:2] == [7.5, 9.4] and np.isnan(ys[2]) and ys[3] == 16.0


def test_a_gap_year_draws_no_line_across_the_gap():
    t = texts()
    fig, ax = plt.subplots()
    try:
        handles = peer_lines(ax, GAP, HV, t, lambda y: y)
        national = by_label(ax, "全国")
        assert segments(national) == [[(2021, 7.5), (2022, 9.4)], [(2025, 16.0)]]
        # Nothing is drawn for the unpublished years: no interpolated 2023 or 2024 point.
        assert not any(x in (2023, 2024) for run in segments(national) for x, _ in run)
        assert national.get_marker() == "^"  # the lone 2025 figure shows as a marker
        provincial = by_label(ax, "山东省")
        assert segments(provincial) == [[(2023, 8.57)]] and provincial.get_marker() == "s"
        assert len(handles) == 2
    finally:
        plt.close(fig)


def test_a_count_is_never_compared_across_levels():
    fig, ax = plt.subplots()
    try:
        assert peer_lines(ax, GAP, "pledge_count", texts(), lambda y: y) == []
        assert ax.get_lines() == []
    finally:
        plt.close(fig)


def test_the_national_target_is_a_reference_line_labelled_as_the_nations():
    target = load_national_targets()[HV]
    assert (target.year, target.value) == (2025, 12.0)
    fig, ax = plt.subplots()
    try:
        handles = peer_lines(ax, GAP, HV, texts("en"), lambda y: y, target)
        line = handles[-1]
        assert list(line.get_ydata()) == [12.0, 12.0]
        assert line.get_label().startswith("China's 2025 target") and "Yantai" not in line.get_label()
    finally:
        plt.close(fig)


def test_the_city_chart_draws_the_peers_at_their_year_ends_with_the_gap():
    plan = load_plans()[0]
    ind = plan.indicator(HV)
    months = pd.date_range("2021-01-31", "2026-10-31", freq="ME").date
    sec = IndicatorSection(
        indicator=ind,
        as_of=date(2026, 10, 31),
        value=14.0,
        numerator=None,
        denominator=None,
        flags=[],
        prev_value=None,
        year_ago_value=None,
        progress=None,
        series=pd.DataFrame({"as_of": months, "value": np.linspace(8, 14, len(months))}),
        path=pd.DataFrame(columns=["as_of", "expected_value"]),
        districts=pd.DataFrame(columns=["district_code", "name_zh", "name_en", "value"]),
    )
    fig, ax = plt.subplots()
    try:
        charts.series_chart(ax, sec, texts(), peers=GAP, national_target=load_national_targets()[HV])
        national = by_label(ax, "全国")
        runs = segments(national)
        assert [[pd.Timestamp(x).date() for x, _ in run] for run in runs] == [
            [date(2021, 12, 31), date(2022, 12, 31)],
            [date(2025, 12, 31)],
        ]
        legend = [x.get_text() for x in ax.get_legend().get_texts()]
        assert "全国" in legend and "山东省" in legend and any(s.startswith("全国2025年目标") for s in legend)
    finally:
        plt.close(fig)


def test_without_peers_the_chart_is_drawn_as_before():
    fig, ax = plt.subplots()
    try:
        assert peer_lines(ax, peers([]), HV, texts(), lambda y: y) == []
        assert ax.get_lines() == []
    finally:
        plt.close(fig)


def test_peer_value_is_that_years_figure_or_none():
    assert peer_value(GAP, HV, "national", 2022) == 9.4
    assert peer_value(GAP, HV, "national", 2023) is None  # never a neighbouring year's
    assert peer_value(peers([]), HV, "national", 2022) is None


def test_the_suite_and_the_report_agree_on_what_is_comparable():
    suite = json.loads((EXPECTATIONS_DIR / "stg_peers.json").read_text(encoding="utf-8"))
    sets = [
        e["kwargs"]["value_set"]
        for e in suite["expectations"]
        if e["type"] == "expect_column_values_to_be_in_set" and e["kwargs"]["column"] == "indicator_id"
    ]
    assert sets and set(sets[0]) == COMPARABLE
