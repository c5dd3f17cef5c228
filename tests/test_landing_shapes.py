"""Every landing a city office may send runs to a bulletin: the landing-shape matrix.

For each source of the contracts (sources/*.yaml, plus every optional reference table) and each
shape — absent, a header-only file, a single row, arriving on the second night after the
others — the pipeline runs end to end (the CLI's `backfill` of one month, in process) and the
month's bulletin is built; then:

- the run exits 0, the bulletin PDF and its XLSX exist; the data page and the workbook name the
  source as having no data yet when it never had any, and the full landing's bulletin names none;
- every indicator that reads none of the shaped sources is identical to the full landing's;
- an indicator with nothing to count without the source (no_data_without: read from what the
  definitions declare, not from the engine's rule) is NULL with flag no_data, in every unit;
- a single row is staged as one row;
- on the second night, when the late source arrives, every indicator equals the full landing's.

Plus the minimal landing of a first delivery (patents, trademarks and the reference tables) and
the second landing (those and enforcement, transfers, enterprises; no awards, overseas grants,
pledges or survey).

Cost. One pipeline run per source and shape would be 10 × 4 runs. Sources whose dependent
indicators do not overlap are shaped together in one run, each pair still asserted on its
own indicators: two sources may share a run unless some indicator reads both and one of them
is the indicator's primary input (its no_data would hide the other's effect). The groups are
computed from the indicator definitions, so a new source or indicator is placed without
editing this file. The first group is every source but patents and trademarks, so its
"absent" run is the minimal landing. Every run is one month (the last complete one) of a
tiny sample city, in process; the bulletin is one edition per run (zh and en alternate).
"""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import openpyxl
import pytest

from ip_pipeline.cli.main import main
from ip_pipeline.indicators.catalogue import load_plans
from ip_pipeline.indicators.indicator_definitions import load_definitions
from ip_pipeline.ingest.contracts import SOURCE_NAMES, load_contract, load_reference_tables
from ip_pipeline.report import build_report
from ip_pipeline.report.months import last_complete_month
from ip_pipeline.report.style import load_style
from ip_pipeline.report.texts import Texts
from ip_pipeline.sample import generate_sample

MONTH = last_complete_month()
SHAPES = ("absent", "header", "single", "late")
MINIMAL = ("patents", "trademarks")  # with the reference tables: a city office's first delivery


def optional_tables() -> tuple[str, ...]:
    """The optional reference tables a landing may lack; one with a shipped default never goes
    missing (the default stands in: tests/ingest/test_peers_reference.py)."""
    return tuple(n for n, t in load_reference_tables().items() if not t.required and not t.default)


SHAPED = tuple(SOURCE_NAMES) + optional_tables()


def inputs(definition) -> tuple[str, ...]:
    return tuple(definition.sources) + tuple(definition.reference)


def no_data_without(source: str) -> set[str]:
    """The indicators with nothing to count when `source` has never delivered, read from what the
    definitions declare: those whose one declared source is `source` and that list no optional
    reference table (a published value would stand in), and hv_patents_per_10k when it is
    patents (it counts patents; overseas grants, pledges and awards only add criteria,
    INDICATORS.md)."""
    optional = set(optional_tables())
    out = {
        i
        for i, d in load_definitions().items()
        if list(d.sources) == [source] and not set(d.reference) & optional
    }
    return out | ({"hv_patents_per_10k"} if source == "patents" else set())


def conflict(a: str, b: str) -> bool:
    for d in load_definitions().values():
        both = {a, b} <= set(inputs(d))
        if both and (d.sources[:1] in ((a,), (b,))):
            return True
    return False


def groups() -> list[tuple[str, ...]]:
    """Sources shaped together: the non-minimal ones first (their absence is the minimal landing)."""
    out: list[list[str]] = [[], []]
    for s in [s for s in SHAPED if s not in MINIMAL] + list(MINIMAL):
        start = 1 if s in MINIMAL else 0
        for g in out[start:]:
            if not any(conflict(s, o) for o in g):
                g.append(s)
                break
        else:
            out.append([s])
    return [tuple(g) for g in out if g]


