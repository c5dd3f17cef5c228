"""The Dagster instance of a data directory: `<home>/dagster_home`, SQLite by default.

Written once with the warehouse pool limit, so that the UI, the daemon and
the command line all serialise writers the same way.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from ..paths import Home
from ..settings import HOME
from .resources import WAREHOUSE_POOL

INSTANCE_YAML = f"""\
# Written by ip-pipeline. Every asset that writes the DuckDB warehouse is in the
# `{WAREHOUSE_POOL}` pool: one at a time, since DuckDB allows a single writer process.
concurrency:
  pools:
    default_limit: 1
telemetry:
  enabled: false
"""


# A run over a range of months logs one "materialisation planned" event per asset, not one per
# month and asset (Dagster gives each of the run's unpartitioned assets one per month too): at
# scale 10 a night over 73 months wrote 2,628 of them, ~30 s of SQLite commits. Dagster's own
# switch; what it costs: a failed run does not mark each of its months failed one by one (the
# run itself is failed, and the command line names the step). Set for the processes that create
# runs: the command line here, the daemon through `make ui` and deploy/env.example.
PLANNED_EVENTS_SWITCH = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"


def prepare_instance(home: Home) -> Path:
    dagster_home = home.dagster_home
    dagster_home.mkdir(parents=True, exist_ok=True)
    cfg = dagster_home / "dagster.yaml"
    if not cfg.exists():
        cfg.write_text(INSTANCE_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    os.environ[HOME] = str(home.root)
    os.environ.setdefault(PLANNED_EVENTS_SWITCH, "1")
    return dagster_home


def get_instance(home: Home) -> dg.DagsterInstance:
    prepare_instance(home)
    return dg.DagsterInstance.get()


if __name__ == "__main__":  # `make ui`: the instance of a data directory, before `dg dev` opens it
    import sys

    print(prepare_instance(Home.of(sys.argv[1] if len(sys.argv) > 1 else None)))
