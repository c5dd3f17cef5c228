-- 新培育市级知识产权优势企业 (INDICATORS.md, "The plan in force now"): distinct credit codes of
-- programme city_advantage, in scope, whose earliest certified_date over all their rows of the
-- programme is after 31 Dec of the base year B and on or before D. Later expiry does not
-- remove an enterprise (the plan counts enterprises newly cultivated). B comes from the
-- plans defining this id (the action plan: 2024).
-- Choices: the district is that of the earliest certification; D in B counts 0 (nothing
-- cultivated yet: the cumulative target's starting point); D before B is NULL, base_period.
WITH firms AS (
    SELECT credit_code,
           min(certified_date) AS first_certified,
           arg_min(_calc_unit_of(district_code), certified_date) AS district_code,
           bool_or(coalesce(in_scope, true)) AS in_scope
    FROM stg_enterprises
    WHERE programme = 'city_advantage' AND certified_date IS NOT NULL
    GROUP BY credit_code
),
win AS (
    SELECT g.as_of, g.base_year, make_date(g.base_year, 12, 31) AS base_end
    FROM _calc_growth_base AS g
    WHERE g.indicator_id = 'new_city_advantage_enterprises'
),
counts AS (
    SELECT g.as_of, g.district_code, any_value(w.base_year) AS base_year, count(f.credit_code) AS n
    FROM _calc_grid AS g
    JOIN win AS w USING (as_of)
    LEFT JOIN firms AS f
      ON f.district_code = g.district_code
     AND f.in_scope
     AND f.first_certified > w.base_end
     AND f.first_certified <= g.as_of
    GROUP BY g.as_of, g.district_code
),
with_city AS (
    SELECT as_of, district_code, base_year, n FROM counts
    UNION ALL
    SELECT as_of, $city, any_value(base_year), sum(n) FROM counts GROUP BY as_of
)
SELECT 'new_city_advantage_enterprises' AS indicator_id, as_of, district_code,
       CASE WHEN year(as_of) >= base_year THEN n::DOUBLE END AS value,
       CASE WHEN year(as_of) >= base_year THEN n::DOUBLE END AS numerator,
       NULL::DOUBLE AS denominator,
       _calc_flags([CASE WHEN year(as_of) < base_year THEN 'base_period' END]) AS flags
FROM with_city
