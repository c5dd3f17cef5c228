"""Case 4 — security: no secret in code, config or logs; the UI binds to 127.0.0.1; personal names
(`party`) masked in every export and never in a report; CSV/XLSX cells cannot run as formulas;
landing file names cannot escape the data directory.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from ip_pipeline.exports import safe_cell
from ip_pipeline.ingest.contracts import load_contract, normalise_header
from ip_pipeline.ingest.errors import SourceFileError
from tests.ingest.conftest import PATENT_HEADER, app_no, patent

from .conftest import ROOT, cli

# user ":" password "@" — written so that this file does not match itself.
PASSWORD_URL = re.compile("://" + r"[^\s:/@'\"]*" + "[:]" + r"([^\s@'\"/]+)" + "@" + r"([^\s/:'\"]+)")
DOCUMENTATION_HOSTS = re.compile(
    r"(^|\.)(example(\.com|\.org|\.net)?|invalid)$"
)  # RFC 2606: never a real server


def _project_files() -> list[Path]:
    """Tracked files plus new ones not ignored (what the next commit would add); tests hold fake
    credentials on purpose (to check masking) and are left out."""
    out = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()
    return [ROOT / p for p in out if not p.startswith(("tests/", "data/")) and (ROOT / p).is_file()]


def test_no_secret_in_code_or_config():
    found = []
    for path in _project_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for n, line in enumerate(text.splitlines(), 1):
            for m in PASSWORD_URL.finditer(line):
                if m.group(1) != "***" and not DOCUMENTATION_HOSTS.search(m.group(2)):
                    found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:120]}")
    assert not found, "password in a URL:\n" + "\n".join(found)


PASSWORD = "Hunter2-" + "x9Q"


def test_database_urls_with_passwords_masked_in_every_message(home):
    """Even with --debug (tracebacks, Dagster's own logs) the password of an unreachable database
    URL appears nowhere: not on stdout/stderr, not in the run's logs under the data directory."""
    url = f"postgresql+psycopg2://reader:{PASSWORD}@127.0.0.1:9/test"
    done = cli(
        "--debug", "run", "--home", str(home), "--no-report", env={"IP_PIPELINE_ENFORCEMENT_DB_URL": url}
    )
    assert done.returncode != 0
    assert PASSWORD not in done.output
    assert "reader:***@127.0.0.1:9/test" in done.output
    leaked = [p for p in home.rglob("*") if p.is_file() and PASSWORD.encode() in p.read_bytes()]
    assert not leaked, leaked
    doctor = cli("doctor", "--home", str(home), env={"IP_PIPELINE_ENFORCEMENT_DB_URL": url}, timeout=120)
    assert PASSWORD not in doctor.output and "reader:***@127.0.0.1:9/test" in doctor.output


def test_webserver_binds_to_localhost_unless_told_otherwise():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    ui = makefile.split("\nui:", 1)[1].split("\n\n", 1)[0]
    assert re.search(r"(dagster|dg) dev .*-h 127\.0\.0\.1", ui), ui
    units = sorted((ROOT / "deploy").rglob("*.service"))
    web = [u for u in units if "dagster-webserver" in u.read_text(encoding="utf-8")]
    assert web, "no webserver unit in deploy/"
    for unit in web:
        exec_start = [
            line for line in unit.read_text(encoding="utf-8").splitlines() if line.startswith("ExecStart=")
        ]
        assert exec_start and all(re.search(r"\s-h 127\.0\.0\.1(\s|$)", line) for line in exec_start), (
            exec_start
        )
    for path in [ROOT / "Makefile", ROOT / "workspace.yaml", *(ROOT / "deploy").rglob("*")]:
        if path.is_file():
            assert "0.0.0.0" not in path.read_text(encoding="utf-8", errors="replace"), path


# ---- personal names ---------------------------------------------------------------------------


def _decoded(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _party_names(home: Path) -> set[str]:
    """Every `当事人` of the enforcement files that appears in no other source (a company that is
    also a patent holder may rightly be printed as a holder)."""
    names = set()
    for f in (home / "landing/enforcement").glob("*.csv"):
        rows = list(csv.reader(io.StringIO(_decoded(f))))
        known = load_contract("enforcement").header_map  # the header may be an alias (当事人名称 …)
        col = [(known.get(normalise_header(h)) or (None,))[0] for h in rows[0]].index("party")
        names |= {r[col].strip() for r in rows[1:] if len(r) > col and len(r[col].strip()) >= 2}
    others = " ".join(
        _decoded(f) for f in (home / "landing").rglob("*.csv") if f.parent.name != "enforcement"
    )
    names = {n for n in names if n not in others}
    assert len(names) >= 5, "the sample has too few personal names to test with"
    return names


def _leaks(text: str, names: set[str]) -> set[str]:
    return {n for n in names if n in text or json.dumps(n)[1:-1] in text}


def test_personal_names_masked_in_every_export(home, capsys):
    from ip_pipeline.cli.output import emit
    from ip_pipeline.defs.metadata import preview
    from ip_pipeline.indicators.explain import EXPLAIN, explain
    from ip_pipeline.report.build import build_report

    names = _party_names(home)
    warehouse = home / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        as_of = con.execute("SELECT max(as_of) FROM indicator_values").fetchall()[0][0]
        # Dagster metadata previews (what the UI shows) of every table holding `party`.
        for table in ("raw_enforcement", "stg_enforcement", "quarantine_enforcement"):
            shown = preview(con, table)
            assert not _leaks(shown, names), table
        # explain (CSV and JSON) for every indicator it knows.
        for indicator in EXPLAIN:
            df = explain(con, indicator, as_of)
            for fmt in ("csv", "json"):
                emit(df, fmt)
                assert not _leaks(capsys.readouterr().out, names), (indicator, fmt)
    finally:
        con.close()
    # The report (every string drawn on the PDF pages) and its workbook.
    month = f"{as_of:%Y-%m}"
    for lang in ("zh", "en"):
        built = build_report(home, month, lang=lang, record=False)
        assert not _leaks(built.rendered_text, names)
        wb = openpyxl.load_workbook(built.xlsx, read_only=True)
        cells = " ".join(
            str(c)
            for ws in wb.worksheets
            for row in ws.iter_rows(values_only=True)
            for c in row
            if c is not None
        )
        wb.close()
        assert not _leaks(cells, names)
    # Everything else the run wrote for people: quality Data Docs, alerts, the Dagster event log.
    for folder in ("quality", "alerts", "dagster_home", "reports"):
        for f in (home / folder).rglob("*") if (home / folder).exists() else []:
            if f.is_file() and f.suffix not in (".png", ".pdf", ".xlsx"):
                assert not _leaks(f.read_bytes().decode("utf-8", errors="ignore"), names), f


# ---- formula injection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("烟台测试", "烟台测试"),
        ("a=b", "a=b"),
        ("", ""),
        (None, None),
        (-5, -5),
        (-0.25, -0.25),
        (0, 0),
    ],
)
def test_formula_injection_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_formula_injection_neutralised_in_cli_csv(capsys):
    from ip_pipeline.cli.output import emit

    df = pd.DataFrame(
        {
            "holder": ["=cmd|' /C calc'!A0", "+1+1", "@SUM(1)", "'; DROP TABLE x; --", "烟台"],
            "value": [-1.5, 2.0, -3.0, 0.0, 1.0],
            "flags": [["a"], [], None, ["b", "c"], []],
        }
    )
    emit(df, "csv")
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["holder"] for r in rows] == [
        "'=cmd|' /C calc'!A0",
        "'+1+1",
        "'@SUM(1)",
        "'; DROP TABLE x; --",
        "烟台",
    ]
    assert [float(r["value"]) for r in rows] == [-1.5, 2.0, -3.0, 0.0, 1.0]  # negative numbers stay numbers


