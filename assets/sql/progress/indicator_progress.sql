-- indicator_progress (PROGRESS.md): the growth-ratio method of the UNSD SDG Progress
-- Chart / open-sdg sdg-build, per plan × indicator with a target × as_of × unit.
-- Inputs: _prog_spec (the catalogue), _prog_values (values on the as-of dates and on
-- the year ends the method needs), _prog_dates, _prog_labels.
-- g_obs, g_req are fractions (0.2056 = 20.56 %/yr); growth targets are given in percent.
WITH spec AS (
    SELECT *, (target_year - base_year)::DOUBLE AS big_t  -- ΔT = T − t₀
    FROM _prog_spec
    WHERE target_value IS NOT NULL
),
rows AS (
    SELECT s.*, v.as_of, v.district_code, v.district_code = '370600' AS is_city, v.value AS value_on_d,
           -- Flow indicators are judged on the latest complete calendar year: the year of D
           -- when D is 31 December, else the year before (PROGRESS.md, "Time").
           CASE WHEN s.kind = 'flow'
                THEN CASE WHEN v.as_of = make_date(year(v.as_of), 12, 31) THEN year(v.as_of) ELSE year(v.as_of) - 1 END
           END AS obs_year
    FROM spec AS s
    JOIN _prog_values AS v ON v.plan_id = s.plan_id AND v.indicator_id = s.indicator_id
    JOIN _prog_dates AS d ON d.as_of = v.as_of
),
observed AS (
    SELECT r.*,
           CASE WHEN r.kind = 'flow' THEN fy.value ELSE r.value_on_d END AS v_t,
           CASE r.kind
               WHEN 'flow' THEN (r.obs_year - r.base_year)::DOUBLE
               -- A growth rate since B is measured over whole years Y − B.
               WHEN 'growth_rate' THEN (year(r.as_of) - r.base_year)::DOUBLE
               ELSE date_diff('day', make_date(r.base_year, 12, 31), r.as_of) / 365.25
           END AS delta_t,
           b.value AS own_base  -- the unit's own value for the base year (full year for flows)
    FROM rows AS r
    LEFT JOIN _prog_values AS fy
           ON fy.plan_id = r.plan_id AND fy.indicator_id = r.indicator_id
          AND fy.district_code = r.district_code AND fy.as_of = make_date(r.obs_year, 12, 31)
    LEFT JOIN _prog_values AS b
           ON b.plan_id = r.plan_id AND b.indicator_id = r.indicator_id
          AND b.district_code = r.district_code AND b.as_of = make_date(r.base_year, 12, 31)
),
city_base AS (
    -- The plan's base: its official value, else the city's value computed for the base year.
    SELECT s.plan_id, s.indicator_id,
           coalesce(s.base_value, b.value) AS v0
    FROM spec AS s
    LEFT JOIN _prog_values AS b
           ON b.plan_id = s.plan_id AND b.indicator_id = s.indicator_id
          AND b.district_code = '370600' AND b.as_of = make_date(s.base_year, 12, 31)
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
                WHEN o.is_city THEN q.city_v0
                ELSE o.own_base  -- a district's base is its own value in the base year
           END AS v0,
           o.kind <> 'growth_rate' AND (NOT o.is_city OR o.base_value IS NULL) AS base_computed,
           CASE WHEN o.kind = 'growth_rate' OR o.target_kind = 'growth' THEN o.target_value
                WHEN o.is_city THEN o.target_value
                -- District target implied: its own base grown at the plan's required rate.
                ELSE o.own_base * power(1 + q.g_req, o.big_t)
           END AS v_target
    FROM observed AS o JOIN required AS q USING (plan_id, indicator_id)
),
measured AS (
    SELECT b.*,
           -- Rule 1 inputs: no growth rate exists without two positive observations a year apart.
           CASE WHEN b.kind = 'growth_rate' THEN b.v_t IS NULL OR b.delta_t < 1 OR b.g_req IS NULL
                ELSE b.v_t IS NULL OR b.v0 IS NULL OR b.v_target IS NULL OR b.g_req IS NULL
                     OR b.delta_t < 1 OR b.v0 <= 0 OR b.v_t <= 0
           END AS unavailable,
           CASE WHEN b.kind = 'growth_rate' THEN b.v_t / 100.0
                -- Choice: g_obs (and what rests on it) is not published when Δt < 1 year:
                -- an annualised rate over a few months misleads.
                WHEN b.v0 > 0 AND b.v_t > 0 AND b.delta_t >= 1 THEN power(b.v_t / b.v0, 1.0 / b.delta_t) - 1
           END AS g_obs
    FROM based AS b
),
rated AS (
    SELECT m.*,
           CASE WHEN m.g_req <> 0 AND (m.kind <> 'growth_rate' OR m.delta_t >= 1)
                THEN m.direction * m.g_obs / abs(m.g_req) END AS ratio,
           CASE WHEN m.kind = 'growth_rate' OR m.target_kind = 'growth'
                THEN m.direction * (m.g_obs * 100 - m.target_value) >= 0  -- observed growth ≥ g*
                ELSE m.direction * (m.v_t - m.v_target) >= 0
                     -- A value within the tolerance of a limit target (e.g. 100) counts as met.
                     OR (m.lim IS NOT NULL AND abs(m.v_target - m.lim) <= m.tol AND abs(m.v_t - m.lim) <= m.tol)
           END AS achieved
    FROM measured AS m
),
judged AS (
    SELECT r.*,
           CASE WHEN r.unavailable THEN 'not_available'
                WHEN r.achieved THEN 'target_achieved'
                WHEN r.g_req = 0 THEN 'deterioration'  -- target equals base and it is not met
                WHEN r.ratio >= r.on_track THEN 'on_track'
                WHEN r.ratio >= r.needs_acc THEN 'needs_acceleration'
                WHEN r.ratio >= 0 THEN 'limited_progress'
                ELSE 'deterioration'
           END AS status
    FROM rated AS r
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
       -- Expected on D on the straight path; for a growth-rate target the expected rate is g*.
       CASE WHEN j.kind = 'growth_rate' OR j.target_kind = 'growth' THEN j.target_value
            ELSE j.v0 * power(1 + j.g_req, j.delta_t) END AS expected_value,
       j.v_t - (CASE WHEN j.kind = 'growth_rate' OR j.target_kind = 'growth' THEN j.target_value
                     ELSE j.v0 * power(1 + j.g_req, j.delta_t) END) AS gap,
       -- Projection to T at the observed rate; none for a rate (Choice: a rate is not projected).
       CASE WHEN j.kind <> 'growth_rate' AND j.target_kind <> 'growth' AND j.g_obs IS NOT NULL
            THEN j.v_t * power(1 + j.g_obs, j.big_t - j.delta_t) END AS projection,
       CASE WHEN j.kind <> 'growth_rate' AND j.target_kind <> 'growth' AND j.g_obs IS NOT NULL AND j.v_target <> j.v0
            THEN (j.v_t * power(1 + j.g_obs, j.big_t - j.delta_t) - j.v0) / (j.v_target - j.v0) END AS projection_share,
       j.status,
       l.zh AS status_label_zh,
       l.en AS status_label_en,
       CASE WHEN j.status = 'not_available' THEN NULL
            WHEN j.status = 'target_achieved' THEN 5.0
            WHEN j.ratio IS NULL THEN -5.0  -- g_req = 0 and below target: the floor
            WHEN j.ratio >= 0.6 THEN least(7.1429 * j.ratio - 4.2857, 5.0)
            ELSE greatest(4.1667 * j.ratio - 2.5, -5.0)
       END AS score,
       _calc_flags([
           CASE WHEN j.base_computed THEN 'computed_base' END,
           CASE WHEN NOT j.is_city THEN 'district_target_implied' END,
           CASE WHEN j.kind = 'flow' THEN 'complete_year:' || j.obs_year END
       ]) AS flags
FROM judged AS j
LEFT JOIN _prog_labels AS l ON l.plan_id = j.plan_id AND l.status = j.status
