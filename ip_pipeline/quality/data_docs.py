"""The Data Docs top page: one link per table's GX site under `<home>/quality/data_docs/`."""

from __future__ import annotations

import html
import os
from pathlib import Path


def write_docs_index(docs_dir: Path | str) -> Path:
    """A small top page linking each table's Data Docs site."""
    docs_dir = Path(docs_dir)
    links = "\n".join(
        f'<li><a href="{html.escape(p.name)}/index.html">{html.escape(p.name)}</a></li>'
        for p in sorted(docs_dir.iterdir())
        if p.is_dir() and (p / "index.html").exists()
    )
    page = (
        "<!doctype html><meta charset='utf-8'><title>Data quality — Data Docs</title>"
        f"<h1>Great Expectations Data Docs, one site per table</h1><ul>{links}</ul>"
    )
    target = docs_dir / "index.html"
    tmp = docs_dir / f".index.{os.getpid()}.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return target
