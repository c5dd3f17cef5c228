"""Flags carried by published values (`indicator_values.flags`, sorted) and by
progress rows (`indicator_progress.flags`).

Values
- `provisional_denominator` — the population of the year of D is not published
  yet; the latest earlier year was used (INDICATORS.md, "Population").
- `no_population` — the unit has no population row for the year of D or any
  earlier year: value NULL, numerator still published.
- `zero_denominator` — the population (or GDP) is 0: value NULL.
- `zero_base` — a growth rate whose base-year total x_B is 0: value NULL
  (INDICATORS.md § 4).
- `base_period` — a growth rate asked for on a date not after its base year
  (D in year Y <= B): no growth period yet, value NULL.
- `lagged:<year>` — economy.csv lacks the year of D; the named earlier year
  was used (§ 5).
- `no_data` — nothing to compute from on D (no economy year <= D, no survey
  response in the year of D): value NULL.
- `published` — the satisfaction value is the officially published score (§ 6).
- `small_sample` — a survey estimate from fewer than 30 responses (§ 6).

Progress
- `computed_base` — the plan gives no base value: computed from the data for
  the base year (for every district row too: a district's base is its own).
- `district_target_implied` — a district has no target of its own: its target
  is its own base grown at the plan's required rate, base·(1+g_req)^ΔT.
- `complete_year:<year>` — a flow indicator is judged on the latest complete
  calendar year (PROGRESS.md, "Time"); the year-to-date value stays in
  indicator_values.
"""

from __future__ import annotations

PROVISIONAL_DENOMINATOR = "provisional_denominator"
NO_POPULATION = "no_population"
ZERO_DENOMINATOR = "zero_denominator"
ZERO_BASE = "zero_base"
BASE_PERIOD = "base_period"
LAGGED = "lagged:{year}"
NO_DATA = "no_data"
PUBLISHED = "published"
SMALL_SAMPLE = "small_sample"
SMALL_SAMPLE_MIN_RESPONSES = 30

COMPUTED_BASE = "computed_base"
DISTRICT_TARGET_IMPLIED = "district_target_implied"
COMPLETE_YEAR = "complete_year:{year}"
