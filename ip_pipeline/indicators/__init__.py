"""The indicator engine: plan catalogue -> marts -> indicator_values -> indicator_progress.

Public API:
- compute_indicator_values(con, as_of_dates, plans=None) -> rows written
- compute_indicator_progress(con, as_of_dates, plans=None) -> rows written (also plan_scores)
- compute_plan_scores(con, as_of_dates, plans=None) -> rows written
- compute_plan_outcomes(con, as_of, plans=None) -> rows written (final evaluation of ended plans)
- explain(con, indicator_id, as_of, district_code=None) -> pandas.DataFrame
"""

from .explain import explain
from .outcomes import compute_plan_outcomes
from .progress import compute_indicator_progress, compute_plan_scores
from .values import compute_indicator_values

__all__ = [
    "compute_indicator_values",
    "compute_indicator_progress",
    "compute_plan_scores",
    "compute_plan_outcomes",
    "explain",
]
