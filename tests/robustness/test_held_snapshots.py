"""max_shrink (SOURCES.md): a snapshot with fewer rows than the previous one by more than the
source's max_shrink (default 5 %) is held — refused for its source naming the drop, the previous
snapshot kept whole (raw_, stg_, quarantine_, source_snapshots), and `ip-pipeline accept`
named. A source that had data and now has no files is a shrink to zero. A refused snapshot
never replaces a table (staging is all-or-nothing per source, refusal included)."""

from __future__ import annotations

import dataclasses
import shutil

import duckdb
import pytest

from ip_pipeline.ingest import holds
from ip_pipeline.ingest.contracts import ContractError, load_contract, parse_share
from ip_pipeline.ingest.errors import SnapshotHeld
from ip_pipeline.ops.recovery import RecoveryError, accept_snapshot
from ip_pipeline.paths import Home
from tests.ingest.conftest import PATENT_HEADER, app_no, patent

from .conftest import cli, table_digest

TABLES = ("raw_patents", "stg_patents", "quarantine_patents", "source_snapshots")


def _patents(zone, n: int, name: str = "part1.csv", bad: int = 0) -> None:
    rows = [patent(app=app_no(2021, 1, i)) for i in range(n)]
    rows += [patent(app=app_no(2021, 1, 90_000 + i), filed="not a date") for i in range(bad)]
    zone.csv("patents", PATENT_HEADER, rows, name=name)


def _state(zone) -> dict:
    return {t: table_digest(zone.warehouse, t) for t in TABLES}


def _stage_patents(zone, contract=None):
    from ip_pipeline.db import connect
    from ip_pipeline.ingest.reference import stage_reference
    from ip_pipeline.ingest.staging import stage_source

    con = connect(zone.warehouse)
    try:
        stage_reference(con, zone.landing)
        return stage_source(con, contract or load_contract("patents"), zone.landing)
    finally:
        con.close()


def test_a_snapshot_shrunk_by_more_than_max_shrink_is_held_and_nothing_is_replaced(zone):
    _patents(zone, 100, bad=3)
    zone.stage("patents")
    before = _state(zone)
    _patents(zone, 90)  # 90 rows where there were 103: 12.6 % fewer
    with pytest.raises(SnapshotHeld) as held:
        _stage_patents(zone)
    text = held.value.paragraph
    assert (
        "patents/" in text and "90 rows, 12.6 % fewer than the previous one" in text and "(103 rows)" in text
    )
    assert "max_shrink 5.0 %" in text and "The previous snapshot is kept." in text
    assert f"ip-pipeline accept --source patents --home {zone.root}" in text
    assert _state(zone) == before  # raw_, stg_, quarantine_ and the bookkeeping: untouched


def test_a_small_shrink_within_max_shrink_loads(zone):
    _patents(zone, 100)
    zone.stage("patents")
    _patents(zone, 96)  # 4 % fewer
    assert zone.stage("patents").result.staged == 96


def test_max_shrink_is_per_source(zone):
    _patents(zone, 100)
    zone.stage("patents")
    _patents(zone, 85)
    loose = dataclasses.replace(load_contract("patents"), max_shrink=0.2)
    assert _stage_patents(zone, loose).staged == 85


@pytest.mark.parametrize("how", ["emptied", "removed"])
def test_a_source_that_had_data_and_now_has_no_files_is_a_shrink_to_zero(zone, how):
    _patents(zone, 10)
    zone.stage("patents")
    before = _state(zone)
    folder = zone.landing / "patents"
    if how == "emptied":
        (folder / "part1.csv").unlink()
    else:
        shutil.rmtree(folder)
    loose = dataclasses.replace(
        load_contract("patents"), max_shrink=1.0
    )  # even "accept any drop" holds a zero
    with pytest.raises(SnapshotHeld) as held:
        _stage_patents(zone, loose)
    assert "no files (folder empty or gone)" in held.value.problem and "10 rows" in held.value.problem
    assert _state(zone) == before


