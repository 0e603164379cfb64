"""The tables a reader sees: built here, formatted as text, names instead of identifiers, short enough to read.

Each function takes the tables the package computes (summaries, the final assessment, the track, the
evidence selection) and returns a DataFrame of display text with bilingual column names, for the
notebooks (``display``), the memo and the index page. The full tables, with every id and number,
go to the report's CSV files; these are what a reader needs.
"""

import math

import pandas as pd

from dgforecast.core.kinds import is_level
from dgforecast.core.numbers import MISSING, is_missing, level, percent
from dgforecast.core.vocabulary import NO_FIGURE, NO_FIGURE_EN, READINGS, RELIABILITY, state_en
from dgforecast.present.assumptions import (  # noqa: F401  (the pages' tables: tables.parameters_frame …)
    RATIO_KEYS,
    assumptions_text,
    measure_assumptions_text,
    parameter_labels,
    parameters_frame,
)
from dgforecast.present.words import (
    COMPARISON_SIGNS,
    evidence_words,
    goal_text,
    month_zh,
    reason_words,
    registry,
    score_cell,
    verdict_words,
)

#: How a count gets into the report, as the pages say it (the command is the README's, not the reader's).
ENTER_COUNTS = ("数量公布后，由维护本工作簿的经济学人员录入（方法见工作簿说明），下次报告即给出该目标的实现概率与结论。",
                "Once a count is published, the economist who keeps the workbook enters it (its README says how); the "
                "next report then gives the target's probability and verdict.")
#: How many rows a reader table shows before it says where the rest is.
MOST_ROWS = 20


def _name(target) -> str:
    return f"{target['name_zh']} {target['name_en']}"


def state_text(label) -> str:
    """A status or verdict with its English, ``快于预期 ahead of plan``."""
    return f"{label} {state_en(label)}".strip() if label else ""


# ---------------------------------------------------------------- targets across scenarios
def summary_view(summary, targets) -> pd.DataFrame:
    """The summary table for reading: target names, P(met) in %, levels with separators, status in both languages.

    Parameters
    ----------
    summary : DataFrame
        SUMMARY_COLUMNS (``assess`` or summary.csv).
    targets : DataFrame
        The target registry (``data.load_targets``), for names, units and thresholds.
    """
    names = registry(targets)
    return pd.DataFrame({
        "scenario": summary["scenario"],
        "目标 target": [_name(names.loc[t]) if t in names.index else t for t in summary["target_id"]],
        "门槛 goal": [goal_text(names.loc[t]) if t in names.index else "" for t in summary["target_id"]],
        "P(met)": summary["p_met"].map(percent),
        "中位数 median": summary["median"].map(level),
        "q10": summary["q10"].map(level),
        "q90": summary["q90"].map(level),
        "状态 status": [state_text(s) for s in summary["status"].fillna("")],
    })


def crossing_view(crossing, last_year, targets) -> pd.DataFrame:
    """When each level target is first met on the simulated paths, and how that relates to P(met).

    Columns: the target's name, the first year a path meets it — median, 10th and 90th percentile (a
    percentile the paths do not reach by ``last_year`` reads "after <last_year>") —, then the
    share of paths that meet it in some year up to ``last_year`` and the share that never do
    (the two add up to 100 %). P(met) of the summary counts the deadline year only, so it can
    be lower than "met in some year": a path may reach the target early and fall back below it.
    """
    def year(value):
        return f"{last_year}年后 after {last_year}" if value is None else str(value)

    names = registry(targets)
    ever = f"{last_year}年前曾实现 met in some year by {last_year} (≥ P(met))"
    never = f"始终未实现 never met by {last_year} (= 1 − met in some year)"
    rows = [{"目标 target": _name(names.loc[t]) if t in names.index else t, "中位年份 median year": year(c["median"]),
             "10%": year(c["q10"]), "90%": year(c["q90"]),
             ever: percent(1.0 - c["never_share"]), never: percent(c["never_share"])}
            for t, c in crossing.items()]
    return pd.DataFrame(rows, columns=["目标 target", "中位年份 median year", "10%", "90%", ever, never])


