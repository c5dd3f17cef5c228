-- 知识产权转让、许可次数 (INDICATORS.md, "The plan in force now"): distinct record_no of the
-- year of D up to D, in scope, patent and trademark, transfer and licence together.
-- A year before the source's first recordal, or no transfers at all: NULL, flag no_data.
SELECT 'ip_transfer_licence_count' AS indicator_id, as_of, district_code,
       CASE WHEN covered THEN count_ytd::DOUBLE END AS value,
       CASE WHEN covered THEN count_ytd::DOUBLE END AS numerator,
       NULL::DOUBLE AS denominator,
       _calc_flags([CASE WHEN NOT covered THEN 'no_data' END]) AS flags
FROM _calc_transfer_totals
