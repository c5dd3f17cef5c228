-- indicator_progress (PROGRESS.md): the growth-ratio method of the UNSD SDG Progress
-- Chart / open-sdg sdg-build, per plan × indicator with a target × as_of × unit.
-- Inputs: _prog_spec (the catalogue), _prog_values (values on the as-of dates and on
-- the year ends the method needs; NULL rows for an indicator with no values at all),
-- _prog_in_force (plan_id, as_of: the as-of dates on which the plan is in force),
-- _prog_labels, _prog_se (the survey's standard error behind a value). The rules (whether a
-- value meets a target, the status, 显著提升's margin, displayed decimals) are the Python of
-- indicators/rules.py, registered as the _rule_* functions: no second copy here.
-- g_obs, g_req are fractions (0.2056 = 20.56 %/yr); growth targets are given in percent.
--
-- Target kinds (PROGRESS.md, "Inputs"):
--   level       v_T, compared by `comparison` (ge | gt | le | lt).
--   growth      g* in percent a year; achieved when the observed growth meets it.
--   cumulative  a count since the end of the base year, so v₀ = 0 by definition (the
--               catalogue's base value if it gives one). Choice: no growth rate exists
--               from a zero base (rule 1), so g_obs, g_req, ratio and projection are NULL
--               and the status is `target_achieved` once the count meets v_T (at any Δt),
--               else `not_available`; the expected value is the straight line from 0 to
--               v_T over ΔT, v_T·Δt/ΔT, and the gap is against it. Districts get no
--               implied share of the city's count (target NULL, not_available).
--   improvement no number: the rise d·(v_t − v₀) against the 95 % margin of the two years'
--               survey errors (rules.status); no target value, g_req, ratio, expected value
--               or projection.
WITH spec AS (
    SELECT *, (target_year - base_year)::DOUBLE AS big_t  -- ΔT = T − t₀
    FROM _prog_spec
    WHERE target_value IS NOT NULL OR target_kind = 'improvement'
),
rows AS (
    SELECT s.*, v.as_of, v.district_code, v.district_code = $city AS is_city, v.value AS value_on_d,
           -- Flow indicators are judged on the latest complete calendar year: the year of D
           -- when D is 31 December, else the year before (PROGRESS.md, "Time").
           CASE WHEN s.kind = 'flow'
                THEN CASE WHEN v.as_of = make_date(year(v.as_of), 12, 31) THEN year(v.as_of) ELSE year(v.as_of) - 1 END
           END AS obs_year
    FROM spec AS s
    JOIN _prog_values AS v ON v.plan_id = s.plan_id AND v.indicator_id = s.indicator_id
    JOIN _prog_in_force AS d ON d.plan_id = s.plan_id AND d.as_of = v.as_of
    -- The plan's lifecycle: rows only while the indicator's plan period runs.
    WHERE v.as_of > make_date(s.base_year, 12, 31) AND v.as_of <= make_date(s.target_year, 12, 31)
),
observed AS (
    SELECT r.*,
           CASE WHEN r.kind = 'flow' THEN fy.value ELSE r.value_on_d END AS v_t,
           CASE r.kind
               WHEN 'flow' THEN (r.obs_year - r.base_year)::DOUBLE
               -- A growth rate since B is measured over whole years Y − B.
               WHEN 'growth_rate' THEN (year(r.as_of) - r.base_year)::DOUBLE
               -- Stocks: decimal years from the end of B, every year end a whole number:
               -- (year(D) − B − 1) + doy(D)/days_in_year(year(D)); 31 Dec 2021 -> 1, 30 Jun 2021 -> 181/365.
               ELSE (year(r.as_of) - r.base_year - 1)
                    + dayofyear(r.as_of)::DOUBLE
                      / date_diff('day', make_date(year(r.as_of), 1, 1), make_date(year(r.as_of) + 1, 1, 1))
           END AS delta_t,
           b.value AS own_base,  -- the unit's own value for the base year (full year for flows)
           se.std_error AS se_t,
           se0.std_error AS se_0
    FROM rows AS r
    LEFT JOIN _prog_se AS se
           ON se.plan_id = r.plan_id AND se.indicator_id = r.indicator_id AND se.district_code = r.district_code
          AND se.as_of = coalesce(make_date(r.obs_year, 12, 31), r.as_of)
    LEFT JOIN _prog_se AS se0
           ON se0.plan_id = r.plan_id AND se0.indicator_id = r.indicator_id AND se0.district_code = r.district_code
          AND se0.as_of = make_date(r.base_year, 12, 31)
    LEFT JOIN _prog_values AS fy
           ON fy.plan_id = r.plan_id AND fy.indicator_id = r.indicator_id
          AND fy.district_code = r.district_code AND fy.as_of = make_date(r.obs_year, 12, 31)
    LEFT JOIN _prog_values AS b
           ON b.plan_id = r.plan_id AND b.indicator_id = r.indicator_id
          AND b.district_code = r.district_code AND b.as_of = make_date(r.base_year, 12, 31)
),
city_base AS (
    -- The plan's base: its official value, else the city's value computed for the base year.
    -- A cumulative count starts at zero at the end of the base year.
    SELECT s.plan_id, s.indicator_id,
           CASE WHEN s.target_kind = 'cumulative' THEN coalesce(s.base_value, 0.0)
                ELSE coalesce(s.base_value, b.value) END AS v0
    FROM spec AS s
    LEFT JOIN _prog_values AS b
           ON b.plan_id = s.plan_id AND b.indicator_id = s.indicator_id
          AND b.district_code = $city AND b.as_of = make_date(s.base_year, 12, 31)
),
required AS (
    SELECT s.plan_id, s.indicator_id,
           CASE WHEN s.target_kind = 'growth' THEN s.target_value / 100.0
                WHEN s.target_kind = 'level' AND c.v0 > 0 AND s.target_value > 0 AND s.big_t > 0
                     THEN power(s.target_value / c.v0, 1.0 / s.big_t) - 1
           END AS g_req,
           c.v0 AS city_v0
    FROM spec AS s JOIN city_base AS c USING (plan_id, indicator_id)
),
based AS (
    SELECT o.*, q.g_req,
           CASE WHEN o.kind = 'growth_rate' THEN NULL
                WHEN o.target_kind = 'cumulative' THEN coalesce(o.base_value, 0.0)
                WHEN o.is_city THEN q.city_v0
                ELSE o.own_base  -- a district's base is its own value in the base year
           END AS v0,
           o.kind <> 'growth_rate' AND o.target_kind <> 'cumulative'
               AND (NOT o.is_city OR o.base_value IS NULL) AS base_computed,
           CASE WHEN o.target_kind = 'improvement' THEN NULL
                WHEN o.kind = 'growth_rate' OR o.target_kind = 'growth' THEN o.target_value
                WHEN o.is_city THEN o.target_value
                WHEN o.target_kind = 'cumulative' THEN NULL  -- no district share of the city's count
                -- District target implied: its own base grown at the plan's required rate
                -- (none from a zero base: 0 grown is 0, a target any value would meet).
                WHEN o.own_base > 0 THEN o.own_base * power(1 + q.g_req, o.big_t)
           END AS v_target
    FROM observed AS o JOIN required AS q USING (plan_id, indicator_id)
),
measured AS (
    SELECT b.*,
           -- Rule 1 inputs: no growth rate exists without two positive observations a year apart.
           CASE WHEN b.kind = 'growth_rate' THEN b.v_t IS NULL OR b.delta_t < 1 OR b.g_req IS NULL
                WHEN b.target_kind = 'improvement' THEN b.v_t IS NULL OR b.v0 IS NULL OR b.delta_t < 1
                WHEN b.target_kind = 'cumulative' THEN TRUE  -- v₀ = 0: only reaching the target is a status
                ELSE b.v_t IS NULL OR b.v0 IS NULL OR b.v_target IS NULL OR b.g_req IS NULL
                     OR b.delta_t < 1 OR b.v0 <= 0 OR b.v_t <= 0
           END AS unavailable,
           CASE WHEN b.kind = 'growth_rate' THEN b.v_t / 100.0
                WHEN b.target_kind = 'cumulative' THEN NULL
                -- Choice: g_obs (and what rests on it) is not published when Δt < 1 year:
                -- an annualised rate over a few months misleads.
                WHEN b.v0 > 0 AND b.v_t > 0 AND b.delta_t >= 1 THEN power(b.v_t / b.v0, 1.0 / b.delta_t) - 1
           END AS g_obs,
           CASE WHEN b.target_kind = 'improvement' THEN b.direction * (b.v_t - b.v0) END AS rise,
           CASE WHEN b.target_kind = 'improvement' THEN _rule_margin(b.se_t, b.se_0) END AS margin
    FROM based AS b
),
rated AS (
    SELECT m.*,
           CASE WHEN m.target_kind IN ('improvement', 'cumulative') THEN NULL
                WHEN m.g_req <> 0 AND (m.kind <> 'growth_rate' OR m.delta_t >= 1)
                THEN m.direction * m.g_obs / abs(m.g_req) END AS ratio,
           CASE WHEN m.target_kind = 'improvement' THEN _rule_significant(m.rise, m.margin)
                WHEN m.kind = 'growth_rate' OR m.target_kind = 'growth' THEN
                     -- observed growth against g*, in percent (a rate indicator's value is already one)
                     _rule_meets(CASE WHEN m.kind = 'growth_rate' THEN m.v_t ELSE m.g_obs * 100 END,
                                 m.target_value, m.comparison, NULL, NULL)
                -- A value within the tolerance of a limit target (e.g. 100) counts as met.
                ELSE _rule_meets(m.v_t, m.v_target, m.comparison, m.lim, m.tol)
           END AS achieved,
           -- The value compared with the target: the observed growth in percent for a growth target.
           CASE WHEN m.target_kind = 'growth' AND m.kind <> 'growth_rate' THEN m.g_obs * 100 ELSE m.v_t END AS compared
    FROM measured AS m
),
judged AS (
    SELECT r.*,
           -- PROGRESS.md, "Status, first rule that applies" and "Before the target year".
           _rule_status(r.target_kind, r.kind, r.as_of < make_date(r.target_year, 12, 31),
                        r.unavailable, r.achieved, r.ratio, r.g_req, r.on_track, r.needs_acc,
                        r.rise, r.margin) AS status,
           -- Expected on D on the straight path; for a growth-rate target the expected rate is g*.
           CASE WHEN r.target_kind = 'improvement' THEN NULL
                WHEN r.kind = 'growth_rate' OR r.target_kind = 'growth' THEN r.target_value
                WHEN r.target_kind = 'cumulative' THEN r.v_target * r.delta_t / r.big_t  -- 0 -> v_T, linear
                ELSE r.v0 * power(1 + r.g_req, r.delta_t) END AS expected
    FROM rated AS r
),
worded AS (
    SELECT j.*,
           -- The verdict a reader sees: a target met before the target year says so (已提前完成,
           -- 已提前达到目标值); only the final evaluation says 已实现目标.
           CASE WHEN j.status = 'target_achieved' AND j.as_of < make_date(j.target_year, 12, 31)
                THEN coalesce(_rule_early_label(j.target_kind, j.kind), j.status)
                ELSE j.status END AS verdict,
           -- Displayed decimals: more where the catalogue's would show a missed target as met.
           _rule_display_decimals(j.compared, CASE WHEN j.target_kind = 'growth' THEN j.target_value ELSE j.v_target END,
                                  j.decimals, NOT j.achieved, j.comparison) AS shown_decimals
    FROM judged AS j
)
SELECT j.plan_id,
       j.indicator_id,
       j.as_of,
       j.district_code,
       j.v_t AS value,
       j.base_year,
       j.v0 AS base_value,
       j.base_computed,
       j.target_year,
       j.target_kind,
       j.v_target AS target_value,
       j.direction,
       j.delta_t,
       j.g_obs,
       j.g_req,
       j.ratio,
       j.expected AS expected_value,
       j.v_t - j.expected AS gap,
       -- Projection to T at the observed rate; none for a rate (Choice: a rate is not projected).
       CASE WHEN j.kind <> 'growth_rate' AND j.target_kind IN ('level') AND j.g_obs IS NOT NULL
            THEN j.v_t * power(1 + j.g_obs, j.big_t - j.delta_t) END AS projection,
       CASE WHEN j.kind <> 'growth_rate' AND j.target_kind IN ('level') AND j.g_obs IS NOT NULL AND j.v_target <> j.v0
            THEN (j.v_t * power(1 + j.g_obs, j.big_t - j.delta_t) - j.v0) / (j.v_target - j.v0) END AS projection_share,
       j.status,
       l.zh AS status_label_zh,
       l.en AS status_label_en,
       CASE WHEN j.status = 'not_available' THEN NULL
            WHEN j.status = 'target_achieved' THEN 5.0
            WHEN j.ratio IS NULL THEN -5.0  -- g_req = 0 (or no improvement) and not met: the floor
            WHEN j.ratio >= 0.6 THEN least(7.1429 * j.ratio - 4.2857, 5.0)
            ELSE greatest(4.1667 * j.ratio - 2.5, -5.0)
       END AS score,
       _calc_flags([
           CASE WHEN j.base_computed THEN 'computed_base' END,
           CASE WHEN NOT j.is_city AND j.target_kind <> 'cumulative' THEN 'district_target_implied' END,
           CASE WHEN j.kind = 'flow' THEN 'complete_year:' || j.obs_year END,
           CASE WHEN j.target_kind = 'improvement' AND j.rise IS NOT NULL AND j.margin IS NULL
                THEN 'significance_unknown' END
       ]) AS flags,
       j.achieved,
       j.verdict,
       j.margin,
       j.shown_decimals AS value_decimals,
       _rule_fmt(j.v_t, j.shown_decimals, FALSE) AS value_display,
       _rule_fmt(CASE WHEN j.target_kind = 'growth' THEN j.target_value ELSE j.v_target END, j.decimals, FALSE)
           AS target_display,
       _rule_fmt(j.v_t - j.expected, _rule_gap_decimals(j.v_t - j.expected, j.decimals, NOT j.achieved), TRUE)
           AS gap_display,
       _rule_gap_unit(j.unit, 'zh') AS gap_unit_zh,
       _rule_gap_unit(j.unit_en, 'en') AS gap_unit_en,
       -- The date of the value a projection starts from: a flow's complete year, never its year to date.
       CASE WHEN j.kind = 'flow' THEN make_date(j.obs_year, 12, 31) ELSE j.as_of END AS value_as_of
FROM worded AS j
LEFT JOIN _prog_labels AS l ON l.plan_id = j.plan_id AND l.status = j.verdict
