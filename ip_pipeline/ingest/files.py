"""Which files make up a source's snapshot, and its fingerprint.

Every .csv/.xlsx in the source folder is one part of the snapshot, read in
name order (the order that decides which duplicate wins). Hidden files and
files still being written (`*.part`, Excel's `~$*` lock files) are ignored
silently; any other extension is ignored with a warning (SOURCES.md).
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timezone
from pathlib import Path

from .errors import SourceFileError

DATA_SUFFIXES = {".csv", ".xlsx"}


@dataclass(frozen=True)
class SnapshotFile:
    path: Path
    relative: str  # relative to the landing zone, as recorded in _source_file
    size: int
    mtime: float


@dataclass(frozen=True)
class SnapshotListing:
    files: list[SnapshotFile]
    warnings: list[str]


def _being_written(name: str) -> bool:
    return name.startswith(".") or name.startswith("~$") or name.endswith(".part")


def list_snapshot(landing: Path, folder: str, source: str) -> SnapshotListing:
    """The data files of one source folder, refusing anything that escapes the landing zone."""
    root = (landing / folder)
    files: list[SnapshotFile] = []
    warnings: list[str] = []
    if not root.is_dir():
        return SnapshotListing(files, warnings)
    landing_real = landing.resolve()
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        name = entry.name
        if _being_written(name):
            continue
        if entry.is_dir():
            warnings.append(f"{folder}/{name}: sub-folders are not read")
            continue
        if entry.suffix.lower() not in DATA_SUFFIXES:
            warnings.append(f"{folder}/{name}: ignored (only .csv and .xlsx are read)")
            continue
        real = entry.resolve()
        # A symlink (or `..` trick) pointing outside the landing zone is refused: file names
        # from the landing zone must never reach outside the data directory.
        if landing_real not in real.parents:
            raise SourceFileError(source, f"{folder}/{name}", "points outside the landing zone; refused")
        st = real.stat()
        files.append(SnapshotFile(real, f"{folder}/{name}", st.st_size, st.st_mtime))
    return SnapshotListing(files, warnings)


@lru_cache(maxsize=65_536)
def _content_hash(path: str, device: int, inode: int, size: int, mtime_ns: int, ctime_ns: int) -> str:
    """Content hash of a file, remembered by this process under its identity and change stamps.
    A nightly CLI run hashes each landing file twice (deciding which months to run, then
    ingesting); the second is served here. Every new process hashes the content afresh."""
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _file_hash(path: Path) -> str:
    st = path.stat()
    return _content_hash(str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def fingerprint(files: list[SnapshotFile]) -> str:
    """Content hash of the snapshot: names and bytes, not timestamps (a touched file is unchanged)."""
    h = hashlib.blake2b(digest_size=16)
    for f in files:
        h.update(f.relative.encode("utf-8") + b"\0")
        h.update(_file_hash(f.path).encode())
        h.update(b"\1")
    return h.hexdigest()


def snapshot_time(files: list[SnapshotFile]) -> datetime | None:
    """The data's vintage: the newest modification time among the parts (UTC, naive)."""
    if not files:
        return None
    newest = max(f.mtime for f in files)
    return datetime.fromtimestamp(newest, tz=timezone.utc).replace(tzinfo=None, microsecond=0)


def stable(files: list[SnapshotFile]) -> list[str]:
    """Files whose size changed since they were listed: still being written."""
    changing = []
    for f in files:
        try:
            if os.stat(f.path).st_size != f.size:
                changing.append(f.relative)
        except FileNotFoundError:
            changing.append(f.relative)
    return changing
