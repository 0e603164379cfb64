"""The results in words, Chinese first and English beside it: goals, the data vintage, evidence, verdicts.

Every sentence a reader sees on the index page, in the memo or in a notebook's headline is made here
from the numbers, so a page never says what its tables do not. Identifiers (evidence ids, target ids)
stay in the CSV files, the manifest and the code; a reader gets names, periods and sources.
"""

import datetime as dt
import math
from urllib.parse import urlparse

from dgforecast.core.kinds import is_level
from dgforecast.core.numbers import format_number, is_missing
from dgforecast.core.vocabulary import (
    AT_THE_CUT,
    MET,
    NO_FIGURE,
    NO_FIGURE_EN,
    NOT_MET,
    READINGS,
    RELIABILITY,
    period_words,
    state_en,
)
from dgforecast.judge.verdicts import deadline_passed
from dgforecast.plan.targets import required_cagr

#: How a target's comparison reads.
COMPARISON_SIGNS = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


def registry(targets):
    """The targets indexed by id; a table without ``kind`` holds level targets (older callers)."""
    if "kind" not in targets.columns:
        targets = targets.assign(kind="level")
    return targets.set_index("id")


def goal_text(target) -> str:
    """A target's goal in one phrase, e.g. ``≥ 5,400 亿元 by 2025`` ("" without a threshold)."""
    if "threshold" not in target or is_missing(target["threshold"]):
        return ""
    sign = COMPARISON_SIGNS.get(target.get("comparison", ""), target.get("comparison", ""))
    return f"{sign} {target['threshold']:,.0f} {target.get('unit', '')} by {target.get('deadline', '')}"


def goal_words(target) -> tuple[str, str]:
    """(zh, en) of a target's goal: ``达到5400亿元以上`` / ``at least 5,400 亿元``."""
    threshold, unit = float(target["threshold"]), target.get("unit", "")
    above = target.get("comparison", ">=") == ">"
    zh = f"{'超过' if above else '达到'}{threshold:g}{unit}{'' if above else '以上'}"
    en = f"{'more than' if above else 'at least'} {threshold:,.0f} {unit}".strip()
    return zh, en


def month_zh(month) -> str:
    year, mon = str(month).split("-")
    return f"{int(year)}年{int(mon)}月"


def month_en(month) -> str:
    year, mon = str(month).split("-")
    return dt.date(int(year), int(mon), 1).strftime("%B %Y")


def vintage_text(params) -> tuple[str, str]:
    """How far the evidence reaches, in a phrase: (zh, en)."""
    month = params.as_of_month
    if month <= params.plan_month:
        return "以规划制定时的信息（其后尚无公布数据）", "with what was known when the plan was made (no later figure)"
    return f"截至{month_zh(month)}已公布的数据", f"with the figures published up to {month_en(month)}"


def name_en(name) -> str:
    """An English name in the middle of a sentence: its first letter in lower case unless it is an acronym."""
    return name[:1].lower() + name[1:] if len(name) > 1 and not name[1].isupper() else name


def required_growth(target, params) -> float:
    """Growth a year a level target needs under ``params`` (its revenue-to-output ratio), as a fraction;
    ``target`` is a row of ``targets.targets_table`` (NaN without a baseline)."""
    baseline = target.get("baseline", math.nan)
    if is_missing(baseline) or not baseline > 0:
        return target.get("required_cagr", math.nan)
    ratio = params.revenue_to_output_ratio if target.get("baseline_conversion") == "revenue_to_output_ratio" else 1.0
    return required_cagr(baseline * ratio, float(target["threshold"]), int(target["deadline"]) - int(target["start_year"]))


# ---------------------------------------------------------------- evidence in words
def source_words(url, reliability) -> tuple[str, str]:
    """Where a figure was read and how far it can be trusted: (zh, en), e.g. ("官方发布或其转载，sun0769.com", …)."""
    url = str(url or "")
    if "://" in url:
        host = urlparse(url).netloc.split(":")[0].removeprefix("www.")
        where_zh, where_en = host, host
    else:
        where_zh, where_en = "无公开网址的文件", "a document with no public address"
    trust_zh, trust_en = RELIABILITY.get(reliability, (reliability, reliability))
    return f"{trust_zh}，{where_zh}", f"{trust_en}, {where_en}"


