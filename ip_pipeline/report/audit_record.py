"""Where a month's audit is recorded (`<month>/.audit.json`, written by staging.build_audited), and
reading it back: light, so the nightly's check of the bulletin loads no report stack."""

from __future__ import annotations

import json
from pathlib import Path

from ..paths import Home

AUDIT_FILE = ".audit.json"


def audit_record(home: Path, month: str) -> dict | None:
    """The month's last audit as written by build_audited (None before the first audited build)."""
    try:
        return json.loads((Home.of(home).reports / month / AUDIT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
