"""A damaged warehouse is recoverable: verified backup generations after each good run, doctor
tells damage from a lock and names the damaged file (warehouse or Dagster storage), `restore`
brings back the last good generation, `rebuild` recomputes from the landing zone keeping the
published-values history."""

from __future__ import annotations

import os
import random
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from ip_pipeline.ops.backups import DamagedDatabase, generations, make_backup, scan, table_file
from ip_pipeline.paths import Home

from .conftest import cli, indicator_rows, table_digest


def _doctor(home: Path):
    done = cli("doctor", "--home", str(home), timeout=120)
    assert "Traceback" not in done.output
    return done


def _line(done, topic: str) -> str:
    return "\n".join(line for line in done.stdout.splitlines() if line[7:].startswith(topic))


def _truncate(path: Path) -> None:
    with open(path, "r+b") as fh:
        fh.truncate(os.path.getsize(path) // 2)


def _compact(path: Path) -> None:
    """Rewrite the DuckDB file with no free blocks (a run leaves blocks of replaced snapshots free,
    and random bytes there hurt nobody), so that the middle of the file is table data."""
    fresh = path.with_name(f"compact-{path.name}")
    con = duckdb.connect(str(path), read_only=True)
    try:
        db = con.execute("SELECT current_database()").fetchall()[0][0]
        con.execute(f"ATTACH '{fresh}' AS fresh (READ_WRITE)")
        con.execute(f'COPY FROM DATABASE "{db}" TO fresh')
        con.execute("CHECKPOINT fresh")
        con.execute("DETACH fresh")
    finally:
        con.close()
    Path(f"{fresh}.wal").unlink(missing_ok=True)
    os.replace(fresh, path)


def _scribble(path: Path, seed: int = 3) -> None:
    """4 KiB of random bytes in the used middle of the file (a bad sector, a stray write)."""
    _compact(path)
    size = os.path.getsize(path)
    r = random.Random(seed)
    with open(path, "r+b") as fh:
        fh.seek(r.randrange(size // 3, size * 2 // 3))
        fh.write(r.randbytes(4096))


def test_a_good_run_leaves_a_verified_backup(city):
    gens = generations(Home.of(city))
    assert len(gens) == 1 and gens[0].path.parent == city / "backups"
    checked = scan(gens[0].path)
    con = duckdb.connect(str(city / "warehouse.duckdb"), read_only=True)
    try:
        assert (
            checked.indicator_values
            == con.execute("SELECT count(*) FROM indicator_values").fetchall()[0][0]
            > 0
        )
    finally:
        con.close()


def test_backups_keep_n_generations_newest_first(home):
    h = Home.of(home)
    t0 = datetime(2030, 1, 1)
    made = [make_backup(h, keep=3, now=t0 + timedelta(minutes=i)).path for i in range(4)]
    gens = generations(h)
    assert [g.path for g in gens] == made[::-1][:3]  # the oldest two (the run's and the first) are gone
    assert all(g.number == i + 1 for i, g in enumerate(gens))


def test_the_runs_backup_is_reused_while_the_warehouse_is_unchanged(home):
    """A no-op night copies nothing: the newest generation is the backup while the warehouse file
    is the one it was copied from; reads leave it so; the first write makes a new generation."""
    h = Home.of(home)
    first = make_backup(h, now=datetime(2030, 1, 1), reuse_unchanged=True)
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    con.execute("SELECT count(*) FROM indicator_values").fetchall()
    con.close()
    again = make_backup(h, now=datetime(2030, 1, 2), reuse_unchanged=True)
    assert again.reused and again.path == first.path and not first.reused
    assert generations(h)[0].path == first.path
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    con.execute("CREATE TABLE written_after_the_backup AS SELECT 1 AS x")
    con.close()
    third = make_backup(h, now=datetime(2030, 1, 3), reuse_unchanged=True)
    assert not third.reused and third.path != first.path and generations(h)[0].path == third.path
    assert "written_after_the_backup" in scan(third.path).tables


def test_a_damaged_warehouse_is_never_copied_into_a_backup(home):
    h = Home.of(home)
    before = [g.path for g in generations(h)]
    _scribble(home / "warehouse.duckdb")
    with pytest.raises(DamagedDatabase):
        make_backup(h)
    assert [g.path for g in generations(h)] == before
    assert not list((home / "backups").glob(".*tmp*"))


def test_truncated_warehouse_is_damaged_not_locked_and_restore_brings_it_back(home):
    warehouse = home / "warehouse.duckdb"
    values = indicator_rows(warehouse)
    _truncate(warehouse)
    done = _doctor(home)
    assert done.returncode == 1
    line = _line(done, "warehouse")
    assert "locked" not in line
    assert f"{warehouse} is damaged: it cannot be opened" in line and "ip-pipeline restore" in line
    r = cli("restore", "--home", str(home), timeout=120)
    assert r.returncode == 0, r.output
    assert "Restored backup generation 1" in r.stdout and "The file it replaced is kept as" in r.stdout
    assert indicator_rows(warehouse) == values
    assert list((home / "backups").glob("replaced-warehouse-*.duckdb"))  # never deleted
    assert "[FAIL]" not in _doctor(home).stdout


def test_random_bytes_inside_are_caught_by_doctor_naming_the_table(home):
    warehouse = home / "warehouse.duckdb"
    _scribble(warehouse)
    done = _doctor(home)
    assert done.returncode == 1
    line = _line(done, "warehouse")
    assert f"{warehouse} is damaged (reading table " in line and "checksum" in line
    assert "ip-pipeline restore" in line and "ip-pipeline rebuild" in line


def test_restore_a_chosen_generation_and_refuse_a_missing_one(home):
    h = Home.of(home)
    make_backup(h, now=datetime(2030, 1, 1))
    r = cli("restore", "--home", str(home), "--generation", "2", timeout=120)
    assert r.returncode == 0 and "Restored backup generation 2" in r.stdout, r.output
    r = cli("restore", "--home", str(home), "--generation", "9", timeout=120)
    assert r.returncode == 2 and "no backup generation 9: there are 2" in r.stderr


def test_restore_skips_a_damaged_newest_generation(home):
    """The newest generation's own table file is damaged (a table written after the run's
    backup: its file is not shared with the older generation)."""
    h = Home.of(home)
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    con.execute("CREATE TABLE written_after_the_backup AS SELECT range AS x FROM range(100000)")
    con.close()
    newest = make_backup(h, now=datetime(2030, 1, 1))
    assert newest.written == 1
    damaged = table_file(generations(h)[0], "written_after_the_backup")
    _scribble(damaged)
    r = cli("restore", "--home", str(home), timeout=120)
    assert r.returncode == 0, r.output
    assert "Restored backup generation 2" in r.stdout


def _damage_sqlite(path: Path) -> None:
    with open(path, "r+b") as fh:
        fh.seek(0)
        fh.write(b"this is not an SQLite header at all")


def test_damaged_dagster_storage_is_named_by_doctor_and_run_and_restore_sets_it_aside(home):
    runs_db = home / "dagster_home/history/runs.db"
    assert runs_db.exists()
    _damage_sqlite(runs_db)
    done = _doctor(home)
    assert done.returncode == 1
    line = _line(done, "dagster")
    assert f"{runs_db} is damaged" in line and "restore --dagster-storage" in line
    assert "All good" not in done.stdout
    run = cli("run", "--home", str(home), "--no-report")
    assert run.returncode == 1 and "Traceback" not in run.output
    assert (
        f"The Dagster storage is damaged: {runs_db}" in run.stderr
        and "The warehouse is not affected" in run.stderr
    )
    r = cli("restore", "--home", str(home), "--dagster-storage", timeout=120)
    assert r.returncode == 0 and f"damaged: {runs_db}" in r.stdout, r.output
    assert (home / "dagster_home/dagster.yaml").exists()
    assert "[FAIL]" not in _doctor(home).stdout
    run = cli("run", "--home", str(home), "--no-report")
    assert run.returncode == 0, run.output


def test_run_on_a_damaged_warehouse_says_how_to_recover(home):
    _truncate(home / "warehouse.duckdb")
    run = cli("run", "--home", str(home), "--no-report")
    assert run.returncode == 1 and "Traceback" not in run.output
    assert (
        "is damaged" in run.stderr
        and "ip-pipeline restore" in run.stderr
        and "ip-pipeline rebuild" in run.stderr
    )


def test_rebuild_recomputes_from_the_landing_zone_keeping_published_values(home):
    warehouse = home / "warehouse.duckdb"
    values = indicator_rows(warehouse)
    published = table_digest(warehouse, "published_values", exclude=("published_at",))
    assert published is not None
    _scribble(warehouse)
    r = cli("rebuild", "--home", str(home))
    assert r.returncode == 0, r.output
    assert "Published-values history:" in r.stdout and "kept from" in r.stdout
    assert indicator_rows(warehouse) == values
    assert table_digest(warehouse, "published_values", exclude=("published_at",)) == published
    assert list((home / "backups").glob("replaced-warehouse-*.duckdb"))