def _value_text(value, unit) -> str:
    shown = format_number(value)
    return shown if unit == "1" else f"{shown}{unit}"


def evidence_words(row) -> dict:
    """One published figure as a reader would say it, from the columns of the evidence file.

    ``row`` is a row of ``evidence.load_evidence``. Returns ``zh``, ``en`` (the figure) and
    ``source_zh``, ``source_en`` (reliability and site), e.g. "2025年1—8月集群增加值同比增长8.5%（可比价）"
    / "the cluster's value added, January–August 2025: +8.5 % on a year before (real)", the measure named as the
    plan names it (the ``name_zh``, ``name_en`` columns).
    """
    measure = {"label_zh": row.get("name_zh") or row["measure"], "label_en": row.get("name_en") or row["measure"]}
    when_zh, when_en = period_words(int(row["year"]), row["period"])
    value, unit, kind = float(row["value"]), row.get("unit", ""), row["kind"]
    if kind == "growth":
        real = row.get("price_basis") == "real"
        zh = (f"{when_zh}{measure['label_zh']}同比{'增长' if value >= 0 else '下降'}{abs(value):g}%"
              f"（{'可比价' if real else '现价'}）")
        en = f"{measure['label_en']}, {when_en}: {value:+g} % on a year before ({'real' if real else 'nominal'})"
    else:
        round_ = row.get("precision") == "round"
        figure_zh, figure_en = _value_text(value, unit), _value_text(value, "" if unit == "1" else f" {unit}")
        if kind == "level":
            zh = f"{when_zh}{measure['label_zh']}{'约' if round_ else ''}{figure_zh}{'（整数表述）' if round_ else ''}"
            en = f"{measure['label_en']}, {when_en}: {'about ' if round_ else ''}{figure_en}" + (
                " (a round statement)" if round_ else "")
        elif kind == "at_least":
            zh, en = f"{when_zh}{measure['label_zh']}突破{figure_zh}", f"{measure['label_en']}, {when_en}: more than {figure_en}"
        else:
            zh, en = f"{when_zh}{measure['label_zh']}不超过{figure_zh}", f"{measure['label_en']}, {when_en}: at most {figure_en}"
    source_zh, source_en = source_words(row.get("source_url"), row.get("reliability"))
    return {"zh": zh, "en": en, "source_zh": source_zh, "source_en": source_en}


def evidence_line(params, evidence) -> str:
    """One line for a page's parameters: which figures after the baseline the page uses (zh · en)."""
    from dgforecast.plan.evidence import select_evidence

    if evidence is None or not len(evidence):
        return "基年后的公布数据：无（无证据表） · figures published after the baseline: none (no evidence table)"
    selection = select_evidence(evidence, params.as_of_month, params.evidence.min_reliability)
    zh, en = evidence_note(list(selection.used["evidence_id"]), evidence)
    when_zh, when_en = vintage_text(params)
    return (f"本页所用的基年后公布数据（{when_zh}）：{zh}；另有{len(selection.left_out)}条未采用（见06页）。"
            f" · Figures published after the baseline this page uses ({when_en}): {en}; "
            f"{len(selection.left_out)} more are left out (see page 06).")


def evidence_note(evidence_used, evidence) -> tuple[str, str]:
    """What a level target's probability rests on, plainly: how many figures, its own measures' and related ones.

    ``evidence_used`` is a list of ids; ``evidence`` the evidence table (for each row's role).
    """
    if not evidence_used:
        return ("没有任何公开数据涉及该目标，概率只反映规划时的假设",
                "no published figure bears on it: the probability is the plan-time assumption only")
    roles = evidence.set_index("evidence_id").loc[list(evidence_used), "role"]
    related = int(roles.str.startswith("related_").sum())
    own = len(roles) - related
    zh = f"依据{len(roles)}条公开数据：本口径{own}条，相关口径{related}条（相关数据经联系参数间接反映）"
    figures = "figure" if len(roles) == 1 else "figures"
    en = (f"it rests on {len(roles)} published {figures}: {own} of its own measures, {related} of related series "
          "(read through the link parameters)")
    return zh, en


