-- 每万人口高价值发明专利拥有量 (INDICATORS.md § 1): high-value invention patents in
-- force on D per 10,000 year-end residents. City = sum of units over the city population.
WITH counts AS (
    SELECT g.as_of, g.district_code, count(h.application_no) AS n  -- the staged key is unique: DISTINCT would only hold every joined row in memory
    FROM _calc_grid AS g
    LEFT JOIN _calc_hv AS h USING (as_of, district_code)
    GROUP BY ALL
),
with_city AS (
    SELECT as_of, district_code, n FROM counts
    UNION ALL
    SELECT as_of, $city, sum(n) FROM counts GROUP BY as_of
)
SELECT 'hv_patents_per_10k' AS indicator_id,
       c.as_of,
       c.district_code,
       CASE WHEN p.population > 0 THEN c.n / p.population * 10000 END AS value,
       c.n::DOUBLE AS numerator,
       p.population AS denominator,
       _calc_flags([
           CASE WHEN p.population IS NULL THEN 'no_population' END,
           CASE WHEN p.population = 0 THEN 'zero_denominator' END,
           CASE WHEN p.provisional THEN 'provisional_denominator' END  -- an earlier year, or an incomplete one
       ]) AS flags
FROM with_city AS c
LEFT JOIN _calc_population AS p USING (as_of, district_code)
