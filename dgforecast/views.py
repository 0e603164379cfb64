"""How results look: the tables the notebooks display, the report's HTML, and what the commands print.

Every string that comes from the workbook (labels, target names, failure messages) is escaped
here, so the look of the report is changed in one place and stays safe to open.
"""

import base64
import datetime as dt
import html
import math
import os
import re
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd

from dgforecast.assess import NOT_ASSESSED, STATUS_EN
from dgforecast.kinds import is_level
from dgforecast.notebook import SWEEP_NOTEBOOK, TRACKING_NOTEBOOK
from dgforecast.params import FIELDS, PLAN_MONTH
from dgforecast.targets import required_cagr

#: Background colours of the status labels in index.html.
STATUS_COLOURS = {"提前实现": "#7fbc41", "快于预期": "#b8e186", "基本符合预期": "#e6f5d0",
                  "存在风险": "#fdae61", "难以实现": "#f46d43", NOT_ASSESSED: "#eeeeee", "failed": "#bbbbbb"}


# ---------------------------------------------------------------- tables the notebooks display
def parameters_frame(params) -> pd.DataFrame:
    """Every parameter of a scenario with its labels, value and unit (the table pages open with)."""
    values = params.model_dump(mode="json")
    rows = []
    for name, entry in FIELDS.items():
        value = values.get(name)
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items()) or "—"
        rows.append({"key": name, "参数": entry["label_zh"], "parameter": entry["label_en"],
                     "value": value, "unit": entry["unit"]})
    return pd.DataFrame(rows)


def _percent(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.1%}"


def _level(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:,.1f}"


#: How a target's comparison reads.
COMPARISON_SIGNS = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


def goal_text(target) -> str:
    """A target's goal in one phrase, e.g. ``>= 5,400 亿元 by 2025`` ("" without a threshold)."""
    if "threshold" not in target or pd.isna(target["threshold"]):
        return ""
    sign = COMPARISON_SIGNS.get(target.get("comparison", ""), target.get("comparison", ""))
    return f"{sign} {target['threshold']:,.0f} {target.get('unit', '')} by {target.get('deadline', '')}"


def summary_view(summary, targets) -> pd.DataFrame:
    """The summary table for reading: target names, P(met) in %, levels with separators, status in both languages.

    Parameters
    ----------
    summary : DataFrame
        SUMMARY_COLUMNS (``assess`` or summary.csv).
    targets : DataFrame
        The target registry (``data.load_targets``), for names, units and thresholds.
    """
    names = targets.set_index("id")
    view = pd.DataFrame({
        "scenario": summary["scenario"],
        "target": [f"{names.loc[t, 'name_zh']} ({t})" if t in names.index else t for t in summary["target_id"]],
        "threshold": [goal_text(names.loc[t]) if t in names.index else "" for t in summary["target_id"]],
        "P(met)": summary["p_met"].map(_percent),
        "median": summary["median"].map(_level),
        "q10": summary["q10"].map(_level),
        "q90": summary["q90"].map(_level),
        "status": [f"{s} {STATUS_EN.get(s, '')}".strip() for s in summary["status"].fillna("")],
    })
    return view


def crossing_view(crossing, last_year) -> pd.DataFrame:
    """When each level target is first met on the simulated paths, and how that relates to P(met).

    Columns: the first year a path meets the target — median, 10th and 90th percentile (a
    percentile the paths do not reach by ``last_year`` reads "after <last_year>") —, then the
    share of paths that meet it in some year up to ``last_year`` and the share that never do
    (the two add up to 100 %). P(met) of the summary counts the deadline year only, so it can
    be lower than "met in some year": a path may reach the target early and fall back below it.
    Base case as of the plan (2022-01): P(met) 71.7 %, met in some year by 2025 74.2 %, never 25.8 %.
    """
    def year(value):
        return f"after {last_year}" if value is None else str(value)

    ever = f"met in some year by {last_year} (≥ P(met))"
    never = f"never met by {last_year} (= 1 − met in some year)"
    rows = [{"target_id": t, "first year met: median": year(c["median"]),
             "first year met: 10th percentile": year(c["q10"]), "first year met: 90th percentile": year(c["q90"]),
             ever: _percent(1.0 - c["never_share"]), never: _percent(c["never_share"])}
            for t, c in crossing.items()]
    return pd.DataFrame(rows, columns=["target_id", "first year met: median", "first year met: 10th percentile",
                                       "first year met: 90th percentile", ever, never])


