"""The indicator engine's SQL lives in assets/sql/ (one file per mart, indicator
and table); this module reads a file and runs it with only the parameters it names.

Every file may name `$city`, the code of the city as a whole (ip_pipeline/city.py), without its
caller passing it: the code is written in one place."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from ..city import CITY
from .indicator_definitions import sql_dir

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
COMMON_PARAMS = {"city": CITY}


def load_sql(name: str) -> str:
    """`marts/pledge_totals` -> the text of assets/sql/marts/pledge_totals.sql ($IP_PIPELINE_SQL_DIR
    when set)."""
    return _read(str(sql_dir()), name)


@cache
def _read(folder: str, name: str) -> str:
    return (Path(folder) / f"{name}.sql").read_text(encoding="utf-8")


def bind(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """DuckDB refuses parameters a statement does not use: pass only the named ones (`params`,
    then COMMON_PARAMS)."""
    wanted = set(_PARAM.findall(re.sub(r"--[^\n]*", "", sql)))
    given = {**COMMON_PARAMS, **params}
    missing = wanted - given.keys()
    if missing:
        raise KeyError(f"SQL parameters without a value: {sorted(missing)}")
    return {k: given[k] for k in wanted}


def execute(con: duckdb.DuckDBPyConnection, head: str, name: str, **params: Any) -> None:
    """`head` (INSERT INTO …, CREATE … AS) followed by the file's SELECT, run with its parameters."""
    sql = load_sql(name)
    con.execute(f"{head}\n{sql}", bind(sql, params))


def query(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> duckdb.DuckDBPyConnection:
    sql = load_sql(name)
    return con.execute(sql, bind(sql, params))


def materialise(con: duckdb.DuckDBPyConnection, table: str, name: str, **params: Any) -> None:
    """CREATE OR REPLACE TEMP TABLE <table> AS <the file's SELECT>."""
    sql = load_sql(name)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS\n{sql}", bind(sql, params))
