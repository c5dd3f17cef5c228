-- 海外发明专利授权量 (INDICATORS.md § 2): distinct (office, grant_no) invention grants,
-- holder in scope, granted in the year of D up to and including D.
WITH grants AS (
    SELECT DISTINCT office, grant_no, grant_date, _calc_unit_of(district_code) AS district_code
    FROM stg_overseas_grants
    WHERE patent_type = 'invention' AND in_scope
),
counts AS (
    SELECT g.as_of, g.district_code, count(DISTINCT [o.office, o.grant_no]) FILTER (WHERE o.grant_no IS NOT NULL) AS n
    FROM _calc_grid AS g
    LEFT JOIN grants AS o
      ON o.district_code = g.district_code
     AND o.grant_date BETWEEN make_date(year(g.as_of), 1, 1) AND g.as_of
    GROUP BY ALL
)
SELECT 'overseas_invention_grants' AS indicator_id, as_of, district_code,
       n::DOUBLE AS value, n::DOUBLE AS numerator, NULL::DOUBLE AS denominator, []::VARCHAR[] AS flags
FROM counts
UNION ALL
SELECT 'overseas_invention_grants', as_of, $city, sum(n)::DOUBLE, sum(n)::DOUBLE, NULL, []::VARCHAR[]
FROM counts
GROUP BY as_of
