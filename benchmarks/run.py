#!/usr/bin/env python
"""Performance benchmark: the nightly that real data makes.

    .venv/bin/python benchmarks/run.py --scale S [--seed N] [--cache DIR] [--end YYYY-MM-DD]
                                       [--delta-day YYYY-MM-DD] [--no-peer] [--no-record] [--report-only]

1. Generates the sample at scale S into the cache (default benchmarks/cache/scale-<S>,
   git-ignored), reused when its manifest has the same scale, seed and end, and hard-links
   it into a fresh home.
2. Measures, each in a fresh process, wall time, CPU and peak RSS (/usr/bin/time -v, else
   getrusage(RUSAGE_CHILDREN) in a wrapper):
   - pipeline: `ip-pipeline run --home <fresh home>` (sources, checks, indicators, report);
   - floor: benchmarks/floor.py (one DuckDB script, same indicator_values);
   - pandas peer: benchmarks/pandas_peer.py (pandas only);
   - no-op rerun: `ip-pipeline run` again on the same home, nothing changed;
   - delta nightly: benchmarks/delta_day.py adds one day of exports (a new file per source,
     an average day's volume at scale S, some rows revising earlier ones), then
     `ip-pipeline run` again; the floor and the peer run again on that landing zone;
   - the pipeline's time per step (the profile), from the Dagster runs of the home's instance.
   One "today" in Asia/Shanghai ($IP_PIPELINE_TODAY, else today in Yantai at the start) is
   given to every process: the pipeline through the environment, floor and peer with --today.
3. Compares the three indicator_values (id, as_of, unit, value to 1e-9 relative, NULL = NULL)
   after the full run and again after the delta; differences exit 1.
4. Appends a section to benchmarks/RESULTS.md (table, profile, targets) and prints last
   `peak RSS …`, `time(10)/time(1): …` (scale 10, when scale 1 ran the same code outside benchmarks/, tests/), then
   `delta-nightly/full ratio at scale S: X.XX`, `no-op seconds at scale S: X.X`,
   `pipeline/floor ratio at scale S: X.XX`, `delta-nightly/floor ratio at scale S: X.XX` (the
   delta nightly against the floor's full recompute of the same landing zone after the delta).
   Targets: pipeline/floor ≤ 2.0, delta ≤ 0.25 of full, delta ≤ 0.5 of the floor's recompute,
   no-op ≤ 6 s, peak RSS
   ≤ 4 GiB, time(10)/time(1) ≤ 12. A missed target exits 3, unless --report-only (exit 0).
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
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import compare  # noqa: E402
import delta_day  # noqa: E402
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
    subprocess.run(
        [
            IP_PIPELINE,
            "sample",
            "--home",
            str(cache),
            "--scale",
            fmt_scale(scale),
            "--seed",
            str(seed),
            "--end",
            end,
            "--no-progress",
        ],
        check=True,
        cwd=ROOT,
    )
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
    print(
        f"[bench] {name}: {wall:.2f}s, peak RSS {int(m.group(1)) / 1024 if m else float('nan'):.0f} MiB",
        file=sys.stderr,
        flush=True,
    )
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
    if step_key.startswith(("indicator_", "plan_outcomes")):
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
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home.resolve() / "dagster_home"),
        "DAGSTER_DISABLE_TELEMETRY": "1",
    }
    p = subprocess.run(
        [PYTHON, "-c", STEP_STATS], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    )
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
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
        return sha + (" (+ uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def cross_check(pipe: dict, out: Path, suffix: str, with_peer: bool) -> list[str]:
    """pipeline vs floor, pipeline vs peer, floor vs peer; the differences, summarised."""
    problems = []
    others = {"floor": compare.file_values(out / f"floor{suffix}.parquet")}
    if with_peer:
        others["pandas peer"] = compare.file_values(out / f"peer{suffix}.parquet")
    for name, vals in others.items():
        diffs = compare.differences(pipe, vals, "pipeline", name)
        if diffs:
            problems.append(f"pipeline vs {name}: {len(diffs)} difference(s)\n{compare.summarise(diffs)}")
    if with_peer:
        diffs = compare.differences(others["floor"], others["pandas peer"], "floor", "pandas peer")
        if diffs:
            problems.append(f"floor vs pandas peer: {len(diffs)} difference(s)\n{compare.summarise(diffs)}")
    return problems


def profile_table(
    full: dict[str, float], delta: dict[str, float], full_wall: float, delta_wall: float
) -> list[str]:
    """Dagster step durations of the full and the delta run, by stage, largest first."""
    lines = ["| step | stage | full s | % of full wall | delta s |", "|---|---|---:|---:|---:|"]
    order = {"ingest": 0, "checks": 1, "indicators": 2, "report": 3, "other": 4}
    keys = sorted(set(full) | set(delta), key=lambda k: (order[stage_of(k)], -full.get(k, 0.0), k))
    for k in keys:
        f, d = full.get(k), delta.get(k)
        lines.append(
            f"| {k} | {stage_of(k)} | {'' if f is None else f'{f:.2f}'} | "
            f"{'' if f is None else f'{f / full_wall * 100:.1f}'} | {'' if d is None else f'{d:.2f}'} |"
        )
    lines.append(
        f"| (all steps) | | {sum(full.values()):.2f} | {sum(full.values()) / full_wall * 100:.1f} | "
        f"{sum(delta.values()):.2f} |"
    )
    lines.append(f"| (wall of `ip-pipeline run`) | | {full_wall:.2f} | 100.0 | {delta_wall:.2f} |")
    return lines


def same_code(base_sha: str) -> bool:
    """The working tree's code equals `base_sha`'s outside benchmarks/ and tests/ (a scale-1 run
    of the same pipeline, whatever the benchmark's own commits since)."""
    if not base_sha or base_sha == "unknown":
        return False
    p = subprocess.run(
        ["git", "diff", "--quiet", base_sha, "--", ".", ":(exclude)benchmarks", ":(exclude)tests"],
        cwd=ROOT,
        capture_output=True,
    )
    return p.returncode == 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="pipeline vs floor vs pandas peer at one scale, full, no-op and delta"
    )
    ap.add_argument("--scale", type=float, required=True)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--cache", type=Path, default=None, help="default benchmarks/cache/scale-<S>")
    ap.add_argument(
        "--end", default=DEFAULT_END, help=f"last day of the sample (default {DEFAULT_END}, pinned)"
    )
    ap.add_argument(
        "--delta-day",
        type=dt.date.fromisoformat,
        default=None,
        help="the day the delta nightly adds (default: the day after --end; not after today)",
    )
    ap.add_argument("--no-peer", action="store_true", help="skip the pandas peer (both times)")
    ap.add_argument("--no-record", action="store_true", help="do not append to benchmarks/RESULTS.md")
    ap.add_argument(
        "--report-only",
        action="store_true",
        help="exit 0 when targets are missed (a slow or shared machine); differences still exit 1",
    )
    args = ap.parse_args(argv)
    s = fmt_scale(args.scale)
    cache = (args.cache or HERE / "cache" / f"scale-{s}").resolve()
    # The running month's as-of date: today in Yantai (UTC+8), as ip_pipeline/dates.py.
    # One "today" in Asia/Shanghai for every process of the run, pinned through the environment
    # (IP_PIPELINE_TODAY) and --today: a benchmark that crosses midnight in Yantai must not
    # compare two different days, before or after the delta.
    today = os.environ.get("IP_PIPELINE_TODAY") or today_in_yantai().isoformat()
    day = args.delta_day or dt.date.fromisoformat(args.end) + dt.timedelta(days=1)
    if day > dt.date.fromisoformat(today):
        raise SystemExit(
            f"[bench] the delta day {day} is after today in Yantai ({today}): its event dates "
            f"would be quarantined as future dates; pass --delta-day or IP_PIPELINE_TODAY"
        )

    reused, gen_s = ensure_sample(cache, args.scale, args.seed, args.end)
    print(
        f"[bench] sample at scale {s}: {'reused' if reused else f'generated in {gen_s:.1f}s'} ({cache})",
        file=sys.stderr,
    )
    home = fresh_home(cache)
    out = cache / "out"
    out.mkdir(exist_ok=True)
    env = {**os.environ, "DAGSTER_DISABLE_TELEMETRY": "1", "IP_PIPELINE_TODAY": today}
    env.pop("IP_PIPELINE_ENFORCEMENT_DB_URL", None)  # the landing files, not a database
    with_peer = not args.no_peer

    def floor_and_peer(suffix: str, label: str) -> None:
        m[f"floor{suffix}"] = measure(
            f"floor{label}",
            [
                PYTHON,
                str(HERE / "floor.py"),
                "--landing",
                str(home / "landing"),
                "--out",
                str(out / f"floor{suffix}.parquet"),
                "--today",
                today,
            ],
            env,
        )
        if with_peer:
            m[f"peer{suffix}"] = measure(
                f"pandas peer{label}",
                [
                    PYTHON,
                    str(HERE / "pandas_peer.py"),
                    "--landing",
                    str(home / "landing"),
                    "--out",
                    str(out / f"peer{suffix}.parquet"),
                    "--today",
                    today,
                ],
                env,
            )

    m: dict[str, Measured] = {}
    load_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    loads: list[float] = []  # the 1-min load average every 10 s while measuring (other users' work too)
    stop = threading.Event()

    def sample_load() -> None:
        while not stop.wait(10.0):
            loads.append(os.getloadavg()[0])

    sampler = threading.Thread(target=sample_load, daemon=True)
    sampler.start()
    # 1. full run, floor, peer, no-op rerun
    m["pipeline"] = measure("pipeline", [IP_PIPELINE, "run", "--home", str(home)], env)
    full_ids = {r["run_id"] for r in run_stats(home)}
    floor_and_peer("", "")
    m["noop"] = measure("no-op rerun", [IP_PIPELINE, "run", "--home", str(home)], env)
    noop_ids = {r["run_id"] for r in run_stats(home)} - full_ids
    pipe_full = compare.pipeline_values(home / "warehouse.duckdb")
    problems = [f"[full] {p}" for p in cross_check(pipe_full, out, "", with_peer)]

    # 2. the delta nightly: one more day of exports, then the pipeline; floor and peer on the same landing
    added = delta_day.add_day(home / "landing", day, args.scale, args.seed)
    delta_rows = sum(a["rows"] for a in added.values())
    delta_revised = sum(sum(a["revised"].values()) for a in added.values())
    print(
        f"[bench] delta day {day}: {delta_rows} rows in {len(added)} files, {delta_revised} of them revisions",
        file=sys.stderr,
    )
    m["delta"] = measure("delta nightly", [IP_PIPELINE, "run", "--home", str(home)], env)
    runs = run_stats(home)
    delta_ids = {r["run_id"] for r in runs} - full_ids - noop_ids
    floor_and_peer("_delta", " after the delta")
    pipe = compare.pipeline_values(home / "warehouse.duckdb")
    problems += [f"[after the delta] {p}" for p in cross_check(pipe, out, "_delta", with_peer)]
    changed = sum(
        1
        for k in set(pipe) | set(pipe_full)
        if not compare._same((pipe.get(k) or (None,))[0], (pipe_full.get(k) or (None,))[0])
    )
    stop.set()
    sampler.join()
    load_line = (
        f"; load avg (1 min) while measuring: mean {sum(loads) / len(loads):.2f}, max {max(loads):.2f}"
        if loads
        else ""
    )
    agree = (
        ("all three agree" if with_peer else "pipeline and floor agree") if not problems else "DIFFERENCES"
    )
    if len(runs) != len(full_ids) + len(noop_ids) + len(delta_ids):
        print("[bench] warning: unexpected Dagster runs", file=sys.stderr)
    full_stage, full_steps = stages([r for r in runs if r["run_id"] in full_ids])
    noop_stage, _ = stages([r for r in runs if r["run_id"] in noop_ids])
    delta_stage, delta_steps = stages([r for r in runs if r["run_id"] in delta_ids])

    # ---- table
    P, F, D, N = m["pipeline"].wall, m["floor"].wall, m["delta"].wall, m["noop"].wall
    FD = m["floor_delta"].wall  # the floor recomputing everything after the delta
    lines = ["| measurement | wall s | CPU s (user+sys) | peak RSS MiB | note |", "|---|---:|---:|---:|---|"]

    def row(label, sec, rss, note="", cpu=None):
        lines.append(
            f"| {label} | {sec:.2f} | {'' if cpu is None else f'{cpu:.1f}'} | "
            f"{'' if rss is None else f'{rss:.0f}'} | {note} |"
        )

    row(
        "pipeline: `ip-pipeline run` (full)",
        P,
        m["pipeline"].rss_mib,
        f"{len(pipe_full)} indicator_values rows",
        m["pipeline"].cpu,
    )
    row("floor: benchmarks/floor.py", F, m["floor"].rss_mib, f"pipeline/floor {P / F:.2f}×", m["floor"].cpu)
    if with_peer:
        row(
            "pandas peer: benchmarks/pandas_peer.py",
            m["peer"].wall,
            m["peer"].rss_mib,
            f"peer/pipeline {m['peer'].wall / P:.2f}×",
            m["peer"].cpu,
        )
    row(
        "no-op rerun: `ip-pipeline run` again",
        N,
        m["noop"].rss_mib,
        f"{N / P * 100:.1f}% of the full run",
        m["noop"].cpu,
    )
    row(
        f"delta nightly: + one day ({day}), `ip-pipeline run`",
        D,
        m["delta"].rss_mib,
        f"delta/full {D / P:.2f}; {delta_rows} rows, {delta_revised} revisions; {changed} indicator_values changed",
        m["delta"].cpu,
    )
    row(
        "floor after the delta",
        FD,
        m["floor_delta"].rss_mib,
        f"delta-nightly/floor {D / FD:.2f}×",
        m["floor_delta"].cpu,
    )
    if with_peer:
        row(
            "pandas peer after the delta",
            m["peer_delta"].wall,
            m["peer_delta"].rss_mib,
            "",
            m["peer_delta"].cpu,
        )
    steps_total = sum(full_stage.values())
    for st in ("ingest", "checks", "indicators", "report", "other"):
        if st in full_stage:
            row(
                f"  full: stage {st} (Dagster step time)",
                full_stage[st],
                None,
                f"{full_stage[st] / P * 100:.1f}% of pipeline wall",
            )
    row(
        "  full: outside steps (startup, definitions, run bookkeeping)",
        P - steps_total,
        None,
        f"{(P - steps_total) / P * 100:.1f}% of pipeline wall",
    )
    if noop_stage:
        row(
            "  no-op: step time",
            sum(noop_stage.values()),
            None,
            ", ".join(f"{k} {v:.2f}s" for k, v in sorted(noop_stage.items())),
        )
    if delta_stage:
        row(
            "  delta: step time",
            sum(delta_stage.values()),
            None,
            ", ".join(f"{k} {v:.2f}s" for k, v in sorted(delta_stage.items())),
        )
    cpu_line = ""
    if all(m[k].cpu for k in ("pipeline", "floor", "delta", "noop")):
        cpu_line = (
            f"CPU (user+sys) ratios, less sensitive to a shared machine's load: pipeline/floor "
            f"{m['pipeline'].cpu / m['floor'].cpu:.2f}, delta/full {m['delta'].cpu / m['pipeline'].cpu:.2f}, "
            f"no-op {m['noop'].cpu:.1f} CPU s"
            + (
                f", delta/floor's recompute {m['delta'].cpu / m['floor_delta'].cpu:.2f}"
                if m["floor_delta"].cpu
                else ""
            )
        )
    added_line = "; ".join(
        f"{k} {a['rows']} ({a['kind']}"
        + (
            ", revised " + ", ".join(f"{n} {name}" for name, n in a["revised"].items())
            if a["revised"]
            else ""
        )
        + ")"
        for k, a in added.items()
    )

    peak_kb = max(m[k].rss_kb or 0 for k in ("pipeline", "noop", "delta"))
    targets = [
        ("pipeline/floor ≤ 2.0", P <= 2 * F, f"{P / F:.2f}"),
        ("delta nightly ≤ 0.25 of a full run", D <= 0.25 * P, f"{D / P:.2f}"),
        ("delta nightly ≤ 0.5 of the floor's full recompute", D <= 0.5 * FD, f"{D / FD:.2f}"),
        ("no-op ≤ 6 s", N <= 6.0, f"{N:.1f} s"),
        (
            "peak RSS ≤ 4 GiB (full, no-op, delta)",
            peak_kb <= 4 * 1024 * 1024,
            f"{peak_kb / 1024 / 1024:.2f} GiB",
        ),
    ]
    ratio_10_1 = None
    this_commit = commit()
    if args.scale == 10:
        s1 = HERE / "cache" / "scale-1" / "results.json"
        if s1.exists():
            base = json.loads(s1.read_text(encoding="utf-8"))
            ratio_10_1 = P / base["pipeline"]["wall"]
            about = f"scale 1: {base['pipeline']['wall']:.1f}s, {base['date']}, commit {base.get('commit')}"
            if same_code(str(base.get("commit", "")).split()[0] if base.get("commit") else ""):
                targets.append(("time(10)/time(1) ≤ 12", ratio_10_1 <= 12, f"{ratio_10_1:.2f} ({about})"))
            else:
                print(f"[bench] time(10)/time(1) {ratio_10_1:.2f} not judged: {about}", file=sys.stderr)
    results_json = cache / "results.json"
    record = {
        "scale": args.scale,
        "commit": this_commit,
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "today": today,
        "delta_day": day.isoformat(),
        "added": {k: {kk: vv for kk, vv in a.items() if kk != "revised_keys"} for k, a in added.items()},
        **{k: {"wall": v.wall, "cpu": v.cpu, "rss_kb": v.rss_kb} for k, v in m.items()},
        "stages": full_stage,
        "steps": full_steps,
        "delta_stages": delta_stage,
        "delta_steps": delta_steps,
    }
    results_json.write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")
    target_lines = [f"- {'PASS' if ok else 'FAIL'} {label}: {value}" for label, ok, value in targets]
    missed = [label for label, ok, _ in targets if not ok]

    section = "\n".join(
        [
            f"## Scale {s} — {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}",
            "",
            f"- commit: {this_commit}",
            f"- machine: {machine()}; load avg (1 min) at start {load_start:.2f}{load_line}",
            f"- sample: scale {s}, seed {args.seed}, end {args.end} ({'cached' if reused else f'generated in {gen_s:.0f}s'}); "
            f"today (Asia/Shanghai, pinned for every process) {today}",
            f"- delta day {day}: {added_line}",
            f"- cross-check (full, and after the delta): {agree}",
            "",
            *lines,
            "",
            *([cpu_line, ""] if cpu_line else []),
            "Profile (Dagster step durations from the benchmark home's instance; steps may overlap):",
            "",
            *profile_table(full_steps, delta_steps, P, D),
            "",
            "Targets:",
            *target_lines,
            "",
        ]
    )
    if problems:
        print("\n\n".join(problems), file=sys.stderr)
    print(section)
    if not args.no_record:
        results = HERE / "RESULTS.md"
        if not results.exists():
            results.write_text(
                "# Benchmark results\n\nAppended by `benchmarks/run.py` (one section per run).\n\n",
                encoding="utf-8",
            )
        with open(results, "a", encoding="utf-8") as fh:
            fh.write(
                section
                + ("\nDifferences:\n```\n" + "\n\n".join(problems) + "\n```\n" if problems else "")
                + "\n"
            )
    if problems:
        print(
            f"FAILED: indicator_values differ ({'; '.join(p.splitlines()[0] for p in problems)})",
            file=sys.stderr,
        )
    if missed:
        print(
            f"[bench] targets missed: {'; '.join(missed)}"
            + (" (--report-only: exit 0)" if args.report_only else ""),
            file=sys.stderr,
        )
    print(f"peak RSS at scale {s}: {peak_kb / 1024 / 1024:.2f} GiB")
    if ratio_10_1 is not None:
        print(f"time(10)/time(1): {ratio_10_1:.2f}")
    print(f"delta-nightly/full ratio at scale {s}: {D / P:.2f}")
    print(f"no-op seconds at scale {s}: {N:.1f}")
    print(f"pipeline/floor ratio at scale {s}: {P / F:.2f}")
    print(f"delta-nightly/floor ratio at scale {s}: {D / FD:.2f}")
    if problems:
        return 1
    return 3 if missed and not args.report_only else 0


if __name__ == "__main__":
    sys.exit(main())