def folder_of(name: str, landing: Path) -> Path:
    return landing / load_contract(name).folder if name in SOURCE_NAMES else landing / "reference"


def files_of(name: str, landing: Path) -> list[Path]:
    if name in SOURCE_NAMES:
        return sorted(p for p in folder_of(name, landing).iterdir() if p.suffix in (".csv", ".xlsx"))
    return [landing / "reference" / load_reference_tables()[name].file]


def _read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    return list(csv.reader(io.StringIO(text)))


def cut(name: str, landing: Path, rows: int) -> None:
    """Replace the source's files with one file of its header and the first `rows` data rows,
    in the first file's own format (XLSX stays XLSX: its dates are cells, not text)."""
    first = files_of(name, landing)[0]
    if first.suffix == ".xlsx":
        wb = openpyxl.load_workbook(first)
        ws = wb.worksheets[0]
        ws.delete_rows(2 + rows, ws.max_row)
        for f in files_of(name, landing):
            f.unlink()
        wb.save(first.with_name(f"{name}-shape.xlsx"))
        return
    head = _read_csv(first)[: 1 + rows]
    for f in files_of(name, landing):
        f.unlink()
    target = first if name not in SOURCE_NAMES else first.with_name(f"{name}-shape.csv")
    with target.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(head)


def remove(name: str, landing: Path) -> None:
    if name in SOURCE_NAMES:
        shutil.rmtree(folder_of(name, landing))
    else:
        files_of(name, landing)[0].unlink()


@dataclass
class Outcome:
    exit_code: int
    values: dict[tuple[str, str], tuple]
    staged: dict[str, int]
    pdf: Path
    xlsx: Path
    text: str
    lang: str
    notes: list[str] = field(default_factory=list)


def read_values(home: Path) -> dict[tuple[str, str], tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "SELECT indicator_id, district_code, value, numerator, denominator, flags FROM indicator_values "
            "WHERE strftime(as_of, '%Y-%m') = ?",
            [MONTH],
        ).fetchall()
        staged = {}
        for s in SHAPED:
            table = f"stg_{s}"
            exists = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
            ).fetchone()[0]
            staged[s] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] if exists else 0
    finally:
        con.close()
    values = {
        (i, d): (
            None if v is None else round(v, 9),
            None if n is None else round(n, 9),
            None if den is None else round(den, 9),
            tuple(sorted(f or [])),
        )
        for i, d, v, n, den, f in rows
    }
    return values, staged


class Matrix:
    """Runs cached by what they shape, so that each (source, shape) test reads its group's run."""

    def __init__(self, root: Path):
        self.root = root
        self.sample = root / "sample"
        generate_sample(self.sample, scale=0.002, seed=11, dirt_rate=0.0, progress=False)
        self.runs: dict[tuple, Outcome] = {}
        self.n = 0
        self.full = self.run_home(self.copy("full"))

    def copy(self, name: str) -> Path:
        home = self.root / name
        shutil.copytree(self.sample / "landing", home / "landing")
        return home

    def run_home(self, home: Path) -> Outcome:
        code = main(["backfill", "--home", str(home), "--from", MONTH, "--to", MONTH])
        lang = ("zh", "en")[self.n % 2]
        self.n += 1
        values, staged = read_values(home) if (home / "warehouse.duckdb").exists() else ({}, {})
        built = build_report(home, MONTH, lang=lang, record=False)
        return Outcome(code, values, staged, built.pdf, built.xlsx, built.rendered_text, lang)

    def outcome(self, group: tuple[str, ...], shape: str) -> Outcome:
        key = (group, shape)
        if key in self.runs:
            return self.runs[key]
        if shape == "late":
            self.outcome(group, "absent")  # night 1 first, in its own home
            home = self.root / f"{'+'.join(group)}-absent"
            for name in group:  # night 2: the late sources arrive as the full landing has them
                if name in SOURCE_NAMES:
                    shutil.copytree(
                        folder_of(name, self.sample / "landing"), folder_of(name, home / "landing")
                    )
                else:
                    shutil.copy(files_of(name, self.sample / "landing")[0], home / "landing" / "reference")
        else:
            home = self.copy(f"{'+'.join(group)}-{shape}")
            for name in group:
                {
                    "absent": remove,
                    "header": lambda n, lines: cut(n, lines, 0),
                    "single": lambda n, lines: cut(n, lines, 1),
                }[shape](name, home / "landing")
        self.runs[key] = self.run_home(home)
        return self.runs[key]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory) -> Matrix:
    return Matrix(tmp_path_factory.mktemp("shapes"))


