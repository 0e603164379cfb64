"""What a verdict rests on, in words: the sensitivity set, its worst case, the related figures, the plan.

Every sentence comes as (Chinese, English) from one row of the final assessment (``final``'s robust
fields, ``robust.robust_table``). Parameters are named by their labels in the schema, never by
their keys; numbers are the reader's (``numbers.percent``).
"""

import math

from dgforecast.core.numbers import percent
from dgforecast.core.vocabulary import MET, NOT_MET, VERDICTS
from dgforecast.plan.schema import labels

#: The two readings of a round statement, in words.
READING_WORDS = {"plain": ("整数关口表述仅作下限", "a round statement read as a bound only"),
                 "round": ("整数关口表述读作已越过的最高关口", "a round statement read as the highest round figure passed")}


def case_words(name, end, value) -> tuple[str, str]:
    """One assumption of the sensitivity set: "{label} at {value}", or a reading of 突破."""
    if name == "reading":
        return READING_WORDS[end]
    if not name:
        return "", ""
    return f"{labels(name, 'zh')}取{value:g}", f"{labels(name, 'en')} at {value:g}"


def _p(value, se=None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return percent(value) if se is None or se != se else f"{percent(value)} ± {percent(se)}"


def set_range(row) -> str:
    """P(met) across the sensitivity set, low–high ("—" without a set): the uncertainty the assumptions span."""
    low, high = row.get("p_set_low"), row.get("p_set_high")
    if low is None or high is None or low != low or high != high:
        return "—"
    return f"{_p(low)}–{_p(high)}"


def robust_words(row) -> list[tuple[str, str]]:
    """Why the verdict is what it is, and what it rests on: one (zh, en) pair a sentence.

    ``row`` is a level target's row of ``final.final_assessment`` (its ``ROBUST_FIELDS``).
    """
    if not isinstance(row.get("why"), str) or not row["why"]:
        return []
    sentences = [_why(row)]
    if row.get("worst_case") and _p(row["p_set_low"]) == _p(row["p_set_high"]):  # an exact figure: nothing spans
        same = _p(row["p_set_low"])
        sentences.append((f"敏感性集合中的每一种假设下 P(met) 均为{same}；“±”仅为模拟（蒙特卡洛）误差",
                          f"under every assumption of the sensitivity set P(met) is {same}; “±” is simulation (Monte "
                          "Carlo) error only"))
    elif row.get("worst_case"):
        zh, en = case_words(row["worst_case"], row["worst_end"], row["worst_value"])
        low, high = _p(row["p_set_low"]), _p(row["p_set_high"])
        sentences.append((f"敏感性集合中最不利的情形：{zh}，P(met) {_p(row['worst_p'], row['worst_se'])}。要紧的不确定性来自"
                          f"假设：全部情形的范围{low}—{high}；“±”仅为模拟（蒙特卡洛）误差，来自模拟路径数有限",
                          f"worst case of the sensitivity set: {en}, P(met) {_p(row['worst_p'], row['worst_se'])}. The "
                          f"uncertainty that matters is the assumptions': across the set {low}–{high}; “±” is "
                          "simulation (Monte Carlo) error only, from the finite number of simulated paths"))
    if row.get("p_without_related") == row.get("p_without_related"):
        sentences.append((f"若不用相关数字（全市及其他口径）：P(met) {_p(row['p_without_related'], row['p_se_without_related'])}",
                          "without the related figures (the city's, other measures'): P(met) "
                          f"{_p(row['p_without_related'], row['p_se_without_related'])}"))
    return [(zh + "。", en[0].upper() + en[1:] + ".") for zh, en in sentences]


#: "one time in ten": the numbers a rule's odds are said with in words.
TIMES_ZH = {5: "五", 10: "十", 20: "二十", 100: "一百"}
TIMES_EN = {5: "five", 10: "ten", 20: "twenty", 100: "a hundred"}


def rule_words(params, counts=False) -> list[tuple[str, str]]:
    """The verdict rule with its numbers and its reasons, then the two conditions a decisive verdict must meet (the
    sensitivity set, figures since the plan), in words; with ``counts``, how a count target is judged.

    The numbers are the scenario's ``verdict_thresholds``: e.g. 0.9, 0.1 and three Monte Carlo standard errors.
    """
    t = params.verdict_thresholds
    met, missed, k = f"{t.achieved:.0%}", f"{t.missed:.0%}", f"{t.mc_sigmas:g}"
    wrong, wrong_missed = 1 - t.achieved, t.missed
    if math.isclose(wrong, wrong_missed) and wrong > 0 and math.isclose(1 / wrong, round(1 / wrong)):
        times = round(1 / wrong)
        once_zh = f"{TIMES_ZH.get(times, times)}次中至多错一次"
        once_en = f"wrong at most one time in {TIMES_EN.get(times, times)}"
    else:
        once_zh, once_en = (f"出错的可能至多为{wrong:.0%}（已实现）或{wrong_missed:.0%}（未实现）",
                            f"wrong with a chance of at most {wrong:.0%} (met) or {wrong_missed:.0%} (not met)")
    sentences = [(f"判定规则：实现概率减去{k}倍蒙特卡洛标准误后仍不低于{met}，为“{MET}”；加上{k}倍后仍不高于{missed}，为"
                  f"“{NOT_MET}”；其余为“无法确认”。理由：门槛{met}与{missed}使认定为事实的结论{once_zh}；{k}倍标准误使"
                  "模拟误差本身不会决定结论。",
                  f"The rule: {MET} (met) when P(met) is at least {met} by {k} Monte Carlo standard errors, {NOT_MET} "
                  f"(not met) when it is at most {missed} by the same margin, 无法确认 (cannot be confirmed) otherwise. "
                  f"Why: at {met} and {missed} a verdict stated as a fact is {once_en}; the margin of {k} standard "
                  "errors keeps the simulation's own noise from deciding it.")]
    set_zh = ("在敏感性集合的每一种假设下都成立（各链接参数取其合理范围的两端，以及整数关口表述的两种读法）" if params.sensitivity
              else "在敏感性集合的每一种假设下都成立（本工作簿未声明敏感性集合）")
    set_en = ("it holds under every assumption of the sensitivity set (each link parameter at both ends of its "
              "plausible range, and both readings of a round statement)" if params.sensitivity else
              "it holds under every assumption of the sensitivity set (this workbook declares none)")
    sentences.append((f"“{MET}”或“{NOT_MET}”还须满足两点：一是{set_zh}；二是规划发布以来公布的数字确实改变了该目标的实现"
                      "概率（变化超过模拟误差，或显著收窄其区间），否则概率只来自情景假设。任一点不满足即为“无法确认”。",
                      f"A {MET} or {NOT_MET} verdict must also meet two conditions: {set_en}; and figures published "
                      "since the plan moved the target's probability (by more than the simulation's error, or narrowing "
                      "its range markedly), else the probability is the scenario's assumptions alone. Failing either, "
                      "it reads 无法确认 (cannot be confirmed)."))
    if counts:
        sentences.append((f"数量目标：录入总数达到门槛为“{MET}”；各年均已录入而不足，或进度模型给出的概率不高于{missed}，"
                          f"为“{NOT_MET}”。",
                          f"A count target is met once its entered total reaches the threshold, not met when every "
                          f"year is entered and short of it, or the pace model gives at most {missed}."))
    return sentences


def _why(row) -> tuple[str, str]:
    verdict = row["verdict"]
    if not row["moved"]:
        return (f"{verdict}：规划发布以来公布的数字均不涉及该目标，其概率仅来自情景假设（规划时 {_p(row['p_met_plan'])}，"
                f"现在 {_p(row['p_met'])}）",
                f"{VERDICTS[verdict]}: no figure published since the plan bears on it, so its probability comes "
                f"from the scenario's assumptions alone (as of the plan {_p(row['p_met_plan'])}, now "
                f"{_p(row['p_met'])})")
    central = row["verdict_central"]
    if central in (MET, NOT_MET) and verdict != central:
        breaking = [part.split("=", 1) for part in str(row["breaking"]).split(";") if part]
        cases = [case_words(name, _end(row, name, value), _number(value)) for name, value in breaking]
        return (f"{verdict}：在各假设的中心值下为{central}，但{'；'.join(zh for zh, _ in cases)}时不成立",
                f"{VERDICTS[verdict]}: {VERDICTS[central]} at the assumptions' centres, but not with "
                f"{'; '.join(en for _, en in cases)}")
    if central in (MET, NOT_MET) and row["why"] == "no sensitivity set is declared":
        return (f"{verdict}：本工作簿未声明须经受的假设（敏感性集合）", f"{VERDICTS[verdict]}: the workbook "
                "declares no assumptions a verdict must survive (no sensitivity set)")
    if central in (MET, NOT_MET):
        return (f"{verdict}：敏感性集合中的每一种假设下均成立", f"{VERDICTS[verdict]}: holds under every assumption "
                "of the sensitivity set")
    p = _p(row["p_met"], row.get("p_se"))
    return (f"{verdict}：在各假设的中心值下 P(met) 为 {p}，未越过判定门槛",
            f"{VERDICTS[verdict]}: P(met) {p} at the assumptions' centres, short of a verdict's cut")


def _number(text):
    try:
        return float(text)
    except ValueError:
        return text


def _end(row, name, value) -> str:
    # a reading is its own end; a number is low or high (the words do not depend on which)
    return value if name == "reading" else "low"


def spread_words(key, name, spec) -> str:
    """One entry of ``link_uncertainty`` (how sure a link is) or ``sensitivity`` (its ends), in words."""
    label = READING_WORDS["plain"][0] + " / " + READING_WORDS["round"][0] if name == "reading" else labels(name, "zh")
    if key == "sensitivity":
        return label if name == "reading" else f"{label} {spec[0]:g}—{spec[1]:g}"
    spec = {k: v for k, v in (spec.items() if isinstance(spec, dict) else spec.model_dump().items()) if v is not None}
    if not spec:
        return label
    if "sd" in spec:
        return f"{label} ± {spec['sd']:g}（标准误 standard error）"
    if "df" in spec:
        return f"{label}：{spec['df']}个自由度 {spec['df']} degrees of freedom"
    lo, hi = spec["factor"]
    return f"{label}：取值的{lo:g}—{hi:g}倍 {lo:g}-{hi:g} times its value"
