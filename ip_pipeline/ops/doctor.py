"""`ip-pipeline doctor`: check the environment and say in plain words what to fix.

Fast by design (under 3 s on the sample city; `--timings` prints each check's time): the checks
run side by side on threads (DuckDB, SQLite and file-system calls release the GIL), packages
are found by their installed metadata instead of being imported (importing Dagster and Great
Expectations alone takes seconds; `--imports` does it for real), the report's font lookup is
loaded on its own (not the report package, which imports Dagster), and the landing zone is
listed (names, types, permissions), never hashed.

What it checks: Python and packages, the report font, free disk, the warehouse (not only its
lock: it is opened read-only and every column of every table read back, so a truncated file
or random bytes inside are caught by DuckDB's block checksums, naming the file and the table),
its backup generations and held snapshots, the Dagster storage (every SQLite file under
`<home>/dagster_home` through `PRAGMA quick_check`, naming the damaged file), the landing zone
and the enforcement database.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..paths import Home
from .integrity import damaged_storage, sqlite_files, warehouse_advice

MIN_FREE_BYTES = 2 * 1024**3
PACKAGES = (
    "dagster",
    "duckdb",
    "great_expectations",
    "pandas",
    "matplotlib",
    "openpyxl",
    "sqlalchemy",
    "pyarrow",
)


@dataclass
class Finding:
    level: str  # ok | warn | fail
    topic: str
    text: str


@dataclass
class Timing:
    check: str
    seconds: float


def _python(imports: bool = False) -> list[Finding]:
    ok = sys.version_info >= (3, 11)
    out = [
        Finding(
            "ok" if ok else "fail",
            "python",
            f"Python {sys.version.split()[0]}" + ("" if ok else ": version 3.11 or newer is required"),
        )
    ]
    for mod in PACKAGES:
        try:
            if imports:
                m = importlib.import_module(mod)
                version = getattr(m, "__version__", "")
            else:
                if importlib.util.find_spec(mod) is None:
                    raise ImportError(f"No module named {mod!r}")
                version = importlib.metadata.version(mod.replace("_", "-"))
            out.append(Finding("ok", "package", f"{mod} {version}".strip()))
        except Exception as exc:  # noqa: BLE001 - any import failure is the finding
            out.append(Finding("fail", "package", f"{mod} cannot be imported ({exc}); run `make install`"))
    return out


def _font_lookup():
    """The report's own font module, loaded from report/fonts.py alone: importing it as
    `ip_pipeline.report.fonts` runs the report package's __init__ (Dagster, pandas: seconds)."""
    path = Path(__file__).resolve().parent.parent / "report" / "fonts.py"
    # named inside the report package so that its relative imports (the settings) resolve, while
    # the package's __init__ is not run
    spec = importlib.util.spec_from_file_location("ip_pipeline.report._fonts_alone", path)
    if spec is None or spec.loader is None:
        from ..report import fonts  # the whole report package: only when the file cannot be loaded alone

        return fonts
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fonts() -> list[Finding]:
    try:
        fonts = _font_lookup()
    except Exception as exc:  # noqa: BLE001 - matplotlib missing is reported under package
        return [
            Finding("fail", "fonts", f"the report's font lookup cannot be loaded ({exc}); run `make install`")
        ]
    try:
        path = fonts.collection_path()
    except fonts.MissingFontError as exc:
        return [Finding("fail", "fonts", str(exc))]
    return [
        Finding("ok", "fonts", f"CJK font for the report: {fonts.FAMILY}, {path} ({fonts.publisher(path)})")
    ]


def _disk(home: Home) -> list[Finding]:
    target = home.root if home.root.exists() else home.root.parent
    free = shutil.disk_usage(target).free
    level = "ok" if free >= MIN_FREE_BYTES else "warn"
    text = f"{free / 1024**3:.1f} GiB free under {target}"
    if level != "ok":
        text += ": a run needs room for the warehouse and reports; free some space"
    return [Finding(level, "disk", text)]


