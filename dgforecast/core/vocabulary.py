"""The words a reader sees for each state, kind and flag: one table, used by every page, the memo and the CLI.

A state has one label in Chinese and one in English wherever it appears. Before a target's deadline
its status says how the pace looks (快于预期 …); once the deadline has passed the verdict is the status
(已实现 / 未实现 / 无法确认). A target with nothing to judge it on reads 暂无公开数字 "no public figure"
before its deadline, and 无法确认 with that reason after it.
"""

#: Verdicts of the final assessment (终期评估): Chinese -> English.
MET, NOT_MET, UNCONFIRMED = "已实现", "未实现", "无法确认"
VERDICTS = {MET: "met", NOT_MET: "not met", UNCONFIRMED: "cannot be confirmed"}
#: A verdict whose P(met) lies within its Monte Carlo margin of a cut.
AT_THE_CUT = ("处于判定门槛边缘", "at the cut")

#: Statuses of a target whose deadline is ahead, best first: Chinese -> English.
PACE = {"提前实现": "achieved early", "快于预期": "ahead of plan", "基本符合预期": "on track",
        "存在风险": "at risk", "难以实现": "unlikely"}
#: A target with no figure to judge it on (a count with no progress entered).
NO_FIGURE = "暂无公开数字"
NO_FIGURE_EN = "no public figure"

#: Every label a status or verdict can have, Chinese -> English.
STATES = {**PACE, **VERDICTS, NO_FIGURE: NO_FIGURE_EN}

#: Background colours of the states in pages and the memo.
STATE_COLOURS = {"提前实现": "#7fbc41", "快于预期": "#b8e186", "基本符合预期": "#e6f5d0", "存在风险": "#fdae61",
                 "难以实现": "#f46d43", MET: "#7fbc41", NOT_MET: "#f46d43", UNCONFIRMED: "#eeeeee",
                 NO_FIGURE: "#eeeeee", "failed": "#bbbbbb"}

#: Reliability flags of the published figures, in words.
RELIABILITY = {"official": ("官方文件原文", "an official report's own text"),
               "press_or_official": ("官方发布或其转载", "an official release or a press copy of one"),
               "preliminary": ("初步数", "a preliminary estimate"),
               "low": ("次要网站（部分数字有误）", "a secondary site that gets some figures wrong"),
               "unverified": ("未经核实（或为机器生成）", "unverified, possibly machine-written")}

#: How a plan may word a target's comparison (plan_targets.csv ``wording``: the word before the figure, as the plan
#: states it), by comparison. Empty, a target reads 超过 for ``>`` and 达到…以上 for ``>=``.
COMPARISON_WORDS = {">": ("超过", "突破", "超", "高于", "多于"), ">=": ("达到", "达", "不低于", "不少于", "至少")}

#: The two readings of a round statement such as 突破5000.
READINGS = {"plain": ("字面读法（仅为下限）", "plain reading (a lower bound only)"),
            "round": ("取整读法（亦低于下一整数关口）", "round-figure reading (also below the next round figure)")}

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def state_en(label) -> str:
    """The English of a status or verdict label ("" for one this table does not know)."""
    return STATES.get(label, "")


def period_words(year, period) -> tuple[str, str]:
    """``2025, "YTD_M08"`` -> ("2025年1—8月", "January–August 2025"); ``"year"`` -> ("2025年", "2025")."""
    if period == "year":
        return f"{year}年", f"{year}"
    m = int(str(period)[len("YTD_M"):])
    return f"{year}年1—{m}月", f"January–{MONTHS_EN[m - 1]} {year}"
