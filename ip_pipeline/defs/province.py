"""Running a province (16 cities) or the nation: one data directory and DuckDB file per city.

DuckDB allows one writer per file, so cities never contend. Each city is one
step (`<city>/indicator_values`) that runs that city's own checked pipeline —
`ip-pipeline run --no-report`, the very job the nightly schedule and the command
line launch, with its GX checks, run lock and one-paragraph errors — in the
city's folder. A city step needs nothing but that folder, so any executor can
place it: the multiprocess executor on one machine, or Dagster's Celery executor
(`dagster-celery`) across machines that share the city folders and the Dagster
instance (PostgreSQL in production). `province_indicator_values` then attaches
every city warehouse READ-ONLY and writes one combined table.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg

from ..db import connect
from ..paths import Home
from ..settings import HOME, settings


class CityRunFailed(RuntimeError):
    """One city's checked pipeline failed: its own one-paragraph message, naming the city."""


def celery_config() -> dict:
    """The executor's config; a worker is started with the same (`dagster-celery worker start -y`)."""
    # The broker and result backend are the same for the executor and the workers alike.
    return {"broker": settings().celery_broker, "backend": settings().celery_backend}


def run_city(city: str, home: Home, timeout_s: int = 6 * 3600) -> dict:
    """The city's nightly, exactly as `ip-pipeline run` does it, in a process of its own (the
    city's DAGSTER_HOME and IP_PIPELINE_HOME must not leak into the step's process)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", HOME)}
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-m", "ip_pipeline.cli.main", "run", "--home", str(home.root), "--no-report"],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    if done.returncode != 0:
        raise CityRunFailed(f"{city} ({home.root}): {done.stderr.strip() or done.stdout.strip()}")
    con = connect(home.warehouse, read_only=True)
    try:
        rows = con.execute("SELECT count(*) FROM indicator_values").fetchall()[0][0]
        checks = con.execute("SELECT count(*) FROM quality_results").fetchall()[0][0]
    finally:
        con.close()
    return {
        "rows": int(rows),
        "quality_results": int(checks),
        "started": started,
        "finished": time.time(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }


def _city_asset(city: str, home: Path) -> dg.AssetsDefinition:
    @dg.asset(
        key=[city, "indicator_values"],
        group_name="province",
        kinds={"duckdb"},
        description=f"{city}: the city's checked pipeline (ingest, GX checks, indicators) run in its own "
        f"data directory {home}; the step fails when any of its blocking checks fails.",
    )
    def city_indicator_values() -> dg.MaterializeResult:
        out = run_city(city, Home.of(home))
        return dg.MaterializeResult(
            metadata={**out, "warehouse": dg.MetadataValue.path(str(Home.of(home).warehouse))}
        )

    return city_indicator_values


def build_province_job(
    cities: dict[str, Path], combined: Path, *, executor: str = "multiprocess", max_concurrent: int = 2
) -> dg.JobDefinition:
    """`executor`: "multiprocess" (one machine, `max_concurrent` cities at a time) or "celery"
    (workers anywhere that reach the broker, see `celery_config`)."""
    city_assets = [_city_asset(c, h) for c, h in sorted(cities.items())]

    @dg.asset(
        deps=[a.key for a in city_assets],
        group_name="province",
        kinds={"duckdb"},
        description="Every city's indicator_values in one combined warehouse (cities attached read-only).",
    )
    def province_indicator_values() -> dg.MaterializeResult:
        combined.parent.mkdir(parents=True, exist_ok=True)
        con = connect(combined)
        try:
            selects = []
            for i, (city, home) in enumerate(sorted(cities.items())):
                con.execute(f"ATTACH '{Home.of(home).warehouse}' AS city{i} (READ_ONLY)")
                selects.append(f"SELECT '{city}' AS city, * FROM city{i}.indicator_values")
            con.execute("CREATE OR REPLACE TABLE indicator_values AS " + " UNION ALL ".join(selects))
            rows = con.execute("SELECT count(*) FROM indicator_values").fetchall()[0][0]
        finally:
            con.close()
        return dg.MaterializeResult(metadata={"rows": rows, "cities": len(cities)})

    if executor == "celery":
        from dagster_celery import celery_executor  # here: Celery loads only for a province on workers

        executor_def = celery_executor.configured(celery_config())
    elif executor == "multiprocess":
        executor_def = dg.multiprocess_executor.configured({"max_concurrent": max_concurrent})
    else:
        raise ValueError(f"executor must be 'multiprocess' or 'celery', not {executor!r}")
    defs = dg.Definitions(
        assets=[*city_assets, province_indicator_values],
        jobs=[dg.define_asset_job("province_job", selection="*", executor_def=executor_def)],
    )
    return defs.resolve_job_def("province_job")
