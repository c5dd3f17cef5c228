-- Year-end resident population behind every (as_of, unit) and the city:
-- the year of D, else the latest earlier year (then provisional, INDICATORS.md).
-- The city total is its own row (district_code = $city); a year without one sums that year's unit rows (SOURCES.md).
-- A year in which a unit lacks the row it had in an earlier year is incomplete (INDICATORS.md):
-- that unit takes its latest earlier year, and a city total summed from units carries the
-- flag too (`provisional`): a missing unit never shrinks the city's denominator silently.
-- The unlocated bucket (未定位) never has a row, so it never makes a year incomplete.
WITH unit_rows AS (
    SELECT year, district_code, population
    FROM stg_population
    WHERE district_code IN (SELECT district_code FROM _calc_units)
),
years AS (SELECT DISTINCT year FROM unit_rows),
-- Every (year, unit) the table should hold: each year from the unit's first row on.
expected AS (
    SELECT y.year, u.district_code
    FROM years AS y
    JOIN (SELECT district_code, min(year) AS first_year FROM unit_rows GROUP BY ALL) AS u
      ON y.year >= u.first_year
),
unit_pop AS (
    SELECT e.year, e.district_code, r.population, r.year AS source_year
    FROM expected AS e
    ASOF JOIN unit_rows AS r
        ON e.district_code = r.district_code AND e.year >= r.year
),
city_pop AS (
    SELECT year, population, year AS source_year, false AS incomplete
    FROM stg_population WHERE district_code = $city
    UNION ALL
    SELECT year, sum(population), year, bool_or(source_year < year)
    FROM unit_pop
    WHERE year NOT IN (SELECT year FROM stg_population WHERE district_code = $city)
    GROUP BY year
),
all_pop AS (
    SELECT year, district_code, population::DOUBLE AS population, source_year, source_year < year AS incomplete
    FROM unit_pop
    UNION ALL
    SELECT year, $city, population::DOUBLE, source_year, incomplete FROM city_pop
),
grid AS (
    SELECT as_of, district_code FROM _calc_grid
    UNION ALL
    SELECT as_of, $city FROM _calc_dates
)
SELECT g.as_of, g.district_code, p.source_year AS population_year, p.population,
       coalesce(p.source_year < year(g.as_of) OR p.incomplete, false) AS provisional
FROM grid AS g
ASOF LEFT JOIN all_pop AS p
    ON g.district_code = p.district_code AND year(g.as_of) >= p.year
