"""The production deployment, for real: deploy/dagster.yaml against PostgreSQL (a fresh
database per test run, dropped afterwards), `dagster-daemon run` and `dagster-webserver` as
subprocesses, everything driven through the GraphQL API the UI uses.

1. the landing sensor is turned on; it ingests the reference tables first, then patents;
2. the other exports dropped into the landing zone start one ingest run per source (run key
   source:fingerprint, never twice), all succeed although up to 4 run at once (the
   `warehouse` pool serialises their DuckDB steps);
3. a UI-style backfill of three months of the indicator assets is one run and completes;
4. a broken file makes an ingest run fail, and the run-failure sensor writes the alert.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import (
    EXAMPLES,
    REPO,
    GraphQL,
    Processes,
    bin_path,
    child_env,
    copy_examples,
    free_port,
    require_service,
    wait_for_code_location,
    wait_for_webserver,
)

pytestmark = [pytest.mark.slow, pytest.mark.needs_postgres]

PG_HOST, PG_PORT = (
    os.environ.get("IP_PIPELINE_TEST_PG_HOST", "127.0.0.1"),
    int(os.environ.get("IP_PIPELINE_TEST_PG_PORT", "5432")),
)
WORKSPACE = REPO / "deploy" / "workspace.yaml"
LOCATION = "ip_pipeline"
TIMEOUT_S = 240
SOURCES = (
    "patents",
    "overseas_grants",
    "trademarks",
    "pledges",
    "enforcement",
    "transfers",
    "awards",
    "enterprises",
    "survey",
)


def _pg_admin():
    """A superuser connection to the maintenance database (trust auth: postgres, else root)."""
    import psycopg2

    last: Exception | None = None
    for user in (os.environ.get("IP_PIPELINE_TEST_PG_USER"), "postgres", "root"):
        if not user:
            continue
        for db in ("postgres", "test"):
            try:
                con = psycopg2.connect(
                    host=PG_HOST,
                    port=PG_PORT,
                    user=user,
                    dbname=db,
                    password=os.environ.get("IP_PIPELINE_TEST_PG_PASSWORD", ""),
                )
                con.autocommit = True
                return con, user
            except psycopg2.OperationalError as exc:
                last = exc
    raise AssertionError(f"cannot connect to PostgreSQL on {PG_HOST}:{PG_PORT}: {last}")


@pytest.fixture
def pg_database() -> Iterator[tuple[str, str]]:
    require_service("PostgreSQL", PG_HOST, PG_PORT)
    con, user = _pg_admin()
    name = f"ip_pipeline_ops_{uuid.uuid4().hex[:10]}"
    with con.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name, user
    finally:
        with con.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        con.close()


@pytest.fixture
def deployment(tmp_path: Path, pg_database, processes: Processes) -> Iterator[dict[str, Any]]:
    db, user = pg_database
    home = tmp_path / "data"
    # At first only the reference tables and patents: the awards GX suite reads stg_patents,
    # so on a first ingestion patents must be staged before awards (see the test's phase 2).
    copy_examples(home / "landing", exclude=tuple(s for s in SOURCES if s != "patents"))
    dagster_home = home / "dagster_home"  # as deploy/README.md: the CLI, UI and daemon share it
    dagster_home.mkdir(parents=True)
    shutil.copy(REPO / "deploy" / "dagster.yaml", dagster_home / "dagster.yaml")
    env = child_env(
        DAGSTER_HOME=str(dagster_home),
        IP_PIPELINE_HOME=str(home),
        DAGSTER_PG_HOST=PG_HOST,
        DAGSTER_PG_PORT=str(PG_PORT),
        DAGSTER_PG_DB=db,
        DAGSTER_PG_USERNAME=user,
        DAGSTER_PG_PASSWORD=os.environ.get("IP_PIPELINE_TEST_PG_PASSWORD", ""),
        IP_PIPELINE_LANDING_SENSOR_INTERVAL="5",
    )
    env.pop("IP_PIPELINE_ALERT_WEBHOOK", None)
    port = free_port()
    processes.start("daemon", [bin_path("dagster-daemon"), "run", "-w", str(WORKSPACE)], env)
    processes.start(
        "webserver",
        [bin_path("dagster-webserver"), "-h", "127.0.0.1", "-p", str(port), "-w", str(WORKSPACE)],
        env,
    )
    base = f"http://127.0.0.1:{port}"
    wait_for_webserver(base, processes)
    gql = GraphQL(base)
    wait_for_code_location(gql, processes)
    yield {"gql": gql, "home": home, "procs": processes, "base": base}


RUNS = """
query Runs($filter: RunsFilter) { runsOrError(filter: $filter) { __typename
  ... on Runs { results { runId status jobName tags { key value } } } } }
"""


def _runs(gql: GraphQL, tags: dict[str, str] | None = None) -> list[dict]:
    flt = {"tags": [{"key": k, "value": v} for k, v in (tags or {}).items()]}
    out = gql(RUNS, {"filter": flt})["runsOrError"]
    assert out["__typename"] == "Runs", out
    return out["results"]


def _tags(run: dict) -> dict[str, str]:
    return {t["key"]: t["value"] for t in run["tags"]}


def _poll(
    what: str, fn: Callable[[], Any], procs: Processes, timeout: float = TIMEOUT_S, every: float = 2
) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        procs.check_alive()
        value = fn()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(
        f"timed out after {timeout:.0f}s waiting for {what}\n--- daemon log ---\n"
        f"{procs.log_text('daemon')[-4000:]}"
    )


def _finished(gql: GraphQL, tags: dict[str, str]) -> list[dict] | None:
    runs = _runs(gql, tags)
    if runs and all(r["status"] in {"SUCCESS", "FAILURE", "CANCELED"} for r in runs):
        return runs
    return None


START_SENSOR = """
mutation Start($sel: SensorSelector!) { startSensor(sensorSelector: $sel) { __typename
  ... on Sensor { sensorState { status } } ... on PythonError { message } } }