def growth_view(growth_table, target) -> pd.DataFrame:
    """One level target's growth comparison for reading: what it needs, what history and the scenario say
    (no rows for a target no path was simulated for)."""
    if "target_id" not in growth_table.columns:  # no level target had paths: an empty table without columns
        growth_table = pd.DataFrame(columns=["target_id", "label_zh", "label_en", "growth", "basis"])
    rows = growth_table[growth_table["target_id"] == target]
    return pd.DataFrame({"增长 growth": (rows["label_zh"] + " " + rows["label_en"]).to_list(),
                         "年均 a year": rows["growth"].map(percent).to_list(),
                         "依据 basis": rows["basis"].to_list()})


def closed_form_view(closed_form, targets) -> pd.DataFrame:
    """The simulated P(met) beside its closed form, as of the plan: the check that the simulation is right."""
    names = registry(targets)
    rows = [{"目标 target": _name(names.loc[r["target_id"]]) if r["target_id"] in names.index else r["target_id"],
             "模拟 simulated": percent(r["p_met"]), "解析解 closed form": f"{r['p_closed_form']:.2%}",
             "蒙特卡洛标准误 MC s.e.": f"{r['mc_se']:.2%}",
             "相差几个标准误 z": MISSING if is_missing(r["z"]) else f"{r['z']:+.1f}"}
            for r in closed_form.to_dict(orient="records")]
    return pd.DataFrame(rows, columns=["目标 target", "模拟 simulated", "解析解 closed form",
                                       "蒙特卡洛标准误 MC s.e.", "相差几个标准误 z"])


def level_targets_view(summary, targets, scenarios=None, labels=None) -> pd.DataFrame:
    """Level targets x scenarios for reading: P(met) now and as of the plan, median, 10–90 % range, status.

    ``labels``: scenario -> its label shown (default the scenario's name).
    """
    names = registry(targets)
    labels = labels or {}
    rows = []
    for r in summary.itertuples():
        if r.target_id not in names.index or not is_level(names.loc[r.target_id, "kind"]):
            continue
        if scenarios is not None and r.scenario not in scenarios:
            continue
        rows.append({"目标 target": _name(names.loc[r.target_id]), "情景 scenario": labels.get(r.scenario, r.scenario),
                     "实现概率 P(met)": percent(r.p_met),
                     "规划时 as of plan": percent(getattr(r, "p_met_plan", math.nan)),
                     "中位数 median": level(r.median),
                     "10%–90% 区间 range": MISSING if is_missing(r.q10) else f"{r.q10:,.1f}–{r.q90:,.1f}",
                     "状态 status": state_text(r.status), "target_id": r.target_id, "scenario": r.scenario})
    return pd.DataFrame(rows, columns=["目标 target", "情景 scenario", "实现概率 P(met)", "规划时 as of plan",
                                       "中位数 median", "10%–90% 区间 range", "状态 status", "target_id", "scenario"])


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
    for _, target in registry(targets).reset_index().iterrows():
        if is_level(target["kind"]):
            continue
        row = rows_by_id.get(target["id"], {})
        known = not is_missing(row.get("p_met"))
        achieved = entered.get(target["id"])
        status = row.get("status") or NO_FIGURE
        if known:
            shown = state_text(status)
        elif status == NO_FIGURE:
            shown = f"{NO_FIGURE} {NO_FIGURE_EN}"
        else:  # after the deadline: the verdict, for want of a figure
            shown = f"{state_text(status)}（{NO_FIGURE} {NO_FIGURE_EN}）"
        rows.append({"target_id": target["id"], "目标 target": target["name_zh"],
                     "门槛 goal": f"{COMPARISON_SIGNS.get(target.get('comparison'), '')} {float(target['threshold']):g} "
                                 f"{target.get('unit', '')}",
                     "期限 deadline": str(int(target["deadline"])), "所需进度 pace needed": _pace(target),
                     "已录入 entered": MISSING if not known or is_missing(achieved) else f"{achieved:g}",
                     "实现概率 P(met)": percent(row.get("p_met")) if known else MISSING,
                     "状态 status": shown})
    return pd.DataFrame(rows, columns=["target_id", "目标 target", "门槛 goal", "期限 deadline", "所需进度 pace needed",
                                       "已录入 entered", "实现概率 P(met)", "状态 status"])


