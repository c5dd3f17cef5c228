"""The report's pages, laid out on A4 by report/layout.py, one module per part of the bulletin:
`cover` (page 1), `evaluation` (an ended plan's final evaluation), `indicators` (a section per
indicator, other plans, monitored indicators), `protection` (enforcement, with `amounts` for money),
`high_value`, `revisions`, `quality` (data quality) and `method`; `legend` is the status legend of page 1
and the method section, `common` holds what several share."""