"""

BACKFILL = """
mutation Backfill($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message }
  ... on InvalidSubsetError { message } } }
"""

BACKFILL_STATUS = """
query B($id: String!) { partitionBackfillOrError(backfillId: $id) { __typename
  ... on PartitionBackfill { status numPartitions runs(limit: 10) { runId status tags { key value } } } } }
"""


def test_daemon_webserver_sensor_backfill_and_alert(deployment):
    gql: GraphQL = deployment["gql"]
    home: Path = deployment["home"]
    procs: Processes = deployment["procs"]
    sensor_tag = {"dagster/sensor_name": "landing_zone_sensor"}

    # 1. Turn the landing sensor on (as the UI toggle does).
    res = gql(
        START_SENSOR,
        {
            "sel": {
                "repositoryLocationName": LOCATION,
                "repositoryName": "__repository__",
                "sensorName": "landing_zone_sensor",
            }
        },
    )["startSensor"]
    assert res["__typename"] == "Sensor" and res["sensorState"]["status"] == "RUNNING", res

    # The reference tables first (every source needs stg_districts), then patents.
    def ingested(sources: set[str]) -> Callable[[], list[dict] | None]:
        def check():
            runs = _runs(gql, sensor_tag)
            seen = {_tags(r).get("ip_pipeline/source") for r in runs}
            done = all(r["status"] in {"SUCCESS", "FAILURE", "CANCELED"} for r in runs)
            return runs if seen >= sources and done else None

        return check

    runs = _poll("the reference and patents runs", ingested({"reference", "patents"}), procs)
    first = [_tags(r)["ip_pipeline/source"] for r in sorted(runs, key=lambda r: _tags(r)["dagster/run_key"])]
    assert sorted(first) == ["patents", "reference"] and all(r["status"] == "SUCCESS" for r in runs), runs

    # 2. The other exports land: one run per source, each selecting only that source's assets,
    # up to four at once (max_concurrent_runs) — all succeed: the pool serialises the warehouse.
    for source in SOURCES:
        if source == "patents":
            continue
        dest = home / "landing" / source
        dest.mkdir()
        for f in sorted((EXAMPLES / source).iterdir()):
            tmp = dest / (f.name + ".part")  # written under a name the sensor ignores …
            shutil.copy(f, tmp)
            tmp.chmod(0o644)
            tmp.rename(dest / f.name)  # … then renamed into place, as a careful upload does
    runs = _poll("a run per landed source", ingested({"reference", *SOURCES}), procs)
    per_source: dict[str, list[dict]] = {}
    for r in runs:
        per_source.setdefault(_tags(r)["ip_pipeline/source"], []).append(r)
    assert {s: len(v) for s, v in per_source.items()} == {s: 1 for s in ("reference", *SOURCES)}, per_source
    bad = [(s, v[0]["status"]) for s, v in per_source.items() if v[0]["status"] != "SUCCESS"]
    assert not bad, f"sensor runs failed: {bad}\n{procs.log_text('daemon')[-3000:]}"
    assert all(
        r["jobName"] == "ingest_job"
        and _tags(r)["dagster/run_key"].startswith(_tags(r)["ip_pipeline/source"] + ":")
        for r in runs
    )
    time.sleep(12)  # two more sensor ticks: the same files never start a second run
    assert len(_runs(gql, sensor_tag)) == len(runs)

    # 3. A backfill of three months of the indicators, as the UI's "Materialize → partitions" launches it.
    months = ["2021-01-01", "2021-02-01", "2021-03-01"]
    launched = gql(
        BACKFILL,
        {
            "params": {
                "assetSelection": [{"path": ["indicator_values"]}, {"path": ["indicator_progress"]}],
                "partitionNames": months,
            }
        },
    )["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    bid = launched["backfillId"]

    def backfill_done():
        b = gql(BACKFILL_STATUS, {"id": bid})["partitionBackfillOrError"]
        return (
            b
            if b["status"] in {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
            else None
        )

    b = _poll("the backfill", backfill_done, procs)
    assert b["status"] in {"COMPLETED", "COMPLETED_SUCCESS"}, b
    assert b["numPartitions"] == 3
    # BackfillPolicy.single_run: the three months are one run over a partition range.
    assert len(b["runs"]) == 1 and b["runs"][0]["status"] == "SUCCESS", b["runs"]
    tags = _tags(b["runs"][0])
    assert (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]) == (
        months[0],
        months[-1],
    )

    # 4. A broken export fails its ingest run; the run-failure sensor records the alert.
    (home / "landing" / "trademarks" / "zz_broken.xlsx").write_bytes(b"this is not a spreadsheet")
    failed = _poll(
        "the failing trademarks run",
        lambda: [r for r in _runs(gql, {"ip_pipeline/source": "trademarks"}) if r["status"] == "FAILURE"],
        procs,
    )
    alerts_file = home / "alerts" / "alerts.jsonl"

    def alert_written():
        if not alerts_file.exists():
            return None
        records = [json.loads(x) for x in alerts_file.read_text().splitlines() if x.strip()]
        return [a for a in records if a["run_id"] == failed[0]["runId"]]

    alert = _poll("the alert in alerts.jsonl", alert_written, procs)[0]
    assert alert["job"] == "ingest_job" and alert["kind"] == "run_failure"
    assert "ingest_trademarks" in alert["failed_steps"]
