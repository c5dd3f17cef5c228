"""The report's CJK font comes from a named publisher (Debian's fonts-wqy-microhei), and its
absence is a sentence that says what to install, not a PDF of empty boxes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ip_pipeline.report import fonts


def test_font_is_the_debian_package_file(monkeypatch):
    monkeypatch.delenv(fonts.FONT_ENV, raising=False)
    path = fonts.collection_path()
    assert path == fonts.SYSTEM_PATHS[0], "make system-deps installs fonts-wqy-microhei"
    owner = subprocess.run(["dpkg", "-S", str(path)], capture_output=True, text=True)
    assert owner.returncode == 0 and owner.stdout.startswith(fonts.DEBIAN_PACKAGE + ":"), (
        owner.stdout + owner.stderr
    )
    assert "Debian" in fonts.publisher(path)


def test_the_font_draws_the_report_vocabulary():
    # Words of every kind the report prints: district names, rare place characters, units, signs.
    assert (
        fonts.missing_glyphs("芝罘区莱山区蓬莱区栖霞市未定位 已实现目标 目标未完成 万件 亿元 ≥ % ± —")
        == set()
    )


def test_missing_font_is_a_clear_refusal(monkeypatch, tmp_path):
    monkeypatch.setenv(fonts.FONT_ENV, str(tmp_path / "nowhere.ttc"))
    with pytest.raises(fonts.MissingFontError, match="IP_PIPELINE_CJK_FONT=.*is not a font file"):
        fonts.collection_path()
    monkeypatch.delenv(fonts.FONT_ENV)
    monkeypatch.setattr(fonts, "SYSTEM_PATHS", (tmp_path / "absent.ttc",))
    with pytest.raises(fonts.MissingFontError, match="apt-get install fonts-wqy-microhei"):
        fonts.collection_path()


def test_doctor_names_the_font_and_its_publisher(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "ip_pipeline.cli.main", "doctor", "--home", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    line = next(ln for ln in out.stdout.splitlines() if "CJK font" in ln)
    assert "WenQuanYi Micro Hei" in line and "fonts-wqy-microhei" in line, line
