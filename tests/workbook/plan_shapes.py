"""Plans of every shape, written as a new user writes them: ``dgforecast new-plan``, then the files filled in.

Each ``Shape`` is one kind of plan the package must report on: level targets with or without a base (a
figure, a bound, none), with a published starting figure or none, count and milestone targets, any mix,
with and without evidence, in units other than 亿元, with and without a linked pair of measures. The
figures are made up for the tests (example.org sources): no plan's.

``build_shape(name, folder)`` writes the folder; the test that reports every shape is
``tests/workbook/test_plan_shapes.py``.
"""

from dataclasses import dataclass, field
from pathlib import Path

from dgforecast.cli import main

#: Every shape is a plan written in January 2022 on its 2021 figures: deadlines 2025 are past (a verdict),
#: 2028 ahead (a status), whatever year the tests run in after 2026.
DATED = ["--base-year", "2021", "--plan-month", "2022-01"]
SOURCE = "https://example.org/release"
#: The growth and volatility new-plan writes as placeholders, replaced as the README says (a value and its reason).
REASONED = {"  # 占位：换成规划给出的年均增速或公布序列的增速\n"
            "  growth: 0.05             # placeholder: the plan's stated pace, or a published series' growth":
            "  # 规划所述年均增长6%（测试编造）\n"
            "  growth: 0.06             # the plan's stated pace of 6 % a year (made up for the test)",
            "  # 占位：换成公布序列年对数增速的标准差\n"
            "  volatility: 0.1          # placeholder: the sd of a published series' yearly log growth":
            "  # 编造序列年对数增速的标准差\n"
            "  volatility: 0.08         # sd of a made-up series' yearly log growth"}


@dataclass(frozen=True)
class Shape:
    """One plan: its measures (plan.yaml), rows of each CSV, extra lines of params.yaml, and what it states."""

    measures: str
    baselines: list = field(default_factory=list)
    targets: list = field(default_factory=list)
    evidence: list = field(default_factory=list)
    progress: list = field(default_factory=list)
    params_extra: str = ""        # lines added under defaults: (a per-measure assumption)
    units: tuple = ()             # every unit the plan states
    tupo: bool = False            # the plan states something as 突破
    linked: bool = False          # a measure is declared as another's level times a ratio


def _measure(name, zh, en, unit, role="level", extra=""):
    return (f"  {name}:\n    role: {role}\n    name_zh: {zh}\n    name_en: {en}\n    unit: \"{unit}\"\n" + extra)


