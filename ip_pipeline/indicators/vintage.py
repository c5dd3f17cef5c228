"""Data vintage of an indicator: the newest `snapshot_at` among the sources it
reads (`source_snapshots`, WAREHOUSE.md), as ISO text; NULL when unknown."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from ..db import table_exists
from .registry import COMPUTATIONS, source_names


def vintages(con: duckdb.DuckDBPyConnection, ids: Sequence[str]) -> dict[str, str | None]:
    if not table_exists(con, "source_snapshots"):
        return {i: None for i in ids}
    out: dict[str, str | None] = {}
    for ind_id in ids:
        comp = COMPUTATIONS.get(ind_id)
        if comp is None:
            out[ind_id] = None
            continue
        names = source_names(comp)
        newest = con.execute(
            f"SELECT max(CAST(snapshot_at AS TIMESTAMP)) FROM source_snapshots WHERE source IN ({', '.join('?' * len(names))})",
            names,
        ).fetchall()[0][0]
        out[ind_id] = newest.isoformat() if newest is not None else None
    return out