# ---------------------------------------------------------------- verdicts in words
def verdict_words(label, at_cut=False) -> tuple[str, str]:
    """A verdict as it is shown: ``已实现`` / ``met``, with "at the cut" when it is."""
    en = state_en(label) or label
    if at_cut:
        return f"{label}（{AT_THE_CUT[0]}）", f"{en} ({AT_THE_CUT[1]})"
    return label, en


def verdict_sentence(row, target, params, reading="plain") -> tuple[str, str]:
    """One level target's final verdict in the past tense, under ``reading`` with the other beside it.

    ``row`` is a row of ``tracking.final_assessment``; ``target`` its registry row.
    """
    goal_zh, goal_en = goal_words(target)
    deadline = int(target["deadline"])
    keys = {"plain": ("p_met", "verdict", "at_cut"), "round": ("p_met_round", "verdict_round", "at_cut_round")}
    other = "round" if reading == "plain" else "plain"
    p, label, cut = (row[k] for k in keys[reading])
    q, other_label, other_cut = (row[k] for k in keys[other])
    v_zh, v_en = verdict_words(label, bool(cut))
    o_zh, o_en = verdict_words(other_label, bool(other_cut))
    when_zh, when_en = vintage_text(params)
    decided = bool(row.get("decided_by"))
    basis_zh = "已有该目标本身的确切数字" if decided else f"{deadline}年{target['name_zh']}{goal_zh}的概率为{p:.1%}"
    basis_en = ("an exact figure of the target itself is published" if decided else
                f"the probability that {name_en(target['name_en'])} was {goal_en} in {deadline} is {p:.1%}")
    if is_missing(p) and not decided:  # no probability: the reason instead, and no other reading to give
        why_zh, why_en = unassessed_words(target)
        when_zh, when_en = vintage_text(params)
        return (f"按{params.label_zh}，{when_zh}，{deadline}年{target['name_zh']}{goal_zh}：“{v_zh}”——{why_zh}。",
                f"{params.label_en}, {when_en}: {name_en(target['name_en'])} {goal_en} in {deadline}: “{v_en}”, "
                f"for {why_en}.")
    zh = (f"按{params.label_zh}，{when_zh}，{basis_zh}，判定为“{v_zh}”"
          f"（{READINGS[other][0]}：{q:.1%}，{o_zh}）。")
    en = (f"{params.label_en}, {when_en}: {basis_en}, so the target reads “{v_en}” ({label})"
          f"; under the {READINGS[other][1]}: {q:.1%}, {o_en}.")
    return zh, en


def spread_lines(finals, params_by_name, targets, headline) -> list[tuple[str, str]]:
    """``spread_words`` of every level target with a probability, each named when there are several."""
    reg = registry(targets)
    final = finals[headline]
    ids = [t for t, p in zip(final["target_id"], final["p_met"])
           if t in reg.index and is_level(reg.loc[t, "kind"]) and not is_missing(p)]
    named = len(ids) > 1
    return [spread_words(finals, params_by_name, t, headline, reg.loc[t] if named else None) for t in ids]


