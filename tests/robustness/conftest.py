"""Shared pieces of the robustness tests: a sample city run once per session, the CLI in a
subprocess (always with a timeout), copies of a home, and fingerprints of warehouse tables.

The `zone` fixture (a landing zone under tmp_path and staging helpers) comes from tests/ingest.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ip_pipeline.ingest.staging import CANDIDATE_PREFIX
from tests.ingest.conftest import zone  # noqa: F401  (re-exported fixture)

ROOT = Path(__file__).resolve().parents[2]
CLI = str(Path(sys.executable).with_name("ip-pipeline"))
RUN_TIMEOUT = 600
SCALE = "0.02"
# Variables of the developer's shell that would change what a run reads or does.
SCRUBBED = (
    "IP_PIPELINE_HOME",
    "IP_PIPELINE_ENFORCEMENT_DB_URL",
    "IP_PIPELINE_ENFORCEMENT_TABLE",
    "IP_PIPELINE_FAULT",
    "DAGSTER_HOME",
)


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = RUN_TIMEOUT) -> Done:
    """`ip-pipeline ARGS` in its own process group; killed with its children on timeout."""
    full_env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    full_env.update({"DAGSTER_DISABLE_TELEMETRY": "1", "PYTHONUNBUFFERED": "1"})
    full_env.update(env or {})
    proc = subprocess.Popen(
        [CLI, *args],
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(
            f"ip-pipeline {' '.join(args)} did not finish in {timeout}s\n{out[-2000:]}\n{err[-2000:]}"
        )
    return Done(proc.returncode, out, err)


def copy_home(src: Path, dst: Path) -> Path:
    """A private copy of a data directory (timestamps kept, so snapshot times and vintages are too)."""
    shutil.copytree(src, dst, symlinks=True, ignore=shutil.ignore_patterns("*.lock", ".ip-pipeline-run.lock"))
    return dst


def table_digest(warehouse: Path, table: str, exclude: tuple[str, ...] = ()) -> str | None:
    """A content hash of a table, independent of row order; None when the table does not exist."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cols = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? "
                "ORDER BY ordinal_position",
                [table],
            ).fetchall()
        ]
        if not cols:
            return None
        keep = ", ".join(f'"{c}"' for c in cols if c not in exclude)
        rows = sorted(repr(r) for r in con.execute(f'SELECT {keep} FROM "{table}"').fetchall())
    finally:
        con.close()
    return hashlib.blake2b("\n".join(rows).encode(), digest_size=16).hexdigest()


def warehouse_state(warehouse: Path, exclude_tables: tuple[str, ...] = ()) -> dict[str, str | None]:
    """Digest of every table of the warehouse (its whole visible state)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1"
            ).fetchall()
        ]
    finally:
        con.close()
    # a snapshot's candidate tables (staging.candidate_table) are not published state: a run
    # killed before publishing leaves them for the next staging to replace
    return {
        t: table_digest(warehouse, t)
        for t in tables
        if t not in exclude_tables and not t.startswith(CANDIDATE_PREFIX)
    }


VALUE_COLUMNS = "indicator_id, as_of, district_code, value, numerator, denominator, unit, flags"


def indicator_rows(warehouse: Path) -> list[tuple]:
    """indicator_values without the vintage, in a fixed order: equal lists = byte-identical values.
    The running month is left out: its as-of date is today, which moves between two runs a day apart."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            f"SELECT {VALUE_COLUMNS} FROM indicator_values "
            "WHERE as_of < (SELECT max(date_trunc('month', as_of)) FROM indicator_values) "
            "ORDER BY indicator_id, as_of, district_code"
        ).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="session")
def city(tmp_path_factory) -> Path:
    """A sample city (scale 0.02) after one successful `ip-pipeline run` with the report. Read-only for
    tests: copy it with `copy_home` before changing anything."""
    home = tmp_path_factory.mktemp("city") / "home"
    done = cli("sample", "--home", str(home), "--scale", SCALE, "--no-progress", timeout=300)
    assert done.returncode == 0, done.output
    done = cli("run", "--home", str(home))
    assert done.returncode == 0, done.output
    return home


@pytest.fixture
def home(city: Path, tmp_path: Path) -> Path:
    """A private copy of the sample city, after its good run."""
    return copy_home(city, tmp_path / "home")
