"""One rule decides an empty source (ingest/empty_sources.py: no published snapshot of it ever
had a row), and staging, the run's notes, the engine and the report all read it: a source that
had data and was accepted down to zero rows, or whose every row is quarantined, is not one."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from ip_pipeline.db import connect
from ip_pipeline.defs.runner import empty_source_notes
from ip_pipeline.ingest import holds
from ip_pipeline.ingest.empty_sources import is_empty_source
from ip_pipeline.ingest.errors import SnapshotHeld
from ip_pipeline.paths import Home
from tests.indicators.builder import WarehouseBuilder
from tests.ingest.conftest import app_no, zone  # noqa: F401  (the fixture)

AWARDS_HEADER = ["申请号", "奖项", "年度"]


def empty(zone, source: str) -> bool:  # noqa: F811 (a pytest fixture)
    con = connect(zone.warehouse, read_only=True)
    try:
        return is_empty_source(con, source)
    finally:
        con.close()


def test_an_accepted_shrink_to_zero_stays_a_source_with_data(zone):  # noqa: F811 (a pytest fixture)
    zone.csv("awards", AWARDS_HEADER, [[app_no(2020, 1, i), "中国专利优秀奖", 2022] for i in range(6)])
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
    # a later night of header-only files: the last snapshot had no rows, the source still had data
    zone.csv("awards", AWARDS_HEADER, [])
    later = zone.stage("awards").result
    assert later.raw == 0 and not later.empty_source
    assert not any("an empty source" in w for w in later.warnings)
    assert not empty(zone, "awards")
    assert not any(n.startswith("awards:") for n in empty_source_notes(Home.of(zone.root)))


def test_a_snapshot_of_only_quarantined_rows_is_not_an_empty_source(zone):  # noqa: F811 (a pytest fixture)
    zone.csv(
        "awards", AWARDS_HEADER, [["not a number", "中国专利优秀奖", 2022], [app_no(2020, 1, 1), "", 2022]]
    )
    staged = zone.stage("awards").result
    assert staged.raw == staged.quarantined == 2 and staged.staged == 0
    assert not staged.empty_source
    assert not empty(zone, "awards")
    assert not any(n.startswith("awards:") for n in empty_source_notes(Home.of(zone.root)))


def test_a_header_only_first_delivery_is_an_empty_source(zone):  # noqa: F811 (a pytest fixture)
    zone.csv("awards", AWARDS_HEADER, [])
    assert zone.stage("awards").result.empty_source
    assert empty(zone, "awards")
    assert [n for n in empty_source_notes(Home.of(zone.root)) if n.startswith("awards:")]


@pytest.fixture
def wh():
    import duckdb

    con = duckdb.connect(":memory:")
    yield WarehouseBuilder(con)
    con.close()


def test_the_engine_counts_a_measured_zero_for_a_source_that_had_data(wh):
    """pledges had a snapshot with rows, the current one has none: pledge_count is 0, not no_data."""
    wh.con.execute("DELETE FROM source_snapshots_history WHERE source = 'pledges'")
    wh.con.execute(
        "INSERT INTO source_snapshots_history (source, raw_rows, staged_rows) VALUES ('pledges', 4, 4), ('pledges', 0, 0)"
    )
    wh.compute(date(2025, 6, 30))
    row = wh.row("pledge_count", date(2025, 6, 30))
    assert row["value"] == 0 and "no_data" not in (row["flags"] or [])


def test_the_engine_says_no_data_for_a_source_that_never_had_data(wh):
    wh.never_delivered("pledges")
    wh.con.execute(
        "INSERT INTO source_snapshots_history (source, raw_rows, staged_rows) VALUES ('pledges', 0, 0)"
    )
    wh.compute(date(2025, 6, 30))
    row = wh.row("pledge_count", date(2025, 6, 30))
    assert row["value"] is None and row["flags"] == ["no_data"]


def test_the_report_lists_as_no_data_only_the_sources_that_never_had_data():
    import duckdb

    from ip_pipeline.ingest.staging import ensure_bookkeeping
    from ip_pipeline.report.data_quality import has_no_data, read_sources
    from ip_pipeline.report.queries import table_names

    con = duckdb.connect(":memory:")
    try:
        ensure_bookkeeping(con)
        con.execute(
            "INSERT INTO source_snapshots (source, snapshot_at, raw_rows, staged_rows) VALUES "
            "('pledges', now(), 0, 0), ('trademarks', now(), 0, 0), ('enforcement', now(), 3, 0)"
        )
        con.execute(
            "INSERT INTO source_snapshots_history (source, raw_rows, staged_rows) VALUES "
            "('pledges', 10, 10), ('pledges', 0, 0), ('trademarks', 0, 0), ('enforcement', 3, 0)"
        )
        rows = {r["source"]: r for r in read_sources(con, table_names(con), []).to_dict("records")}
    finally:
        con.close()
    # pledges: shrunk to zero after data; enforcement: every row quarantined; awards: never loaded
    assert {s for s, r in rows.items() if has_no_data(r)} >= {"trademarks", "awards"}
    assert not has_no_data(rows["pledges"]) and not has_no_data(rows["enforcement"])
