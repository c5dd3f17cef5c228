"""All Dagster code lives in ip_pipeline/defs/ (and the code location, definitions.py): no other
module of the package imports dagster, and the domain packages do not reach into defs/ either."""

from __future__ import annotations

import ast
from pathlib import Path

import ip_pipeline

PACKAGE = Path(ip_pipeline.__file__).resolve().parent
DOMAIN = ("ingest", "quality", "indicators", "report", "sample")


def _imports(path: Path) -> list[tuple[int, str, int]]:
    """(line, module, level) of every import in the file, lazy ones inside functions included."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            out.append((node.lineno, node.module or "", node.level))
    return out


def _outside_defs() -> list[Path]:
    """Every module but ip_pipeline/defs/** and the code location ip_pipeline/definitions.py."""
    return [
        p
        for p in sorted(PACKAGE.rglob("*.py"))
        if p.relative_to(PACKAGE).parts[0] != "defs" and p.relative_to(PACKAGE).as_posix() != "definitions.py"
    ]


def test_no_module_outside_defs_imports_dagster():
    offenders = []
    files = _outside_defs()
    assert len(files) > 50  # the walk found the package
    for path in files:
        rel = path.relative_to(PACKAGE).as_posix()
        for line, module, level in _imports(path):
            top = module.split(".")[0]
            if level == 0 and (top == "dagster" or top.startswith("dagster_")):
                offenders.append(f"{rel}:{line} imports {module}")
    assert not offenders, "Dagster outside ip_pipeline/defs/:\n" + "\n".join(offenders)


def test_domain_packages_do_not_import_defs():
    """ingest/, quality/, indicators/, report/, sample/ take a DuckDB connection; the Dagster wiring
    imports them, never the other way round."""
    offenders = []
    for pkg in DOMAIN:
        for path in sorted((PACKAGE / pkg).rglob("*.py")):
            rel = path.relative_to(PACKAGE).as_posix()
            for line, module, level in _imports(path):
                # inside a domain package, `..defs` / `..definitions` is the package's own defs
                relative = level >= 2 and module.split(".")[0] in ("defs", "definitions")
                absolute = level == 0 and module.startswith(("ip_pipeline.defs", "ip_pipeline.definitions"))
                if relative or absolute:
                    offenders.append(f"{rel}:{line} imports {'.' * level}{module}")
    assert not offenders, "\n".join(offenders)
