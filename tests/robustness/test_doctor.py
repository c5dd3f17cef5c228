"""Case 5 — `ip-pipeline doctor --home DIR` says in plain words what to fix."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from tests.ingest.conftest import write_reference

from .conftest import cli


def _doctor(home: Path, env: dict | None = None):
    done = cli("doctor", "--home", str(home), env=env, timeout=180)
    assert "Traceback" not in done.output
    return done


def _fails(done) -> list[str]:
    return [line for line in done.stdout.splitlines() if line.startswith("[FAIL]")]


def test_doctor_missing_landing_zone(tmp_path):
    done = _doctor(tmp_path)
    assert done.returncode == 1
    assert any(
        f"no landing zone at {tmp_path / 'landing'}; put the exports there or run "
        f"`ip-pipeline sample --home {tmp_path}`" in line
        for line in _fails(done)
    ), done.stdout


def test_doctor_missing_reference_file(tmp_path):
    write_reference(tmp_path / "landing")
    (tmp_path / "landing/reference/population.csv").unlink()
    done = _doctor(tmp_path)
    assert done.returncode == 1
    assert any(
        f"reference/population.csv is missing (required): put it in {tmp_path / 'landing/reference'}" in line
        for line in _fails(done)
    ), done.stdout


def test_doctor_warehouse_locked_by_another_process(tmp_path):
    write_reference(tmp_path / "landing")
    warehouse = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time\n"
            f"con = duckdb.connect({str(warehouse)!r}); con.execute('CREATE TABLE t (x INT)')\n"
            "print('ready', flush=True); time.sleep(300)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        done = _doctor(tmp_path)
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
    assert done.returncode == 1
    line = next((line for line in _fails(done) if "warehouse" in line), "")
    assert f"{warehouse} is locked by another process" in line, done.stdout
    assert "wait for the running job or stop the process that holds it" in line
    assert f"PID {holder.pid}" in line  # which process to look at


def test_doctor_unreachable_database_url_masked(tmp_path):
    write_reference(tmp_path / "landing")
    password = "doctor-" + "S3cret"
    done = _doctor(
        tmp_path,
        env={"IP_PIPELINE_ENFORCEMENT_DB_URL": f"postgresql+psycopg2://reader:{password}@127.0.0.1:9/test"},
    )
    assert done.returncode == 1
    assert password not in done.output
    line = next((line for line in _fails(done) if "database" in line), "")
    assert "postgresql+psycopg2://reader:***@127.0.0.1:9/test is not reachable" in line, done.stdout
    assert "check the server and the URL" in line


def test_doctor_does_not_do_the_slow_things(tmp_path):
    """Doctor is fast because it imports neither Dagster, Great Expectations nor matplotlib (it
    reads package metadata; the report font lookup is loaded on its own) and never hashes the
    landing zone: both checked here in a fresh interpreter, not by timing it."""
    write_reference(tmp_path / "landing")
    code = (
        "import sys\n"
        "from ip_pipeline.ingest import files\n"
        "def no_hash(*a, **k):\n"
        "    raise AssertionError('doctor hashed a landing file')\n"
        "files._content_hash = no_hash\n"
        "from ip_pipeline.cli.main import main\n"
        f"code = main(['doctor', '--home', {str(tmp_path)!r}, '--timings'])\n"
        "heavy = sorted(m for m in ('dagster', 'great_expectations', 'matplotlib.pyplot', 'pandas') if m in sys.modules)\n"
        "print('HEAVY', heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    assert "HEAVY []" in done.stdout, done.stdout
    assert "Timings (the checks run side by side):" in done.stdout
    for check in ("python", "fonts", "warehouse", "dagster", "landing", "database", "total"):
        assert any(
            line.strip().startswith(check) and re.search(r"\d+\.\d\d s", line)
            for line in done.stdout.splitlines()
            if line.startswith("  ")
        ), check


def test_doctor_imports_flag_imports_for_real(tmp_path):
    write_reference(tmp_path / "landing")
    done = _doctor_args(tmp_path, "--imports")
    assert "[ok  ] package    dagster" in done.stdout


def _doctor_args(home: Path, *extra: str):
    done = cli("doctor", "--home", str(home), *extra, timeout=180)
    assert "Traceback" not in done.output
    return done
