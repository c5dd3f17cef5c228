"""Backups proportional to the change: a generation writes the tables that changed and hard-links
the others from the previous one; a restore of any generation equals the warehouse it was taken
from (every schema, table, row, view and index); a damaged table file fails verification."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from ip_pipeline.ops.backups import (
    DamagedDatabase,
    generations,
    good_generation,
    make_backup,
    read_manifest,
    restore,
    scan,
    table_file,
)
from ip_pipeline.paths import Home

T0 = datetime(2030, 1, 1)


def _warehouse(root: Path) -> Home:
    """A small warehouse with the kinds of things a backup must keep: several schemas, a
    primary key and defaults, exact types Parquet would not keep (HUGEINT, nested, time
    zones), NULLs and duplicate rows, a view and an index."""
    root.mkdir()
    home = Home.of(root)
    con = duckdb.connect(str(home.warehouse))

    con.execute(
        "CREATE TABLE indicator_values (id VARCHAR, as_of DATE, district VARCHAR, "
        "value DOUBLE, big HUGEINT, PRIMARY KEY (id, as_of, district))"
    )
    con.execute(
        "INSERT INTO indicator_values SELECT 'I' || (i % 7), DATE '2026-01-01' + i::INTEGER, 'D' || (i % 3), "
        "i / 3.0, i::HUGEINT * 10000000000000000000 FROM range(200) t(i)"
    )
    con.execute(
        "CREATE TABLE published_values (id VARCHAR, value DOUBLE, published_at TIMESTAMPTZ, "
        "tags VARCHAR[], extra STRUCT(a INTEGER, b VARCHAR), note VARCHAR DEFAULT 'none')"
    )
    con.execute(
        "INSERT INTO published_values VALUES ('a', 1.5, TIMESTAMPTZ '2026-01-01 08:00:00+08', ['x','y'], "
        "{'a': 1, 'b': 'q'}, NULL), ('a', 1.5, TIMESTAMPTZ '2026-01-01 08:00:00+08', ['x','y'], "
        "{'a': 1, 'b': 'q'}, NULL), ('b', NULL, NULL, [], NULL, 'n')"
    )
    con.execute("CREATE TABLE quiet AS SELECT i AS k, 'row ' || i AS label FROM range(50) t(i)")
    con.execute("CREATE SCHEMA candidate")
    con.execute("CREATE TABLE candidate.held_rows AS SELECT i AS k FROM range(5) t(i)")
    con.execute("CREATE VIEW latest AS SELECT id, max(as_of) AS as_of FROM indicator_values GROUP BY id")
    con.execute("CREATE INDEX quiet_label ON quiet (label)")
    con.close()
    return home


def _catalog(con, db: str) -> list[tuple]:
    here = f"database_name = '{db}'"
    return con.execute(
        f"SELECT 'table', schema_name, table_name, sql FROM duckdb_tables() WHERE {here} "
        f"UNION ALL SELECT 'view', schema_name, view_name, sql FROM duckdb_views() WHERE {here} AND NOT internal "
        f"UNION ALL SELECT 'index', schema_name, index_name, sql FROM duckdb_indexes() WHERE {here} "
        "UNION ALL SELECT 'schema', schema_name, '', '' FROM duckdb_schemas() WHERE "
        f"{here} AND NOT internal ORDER BY ALL"
    ).fetchall()


def _assert_same_warehouse(a: Path, b: Path) -> None:
    """Same catalog (DDL of every table, view, index) and, table by table, the same rows (as
    multisets: EXCEPT ALL both ways, so a duplicate row lost or gained counts)."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
    cat = {db: _catalog(con, db) for db in ("a", "b")}
    assert cat["a"] == cat["b"]
    tables = [(s, t) for kind, s, t, _ in cat["a"] if kind == "table"]
    assert len(tables) == 4
    for s, t in tables:
        for x, y in (("a", "b"), ("b", "a")):
            missing = con.execute(
                f'SELECT count(*) FROM (SELECT * FROM {x}."{s}"."{t}" EXCEPT ALL SELECT * FROM {y}."{s}"."{t}")'
            ).fetchall()[0][0]
            assert missing == 0, f"{s}.{t}: {missing} rows of {x} not in {y}"
    con.close()


def _files(gen: Path) -> dict[str, os.stat_result]:
    return {t["table"]: (gen / t["file"]).stat() for t in read_manifest(gen)["tables"]}


