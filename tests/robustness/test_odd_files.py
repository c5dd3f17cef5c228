"""Files that cannot be read as files (SOURCES.md): a named pipe, a socket, no read permission,
a name that is not valid UTF-8, a symbolic link loop or to nothing. Each is refused with its
name (shown escaped), the file type is looked at before anything opens it (a pipe never hangs
the run), only its source stops, and the run says it in its one paragraph."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from ip_pipeline.ingest import files as files_mod
from ip_pipeline.ingest.errors import SourceFileError
from ip_pipeline.ingest.files import list_snapshot, shown
from tests.ingest.conftest import PATENT_HEADER, app_no, patent

from .conftest import cli, table_digest

BAD_NAME = os.fsdecode(b"\xb2\xe2\xca\xd4-export.csv")  # GBK bytes of 测试, not valid UTF-8
BAD_SHOWN = "\\xb2\\xe2\\xca\\xd4-export.csv"


def _good(zone) -> None:
    zone.csv("patents", PATENT_HEADER, [patent(app=app_no(2021, 1, 1))], name="a.csv")


def _refused(zone, label: str, *words: str) -> SourceFileError:
    with pytest.raises(SourceFileError) as err:
        zone.stage("patents")
    assert err.value.file == label, err.value
    for w in words:
        assert w in err.value.problem, err.value.problem
    return err.value


@pytest.mark.timeout(60)
def test_named_pipe_is_refused_without_opening_it(zone):
    _good(zone)
    os.mkfifo(zone.landing / "patents" / "b.csv")  # opening it for reading would block forever
    _refused(zone, "patents/b.csv", "named pipe")


@pytest.mark.timeout(60)
def test_socket_is_refused(zone):
    _good(zone)
    path = zone.landing / "patents" / "s.csv"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        _refused(zone, "patents/s.csv", "socket")


def test_name_not_valid_utf8_is_refused_shown_escaped(zone):
    _good(zone)
    (zone.landing / "patents" / BAD_NAME).write_bytes(b"x")
    err = _refused(zone, f"patents/{BAD_SHOWN}", "not valid UTF-8", "rename it")
    assert "\udcb2" not in str(err)  # no lone surrogate reaches a message, a log or the warehouse
    assert shown("普通.csv") == "普通.csv"


def test_name_not_valid_utf8_of_an_ignored_file_is_only_a_warning(zone):
    _good(zone)
    (zone.landing / "patents" / os.fsdecode(b"notes-\xff.txt")).write_bytes(b"x")
    s = zone.stage("patents")
    assert any("notes-\\xff.txt" in w for w in s.result.warnings)


def test_symlink_loop_and_dangling_symlink_are_refused(zone):
    _good(zone)
    folder = zone.landing / "patents"
    os.symlink(folder / "y.csv", folder / "x.csv")
    os.symlink(folder / "x.csv", folder / "y.csv")
    _refused(zone, "patents/x.csv", "symbolic link loop")
    (folder / "x.csv").unlink()
    (folder / "y.csv").unlink()
    os.symlink(folder / "gone.csv", folder / "x.csv")
    _refused(zone, "patents/x.csv", "symbolic link to nothing")


def test_unreadable_file_is_refused_naming_it(zone, monkeypatch):
    """Tests run as root, who may read anything: the open is made to fail as it would for a user."""
    _good(zone)
    zone.csv("patents", PATENT_HEADER, [patent(app=app_no(2021, 1, 2))], name="locked.csv")
    real_open = os.open

    def no_permission(path, flags, *a, **kw):
        if str(path).endswith("locked.csv"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *a, **kw)

    monkeypatch.setattr(files_mod.os, "open", no_permission)
    _refused(zone, "patents/locked.csv", "cannot be read (Permission denied)", "permissions")


def test_unreadable_file_for_a_non_root_user(tmp_path):
    """The real thing: chmod 000 and a process that is not root (forked, then setuid to nobody)."""
    if os.geteuid() != 0 and not hasattr(os, "fork"):
        pytest.skip("needs fork")
    base = Path(tempfile.mkdtemp(prefix="ip-odd-", dir="/tmp"))
    try:
        os.chmod(base, 0o755)
        (base / "patents").mkdir()
        f = base / "patents" / "locked.csv"
        f.write_text("申请号\n")
        os.chmod(f, 0o000)
        os.chmod(base / "patents", 0o755)
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            try:
                os.close(r)
                if os.geteuid() == 0:
                    os.setgid(65534)
                    os.setuid(65534)
                try:
                    list_snapshot(base, "patents", "patents")
                    msg = "not refused"
                except SourceFileError as exc:
                    msg = f"{exc.file}|{exc.problem}"
                os.write(w, msg.encode())
            finally:
                os._exit(0)
        os.close(w)
        out = b""
        while chunk := os.read(r, 4096):
            out += chunk
        os.close(r)
        os.waitpid(pid, 0)
        assert out.decode() == "patents/locked.csv|cannot be read (Permission denied); check its permissions"
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_directory_named_like_a_csv_is_a_warning_not_a_refusal(zone):
    _good(zone)
    (zone.landing / "patents" / "old.csv").mkdir()
    s = zone.stage("patents")
    assert s.result.staged == 1
    assert any("patents/old.csv: sub-folders are not read" in w for w in s.result.warnings)


def test_file_that_vanishes_or_fails_while_read_is_refused_naming_it(zone, monkeypatch):
    from ip_pipeline.ingest import staging

    _good(zone)

    def broken_parts(contract, landing, files):
        raise OSError(errno.EIO, "Input/output error", str(files[0].path))
        yield  # pragma: no cover

    monkeypatch.setattr(staging, "file_parts", broken_parts)
    _refused(zone, "patents/a.csv", "cannot be read (Input/output error)")


@pytest.mark.timeout(900)
def test_cli_odd_files_stop_only_their_source(home):
    """A pipe in patents/, a non-UTF-8 name in trademarks/: those two sources are refused with the
    file names, no hang, no traceback; pledges (changed in the same run) loads."""
    warehouse = home / "warehouse.duckdb"
    os.mkfifo(home / "landing/patents/zz_pipe.csv")
    (home / "landing/trademarks" / BAD_NAME).write_bytes(b"\xef\xbb\xbf")
    pledges = sorted((home / "landing/pledges").glob("*.csv"))[0]
    lines = pledges.read_bytes().splitlines(keepends=True)
    pledges.write_bytes(b"".join(lines[:-1]))  # one row fewer: a change that loads (within 5 %)
    before = {t: table_digest(warehouse, t) for t in ("stg_patents", "stg_trademarks", "stg_pledges")}
    done = cli("run", "--home", str(home), "--no-report", timeout=600)
    assert done.returncode == 1, done.output
    assert "Traceback" not in done.output and "Error:" not in done.stderr.split("Run failed.")[0]
    assert "patents: patents/zz_pipe.csv: is a named pipe (FIFO)" in done.stderr
    assert f"trademarks: trademarks/{BAD_SHOWN}: has a name that is not valid UTF-8" in done.stderr
    assert done.stderr.count("The previous snapshot is kept.") == 2
    after = {t: table_digest(warehouse, t) for t in before}
    assert after["stg_patents"] == before["stg_patents"]
    assert after["stg_trademarks"] == before["stg_trademarks"]
    assert after["stg_pledges"] != before["stg_pledges"]  # the other sources load
    assert len(done.stderr.strip().splitlines()) == 1  # one paragraph


@pytest.mark.timeout(60)
def test_a_file_swapped_for_a_pipe_after_the_listing_does_not_hang(zone, monkeypatch):
    """The listing saw a regular file; by the time it is hashed it is a pipe: refused, no hang."""
    from ip_pipeline.ingest import staging

    _good(zone)
    real_list = staging.list_snapshot

    def list_then_swap(landing, folder, source):
        listing = real_list(landing, folder, source)
        target = landing / folder / "a.csv"
        target.unlink()
        os.mkfifo(target)
        return listing

    monkeypatch.setattr(staging, "list_snapshot", list_then_swap)
    files_mod._content_hash.cache_clear()
    _refused(zone, "patents/a.csv", "cannot be read (not a regular file any more")
