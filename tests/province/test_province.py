"""A province on a real distributed engine: three sample cities, each city's checked pipeline
(`ip-pipeline run`: ingest, GX checks, indicators) one step, placed by Dagster's Celery executor on
two Celery workers through the machine's RabbitMQ; then the combined read-only table."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ip_pipeline.sample import generate_sample
from ip_pipeline.settings import DEFAULT_CELERY_BROKER as DEFAULT_BROKER
from tests.services import in_ci

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def rabbitmq_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=2).close()
        return True
    except OSError:
        return False


def sample_cities(tmp_path: Path, names) -> dict[str, str]:
    cities = {}
    for seed, city in enumerate(names, start=11):
        home = tmp_path / city
        generate_sample(home, scale=0.01, seed=seed, end=dt.date(2023, 1, 31), dirt_rate=0, progress=False)
        cities[city] = str(home)
    return cities


def start_worker(name: str, dagster_home: Path, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DAGSTER_HOME": str(dagster_home),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [
            str(BIN / "dagster-celery"),
            "worker",
            "start",
            "-n",
            name,
            "-A",
            "dagster_celery.app",
            "--",
            "--concurrency=1",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_ready(log: Path, proc: subprocess.Popen, timeout_s: float = 120) -> None:
    """Until Celery says the worker is ready (it has connected to the broker)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the Celery worker exited: {log.read_text(errors='replace')[-3000:]}")
        if " ready." in log.read_text(errors="replace"):
            return
        time.sleep(0.5)
    pytest.fail(f"the Celery worker was not ready in {timeout_s}s: {log.read_text(errors='replace')[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_three_cities_on_two_celery_workers_run_their_checked_pipelines_and_combine(tmp_path, monkeypatch):
    if not rabbitmq_up():
        if in_ci():
            pytest.fail("RabbitMQ is not listening on 127.0.0.1:5672")
        pytest.skip("needs RabbitMQ on 127.0.0.1:5672 (the Celery broker)")
    cities = sample_cities(tmp_path, ("yantai", "weihai", "qingdao"))
    dagster_home = tmp_path / "dagster"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    monkeypatch.setenv("IP_PIPELINE_TEST_CITIES", json.dumps(cities))
    monkeypatch.setenv("IP_PIPELINE_TEST_PROVINCE", str(tmp_path / "province.duckdb"))
    monkeypatch.setenv("IP_PIPELINE_CELERY_BROKER", DEFAULT_BROKER)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    for key in ("IP_PIPELINE_HOME", "IP_PIPELINE_ENFORCEMENT_DB_URL"):
        monkeypatch.delenv(key, raising=False)
    from tests.province import province_job

    with dg.DagsterInstance.get() as instance:  # creates the instance's storage before any worker opens it
        workers = []
        try:
            for i in (1, 2):
                workers.append(start_worker(f"city-{i}@%h", dagster_home, tmp_path / f"worker{i}.log"))
                wait_ready(tmp_path / f"worker{i}.log", workers[-1])
            result = dg.execute_job(
                dg.reconstructable(province_job.province_celery_job), instance=instance, raise_on_error=False
            )
            logs = "\n".join(
                (tmp_path / f"worker{i}.log").read_text(errors="replace")[-3000:] for i in (1, 2)
            )
            assert result.success, logs
            meta = {}
            for ev in result.get_asset_materialization_events():
                mat = ev.step_materialization_data.materialization
                meta[mat.asset_key.path[0]] = {k: v.value for k, v in mat.metadata.items()}
        finally:
            for w in workers:
                stop(w)

    city_meta = {c: meta[c] for c in cities}
    # Every city went through its quality gates (the GX checks wrote their results) ...
    assert all(m["quality_results"] > 0 for m in city_meta.values()), city_meta
    # ... in the Celery workers' processes, not the run's, and on both workers.
    assert os.getpid() not in {m["pid"] for m in city_meta.values()}
    assert len({m["pid"] for m in city_meta.values()}) == 2, city_meta
    received = {
        i: (tmp_path / f"worker{i}.log").read_text(errors="replace").count("received") for i in (1, 2)
    }
    assert all(n >= 1 for n in received.values()), received
    con = duckdb.connect(str(tmp_path / "province.duckdb"), read_only=True)
    per_city = dict(con.execute("SELECT city, count(*) FROM indicator_values GROUP BY 1").fetchall())
    con.close()
    assert per_city == {c: m["rows"] for c, m in city_meta.items()}
    assert min(per_city.values()) > 0
