"""`IP_PIPELINE_TODAY` pins "today" for every process of a run: the benchmark's pipeline, floor and
peer compare one day even when they cross midnight in Asia/Shanghai."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from ip_pipeline import dates as partitions
from ip_pipeline.ingest import typing_sql

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import _landing  # noqa: E402


def test_pinned_today_moves_partitions_future_dates_and_the_benchmark_together(monkeypatch):
    monkeypatch.setenv("IP_PIPELINE_TODAY", "2026-12-02")
    assert partitions.today_in_yantai() == date(2026, 12, 2)
    assert typing_sql.load_date() == date(2026, 12, 2)  # the future_date cut-off of ingest
    assert partitions.as_of_for_partition("2026-12-01") == date(2026, 12, 2)
    assert _landing.today_in_yantai() == date(2026, 12, 2)  # floor and peer
    assert _landing.as_of_dates(_landing.today_in_yantai())[-1] == date(2026, 12, 2)


def test_a_pinned_today_that_is_not_a_date_is_refused(monkeypatch):
    monkeypatch.setenv("IP_PIPELINE_TODAY", "tomorrow")
    with pytest.raises(ValueError, match="IP_PIPELINE_TODAY='tomorrow' is not a date"):
        partitions.today_in_yantai()
