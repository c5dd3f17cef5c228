-- The economy.csv row behind patent_intensive_va_share on D (the year of D or the latest earlier).
SELECT d.as_of, e.year, e.gdp_yi, e.patent_intensive_va_yi, e.patent_intensive_va_yi / e.gdp_yi * 100 AS share_pct
FROM _calc_dates AS d
ASOF JOIN stg_economy AS e ON year(d.as_of) >= e.year
