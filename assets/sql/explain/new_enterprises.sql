-- The city-advantage enterprises newly cultivated by D: first certified (earliest row of the
-- programme) after 31 Dec of the base year and on or before D, whatever their later expiry.
WITH firms AS (
    SELECT credit_code, any_value(name) AS name, min(certified_date) AS first_certified,
           arg_min(_calc_unit_of(district_code), certified_date) AS district_code,
           max(valid_until) AS valid_until, bool_or(coalesce(in_scope, true)) AS in_scope
    FROM stg_enterprises
    WHERE programme = 'city_advantage' AND certified_date IS NOT NULL
    GROUP BY credit_code
)
SELECT f.credit_code, f.name, f.district_code, f.first_certified, f.valid_until, g.base_year
FROM firms AS f, _calc_growth_base AS g
WHERE g.indicator_id = 'new_city_advantage_enterprises' AND f.in_scope
  AND f.first_certified > make_date(g.base_year, 12, 31) AND f.first_certified <= g.as_of
  AND ($district IS NULL OR f.district_code = $district)
ORDER BY f.district_code, f.first_certified, f.credit_code
