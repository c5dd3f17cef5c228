"""Schedules and the landing sensor start on their own in a production deployment
(deploy/env.example sets IP_PIPELINE_AUTOMATION=on) and stay off on a laptop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
from ip_pipeline.definitions import build_definitions
defs = build_definitions()
out = {s.name: s.default_status.value for s in defs.schedules}
out.update({s.name: s.default_status.value for s in defs.sensors})
print(json.dumps(out))
"""


def statuses(automation: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "IP_PIPELINE_AUTOMATION"}
    if automation is not None:
        env["IP_PIPELINE_AUTOMATION"] = automation
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_production_starts_schedules_and_the_landing_sensor():
    on = statuses("on")
    for name in (
        "nightly_refresh_schedule",
        "monthly_report_schedule",
        "landing_zone_sensor",
        "run_failure_alert_sensor",
    ):
        assert on[name] == "RUNNING", (name, on)


def test_a_laptop_keeps_the_nightly_work_off_until_asked():
    off = statuses(None)
    assert off["nightly_refresh_schedule"] == off["monthly_report_schedule"] == "STOPPED", off
    assert off["landing_zone_sensor"] == "STOPPED", off
    assert off["run_failure_alert_sensor"] == "RUNNING", off  # an alert is never unwanted


def test_the_deployment_environment_turns_automation_on():
    env = (ROOT / "deploy" / "env.example").read_text(encoding="utf-8")
    assert "IP_PIPELINE_AUTOMATION=on" in env.splitlines()
