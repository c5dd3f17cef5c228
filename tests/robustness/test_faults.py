"""Case 3 — faults. A run killed with SIGKILL (instrumented kill points, ip_pipeline/faults.py) leaves
the warehouse as it was before the run or as after it, never in between, and the next run succeeds
with identical indicator_values; a full disk fails cleanly; the enforcement database going away
mid-read keeps the previous snapshot and says so; reruns are byte-identical apart from the vintage.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import uuid
from pathlib import Path

import duckdb
import pytest

from tests.ingest.conftest import PATENT_HEADER, Zone, app_no, patent
from tests.services import require_service

from .conftest import cli, indicator_rows, table_digest, warehouse_state

PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
ENF_HEADER = [
    "案件编号",
    "案件类型",
    "机关类型",
    "办理机关",
    "立案日",
    "结案日",
    "行政区划代码",
    "案值(万元)",
    "罚没款(万元)",
    "当事人",
    "结果",
]


def _touch_patents(home: Path) -> None:
    """A new snapshot of patents with the same content: a second copy of one part (identical rows
    collapse), so ingestion and the indicators really run, and the right answer is the old one."""
    shutil.copy2(home / "landing/patents/patents-0001.csv", home / "landing/patents/patents-0001b.csv")


def _killed(home: Path, point: str, *args: str) -> None:
    done = cli(*args, "--home", str(home), env={"IP_PIPELINE_FAULT": point})
    assert done.returncode == -signal.SIGKILL, (
        f"the kill point {point} was not reached:\n{done.output[-3000:]}"
    )


def _next_run_succeeds_with_the_same_values(home: Path, city: Path, *extra: str) -> None:
    done = cli("run", "--home", str(home), *extra)
    assert done.returncode == 0, done.output[-3000:]
    assert indicator_rows(home / "warehouse.duckdb") == indicator_rows(city / "warehouse.duckdb")


# The log of check evaluations: the checks of sources loaded earlier in the killed run committed
# their results (their own transactions, finished before the kill) — that is "after" for them.
CHECK_LOG = ("quality_results",)


def test_sigkill_during_ingestion(home, city):
    _touch_patents(home)
    before = warehouse_state(home / "warehouse.duckdb", exclude_tables=CHECK_LOG)
    _killed(home, "ingest:before_commit", "run", "--no-report")
    assert warehouse_state(home / "warehouse.duckdb", exclude_tables=CHECK_LOG) == before  # as before the run
    _next_run_succeeds_with_the_same_values(home, city, "--no-report")


def _indicator_runs(warehouse) -> list[tuple]:
    """The indicator steps' records (values, progress) as they were before the run."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "SELECT as_of, step, inputs, computed_at FROM indicator_runs "
            "WHERE step IN ('values', 'progress') ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()


def test_sigkill_during_indicator_writes(home, city):
    _touch_patents(home)
    warehouse = home / "warehouse.duckdb"
    before = {
        "indicator_values": table_digest(warehouse, "indicator_values"),
        "runs": _indicator_runs(warehouse),
    }
    _killed(home, "indicators:before_commit", "run", "--no-report")
    # Ingestion committed before the kill (its own transaction: "after"), and so did the marts
    # (their own step, indicator_runs step 'marts'); the indicators did not.
    assert {
        "indicator_values": table_digest(warehouse, "indicator_values"),
        "runs": _indicator_runs(warehouse),
    } == before
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        files = con.execute("SELECT files FROM source_snapshots WHERE source = 'patents'").fetchall()[0][0]
    finally:
        con.close()
    assert "patents/patents-0001b.csv" in files
    _next_run_succeeds_with_the_same_values(home, city, "--no-report")


def test_sigkill_during_the_report(home, city):
    # the month folders (reports/final/ holds the final evaluations of ended plans)
    month_dir = sorted(p for p in (home / "reports").iterdir() if p.name[:1].isdigit())[-1]
    pdf = month_dir / f"ip_indicators_{month_dir.name}_zh.pdf"
    old_pdf = pdf.read_bytes()
    _touch_patents(home)  # new inputs: the report is rebuilt (an unchanged one is skipped)
    before = table_digest(home / "warehouse.duckdb", "published_values")
    _killed(home, "report:mid_write", "run")
    assert (
        table_digest(home / "warehouse.duckdb", "published_values") == before
    )  # nothing recorded as published
    assert pdf.read_bytes() == old_pdf  # the published report is never half overwritten
    _next_run_succeeds_with_the_same_values(home, city)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.read_bytes().rstrip().endswith(b"%%EOF")
    assert not list(month_dir.glob("*.part"))


def test_reruns_are_byte_identical_apart_from_the_vintage(city, tmp_path):
    """The same landing zone, computed again from nothing in another data directory."""
    home = tmp_path / "again"
    home.mkdir()
    shutil.copytree(city / "landing", home / "landing")
    done = cli("run", "--home", str(home), "--no-report")
    assert done.returncode == 0, done.output[-3000:]
    assert indicator_rows(home / "warehouse.duckdb") == indicator_rows(city / "warehouse.duckdb")
    for source in ("patents", "trademarks", "enforcement"):
        assert table_digest(home / "warehouse.duckdb", f"stg_{source}") == table_digest(
            city / "warehouse.duckdb", f"stg_{source}"
        )


