-- 知识产权转让、许可次数年均增幅 (INDICATORS.md, "The plan in force now"), percent: exactly
-- the pledge rates' method, (x_Y / x_B)^(1/(Y − B)) − 1 with x_Y, x_B year-to-date to the
-- same month-day (full years on 31 December), B from the plans defining this id (2024).
-- numerator = x_Y, denominator = x_B. The year of D or B before the source's first recordal
-- (or no transfers at all): NULL, flag no_data.
SELECT 'ip_transfer_licence_cagr' AS indicator_id, as_of, district_code,
       CASE WHEN year > base_year AND covered AND base_covered AND base_count > 0
            THEN (power(count_ytd::DOUBLE / base_count, 1.0 / (year - base_year)) - 1) * 100
       END AS value,
       CASE WHEN covered THEN count_ytd::DOUBLE END AS numerator,
       CASE WHEN base_covered THEN base_count::DOUBLE END AS denominator,
       _calc_flags([
           CASE WHEN year <= base_year THEN 'base_period' END,
           CASE WHEN NOT (covered AND base_covered) THEN 'no_data' END,
           CASE WHEN year > base_year AND covered AND base_covered AND base_count = 0 THEN 'zero_base' END
       ]) AS flags
FROM _calc_transfer_totals
