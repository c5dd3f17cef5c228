-- Year-end resident population behind every (as_of, unit) and the city:
-- the year of D, else the latest earlier year (then provisional, INDICATORS.md).
-- The city total is its own 370600 row; a year without one sums that year's unit rows (SOURCES.md).
WITH unit_pop AS (
    SELECT year, district_code, population
    FROM stg_population
    WHERE district_code IN (SELECT district_code FROM _calc_units)
),
city_pop AS (
    SELECT year, population FROM stg_population WHERE district_code = '370600'
    UNION ALL
    SELECT year, sum(population)
    FROM unit_pop
    WHERE year NOT IN (SELECT year FROM stg_population WHERE district_code = '370600')
    GROUP BY year
),
all_pop AS (
    SELECT year, district_code, population::DOUBLE AS population FROM unit_pop
    UNION ALL
    SELECT year, '370600', population::DOUBLE FROM city_pop
),
grid AS (
    SELECT as_of, district_code FROM _calc_grid
    UNION ALL
    SELECT as_of, '370600' FROM _calc_dates
)
SELECT g.as_of, g.district_code, p.year AS population_year, p.population
FROM grid AS g
ASOF LEFT JOIN all_pop AS p
    ON g.district_code = p.district_code AND year(g.as_of) >= p.year
