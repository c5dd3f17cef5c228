"""CLI: `plans` (each plan, its period, in force or ended), `outcomes` (the final
evaluation of an ended plan), and the rule behind `progress --plan` (only while the plan is in force).

PROGRESS.md, "The plan's lifecycle": a plan is in force on D when the end of its base
year < D <= 31 Dec of its target year; "current" means the plans in force on D; an
ended plan is shown by its final evaluation (`plan_outcomes`).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

import pandas as pd

from ..city import CITY
from ..dates import today_in_yantai
from ..db import table_exists
from ..indicators import rules
from ..indicators.catalogue import Plan, load_plans
from ..labels import MISSING
from .common import FORMATS, CliError, guard, parse_as_of
from .output import aligned, emit, labels_for, read
from .tables import district_ids_help, plan_ids_help, render

OUTCOME_COLUMNS = [
    "plan_id",
    "indicator_id",
    "district_code",
    "value",
    "target_value",
    "achieved",
    "attainment",
    "change_share",
    "ratio",
    "status",
    "final_status",
    "vintage",
]
DISPLAY_COLUMNS = ["value_decimals", "target_gap", "gap_display", "gap_unit_zh", "gap_unit_en"]


def _plan(plan_id: str) -> Plan:
    plans = load_plans()
    for p in plans:
        if p.id == plan_id:
            return p
    raise CliError(f"unknown plan {plan_id!r} (the catalogue has: {', '.join(p.id for p in plans)})")


def _state_text(plan: Plan, d: date) -> str:
    state = plan.state(d)
    if state == "ended":
        return f"ended {plan.end_date}"
    if state == "in_force":
        return f"in force (until {plan.end_date})"
    return f"not yet in force (from {plan.start_date + pd.Timedelta(days=1)})"


def _day(args: argparse.Namespace) -> date:
    return args.as_of or today_in_yantai()


# --------------------------------------------------------------------------- plans


def run_plans(args: argparse.Namespace) -> int:
    d = _day(args)
    rows = [
        dict(
            plan_id=p.id,
            name_zh=p.name_zh,
            base_year=p.base_year,
            target_year=p.target_year,
            in_force_from=(p.start_date + pd.Timedelta(days=1)).isoformat(),
            in_force_to=p.end_date.isoformat(),
            indicators_with_target=len(p.targeted()),
            state=p.state(d),
            on=d.isoformat(),
            status=_state_text(p, d),
        )
        for p in load_plans()
    ]
    df = pd.DataFrame(rows)

    def table(out: pd.DataFrame) -> str:
        view = pd.DataFrame(
            {
                "plan_id": out["plan_id"],
                "规划": out["name_zh"],
                "期间": [f"{a} – {b}" for a, b in zip(out["in_force_from"], out["in_force_to"])],
                "目标数": out["indicators_with_target"],
                f"on {d}": out["status"],
            }
        )
        return aligned(view)

    emit(df, args.format, table)
    return 0


# --------------------------------------------------------------------------- progress --plan


def _not_in_force(plan: Plan, d: date) -> str:
    if plan.ended_by(d):
        return (
            f"plan {plan.id} ended on {plan.end_date}; on {d} it has no progress rows, only its final "
            f"evaluation: ip-pipeline outcomes --plan {plan.id}"
        )
    return (
        f"plan {plan.id} is not in force on {d}: it runs from {plan.start_date + pd.Timedelta(days=1)} "
        f"to {plan.end_date}"
    )


def plans_in_force(df: pd.DataFrame, args: argparse.Namespace) -> pd.DataFrame:
    """`progress` shows only what the plans in force say: each row's plan must be in force on the
    row's date; with --plan, that plan must be in force on --as-of (default today), else one line
    pointing at its final evaluation."""
    plan = _plan(args.plan) if getattr(args, "plan", None) else None
    if plan is not None and not plan.in_force(_day(args)):
        raise CliError(_not_in_force(plan, _day(args)))
    plans = {p.id: p for p in load_plans()}
    if not df.empty:
        dates = pd.to_datetime(df["as_of"]).dt.date
        df = df[[pid in plans and plans[pid].in_force(d) for pid, d in zip(df["plan_id"], dates)]]
    if plan is None and args.as_of is not None and args.format == "table":
        for p in plans.values():
            if p.ended_by(args.as_of):
                print(
                    f"note: {p.id} ended on {p.end_date}: ip-pipeline outcomes --plan {p.id}", file=sys.stderr
                )
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------- outcomes


def _read_outcomes(plan_id: str | None, district: str | None):
    def work(con):
        if not table_exists(con, "plan_outcomes"):
            raise CliError("the warehouse has no plan_outcomes yet: run the pipeline (ip-pipeline run)")
        where, params = [], []
        if plan_id:
            where.append("plan_id = ?")
            params.append(plan_id)
        if district:
            where.append("district_code = ?")
            params.append(district)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        have = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'plan_outcomes'"
            ).fetchall()
        }
        # The engine's display of a verdict (an older warehouse lacks it: the catalogue's decimals then).
        shown = ", ".join(c if c in have else f"NULL AS {c}" for c in DISPLAY_COLUMNS)
        df = con.execute(
            f"SELECT {', '.join(OUTCOME_COLUMNS)}, as_of, final_label_zh, final_label_en, {shown} "
            f"FROM plan_outcomes {clause} "
            f"ORDER BY plan_id, indicator_id, district_code <> '{CITY}', district_code",
            params,
        ).df()
        scores = pd.DataFrame(columns=["plan_id", "as_of", "score", "indicators_scored"])
        if table_exists(con, "plan_scores"):
            scores = con.execute(
                f"SELECT s.plan_id, s.as_of, s.score, s.indicators_scored FROM plan_scores AS s "
                f"JOIN (SELECT DISTINCT plan_id, as_of FROM plan_outcomes) AS o USING (plan_id, as_of) "
                f"WHERE s.district_code = '{CITY}'"
            ).df()
        return df, scores

    return work


def final_line(df: pd.DataFrame, scores: pd.DataFrame, plan_id: str, lang: str = "en") -> str:
    """The plan's final line: indicators achieved out of those with a target (city), the score on 31 Dec T."""
    city = df[(df["plan_id"] == plan_id) & (df["district_code"] == CITY)]
    achieved = int((city["achieved"] == True).sum())  # noqa: E712  (NULL is not achieved)
    s = scores[scores["plan_id"] == plan_id]
    as_of = pd.to_datetime(city["as_of"]).dt.date.max() if len(city) else None
    score = "—" if s.empty or pd.isna(s["score"].iloc[0]) else f"{s['score'].iloc[0]:.2f}"
    if lang == "zh":
        return f"{plan_id}: 全市 {len(city)} 项有目标的指标中实现 {achieved} 项；{as_of} 规划得分 {score}"
    return (
        f"{plan_id}: {achieved} of {len(city)} indicators with a target achieved (city {CITY}); "
        f"plan score {score} on {as_of}"
    )


