-- 运行《企业知识产权管理规范》企业 and 市知识产权优势企业 (INDICATORS.md § 7, 8): distinct credit
-- codes of one programme certified on or before D and valid on D (valid_until is the last
-- valid day; NULL = no end). The registry runs this file once per programme.
WITH firms AS (
    SELECT credit_code, certified_date, valid_until, _calc_unit_of(district_code) AS district_code
    FROM stg_enterprises
    WHERE programme = $programme AND coalesce(in_scope, true)
),
counts AS (
    SELECT g.as_of, g.district_code, count(f.credit_code) AS n  -- the staged key is unique: DISTINCT would only hold every joined row in memory
    FROM _calc_grid AS g
    LEFT JOIN firms AS f
      ON f.district_code = g.district_code
     AND f.certified_date <= g.as_of
     AND (f.valid_until IS NULL OR f.valid_until >= g.as_of)
    GROUP BY ALL
)
SELECT $indicator_id::VARCHAR AS indicator_id, as_of, district_code,
       n::DOUBLE AS value, n::DOUBLE AS numerator, NULL::DOUBLE AS denominator, []::VARCHAR[] AS flags
FROM counts
UNION ALL
SELECT $indicator_id::VARCHAR, as_of, $city, sum(n)::DOUBLE, sum(n)::DOUBLE, NULL, []::VARCHAR[]
FROM counts
GROUP BY as_of
