"""Which expectations apply to a snapshot (meta.needs, quality/applicability.py): an empty source
(no folder, an empty folder, header-only files) and a source's first snapshot, arriving on a
later night than the others, pass their suites; the rules they cannot meet are reported as not
applicable with the reason, never as passed."""

from __future__ import annotations

import pytest

from ip_pipeline.defs.quality_checks import check_result
from ip_pipeline.defs.resources import Warehouse
from ip_pipeline.quality.applicability import Snapshot, applicable_suite, not_applicable
from ip_pipeline.quality.suites import list_suites, load_suite
from ip_pipeline.quality.table_check import run_table_check
from tests.ingest.conftest import app_no, zone  # noqa: F401  (the fixture)

AWARDS_HEADER = ["申请号", "奖项", "年度"]
ROW_COUNT = "row count within 0.75x-3x of the previous snapshot"
ONE_SNAPSHOT = "all rows come from one snapshot"


def awards(n: int, start: int = 0) -> list[list]:
    return [[app_no(2020, 1, start + i), "中国专利优秀奖", 2022] for i in range(n)]


def check(zone):  # noqa: F811 (a pytest fixture)
    result = run_table_check("stg_awards", Warehouse(home=str(zone.root)), use_cache=False)
    left_out = {s["rule"].split(" (")[0]: s["reason"] for s in result.not_applicable}
    return result, left_out


@pytest.mark.parametrize("shape", ["absent", "empty folder", "header only"])
def test_an_empty_source_passes_and_says_which_rules_do_not_apply(zone, shape):  # noqa: F811 (a pytest fixture)
    if shape == "empty folder":
        (zone.landing / "awards").mkdir(parents=True)
    elif shape == "header only":
        zone.csv("awards", AWARDS_HEADER, [])
    staged = zone.stage("awards").result
    assert staged.raw == staged.staged == staged.quarantined == 0
    assert staged.empty_source
    assert sum("an empty source" in w for w in staged.warnings) == 1

    result, left_out = check(zone)
    assert result.passed and not result.errors, result.message
    assert (
        left_out[ROW_COUNT] == "first snapshot of the source: no previous snapshot to compare with; "
        "the snapshot has no rows"
    )
    assert left_out[ONE_SNAPSHOT] == "the snapshot has no rows"
    suite = load_suite("stg_awards")
    assert result.evaluated == len(suite["expectations"]) - len(result.not_applicable)
    assert "Not applicable, so not evaluated" in result.message
    meta = check_result(result).metadata
    assert meta["not_applicable_expectations"].value == len(result.not_applicable) == 3
    assert ROW_COUNT in meta["not_applicable"].value


def test_a_first_snapshot_on_a_later_night_is_not_compared_then_is(zone):  # noqa: F811 (a pytest fixture)
    zone.stage("awards")  # night 1: no folder, an empty source
    zone.csv("awards", AWARDS_HEADER, awards(6))  # night 2: the first delivery
    second = zone.stage("awards").result
    assert second.staged == 6 and not second.empty_source
    result, left_out = check(zone)
    assert result.passed, result.message
    assert left_out == {
        ROW_COUNT: "the previous snapshot had no rows: nothing to compare with",
        "row count within 0.9x-2x of the previous snapshot": "the previous snapshot had no rows: nothing to compare with",
    }
    assert ONE_SNAPSHOT not in left_out  # it has rows: the rule is evaluated

    zone.csv("awards", AWARDS_HEADER, awards(30))  # night 3: five times as many rows
    zone.stage("awards")
    result, left_out = check(zone)
    assert left_out == {}
    assert not result.passed
    assert [f.rule.split(" (")[0] for f in result.errors] == [ROW_COUNT]


def test_a_source_whose_first_snapshot_has_rows_skips_only_the_comparisons(zone):  # noqa: F811 (a pytest fixture)
    zone.csv("awards", AWARDS_HEADER, awards(6))
    zone.stage("awards")
    result, left_out = check(zone)
    assert result.passed
    assert set(left_out) == {ROW_COUNT, "row count within 0.9x-2x of the previous snapshot"}
    assert all(r.startswith("first snapshot of the source") for r in left_out.values())


@pytest.mark.parametrize("table", [t for t in list_suites() if load_suite(t)["meta"].get("source")])
def test_every_source_suite_says_what_its_row_count_rules_need(table):
    """A rule relative to the previous snapshot must say it needs one, else it fails every first
    delivery, and rows: a shrink to zero a person accepted is not judged again."""
    suite = load_suite(table)
    for exp in suite["expectations"]:
        if "row_count_vs_previous" in exp["meta"]:
            assert exp["meta"].get("needs") == ["previous_snapshot", "rows"], exp["meta"]["rule"]


def test_unknown_needs_are_refused():
    suite = {"expectations": [{"type": "expect_table_row_count_to_be_between", "meta": {"needs": ["moon"]}}]}
    with pytest.raises(ValueError, match="moon"):
        not_applicable(suite, Snapshot(rows=1, previous_rows=1))


def test_applicable_suite_keeps_positions():
    suite = {
        "expectations": [
            {"type": "a", "meta": {"_position": 0, "needs": "rows"}},
            {"type": "b", "meta": {"_position": 1}},
        ]
    }
    skipped = not_applicable(suite, Snapshot(rows=0, previous_rows=None))
    assert [s["position"] for s in skipped] == [0]
    assert [e["type"] for e in applicable_suite(suite, skipped)["expectations"]] == ["b"]


def test_an_accepted_shrink_to_zero_is_not_judged_again(zone):  # noqa: F811 (a pytest fixture)
    """Not an empty source: it had data. A person accepted the drop to zero (`ip-pipeline
    accept`): the rules that need rows do not apply, and the snapshot passes (so it is published)."""
    import shutil

    from ip_pipeline.db import connect
    from ip_pipeline.ingest import holds
    from ip_pipeline.ingest.errors import SnapshotHeld

    zone.csv("awards", AWARDS_HEADER, awards(6))
    zone.stage("awards")
    shutil.rmtree(zone.landing / "awards")
    with pytest.raises(SnapshotHeld):
        zone.stage("awards")
    con = connect(zone.warehouse)
    try:
        holds.accept(con, "awards")
    finally:
        con.close()
    assert not zone.stage("awards").result.empty_source
    result, left_out = check(zone)
    assert result.passed, result.message
    assert left_out[ROW_COUNT] == "the snapshot has no rows"