# ---------------------------------------------------------------- the final assessment
def final_view(final, targets, evidence) -> pd.DataFrame:
    """The final assessment for reading: each target's verdict under both readings and what it rests on.

    Count and milestone targets with the same verdict for the same reason (no figure at all, say) share
    one row, their names listed, so thirteen identical lines read as one.
    """
    names = registry(targets)
    rows, shared = [], {}
    for r in final.to_dict(orient="records"):
        target = names.loc[r["target_id"]]
        if not is_level(target["kind"]) and is_missing(r["p_met"]):
            shared.setdefault((r["verdict"], reason_words(r, target, evidence)), []).append(target)
            continue
        level_target = is_level(target["kind"])
        plain_zh, plain_en = verdict_words(r["verdict"], bool(r.get("at_cut")))
        rows.append({
            "目标 target": _name(target),
            "结论 verdict": f"{plain_zh} {plain_en}",
            "实现概率 P(met)": (f"{percent(r['p_met'])} ± {percent(r['p_se'])}" if level_target and not
                              is_missing(r["p_met"]) else percent(r["p_met"])),
            "取整读法 round reading": (f"{percent(r['p_met_round'])} ± {percent(r['p_se_round'])}"
                                   if level_target and not is_missing(r["p_met_round"]) else MISSING),
            "敏感性集合 across the set": (f"{percent(r['p_set_low'])}—{percent(r['p_set_high'])}"
                                      if level_target and not is_missing(r.get("p_set_low")) else MISSING),
            "依据 rests on": " · ".join(reason_words(r, target, evidence)),
        })
    for (label, reason), members in shared.items():
        listed = "；".join(t["name_zh"] for t in members)
        rows.append({"目标 target": f"{len(members)}项 {len(members)} targets: {listed}",
                     "结论 verdict": f"{label} {state_en(label)}", "实现概率 P(met)": MISSING,
                     "取整读法 round reading": MISSING, "敏感性集合 across the set": MISSING,
                     "依据 rests on": " · ".join(reason)})
    return pd.DataFrame(rows, columns=["目标 target", "结论 verdict", "实现概率 P(met)", "取整读法 round reading",
                                       "敏感性集合 across the set", "依据 rests on"])


# ---------------------------------------------------------------- the evidence
def _published(month) -> str:
    return f"{month_zh(month)} {month}"


def evidence_view(used) -> pd.DataFrame:
    """The evidence used, as a reader would say each figure, with when it was published and its source."""
    rows = []
    for r in used.to_dict(orient="records"):
        said = evidence_words(r)
        rows.append({"数据 figure": f"{said['zh']} · {said['en']}", "公布 published": _published(r["published"]),
                     "来源 source": f"{said['source_zh']} · {said['source_en']}"})
    return pd.DataFrame(rows, columns=["数据 figure", "公布 published", "来源 source"])


