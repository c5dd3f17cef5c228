"""`report` ends with every file it wrote and the command that opens the UI; the archive shows a
month as its report published it (published_values) and never rewrites that history."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

import duckdb

from ip_pipeline.cli.report import add_cli
from ip_pipeline.report.data import load_report_data

from .conftest import build_warehouse


def cli(argv):
    parser = argparse.ArgumentParser(prog="ip-pipeline")
    add_cli(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_report_lists_every_file_it_wrote_and_the_ui_command(tmp_path, capsys):
    home = build_warehouse(tmp_path / "home", first="2024-12", last="2025-06")
    assert cli(["report", "--home", str(home), "--month", "2025-06", "--lang", "en"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    ui = [line for line in lines if line.startswith("Open the Dagster UI")]
    assert len(ui) == 1 and f"ui HOME_DIR={home.resolve()}" in ui[0] and "make -C " in ui[0]
    files = [Path(line.strip()) for line in lines if line.startswith("  ")]
    names = sorted(f.name for f in files)
    assert names == [
        "ip_indicators_2025-06_en.pdf",
        "ip_indicators_2025-06_en.xlsx",
        "ip_indicators_2025-06_en_p1.png",
    ]
    assert all(f.exists() and f.stat().st_size > 0 for f in files)
    # The monthly_report asset builds the month's both editions; the listing names the one asked for.
    written = {p for p in (home / "reports" / "2025-06").iterdir() if not p.name.startswith(".")}
    assert {p for p in written if "_en" in p.name} == set(files)
    assert {p.name for p in written - set(files)} == {n.replace("_en", "_zh") for n in names}
    assert lines[-1].endswith("ip_indicators_2025-06_en.pdf")


def test_archive_shows_the_values_as_published_and_keeps_the_history(tmp_path):
    home = build_warehouse(tmp_path / "home", first="2024-12", last="2025-06")
    wh = home / "warehouse.duckdb"
    con = duckdb.connect(str(wh))
    try:
        as_of, value, numerator = con.execute(
            "SELECT as_of, value, numerator FROM indicator_values WHERE indicator_id = 'hv_patents_per_10k' "
            "AND district_code = '370600' AND as_of = (SELECT max(as_of) FROM indicator_values WHERE as_of < DATE '2025-04-01')"
        ).fetchone()
        con.execute(
            "CREATE TABLE published_values (report_month VARCHAR, indicator_id VARCHAR, as_of DATE, "
            "district_code VARCHAR, value DOUBLE, published_at TIMESTAMP)"
        )
        # What the March report published then (a later revision changed it since).
        con.execute(
            "INSERT INTO published_values VALUES ('2025-03', 'hv_patents_per_10k', ?, '370600', ?, ?)",
            [as_of, value + 1.0, datetime(2025, 4, 2, 8, 0)],
        )
    finally:
        con.close()
    today = load_report_data(wh, "2025-03")
    archived = load_report_data(wh, "2025-03", as_published=True)
    sec = {s.id: s for s in today.sections}["hv_patents_per_10k"]
    old = {s.id: s for s in archived.sections}["hv_patents_per_10k"]
    assert sec.value == value and sec.numerator == numerator
    assert (
        old.value == value + 1.0 and old.numerator is None
    )  # a numerator that does not give the value is not shown
    other = {s.id: s for s in archived.sections}["valid_trademarks"]
    assert (
        other.value == {s.id: s for s in today.sections}["valid_trademarks"].value
    )  # no history: today's value

    from ip_pipeline.report import build_report

    result = build_report(home, "2025-03", lang="zh", record=False, as_published=True)
    assert result.pdf.exists() and result.xlsx.exists()
    con = duckdb.connect(str(wh), read_only=True)
    try:
        assert con.execute("SELECT report_month, value FROM published_values").fetchall() == [
            ("2025-03", value + 1.0)
        ]
    finally:
        con.close()


def test_run_and_demo_end_with_every_file_of_the_build_and_the_ui_command(tmp_path, capsys):
    """What `run`/`demo` print after a success: the files the month's build wrote (the manifest the
    monthly_report asset writes from build_report's results), the data docs index, the UI command."""
    from types import SimpleNamespace

    from ip_pipeline.cli.pipeline import _closing_lines
    from ip_pipeline.defs.reports import write_files_manifest
    from ip_pipeline.paths import Home
    from ip_pipeline.report import build_report

    home = Home.of(build_warehouse(tmp_path / "home", first="2024-12", last="2025-06"))
    built = [build_report(home.root, "2025-06", lang=lang) for lang in ("zh", "en")]
    write_files_manifest(home, "2025-06", [f for b in built for f in b.files])
    docs = home.quality / "data_docs" / "index.html"
    docs.parent.mkdir(parents=True)
    docs.write_text("<html></html>", encoding="utf-8")
    capsys.readouterr()
    _closing_lines(SimpleNamespace(report=built[0].pdf), home)
    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[0]
        == f"Open the Dagster UI on this data: make -C {Path(__file__).resolve().parents[2]} ui HOME_DIR={home.root}"
    )
    listed = [Path(line.strip()) for line in lines if line.startswith("  ")]
    assert listed[0] == docs
    assert sorted(p.name for p in listed[1:]) == sorted(
        f"ip_indicators_2025-06_{lang}{suffix}"
        for lang in ("zh", "en")
        for suffix in (".pdf", ".xlsx", "_p1.png")
    )
