"""The manifest is the expected outcome of ingestion: check it against the real staging."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import duckdb

from ip_pipeline.ingest import contracts, reference, staging
from ip_pipeline.sample import generate_sample


def test_ingestion_quarantines_exactly_what_the_manifest_says(tmp_path):
    manifest = generate_sample(
        tmp_path, scale=0.05, seed=5, end=dt.date(2026, 11, 29), dirt_rate=0.05, progress=False
    )
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    reference.stage_reference(con, tmp_path / "landing")
    for source, entry in manifest["sources"].items():
        staging.stage_source(con, contracts.load_contract(source), tmp_path / "landing")
        reasons = Counter(
            dict(con.execute(f"select reason, count(*) from quarantine_{source} group by 1").fetchall())
        )
        raw = con.execute(f"select count(*) from raw_{source}").fetchone()[0]
        staged = con.execute(f"select count(*) from stg_{source}").fetchone()[0]
        assert raw == entry["rows_written"], source
        assert reasons == Counter(entry["expected_quarantine"]), source
        assert raw - staged - sum(reasons.values()) == entry["identical_duplicates"], source
        if source != "awards":  # awards take their scope from the patent
            outside = con.execute(f"select count(*) from stg_{source} where not in_scope").fetchone()[0]
            assert outside == entry["out_of_scope"], source
