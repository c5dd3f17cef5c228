"""Yearly volumes at scale 1 and the other calibration knobs, in one place.

Tuned with selfcheck.py so that, as of 2020-12-31, the clean data give ≈ 4.06 high-value
invention patents per 10,000 people and ≈ 106,000 valid trademarks (≈ 128,000 a year
later), with the growth the 14th Five-Year plan expects afterwards."""

from __future__ import annotations


def interpolate(table: dict[int, float], year: int) -> float:
    """Piecewise linear between the listed years; flat before the first one, and after
    the last one continued with the last year's growth rate."""
    years = sorted(table)
    if year <= years[0]:
        return table[years[0]]
    if year >= years[-1]:
        a, b = table[years[-2]], table[years[-1]]
        step = years[-1] - years[-2]
        return b * (b / a) ** ((year - years[-1]) / step)
    for lo, hi in zip(years, years[1:]):
        if lo <= year <= hi:
            t = (year - lo) / (hi - lo)
            return table[lo] + t * (table[hi] - table[lo])
    raise AssertionError(year)


# All Chinese patent filings of the city's holders, by filing year (≈ 100,000 up to 2025).
PATENT_FILINGS = {
    1998: 120,
    2004: 350,
    2005: 1100,
    2008: 1700,
    2011: 2800,
    2014: 3900,
    2016: 4700,
    2018: 6000,
    2019: 6600,
    2020: 7900,
    2021: 8700,
    2022: 8400,
    2023: 8300,
    2024: 8500,
    2025: 8700,
    2026: 8850,
}
INVENTION_SHARE = {1998: 0.30, 2010: 0.33, 2020: 0.35, 2026: 0.36}
DESIGN_SHARE = 0.14
PCT_SHARE = 0.03  # of inventions: national phase entries, type digit 8

INVENTION_GRANT_RATE = {"company": 0.62, "institute": 0.70, "person": 0.35}
YEARLY_LAPSE = {  # hazard of lapsing for unpaid annuities, per year of grant
    "invention": {"company": 0.045, "institute": 0.11, "person": 0.20},
    "utility_model": {"company": 0.17, "institute": 0.30, "person": 0.35},
    "design": {"company": 0.22, "institute": 0.30, "person": 0.35},
}
# Chance that an invention is classified in a strategic emerging industry, by filing year
# (times the unit's sei_bias): the city's industry shifts towards them.
SEI_SHARE = {1998: 0.15, 2008: 0.19, 2015: 0.24, 2020: 0.305, 2026: 0.42}
SEI_SHARE_UTILITY = 0.15

# Links drawn while the patents are generated (share of eligible patents that may be used).
PLEDGE_CANDIDATE_SHARE = 0.06
OVERSEAS_CANDIDATE_SHARE = 0.10
AWARD_CANDIDATE_SHARE = 0.03

OVERSEAS_GRANTS = {
    2008: 8,
    2010: 14,
    2012: 24,
    2014: 38,
    2016: 60,
    2018: 88,
    2019: 105,
    2020: 128,
    2021: 158,
    2022: 182,
    2023: 203,
    2024: 224,
    2025: 246,
    2026: 262,
}
OVERSEAS_LINKED = 0.9

PLEDGES = {
    2008: 5,
    2010: 12,
    2012: 25,
    2014: 40,
    2016: 62,
    2018: 98,
    2019: 125,
    2020: 160,
    2021: 210,
    2022: 275,
    2023: 355,
    2024: 460,
    2025: 600,
    2026: 760,
}
PLEDGE_PATENT_SHARE = 0.65
PLEDGE_MEDIAN_WAN = {"patent": 340.0, "trademark": 180.0}  # in 2020, +3 % a year
PLEDGE_SIGMA = 1.1

# Trademark rows (registered, pending, later cancelled …) by filing year: ≈ 200,000.
TRADEMARK_FILINGS = {
    1996: 450,
    2004: 1050,
    2005: 1280,
    2010: 2700,
    2015: 6800,
    2016: 10000,
    2017: 13400,
    2018: 16300,
    2019: 17000,
    2020: 26500,
    2021: 18500,
    2022: 11500,
    2023: 12500,
    2024: 13000,
    2025: 13500,
    2026: 14000,
}
TRADEMARK_RENEWAL = 0.5
TRADEMARK_STATUS_CHANGE = {"revoked": 0.025, "cancelled": 0.02, "invalidated": 0.005}
TRADEMARK_PLEDGE_CANDIDATE_SHARE = 0.03

ENFORCEMENT = {2005: 45, 2010: 110, 2015: 220, 2020: 380, 2025: 560, 2026: 590}
# Court cases on top of the case list's judicial rows, with case numbers of the courts
# (鲁06知民初…): mostly first-instance civil IP cases, a few hundred a year, of which
# ≈ 85 % end with the parties accepting the judgment (服判息诉).
COURT_CASES_FIRST_YEAR = 2012
COURT_CASES = {2012: 60, 2016: 150, 2020: 260, 2024: 330, 2026: 370}
COURT_CASE_KINDS = {
    ("civil", "first"): 0.76,
    ("civil", "second"): 0.14,
    ("civil", "retrial"): 0.02,
    ("criminal", "first"): 0.06,
    ("administrative", "first"): 0.02,
}
ACCEPTANCE_RATE = {2012: 0.80, 2020: 0.835, 2024: 0.855, 2026: 0.875}
ACCEPTANCE_UNKNOWN = 0.06  # 服判息诉 left blank by the court's export

# 知识产权转让、许可 recordals with a party in Yantai: a few thousand a year, ≈ +15 %/yr from 2024.
TRANSFERS_FIRST_YEAR = 2012
TRANSFERS = {2012: 550, 2016: 1150, 2020: 2300, 2022: 2750, 2023: 3000, 2024: 3250, 2025: 3750, 2026: 4300}
TRANSFER_PATENT_SHARE = 0.78
TRANSFER_LICENCE_SHARE = {"patent": 0.3, "trademark": 0.4}
TRANSFER_DIRECTIONS = (0.45, 0.25, 0.30)  # within Yantai, out of Yantai, into Yantai
AWARDS = {2008: 10, 2014: 18, 2020: 28, 2026: 36}
GBT29490_NEW = {2014: 12, 2016: 22, 2018: 32, 2020: 44, 2022: 52, 2024: 58, 2026: 62}
CITY_ADVANTAGE_NEW = {2016: 8, 2018: 12, 2020: 15, 2022: 17, 2026: 19}
SURVEY_RESPONSES = {2019: 2400, 2026: 3000}
SURVEY_MEAN = {2019: 80.5, 2020: 81.8, 2021: 83.4, 2022: 84.3, 2023: 85.0, 2024: 85.8, 2025: 86.5, 2026: 87.0}
