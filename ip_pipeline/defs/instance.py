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


def prepare_instance(home: Home) -> Path:
    dagster_home = home.dagster_home
    dagster_home.mkdir(parents=True, exist_ok=True)
    cfg = dagster_home / "dagster.yaml"
    if not cfg.exists():
        cfg.write_text(INSTANCE_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    os.environ[HOME] = str(home.root)
    return dagster_home


def get_instance(home: Home) -> dg.DagsterInstance:
    prepare_instance(home)
    return dg.DagsterInstance.get()


if __name__ == "__main__":  # `make ui`: the instance of a data directory, before `dg dev` opens it
    import sys

    print(prepare_instance(Home.of(sys.argv[1] if len(sys.argv) > 1 else None)))