def test_formula_injection_neutralised_in_report_xlsx(tmp_path, home):
    from ip_pipeline.report.xlsx import add_sheet

    wb = openpyxl.Workbook()
    add_sheet(
        wb, "t", ["a", "b", "c", "d", "e"], [["=cmd|' /C calc'!A0", -5, "-5", ["@SUM(1)", "x"], "烟台"]]
    )
    wb.save(tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["t"]
    assert [c.value for c in ws[2]] == ["'=cmd|' /C calc'!A0", -5, "'-5", "'@SUM(1), x", "烟台"]
    assert [c.data_type for c in ws[2]] == ["s", "n", "s", "s", "s"]
    # The real report: no cell is a formula, no text cell starts like one.
    for xlsx in (home / "reports").rglob("*.xlsx"):
        for sheet in openpyxl.load_workbook(xlsx).worksheets:
            for row in sheet.iter_rows():
                for c in row:
                    assert c.data_type != "f", (xlsx.name, sheet.title, c.coordinate, c.value)
                    assert not (
                        isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@", "\t", "\r"))
                    ), (xlsx.name, sheet.title, c.coordinate, c.value)


# ---- the landing zone cannot reach outside the data directory ----------------------------------


def _outside_file(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    path = outside / "secret.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([PATENT_HEADER, patent(app=app_no(2021, 1, 99))])
    return path


@pytest.mark.parametrize(
    "how", ["absolute_symlink", "dotdot_symlink", "symlinked_folder", "reference_symlink"]
)
def test_landing_file_names_cannot_escape_the_data_directory(zone, tmp_path, how):
    zone.csv("patents", PATENT_HEADER, [patent(app=app_no(2021, 1, 1))])
    good = zone.stage("patents")
    secret = _outside_file(tmp_path)
    if how == "absolute_symlink":
        (zone.landing / "patents/evil.csv").symlink_to(secret)
    elif how == "dotdot_symlink":
        (zone.landing / "patents/evil.csv").symlink_to(os.path.relpath(secret, zone.landing / "patents"))
        assert ".." in os.readlink(zone.landing / "patents/evil.csv")
    elif how == "symlinked_folder":
        (zone.landing / "patents/part1.csv").rename(secret.parent / "part1.csv")
        (zone.landing / "patents").rmdir()
        (zone.landing / "patents").symlink_to(secret.parent)
    else:
        ref = zone.landing / "reference/sei_ipc.csv"
        (secret.parent / "sei_ipc.csv").write_bytes(ref.read_bytes())
        ref.unlink()
        ref.symlink_to(secret.parent / "sei_ipc.csv")
    with pytest.raises(SourceFileError, match="points outside the landing zone; refused"):
        zone.stage("patents")
    con = duckdb.connect(str(zone.warehouse), read_only=True)
    try:
        staged = con.execute("SELECT application_no FROM stg_patents").fetchall()
    finally:
        con.close()
    assert staged == [(a,) for a in good.stg.application_no]  # the previous snapshot is kept


def test_symlink_inside_the_landing_zone_is_read(zone):
    archive = zone.landing / "archive"
    archive.mkdir()
    with open(archive / "p.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([PATENT_HEADER, patent(app=app_no(2021, 1, 5))])
    (zone.landing / "patents").mkdir()
    (zone.landing / "patents/p.csv").symlink_to("../archive/p.csv")
    assert list(zone.stage("patents").stg.application_no) == [app_no(2021, 1, 5)]