def _outcomes_table(df: pd.DataFrame, labels) -> str:
    """For people: names beside codes, values in the indicator's unit, the catalogue's words."""
    zh = labels.lang != "en"
    share = lambda v: MISSING if v is None or pd.isna(v) else f"{v * 100:.0f}%"  # noqa: E731
    heads = (
        [
            "规划",
            "指标",
            "区划",
            "终期值",
            "目标",
            "差距",
            "完成度",
            "所需变化完成",
            "R",
            "进度分类",
            "终期结论",
        ]
        if zh
        else [
            "Plan",
            "Indicator",
            "Unit",
            "Final value",
            "Target",
            "Gap",
            "Attainment",
            "Needed change reached",
            "R",
            "Progress class",
            "Verdict",
        ]
    )

    def gap(r) -> str:
        # The engine's gap, in its unit (个百分点 for a rate), never 0 beside 目标未完成.
        if r.gap_display is None or pd.isna(r.gap_display):
            return MISSING
        unit = r.gap_unit_zh if zh else r.gap_unit_en
        return f"{r.gap_display} {unit}" if unit else str(r.gap_display)

    def attainment(r) -> str:
        # 99.97 % of a missed target never prints as 100 % (rules.display_decimals).
        if r.attainment is None or pd.isna(r.attainment):
            return MISSING
        v = float(r.attainment) * 100
        d = rules.display_decimals(v, 100.0, 0, r.final_status == "target_missed", "ge")
        return f"{v:.{d}f}%"

    def decimals(r):
        return None if r.value_decimals is None or pd.isna(r.value_decimals) else int(r.value_decimals)

    rows = [
        [
            labels.plan(r.plan_id),
            labels.indicator(r.indicator_id),
            labels.district(r.district_code),
            labels.value(r.value, r.indicator_id, decimals=decimals(r)),
            labels.value(r.target_value, r.indicator_id),
            gap(r),
            attainment(r),
            share(r.change_share),
            MISSING if pd.isna(r.ratio) else f"{r.ratio:.2f}",
            labels.status(r.status),
            labels.status(r.final_status, r.final_label_zh, r.final_label_en),
        ]
        for r in df.itertuples(index=False)
    ]
    return render(heads, rows, align="lllrrrrrrll")


def run_outcomes(args: argparse.Namespace) -> int:
    plan = _plan(args.plan) if args.plan else None
    if plan is not None and not plan.ended_by(today_in_yantai()):
        raise CliError(
            f"plan {plan.id} runs until {plan.end_date}: no final evaluation yet "
            f"(see ip-pipeline progress --plan {plan.id})"
        )
    df, scores = read(args, _read_outcomes(plan.id if plan else None, args.district))
    if plan is not None and df.empty:
        raise CliError(
            f"no final evaluation of {plan.id} in the warehouse yet: run the pipeline (ip-pipeline run)"
        )
    if args.format != "table":
        emit(df[OUTCOME_COLUMNS], args.format)
        return 0
    labels = labels_for(args)
    emit(df, "table", lambda view: _outcomes_table(view, labels))
    for pid in dict.fromkeys(df["plan_id"]):
        sys.stdout.write(final_line(df, scores, pid, labels.lang) + "\n")
    return 0


def add_cli(subparsers) -> None:
    """Register `plans` and `outcomes` (`progress --plan` is in cli/indicators.py, filtered by
    `plans_in_force`)."""
    p = subparsers.add_parser("plans", help="each plan, its period, in force or ended (today or --as-of)")
    p.add_argument(
        "--as-of", type=parse_as_of, default=None, help="YYYY-MM-DD (default: today in Asia/Shanghai)"
    )
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(func=guard(run_plans))

    p = subparsers.add_parser("outcomes", help="the final evaluation of an ended plan (plan_outcomes)")
    p.add_argument("--home", default=None, help="data directory (default $IP_PIPELINE_HOME, else ./data)")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument(
        "--plan", default=None, metavar="ID", help=plan_ids_help("plan id (default: every ended plan)")
    )
    p.add_argument(
        "--district",
        default=None,
        metavar="CODE",
        help=district_ids_help("one unit code (default: the city and every unit)"),
    )
    p.add_argument(
        "--lang", choices=("zh", "en"), default="zh", help="language of the table's names (default zh)"
    )
    p.set_defaults(func=guard(run_outcomes))
