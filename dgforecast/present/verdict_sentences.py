"""The results said in sentences (zh, en): a level target's final verdict, every scenario's verdict in one
line, what the verdict hinges on, the count targets' verdicts, and the forecast of a target whose deadline
is ahead — what the index page, the memo and the notebooks' headlines say.
"""

import math
import re

import pandas as pd

from dgforecast.core.kinds import is_level
from dgforecast.core.numbers import is_missing
from dgforecast.core.vocabulary import MET, NO_FIGURE, NO_FIGURE_EN, NOT_MET, READINGS, state_en
from dgforecast.judge.hinge import HINGE_RATIOS
from dgforecast.judge.verdicts import deadline_passed
from dgforecast.present.evidence_sentences import unassessed_words
from dgforecast.present.phrases import (
    goal_words,
    name_en,
    registry,
    required_growth,
    verdict_words,
    vintage_text,
)


def verdict_sentence(row, target, params, reading="plain") -> tuple[str, str]:
    """One level target's final verdict in the past tense, under ``reading`` with the other beside it.

    ``row`` is a row of ``final.final_assessment``; ``target`` its registry row.
    """
    goal_zh, goal_en = goal_words(target)
    deadline = int(target["deadline"])
    keys = {"plain": ("p_met", "p_se"), "round": ("p_met_round", "p_se_round")}
    other = "round" if reading == "plain" else "plain"
    (p, _), (q, q_se) = ((row[k] for k in keys[r]) for r in (reading, other))
    label, cut = row["verdict"], row.get("at_cut")  # the verdict is one: it holds under both readings or is 无法确认
    v_zh, v_en = verdict_words(label, bool(cut))
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
          f"（{READINGS[other][0]}：{q:.1%} ± {q_se:.1%}）。")
    en = (f"{params.label_en}, {when_en}: {basis_en}, so the target reads “{v_en}” ({label})"
          f"; under the {READINGS[other][1]}: {q:.1%} ± {q_se:.1%}.")
    return zh, en


def spread_lines(finals, params_by_name, targets, headline) -> list[tuple[str, str]]:
    """``spread_words`` of every level target with a probability whose deadline has passed (one ahead has a
    status, said by ``forecast_sentence``), each named when there are several."""
    reg = registry(targets)
    final = finals[headline]
    ids = [t for t, p in zip(final["target_id"], final["p_met"])
           if t in reg.index and is_level(reg.loc[t, "kind"]) and not is_missing(p)
           and deadline_passed(params_by_name[headline], reg.loc[t, "deadline"])]
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


def ratio_spread_words(params) -> tuple[str, str]:
    """How the model spreads the unpublished ratio of a linked pair, in words (zh, en): its centre, its sd, and how
    that sd is itself drawn per path when ``link_uncertainty`` names it (a stated range or degrees of freedom)."""
    centre, sd = params.revenue_to_output_ratio, params.revenue_to_output_ratio_sd
    if not sd:
        return f"假定为{centre:.2f}", f"assumed {centre:.2f}"
    zh = f"假定以{centre:.2f}为中心，每条路径各抽一个比值，对数标准差{sd:g}"
    en = f"assumed centred on {centre:.2f}, drawn per path with a log sd of {sd:g}"
    spec = params.link_uncertainty.get("revenue_to_output_ratio_sd")
    if spec is not None and spec.kind == "factor":
        low, high = spec.factor[0] * sd, spec.factor[1] * sd
        zh += f"，该标准差本身也按路径在{low:.2g}—{high:.2g}之间抽取"
        en += f", that sd itself drawn per path between {low:.2g} and {high:.2g}"
    elif spec is not None and spec.kind == "df":
        zh += f"，该标准差本身也按路径抽取（{spec.df}个自由度）"
        en += f", that sd itself drawn per path ({spec.df} degrees of freedom)"
    return zh, en


