"""The city whose plans this pipeline follows: Yantai, administrative code 370600 (the reporting
unit that stands for the whole city in indicator_values, indicator_progress and the reports)."""

CITY = "370600"

# Records in the city whose unit is unknown count under the city's code with county digits 99:
# GB/T 2260 gives 99 to no county, so the bucket (未定位 in districts.csv) is never a real unit.
UNLOCATED = CITY[:4] + "99"