def spread_words(finals, params_by_name, target_id, headline, target=None) -> tuple[str, str]:
    """Every scenario's verdict of one target in one line, the headline scenario named, and the spread of P(met);
    the line opens with the target's name when ``target`` (its registry row) is given."""
    parts_zh, parts_en, ps = [], [], []
    for name, final in finals.items():
        row = final.set_index("target_id").loc[target_id]
        params = params_by_name[name]
        v_zh, v_en = verdict_words(row["verdict"], bool(row["at_cut"]))
        mark = "（主情景）" if name == headline else ""
        parts_zh.append(f"{params.label_zh}{mark} {v_zh} {row['p_met']:.1%}")
        parts_en.append(f"{params.label_en}{' (headline)' if name == headline else ''} {v_en} {row['p_met']:.1%}")
        ps.append(row["p_met"])
    span = f"{min(ps):.1%}—{max(ps):.1%}"
    zh = f"各情景：{'；'.join(parts_zh)}。实现概率范围{span}。"
    en = f"every scenario: {'; '.join(parts_en)}. P(met) spans {span.replace('—', '–')}."
    if target is None:
        return zh, en[0].upper() + en[1:]
    return f"{target['name_zh']}，{zh}", f"{name_en(target['name_en'])}, {en}"


def hinge_words(crossings, target, params) -> tuple[str, str]:
    """What the verdict hinges on, in one sentence: the revenue-to-output ratio at which it would change.

    ``crossings`` is ``tracking.verdict_crossings`` of the target (plain reading rows used).
    """
    if target.get("baseline_conversion") != "revenue_to_output_ratio":
        return "", ""
    plain = crossings[(crossings["target_id"] == target.name) & (crossings["reading"] == "plain")]
    cut = plain.set_index("cut")["revenue_to_output_ratio"]
    assumed = params.revenue_to_output_ratio
    achieved, missed = cut.get("achieved", math.nan), cut.get("missed", math.nan)
    zh = f"结论取决于未公布的营业收入与总产值之比（假定为{assumed:.2f}）："
    en = f"The verdict hinges on the unpublished ratio of revenue to output (assumed {assumed:.2f}): "
    if is_missing(achieved) and is_missing(missed):
        return zh + "在0.85—1.15之间不改变结论。", en + "no value from 0.85 to 1.15 changes it."
    bits_zh, bits_en = [], []
    if not is_missing(achieved):
        bits_zh.append(f"比值不低于{achieved:.3f}时为“{MET}”")
        bits_en.append(f"met at a ratio of {achieved:.3f} or more")
    if not is_missing(missed):
        bits_zh.append(f"不高于{missed:.3f}时为“{NOT_MET}”")
        bits_en.append(f"not met at {missed:.3f} or less")
    return zh + "，".join(bits_zh) + "。", en + ", ".join(bits_en) + "."


def counts_words(final) -> tuple[str, str]:
    """The count and milestone targets' verdicts in one line: how many of each, and why."""
    counts = final[~final["kind"].map(is_level).astype(bool)]
    if counts.empty:
        return "", ""
    tally = counts["verdict"].value_counts()
    no_figure = int(counts["p_met"].isna().sum())
    why_zh, why_en = "该目标口径的数量从未公布（尚未录入）", "no count in the targets' own terms was published (none entered)"
    if no_figure == len(counts) and len(tally) == 1:
        label = tally.index[0]
        return (f"数量与里程碑目标{len(counts)}项均为“{label}”：{NO_FIGURE}（{why_zh}）。",
                f"All {len(counts)} count and milestone targets: {state_en(label)}, for want of a figure "
                f"({NO_FIGURE_EN}: {why_en}).")
    zh = "、".join(f"{n}项{label}" for label, n in tally.items())
    en = ", ".join(f"{n} {state_en(label)}" for label, n in tally.items())
    extra_zh = f"；其中{no_figure}项{NO_FIGURE}（{why_zh}）" if no_figure else ""
    extra_en = f"; {no_figure} for want of a figure ({NO_FIGURE_EN}: {why_en})" if no_figure else ""
    return (f"数量与里程碑目标{len(counts)}项：{zh}{extra_zh}。",
            f"The {len(counts)} count and milestone targets: {en}{extra_en}.")