def left_out_words(row, evidence) -> str:
    """Why a figure is left out, in words (``evidence.select_evidence``'s ``reason_kind`` and ``by``)."""
    kind = row.get("reason_kind", "")
    by = evidence.set_index("evidence_id").loc[row["by"]] if row.get("by") else None
    if kind == "late":
        return f"在评估月份之后公布 published after the as-of month ({row['published']})"
    if kind == "weak":
        trust_zh, trust_en = RELIABILITY.get(row["reliability"], (row["reliability"], row["reliability"]))
        return f"可信度不足：{trust_zh} · not trusted enough: {trust_en}"
    if kind in ("revised", "superseded") and by is not None:
        said = evidence_words(by.to_dict() | {"evidence_id": row["by"]})
        word = "被修订为 revised by" if kind == "revised" else "被更完整的数据取代 superseded by"
        return f"{word}: {said['zh']} · {said['en']}"
    if kind == "unpaired":
        return "缺少同年的另一项全市数字，不能构成营收产值比 no city figure of the same year to pair it with"
    return str(row.get("reason", ""))


def left_out_view(left_out, evidence) -> pd.DataFrame:
    """The evidence left out, each figure in words with why."""
    rows = [{"数据 figure": f"{evidence_words(r)['zh']} · {evidence_words(r)['en']}",
             "原因 why left out": left_out_words(r, evidence)} for r in left_out.to_dict(orient="records")]
    return pd.DataFrame(rows, columns=["数据 figure", "原因 why left out"])


def _figures(ids, evidence) -> str:
    """Evidence ids as their figures in Chinese, joined ("—" for none)."""
    if not ids:
        return MISSING
    table = evidence.set_index("evidence_id")
    return "；".join(evidence_words(table.loc[i].to_dict() | {"evidence_id": i})["zh"] for i in ids if i in table.index)


def arrival_numbers(track) -> list:
    """The number of each vintage at which figures arrived (1, 2, … in as-of order; None for one without),
    as the track chart marks them and the track table lists them: ``track`` is one target's rows."""
    numbers, n = [], 0
    for arrived in track.sort_values("as_of")["evidence_arrived"].fillna(""):
        n += bool(arrived)
        numbers.append(n if arrived else None)
    return numbers


#: The track table's column of scores against an outcome (only when one is published).
SCORES_COLUMN = "对照实际结果的评分 scores against the outcome"


def track_view(track, evidence) -> pd.DataFrame:
    """How P(met) moved, one row per month evidence arrived: the figures that arrived in words, no ids,
    each numbered as the track chart marks it; once an outcome is published, each month's scores against it
    (``words.score_cell``: from the month it arrived, those of the forecast from before it)."""
    rows = []
    track = track.sort_values("as_of")
    for number, r in zip(arrival_numbers(track), track.to_dict(orient="records")):
        arrived = [i for i in str(r["evidence_arrived"] or "").split(";") if i]
        rows.append({"图中 no.": MISSING if number is None else str(number), "截至 as of": _published(r["as_of"]),
                     "实现概率 P(met)": percent(r["p_met"]), "中位数 median": level(r["median"]),
                     "10%–90% 区间 range": f"{r['q10']:,.0f}–{r['q90']:,.0f}",
                     "新公布的数据 what was published": _figures(arrived, evidence) if arrived else "规划时（尚无数据） the plan",
                     SCORES_COLUMN: score_cell(r) or MISSING})
    scored = "crps" in track and track["crps"].notna().any()
    return pd.DataFrame(rows).drop(columns=[] if scored else [SCORES_COLUMN], errors="ignore")


def years_view(years, evidence) -> pd.DataFrame:
    """Which figures each simulated year's growth rests on: the cluster's own, the city's (related), bounds."""
    rows = []
    for r in years.to_dict(orient="records"):
        def ids(column):
            return [i for i in str(r[column] or "").split(";") if i]
        rows.append({"年份 year": str(r["year"]), "集群自身 the cluster's own": _figures(ids("direct"), evidence),
                     "全市（间接） the city's (related)": _figures(ids("related"), evidence),
                     "上下限 bounds": _figures(ids("bounds"), evidence)})
    return pd.DataFrame(rows, columns=["年份 year", "集群自身 the cluster's own", "全市（间接） the city's (related)",
                                       "上下限 bounds"])