def hinge_words(crossings, target, params, row=None) -> tuple[str, str]:
    """What the verdict hinges on, in one sentence: the ratio of the target's linked pair at which it would change.

    ``crossings`` is ``hinge.verdict_crossings`` of the target (plain reading rows used); ``target`` its registry
    row, whose ``ratio_zh`` and ``ratio_en`` name the ratio as the plan names its measures (none: no sentence);
    ``row`` its row of the final assessment: once an exact figure of the target itself decides it
    (``decided_by``), the ratio no longer matters, and the sentence says so.
    """
    if not target.get("ratio_zh"):
        return "", ""
    if row is not None and row.get("decided_by"):
        return (f"该目标本身的确切数字已公布，结论由它决定，{target['ratio_zh']}不再影响结论。",
                f"An exact figure of the target itself is published and decides the verdict: the {target['ratio_en']} "
                "no longer matters.")
    plain = crossings[(crossings["target_id"] == target.name) & (crossings["reading"] == "plain")]
    cut = plain.set_index("cut")["revenue_to_output_ratio"]
    achieved, missed = cut.get("achieved", math.nan), cut.get("missed", math.nan)
    spread_zh, spread_en = ratio_spread_words(params)
    if is_missing(achieved) and is_missing(missed):
        low, high = HINGE_RATIOS[0], HINGE_RATIOS[-1]
        return (f"未公布的{target['ratio_zh']}（{spread_zh}）在{low:.2f}—{high:.2f}之间不改变结论。",
                f"The unpublished {target['ratio_en']} ({spread_en}): no value from {low:.2f} to {high:.2f} changes the "
                "verdict.")
    bits_zh, bits_en = [], []
    if not is_missing(achieved):
        bits_zh.append(f"比值不低于{achieved:.3f}时为“{MET}”")
        bits_en.append(f"met at a ratio of {achieved:.3f} or more")
    if not is_missing(missed):
        bits_zh.append(f"不高于{missed:.3f}时为“{NOT_MET}”")
        bits_en.append(f"not met at {missed:.3f} or less")
    return (f"结论取决于未公布的{target['ratio_zh']}（{spread_zh}）：在各假设的中心值下，" + "，".join(bits_zh) + "。",
            f"The verdict hinges on the unpublished {target['ratio_en']} ({spread_en}): at the assumptions' centres, "
            + ", ".join(bits_en) + ".")


def summary_states(summary) -> dict:
    """Target id -> its state in a scenario's summary: the status before its deadline, the verdict after it."""
    return dict(zip(summary["target_id"], summary["status"])) if len(summary) else {}


def counts_words(final, states=None) -> tuple[str, str]:
    """The count and milestone targets' states in one line: how many of each, and why.

    ``states``: target id -> the state to say (``summary_states``: the status of a target whose deadline is ahead);
    without it, or for a target it leaves out, the final assessment's verdict.
    """
    counts = final[~final["kind"].map(is_level).astype(bool)]
    if counts.empty:
        return "", ""
    labels = [(states or {}).get(t) or v for t, v in zip(counts["target_id"], counts["verdict"])]
    tally = pd.Series(labels).value_counts()
    no_figure = int(counts["p_met"].isna().sum())
    why_zh, why_en = "该目标口径的数量从未公布，也未录入", "no count in the targets' own terms was published (none entered)"
    if no_figure == len(counts) and len(tally) == 1:
        label = tally.index[0]
        if label == NO_FIGURE:  # before the deadline: no public figure is the whole of it
            return (f"数量与里程碑目标{len(counts)}项均为“{NO_FIGURE}”（{why_zh}）。",
                    f"All {len(counts)} count and milestone targets: {NO_FIGURE_EN} ({why_en}).")
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


def no_probability_sentences(summary, targets, params_by_name) -> list[dict]:
    """One sentence per level target whose deadline is ahead and that has no probability in any scenario: its
    goal, 暂无公开数字 and why (``unassessed_words``), zh and en — so a summary never leaves it out."""
    reg, sentences = registry(targets), []
    first = next(iter(params_by_name.values()), None)
    for target_id in reg.index:
        target = reg.loc[target_id]
        rows = summary[summary["target_id"] == target_id]
        if (first is None or not is_level(target["kind"]) or not len(rows) or not rows["p_met"].isna().all()
                or deadline_passed(first, target["deadline"])):
            continue
        goal_zh, goal_en = goal_words(target)
        why_zh, why_en = unassessed_words(target)
        deadline = int(target["deadline"])
        sentences.append({"scenario": "", "target_id": target_id,
                          "zh": f"{deadline}年{target['name_zh']}{goal_zh}：{NO_FIGURE}——{why_zh}。",
                          "en": f"{name_en(target['name_en'])} {goal_en} in {deadline}: {NO_FIGURE_EN}, for {why_en}."})
    return sentences


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
        deadline has passed have a verdict instead (``verdict_sentence``); a target without a probability in
        any scenario gets one sentence saying why (``no_probability_sentences``, scenario ""), after the others.
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
    return sentences + no_probability_sentences(summary, targets, params_by_name)


