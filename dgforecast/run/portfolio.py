"""``dgforecast portfolio DIR...``: every plan on one page, and in one spreadsheet, from each plan's own report.

Each DIR is a plan workbook with a finished report (``reports/latest``, which points at the last complete one).
Nothing is simulated again: the page says what each report says — for every target of every plan its state
under the plan's headline scenario (the status before its deadline, the verdict after it), P(met) with its Monte
Carlo error, what it rests on, and a link to the report — so the portfolio and the plans' own pages agree.

``gather_plan`` reads one plan's report (summary.csv, final_assessment.csv, manifest.json) and the plan's files
for the names and the words; ``write_portfolio`` writes ``portfolio.html`` (``present.portfolio_page``) and
``portfolio.xlsx`` into one folder, each atomically.
"""

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dgforecast.core.config import find_project
from dgforecast.core.errors import ParamsError
from dgforecast.core.fileio import refuse_raw, write_excel_atomic, write_text_atomic
from dgforecast.core.kinds import is_level
from dgforecast.core.vocabulary import state_en
from dgforecast.judge.verdicts import deadline_passed
from dgforecast.plan.params import headline_of, load_params_file, resolve_scenario
from dgforecast.plan.targets import targets_table
from dgforecast.present.portfolio_page import portfolio_html
from dgforecast.present.words import goal_text, goal_words, reason_words
from dgforecast.run.pipeline import load_inputs

#: The columns of the portfolio's rows (the spreadsheet's sheet ``targets``), one row per target of every plan.
PORTFOLIO_COLUMNS = ["plan", "plan_zh", "plan_en", "target_id", "name_zh", "name_en", "kind", "goal_zh", "goal_en",
                     "goal", "unit", "deadline", "deadline_passed", "scenario", "state", "state_en", "p_met", "p_se",
                     "rests_on_zh", "rests_on_en", "report"]
#: Where the portfolio goes without ``--out``, from the current folder (a workbook's reports/, which git ignores).
DEFAULT_OUT = Path("reports") / "portfolio"
#: Excel formats of the spreadsheet's probability columns.
PORTFOLIO_FORMATS = {"p_met": "0.0%", "p_se": "0.0%"}


@dataclass
class PlanReport:
    """One plan as the portfolio shows it: its title, its report, its headline scenario and its targets' rows."""

    name: str           # the plan folder's name
    title_zh: str
    title_en: str
    report: Path        # the report folder ``latest`` points at
    created: str        # when the report was made (YYYY-MM-DD HH:MM, UTC)
    scenario: str       # the headline scenario
    label_zh: str
    label_en: str
    as_of: str          # the month the report's evidence reaches (YYYY-MM)
    rows: pd.DataFrame  # PORTFOLIO_COLUMNS


def latest_report(root) -> Path:
    """The report folder ``reports/latest`` of the workbook ``root`` points at, refused in one line without one."""
    latest = Path(root) / "reports" / "latest"
    if not (latest / "index.html").is_file() or not (latest / "summary.csv").is_file():
        raise ParamsError(f"{root}: no finished report (reports/latest); run dgforecast --project {root} report first")
    return latest.resolve()


def _number(value) -> float:
    return math.nan if value is None or value == "" or pd.isna(value) else float(value)


def _rests_on(final_row, target, evidence) -> tuple[str, str]:
    """What a target's state rests on, in words (``words.reason_words``); the report's own sentence when the
    plan's evidence has changed since (a figure the report used is no longer in evidence.csv)."""
    try:
        return reason_words(final_row, target, evidence if evidence is not None else pd.DataFrame())
    except (KeyError, ValueError):
        reason = str(final_row.get("reason") or "")
        return reason, reason


