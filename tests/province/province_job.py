"""Reconstructable province jobs for the tests: the executors re-import this module in each step
process (multiprocess) or worker (Celery), so the cities come from the environment."""

import json
import os
from pathlib import Path

from ip_pipeline.defs.province import build_province_job


def _cities() -> dict[str, Path]:
    return {k: Path(v) for k, v in json.loads(os.environ["IP_PIPELINE_TEST_CITIES"]).items()}


def province_job():
    return build_province_job(
        _cities(), Path(os.environ["IP_PIPELINE_TEST_PROVINCE"]), executor="multiprocess"
    )


def province_celery_job():
    return build_province_job(_cities(), Path(os.environ["IP_PIPELINE_TEST_PROVINCE"]), executor="celery")
