-- 专利密集型产业增加值占GDP比重 (INDICATORS.md § 5), city only, percent:
-- economy.csv of the year of D, else the latest earlier year (flag lagged:<year>).
SELECT 'patent_intensive_va_share' AS indicator_id,
       d.as_of,
       $city AS district_code,
       CASE WHEN e.gdp_yi > 0 THEN e.patent_intensive_va_yi / e.gdp_yi * 100 END AS value,
       e.patent_intensive_va_yi::DOUBLE AS numerator,
       e.gdp_yi::DOUBLE AS denominator,
       _calc_flags([
           CASE WHEN e.year IS NULL THEN 'no_data' END,
           CASE WHEN e.year < year(d.as_of) THEN 'lagged:' || e.year END,
           CASE WHEN e.gdp_yi = 0 THEN 'zero_denominator' END
       ]) AS flags
FROM _calc_dates AS d
ASOF LEFT JOIN stg_economy AS e ON year(d.as_of) >= e.year
