"""Suite-wide rules. In CI (CI=true) a skipped test is a failure: every service, binary and
fixture a test needs must be there, so a green CI run means every test really ran."""

from __future__ import annotations

import pytest

from tests.services import in_ci


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped in CI, which counts as a failure: {reason}"
