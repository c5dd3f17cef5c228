-- 知识产权质押登记项目数 (INDICATORS.md § 4): registrations of the year of D up to D.
SELECT 'pledge_count' AS indicator_id, as_of, district_code,
       count_ytd::DOUBLE AS value, count_ytd::DOUBLE AS numerator, NULL::DOUBLE AS denominator,
       []::VARCHAR[] AS flags
FROM _calc_pledge_totals
