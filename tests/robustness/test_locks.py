"""Readers never block the writer for long: a writer that meets another process's lock waits
(bounded) and says whom it waits for; read commands read into memory and close, and while a run
writes the warehouse they read the newest backup instead of failing."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ip_pipeline.db import WarehouseLocked, connect

from .conftest import cli


def _holder(path: Path, seconds: float, read_only: bool) -> subprocess.Popen:
    code = (
        "import duckdb, sys, time\n"
        f"con = duckdb.connect({str(path)!r}, read_only={read_only})\n"
        "print('ready', flush=True)\n"
        f"time.sleep({seconds})\n"
        "con.close()\n"
    )
    p = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert p.stdout.readline().strip() == "ready"
    return p


def _stop(p: subprocess.Popen) -> None:
    if p.poll() is None:
        os.killpg(p.pid, signal.SIGKILL)
    p.wait(timeout=30)


def _warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    con = connect(path)
    con.execute("CREATE TABLE t AS SELECT 1 AS x")
    con.close()
    return path


def test_a_writer_waits_for_a_reader_and_says_whom_it_waits_for(tmp_path, capfd):
    path = _warehouse(tmp_path)
    reader = _holder(path, 2.5, read_only=True)
    try:
        start = time.monotonic()
        con = connect(path, wait_s=60)
        waited = time.monotonic() - start
        con.execute("INSERT INTO t VALUES (2)")
        con.close()
    finally:
        _stop(reader)
    assert 0.5 < waited < 30
    err = capfd.readouterr().err
    assert f"{path} is held by PID {reader.pid} (python" in err and "waiting for it (up to 60 s)" in err


def test_the_wait_is_bounded_and_names_the_holder(tmp_path):
    path = _warehouse(tmp_path)
    writer = _holder(path, 120, read_only=False)
    try:
        start = time.monotonic()
        with pytest.raises(WarehouseLocked) as err:
            connect(path, read_only=True, wait_s=1.5)
        assert time.monotonic() - start < 15
    finally:
        _stop(writer)
    assert f"PID {writer.pid}" in str(err.value) and re.search(r"waited \d+ s", str(err.value))
    assert "Wait for it to finish or stop it" in str(err.value)


def test_read_commands_read_the_newest_backup_while_a_run_writes(city, tmp_path):
    """`indicators` and `reconcile` during a write: the backup made after the last good run."""
    from .conftest import copy_home

    home = copy_home(city, tmp_path / "home")
    assert list((home / "backups").glob("warehouse-*Z/manifest.json")), "the good run made a backup"
    writer = _holder(home / "warehouse.duckdb", 120, read_only=False)
    try:
        done = cli("indicators", "--home", str(home), "--all", "--format", "csv", timeout=120)
        rec = cli("reconcile", "--home", str(home), "--format", "json", timeout=120)
    finally:
        _stop(writer)
    assert done.returncode == 0, done.output
    assert done.stdout.count("\n") > 100
    assert (
        f"is being written by PID {writer.pid}" in done.stderr and "showing the newest backup" in done.stderr
    )
    assert rec.returncode == 0 and '"source": "patents"' in rec.stdout


def test_read_command_without_a_backup_names_the_writer(tmp_path):
    path = _warehouse(tmp_path)
    writer = _holder(path, 120, read_only=False)
    try:
        done = cli("indicators", "--home", str(tmp_path), timeout=120)
    finally:
        _stop(writer)
    assert done.returncode == 2
    assert f"PID {writer.pid}" in done.stderr and "Traceback" not in done.output


@pytest.mark.timeout(900)
def test_a_run_meeting_a_reader_waits_and_succeeds(home):
    """A reader holds the warehouse for 25 s while a run starts: the run waits, says so, succeeds."""
    for f in sorted((home / "landing/pledges").glob("*.csv"))[:1]:
        lines = f.read_bytes().splitlines(keepends=True)
        f.write_bytes(b"".join(lines[:-1]))  # a change, so ingestion must write
    reader = _holder(home / "warehouse.duckdb", 25, read_only=True)
    try:
        done = cli("run", "--home", str(home), "--no-report")
    finally:
        _stop(reader)
    assert done.returncode == 0, done.output
    assert f"is held by PID {reader.pid}" in done.stderr
