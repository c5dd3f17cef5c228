"""An indicator whose only input is an empty source (a source no published snapshot of which
ever had a row: an absent or empty folder, header-only files; ingest/empty_sources.py decides)
has nothing to compute from: NULL with flag no_data in every unit, never a count of nought that
reads like a measured zero.

The rule is read from the indicator definitions: an indicator's sole source is the first of its
`sources` (the records it counts), unless one of its reference tables is optional and can stand
in for it (a published satisfaction score needs no survey). The other sources an indicator lists
only add to it (a high-value patent's overseas family, pledge, award): their absence lowers the
value, it does not remove it. A source that had data is never empty, even when its current
snapshot has no staged rows (an accepted shrink to zero, every row quarantined): its counts are
then a measured nought.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from ..ingest.contracts import load_reference_tables
from ..ingest.empty_sources import empty_sources
from .flags import NO_DATA
from .indicator_definitions import Definition, load_definitions


def sole_source(definition: Definition) -> str | None:
    optional = {n for n, t in load_reference_tables().items() if not t.required}
    if not definition.sources or set(definition.reference) & optional:
        return None
    return definition.sources[0]


def mark_empty_sources(
    con: duckdb.DuckDBPyConnection, ids: Iterable[str], table: str = "_calc_values"
) -> list[str]:
    """Set the rows of `table` of every indicator in `ids` whose sole source is empty to NULL, flag
    no_data. Returns those indicator ids."""
    definitions = load_definitions()
    sources = {i: sole_source(definitions[i]) for i in ids if i in definitions}
    empty = empty_sources(con, {s for s in sources.values() if s})
    hit = sorted(i for i, s in sources.items() if s in empty)
    if hit:
        con.execute(
            f"UPDATE {table} SET value = NULL, numerator = NULL, denominator = NULL, flags = [?]::VARCHAR[] "
            f"WHERE indicator_id IN ({', '.join('?' for _ in hit)})",
            [NO_DATA, *hit],
        )
    return hit
