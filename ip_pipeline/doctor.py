"""`ip-pipeline doctor`: check the environment and say in plain words what to fix."""
from __future__ import annotations

import importlib
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from .ingest.contracts import load_contracts, load_reference_tables
from .ingest.database import configured_url, mask_url
from .ingest.errors import SourceFileError
from .ingest.files import list_snapshot
from .paths import Home

MIN_FREE_BYTES = 2 * 1024**3


@dataclass
class Finding:
    level: str  # ok | warn | fail
    topic: str
    text: str


def _python() -> list[Finding]:
    ok = sys.version_info >= (3, 11)
    out = [Finding("ok" if ok else "fail", "python",
                   f"Python {sys.version.split()[0]}" + ("" if ok else ": version 3.11 or newer is required"))]
    for mod in ("dagster", "duckdb", "great_expectations", "pandas", "matplotlib", "openpyxl", "sqlalchemy", "pyarrow"):
        try:
            m = importlib.import_module(mod)
            out.append(Finding("ok", "package", f"{mod} {getattr(m, '__version__', '')}".strip()))
        except Exception as exc:  # noqa: BLE001 - any import failure is the finding
            out.append(Finding("fail", "package", f"{mod} cannot be imported ({exc}); run `make install`"))
    return out


def _fonts() -> list[Finding]:
    try:
        from .report.fonts import FAMILY, MissingFontError, collection_path, publisher  # the report's own lookup
    except Exception as exc:  # noqa: BLE001 - matplotlib missing is reported under package
        return [Finding("fail", "fonts", f"the report's font lookup cannot be loaded ({exc}); run `make install`")]
    try:
        path = collection_path()
    except MissingFontError as exc:
        return [Finding("fail", "fonts", str(exc))]
    return [Finding("ok", "fonts", f"CJK font for the report: {FAMILY}, {path} ({publisher(path)})")]


def _disk(home: Home) -> list[Finding]:
    target = home.root if home.root.exists() else home.root.parent
    free = shutil.disk_usage(target).free
    level = "ok" if free >= MIN_FREE_BYTES else "warn"
    text = f"{free / 1024**3:.1f} GiB free under {target}"
    if level != "ok":
        text += ": a run needs room for the warehouse and reports; free some space"
    return [Finding(level, "disk", text)]


def _warehouse(home: Home) -> list[Finding]:
    if not home.warehouse.exists():
        return [Finding("warn", "warehouse", f"no warehouse yet at {home.warehouse}; `ip-pipeline run` creates it")]
    import duckdb

    try:
        con = duckdb.connect(str(home.warehouse), read_only=True)
        con.close()
        return [Finding("ok", "warehouse", f"{home.warehouse} opens (no other process holds the write lock)")]
    except duckdb.IOException as exc:
        return [Finding("fail", "warehouse", f"{home.warehouse} is locked by another process ({str(exc).splitlines()[0]}); "
                                             "wait for the running job or stop the process that holds it")]
    except duckdb.Error as exc:
        return [Finding("fail", "warehouse", f"{home.warehouse} cannot be opened: {str(exc).splitlines()[0]}")]


def _landing(home: Home) -> list[Finding]:
    if not home.landing.is_dir():
        return [Finding("fail", "landing", f"no landing zone at {home.landing}; put the exports there "
                                           f"or run `ip-pipeline sample --home {home.root}`")]
    out = []
    for name, contract in load_contracts().items():
        try:
            listing = list_snapshot(home.landing, contract.folder, name)
        except SourceFileError as exc:
            out.append(Finding("fail", "landing", str(exc)))
            continue
        if contract.database and configured_url(contract):
            out.append(Finding("ok", "landing", f"{name}: read from the database (IP_PIPELINE_ENFORCEMENT_DB_URL)"))
        elif not listing.files:
            out.append(Finding("warn", "landing", f"{name}: no .csv/.xlsx files in {home.landing / contract.folder}"))
        else:
            out.append(Finding("ok", "landing", f"{name}: {len(listing.files)} file(s)"))
        out += [Finding("warn", "landing", w) for w in listing.warnings]
    ref = home.landing / "reference"
    for t in load_reference_tables().values():
        if not (ref / t.file).exists():
            level = "fail" if t.required else "ok"
            out.append(Finding(level, "landing", f"reference/{t.file} is missing" + (
                f" (required): put it in {ref} (format: the spec's SOURCES.md § reference)" if t.required else " (optional)")))
    return out


def _database() -> list[Finding]:
    contract = load_contracts()["enforcement"]
    url = configured_url(contract)
    if not url:
        return [Finding("ok", "database", "enforcement comes from files (IP_PIPELINE_ENFORCEMENT_DB_URL not set)")]
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(url, pool_pre_ping=True)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return [Finding("ok", "database", f"{mask_url(url)} is reachable")]
    except Exception as exc:  # noqa: BLE001
        return [Finding("fail", "database", f"{mask_url(url)} is not reachable: "
                                            f"{mask_url(str(exc).splitlines()[0])}; check the server and the URL")]


def diagnose(home: Home) -> list[Finding]:
    return _python() + _fonts() + _disk(home) + _warehouse(home) + _landing(home) + _database()


def render(findings: list[Finding]) -> str:
    marks = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}
    lines = [f"[{marks[f.level]}] {f.topic:<10} {f.text}" for f in findings]
    fails = sum(f.level == "fail" for f in findings)
    warns = sum(f.level == "warn" for f in findings)
    lines.append("")
    lines.append("All good." if not fails and not warns else f"{fails} problem(s) to fix, {warns} warning(s).")
    return "\n".join(lines)
