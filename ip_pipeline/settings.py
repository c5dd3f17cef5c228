"""Every `IP_PIPELINE_*` environment variable: its name, type, default and role, in one place.

This module is the only reader of them (tests/layout/test_settings.py holds that): the rest of
the package asks `settings()` for a typed value. `settings()` looks at the environment when it
is called, never at import, so a test's `monkeypatch.setenv`, a run that pins `IP_PIPELINE_TODAY`
or `ip-pipeline ui` setting `IP_PIPELINE_HOME` for its own process all take effect at once.
An empty value counts as unset. The README's table of settings is `python -m ip_pipeline.settings`.
Variables that belong to other tools (DAGSTER_HOME, …) keep being read where those tools need them.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
PREFIX = "IP_PIPELINE_"


@dataclass(frozen=True)
class Variable:
    """One documented variable, as the README's table shows it."""

    name: str
    type: str
    default: str
    role: str
    attribute: str  # the property of `Settings` that parses it


VARIABLES: dict[str, Variable] = {}


def _variable(
    name: str, type_: str, default: str, role: str
) -> Callable[[Callable[[str | None], Any]], property]:
    """Registers the variable and turns `parse(raw value or None)` into a property of `Settings`."""
    if not name.startswith(PREFIX) or name in VARIABLES:
        raise ValueError(f"{name}: not an {PREFIX}* name, or documented twice")

    def wrap(parse: Callable[[str | None], Any]) -> property:
        VARIABLES[name] = Variable(name, type_, default, role, parse.__name__)

        def read(self: Settings) -> Any:
            return parse(self.raw(name))

        read.__doc__ = f"`{name}`: {role}"
        return property(read)

    return wrap


def _int(raw: str | None, default: int, minimum: int) -> int:
    # A value that is not a number keeps the default: a typo in an operator's environment must
    # not stop the night's run. It is said in the run's log, and the doctor shows the value in force.
    try:
        return max(minimum, int(raw)) if raw is not None else default
    except ValueError:
        log.warning("a setting is not a whole number (%r): the default %s is used", raw, default)
        return default


def _on(raw: str | None) -> bool:
    return (raw or "").strip().lower() in ("on", "1", "true", "yes")


HOME = "IP_PIPELINE_HOME"
TODAY = "IP_PIPELINE_TODAY"
GX_THREADS = "IP_PIPELINE_GX_THREADS"
CJK_FONT = "IP_PIPELINE_CJK_FONT"
DEFAULT_LOCK_WAIT_S = 60.0
DEFAULT_BACKUPS = 3
DEFAULT_CELERY_BROKER = (
    "pyamqp://guest@127.0.0.1:5672//"  # the local RabbitMQ; its guest password is the default
)
DEFAULT_CELERY_BACKEND = "rpc://"


