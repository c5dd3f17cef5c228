"""Ship the declarative files in the wheel.

The contracts (`sources/`), the SQL and catalogue (`assets/`), the GX suites
(`expectations/`) and the report texts (`reports/`) stay at the top of the
repository, where a data engineer reads and changes them. A wheel built with a
plain `pip install .` copies them into the package as `ip_pipeline/_bundled/…`;
`ip_pipeline/paths.py` uses the checkout's copies when they are there (a clone,
an editable install) and the bundled ones otherwise. Everything else is in
pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DECLARATIVE_DIRS = ("sources", "assets", "expectations", "reports")


class build_py_with_declarative_files(build_py):
    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads the checkout itself
            return
        root = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "ip_pipeline" / "_bundled"
        for name in DECLARATIVE_DIRS:
            dest = target / name
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(root / name, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": build_py_with_declarative_files})
