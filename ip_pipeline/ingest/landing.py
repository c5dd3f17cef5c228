"""Land one snapshot's rows in temporary tables: raw text as read, and normalised text.

Both tables share `_rid` (row identity), `_file_order` and `_row_number`, so
staging can trace a typed value back to the cell it came from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pyarrow as pa

from .contracts import SourceContract
from .formats import HINT_COLUMNS
from .normalise import normalise_batch
from .parts import CachedPart, PartSink
from .readers import FileReadInfo
from .typing_sql import q

# Rows gathered before one INSERT per table. DuckDB's cost is per statement (an Arrow
# scan set up and a table append, ~50 ms at millions of rows), so per-file inserts cost
# 20 s on a city's 2 M trademarks; a few large ones cost 1 s. Memory stays bounded.
FLUSH_ROWS = 500_000


@dataclass
class LandedPart:
    label: str
    info: FileReadInfo
    first_rid: int = 0
    cached: bool = False  # its rows came from the kept parts (parts.py), not from reading the file
    sink: PartSink | None = None  # where its rows are being kept


@dataclass
class Landed:
    raw_table: str
    norm_table: str
    parts: list[LandedPart] = field(default_factory=list)
    rows: int = 0


def _decorate(
    batches: tuple[pa.RecordBatch, ...],
    contract: SourceContract,
    label: str,
    file_order: int,
    first_rid: int,
    scales: dict[str, float],
) -> list[pa.RecordBatch]:
    """The same bookkeeping columns appended to each batch (raw and normalised rows of one batch)."""
    n = batches[0].num_rows
    extra_names = ["_rid", "_file_order", "_source_file"]
    extra = [
        pa.array(range(first_rid, first_rid + n), type=pa.int64()),
        pa.repeat(pa.scalar(file_order, pa.int32()), n),
        pa.repeat(pa.scalar(label, pa.string()), n),
    ]
    for c in contract.columns:
        if c.type == "decimal":
            extra_names.append(f"_scale_{c.name}")
            extra.append(pa.repeat(pa.scalar(scales.get(c.name, 1.0), pa.float64()), n))
    return [
        pa.RecordBatch.from_arrays(list(b.columns) + extra, names=list(b.schema.names) + extra_names)
        for b in batches
    ]


def _scale_values(contract: SourceContract, scales: dict[str, float]) -> dict[str, float]:
    return {
        f"_scale_{c.name}": float(scales.get(c.name, 1.0)) for c in contract.columns if c.type == "decimal"
    }


def _insert_cached(
    con: duckdb.DuckDBPyConnection,
    tables: tuple[str, str],
    cached: list[tuple],
    snapshot_at: datetime | None,
    typed: frozenset[int] = frozenset(),
) -> None:
    """The kept rows of parts [(part, label, file order, first _rid, scale columns)] into the
    landing tables, with this snapshot's bookkeeping: exactly the rows reading the files again
    would insert. One INSERT per table for all of them (DuckDB's cost is per statement); a part
    listed twice (two files with the same bytes) goes in a statement of its own. The files of
    `typed` (file orders) have kept typed rows (typed_parts.py): their normalised rows, which
    only typing reads, are not inserted."""
    batches: list[list[tuple]] = [[]]
    for entry in cached:
        if any(e[0].raw == entry[0].raw for e in batches[-1]):
            batches.append([])
        batches[-1].append(entry)
    scale_names = list(cached[0][4]) if cached else []
    scale_defs = "".join(f", {q(n)} DOUBLE" for n in scale_names)
    scale_sel = "".join(f", m.{q(n)}" for n in scale_names)
    for batch in batches:
        if not batch:
            continue
        for i, table in enumerate(tables):
            entries = batch if i == 0 else [e for e in batch if e[2] not in typed]
            if not entries:
                continue
            paths = [str(e[0].raw if i == 0 else e[0].norm) for e in entries]
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _cached_parts (path VARCHAR, first_rid BIGINT, "
                f"file_order INTEGER, label VARCHAR{scale_defs})"
            )
            con.executemany(
                f"INSERT INTO _cached_parts VALUES (?, ?, ?, ?{', ?' * len(scale_names)})",
                [[p, e[3], e[2], e[1], *[e[4][n] for n in scale_names]] for p, e in zip(paths, entries)],
            )
            con.execute(
                f"INSERT INTO {table} BY NAME SELECT k.* EXCLUDE (_local, filename), "
                f"k._local + m.first_rid AS _rid, m.file_order AS _file_order, m.label AS _source_file"
                f"{scale_sel}, ?::TIMESTAMP AS _snapshot_at "
                f"FROM read_parquet(?, filename = true, union_by_name = true) k "
                f"JOIN _cached_parts m ON k.filename = m.path",
                [snapshot_at, paths],
            )
    con.execute("DROP TABLE IF EXISTS _cached_parts")


def land(
    con: duckdb.DuckDBPyConnection,
    contract: SourceContract,
    parts: Iterable[tuple[str, FileReadInfo, Iterator[pa.RecordBatch]]],
    snapshot_at: datetime | None,
    sinks: Callable[[int], PartSink | None] | None = None,
    typed: frozenset[int] = frozenset(),
) -> Landed:
    """Insert every part's batches; parts are read lazily, in order, and inserted every
    FLUSH_ROWS rows, so memory stays bounded whatever the snapshot's size. `sinks(file order)`
    gives where a read file's landed rows are kept (parts.py), or None; the kept parts of the
    files `typed` (file orders) land their raw rows only (_insert_cached)."""
    name = contract.name
    raw, norm = f"_landing_raw_{name}", f"_landing_norm_{name}"
    text_cols = contract.column_names
    col_defs = ", ".join(f"{q(c)} VARCHAR" for c in [*text_cols, *HINT_COLUMNS, "_format"])
    scale_defs = "".join(f", {q('_scale_' + c.name)} DOUBLE" for c in contract.columns if c.type == "decimal")
    for t in (raw, norm):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {t} ({col_defs}, _row_number BIGINT, _cells_ok BOOLEAN, "
            f"_rid BIGINT, _file_order INTEGER, _source_file VARCHAR{scale_defs}, _snapshot_at TIMESTAMP)"
        )
    landed = Landed(raw, norm)
    pending: list[tuple[pa.RecordBatch, pa.RecordBatch]] = []  # (raw, normalised) batches not yet inserted

    def flush() -> None:
        for table, i in ((raw, 0), (norm, 1)):
            con.register("_landing_batch", pa.Table.from_batches([p[i] for p in pending]))
            con.execute(f"INSERT INTO {table} SELECT *, ?::TIMESTAMP FROM _landing_batch", [snapshot_at])
            con.unregister("_landing_batch")
        pending.clear()

    def pending_rows() -> int:
        return sum(p[0].num_rows for p in pending)

    try:
        return _land_parts(
            con, contract, parts, snapshot_at, sinks, landed, flush, pending, pending_rows, typed
        )
    except BaseException:
        for part in landed.parts:  # a file that cannot be read: nothing of this load is kept
            if part.sink is not None:
                part.sink.discard()
        raise


def _land_parts(
    con, contract, parts, snapshot_at, sinks, landed, flush, pending, pending_rows, typed
) -> Landed:
    raw, norm = landed.raw_table, landed.norm_table
    rid = 0
    cached: list[tuple] = []
    for order, (label, info, batches) in enumerate(parts):
        landed.parts.append(LandedPart(label, info, rid))
        if isinstance(batches, CachedPart):
            # A file read by an earlier load (same bytes): its kept rows, renumbered for their
            # place in this snapshot (parts.py).
            cached.append((batches, label, order, rid, _scale_values(contract, info.scales)))
            rid += batches.rows
            landed.parts[-1].cached = True
            continue
        sink = sinks(order) if sinks is not None else None
        landed.parts[-1].sink = sink
        for batch in batches:
            # The file's cells, normalised, become contract columns by the file's plan (formats.py).
            raw_b, norm_b = info.plan.assemble(batch, normalise_batch(batch, info.plan.slot_names))
            if sink is not None:
                sink.add(raw_b, norm_b)
            dec, norm_dec = _decorate((raw_b, norm_b), contract, label, order, rid, info.scales)
            rid += batch.num_rows
            if pending and dec.schema != pending[0][0].schema:
                flush()
            pending.append((dec, norm_dec))
            if pending_rows() >= FLUSH_ROWS:
                flush()
    if pending:
        flush()
    if cached:
        _insert_cached(con, (raw, norm), cached, snapshot_at, typed)
    landed.rows = rid
    return landed
