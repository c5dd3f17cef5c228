-- 有效注册商标量 (INDICATORS.md § 3): distinct registrations in force on D, in 万件.
-- numerator = the count itself; denominator NULL (÷10,000 is a unit, not a denominator).
-- Choice: a mark without expiry_date fails `expiry_date >= D` and is not counted (the letter).
WITH marks AS (
    SELECT registration_no, registration_date, expiry_date, status, status_date,
           _calc_unit_of(district_code) AS district_code
    FROM stg_trademarks
    WHERE in_scope
),
counts AS (
    SELECT g.as_of, g.district_code, count(t.registration_no) AS n  -- the staged key is unique: DISTINCT would only hold every joined row in memory
    FROM _calc_grid AS g
    LEFT JOIN marks AS t
      ON t.district_code = g.district_code
     AND t.registration_date <= g.as_of
     AND t.expiry_date >= g.as_of            -- the expiry date is the last day of validity
     AND NOT (t.status IN ('invalidated', 'cancelled', 'revoked') AND coalesce(t.status_date <= g.as_of, false))
     AND t.status <> 'refused'                -- 驳回: never valid; 期满未续展 (expired) ends at its expiry date
    GROUP BY ALL
)
SELECT 'valid_trademarks' AS indicator_id, as_of, district_code,
       n / 10000.0 AS value, n::DOUBLE AS numerator, NULL::DOUBLE AS denominator, []::VARCHAR[] AS flags
FROM counts
UNION ALL
SELECT 'valid_trademarks', as_of, $city, sum(n) / 10000.0, sum(n)::DOUBLE, NULL, []::VARCHAR[]
FROM counts
GROUP BY as_of
