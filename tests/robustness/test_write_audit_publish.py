"""Write, audit, publish (ARCHITECTURE.md): a source's new snapshot is validated against its
blocking GX suite before it replaces anything. A snapshot that fails a blocking rule changes no
staged or published table — raw_, stg_, quarantine_, the bookkeeping, the marts, the indicators
are exactly as they were — and the run names the rule and says nothing was published."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from ip_pipeline.defs.runner import run_pipeline
from ip_pipeline.paths import Home
from tests.ingest.conftest import PATENT_HEADER, app_no, patent, write_csv

from .conftest import warehouse_state

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "landing"
# The audit of the failed snapshot is recorded: that is the one table it may change.
AUDIT_RECORD = ("quality_results",)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Home:
    """A hand-made landing (tests/fixtures/landing) after one good run."""
    root = tmp_path_factory.mktemp("wap")
    shutil.copytree(FIXTURE, root / "landing")
    home = Home.of(root)
    outcome = run_pipeline(home, report=False, backup=False)
    assert outcome.success, outcome.message()
    return home


def test_a_snapshot_failing_a_blocking_rule_changes_no_table(published):
    home = published
    before = warehouse_state(home.warehouse, exclude_tables=AUDIT_RECORD)
    assert before["stg_patents"] and before["indicator_values"]  # there is something to keep
    published_patents = (home.landing / "patents" / "example.csv").read_text(encoding="utf-8")
    n = len(published_patents.strip().splitlines()) - 1
    # 4x the patents of the published snapshot: each row is valid (staging keeps them all), but the
    # snapshot breaks the blocking rule "row count within 0.75x-2.5x of the previous snapshot".
    write_csv(
        home.landing / "patents" / "more.csv",
        PATENT_HEADER,
        [patent(app=app_no(2021, 1, 500 + i)) for i in range(3 * n)],
    )

    outcome = run_pipeline(home, report=False, backup=False)

    assert not outcome.success
    text = outcome.message()
    assert "stg_patents" in text and "row count within 0.75x-2.5x of the previous snapshot" in text
    assert "Not published" in text
    after = warehouse_state(home.warehouse, exclude_tables=AUDIT_RECORD)
    assert after == before
    con = duckdb.connect(str(home.warehouse), read_only=True)
    try:  # the refused candidate is gone too
        assert con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE starts_with(table_name, '_candidate_')"
        ).fetchall() == [(0,)]
    finally:
        con.close()
