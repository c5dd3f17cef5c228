#!/usr/bin/env python
"""Performance benchmark (GitHub issue "Performance").

    .venv/bin/python benchmarks/run.py --scale S [--seed N] [--cache DIR] [--end YYYY-MM-DD] [--no-peer]

1. Generates the sample at scale S into the cache (default benchmarks/cache/scale-<S>,
   git-ignored), reused when its manifest has the same scale, seed and end.
2. Measures, each in a fresh process, wall time and peak RSS (/usr/bin/time -v, else
   getrusage(RUSAGE_CHILDREN) in a wrapper):
   - pipeline: `ip-pipeline run --home <fresh home>` (sources, checks, indicators, report);
   - floor: benchmarks/floor.py (one DuckDB script, same indicator_values);
   - pandas peer: benchmarks/pandas_peer.py (pandas only);
   - no-op rerun: `ip-pipeline run` again on the same home, nothing changed;
   - the pipeline's time per stage, from the Dagster run's step stats.
3. Compares the three indicator_values (id, as_of, unit, value to 1e-9 relative, NULL = NULL)
   and fails (exit 1) listing the differences.
4. Appends a section to benchmarks/RESULTS.md and prints the table; the last line is
   `pipeline/floor ratio at scale S: X.XX`.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import compare  # noqa: E402
from _landing import today_in_yantai  # noqa: E402

VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
IP_PIPELINE = str(VENV_BIN / "ip-pipeline") if (VENV_BIN / "ip-pipeline").exists() else "ip-pipeline"
TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None
DEFAULT_END = "2026-10-31"  # pinned: cached samples stay valid (INDICATORS.md dates run to today regardless)
DEFAULT_SEED = 20201231

WRAPPER = r"""
import resource, subprocess, sys
rc = subprocess.call(sys.argv[1:])
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"User time (seconds): {ru.ru_utime}\nSystem time (seconds): {ru.ru_stime}", file=sys.stderr)
print(f"Maximum resident set size (kbytes): {ru.ru_maxrss}", file=sys.stderr)
sys.exit(rc)
"""


def fmt_scale(s: float) -> str:
    return f"{s:g}"


# ---------------------------------------------------------------- sample cache
def ensure_sample(cache: Path, scale: float, seed: int, end: str) -> tuple[bool, float]:
    manifest = cache / "sample_manifest.json"
    if manifest.exists() and (cache / "landing").is_dir():
        m = json.loads(manifest.read_text(encoding="utf-8"))
        if float(m.get("scale")) == scale and int(m.get("seed")) == seed and str(m.get("end")) == end:
            return True, 0.0
    if cache.exists():
        shutil.rmtree(cache)
    cache.mkdir(parents=True)
    t0 = time.perf_counter()
    subprocess.run([IP_PIPELINE, "sample", "--home", str(cache), "--scale", fmt_scale(scale), "--seed", str(seed),
                    "--end", end, "--no-progress"], check=True, cwd=ROOT)
    return False, time.perf_counter() - t0


def fresh_home(cache: Path) -> Path:
    """A new data directory whose landing zone hard-links the cached files (no copy cost, same bytes)."""
    home = cache / "pipeline-home"
    if home.exists():
        shutil.rmtree(home)
    home.mkdir()
    try:
        shutil.copytree(cache / "landing", home / "landing", copy_function=os.link)
    except OSError:
        shutil.rmtree(home / "landing", ignore_errors=True)
        shutil.copytree(cache / "landing", home / "landing")
    return home


# ---------------------------------------------------------------- measuring
class Measured:
    def __init__(self, name: str, wall: float, rss_kb: int | None, out: str, cpu: float | None = None):
        self.name, self.wall, self.rss_kb, self.out, self.cpu = name, wall, rss_kb, out, cpu

    @property
    def rss_mib(self) -> float | None:
        return None if self.rss_kb is None else self.rss_kb / 1024


def measure(name: str, cmd: list[str], env: dict | None = None) -> Measured:
    full = [TIME, "-v", *cmd] if TIME else [PYTHON, "-c", WRAPPER, *cmd]
    print(f"[bench] {name}: {' '.join(cmd)}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    p = subprocess.run(full, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - t0
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    if p.returncode != 0:
        sys.stderr.write(p.stdout[-4000:] + p.stderr[-4000:])
        raise SystemExit(f"[bench] {name} failed with exit code {p.returncode}")
    print(f"[bench] {name}: {wall:.2f}s, peak RSS {int(m.group(1)) / 1024 if m else float('nan'):.0f} MiB",
          file=sys.stderr, flush=True)
    u = re.search(r"User time \(seconds\): ([\d.]+)", p.stderr)
    k = re.search(r"System time \(seconds\): ([\d.]+)", p.stderr)
    cpu = float(u.group(1)) + float(k.group(1)) if u and k else None
    return Measured(name, wall, int(m.group(1)) if m else None, p.stdout + p.stderr, cpu)


# ---------------------------------------------------------------- Dagster step stats
def stage_of(step_key: str, kind: str = "") -> str:
    if kind == "check" or "check" in step_key or "expectation" in step_key:
        return "checks"
    if step_key.startswith("ingest_") or step_key == "reference_tables":
        return "ingest"
    if step_key.startswith("indicator_"):
        return "indicators"
    if step_key.startswith("monthly_report"):
        return "report"
    return "other"


STEP_STATS = r"""
import json, os, sys, warnings
warnings.filterwarnings("ignore")
import dagster as dg
inst = dg.DagsterInstance.get()
out = []
for r in sorted(inst.get_runs(), key=lambda r: inst.get_run_stats(r.run_id).start_time or 0):
    st = inst.get_run_stats(r.run_id)
    # A step that only evaluated asset checks (no materialisation) is a check step.
    logs = inst.all_logs(r.run_id, of_type={dg.DagsterEventType.ASSET_CHECK_EVALUATION,
                                            dg.DagsterEventType.ASSET_MATERIALIZATION})
    checks = {e.step_key for e in logs if e.dagster_event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION}
    mats = {e.step_key for e in logs if e.dagster_event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION}
    steps = [{"key": s.step_key, "seconds": (s.end_time or 0) - (s.start_time or 0), "status": str(s.status),
              "kind": "check" if s.step_key in checks - mats else ""}
             for s in inst.get_run_step_stats(r.run_id)]
    out.append({"run_id": r.run_id, "job": r.job_name, "status": str(r.status),
                "seconds": (st.end_time or 0) - (st.start_time or 0), "steps": steps})