SHAPES = {
    # a level target from an exact base, its deadline past, evidence of growth and a round 突破 statement
    "level_base_past": Shape(
        measures=_measure("output", "示例产值", "the example output", "亿元", extra="    baseline: Output|Example\n"),
        baselines=["Output|Example,示例产值,示例行业,亿元,2021,1000,level,current,一,made up"],
        targets=["output_2025,示例产值,Example output,level,亿元,1300,>=,2025,2021,二,output,stated as 达到1300亿元"],
        evidence=[f"g_2023,output,2023,year,growth,7,%,,nominal,2024-02,press_or_official,{SOURCE},增长7%,made up",
                  f"b_2024,output,2024,year,at_least,1200,亿元,round,,2025-01,press_or_official,{SOURCE},突破1200亿元,made up"],
        units=("亿元",), tupo=True),
    # a base stated as a bound (超过), deadline ahead, no evidence at all, in 万台
    "bound_base_ahead_no_evidence": Shape(
        measures=_measure("robots", "示例机器人产量", "example robots made", "万台",
                          extra="    baseline: Output|Robots\n"),
        baselines=["Output|Robots,示例机器人产量,示例行业,万台,2021,2,at_least,not_applicable,一,stated as 超过2万台"],
        targets=["robots_2028,示例机器人年产量,Example robots a year,level,万台,3,>,2028,2021,二,robots,stated as 超过3万台"],
        units=("万台",)),
    # no base figure: the paths start from an exact level published later; a count in 家, deadline ahead
    "anchored_on_a_published_level": Shape(
        measures=_measure("firms", "示例企业数", "example firms", "家"),
        targets=["firms_2028,示例企业数,Example firms,level,家,1200,>=,2028,2021,二,firms,stated as 达到1200家"],
        evidence=[f"firms_2024,firms,2024,year,level,900,家,exact,,2025-03,press_or_official,{SOURCE},企业900家,made up"],
        units=("家",)),
    # no base figure and none published: the level target has no probability; one count target beside it
    "nothing_to_start_from": Shape(
        measures=_measure("parks", "示例园区产值", "example park output", "个"),
        targets=["parks_2028,示例园区数,Example parks,level,个,50,>=,2028,2021,二,parks,stated as 达到50个",
                 "platforms_2028,示例平台,Example platforms,cumulative_count,个,10,>=,2028,2021,三,,stated as 10个"],
        evidence=[f"parks_2023,parks,2023,year,at_least,30,个,round,,2024-01,press_or_official,{SOURCE},超过30个,made up"],
        units=("个",)),
    # count and milestone targets only, one of them with a count entered
    "counts_and_milestones_only": Shape(
        measures=_measure("unused", "示例口径", "an example measure", "项", role="unlinked"),
        targets=["centres_2025,示例中心,Example centres,cumulative_count,项,6,>=,2025,2021,三,,stated as 累计6项",
                 "centre_2028,示例平台建成,Example platform built,milestone,项,1,>=,2028,2021,三,,stated as 建成1项"],
        progress=[f"centres_2025,2023,2,2023-12,{SOURCE},two in the year"],
        units=("项",)),
    # a linked pair (revenue = output x ratio), an average growth, two paths with assumptions of their own,
    # evidence, a count: every kind of target in one plan
    "linked_pair_and_every_kind": Shape(
        measures=(_measure("output", "示例产值", "the example output", "亿元", extra="    baseline: Output|Example\n")
                  + _measure("revenue", "示例营收", "the example revenue", "亿元", role="level_times_ratio",
                             extra="    of: output\n")
                  + _measure("units_made", "示例产量", "example units made", "万套",
                             extra="    baseline: Output|Units\n")),
        baselines=["Output|Example,示例产值,示例行业,亿元,2021,1000,level,current,一,made up",
                   "Output|Units,示例产量,示例行业,万套,2021,40,level,not_applicable,一,made up"],
        targets=["revenue_2025,示例营收,Example revenue,level,亿元,1250,>=,2025,2021,二,revenue,stated as 达到1250亿元",
                 "units_growth_2028,示例产量年均增长,Example units growth,average_growth,%,5,>,2028,2021,二,units_made,"
                 "stated as 年均增长超过5%",
                 "labs_2028,示例实验室,Example labs,cumulative_count,个,8,>=,2028,2021,三,,stated as 8个"],
        evidence=[f"out_2023,output,2023,year,growth,9,%,,nominal,2024-02,press_or_official,{SOURCE},增长9%,made up",
                  f"units_2024,units_made,2024,year,level,47,万套,exact,,2025-02,press_or_official,{SOURCE},47万套,made up"],
        params_extra=("  by_measure:              # the units grow at a pace of their own\n"
                      "    units_made:\n"
                      "      growth: 0.04         # half the output's pace: a made-up reason\n"
                      "      volatility: 0.12     # a young product swings more: a made-up reason\n"),
        units=("亿元", "万套", "个", "%"), linked=True),
}


def _append(path: Path, lines):
    if lines:
        with path.open("a", encoding="utf-8") as handle:
            handle.write("".join(f"{line}\n" for line in lines))


def build_shape(name, folder: Path, placeholders=False) -> Path:
    """Write plan ``name`` of ``SHAPES`` into ``folder`` through ``dgforecast new-plan``; with
    ``placeholders`` the growth and volatility new-plan wrote stay as they are."""
    shape = SHAPES[name]
    assert main(["new-plan", str(folder), *DATED, "--title", f"示例规划 {name}", "--title-en", f"Example {name}"]) == 0
    raw = folder / "data" / "raw"
    plan = (raw / "plan.yaml").read_text(encoding="utf-8")
    plan = plan[:plan.index("\nmeasures:\n")] + "\nmeasures:\n" + shape.measures
    (raw / "plan.yaml").write_text(plan, encoding="utf-8")
    _append(raw / "plan_baselines.csv", shape.baselines)
    _append(raw / "plan_targets.csv", shape.targets)
    _append(raw / "evidence.csv", shape.evidence)
    _append(raw / "target_progress.csv", shape.progress)
    params = (folder / "params.yaml").read_text(encoding="utf-8")
    if not placeholders:
        for old, new in REASONED.items():
            assert old in params, old
            params = params.replace(old, new)
    params = params.replace("  growth_overrides: {}", shape.params_extra + "  growth_overrides: {}", 1)
    (folder / "params.yaml").write_text(params, encoding="utf-8")
    return folder
