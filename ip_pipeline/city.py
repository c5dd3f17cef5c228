"""The city whose plans this pipeline follows: Yantai, administrative code 370600 (the reporting
unit that stands for the whole city in indicator_values, indicator_progress and the reports)."""

CITY = "370600"
