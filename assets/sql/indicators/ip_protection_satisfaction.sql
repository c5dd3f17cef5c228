-- 知识产权保护社会满意度 (INDICATORS.md § 6), city only: the published score of the year
-- of D when satisfaction.csv has one (flag published; numerator and denominator NULL),
-- otherwise the survey estimate (numerator Σw·s, denominator Σw).
SELECT 'ip_protection_satisfaction' AS indicator_id,
       s.as_of,
       s.district_code,
       CASE WHEN p.score IS NOT NULL THEN p.score ELSE s.estimate END AS value,
       CASE WHEN p.score IS NULL THEN s.sum_ws END AS numerator,
       CASE WHEN p.score IS NULL THEN s.sum_w END AS denominator,
       CASE WHEN p.score IS NOT NULL THEN ['published']::VARCHAR[]
            ELSE _calc_flags([
                CASE WHEN s.n_responses = 0 THEN 'no_data' END,
                CASE WHEN s.n_responses > 0 AND s.n_responses < 30 THEN 'small_sample' END
            ])
       END AS flags
FROM _calc_satisfaction AS s
LEFT JOIN (SELECT year, any_value(score) AS score FROM stg_satisfaction WHERE score IS NOT NULL GROUP BY year) AS p
       ON p.year = year(s.as_of)