print(json.dumps(out))
"""


def run_stats(home: Path) -> list[dict]:
    env = {**os.environ, "DAGSTER_HOME": str(home.resolve() / "dagster_home"), "DAGSTER_DISABLE_TELEMETRY": "1"}
    p = subprocess.run([PYTHON, "-c", STEP_STATS], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return json.loads(p.stdout.strip().splitlines()[-1])


def stages(runs: list[dict]) -> tuple[dict[str, float], dict[str, float]]:
    """Seconds per stage and per step key over the given runs."""
    per_stage: dict[str, float] = {}
    per_step: dict[str, float] = {}
    for r in runs:
        for s in r["steps"]:
            st = stage_of(s["key"], s.get("kind", ""))
            per_stage[st] = per_stage.get(st, 0.0) + s["seconds"]
            per_step[s["key"]] = per_step.get(s["key"], 0.0) + s["seconds"]
    return per_stage, per_step


# ---------------------------------------------------------------- reporting
def machine() -> str:
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"nproc {os.cpu_count()}, mem {mem}, {platform.machine()}, load avg (1 min) at end {load:.2f}"


def commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, cwd=ROOT).stdout.strip()
        return sha + (" (+ uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="pipeline vs floor vs pandas peer at one scale")
    ap.add_argument("--scale", type=float, required=True)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--cache", type=Path, default=None, help="default benchmarks/cache/scale-<S>")
    ap.add_argument("--end", default=DEFAULT_END, help=f"last day of the sample (default {DEFAULT_END}, pinned)")
    ap.add_argument("--no-peer", action="store_true", help="skip the pandas peer")
    ap.add_argument("--no-record", action="store_true", help="do not append to benchmarks/RESULTS.md")
    args = ap.parse_args(argv)
    s = fmt_scale(args.scale)
    cache = (args.cache or HERE / "cache" / f"scale-{s}").resolve()
    # The running month's as-of date: today in Yantai (UTC+8), as ip_pipeline/dates.py.
    # One "today" in Asia/Shanghai for every process of the run, pinned through the environment:
    # a benchmark that crosses midnight in Yantai must not compare two different days.
    today = os.environ.get("IP_PIPELINE_TODAY") or today_in_yantai().isoformat()

    reused, gen_s = ensure_sample(cache, args.scale, args.seed, args.end)
    print(f"[bench] sample at scale {s}: {'reused' if reused else f'generated in {gen_s:.1f}s'} ({cache})", file=sys.stderr)
    home = fresh_home(cache)
    out = cache / "out"
    out.mkdir(exist_ok=True)
    env = {**os.environ, "DAGSTER_DISABLE_TELEMETRY": "1", "IP_PIPELINE_TODAY": today}
    env.pop("IP_PIPELINE_ENFORCEMENT_DB_URL", None)  # the landing files, not a database

    m: dict[str, Measured] = {}
    m["pipeline"] = measure("pipeline", [IP_PIPELINE, "run", "--home", str(home)], env)
    m["floor"] = measure("floor", [PYTHON, str(HERE / "floor.py"), "--landing", str(home / "landing"),
                                   "--out", str(out / "floor.parquet"), "--today", today])
    if not args.no_peer:
        m["peer"] = measure("pandas peer", [PYTHON, str(HERE / "pandas_peer.py"), "--landing", str(home / "landing"),
                                            "--out", str(out / "peer.parquet"), "--today", today])
    m["noop"] = measure("no-op rerun", [IP_PIPELINE, "run", "--home", str(home)], env)

    runs = run_stats(home)
    full_ids = {r["run_id"] for r in runs[:2]}  # refresh_job + monthly_report_job of the first `run`
    # The no-op launches one run (refresh_job over the last month); its report is current, so no report run.
    if len(runs) not in (3, 4):
        print(f"[bench] warning: expected 2 Dagster runs for the full `ip-pipeline run` and 1 or 2 for "
              f"the no-op, found {len(runs)} in all", file=sys.stderr)
    full_stage, full_steps = stages([r for r in runs if r["run_id"] in full_ids])
    noop_stage, _ = stages([r for r in runs if r["run_id"] not in full_ids])

    # ---- cross-check
    pipe = compare.pipeline_values(home / "warehouse.duckdb")
    problems = []
    others = {"floor": compare.file_values(out / "floor.parquet")}
    if "peer" in m:
        others["pandas peer"] = compare.file_values(out / "peer.parquet")
    for name, vals in others.items():
        diffs = compare.differences(pipe, vals, "pipeline", name)
        if diffs:
            problems.append(f"pipeline vs {name}: {len(diffs)} difference(s)\n{compare.summarise(diffs)}")
    if "peer" in m:
        diffs = compare.differences(others["floor"], others["pandas peer"], "floor", "pandas peer")
        if diffs:
            problems.append(f"floor vs pandas peer: {len(diffs)} difference(s)\n{compare.summarise(diffs)}")
    agree = "all three agree" if not problems and "peer" in m else ("pipeline and floor agree" if not problems else "DIFFERENCES")

    # ---- table
    P = m["pipeline"].wall
    lines = [f"| measurement | wall s | CPU s (user+sys) | peak RSS MiB | note |", "|---|---:|---:|---:|---|"]
    def row(label, sec, rss, note="", cpu=None):
        lines.append(f"| {label} | {sec:.2f} | {'' if cpu is None else f'{cpu:.1f}'} | "
                     f"{'' if rss is None else f'{rss:.0f}'} | {note} |")
    row("pipeline: `ip-pipeline run` (full)", P, m["pipeline"].rss_mib, f"{len(pipe)} indicator_values rows",
        m["pipeline"].cpu)
    row("floor: benchmarks/floor.py", m["floor"].wall, m["floor"].rss_mib, f"pipeline/floor {P / m['floor'].wall:.2f}×",
        m["floor"].cpu)
    if "peer" in m:
        row("pandas peer: benchmarks/pandas_peer.py", m["peer"].wall, m["peer"].rss_mib,
            f"peer/pipeline {m['peer'].wall / P:.2f}×", m["peer"].cpu)
    row("no-op rerun: `ip-pipeline run` again", m["noop"].wall, m["noop"].rss_mib,
        f"{m['noop'].wall / P * 100:.1f}% of the full run", m["noop"].cpu)
    steps_total = sum(full_stage.values())
    for st in ("ingest", "checks", "indicators", "report", "other"):
        if st in full_stage:
            row(f"  stage {st} (Dagster step time)", full_stage[st], None, f"{full_stage[st] / P * 100:.1f}% of pipeline wall")
    row("  outside steps (startup, definitions, run bookkeeping)", P - steps_total, None,
        f"{(P - steps_total) / P * 100:.1f}% of pipeline wall")
    if noop_stage:
        row("  no-op: step time", sum(noop_stage.values()), None,
            ", ".join(f"{k} {v:.2f}s" for k, v in sorted(noop_stage.items())))
    steps_line = ", ".join(f"{k} {v:.2f}" for k, v in sorted(full_steps.items(), key=lambda kv: -kv[1]))

    targets = [("pipeline ≤ 2× floor", P <= 2 * m["floor"].wall, f"{P / m['floor'].wall:.2f}×")]
    if "peer" in m:
        targets.append(("pipeline ≥ 5× faster than pandas peer", m["peer"].wall >= 5 * P, f"{m['peer'].wall / P:.2f}×"))
    targets.append(("peak memory ≤ 4 GiB", (m["pipeline"].rss_kb or 0) <= 4 * 1024 * 1024,
                    f"{(m['pipeline'].rss_mib or 0) / 1024:.2f} GiB"))
    targets.append(("no-op rerun ≤ 10% of a full run", m["noop"].wall <= 0.1 * P, f"{m['noop'].wall / P * 100:.1f}%"))
    results_json = cache / "results.json"
    record = {"scale": args.scale, "commit": commit(), "date": dt.datetime.now().isoformat(timespec="seconds"),
              **{k: {"wall": v.wall, "cpu": v.cpu, "rss_kb": v.rss_kb} for k, v in m.items()}, "stages": full_stage, "steps": full_steps}
    results_json.write_text(json.dumps(record, indent=1), encoding="utf-8")
    if args.scale == 10:
        s1 = HERE / "cache" / "scale-1" / "results.json"
        if s1.exists():
            base = json.loads(s1.read_text(encoding="utf-8"))
            targets.append(("time at scale 10 ≤ 12 × time at scale 1", P <= 12 * base["pipeline"]["wall"],
                            f"{P / base['pipeline']['wall']:.2f}× (scale 1: {base['pipeline']['wall']:.1f}s, {base['date']})"))
    target_lines = [f"- {'PASS' if ok else 'FAIL'} {label}: {value}" for label, ok, value in targets]

    section = "\n".join([
        f"## Scale {s} — {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}",
        "",
        f"- commit: {commit()}",
        f"- machine: {machine()}",
        f"- sample: scale {s}, seed {args.seed}, end {args.end} ({'cached' if reused else f'generated in {gen_s:.0f}s'}); "
        f"as-of dates to {today}",
        f"- cross-check: {agree}",
        "",
        *lines,
        "",
        f"Pipeline step seconds: {steps_line}",
        "",
        "Targets:",
        *target_lines,
        "",
    ])
    if problems:
        print("\n\n".join(problems), file=sys.stderr)
    print(section)
    if not args.no_record:
        results = HERE / "RESULTS.md"
        if not results.exists():
            results.write_text("# Benchmark results\n\nAppended by `benchmarks/run.py` (one section per run).\n\n",
                               encoding="utf-8")
        with open(results, "a", encoding="utf-8") as fh:
            fh.write(section + ("\nDifferences:\n```\n" + "\n\n".join(problems) + "\n```\n" if problems else "") + "\n")
    if problems:
        print(f"FAILED: indicator_values differ ({'; '.join(p.splitlines()[0] for p in problems)})", file=sys.stderr)
    print(f"pipeline/floor ratio at scale {s}: {P / m['floor'].wall:.2f}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
