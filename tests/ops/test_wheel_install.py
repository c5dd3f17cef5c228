"""A real package: `python -m build` makes the source archive (sdist) and, from that archive alone, the
wheel; the wheel installed into a fresh environment carries the contracts, SQL, catalogue, GX suites
and report texts, and runs a small city from a folder that is not the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DECLARATIVE = (
    "sources/patents.yaml",
    "assets/sql/ingest_macros.sql",
    "assets/catalogue/indicators",
    "expectations/",
    "reports/",
)
# What a checkout holds that is not the project: generated data, caches, environments.
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "data",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "cache",
    "*.duckdb",
    "*.duckdb.wal",
)


def _run(args, **kw):
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-3000:])
    return done


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_sdist_then_wheel_installs_and_runs_a_city_from_elsewhere(tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    py = env_dir / "bin" / "python"
    child = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV", "DAGSTER_HOME") and not k.startswith("IP_PIPELINE_")
    }
    # --no-compile: the .pyc files are written on first import anyway; compiling Dagster's and GX's
    # trees up front doubles the install's time.
    pip = [py, "-m", "pip", "install", "-q", "--no-compile"]

    # The build runs on a copy, so the checkout gets no build/ or egg-info of its own.
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=NOT_SOURCE)
    _run([*pip, "build"], env=child, cwd=tmp_path, timeout=300)
    dist = tmp_path / "dist"
    _run(
        [py, "-m", "build", "--outdir", dist, src], env=child, cwd=tmp_path, timeout=600
    )  # sdist, then wheel from it
    (sdist,), (wheel,) = sorted(dist.glob("*.tar.gz")), sorted(dist.glob("*.whl"))
    with tarfile.open(sdist) as t:
        in_sdist = [n.split("/", 1)[1] for n in t.getnames() if "/" in n]
    with zipfile.ZipFile(wheel) as z:
        in_wheel = z.namelist()
    for part in DECLARATIVE:
        assert any(n.startswith(part) for n in in_sdist), f"the sdist lacks {part}"
        assert any(n.startswith(f"ip_pipeline/_bundled/{part}") for n in in_wheel), f"the wheel lacks {part}"
    assert "ip_pipeline/py.typed" in in_sdist and "ip_pipeline/py.typed" in in_wheel

    _run([*pip, wheel], env=child, cwd=tmp_path, timeout=1200)
    where = _run(
        [
            py,
            "-c",
            "import ip_pipeline, ip_pipeline.paths as p; print(ip_pipeline.__file__); print(p.SOURCES_DIR)",
        ],
        env=child,
        cwd=tmp_path,
    )
    package_file, sources_dir = where.stdout.split()
    assert str(ROOT) not in package_file and str(src) not in package_file, (
        "the installed copy, not a checkout"
    )
    assert sources_dir.startswith(str(env_dir)) and Path(sources_dir, "patents.yaml").is_file()

    cli = env_dir / "bin" / "ip-pipeline"
    home = tmp_path / "city"
    work = tmp_path / "elsewhere"
    work.mkdir()
    shutil.rmtree(src)  # nothing may come from the copy the wheel was built from
    _run([cli, "sample", "--home", home, "--scale", "0.01"], env=child, cwd=work, timeout=600)
    _run([cli, "run", "--home", home], env=child, cwd=work, timeout=900)
    assert list((home / "reports").rglob("*_zh.pdf")), "the report, with texts from the bundled reports/"
    values = _run([cli, "indicators", "--home", home, "--format", "csv"], env=child, cwd=work, timeout=300)
    assert "hv_patents_per_10k" in values.stdout