@pytest.fixture
def two_generations(tmp_path):
    """Generation 2 of the warehouse as first built, then two tables changed (one by an update
    in place that keeps the row count, one by a duplicate row added) and generation 1 made;
    returns the home and a copy of the warehouse as each generation saw it."""
    home = _warehouse(tmp_path / "home")
    first_state = tmp_path / "first.duckdb"
    shutil.copyfile(home.warehouse, first_state)
    first = make_backup(home, now=T0)
    con = duckdb.connect(str(home.warehouse))
    con.execute("UPDATE indicator_values SET value = value + 1e-9 WHERE id = 'I3' AND district = 'D1'")
    con.execute("INSERT INTO published_values SELECT * FROM published_values WHERE id = 'b'")
    con.close()
    second_state = tmp_path / "second.duckdb"
    shutil.copyfile(home.warehouse, second_state)
    second = make_backup(home, now=T0 + timedelta(hours=1))
    return home, first, first_state, second, second_state


def test_the_second_generation_writes_only_the_changed_tables(two_generations):
    home, first, _, second, _ = two_generations
    assert (first.written, first.linked) == (4, 0)
    assert (second.written, second.linked) == (2, 2)
    old, new = _files(first.path), _files(second.path)
    for unchanged in ("quiet", "held_rows"):
        assert new[unchanged].st_ino == old[unchanged].st_ino and new[unchanged].st_nlink == 2
    for changed in ("indicator_values", "published_values"):
        assert new[changed].st_ino != old[changed].st_ino and new[changed].st_nlink == 1
    assert second.indicator_values == 200 and scan(second.path).indicator_values == 200


@pytest.mark.parametrize("number", [1, 2])
def test_a_restored_generation_equals_the_warehouse_it_was_taken_from(two_generations, number):
    home, _, first_state, _, second_state = two_generations
    gen, _, aside = restore(home, number)
    assert gen.number == number and aside is not None and aside.exists()  # the replaced file is kept
    _assert_same_warehouse(home.warehouse, second_state if number == 1 else first_state)


def test_dropping_the_oldest_generation_keeps_the_files_the_newer_one_links(two_generations):
    home, _, _, _, second_state = two_generations
    third = make_backup(home, keep=1, now=T0 + timedelta(hours=2))
    assert (third.written, third.linked) == (0, 4) and len(third.removed) == 2
    assert [g.path for g in generations(home)] == [third.path]
    restore(home)
    _assert_same_warehouse(home.warehouse, second_state)


def test_a_damaged_table_file_fails_verification_and_restore_takes_the_older_generation(two_generations):
    home, _, first_state, second, _ = two_generations
    gen1 = generations(home)[0]
    damaged = table_file(gen1, "indicator_values")
    assert damaged is not None and damaged.stat().st_nlink == 1  # written by generation 1 alone
    with open(damaged, "r+b") as fh:
        fh.seek(damaged.stat().st_size // 2)
        fh.write(b"\xff" * 512)
    with pytest.raises(DamagedDatabase) as caught:
        scan(second.path)
    assert str(damaged) in str(caught.value) and caught.value.table == "indicator_values"
    gen, _ = good_generation(home)
    assert gen.number == 2
    restore(home)
    _assert_same_warehouse(home.warehouse, first_state)


def test_a_column_type_changed_with_equal_values_is_written_again(two_generations):
    home, _, _, _, _ = two_generations
    con = duckdb.connect(str(home.warehouse))
    con.execute("ALTER TABLE candidate.held_rows ALTER COLUMN k TYPE HUGEINT")  # same values, another type
    con.close()
    made = make_backup(home, now=T0 + timedelta(hours=3))
    assert (made.written, made.linked) == (1, 3)
    restore(home)
    con = duckdb.connect(str(home.warehouse), read_only=True)
    assert con.execute(
        "SELECT data_type FROM duckdb_columns() WHERE table_name = 'held_rows' AND column_name = 'k'"
    ).fetchall() == [("HUGEINT",)]
    con.close()


def test_doctor_warns_of_a_damaged_newest_generation(two_generations):
    from ip_pipeline.ops.doctor import _backups

    home, *_ = two_generations
    assert [f.level for f in _backups(home)] == ["ok"]
    damaged = table_file(generations(home)[0], "published_values")
    with open(damaged, "r+b") as fh:
        fh.truncate(damaged.stat().st_size // 2)
    (finding,) = _backups(home)
    assert finding.level == "warn" and str(damaged) in finding.text and "restore" in finding.text


def test_a_truncated_file_of_the_previous_generation_is_written_again_not_linked(two_generations):
    home, _, _, second, second_state = two_generations
    shared = table_file(generations(home)[0], "quiet")
    assert shared.stat().st_nlink == 2
    with open(shared, "r+b") as fh:
        fh.truncate(shared.stat().st_size // 2)
    made = make_backup(home, now=T0 + timedelta(hours=4))
    assert (made.written, made.linked) == (1, 3)
    assert scan(made.path).tables == scan_tables(second_state)
    gen, _ = good_generation(home)
    assert gen.path == made.path
    restore(home)
    _assert_same_warehouse(home.warehouse, second_state)


def scan_tables(warehouse: Path) -> tuple[str, ...]:
    return scan(warehouse).tables
