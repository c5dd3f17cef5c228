-- 知识产权质押登记金额 (INDICATORS.md § 4): Σ amount_wan of the year's registrations up to D, 万元.
SELECT 'pledge_amount_wan' AS indicator_id, as_of, district_code,
       amount_ytd::DOUBLE AS value, amount_ytd::DOUBLE AS numerator, NULL::DOUBLE AS denominator,
       []::VARCHAR[] AS flags
FROM _calc_pledge_totals