def forecast_sentence(row, target, params) -> tuple[str, str]:
    """A level target whose deadline is ahead, in words: its probability, status, needed growth and range."""
    goal_zh, goal_en = goal_words(target)
    deadline = int(target["deadline"])
    plan = row.get("p_met_plan", math.nan)
    plan_zh = "" if is_missing(plan) or params.as_of_month <= params.plan_month else f"（规划制定时为{plan:.1%}）"
    plan_en = "" if not plan_zh else f" ({plan:.1%} when the plan was made)"
    growth = required_growth(target, params)
    start, unit = int(target["start_year"]), target.get("unit", "")
    need_zh = "" if is_missing(growth) else f"；需{start}—{deadline}年年均增长{growth:.2%}"
    need_en = "" if is_missing(growth) else f"; it needs {growth:.2%} growth a year over {start}–{deadline}"
    spread_zh = (f"，{deadline}年中位数约{row['median']:,.0f}{unit}（10%—90%区间{row['q10']:,.0f}—{row['q90']:,.0f}{unit}）"
                 if not is_missing(row["median"]) else "")
    spread_en = (f"; median about {row['median']:,.0f} {unit}, 10–90 % range {row['q10']:,.0f}–{row['q90']:,.0f} {unit}"
                 if not is_missing(row["median"]) else "")
    when_zh, when_en = vintage_text(params)
    status = row["status"]
    zh = (f"按{params.label_zh}，{when_zh}，{deadline}年{target['name_zh']}{goal_zh}的概率为{row['p_met']:.1%}"
          f"{plan_zh}，属“{status}”{need_zh}{spread_zh}。")
    en = (f"{params.label_en}, {when_en}: the probability that {name_en(target['name_en'])} reaches {goal_en} in "
          f"{deadline} is {row['p_met']:.1%}{plan_en}, “{state_en(status) or status}” ({status}){need_en}{spread_en}.")
    return zh, en


def summary_sentences(summary, targets, params_by_name) -> list[dict]:
    """One sentence per level target and scenario whose deadline is ahead (a forecast), zh and en.

    Parameters
    ----------
    summary : DataFrame
        ``REPORT_COLUMNS`` (summary.csv): P(met) as of now and as of the plan, median, 10–90 %, status.
    targets : DataFrame
        ``targets.targets_table`` (the registry with ``baseline``, ``required_cagr``).
    params_by_name : dict
        Scenario -> ``ScenarioParams``.

    Returns
    -------
    list of dict
        ``scenario``, ``target_id``, ``zh``, ``en``; scenario order, then registry order. Targets whose
        deadline has passed have a verdict instead (``verdict_sentence``); rows without a
        probability (a failed scenario) give no sentence.
    """
    reg = registry(targets)
    sentences = []
    for name, params in params_by_name.items():
        rows = summary[summary["scenario"] == name]
        for target_id in [t for t in reg.index if t in set(rows["target_id"])]:
            target = reg.loc[target_id]
            row = rows[rows["target_id"] == target_id].iloc[0]
            if not is_level(target["kind"]) or is_missing(row["p_met"]) or deadline_passed(params, target["deadline"]):
                continue
            zh, en = forecast_sentence(row, target, params)
            sentences.append({"scenario": name, "target_id": target_id, "zh": zh, "en": en})
    return sentences


