"""Shared helpers of the operations tests: services, free ports, subprocesses that are
always cleaned up, a sample landing zone, and a GraphQL client for the webserver."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
EXAMPLES = Path(os.environ.get("IP_PIPELINE_EXAMPLES") or REPO / "tests" / "fixtures" / "landing")
IN_CI = os.environ.get("CI", "").lower() == "true"


def bin_path(name: str) -> str:
    p = VENV_BIN / name
    return str(p) if p.exists() else (shutil.which(name) or name)


# The project-wide helpers (tests/services.py): skip on a workstation without the service or
# binary, FAIL when CI=true. Re-exported here for the operations tests.
from tests.services import require_binary, require_service  # noqa: E402,F401


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def artifacts_dir() -> Path:
    d = Path(os.environ.get("IP_PIPELINE_TEST_ARTIFACTS") or (REPO / "data"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def copy_examples(landing: Path, exclude: tuple[str, ...] = ()) -> Path:
    """The spec's example exports as a landing zone (writable, README left out)."""
    if not EXAMPLES.is_dir():
        pytest.skip(f"no example landing zone at {EXAMPLES}")
    landing.mkdir(parents=True, exist_ok=True)
    for entry in sorted(EXAMPLES.iterdir()):
        if entry.name == "README.md" or entry.name in exclude:
            continue
        if entry.is_dir():
            shutil.copytree(entry, landing / entry.name)
        else:
            shutil.copy2(entry, landing / entry.name)
    for p in [landing, *landing.rglob("*")]:
        p.chmod(p.stat().st_mode | 0o200)
    return landing


@pytest.fixture(autouse=True)
def _restore_dagster_env(monkeypatch, tmp_path: Path) -> None:
    """run_pipeline/get_instance point DAGSTER_HOME and IP_PIPELINE_HOME at a test's home;
    monkeypatch puts the caller's values back afterwards."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "unused_dagster_home"))
    monkeypatch.setenv("IP_PIPELINE_HOME", str(tmp_path / "unused_home"))


@pytest.fixture
def sample_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    copy_examples(home / "landing")
    return home


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DAGSTER_HOME", None)
    env.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def run_cli(
    *args: str, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [bin_path("ip-pipeline"), *args],
        cwd=REPO,
        env=env or child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _descendants(pid: int) -> list[int]:
    """Every live descendant of `pid` (Linux /proc), including those that moved to a session of
    their own, as Dagster's code servers do; they are orphaned, not killed, with their parent."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Processes:
    """Long-running children in their own process groups; `stop()` kills the groups and every
    descendant (gRPC code servers, run workers) by pid."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.procs: list[tuple[str, subprocess.Popen, Any]] = []

    def start(self, name: str, cmd: list[str], env: dict[str, str], cwd: Path = REPO) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "wb")
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs.append((name, proc, log))
        return proc

    def log_text(self, name: str) -> str:
        p = self.log_dir / f"{name}.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def check_alive(self) -> None:
        for name, proc, _ in self.procs:
            if proc.poll() is not None:
                raise AssertionError(f"{name} exited with {proc.returncode}:\n{self.log_text(name)[-3000:]}")

    def stop(self) -> None:
        for _name, proc, log in reversed(self.procs):
            family = _descendants(proc.pid)  # before the parent dies and they are re-parented
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    proc.wait(timeout=10)
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # stragglers left in the group
            except (ProcessLookupError, PermissionError):
                pass
            for pid in family:
                _kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in family):
                time.sleep(0.2)
            for pid in family:
                _kill(pid, signal.SIGKILL)
            log.close()
        self.procs.clear()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    procs = Processes(tmp_path)
    try:
        yield procs
    finally:
        procs.stop()


class GraphQL:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.url = f"{base_url}/graphql"

    def __call__(
        self, query: str, variables: dict[str, Any] | None = None, timeout: float = 60
    ) -> dict[str, Any]:
        import requests

        resp = requests.post(self.url, json={"query": query, "variables": variables or {}}, timeout=timeout)
        resp.raise_for_status()
        body = resp.json()
        if body.get("errors"):
            raise AssertionError(f"GraphQL errors: {body['errors']}")
        return body["data"]


def wait_for_webserver(base_url: str, procs: Processes, timeout: float = 120) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        procs.check_alive()
        try:
            if requests.get(f"{base_url}/server_info", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError(f"webserver at {base_url} did not answer within {timeout:.0f}s")


LOCATION_STATUS = """
query { workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message } } } } } }
"""


def wait_for_code_location(gql: GraphQL, procs: Processes, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        procs.check_alive()
        last = gql(LOCATION_STATUS)["workspaceOrError"]
        entries = last.get("locationEntries") or []
        if entries and all(e["loadStatus"] == "LOADED" for e in entries):
            errors = [e for e in entries if e["locationOrLoadError"]["__typename"] == "PythonError"]
            assert not errors, f"code location failed to load: {errors}"
            return
        time.sleep(1)
    raise AssertionError(f"code location not loaded within {timeout:.0f}s: {last}")
