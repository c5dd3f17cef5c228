"""A real package: a plain `pip install .` (no -e) into a fresh environment carries the
contracts, SQL, catalogue, GX suites and report texts, and runs a small city from a folder
that is not the checkout."""
from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_plain_pip_install_runs_a_city_from_elsewhere(tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    child = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "IP_PIPELINE_HOME",
                                                              "DAGSTER_HOME", "IP_PIPELINE_ENFORCEMENT_DB_URL")}
    built = subprocess.run([str(py), "-m", "pip", "install", "-q", str(ROOT)], env=child, cwd=tmp_path,
                           capture_output=True, text=True, timeout=1200)
    assert built.returncode == 0, built.stderr[-3000:]

    where = subprocess.run([str(py), "-c", "import ip_pipeline, ip_pipeline.paths as p; print(ip_pipeline.__file__); "
                            "print(p.SOURCES_DIR)"], env=child, cwd=tmp_path, capture_output=True, text=True)
    package_file, sources_dir = where.stdout.split()
    assert str(ROOT) not in package_file, "the installed copy, not the checkout"
    assert sources_dir.startswith(str(env_dir)) and Path(sources_dir, "patents.yaml").is_file()

    cli = env_dir / "bin" / "ip-pipeline"
    home = tmp_path / "city"
    work = tmp_path / "elsewhere"
    work.mkdir()
    sample = subprocess.run([str(cli), "sample", "--home", str(home), "--scale", "0.01"], env=child, cwd=work,
                            capture_output=True, text=True, timeout=600)
    assert sample.returncode == 0, sample.stderr[-3000:]
    run = subprocess.run([str(cli), "run", "--home", str(home)], env=child, cwd=work,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, (run.stdout[-2000:], run.stderr[-3000:])
    assert list((home / "reports").rglob("*_zh.pdf")), "the report, with texts from the bundled reports/"
    values = subprocess.run([str(cli), "indicators", "--home", str(home), "--format", "csv"], env=child, cwd=work,
                            capture_output=True, text=True, timeout=300)
    assert values.returncode == 0 and "hv_patents_per_10k" in values.stdout
