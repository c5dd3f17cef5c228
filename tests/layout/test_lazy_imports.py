"""Loading the Dagster definitions, and what a night with nothing to report runs of the report
package (its fingerprints, the audit record, the months), load no plotting or workbook library:
they cost a second of every process that starts, and only a build needs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("matplotlib", "openpyxl", "great_expectations")


def test_definitions_and_the_light_report_modules_do_not_load_the_report_stack():
    code = (
        "import sys\n"
        "import ip_pipeline.definitions, ip_pipeline.defs.reports\n"
        "import ip_pipeline.report.inputs, ip_pipeline.report.audit_record, ip_pipeline.report.months\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_the_report_package_still_gives_its_names_on_use():
    import ip_pipeline.report as report

    assert callable(report.build_report) and issubclass(report.ReportDataError, Exception)
