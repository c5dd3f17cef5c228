-- 知识产权质押登记项目数年均增长率 (INDICATORS.md § 4), percent:
-- (x_Y / x_B)^(1/(Y − B)) − 1 with x_Y, x_B year-to-date to the same month-day
-- (full years on 31 December). numerator = x_Y, denominator = x_B.
SELECT 'pledge_count_cagr' AS indicator_id, as_of, district_code,
       CASE WHEN year > base_year AND base_count > 0
            THEN (power(count_ytd::DOUBLE / base_count, 1.0 / (year - base_year)) - 1) * 100
       END AS value,
       count_ytd::DOUBLE AS numerator,
       base_count::DOUBLE AS denominator,
       _calc_flags([
           CASE WHEN year <= base_year THEN 'base_period' END,
           CASE WHEN year > base_year AND base_count = 0 THEN 'zero_base' END
       ]) AS flags
FROM _calc_pledge_totals
