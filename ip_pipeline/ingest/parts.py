"""Parsed parts kept by content: a landing file already read (same bytes) is not read again.

Each file of a snapshot is landed as rows of raw and normalised text (landing.py). After a
load, the rows of every file that was read are kept as two Parquet files under the data
directory, `<home>/cache/parts/<source>/<parser version>/<content hash>.{raw,norm}.parquet`
(plus a small JSON of what the reader found: encoding, headers, blank rows). The next
snapshot lands those files' rows from there, renumbered for their place in the new
snapshot (`_rid`, `_file_order`, `_source_file`, `_snapshot_at` are the snapshot's, never
kept), and reads only the files it has not seen. Everything after landing (typing, units,
duplicates, quarantine, counts) runs on the whole snapshot exactly as a full reload does,
so the staged tables are the same row for row.

The parser version is a hash of the contract, the export formats and the code that reads
and normalises: any change to them makes every kept part stale (read again). Nothing here
is in the warehouse (its backups stay the size of the data) and nothing is in git.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ..paths import SOURCES_DIR
from ..settings import settings
from .contracts import SourceContract
from .readers import FileReadInfo

_CODE = ("readers.py", "formats.py", "normalise.py", "landing.py", "contracts.py", "parts.py")
_INFO_FIELDS = ("encoding", "columns", "scales", "ignored_headers", "blank_rows", "rows", "format", "width")


@dataclass(frozen=True)
class CachedPart:
    """A file's landed rows, kept from an earlier load."""

    raw: Path
    norm: Path
    rows: int


@lru_cache(maxsize=64)
def parser_version(source: str, sources_dir: str) -> str:
    h = hashlib.blake2b(digest_size=8)
    here = Path(__file__).resolve().parent
    for name in _CODE:
        h.update((here / name).read_bytes())
    folder = Path(sources_dir)
    for p in [folder / f"{source}.yaml", *sorted((folder / "formats").glob("*.yaml"))]:
        if p.is_file():
            h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def warehouse_home(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The data directory of the warehouse file this connection has open (None: in memory)."""
    rows = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    path = rows[0][0] if rows else None
    return Path(path).resolve().parent if path else None


class PartStore:
    """The kept parts of one source under one data directory."""

    def __init__(self, home: Path, contract: SourceContract, sources_dir: Path | None = None):
        self.base = home / "cache" / "parts" / contract.name
        self.root = self.base / parser_version(contract.name, str(sources_dir or SOURCES_DIR))

    @classmethod
    def for_connection(cls, con: duckdb.DuckDBPyConnection, contract: SourceContract) -> PartStore | None:
        if settings().no_part_cache:
            return None
        home = warehouse_home(con)
        return cls(home, contract) if home is not None else None

    def _paths(self, digest: str) -> tuple[Path, Path, Path]:
        return (
            self.root / f"{digest}.raw.parquet",
            self.root / f"{digest}.norm.parquet",
            self.root / f"{digest}.json",
        )

    def get(self, digest: str) -> tuple[CachedPart, FileReadInfo] | None:
        raw, norm, meta = self._paths(digest)
        try:
            doc = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not (raw.is_file() and norm.is_file()):
            return None
        info = FileReadInfo()
        for k in _INFO_FIELDS:
            if k in doc:
                setattr(info, k, doc[k])
        return CachedPart(raw, norm, int(doc["rows"])), info

    def sink(self, digest: str) -> PartSink:
        """Where the rows of a file being read are written as they are landed (in a thread)."""
        self.root.mkdir(parents=True, exist_ok=True)
        return PartSink(self, digest)

    def commit(self, sink: PartSink, info: FileReadInfo) -> bool:
        """Put a complete sink's files in place (atomically: temp files renamed), with the info."""
        if not sink.close():
            return False
        raw, norm, meta = self._paths(sink.digest)
        os.replace(sink.tmp[0], raw)
        os.replace(sink.tmp[1], norm)
        doc = {k: getattr(info, k) for k in _INFO_FIELDS}
        tmp = meta.with_name(meta.name + f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, meta)
        return True

    def keep_only(self, digests: set[str]) -> None:
        """After a load: drop parts no file of the loaded snapshot has, and stale parser versions."""
        if not self.base.is_dir():
            return
        for d in self.base.iterdir():
            if d != self.root:
                shutil.rmtree(d, ignore_errors=True)
        if not self.root.is_dir():
            return
        for p in self.root.iterdir():
            if p.name.split(".", 1)[0] not in digests:
                try:
                    p.unlink()
                except OSError:
                    pass


_writer_pool: ThreadPoolExecutor | None = None


def _writers() -> ThreadPoolExecutor:
    """One thread writes kept parts while the reader goes on (pyarrow releases the GIL)."""
    global _writer_pool
    if _writer_pool is None:
        _writer_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ip-parts")
    return _writer_pool


class PartSink:
    """The landed (raw, normalised) batches of one file, before the snapshot's bookkeeping,
    written to two temp Parquet files by a background thread."""

    def __init__(self, store: PartStore, digest: str):
        self.digest = digest
        raw, norm, _ = store._paths(digest)
        tag = f".{os.getpid()}.{id(self)}.tmp"
        self.tmp = (raw.with_name(raw.name + tag), norm.with_name(norm.name + tag))
        self.writers: list | None = None
        self.local = 0
        self.failed = False
        self.futures: list = []

    def _write(self, raw: pa.RecordBatch, norm: pa.RecordBatch) -> None:
        if self.failed:
            return
        try:
            if self.writers is None:
                self.writers = [pq.ParquetWriter(str(t), b.schema) for t, b in zip(self.tmp, (raw, norm))]
            for w, b in zip(self.writers, (raw, norm)):
                if b.schema != w.schema:
                    raise ValueError("a batch of another shape")
                w.write_batch(b)
        except Exception:  # noqa: BLE001 -- a part not kept is read again next time
            self.failed = True

    def add(self, raw: pa.RecordBatch, norm: pa.RecordBatch) -> None:
        n = raw.num_rows
        local = pa.array(range(self.local, self.local + n), type=pa.int64())
        self.local += n
        raw = raw.append_column("_local", local)
        norm = norm.append_column("_local", local)
        self.futures.append(_writers().submit(self._write, raw, norm))

    def close(self) -> bool:
        """Wait for the writes; True when both files are complete."""
        for f in self.futures:
            f.result()
        self.futures.clear()
        if self.writers is None:
            self.failed = True  # no rows: nothing worth keeping (reading it again costs nothing)
        else:
            for w in self.writers:
                try:
                    w.close()
                except Exception:  # noqa: BLE001
                    self.failed = True
        if self.failed:
            self.discard()
        return not self.failed

    def discard(self) -> None:
        for f in self.futures:
            f.result()
        self.futures.clear()
        if self.writers is not None:
            for w in self.writers:
                try:
                    w.close()
                except Exception:  # noqa: BLE001
                    pass
        for t in self.tmp:
            try:
                t.unlink()
            except OSError:
                pass
        self.failed = True
