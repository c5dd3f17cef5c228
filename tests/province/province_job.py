"""A reconstructable province job for the test (the multiprocess executor re-imports it in each step process)."""
import datetime as dt
import json
import os
from pathlib import Path

from ip_pipeline.province import build_province_job


def province_job():
    cities = {k: Path(v) for k, v in json.loads(os.environ["IP_PIPELINE_TEST_CITIES"]).items()}
    return build_province_job(cities, Path(os.environ["IP_PIPELINE_TEST_PROVINCE"]),
                              dt.date(2020, 12, 31), dt.date(2022, 12, 31))
