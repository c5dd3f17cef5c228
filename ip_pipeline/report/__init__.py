"""The monthly indicator report: a bilingual A4 PDF and an XLSX of the same tables, from the warehouse.

    from ip_pipeline.report import build_report
    result = build_report(home, "2025-06", lang="en")

Modules: `data` (reading the warehouse into the `model`, through `queries`, `sections`,
`protection`, `evaluation` and `data_quality`), `narrative` (commentary from the
numbers), `charts`, `layout` and `pages` (the PDF), `xlsx`, `texts` and `style`
(wording and layout from reports/*.yaml), `fonts`, `published` (revisions), `cli`.
"""

from .build import ReportResult, build_report
from .model import ReportDataError

__all__ = ["ReportResult", "ReportDataError", "build_report"]