#: The note the engine writes when the evidence thinned the paths and more were drawn (``Simulation.note``).
_MORE_PATHS = re.compile(r"the evidence left an effective sample of ([\d,]+) of ([\d,]+) paths \(floor ([\d,]+)\); "
                         r"([\d,]+) paths were drawn instead")


def simulation_note_words(note) -> tuple[str, str]:
    """The engine's note on the paths drawn, in words (zh, en); ("", "") without one."""
    if not note:
        return "", ""
    found = _MORE_PATHS.fullmatch(str(note).strip())
    if found is None:
        return "注意：模拟过程有提示（见英文）", f"Note: {note}"
    ess, n, floor, drawn = found.groups()
    return (f"注意：公开数据使{n}条模拟路径的有效样本降至{ess}（低于下限{floor}），因此改为模拟{drawn}条路径",
            f"Note: the published figures left an effective sample of {ess} of {n} simulated paths (below the floor "
            f"of {floor}), so {drawn} paths were drawn instead")


def scenario_words(result, targets, params) -> list[tuple[str, str]]:
    """What one scenario's page says of its level targets (zh, en): for each past its deadline, why its verdict is
    what it is and what it rests on (``robust_words``: the sensitivity set's range, ± as simulation error, the
    related figures); for each ahead, its forecast; then that all are met at once, and the engine's note."""
    from dgforecast.present.robust_sentences import robust_words

    reg = registry(targets)
    robust = getattr(result, "robust", None)
    robust = robust.set_index("target_id") if robust is not None and len(robust) else None
    lines = []
    levels = [r for r in result.summary.to_dict(orient="records")
              if r["target_id"] in reg.index and is_level(reg.loc[r["target_id"], "kind"]) and not is_missing(r["p_met"])]
    for r in levels:
        target = reg.loc[r["target_id"]]
        named = len(levels) > 1
        if deadline_passed(params, target["deadline"]):
            said = robust_words(robust.loc[r["target_id"]].to_dict()) if robust is not None and (
                r["target_id"] in robust.index) else []
            lines += [(f"{target['name_zh']}：{zh}", f"{name_en(target['name_en'])}: {en}") if named else (zh, en)
                      for zh, en in said]
        else:
            lines.append(forecast_sentence(r, target, params))
    if len(levels) > 1 and not is_missing(result.joint_p_all_levels):
        lines.append((f"全部规模目标同时实现的概率为{result.joint_p_all_levels:.1%}。",
                      f"The probability that every level target is met at once is {result.joint_p_all_levels:.1%}."))
    note = simulation_note_words(result.simulation.note)
    return lines + ([note] if note[0] else [])


def final_words(final, targets, params) -> list[tuple[str, str]]:
    """What the final assessment's table is followed by (zh, en): each level target's why and what it rests on
    (``robust_words``, named when there are several), the count targets' line, and the verdict rule with its
    numbers and reasons (``rule_words``)."""
    from dgforecast.present.robust_sentences import robust_words, rule_words

    reg = registry(targets)
    rows = [r for r in final.to_dict(orient="records") if r["target_id"] in reg.index
            and is_level(reg.loc[r["target_id"], "kind"]) and deadline_passed(params, reg.loc[r["target_id"], "deadline"])]
    lines = []
    for r in rows:
        target = reg.loc[r["target_id"]]
        lines += [(f"{target['name_zh']}：{zh}", f"{name_en(target['name_en'])}: {en}") if len(rows) > 1 else (zh, en)
                  for zh, en in robust_words(r)]
    lines.append(counts_words(final))
    counts = bool((~final["kind"].map(is_level).astype(bool)).any()) if len(final) else False
    return [line for line in lines if line[0]] + rule_words(params, counts)