def assumptions_text(params) -> str:
    """The scenario's main assumptions in a few words, e.g. ``growth 6.0%/yr, volatility 6.0%; 2022: -5.0%``."""
    basis = " real" if params.price_basis == "real" else ""
    text = f"{params.engine}: growth {params.growth:.1%}/yr{basis}, volatility {params.volatility:.1%}"
    if params.growth_overrides:
        text += "; " + ", ".join(f"{y}: {g:.1%}" for y, g in sorted(params.growth_overrides.items()))
    if params.revenue_to_output_ratio != 1.0:
        text += f"; revenue/output {params.revenue_to_output_ratio:g}"
    return text


# ---------------------------------------------------------------- what the commands print
def summary_text(summary) -> str:
    """The assessed rows as text; targets without a probability are counted, not listed."""
    if summary.empty:
        return "(no summary)"
    unassessed = summary[summary["p_met"].isna()]
    view = summary[summary["p_met"].notna()].copy()
    for column in ("p_met", "p_met_plan"):
        if column in view:
            view[column] = view[column].map(_percent)
    for column in ("median", "q10", "q90"):
        view[column] = view[column].map(_level)
    if "ess" in view:
        view["ess"] = view["ess"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
    view = view.rename(columns={"p_met": "P(met) now", "p_met_plan": "as of plan", "ess": "effective paths"})
    text = view.fillna("").to_string(index=False)
    if len(unassessed):
        per = unassessed.groupby("scenario", sort=False).size()
        text += (f"\n\n{per.iloc[0]} target(s) per scenario without a probability ({unassessed['status'].iloc[0]}: "
                 "count targets with no progress counts in data/raw/); see notebook 04 for their required pace")
    return text


# ---------------------------------------------------------------- summary.xlsx
#: Excel number formats of the report's summary columns: probabilities in percent, levels and
#: counts with thousands separators (Excel shows them in the reader's locale).
SUMMARY_FORMATS = {"p_met": "0.0%", "p_met_plan": "0.0%", "median": "#,##0.0", "q10": "#,##0.0", "q90": "#,##0.0",
                   "ess": "#,##0"}


def summary_sheets(summary, targets) -> dict:
    """The sheets of summary.xlsx: ``level targets`` (亿元) and ``count targets`` (counts and milestones).

    One sheet per kind because the two kinds' medians and bands are in different units; the rows
    and columns are those of summary.csv. Written with ``fileio.write_excel_atomic(sheets, path,
    SUMMARY_FORMATS)``.

    Parameters
    ----------
    summary : DataFrame
        The report's summary (``report.read_summaries``).
    targets : DataFrame
        The target registry (``data.load_targets``), for each target's kind.
    """
    kinds = dict(zip(targets["id"], targets["kind"]))
    level = summary["target_id"].map(lambda t: t in kinds and is_level(kinds[t])).astype(bool)
    return {"level targets": summary[level].reset_index(drop=True),
            "count targets": summary[~level].reset_index(drop=True)}


# ---------------------------------------------------------------- HTML pieces (all escaped)
def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _href(path) -> str:
    return _e(quote(str(path).replace(os.sep, "/")))


def parameters_table_html(params) -> str:
    """The table a scenario page opens with: every parameter, its value, unit and labels (the page's one copy)."""
    rows = [f"<tr><td><code>{_e(r.key)}</code></td><td>{_e(r.参数)}</td><td>{_e(r.parameter)}</td>"
            f"<td>{_e(r.value)}</td><td>{_e(r.unit)}</td></tr>" for r in parameters_frame(params).itertuples()]
    return ("<section class='dgf-params'>"
            f"<style>{PAGE_CSS}</style>"
            f"<h2>情景参数 Parameters: {_e(params.label_zh)} / {_e(params.label_en)} "
            f"(<code>{_e(params.scenario)}</code>)</h2>"
            "<table><thead><tr><th>key</th><th>参数</th>"
            "<th>parameter</th><th>value</th><th>unit</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></section>")


def sweep_point_html(params, grid_values) -> str:
    """The opening of a sweep point's page: its grid values, then the parameters table."""
    values = ", ".join(f"{k} = {v}" for k, v in grid_values.items())
    return f"<p>Sweep point: {_e(values)}</p>" + parameters_table_html(params)


# ---------------------------------------------------------------- numbers as a reader expects them
#: What a reader sees where a table has no value (NaN, None), and the footnote saying so.
MISSING = "—"
MISSING_NOTE = "— 无数值：不适用或无法评估 no value: not applicable, or nothing to assess it on."
#: Column names holding fractions shown as percentages: probabilities (one decimal) ...
PROBABILITY_COLUMN = re.compile(r"(^|[_ .(])p(_|\(|$)|^p_|prob|share|概率", re.IGNORECASE)
#: ... and growth rates and standard errors of probabilities (two decimals, as the plan's 3.97 %).
GROWTH_COLUMN = re.compile(r"cagr|growth|mc_se|增长", re.IGNORECASE)
#: Integer-like columns that are years or identifiers: no thousands separator.
YEAR_COLUMN = re.compile(r"year|deadline|start|as_of|seed|cell|年", re.IGNORECASE)


def _missing(value) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, arrays
        return False


def _exact_decimals(value, most=5):
    """The decimals a figure was given with (4621.25 -> 2), or None for a computed one (6027.354...)."""
    for places in range(most + 1):
        if abs(round(value, places) - value) <= 4 * np.spacing(abs(value)):
            return places
    return None


def format_number(value, column="") -> str:
    """One number as a reader expects it: thousands separators, percentages, no spurious decimals.

    Fractions in probability columns (``p_met``, ``share``) read as ``85.5%``, growth rates
    (``required_cagr``, ``growth``) as ``3.97%``; years and identifiers stay plain (``2025``); a figure
    with a few decimals keeps them (``4,621.25``, ``1.10766``), a computed one gets one decimal from
    10 up (``6,027.4``), two from 1 (``2.35``), three significant below 1; NaN and None read ``—``.
    Column names with ``%`` hold percentages already and are not scaled.
    """
    if _missing(value):
        return MISSING
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    name = str(column)
    value = float(value) if isinstance(value, (float, np.floating)) else int(value)
    if "%" not in name and isinstance(value, float) and abs(value) <= 1.5:
        if GROWTH_COLUMN.search(name):
            return f"{value:.2%}"
        if PROBABILITY_COLUMN.search(name):
            return f"{value:.1%}"
    if YEAR_COLUMN.search(name) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    places = _exact_decimals(value)
    if places is None:
        places = 1 if abs(value) >= 10 else 2 if abs(value) >= 1 else max(3, 2 - int(np.floor(np.log10(abs(value)))))
    return f"{value:,.{places}f}"


def reader_frame(frame) -> tuple[pd.DataFrame, bool]:
    """``frame`` with every cell formatted by ``format_number`` (its column decides how), and whether
    any cell was missing (then the table needs the ``MISSING_NOTE`` footnote)."""
    shown = frame.copy()
    missing = False
    for i, column in enumerate(frame.columns):
        values = frame.iloc[:, i]
        missing = missing or any(_missing(v) or v == MISSING for v in values if not isinstance(v, (list, dict)))
        shown.isetitem(i, [format_number(v, column) for v in values])
    return shown, missing


def frame_html(frame) -> str:
    """A DataFrame as the reader sees it in a page: formatted numbers, ``—`` for no value and its footnote."""
    shown, missing = reader_frame(frame)
    note = f"<p class='dgf-note'><small>{_e(MISSING_NOTE)}</small></p>" if missing else ""
    plain_index = isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0 and frame.index.step == 1
    table = shown.to_html(index=not plain_index, border=0, max_rows=pd.get_option("display.max_rows"),
                          max_cols=pd.get_option("display.max_columns"), escape=True)
    return table + note


def use_reader_tables(shell=None) -> bool:
    """Show every DataFrame a notebook displays through ``frame_html`` (formatted, no NaN); call it once
    in a notebook's set-up cell. Returns False outside IPython (nothing to change)."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None:
        return False
    shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, frame_html)
    return True


# ---------------------------------------------------------------- the summary in words
def _registry(targets) -> pd.DataFrame:
    """The targets indexed by id; a table without ``kind`` holds level targets (older callers)."""
    if "kind" not in targets.columns:
        targets = targets.assign(kind="level")
    return targets.set_index("id")


def _month_zh(month) -> str:
    year, mon = str(month).split("-")
    return f"{int(year)}年{int(mon)}月"


def _month_en(month) -> str:
    year, mon = str(month).split("-")
    return dt.date(int(year), int(mon), 1).strftime("%B %Y")


def vintage_text(params) -> tuple[str, str]:
    """How far the evidence reaches, in a phrase: (zh, en)."""
    month = params.as_of_month
    if month <= PLAN_MONTH:
        return "以规划制定时的信息（其后尚无公布数据）", "with what was known when the plan was made (no later figure)"
    return f"截至{_month_zh(month)}已公布的数据", f"with the figures published up to {_month_en(month)}"


def _name_en(name) -> str:
    return name[:1].lower() + name[1:] if len(name) > 1 and not name[1].isupper() else name


def required_growth(target, params) -> float:
    """Growth a year a level target needs under ``params`` (its revenue-to-output ratio), as a fraction;
    ``target`` is a row of ``targets.targets_table`` (NaN without a baseline)."""
    baseline = target.get("baseline", math.nan)
    if _missing(baseline) or not baseline > 0:
        return target.get("required_cagr", math.nan)
    ratio = params.revenue_to_output_ratio if target.get("baseline_conversion") == "revenue_to_output_ratio" else 1.0
    return required_cagr(baseline * ratio, float(target["threshold"]), int(target["deadline"]) - int(target["start_year"]))


def summary_sentences(summary, targets, params_by_name) -> list[dict]:
    """One sentence per level target and scenario, in Chinese and in English, made from the numbers.

    Parameters
    ----------
    summary : DataFrame
        ``REPORT_COLUMNS`` (summary.csv): P(met) as of now and as of the plan, median, 10–90 %, status.
    targets : DataFrame
        ``targets.targets_table`` (the registry with ``baseline``, ``required_cagr``); the plain
        registry works too (then the required growth is left out).
    params_by_name : dict
        Scenario -> ``ScenarioParams`` (labels, ``as_of``, revenue-to-output ratio).

    Returns
    -------
    list of dict
        ``scenario``, ``target_id``, ``zh``, ``en``; scenario order, then registry order. Rows without
        a probability (a failed scenario) give no sentence.

    Examples
    --------
    Base case as of November 2026: 按基准情景，截至2026年11月已公布的数据，2025年装备制造业产业集群营业收入
    达到5400亿元以上的概率为85.5%（规划制定时为71.7%），属“快于预期”；需2021—2025年年均增长3.97%，2025年
    中位数约6,027亿元（10%—90%区间5,285—6,937亿元）。
    """
    registry = _registry(targets)
    sentences = []
    for name, params in params_by_name.items():
        rows = summary[summary["scenario"] == name]
        for target_id in [t for t in registry.index if t in set(rows["target_id"])]:
            target = registry.loc[target_id]
            row = rows[rows["target_id"] == target_id].iloc[0]
            if not is_level(target["kind"]) or _missing(row["p_met"]):
                continue
            sentences.append({"scenario": name, "target_id": target_id,
                              **_sentence(row, target, params)})
    return sentences


def _sentence(row, target, params) -> dict:
    zh_when, en_when = vintage_text(params)
    threshold, unit, deadline = float(target["threshold"]), target.get("unit", ""), int(target["deadline"])
    above = target.get("comparison", ">=") == ">"
    goal_zh = f"{'超过' if above else '达到'}{threshold:g}{unit}{'' if above else '以上'}"
    goal_en = f"{'exceeds' if above else 'reaches at least'} {threshold:,.0f} {unit} (100 million yuan)" \
        if unit == "亿元" else f"{'exceeds' if above else 'reaches at least'} {threshold:,.0f} {unit}"
    plan = row.get("p_met_plan", math.nan)
    plan_zh = "" if _missing(plan) or params.as_of_month <= PLAN_MONTH else f"（规划制定时为{plan:.1%}）"
    plan_en = "" if not plan_zh else f" ({plan:.1%} when the plan was made)"
    status = row["status"]
    growth = required_growth(target, params)
    start = int(target["start_year"])
    need_zh = "" if _missing(growth) else f"；需{start}—{deadline}年年均增长{growth:.2%}"
    need_en = "" if _missing(growth) else f"; it needs {growth:.2%} growth a year over {start}–{deadline}"
    spread_zh = (f"，{deadline}年中位数约{row['median']:,.0f}{unit}（10%—90%区间{row['q10']:,.0f}—{row['q90']:,.0f}{unit}）"
                 if not _missing(row["median"]) else "")
    spread_en = (f"; median about {row['median']:,.0f} {unit}, 10–90 % range {row['q10']:,.0f}–{row['q90']:,.0f} {unit}"
                 if not _missing(row["median"]) else "")
    zh = (f"按{params.label_zh}，{zh_when}，{deadline}年{target['name_zh']}{goal_zh}的概率为{row['p_met']:.1%}"
          f"{plan_zh}，属“{status}”{need_zh}{spread_zh}。")
    en = (f"{params.label_en}, {en_when}: the probability that {_name_en(target['name_en'])} {goal_en} in "
          f"{deadline} is {row['p_met']:.1%}{plan_en}, “{STATUS_EN.get(status, status)}” ({status}){need_en}"
          f"{spread_en}.")
    return {"zh": zh, "en": en}


def evidence_note(final, targets) -> list[dict]:
    """What each level target's probability rests on, plainly (zh, en): how many published figures, and
    that the cluster's revenue itself is unpublished when the target is grown through the ratio.

    ``final`` is ``tracking.final_assessment`` (``evidence_used``: ids joined by ";").
    """
    registry = _registry(targets)
    notes = []
    for row in final.itertuples():
        if row.target_id not in registry.index or not is_level(registry.loc[row.target_id, "kind"]):
            continue
        used = [e for e in str(row.evidence_used or "").split(";") if e]
        ratio = registry.loc[row.target_id].get("baseline_conversion") == "revenue_to_output_ratio"
        if not used:
            zh, en = "没有任何公开数据涉及该目标，概率只反映规划时的假设", "no published figure bears on it: the probability is the plan-time assumption only"
        else:
            zh = f"仅依据{len(used)}条公开数据（{', '.join(used)}）"
            en = f"it rests on {len(used)} published figure(s) only ({', '.join(used)})"
        if ratio:
            zh += "；集群营业收入本身没有公开数字，结果取决于营业收入与总产值之比的假设"
            en += "; no revenue figure of the cluster itself is published, so it hinges on the assumed revenue-to-output ratio"
        notes.append({"target_id": row.target_id, "zh": f"证据有限：{zh}。", "en": f"Evidence is thin: {en}."})
    return notes


def final_lines(final, targets) -> list[dict]:
    """The final assessment (终期评估) of each level target in one line each: (target_id, zh, en)."""
    registry = _registry(targets)
    lines = []
    for row in final.itertuples():
        if row.target_id not in registry.index or not is_level(registry.loc[row.target_id, "kind"]):
            continue
        round_zh = (f"；按整数关口读法（“突破”同时意味着低于下一个千亿关口）为{_percent(row.p_met_round)}，"
                    f"{row.verdict_round}" if not _missing(row.p_met_round) else "")
        round_en = (f"; round-figure reading (“突破” also means below the next 1,000): {_percent(row.p_met_round)}, "
                    f"{row.verdict_round_en}" if not _missing(row.p_met_round) else "")
        lines.append({"target_id": row.target_id, "verdict": row.verdict,
                      "zh": f"{row.verdict}：实现概率按字面读法（“突破”仅为下限）为{_percent(row.p_met)}{round_zh}。",
                      "en": f"{row.verdict_en}: P(met) {_percent(row.p_met)} in the plain reading (“突破” a lower "
                            f"bound only){round_en}."})
    return lines


# ---------------------------------------------------------------- the tables of the summary
def level_targets_view(summary, targets, scenarios=None) -> pd.DataFrame:
    """Level targets x scenarios for reading: P(met) now and as of the plan, median, 10–90 % range, status."""
    registry = _registry(targets)
    rows = []
    for r in summary.itertuples():
        if r.target_id not in registry.index or not is_level(registry.loc[r.target_id, "kind"]):
            continue
        if scenarios is not None and r.scenario not in scenarios:
            continue
        rows.append({"target_id": r.target_id, "scenario": r.scenario,
                     "P(met) 截至当前 now": _percent(r.p_met),
                     "规划时 as of plan": _percent(getattr(r, "p_met_plan", math.nan)),
                     "中位数 median": _level(r.median),
                     "10%–90% 区间 range": MISSING if _missing(r.q10) else f"{r.q10:,.1f}–{r.q90:,.1f}",
                     "状态 status": f"{r.status} {STATUS_EN.get(r.status, '')}".strip()})
    return pd.DataFrame(rows, columns=["target_id", "scenario", "P(met) 截至当前 now", "规划时 as of plan",
                                       "中位数 median", "10%–90% 区间 range", "状态 status"])


#: What a count target shows where no progress is entered, and how to enter it.
NO_FIGURE = ("暂无公开数字", "no public figure")
PROGRESS_COMMAND = "dgforecast progress TARGET_ID --year Y --count N --source TEXT"


def _pace(target) -> str:
    years = int(target["deadline"]) - int(target["start_year"])
    pace = f"{float(target['threshold']) / years:,.2f}".rstrip("0").rstrip(".")
    return f"{pace} {target.get('unit', '')}/年 a year"


def count_targets_view(summary, targets, counts=None) -> pd.DataFrame:
    """Count and milestone targets in one compact table: goal, deadline, pace required, what is known.

    Parameters
    ----------
    summary : DataFrame
        SUMMARY_COLUMNS of one scenario (count targets do not depend on the growth scenario).
    targets : DataFrame
        The target registry.
    counts : DataFrame, optional
        ``ScenarioResult.counts``, for the count entered so far.
    """
    rows_by_id = {r["target_id"]: r for r in summary.to_dict(orient="records")} if len(summary) else {}
    entered = {} if counts is None or counts.empty else counts.set_index("target_id")["achieved"].to_dict()
    rows = []
    for _, target in _registry(targets).reset_index().iterrows():
        if is_level(target["kind"]):
            continue
        row = rows_by_id.get(target["id"], {})
        known = not _missing(row.get("p_met"))
        achieved = entered.get(target["id"])
        rows.append({"target_id": target["id"], "目标 target": target["name_zh"],
                     "门槛 goal": f"{COMPARISON_SIGNS.get(target.get('comparison'), '')} {float(target['threshold']):g} "
                                 f"{target.get('unit', '')}",
                     "期限 deadline": str(int(target["deadline"])), "所需进度 pace needed": _pace(target),
                     "已录入 entered": MISSING if not known or _missing(achieved) else f"{achieved:g}",
                     "P(met)": _percent(row.get("p_met")) if known else MISSING,
                     "状态 status": (f"{row['status']} {STATUS_EN.get(row['status'], '')}" if known
                                   else f"{NO_FIGURE[0]} {NO_FIGURE[1]}")})
    return pd.DataFrame(rows, columns=["target_id", "目标 target", "门槛 goal", "期限 deadline", "所需进度 pace needed",
                                       "已录入 entered", "P(met)", "状态 status"])


# ---------------------------------------------------------------- index.html
#: The look of the report's own pages (index.html) on screen and on A4 paper.
REPORT_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif;color:#222;
 margin:0 auto;max-width:72rem;padding:1rem 1.5rem;line-height:1.55}
h1{font-size:1.5rem;margin:.5rem 0} h2{font-size:1.2rem;margin:1.4rem 0 .4rem;border-bottom:1px solid #ccc}
h3{font-size:1rem;margin:1rem 0 .3rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0 .8rem}
td,th{border:1px solid #bbb;padding:.25rem .45rem;vertical-align:top;text-align:left}
th{background:#f3f3f3} td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
p.zh{margin:.6rem 0 0} p.en{margin:.1rem 0 .6rem;color:#555;font-size:.95em}
.vintage{background:#f7f7f2;border-left:4px solid #b5b08a;padding:.4rem .8rem}
.final{border-left:4px solid #5b7fa6;padding:.3rem .8rem;background:#f4f7fb}
code,pre{font-size:.9em;white-space:pre-wrap;overflow-wrap:anywhere}
pre{background:#f4f4f4;padding:.5em} small{color:#555} td small,th small{display:block}
img{max-width:100%;height:auto} .legend span{padding:0 .5em;margin-right:.3em;white-space:nowrap}
@media print{@page{size:A4;margin:14mm} body{max-width:none;padding:0;font-size:9.5pt}
 a{color:inherit;text-decoration:none} .pages{display:none} tr,p,.final,img{break-inside:avoid}
 h2{break-after:avoid} th{background:#eee}}
"""
#: The look added to notebook pages (with their parameters table): sans-serif, nothing wider than the page.
PAGE_CSS = (".dgf-params{margin:1em 2em;font-family:sans-serif;font-size:13px}"
            ".dgf-params h2{font-size:18px}.dgf-params table{border-collapse:collapse;max-width:100%}"
            ".dgf-params td,.dgf-params th{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top;"
            "overflow-wrap:anywhere}"
            ".jp-OutputArea-output{overflow-x:auto;max-width:100%}"
            ".jp-RenderedHTMLCommon td,.jp-RenderedHTMLCommon th{max-width:36em;overflow-wrap:break-word}"
            "img{max-width:100%;height:auto}"
            "@media print{@page{size:A4;margin:14mm}.jp-OutputArea-output{overflow:visible}"
            ".jp-RenderedHTMLCommon table{font-size:8px}.jp-RenderedHTMLCommon td,.jp-RenderedHTMLCommon th"
            "{overflow-wrap:anywhere}}")


def _status_td(status, text=None) -> str:
    status = "" if _missing(status) else str(status)
    colour = STATUS_COLOURS.get(status, "#eeeeee")
    shown = text if text is not None else f"{status}<small>{_e(STATUS_EN.get(status, ''))}</small>"
    return f"<td style='background:{colour}'>{shown}</td>"


def _level_table_html(summary, targets, scenarios, runs, labels) -> str:
    registry = _registry(targets)
    ids = [t for t in targets["id"] if is_level(registry.loc[t, "kind"]) and t in set(summary["target_id"])]
    if not ids and len(targets):  # no level row at all (every scenario failed): still show the scenarios
        ids = [t for t in targets["id"] if is_level(registry.loc[t, "kind"])][:1]
    blocks = []
    for target_id in ids:
        target = registry.loc[target_id]
        body = []
        for name in scenarios:
            run = runs.get(f"scenarios/{name}")
            zh, en, *assumed = labels.get(name, ("", ""))
            state = "" if run is None or run.ok else " <strong>(failed)</strong>"
            note = f"<small>{_e(assumed[0])}</small>" if assumed else ""
            head = (f"<th><a href='{_href(f'scenarios/{name}.html')}'>{_e(zh or name)}</a> {_e(en)}{state}"
                    f"<small><code>{_e(name)}</code></small>{note}</th>")
            rows = summary[(summary["scenario"] == name) & (summary["target_id"] == target_id)]
            if not len(rows):
                body.append(f"<tr>{head}<td colspan='5' style='background:#bbbbbb'>failed: no figures</td></tr>")
                continue
            r = rows.iloc[0]
            band = MISSING if _missing(r["q10"]) else f"{r['q10']:,.1f}–{r['q90']:,.1f}"
            body.append(f"<tr>{head}<td class='num'><strong>{_e(_percent(r['p_met']))}</strong></td>"
                        f"<td class='num'>{_e(_percent(r.get('p_met_plan')))}</td>"
                        f"<td class='num'>{_e(_level(r['median']))}</td><td class='num'>{_e(band)}</td>"
                        f"{_status_td(r['status'])}</tr>")
        unit = _e(target.get("unit", ""))
        blocks.append(
            f"<h3>{_e(target['name_zh'])} <small>{_e(target['name_en'])} · <code>{_e(target_id)}</code> · "
            f"{_e(goal_text(target))}</small></h3>"
            "<table><thead><tr><th>情景 scenario</th><th>实现概率 P(met)<br><small>截至当前 as of now</small></th>"
            "<th>规划时 as of plan<br><small>无后续数据 no evidence</small></th>"
            f"<th>中位数 median<br><small>{unit}</small></th><th>10%–90% 区间 range<br><small>{unit}</small></th>"
            "<th>状态 status</th></tr></thead><tbody>" + "".join(body) + "</tbody></table>")
    return "".join(blocks)


def _count_table_html(summary, targets, first, counts) -> str:
    rows = summary[summary["scenario"] == first] if len(summary) else summary
    view = count_targets_view(rows, targets, counts)
    if view.empty:
        return ""
    registry = _registry(targets)
    body = []
    for r in view.to_dict(orient="records"):
        target = registry.loc[r["target_id"]]
        known = r["P(met)"] != MISSING
        status = rows.loc[rows["target_id"] == r["target_id"], "status"]
        if known:
            what = _status_td(status.iloc[0], f"{_e(r['P(met)'])} {_e(status.iloc[0])}"
                                              f"<small>{_e(STATUS_EN.get(status.iloc[0], ''))}; "
                                              f"已录入 entered: {_e(r['已录入 entered'])}</small>")
        else:
            what = f"<td>{_e(NO_FIGURE[0])}<small>{_e(NO_FIGURE[1])}</small></td>"
        body.append(f"<tr><td>{_e(target['name_zh'])}<small>{_e(target['name_en'])} · <code>{_e(r['target_id'])}</code>"
                    f"</small></td><td class='num'>{_e(r['门槛 goal'])}</td><td class='num'>{_e(r['期限 deadline'])}</td>"
                    f"<td class='num'>{_e(r['所需进度 pace needed'])}</td>{what}</tr>")
    example = next((r["target_id"] for r in view.to_dict(orient="records") if r["P(met)"] == MISSING),
                   view["target_id"].iloc[0])
    return ("<table><thead><tr><th>目标 target</th><th>门槛 goal</th><th>期限 deadline</th>"
            "<th>所需进度 pace needed<br><small>从基年起 from the base year</small></th>"
            "<th>已知情况 what is known</th></tr></thead><tbody>" + "".join(body) + "</tbody></table>"
            "<p>录入进度 To enter a figure: <code>" + _e(PROGRESS_COMMAND) + "</code>, e.g. <code>dgforecast progress "
            f"{_e(example)} --year 2023 --count 30 --source \"…\"</code>; the next report then shows its probability "
            "and status (下次报告即显示实现概率与状态).</p>")


def index_html(summary, targets, scenarios, runs, labels, created, params_by_name=None, final=None,
               counts=None, fan_png=None) -> str:
    """index.html, the summary a reader opens first: sentences, the level-target table, the final
    assessment, count targets, then links to every page.

    Parameters
    ----------
    summary : DataFrame
        REPORT_COLUMNS (SUMMARY_COLUMNS are enough), one row per scenario and target.
    targets : DataFrame
        ``targets.targets_table`` (or the plain registry): names, kinds, goals, baselines.
    scenarios : list of str
    runs : dict
        Job name -> NotebookRun (their HTML pages are linked, failures listed with their cell).
    labels : dict
        Scenario -> (label_zh, label_en) or (label_zh, label_en, assumptions in a few words).
    created : str
        Time stamp shown in the heading.
    params_by_name : dict, optional
        Scenario -> ScenarioParams, for the sentences and the data vintage (none without it).
    final : DataFrame, optional
        ``tracking.final_assessment`` of the first scenario: the verdict line of each level target.
    counts : DataFrame, optional
        ``ScenarioResult.counts`` of the first scenario: the counts entered so far.
    fan_png : bytes, optional
        The first scenario's fan chart, embedded (the page needs no file beside it).
    """
    first = scenarios[0] if scenarios else None
    sentences = summary_sentences(summary, targets, {n: p for n, p in (params_by_name or {}).items()
                                                      if n in scenarios}) if params_by_name else []
    words = "".join(f"<p class='zh' lang='zh-CN'>{_e(s['zh'])}</p><p class='en' lang='en'>{_e(s['en'])}</p>"
                    for s in sentences)
    vintage = ""
    if params_by_name and first in params_by_name:
        zh, en = vintage_text(params_by_name[first])
        notes = evidence_note(final, targets) if final is not None else []
        vintage = ("<div class='vintage'><p class='zh'>数据口径：" + _e(zh) + "。"
                   + "".join(_e(n["zh"]) for n in notes) + "</p><p class='en'>Data: " + _e(en) + ". "
                   + " ".join(_e(n["en"]) for n in notes) + "</p></div>")
    tracking_page = Path(TRACKING_NOTEBOOK).stem
    tracking_run = runs.get(tracking_page)
    page_link = ("" if tracking_run is None else
                 f" <a href='{_href(tracking_page + '.html')}'>详见 details: {_e(tracking_page)}</a>"
                 f"{'' if tracking_run.ok else ' <strong>(failed)</strong>'}")
    finals = "" if final is None else "".join(
        f"<div class='final'><p class='zh'><strong>终期评估 Final assessment</strong> "
        f"<code>{_e(line['target_id'])}</code>：{_e(line['zh'])}{page_link}</p><p class='en'>{_e(line['en'])}</p></div>"
        for line in final_lines(final, targets))
    tracking_line = ("" if tracking_run is None or finals else
                     f"<p>跟踪与终期评估 Tracking and the final assessment: <a href='{_href(tracking_page + '.html')}'>"
                     "how P(met) moved as figures were published, and the verdict on each target</a>"
                     f"{'' if tracking_run.ok else ' <strong>(failed)</strong>'}</p>")
    chart = ("" if not fan_png else
             "<p><img alt='扇形图 fan chart' src='data:image/png;base64,"
             f"{base64.b64encode(fan_png).decode('ascii')}'></p>")
    legend = "".join(f"<span style='background:{c}'>{_e(s)} {_e(STATUS_EN.get(s, ''))}</span>"
                     for s, c in STATUS_COLOURS.items() if s != "failed")
    pages = "".join(f"<li><a href='{_href(name + '.html')}'>{_e(name)}</a> ({run.seconds:.1f} s"
                    f"{'' if run.ok else ', failed'})</li>" for name, run in sorted(runs.items()))
    failures = "".join(f"<li><a href='{_href(name + '.html')}'>{_e(name)}</a>: {_e(run.failure)}"
                       f"<pre>{_e(run.failure.source)}</pre></li>" for name, run in runs.items() if not run.ok)
    failed_block = (f"<h2 style='color:#b2182b'>失败 Failures</h2><ul>{failures}</ul>" if failures else "")
    sweep_page = Path(SWEEP_NOTEBOOK).stem
    sweep_run = runs.get(sweep_page)
    sweep_line = ("" if sweep_run is None else
                  f"<p>参数扫描 Sweep: <a href='{_href(sweep_page + '.html')}'>P(met) over two assumptions "
                  f"(heat map)</a>{'' if sweep_run.ok else ' <strong>(failed)</strong>'}</p>")
    counts_block = _count_table_html(summary, targets, first, counts)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>dgforecast report {_e(created)}</title><style>{REPORT_CSS}</style></head>
<body><h1>东莞高端装备制造业集群目标评估<br><small>Dongguan high-end equipment manufacturing: how likely the plan's
targets are to be met · {_e(created)}</small></h1>
{vintage}
{failed_block}
<h2>摘要 Summary</h2>
{words or "<p>—</p>"}
{finals}
{tracking_line}
<h2>规模目标 Level targets</h2>
{_level_table_html(summary, targets, scenarios, runs, labels)}
<p class='legend'>{legend}</p>
<p><small>实现概率 P(met)：目标在期限当年达成的概率。“截至当前”按已公布的数据（as of now, under the published
figures）；“规划时”按规划制定时的信息（as of the plan, no evidence）。中位数与区间为期限当年的模拟值（median and
10–90 % range of the simulated level in the deadline year）。</small></p>
{chart}
{sweep_line}
<h2>数量与里程碑目标 Count and milestone targets</h2>
{counts_block or "<p>—</p>"}
<h2 class='pages'>文件与页面 Files and pages</h2>
<p class='pages'><a href="memo.docx">memo.docx</a> · <a href="summary.csv">summary.csv</a> ·
<a href="summary.xlsx">summary.xlsx</a> · <a href="manifest.json">manifest.json</a></p>
<ul class='pages'>{pages}</ul>
</body></html>
"""