@pytest.fixture
def tiny_disk(tmp_path):
    target = tmp_path / "tiny_disk"
    target.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(target)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill up (needs root): {done.stderr.strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True, timeout=30)


def test_disk_filling_up_fails_cleanly(tmp_path, tiny_disk):
    zone = Zone(tmp_path)
    zone.warehouse = tiny_disk / "warehouse.duckdb"  # the landing zone is elsewhere; the warehouse fills up
    zone.csv("patents", PATENT_HEADER, [patent(app=app_no(2021, 1, i)) for i in range(1, 50)])
    first = zone.stage("patents")
    zone.csv(
        "patents",
        PATENT_HEADER,
        [patent(app=app_no(2021, 1, i), holder=f"烟台{i}有限公司" * 150) for i in range(1, 20_000)],
        name="part2.csv",
    )
    with pytest.raises(duckdb.Error) as failed:
        zone.stage("patents")
    assert "No space left on device" in str(failed.value)  # the cause, not a secondary rollback error
    con = duckdb.connect(
        str(zone.warehouse), read_only=True
    )  # not corrupt: opens, the old snapshot is intact
    try:
        assert con.execute("SELECT count(*) FROM stg_patents").fetchall()[0][0] == first.result.staged
        assert con.execute("SELECT files FROM source_snapshots WHERE source = 'patents'").fetchall()[0][
            0
        ] == ["patents/part1.csv"]
    finally:
        con.close()


@pytest.fixture
def pg_table():
    require_service("PostgreSQL", "127.0.0.1", 5432)
    import sqlalchemy as sa

    table = f"enforcement_cases_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"CREATE TABLE {table} (案件编号 text, 案件类型 text, 机关类型 text, 立案日 date, "
                f"当事人 text)"
            )
        )
        conn.execute(
            sa.text(
                f"INSERT INTO {table} SELECT 'DB-' || g, '假冒专利', '行政', DATE '2024-01-01', '王五' "
                f"FROM generate_series(1, 20000) g"
            )
        )
    yield table
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
    engine.dispose()


def test_enforcement_database_going_away_mid_read(zone, pg_table, monkeypatch):
    """The reading backend is terminated (pg_terminate_backend from another connection) while rows
    stream: the ingest step fails saying the previous snapshot is kept, and it is."""
    import dagster as dg
    import sqlalchemy as sa

    from ip_pipeline.defs.ingestion import build_source_asset
    from ip_pipeline.defs.resources import Warehouse
    from ip_pipeline.defs.runner import failures
    from ip_pipeline.ingest import database

    zone.csv(
        "enforcement",
        ENF_HEADER,
        [["YT-1", "假冒专利", "行政", "", "2024-03-01", "", "370611", "1", "0", "张三", ""]],
    )
    before = zone.stage("enforcement")
    digest = table_digest(zone.warehouse, "stg_enforcement")

    killer = sa.create_engine(PG_URL)
    seen = {"rows": 0}
    original = database._text

    def text_then_pull_the_plug(v):
        seen["rows"] += 1
        if seen["rows"] == 5_000:  # well inside the stream
            with killer.begin() as conn:
                killed = conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                        "AND datname = 'test' AND query LIKE :q"
                    ),
                    {"q": f"%FROM {pg_table}%"},
                ).fetchall()
            assert killed and all(r[0] for r in killed)
        return original(v)

    monkeypatch.setattr(database, "_text", text_then_pull_the_plug)
    monkeypatch.setenv("IP_PIPELINE_ENFORCEMENT_DB_URL", PG_URL)
    monkeypatch.setenv("IP_PIPELINE_ENFORCEMENT_TABLE", pg_table)
    try:
        result = dg.materialize(
            [build_source_asset("enforcement")],
            resources={"warehouse": Warehouse(home=str(zone.root))},
            instance=dg.DagsterInstance.ephemeral(),
            raise_on_error=False,
        )
    finally:
        killer.dispose()
    assert seen["rows"] >= 5_000 and not result.success
    message = " ".join(failures(result))
    assert f"database:{pg_table}" in message and "could not be read" in message, message
    assert "previous snapshot is kept" in message, message
    assert table_digest(zone.warehouse, "stg_enforcement") == digest
    assert before.result.staged == 1


def test_enforcement_database_unreachable(home):
    """Nothing listens on the port: the run fails naming the database (password masked) and keeps the
    previous enforcement snapshot."""
    warehouse = home / "warehouse.duckdb"
    digest = table_digest(warehouse, "stg_enforcement")
    url = "postgresql+psycopg2://ipreader:Tr0ub4dor-secret@127.0.0.1:9/test"
    done = cli("run", "--home", str(home), "--no-report", env={"IP_PIPELINE_ENFORCEMENT_DB_URL": url})
    assert done.returncode != 0
    assert "Traceback" not in done.output and "Tr0ub4dor" not in done.output
    assert (
        "enforcement: database:enforcement_cases: could not be read from "
        "postgresql+psycopg2://ipreader:***@127.0.0.1:9/test" in done.stderr
    ), done.stderr
    assert "previous snapshot is kept" in done.stderr
    assert table_digest(warehouse, "stg_enforcement") == digest
