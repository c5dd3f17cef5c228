"""The one way assets reach the warehouse: short-lived DuckDB connections.

DuckDB allows a single writer process, and a read-write connection held by
one process blocks every other one (read-only included). So connections are
opened per unit of work and closed at once, and every asset that writes is
in the `warehouse` pool (limit 1).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from ..db import connect
from ..paths import Home

WAREHOUSE_POOL = "warehouse"
OWNER = "team:ip-data"  # the owner of every asset


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse and the landing zone of one data directory."""

    home: str

    @property
    def paths(self) -> Home:
        return Home.of(self.home)

    @contextmanager
    def connection(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = connect(self.paths.warehouse, read_only=read_only)
        try:
            yield con
        finally:
            con.close()
