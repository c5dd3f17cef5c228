"""Real servers for tests: use them when reachable; skip on a laptop without them, fail in CI."""

from __future__ import annotations

import os
import socket

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require_service(name: str, host: str, port: int) -> None:
    try:
        with socket.create_connection((host, port), timeout=2):
            return
    except OSError as exc:
        message = f"{name} is not reachable on {host}:{port} ({exc})"
        if in_ci():
            pytest.fail(f"{message}: in CI every service test must run")
        pytest.skip(f"{message}; start it to run this test")


def require_binary(name: str, path_hint: str | None = None) -> str:
    import shutil

    found = shutil.which(name) or (path_hint if path_hint and os.path.exists(path_hint) else None)
    if found:
        return found
    message = f"{name} is not installed (make system-deps installs it)"
    if in_ci():
        pytest.fail(f"{message}: in CI it must be present")
    pytest.skip(message)
