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


def robust_words(row) -> list[tuple[str, str]]:
    """Why the verdict is what it is, and what it rests on: one (zh, en) pair a sentence.

    ``row`` is a level target's row of ``final.final_assessment`` (its ``ROBUST_FIELDS``).
    """
    if not isinstance(row.get("why"), str) or not row["why"]:
        return []
    sentences = [_why(row)]
    if row.get("worst_case"):
        zh, en = case_words(row["worst_case"], row["worst_end"], row["worst_value"])
        sentences.append((f"敏感性集合中最不利的情形：{zh}，P(met) {_p(row['worst_p'], row['worst_se'])}；全部情形的范围"
                          f"{_p(row['p_set_low'])}—{_p(row['p_set_high'])}",
                          f"worst case of the sensitivity set: {en}, P(met) {_p(row['worst_p'], row['worst_se'])}; "
                          f"across the set {_p(row['p_set_low'])}–{_p(row['p_set_high'])}"))
    if row.get("p_without_related") == row.get("p_without_related"):
        sentences.append((f"若不用相关数字（全市及其他口径）：P(met) {_p(row['p_without_related'], row['p_se_without_related'])}",
                          "without the related figures (the city's, other measures'): P(met) "
                          f"{_p(row['p_without_related'], row['p_se_without_related'])}"))
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
    return (f"{verdict}：在各假设的中心值下 P(met) 为 {_p(row['p_met'])}，未越过判定门槛",
            f"{VERDICTS[verdict]}: P(met) {_p(row['p_met'])} at the assumptions' centres, short of a verdict's cut")


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