@dataclass(frozen=True)
class Settings:
    """The `IP_PIPELINE_*` values of one environment; each property parses its variable when asked."""

    environ: Mapping[str, str]

    def raw(self, name: str) -> str | None:
        """The text of a documented variable, None when unset or empty. Also for variables a
        source contract names (`url_env`, `table_env` in sources/*.yaml)."""
        if name not in VARIABLES:
            raise KeyError(f"{name} is not a documented setting (ip_pipeline/settings.py)")
        return self.environ.get(name) or None

    # -- where things are ------------------------------------------------------------------------
    @_variable(
        HOME,
        "path",
        "./data",
        "The data directory (landing zone, warehouse, reports, quality docs, alerts) when a "
        "command has no `--home`.",
    )
    def home(raw: str | None) -> Path:
        return Path(raw or "data").resolve()

    @_variable(
        "IP_PIPELINE_CATALOGUE_DIR",
        "path",
        "assets/catalogue",
        "The folder of the plans and the `indicators/` definitions (another catalogue for a "
        "test or a trial, without changing the shipped one).",
    )
    def catalogue_dir(raw: str | None) -> Path | None:
        return Path(raw) if raw else None

    @_variable("IP_PIPELINE_SQL_DIR", "path", "assets/sql", "The folder of the indicators' SQL files.")
    def sql_dir(raw: str | None) -> Path | None:
        return Path(raw) if raw else None

    @_variable(
        CJK_FONT,
        "path",
        "the system's fonts-wqy-microhei",
        "Another copy of the report's CJK font (WenQuanYi Micro Hei, a .ttc or .ttf).",
    )
    def cjk_font(raw: str | None) -> Path | None:
        return Path(raw) if raw else None

    # -- time ------------------------------------------------------------------------------------
    @_variable(
        TODAY,
        "date (YYYY-MM-DD)",
        "today in Asia/Shanghai",
        'Pins "today" for every process of a run (reproducing a past night; the benchmark\'s '
        "processes agreeing across midnight).",
    )
    def today(raw: str | None) -> date | None:
        if raw is None:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"{TODAY}={raw!r} is not a date (YYYY-MM-DD)") from None

    # -- the warehouse ---------------------------------------------------------------------------
    @_variable(
        "IP_PIPELINE_LOCK_WAIT_S",
        "seconds",
        "60",
        "How long opening the warehouse waits for another process holding it, then fails "
        "naming that process.",
    )
    def lock_wait_s(raw: str | None) -> float:
        try:
            return max(0.0, float(raw)) if raw is not None else DEFAULT_LOCK_WAIT_S
        except ValueError:
            return DEFAULT_LOCK_WAIT_S

    @_variable(
        "IP_PIPELINE_BACKUPS",
        "integer ≥ 1",
        str(DEFAULT_BACKUPS),
        "How many verified backups of the warehouse are kept after successful runs.",
    )
    def backups(raw: str | None) -> int:
        return _int(raw, DEFAULT_BACKUPS, 1)

    # -- sources ---------------------------------------------------------------------------------
    @_variable(
        "IP_PIPELINE_ENFORCEMENT_DB_URL",
        "SQLAlchemy URL",
        "unset: enforcement comes from files",
        "Reads the enforcement source from this database instead of the landing zone "
        "(secret: set it in the environment, never in a file).",
    )
    def enforcement_db_url(raw: str | None) -> str | None:
        return raw

    @_variable(
        "IP_PIPELINE_ENFORCEMENT_TABLE",
        "table name",
        "enforcement_cases",
        "The table or view of that database to read.",
    )
    def enforcement_table(raw: str | None) -> str | None:
        return raw

    @_variable(
        "IP_PIPELINE_NO_PART_CACHE",
        "flag (any value)",
        "unset",
        "Parses and types every landed file again instead of reusing the parts kept under `<home>/cache/parts` and `<home>/cache/typed`.",
    )
    def no_part_cache(raw: str | None) -> bool:
        return raw is not None

    # -- quality checks --------------------------------------------------------------------------
    @_variable(
        "IP_PIPELINE_GX_WORKERS",
        "integer ≥ 0",
        "1",
        "Worker processes that validate large tables while the next sources are ingested (0 turns them off).",
    )
    def gx_workers(raw: str | None) -> int:
        return _int(raw, 1, 0)

    @_variable(
        "IP_PIPELINE_GX_BACKGROUND_MIN_ROWS",
        "integer",
        "500000",
        "Only tables of at least this many rows go to a worker process.",
    )
    def gx_background_min_rows(raw: str | None) -> int:
        return _int(raw, 500_000, 0)

    @_variable(
        "IP_PIPELINE_GX_INCREMENTAL_MIN_ROWS",
        "integer",
        "20000",
        "Tables with fewer staged rows are validated whole instead of incrementally (0: always whole).",
    )
    def gx_incremental_min_rows(raw: str | None) -> int:
        return _int(raw, 20_000, 0)

    @_variable(
        GX_THREADS,
        "integer",
        "unset: DuckDB's default (all cores)",
        "DuckDB threads of a validation reading exported Parquet (a worker process sets 1).",
    )
    def gx_threads(raw: str | None) -> int | None:
        return _int(raw, 0, 1) or None

    # -- automation and alerts -------------------------------------------------------------------
    @_variable(
        "IP_PIPELINE_AUTOMATION",
        "on/off",
        "off",
        "`on` starts the nightly and monthly schedules and the landing sensor by themselves "
        "(a deployment); off, they wait for someone to turn them on in the UI.",
    )
    def automation(raw: str | None) -> bool:
        return _on(raw)

    @_variable(
        "IP_PIPELINE_LANDING_SENSOR_INTERVAL",
        "seconds",
        "30",
        "How often the daemon looks at the landing zone for new files.",
    )
    def landing_sensor_interval_s(raw: str | None) -> int:
        return _int(raw, 30, 1)

    @_variable(
        "IP_PIPELINE_ALERT_WEBHOOK",
        "URL",
        "unset",
        "Each alert (a failed run or check) is also POSTed here as JSON.",
    )
    def alert_webhook(raw: str | None) -> str | None:
        return raw.strip() or None if raw else None

    # -- the province's cities on Celery ---------------------------------------------------------
    @_variable(
        "IP_PIPELINE_CELERY_BROKER",
        "Celery broker URL",
        DEFAULT_CELERY_BROKER,
        "The broker of `ip-pipeline province` and its workers.",
    )
    def celery_broker(raw: str | None) -> str:
        return raw or DEFAULT_CELERY_BROKER

    @_variable(
        "IP_PIPELINE_CELERY_BACKEND",
        "Celery result backend URL",
        DEFAULT_CELERY_BACKEND,
        "Where the Celery workers put their results.",
    )
    def celery_backend(raw: str | None) -> str:
        return raw or DEFAULT_CELERY_BACKEND

    # -- tests -----------------------------------------------------------------------------------
    @_variable(
        "IP_PIPELINE_FAULT",
        "kill point",
        "unset",
        "Tests only: the process kills itself with SIGKILL at this point "
        "(`ingest:before_commit`, `indicators:before_commit`, `report:mid_write`).",
    )
    def fault(raw: str | None) -> str | None:
        return raw


def settings() -> Settings:
    """The settings as the environment has them now."""
    return Settings({k: v for k, v in os.environ.items() if k.startswith(PREFIX)})


def markdown_table() -> str:
    """The README's table of settings."""
    rows = ["| Variable | Type | Default | What it does |", "|---|---|---|---|"]
    for v in VARIABLES.values():
        rows.append(f"| `{v.name}` | {v.type} | {v.default} | {v.role} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown_table())
