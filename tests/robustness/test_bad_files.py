"""Case 1 — bad files. Each is refused for its source, through the real CLI (`ip-pipeline run` in a
subprocess): exit code non-zero, stderr names the file and the problem, no traceback, and the
previous good snapshot (stg_ table and its source_snapshots row) is kept unchanged.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
import threading
import time
from pathlib import Path

from .conftest import cli, table_digest


def _text(path: Path) -> str:
    """A landing CSV as text, whichever of its two encodings the sample used."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _snapshot_row(home: Path, source: str) -> str | None:
    import duckdb

    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return repr(
            con.execute(
                "SELECT fingerprint, files, raw_rows, staged_rows FROM source_snapshots WHERE source = ?",
                [source],
            ).fetchall()
        )
    finally:
        con.close()


def _refused(home: Path, source: str, file: str, *problem: str) -> None:
    """Run, and check the refusal: one readable message, the previous snapshot kept."""
    warehouse = home / "warehouse.duckdb"
    table = "stg_population" if source == "reference" else f"stg_{source}"
    before = (table_digest(warehouse, table), _snapshot_row(home, source))
    done = cli("run", "--home", str(home), "--no-report")
    assert done.returncode != 0, done.output
    assert "Traceback" not in done.output
    assert file in done.stderr, done.stderr
    for words in problem:
        assert words in done.stderr, done.stderr
    assert "previous snapshot is kept" in done.stderr, done.stderr
    assert (table_digest(warehouse, table), _snapshot_row(home, source)) == before


def test_empty_file(home):
    (home / "landing/patents/zz_export.csv").write_bytes(b"")
    _refused(home, "patents", "patents/zz_export.csv", "is empty")


def test_random_bytes(home):
    (home / "landing/patents/zz_export.csv").write_bytes(random.Random(7).randbytes(64 * 1024))
    _refused(home, "patents", "patents/zz_export.csv", "is not text in UTF-8 or GB18030")


def test_file_missing_a_required_column(home):
    src = home / "landing/trademarks/trademarks-0001.csv"
    rows = list(csv.reader(io.StringIO(_text(src))))[:50]
    drop = [h.strip() for h in rows[0]].index("注册人")
    with open(home / "landing/trademarks/zz_export.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([c for i, c in enumerate(r) if i != drop] for r in rows)
    _refused(home, "trademarks", "trademarks/zz_export.csv", "lacks required column(s) 注册人 (registrant)")


def test_truncated_xlsx(home):
    path = home / "landing/patents/patents-0004.xlsx"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # an export cut off half way
    _refused(home, "patents", "patents/patents-0004.xlsx", "XLSX")


def test_another_sources_file_in_the_wrong_folder(home):
    shutil.copy2(
        home / "landing/trademarks/trademarks-0001.csv", home / "landing/patents/trademarks-0001.csv"
    )
    _refused(
        home, "patents", "patents/trademarks-0001.csv", "lacks required column(s) 申请号 (application_no)"
    )


def test_reference_table_with_the_wrong_delimiter(home):
    path = home / "landing/reference/population.csv"
    path.write_text(_text(path).replace(",", ";"), encoding="utf-8")
    _refused(home, "reference", "reference/population.csv", "lacks required column(s)", "separated by ';'")


def test_file_still_being_written_part_and_lock_files_are_ignored(home):
    (home / "landing/patents/patents-0005.csv.part").write_bytes(random.Random(1).randbytes(4096))
    (home / "landing/patents/~$patents-0004.xlsx").write_bytes(b"\x00lock")
    before = table_digest(home / "warehouse.duckdb", "stg_patents")
    done = cli("run", "--home", str(home), "--no-report")
    assert done.returncode == 0, done.output
    assert table_digest(home / "warehouse.duckdb", "stg_patents") == before


def test_file_still_being_written_size_changing_is_refused(home):
    """An export that grows while the run reads it (size differs between two looks) is refused."""
    path = home / "landing/patents/zz_growing.csv"
    src = _text(home / "landing/patents/patents-0001.csv").splitlines()
    path.write_text("\n".join(src[:2]) + "\n", encoding="utf-8")
    stop = threading.Event()

    def keep_writing() -> None:
        rows = iter(src[2:] * 1000)
        with open(path, "a", encoding="utf-8") as fh:
            while not stop.is_set():
                fh.write(next(rows) + "\n")
                fh.flush()
                time.sleep(0.002)

    writer = threading.Thread(target=keep_writing, daemon=True)
    writer.start()
    try:
        _refused(home, "patents", "patents/zz_growing.csv", "still being written")
    finally:
        stop.set()
        writer.join(timeout=10)
