"""reference/peers.csv: optional, the shipped default when the landing has none, and a blocking
check whose message names the offending row (SOURCES.md § reference, BULLETIN.md Context)."""

from __future__ import annotations

import csv

import pytest

from ip_pipeline.db import connect
from ip_pipeline.defs.resources import Warehouse
from ip_pipeline.ingest.reference import DEFAULT_PREFIX, DEFAULTS_DIR, stage_reference
from ip_pipeline.quality.table_check import run_table_check

HEADER = ["year", "level", "indicator_id", "value", "source"]


def stage(zone):
    con = connect(zone.warehouse)
    try:
        result = stage_reference(con, zone.landing)
        peers = con.execute("SELECT * FROM stg_peers ORDER BY _row_number").df()
    finally:
        con.close()
    return result, peers


def check(zone):
    return run_table_check("stg_peers", Warehouse(home=str(zone.root)), use_cache=False)


def shipped_rows() -> list[dict]:
    with open(DEFAULTS_DIR / "peers.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_a_landing_without_peers_stages_the_shipped_default(zone):
    result, peers = stage(zone)
    assert not (zone.landing / "reference" / "peers.csv").exists()
    shipped = shipped_rows()
    assert len(peers) == len(shipped) > 0
    assert set(peers["_source_file"]) == {DEFAULT_PREFIX + "peers.csv"}
    # The default is not a file the office delivered: it is not listed among the snapshot's files.
    assert all(f.startswith("reference/") for f in result.files)
    first = peers.iloc[0]
    assert (int(first["year"]), first["level"], first["indicator_id"], float(first["value"])) == (
        int(shipped[0]["year"]),
        shipped[0]["level"],
        shipped[0]["indicator_id"],
        float(shipped[0]["value"]),
    )
    assert all(r["source"] for r in shipped)
    verdict = check(zone)
    assert verdict.passed, verdict.message


def test_the_office_file_replaces_the_default(zone):
    zone.csv(
        "reference",
        HEADER,
        [[2024, "provincial", "patent_intensive_va_share", "13.5", "山东省统计局"]],
        name="peers.csv",
    )
    result, peers = stage(zone)
    assert peers[["year", "level", "value"]].values.tolist() == [[2024, "provincial", 13.5]]
    assert "reference/peers.csv" in result.files
    assert check(zone).passed


@pytest.mark.parametrize(
    ("row", "rule"),
    [
        ([2023, "national", "patent_intensive_va_share", "130", "NBS"], "a share, score or rate is in 0-100"),
        ([2023, "nationwide", "hv_patents_per_10k", "9.1", "CNIPA"], "level is national or provincial"),
        ([2023, "provincial", "pledge_count", "120", "SD"], "comparable across levels"),
        ([2023, "national", "hv_patents_per_10k", "n/a", "CNIPA"], "value is required"),
        (["20x3", "national", "hv_patents_per_10k", "9.1", "CNIPA"], "year is required"),
    ],
)
def test_a_malformed_row_is_refused_naming_the_row(zone, row, rule):
    good = [2022, "national", "hv_patents_per_10k", "9.4", "CNIPA, Jan 2023"]
    zone.csv(
        "reference",
        HEADER,
        [good, good[:2] + ["ip_protection_satisfaction", "81.25", "CNIPA"], row],
        name="peers.csv",
    )
    stage(zone)
    verdict = check(zone)
    assert not verdict.passed and verdict.severity == "ERROR"
    assert rule in verdict.message, verdict.message
    # The sentence names the file and the data row (the third) that broke the rule.
    assert "_source_file reference/peers.csv, _row_number 3" in verdict.message, verdict.message
    assert "_row_number 1" not in verdict.message and "_row_number 2," not in verdict.message


def test_a_repeated_key_is_refused(zone):
    row = [2022, "national", "hv_patents_per_10k", "9.4", "CNIPA"]
    zone.csv("reference", HEADER, [row, row], name="peers.csv")
    stage(zone)
    verdict = check(zone)
    assert not verdict.passed
    assert "key (year, level, indicator_id) is unique" in verdict.message
