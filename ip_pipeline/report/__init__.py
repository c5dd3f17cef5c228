"""The monthly indicator report: a bilingual A4 PDF and an XLSX of the same tables, from the warehouse.

    from ip_pipeline.report import build_report
    result = build_report(home, "2025-06", lang="en")

Modules: `data` (reading the warehouse into the `model`, through `queries`, `sections`,
`protection`, `evaluation` and `data_quality`), `narrative` (commentary from the
numbers), `charts`, `layout` and `pages` (the PDF), `xlsx`, `texts` and `style`
(wording and layout from reports/*.yaml), `fonts`, `published` (revisions), `cli`.

The names below load on first use: importing a light module of the package (`months`,
`inputs`) must not load matplotlib, pandas' report code and openpyxl, which loading the
Dagster definitions and a night with nothing to report never need.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .build import ReportResult, build_report
    from .model import ReportDataError

_LAZY = {"ReportResult": ".build", "build_report": ".build", "ReportDataError": ".model"}

__all__ = ["ReportResult", "ReportDataError", "build_report"]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