def _warehouse(home: Home) -> list[Finding]:
    # Each check imports what it needs on its own thread: DuckDB, pyarrow and SQLAlchemy load side by side.
    import duckdb

    from ..db import is_lock_error, lock_holder
    from ..ingest import holds
    from .backups import DamagedDatabase, generations, scan

    if not home.warehouse.exists():
        if Path(f"{home.warehouse}.wal").exists():
            return [
                Finding(
                    "fail",
                    "warehouse",
                    f"{home.warehouse} is missing but its WAL {home.warehouse}.wal is "
                    f"there; `ip-pipeline restore --home {home.root}` puts back the last good backup",
                )
            ]
        if generations(home):
            return [
                Finding(
                    "warn",
                    "warehouse",
                    f"no warehouse at {home.warehouse}, but backups exist: "
                    f"`ip-pipeline restore --home {home.root}` brings the newest back "
                    f"(or `ip-pipeline rebuild` recomputes it)",
                )
            ]
        return [
            Finding(
                "warn", "warehouse", f"no warehouse yet at {home.warehouse}; `ip-pipeline run` creates it"
            )
        ]
    try:
        con = duckdb.connect(str(home.warehouse), read_only=True)
    except duckdb.Error as exc:
        if is_lock_error(exc):
            return [
                Finding(
                    "fail",
                    "warehouse",
                    f"{home.warehouse} is locked by another process, {lock_holder(exc)} "
                    f"({str(exc).splitlines()[0]}); "
                    "wait for the running job or stop the process that holds it",
                )
            ]
        return [
            Finding(
                "fail",
                "warehouse",
                f"{home.warehouse} is damaged: it cannot be opened "
                f"({str(exc).splitlines()[0]}). {warehouse_advice(home)}",
            )
        ]
    try:
        try:
            checked = scan(home.warehouse, con)
        except DamagedDatabase as exc:
            return [Finding("fail", "warehouse", f"{exc}. {warehouse_advice(home)}")]
        held = holds.pending(con)
    finally:
        con.close()
    rows = (
        f"{checked.indicator_values:,} indicator values"
        if checked.indicator_values is not None
        else "no indicators yet"
    )
    out = [
        Finding(
            "ok",
            "warehouse",
            f"{home.warehouse} reads back whole ({len(checked.tables)} tables, {rows}; "
            f"every block's checksum verified)",
        )
    ]
    for source, n, prev, held_at, accepted_at in held:
        if accepted_at is None:
            out.append(
                Finding(
                    "warn",
                    "held",
                    f"{source}: a snapshot of {n:,} rows (previous {prev:,}) is held since "
                    f"{held_at:%Y-%m-%d %H:%M} UTC; if the drop is real: "
                    f"`ip-pipeline accept --source {source} --home {home.root}`",
                )
            )
        else:
            out.append(
                Finding(
                    "ok",
                    "held",
                    f"{source}: the held snapshot ({n:,} rows) was accepted; the next run loads it",
                )
            )
    return out


def _backups(home: Home) -> list[Finding]:
    from .backups import DamagedDatabase, generations, scan  # on this check's thread (see _warehouse)

    gens = generations(home)
    if not gens:
        level = "warn" if home.warehouse.exists() else "ok"
        return [
            Finding(
                level,
                "backups",
                f"no backup generation yet in {home.root / 'backups'} "
                "(one is made, verified, after each successful run)",
            )
        ]
    newest = gens[0]
    try:
        scan(newest.path)  # a generation folder: every table file against its manifest
    except DamagedDatabase as exc:
        return [
            Finding(
                "warn",
                "backups",
                f"the newest backup generation is damaged ({exc}); `ip-pipeline restore` skips it "
                "for the next good one",
            )
        ]
    return [
        Finding(
            "ok",
            "backups",
            f"{len(gens)} generation(s); newest {newest.path.name} "
            f"(made {newest.made_at:%Y-%m-%d %H:%M} UTC); `ip-pipeline restore` brings it back",
        )
    ]


def _dagster_storage(home: Home) -> list[Finding]:
    files = sqlite_files(home.dagster_home)
    if not files:
        return [Finding("ok", "dagster", f"no Dagster storage yet under {home.dagster_home}")]
    problems = damaged_storage(home)
    if not problems:
        return [
            Finding(
                "ok", "dagster", f"{len(files)} SQLite file(s) under {home.dagster_home} pass quick_check"
            )
        ]
    return [
        Finding(
            "fail",
            "dagster",
            f"{p.path} is damaged ({p.problem}); the warehouse is not affected. "
            f"`ip-pipeline restore --dagster-storage --home {home.root}` sets the "
            f"storage aside and starts a new one",
        )
        for p in problems
    ]


