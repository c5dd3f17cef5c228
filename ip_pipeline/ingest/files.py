"""Which files make up a source's snapshot, and its fingerprint.

Every .csv/.xlsx in the source folder is one part of the snapshot, read in
name order (the order that decides which duplicate wins). Hidden files and
files still being written (`*.part`, Excel's `~$*` lock files) are ignored
silently; any other extension is ignored with a warning (SOURCES.md).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
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


def shown(name: str) -> str:
    """A file name as a person can read it: bytes that are not UTF-8 (which Python keeps as
    surrogate escapes) are shown as \\xNN, so the message names the file without crashing;
    control characters (a newline in a name) are escaped too, so a message stays one line."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        name = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name):
        name = "".join(
            ch.encode("unicode_escape").decode("ascii") if ord(ch) < 0x20 or ord(ch) == 0x7F else ch
            for ch in name
        )
    return name


def _valid_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _not_a_file(mode: int) -> str | None:
    """Why an entry of this type cannot be read as a file (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return (
            "is a named pipe (FIFO), not a file: refused without opening it (reading it would wait forever)"
        )
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file; refused"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file; refused"
    return "is not a regular file; refused"


def _check_readable(path: Path, source: str, label: str) -> None:
    """Open and close the file (never blocking) so a permission problem names the file here."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise SourceFileError(
            source, label, f"cannot be read ({exc.strerror or exc}); check its permissions"
        ) from None
    os.close(fd)


def list_snapshot(landing: Path, folder: str, source: str) -> SnapshotListing:
    """The data files of one source folder, refusing anything that escapes the landing zone
    and anything that cannot be read as a file (SOURCES.md): a pipe, a socket or a device, a
    file without read permission, a name that is not valid UTF-8, a symbolic link loop. The
    file type is checked before anything opens it: opening a pipe would wait forever."""
    root = landing / folder
    files: list[SnapshotFile] = []
    warnings: list[str] = []
    if not root.is_dir():
        return SnapshotListing(files, warnings)
    landing_real = landing.resolve()
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        name = entry.name
        label = f"{folder}/{shown(name)}"
        if _being_written(name):
            continue
        if entry.is_dir():
            warnings.append(f"{label}: sub-folders are not read")
            continue
        if entry.suffix.lower() not in DATA_SUFFIXES:
            warnings.append(f"{label}: ignored (only .csv and .xlsx are read)")
            continue
        if not _valid_utf8(name):
            raise SourceFileError(
                source,
                label,
                "has a name that is not valid UTF-8 (shown escaped); "
                "rename it (e.g. from the export's title) and run again",
            )
        try:
            real = Path(os.path.realpath(entry))
            st = os.stat(real)
        except FileNotFoundError:
            if entry.is_symlink():
                raise SourceFileError(
                    source, label, "is a symbolic link to nothing (its target is gone)"
                ) from None
            continue  # removed while we looked: not part of the snapshot
        except (OSError, RuntimeError) as exc:
            problem = (
                "is a symbolic link loop"
                if "loop" in str(exc).lower() or getattr(exc, "errno", None) == 40
                else f"cannot be read ({getattr(exc, 'strerror', None) or exc})"
            )
            raise SourceFileError(source, label, problem) from None
        # A symlink (or `..` trick) pointing outside the landing zone is refused: file names
        # from the landing zone must never reach outside the data directory.
        if landing_real not in real.parents:
            raise SourceFileError(source, label, "points outside the landing zone; refused")
        problem = _not_a_file(st.st_mode)
        if problem:
            raise SourceFileError(source, label, problem)
        _check_readable(real, source, label)
        files.append(SnapshotFile(real, label, st.st_size, st.st_mtime))
    return SnapshotListing(files, warnings)


@lru_cache(maxsize=65_536)
def _content_hash(path: str, device: int, inode: int, size: int, mtime_ns: int, ctime_ns: int) -> str:
    """Content hash of a file, remembered by this process under its identity and change stamps.
    A nightly CLI run hashes each landing file twice (deciding which months to run, then
    ingesting); the second is served here. Every new process hashes the content afresh."""
    h = hashlib.blake2b(digest_size=16)
    # Never blocking, and a regular file still: one swapped for a pipe after the listing must not
    # hang the run (the listing already refused the pipes it saw).
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file any more (replaced while the run looked at it)", path)
    with os.fdopen(fd, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def file_hash(path: Path) -> str:
    st = path.stat()
    return _content_hash(str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def fingerprint(files: list[SnapshotFile]) -> str:
    """Content hash of the snapshot: names and bytes, not timestamps (a touched file is unchanged)."""
    h = hashlib.blake2b(digest_size=16)
    for f in files:
        h.update(f.relative.encode("utf-8") + b"\0")
        h.update(file_hash(f.path).encode())
        h.update(b"\1")
    return h.hexdigest()


def snapshot_time(files: list[SnapshotFile]) -> datetime | None:
    """The data's vintage: the newest modification time among the parts (UTC, naive)."""
    if not files:
        return None
    newest = max(f.mtime for f in files)
    return datetime.fromtimestamp(newest, tz=UTC).replace(tzinfo=None, microsecond=0)


def still_growing(files: list[SnapshotFile]) -> list[str]:
    """Files whose size changed since they were listed: still being written (empty: all stable)."""
    changing = []
    for f in files:
        try:
            if os.stat(f.path).st_size != f.size:
                changing.append(f.relative)
        except FileNotFoundError:
            changing.append(f.relative)
    return changing


def identical_files(files: list[SnapshotFile]) -> list[str]:
    """Warnings for parts with the same bytes as an earlier part (an export saved twice under two
    names): their rows collapse as duplicates, which the warning explains. The hashes are the
    fingerprint's (remembered by this process), so this costs nothing more."""
    seen: dict[str, str] = {}
    out = []
    for f in files:
        h = file_hash(f.path)
        if h in seen:
            out.append(
                f"{f.relative}: the same bytes as {seen[h]} (a copy?); its rows collapse as duplicates"
            )
        else:
            seen[h] = f.relative
    return out