def reason_words(row, target, evidence) -> tuple[str, str]:
    """What a verdict of the final assessment rests on, in words (zh, en): no ids.

    ``row`` is a row of ``tracking.final_assessment``; ``evidence`` the evidence table.
    """
    if is_level(target["kind"]):
        if is_missing(row.get("p_met")) and not row.get("decided_by"):
            return unassessed_words(target)
        if row.get("decided_by"):
            said = evidence_words(evidence.set_index("evidence_id").loc[row["decided_by"]].to_dict())
            return f"由确切数字决定：{said['zh']}", f"decided by an exact figure: {said['en']}"
        used = [i for i in str(row.get("evidence_used") or "").split(";") if i]
        zh, en = evidence_note(used, evidence)
        if target.get("baseline_conversion") == "revenue_to_output_ratio" and used:
            zh += "；并取决于营业收入与总产值之比（目标口径的营业收入未公布）"
            en += "; and on the revenue-to-output ratio (revenue in the target's measure was never published)"
        return zh, en
    if is_missing(row["p_met"]):
        return f"{NO_FIGURE}：该目标口径的数量从未公布（尚未录入）", \
            f"{NO_FIGURE_EN}: no count in the target's own terms was published (none entered)"
    entered = f"已录入{row['achieved']:g}（{row['years_entered']}）"
    entered_en = f"{row['achieved']:g} entered ({row['years_entered']})"
    if row["verdict"] == MET:
        return f"{entered}，达到门槛", f"{entered_en}: the threshold is reached"
    if row["years_missing"] == "none":
        return f"{entered}，各年均已录入，未达门槛", f"{entered_en}, every year of the window: short of it"
    return (f"{entered}；未录入的年份（{row['years_missing']}）按进度模型推算：实现概率{row['p_met']:.1%}",
            f"{entered_en}; years not entered ({row['years_missing']}) drawn by the pace model: P(met) {row['p_met']:.1%}")


def unassessed_words(target) -> tuple[str, str]:
    """Why a level target has no probability at all, in words (zh, en): the three cases of
    ``simulate.anchored`` (its measure linked to no path; no base year level for an average growth;
    no base figure and no exact yearly level published to start from)."""
    if is_missing(target.get("path")) or not target.get("path"):
        return ("该目标的口径未与任何模拟路径相连（plan.yaml），没有数据可以判断",
                "its measure is linked to nothing the workbook simulates (plan.yaml), so no figure bears on it")
    if target["kind"] == "average_growth":
        start = int(target["start_year"])
        return (f"规划未给出{start}年（年均增长的起算年）该口径的确切数字，之后的数字不能代替，年均增长无从计算",
                f"the plan gives no exact level of its measure for {start}, the year its average growth is counted "
                "from, and a later figure cannot stand in for it")
    return ("规划未给出基数，该口径也尚无公布的年度确切数字，无从起算",
            "the plan gives no base figure and no exact yearly level of its measure is published yet: nothing to "
            "start from")


def evidence_notes(final, targets, evidence, assessed, anchors=None) -> tuple[str, str]:
    """What each level target's verdict rests on, in one line (zh, en): the targets named when there are several.

    ``final`` is ``tracking.final_assessment``; ``assessed`` the ids of the targets the evidence was read for
    (``AssessmentResult.evidence``); ``anchors`` target id -> the evidence id of the figure its paths start
    from, where the plan gives no base (``Simulation.anchors``). Empty strings without an evidence table.
    """
    reg = registry(targets)
    rows = [r for r in final.to_dict(orient="records")
            if r["target_id"] in assessed and r["target_id"] in reg.index and is_level(reg.loc[r["target_id"], "kind"])]
    if not len(evidence) or not rows:
        return "", ""
    notes = []
    for r in rows:
        target = reg.loc[r["target_id"]]
        used = [i for i in str(r.get("evidence_used") or "").split(";") if i]
        said = unassessed_words(target) if is_missing(r["p_met"]) else evidence_note(used, evidence)
        start = (anchors or {}).get(r["target_id"])
        if start and not is_missing(r["p_met"]):
            figure = evidence_words(evidence.set_index("evidence_id").loc[start].to_dict())
            said = (f"{said[0]}；规划未给出基数，自{figure['zh']}起算",
                    f"{said[1]}; the plan gives no base figure, so its paths start from {figure['en']}")
        notes.append((target, said))
    if len(notes) == 1:
        return notes[0][1]
    return ("；".join(f"{t['name_zh']}：{zh}" for t, (zh, _) in notes),
            "; ".join(f"{name_en(t['name_en'])}: {en}" for t, (_, en) in notes))


def verdict_label_text(label) -> str:
    """``已实现 met``: a state with its English, for a table cell."""
    return f"{label} {state_en(label)}".strip() if label else ""


#: The verdicts in the order a reader scans them.