def _landing(home: Home) -> list[Finding]:
    from ..ingest.contracts import (  # on this check's thread (see _warehouse)
        load_contracts,
        load_reference_tables,
    )
    from ..ingest.database import configured_url
    from ..ingest.errors import SourceFileError
    from ..ingest.files import list_snapshot

    if not home.landing.is_dir():
        return [
            Finding(
                "fail",
                "landing",
                f"no landing zone at {home.landing}; put the exports there "
                f"or run `ip-pipeline sample --home {home.root}`",
            )
        ]
    out = []
    for name, contract in load_contracts().items():
        try:
            listing = list_snapshot(home.landing, contract.folder, name)
        except SourceFileError as exc:
            out.append(Finding("fail", "landing", str(exc)))
            continue
        if contract.database and configured_url(contract):
            out.append(
                Finding("ok", "landing", f"{name}: read from the database (IP_PIPELINE_ENFORCEMENT_DB_URL)")
            )
        elif not listing.files:
            out.append(
                Finding("warn", "landing", f"{name}: no .csv/.xlsx files in {home.landing / contract.folder}")
            )
        else:
            out.append(Finding("ok", "landing", f"{name}: {len(listing.files)} file(s)"))
        out += [Finding("warn", "landing", w) for w in listing.warnings]
    ref = home.landing / "reference"
    for t in load_reference_tables().values():
        if not (ref / t.file).exists():
            level = "fail" if t.required else "ok"
            out.append(
                Finding(
                    level,
                    "landing",
                    f"reference/{t.file} is missing"
                    + (
                        f" (required): put it in {ref} (format: the spec's SOURCES.md § reference)"
                        if t.required
                        else " (optional" + ("; the project's default is used)" if t.default else ")")
                    ),
                )
            )
    return out


def _database() -> list[Finding]:
    from ..ingest.contracts import load_contracts  # on this check's thread (see _warehouse)
    from ..ingest.database import configured_url, mask_url

    contract = load_contracts()["enforcement"]
    url = configured_url(contract)
    if not url:
        return [
            Finding("ok", "database", "enforcement comes from files (IP_PIPELINE_ENFORCEMENT_DB_URL not set)")
        ]
    import sqlalchemy as sa  # only when a database is configured

    try:
        engine = sa.create_engine(url, pool_pre_ping=True)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        return [Finding("ok", "database", f"{mask_url(url)} is reachable")]
    except Exception as exc:  # noqa: BLE001
        return [
            Finding(
                "fail",
                "database",
                f"{mask_url(url)} is not reachable: "
                f"{mask_url(str(exc).splitlines()[0])}; check the server and the URL",
            )
        ]


def checks(home: Home, imports: bool = False) -> list[tuple[str, Callable[[], list[Finding]]]]:
    """(name, check) in the order the findings are printed."""
    return [
        ("python", lambda: _python(imports)),
        ("fonts", _fonts),
        ("disk", lambda: _disk(home)),
        ("warehouse", lambda: _warehouse(home)),
        ("backups", lambda: _backups(home)),
        ("dagster", lambda: _dagster_storage(home)),
        ("landing", lambda: _landing(home)),
        ("database", _database),
    ]


def _guarded(name: str, check: Callable[[], list[Finding]]) -> tuple[list[Finding], float]:
    start = time.perf_counter()
    try:
        found = check()
    except Exception as exc:  # noqa: BLE001 - a check that breaks is itself a finding, never a traceback
        found = [Finding("fail", name, f"the check itself failed: {type(exc).__name__}: {exc}")]
    return found, time.perf_counter() - start


def diagnose_timed(home: Home, imports: bool = False) -> tuple[list[Finding], list[Timing]]:
    todo = checks(home, imports)
    with ThreadPoolExecutor(max_workers=len(todo)) as pool:
        futures = [pool.submit(_guarded, name, fn) for name, fn in todo]
        results = [f.result() for f in futures]
    findings = [f for found, _ in results for f in found]
    return findings, [Timing(name, secs) for (name, _), (_, secs) in zip(todo, results)]


def diagnose(home: Home, imports: bool = False) -> list[Finding]:
    return diagnose_timed(home, imports)[0]


def render(findings: list[Finding]) -> str:
    marks = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}
    lines = [f"[{marks[f.level]}] {f.topic:<10} {f.text}" for f in findings]
    fails = sum(f.level == "fail" for f in findings)
    warns = sum(f.level == "warn" for f in findings)
    lines.append("")
    lines.append(
        "All good." if not fails and not warns else f"{fails} problem(s) to fix, {warns} warning(s)."
    )
    return "\n".join(lines)


def render_timings(timings: list[Timing], total: float) -> str:
    lines = ["", "Timings (the checks run side by side):"]
    lines += [f"  {t.check:<10} {t.seconds:6.2f} s" for t in timings]
    lines.append(f"  {'total':<10} {total:6.2f} s (wall clock, from the start of the command)")
    return "\n".join(lines)