def texts(lang: str) -> Texts:
    return Texts(lang, load_plans()[0], load_style())


def no_data_words(lang: str) -> str:
    return texts(lang)("quality.no_data_yet")


def _squash(text: str) -> str:
    return "".join(text.split())  # the page wraps a paragraph at any space


def listed_without_data(out: Outcome) -> list[str]:
    """The source titles the data page lists as having no data yet (empty when it lists none)."""
    t = texts(out.lang)
    pre, post = (_squash(p) for p in str(t.node("quality.empty_sources")[out.lang]).split("{names}"))
    text = _squash(out.text)
    start = text.find(pre)
    if start < 0:
        return []
    names = text[start + len(pre) : text.find(post, start + len(pre))]
    return names.split(_squash(t("narrative.list_sep")))


def title(out: Outcome, source: str) -> str:
    c = load_contract(source)
    return _squash(texts(out.lang).source_title(source, c.title_zh, c.title_en))


def xlsx_rows(path: Path, sheet_index: int) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(wb.worksheets[sheet_index].iter_rows(values_only=True))
    finally:
        wb.close()


def xlsx_sheet(path: Path, first_header: str) -> list[tuple]:
    """The rows of the workbook's sheet whose first column heading is `first_header`."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        for ws in wb.worksheets:
            rows = list(ws.iter_rows(values_only=True))
            if rows and rows[0] and rows[0][0] == first_header:
                return rows
    finally:
        wb.close()
    raise AssertionError(f"no sheet headed {first_header!r} in {path}")


def assert_xlsx_says_no_data(out: Outcome, source: str, indicators: set[str]) -> None:
    """The workbook's data-quality sheet says the source has no data yet, and its summary
    flags each of `indicators` that it lists no_data."""
    quality = {r[0]: r for r in xlsx_sheet(out.xlsx, "source")[1:]}
    assert quality[source][7] == no_data_words(out.lang), quality.get(source)
    summary = xlsx_rows(out.xlsx, 0)
    flags_at = 11
    listed = {r[0]: r for r in summary[1:] if r and r[0]}
    assert "valid_trademarks" in listed, summary[:2]  # the summary sheet (every plan has that indicator)
    for i in indicators & set(listed):
        assert "no_data" in str(listed[i][flags_at] or ""), (i, listed[i])


CASES = [(s, shape) for s in SHAPED for shape in SHAPES]


def test_the_groups_cover_every_source_once_without_a_conflict():
    gs = groups()
    assert sorted(s for g in gs for s in g) == sorted(SHAPED)
    for g in gs:
        assert not any(conflict(a, b) for a in g for b in g if a != b), g


@pytest.mark.parametrize("source,shape", CASES, ids=[f"{s}-{sh}" for s, sh in CASES])
def test_a_landing_shape_runs_to_a_bulletin(matrix, source, shape):
    group = next(g for g in groups() if source in g)
    out = matrix.outcome(group, shape)
    full = matrix.full
    assert out.exit_code == 0
    assert out.pdf.is_file() and out.pdf.stat().st_size > 0 and out.xlsx.is_file()
    defs = load_definitions()
    mine = {i for i, d in defs.items() if source in inputs(d)}
    shaped_now = set() if shape == "late" else set(group)
    untouched = {i for i, d in defs.items() if not set(inputs(d)) & shaped_now}
    # Indicators of the sources not shaped in this run: exactly the full landing's.
    for key, v in full.values.items():
        if key[0] in untouched:
            assert out.values.get(key) == v, (key, out.values.get(key), v)
    if shape == "late":  # the second night: the late source has arrived, everything as the full landing
        assert out.values == full.values
        return
    if shape in ("absent", "header"):
        expected = no_data_without(source)
        assert expected <= mine
        for i in expected:
            rows = {k: v for k, v in out.values.items() if k[0] == i}
            assert rows, i
            assert all(v[0] is None and "no_data" in v[3] for v in rows.values()), (i, rows)
        assert out.staged[source] == 0
        if source in SOURCE_NAMES:  # the data page and the workbook name it as having no data yet
            assert title(out, source) in listed_without_data(out), (source, listed_without_data(out))
            assert_xlsx_says_no_data(out, source, expected)
            assert title(full, source) not in listed_without_data(full)
    if shape == "single":
        assert out.staged[source] == 1
    assert full.staged[source] >= 1


def test_the_minimal_landing_of_a_first_delivery(matrix):
    """Patents, trademarks and the reference tables only: a bulletin, the indicators of what was
    delivered as the full landing has them, every other one no_data."""
    absent = tuple(s for s in SOURCE_NAMES if s not in MINIMAL)
    group = next(
        (g for g in groups() if set(g) == set(absent)), absent
    )  # the first group's run, when it is this
    out = matrix.outcome(group, "absent")
    assert out.exit_code == 0 and out.pdf.is_file() and out.xlsx.is_file()
    defs = load_definitions()
    delivered = {i for i, d in defs.items() if set(d.sources) <= set(MINIMAL)}
    assert {"valid_trademarks", "patent_intensive_va_share"} <= delivered
    for key, v in matrix.full.values.items():
        if key[0] in delivered:
            assert out.values[key] == v, key
    for source in absent:
        for i in no_data_without(source):
            assert all(v[0] is None and "no_data" in v[3] for k, v in out.values.items() if k[0] == i), i
        assert title(out, source) in listed_without_data(out), source
    assert out.values[("hv_patents_per_10k", "370600")][0] is not None  # from patents alone
    assert listed_without_data(matrix.full) == []


# The second landing: what a city office has once enforcement, transfers and the
# enterprise lists come in too, before awards, overseas grants, pledges and the survey.
SECOND = ("patents", "trademarks", "enforcement", "transfers", "enterprises")


def test_the_second_landing_of_a_city_office(matrix):
    """Patents, trademarks, enforcement, transfers, enterprises and the reference tables: exit 0,
    a bulletin and its workbook; the indicators of what was delivered as the full landing has
    them, and no_data (said on the data page and in the workbook) for what was not."""
    absent = tuple(s for s in SOURCE_NAMES if s not in SECOND)
    assert set(absent) == {"awards", "overseas_grants", "pledges", "survey"}
    out = matrix.outcome(absent, "absent")
    assert out.exit_code == 0 and out.pdf.stat().st_size > 0 and out.xlsx.is_file()
    defs = load_definitions()
    delivered = {i for i, d in defs.items() if set(d.sources) <= set(SECOND)}
    assert {
        "valid_trademarks",
        "civil_first_instance_acceptance_rate",
        "ip_transfer_licence_count",
        "gbt29490_enterprises",
    } <= delivered
    for key, v in matrix.full.values.items():
        if key[0] in delivered:
            assert out.values[key] == v, key
    assert out.values[("hv_patents_per_10k", "370600")][0] is not None  # awards and the rest only add
    listed = listed_without_data(out)
    for source in absent:
        expected = no_data_without(source)
        for i in expected:
            rows = [v for k, v in out.values.items() if k[0] == i]
            assert rows and all(v[0] is None and "no_data" in v[3] for v in rows), i
        assert title(out, source) in listed, (source, listed)
        assert_xlsx_says_no_data(out, source, expected)
    for source in SECOND:
        assert title(out, source) not in listed