def gather_plan(root) -> PlanReport:
    """One plan's rows for the portfolio, from its latest report and its files (see the module docstring)."""
    paths = find_project(root)
    report = latest_report(paths.root)
    manifest = json.loads((report / "manifest.json").read_text(encoding="utf-8"))
    names = list(manifest.get("parameters") or {}) or ["base"]
    scenario = headline_of(load_params_file(paths.params_file), names)
    params = resolve_scenario(paths.params_file, scenario, {"as_of": (manifest["parameters"].get(scenario) or {}).get(
        "as_of", "today")} if scenario in (manifest.get("parameters") or {}) else None)
    inputs = load_inputs(paths.root)
    registry = targets_table(inputs["targets"], inputs["baselines"], 1.0).set_index("id")
    summary = pd.read_csv(report / "summary.csv", encoding="utf-8")
    summary = summary[summary["scenario"] == scenario].set_index("target_id")
    final = pd.read_csv(report / "final_assessment.csv", encoding="utf-8", keep_default_na=False)
    final = final[final["scenario"] == scenario].set_index("target_id")
    rows = []
    for target_id, target in registry.iterrows():
        target = target.copy()
        target["id"] = target_id
        state = str(summary.loc[target_id, "status"]) if target_id in summary.index else ""
        row = final.loc[target_id].to_dict() if target_id in final.index else {}
        row = {k: (None if v == "" else v) for k, v in row.items()}
        zh, en = _rests_on(row, target, inputs["evidence"])
        goal_zh, goal_en = goal_words(target)
        p_se = _number(row.get("p_se"))
        rows.append({"plan": paths.root.name, "plan_zh": inputs["plan"].plan.title_zh,
                     "plan_en": inputs["plan"].plan.title_en, "target_id": target_id, "name_zh": target["name_zh"],
                     "name_en": target["name_en"], "kind": target["kind"], "goal_zh": goal_zh, "goal_en": goal_en,
                     "goal": goal_text(target), "unit": target["unit"], "deadline": int(target["deadline"]),
                     "deadline_passed": bool(deadline_passed(params, target["deadline"])), "scenario": scenario,
                     "state": state, "state_en": state_en(state),
                     "p_met": _number(summary.loc[target_id, "p_met"]) if target_id in summary.index else math.nan,
                     "p_se": p_se if is_level(target["kind"]) and p_se > 0 else math.nan,
                     "rests_on_zh": zh, "rests_on_en": en, "report": str(report / "index.html")})
    created = str(manifest.get("created", ""))[:16].replace("T", " ")
    return PlanReport(paths.root.name, inputs["plan"].plan.title_zh, inputs["plan"].plan.title_en, report, created,
                      scenario, params.label_zh, params.label_en, params.as_of_month,
                      pd.DataFrame(rows, columns=PORTFOLIO_COLUMNS))


def write_portfolio(folders, out, created=None) -> tuple[Path, Path]:
    """Write ``portfolio.html`` and ``portfolio.xlsx`` of the plans ``folders`` into the folder ``out``.

    Every plan is read before anything is written, so a plan without a finished report, or a folder that is no
    workbook, is one line and nothing is written. Links to the plans' reports are relative to ``out``, so the
    folders can be moved together.

    Returns
    -------
    (Path, Path)
        The page and the spreadsheet.
    """
    import datetime as dt

    if not folders:
        raise ParamsError("portfolio: name at least one plan folder (a workbook with a finished report)")
    plans = [gather_plan(folder) for folder in folders]
    seen = [p.report for p in plans]
    if len(set(seen)) < len(seen):
        raise ParamsError("portfolio: a plan folder is named twice; name each plan once")
    out = Path(out)
    for folder in folders:  # the portfolio never lands in any plan's data/raw/
        refuse_raw(out, find_project(folder).raw, "--out")
    out.mkdir(parents=True, exist_ok=True)
    for plan in plans:
        plan.rows["report"] = [Path(os.path.relpath(link, out.resolve())).as_posix() for link in plan.rows["report"]]
    created = created or dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    page = write_text_atomic(out / "portfolio.html", portfolio_html(plans, created))
    table = pd.concat([p.rows for p in plans], ignore_index=True)
    sheets = {"targets": table, "plans": pd.DataFrame(
        [{"plan": p.name, "plan_zh": p.title_zh, "plan_en": p.title_en, "scenario": p.scenario, "as_of": p.as_of,
          "report_created": p.created, "report": p.rows["report"].iloc[0] if len(p.rows) else ""} for p in plans])}
    book = write_excel_atomic(sheets, out / "portfolio.xlsx", PORTFOLIO_FORMATS)
    return page, book


def describe_portfolio(folders, out=None) -> str:
    """What ``dgforecast portfolio`` prints: the files written and one line per plan."""
    out = Path(out) if out is not None else Path.cwd() / DEFAULT_OUT
    page, book = write_portfolio(folders, out)
    return "\n".join([f"page:        {page}", f"spreadsheet: {book}"])
