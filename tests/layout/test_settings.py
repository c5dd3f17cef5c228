"""Every IP_PIPELINE_* variable is read in one place, ip_pipeline/settings.py, which documents it;
the README's table is that documentation, and nothing names a variable it does not know."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

import ip_pipeline
from ip_pipeline import settings as settings_module
from ip_pipeline.dates import today_in_yantai
from ip_pipeline.db import lock_wait_s
from ip_pipeline.ops.backups import keep_generations
from ip_pipeline.paths import SOURCES_DIR
from ip_pipeline.settings import VARIABLES, Settings, markdown_table, settings

PACKAGE = Path(ip_pipeline.__file__).resolve().parent
ROOT = PACKAGE.parent
NAME = re.compile(r"^IP_PIPELINE_[A-Z0-9_]+$")
MENTION = re.compile(r"IP_PIPELINE_[A-Z0-9_]*[A-Z0-9]")
# Modules allowed to read a variable themselves (none: settings.py is the only reader).
STILL_READING: dict[str, set[str]] = {}


def _names_in_code(path: Path) -> set[str]:
    """Variable names written as a whole string in the code: what a module passes to os.environ."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and NAME.match(n.value)
    }


def test_only_settings_py_names_a_variable_in_its_code():
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel != "settings.py" and (names := _names_in_code(path)):
            found[rel] = names
    assert _names_in_code(PACKAGE / "settings.py") >= set(VARIABLES)  # the walk sees a name
    assert found == STILL_READING, "read these through ip_pipeline.settings.settings() instead"


def test_every_variable_is_documented_and_parsed_by_a_property_some_module_uses():
    package_code = "\n".join(
        p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py") if p.name != "settings.py"
    )
    contract_env = {
        v
        for p in SOURCES_DIR.glob("*.yaml")
        for k, v in ((yaml.safe_load(p.read_text(encoding="utf-8")) or {}).get("database") or {}).items()
        if k.endswith("_env")
    }
    assert contract_env and contract_env <= set(VARIABLES), "a source contract names an undocumented variable"
    for v in VARIABLES.values():
        assert v.type and v.default and len(v.role) > 20, v
        assert isinstance(getattr(Settings, v.attribute), property)
        used = (
            f".{v.attribute}" in package_code
            or v.name in contract_env
            or v.name in {n for names in STILL_READING.values() for n in names}
        )
        assert used, f"{v.name} is documented but nothing reads settings().{v.attribute}: drop it"


def test_the_readme_table_is_the_settings_documentation():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(
        r"<!-- settings table: python -m ip_pipeline.settings -->\n(.*?)<!-- end of settings table -->",
        readme,
        re.S,
    )
    assert m, "README.md has lost its settings table"
    assert m.group(1) == markdown_table(), "regenerate it: python -m ip_pipeline.settings"


def test_no_file_mentions_a_variable_that_settings_does_not_document():
    files = [
        *PACKAGE.rglob("*.py"),
        ROOT / "README.md",
        *(ROOT / "docs").glob("*.md"),
        *(ROOT / "deploy").rglob("*"),
        ROOT / "Makefile",
        *SOURCES_DIR.glob("*.yaml"),
    ]
    stale = sorted(
        {
            f"{p.relative_to(ROOT)}: {name}"
            for p in files
            if p.is_file()
            for name in MENTION.findall(p.read_text(encoding="utf-8", errors="replace"))
            if name not in VARIABLES
        }
    )
    assert not stale, stale


def test_settings_are_read_when_asked_not_at_import(monkeypatch):
    monkeypatch.setenv("IP_PIPELINE_BACKUPS", "5")
    monkeypatch.setenv("IP_PIPELINE_LOCK_WAIT_S", "2.5")
    monkeypatch.setenv("IP_PIPELINE_TODAY", "2026-03-31")
    assert (keep_generations(), lock_wait_s(), today_in_yantai()) == (5, 2.5, settings().today)
    assert str(today_in_yantai()) == "2026-03-31"
    monkeypatch.setenv("IP_PIPELINE_BACKUPS", "many")  # a typo keeps the default
    monkeypatch.setenv("IP_PIPELINE_LOCK_WAIT_S", "")  # empty is unset
    assert (keep_generations(), lock_wait_s()) == (
        settings_module.DEFAULT_BACKUPS,
        settings_module.DEFAULT_LOCK_WAIT_S,
    )
    monkeypatch.setenv("IP_PIPELINE_TODAY", "tomorrow")
    with pytest.raises(ValueError, match="IP_PIPELINE_TODAY='tomorrow' is not a date"):
        today_in_yantai()
    with pytest.raises(KeyError, match="IP_PIPELINE_NOPE is not a documented setting"):
        settings().raw("IP_PIPELINE_NOPE")
