"""The method documents ship with the project (docs/) and stay in step with the code: every
indicator id of the catalogue and the registry, every source column, every flag and status is
documented; descriptions and the README cite docs/ pages, not files a clone does not have."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ip_pipeline.indicators.catalogue import load_plans
from ip_pipeline.indicators.registry import COMPANION_IDS, COMPUTATIONS
from ip_pipeline.paths import CATALOGUE_DIR, PROJECT_ROOT, SOURCES_DIR, SQL_DIR

DOCS = PROJECT_ROOT / "docs"
# Announced ids (the action plan, the transfers source): documented before their code lands.
ANNOUNCED_IDS = (
    "ip_transfer_licence_count",
    "ip_transfer_licence_cagr",
    "new_city_advantage_enterprises",
    "civil_first_instance_acceptance_rate",
)
ANNOUNCED_COLUMNS = {
    "enforcement": ("case_nature", "instance", "accepted"),
    "transfers": (
        "record_no",
        "kind",
        "ip_type",
        "items",
        "assignor",
        "assignor_address",
        "assignee",
        "assignee_address",
        "district_code",
        "registration_date",
    ),
}


def _text(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _sections(text: str) -> dict[str, str]:
    """`## heading` -> its body; the key is the heading's first word (a source name) and the full heading."""
    out: dict[str, str] = {}
    for part in re.split(r"^## ", text, flags=re.M)[1:]:
        heading, _, body = part.partition("\n")
        out[heading.split()[0]] = body
        out[heading] = body
    return out


def indicator_ids(catalogue_dir: Path | None = None) -> set[str]:
    ids = set(COMPUTATIONS) | set(COMPANION_IDS) | set(ANNOUNCED_IDS)
    for plan in load_plans(catalogue_dir or CATALOGUE_DIR):
        ids |= {i.id for i in plan.indicators + plan.companions}
    return ids


def source_columns(sources_dir: Path | None = None) -> dict[str, set[str]]:
    """source (or reference table file) -> its columns, from sources/*.yaml."""
    out: dict[str, set[str]] = {k: set(v) for k, v in ANNOUNCED_COLUMNS.items()}
    for f in sorted(Path(sources_dir or SOURCES_DIR).glob("*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        if doc.get("columns"):
            out.setdefault(doc["name"], set()).update(doc["columns"])
        for table, spec in (doc.get("tables") or {}).items():
            out.setdefault(f"reference/{spec.get('file', table + '.csv')}", set()).update(
                spec.get("columns") or {}
            )
    return out


def sql_flags(sql_dir: Path | None = None) -> set[str]:
    """Flags the indicator and progress SQL can write (`THEN 'flag'`, `'flag:' || …` in _calc_flags)."""
    flags: set[str] = set()
    for f in Path(sql_dir or SQL_DIR).rglob("*.sql"):
        text = f.read_text(encoding="utf-8")
        for start in [m.end() for m in re.finditer(r"_calc_flags\(\[", text)]:
            block = text[start : text.find("])", start)]
            flags |= set(re.findall(r"THEN '([a-z_]+):?'", block))
        flags |= set(re.findall(r"\['([a-z_]+)'\]::VARCHAR\[\]", text))
    return flags


def undocumented_ids(catalogue_dir: Path | None = None) -> list[str]:
    text = _text("INDICATORS.md")
    headings = [h for h in re.findall(r"^## (.*)$", text, flags=re.M)]
    return sorted(i for i in indicator_ids(catalogue_dir) if not any(f"`{i}`" in h for h in headings))


def undocumented_columns(sources_dir: Path | None = None) -> list[str]:
    sections = _sections(_text("SOURCES.md"))
    reference = sections.get("reference", "")
    missing = []
    for source, cols in source_columns(sources_dir).items():
        if source.startswith("reference/"):
            name = source.split("/", 1)[1]
            para = next((p for p in reference.split("\n- ") if f"**`{name}`**" in p), "")
            missing += [f"{source}.{c}" for c in sorted(cols) if f"`{c}`" not in para]
            continue
        body = sections.get(source)
        if body is None:
            missing.append(f"{source} (no section '## {source} — …')")
            continue
        table_columns = set(re.findall(r"^\|[^|]*\| `([a-z0-9_]+)` \|", body, flags=re.M))
        missing += [f"{source}.{c}" for c in sorted(cols) if c not in table_columns]
    return missing


def test_every_indicator_id_has_its_section():
    assert undocumented_ids() == []


def test_every_source_column_is_in_its_source_table():
    assert undocumented_columns() == []


def test_every_flag_and_status_is_explained():
    indicators = _text("INDICATORS.md")
    flag_rows = set(re.findall(r"^\| `([a-z_]+)(?::<[^>]+>)?` \|", indicators, flags=re.M))
    assert sql_flags() - flag_rows == set()
    assert {"unknown_outcome", "no_data", "complete_year", "lagged"} <= flag_rows
    progress = _text("PROGRESS.md")
    for plan in load_plans():
        for status, words in plan.status["labels"].items():
            assert f"`{status}`" in progress, status
            assert words["zh"] in progress, words["zh"]


def test_the_checker_sees_a_missing_column(tmp_path):
    """The column check is not vacuous: a source column nobody documented is reported."""
    for f in SOURCES_DIR.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    doc = yaml.safe_load((tmp_path / "awards.yaml").read_text(encoding="utf-8"))
    doc["columns"]["jury"] = {"header": "评审", "type": "text"}
    (tmp_path / "awards.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert undocumented_columns(tmp_path) == ["awards.jury"]


def test_descriptions_and_readme_cite_docs_pages_that_exist():
    spec_names = ("INDICATORS.md", "PROGRESS.md", "SOURCES.md")
    bare = re.compile(r"(?<![/\w])(" + "|".join(re.escape(n) for n in spec_names) + ")")
    # The README and the Dagster descriptions are what a user reads: they name docs/ pages.
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert not bare.findall(readme), "README cites a spec file without docs/"
    assert "shared/spec" not in readme and "the spec's" not in readme
    for link in re.findall(r"\]\((docs/[^)#]+)", readme):
        assert (PROJECT_ROOT / link).exists(), link
    from ip_pipeline.definitions import build_definitions

    defs = build_definitions("/tmp/unused-home")
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        description = graph.get(key).description or ""
        assert not bare.findall(description), f"{key.to_user_string()}: {description[:120]}"
    for page in DOCS.glob("*.md"):
        text = page.read_text(encoding="utf-8")
        assert "shared/spec" not in text, page.name
        for link in re.findall(r"\]\(([A-Z]+\.md)\)", text):
            assert (DOCS / link).exists(), f"{page.name} -> {link}"
