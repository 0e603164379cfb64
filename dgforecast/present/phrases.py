"""The phrases the sentences are made of, Chinese and English: a target's goal, a month, the data vintage, an
English name mid-sentence, the growth a target needs, a verdict as it is shown.

Every room of sentences (``evidence_sentences``, ``verdict_sentences``) and the tables build on these, so a
goal or a month reads the same on every page.
"""

import datetime as dt
import math

from dgforecast.core.numbers import is_missing
from dgforecast.core.vocabulary import AT_THE_CUT, state_en
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
    return f"{sign} {target['threshold']:,.12g} {target.get('unit', '')} by {target.get('deadline', '')}"


def goal_words(target) -> tuple[str, str]:
    """(zh, en) of a target's goal in the plan's own word (plan_targets.csv ``wording``: ``突破80亿元``), else the
    comparison's usual one: ``达到5400亿元以上`` / ``at least 5,400 亿元``, ``超过10万台`` / ``more than 10 万台``."""
    threshold, unit = float(target["threshold"]), target.get("unit", "")
    above = target.get("comparison", ">=") == ">"
    word = target.get("wording") or ""
    zh = f"{word}{threshold:.12g}{unit}" if word else f"{'超过' if above else '达到'}{threshold:.12g}{unit}{'' if above else '以上'}"
    en = f"{'more than' if above else 'at least'} {threshold:,.12g} {unit}".strip()
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


def verdict_words(label, at_cut=False) -> tuple[str, str]:
    """A verdict as it is shown: ``已实现`` / ``met``, with "at the cut" when it is."""
    en = state_en(label) or label
    if at_cut:
        return f"{label}（{AT_THE_CUT[0]}）", f"{en} ({AT_THE_CUT[1]})"
    return label, en


def verdict_label_text(label) -> str:
    """``已实现 met``: a state with its English, for a table cell."""
    return f"{label} {state_en(label)}".strip() if label else ""