def test_accept_loads_the_held_snapshot_once_and_only_that_one(zone):
    _patents(zone, 100)
    zone.stage("patents")
    _patents(zone, 50)
    with pytest.raises(SnapshotHeld):
        _stage_patents(zone)
    a = accept_snapshot(Home.of(zone.root), "patents")
    assert (a.rows, a.previous_rows) == (50, 100)
    assert _stage_patents(zone).staged == 50
    con = duckdb.connect(str(zone.warehouse), read_only=True)
    try:
        assert con.execute("SELECT source, rows, previous_rows FROM accepted_snapshots").fetchall() == [
            ("patents", 50, 100)
        ]
        assert con.execute("SELECT count(*) FROM snapshot_holds").fetchall() == [(0,)]
    finally:
        con.close()
    _patents(zone, 20)  # a further drop is judged afresh
    with pytest.raises(SnapshotHeld):
        _stage_patents(zone)


def test_accept_refuses_when_nothing_is_held_or_the_files_changed_since(zone):
    _patents(zone, 100)
    zone.stage("patents")
    with pytest.raises(RecoveryError, match="no snapshot of patents is held"):
        accept_snapshot(Home.of(zone.root), "patents")
    _patents(zone, 50)
    with pytest.raises(SnapshotHeld):
        _stage_patents(zone)
    _patents(zone, 40)  # the export changed again after the run held it
    with pytest.raises(RecoveryError, match="changed since the run held them"):
        accept_snapshot(Home.of(zone.root), "patents")


def test_a_source_that_never_had_data_is_not_held(zone):
    (zone.landing / "patents").mkdir(parents=True, exist_ok=True)
    assert _stage_patents(zone).staged == 0


@pytest.mark.parametrize("raw,value", [(0.05, 0.05), ("5 %", 0.05), ("12.5%", 0.125), (1, 1.0)])
def test_max_shrink_spellings(raw, value):
    assert parse_share(raw, "x") == pytest.approx(value)


@pytest.mark.parametrize("raw", ["-1", "150 %", "lots"])
def test_max_shrink_out_of_range_is_a_contract_error(raw):
    with pytest.raises(ContractError):
        parse_share(raw, "sources/patents.yaml: max_shrink")


def test_every_source_yaml_states_its_max_shrink():
    from ip_pipeline.ingest.contracts import SOURCE_NAMES

    for name in SOURCE_NAMES:
        assert 0 < load_contract(name).max_shrink < 1, name


def test_cli_emptied_folder_is_held_staged_tables_kept_and_accept_then_run_loads_it(home):
    """Through the real CLI: the run fails for patents naming the drop and `accept`; reconcile and
    explain still see the previous snapshot (it is not replaced by an empty table); the other
    sources and the published values are unchanged; accept + run loads the new snapshot."""
    warehouse = home / "warehouse.duckdb"
    before = {t: table_digest(warehouse, t) for t in TABLES + ("indicator_values",)}
    for f in (home / "landing/patents").iterdir():
        f.unlink()
    done = cli("run", "--home", str(home), "--no-report")
    assert done.returncode == 1, done.output
    assert "Traceback" not in done.output
    assert "patents: patents/: no files (folder empty or gone) where the previous snapshot" in done.stderr
    assert f"ip-pipeline accept --source patents --home {home}" in done.stderr
    assert {t: table_digest(warehouse, t) for t in before} == before
    rec = cli("reconcile", "--home", str(home), "--format", "json", timeout=120)
    assert rec.returncode == 0 and '"source": "patents"' in rec.stdout and '"raw": 0' not in rec.stdout
    acc = cli("accept", "--home", str(home), "--source", "patents", timeout=120)
    assert acc.returncode == 0, acc.output
    assert "Accepted the held patents snapshot: 0 rows" in acc.stdout
    done = cli("run", "--home", str(home), "--no-report")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM stg_patents").fetchall() == [(0,)]
    finally:
        con.close()


def test_holds_shrink_rule():
    prev = holds.Previous(100, None)
    assert holds.shrink(prev, 95, 0.05) is None  # exactly 5 %: not more than max_shrink
    assert holds.shrink(prev, 94, 0.05) == pytest.approx(0.06)
    assert holds.shrink(prev, 0, 1.0) == pytest.approx(1.0)  # zero is always held
    assert holds.shrink(None, 0, 0.05) is None  # never had data
    assert holds.shrink(holds.Previous(0, None), 0, 0.05) is None