def readings_view(statements, evidence) -> pd.DataFrame:
    """What the round-figure reading changes, statement by statement, and what the plain reading leaves open."""
    rows = []
    for r in statements.to_dict(orient="records"):
        said = evidence_words(evidence.set_index("evidence_id").loc[r["evidence_id"]].to_dict())
        rows.append({"表述 statement": f"{said['zh']} · {said['en']}",
                     f"{READINGS['round'][0]} {READINGS['round'][1]}": r["round_reading"],
                     f"{READINGS['plain'][0]}：达到下一关口的概率 plain reading: P(at or past the next round figure)":
                         percent(r["p_beyond_next_plain"])})
    return pd.DataFrame(rows)


def crossings_view(crossings) -> pd.DataFrame:
    """Where the verdict changes along the revenue-to-output ratio, per reading ("—": not on 0.85–1.15)."""
    rows = []
    for (reading, part) in crossings.groupby("reading", sort=False):
        cut = part.set_index("cut")["revenue_to_output_ratio"]
        rows.append({"读法 reading": " ".join(READINGS[reading]),
                     "已实现，若比值不低于 met at a ratio of at least":
                         MISSING if is_missing(cut.get("achieved")) else f"{cut['achieved']:.3f}",
                     "未实现，若比值不高于 not met at a ratio of at most":
                         MISSING if is_missing(cut.get("missed")) else f"{cut['missed']:.3f}"})
    return pd.DataFrame(rows)


def shortened(frame, most=MOST_ROWS, where="") -> tuple[pd.DataFrame, str]:
    """At most ``most`` rows of a reader table, and a line saying where the rest is ("" when all are shown)."""
    if len(frame) <= most:
        return frame, ""
    return frame.head(most), f"前{most}行，共{len(frame)}行；全表见 {where} — the first {most} of {len(frame)} rows; the full table is {where}."


# ---------------------------------------------------------------- what the commands print
def summary_text(summary) -> str:
    """The assessed rows as text; targets without a probability are counted, not listed."""
    if summary.empty:
        return "(no summary)"
    unassessed = summary[summary["p_met"].isna()]
    view = summary[summary["p_met"].notna()].copy()
    for column in ("p_met", "p_met_plan"):
        if column in view:
            view[column] = view[column].map(percent)
    for column in ("median", "q10", "q90"):
        view[column] = view[column].map(level)
    if "ess" in view:
        view["ess"] = view["ess"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
    view = view.rename(columns={"p_met": "P(met) now", "p_met_plan": "as of plan", "ess": "effective paths"})
    text = view.fillna("").to_string(index=False) if len(view) else "no target has a probability yet"
    if len(unassessed):
        per = unassessed.groupby("scenario", sort=False).size()
        text += (f"\n\n{per.iloc[0]} target(s) per scenario without a probability ({unassessed['status'].iloc[0]}: "
                 "no figure to judge them on, a count without progress entered in data/raw/ or a level with no "
                 "figure to start from); notebook 04 and the final assessment say which and why")
    return text


#: Excel number formats of the report's summary columns: probabilities in percent, levels and
#: counts with thousands separators (Excel shows them in the reader's locale).
SUMMARY_FORMATS = {"p_met": "0.0%", "p_met_plan": "0.0%", "median": "#,##0.0", "q10": "#,##0.0", "q90": "#,##0.0",
                   "ess": "#,##0"}


def summary_sheets(summary, targets) -> dict:
    """The sheets of summary.xlsx: ``level targets`` (亿元) and ``count targets`` (counts and milestones).

    One sheet per kind because the two kinds' medians and bands are in different units; the rows
    and columns are those of summary.csv. Written with ``fileio.write_excel_atomic(sheets, path,
    SUMMARY_FORMATS)``.
    """
    kinds = dict(zip(targets["id"], targets["kind"]))
    is_level_row = summary["target_id"].map(lambda t: t in kinds and is_level(kinds[t])).astype(bool)
    return {"level targets": summary[is_level_row].reset_index(drop=True),
            "count targets": summary[~is_level_row].reset_index(drop=True)}
