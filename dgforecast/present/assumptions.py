"""The assumptions as a reader sees them: each parameter by its label and its value in words, the table a page ends
with and the memo's, a scenario's assumptions in a few words, each measure's own growth by the measure's name, the
ratio of a linked pair in the plan's words.

No key of params.yaml reaches the reader: a parameter is named by its label in the schema, a value by what it
means (``lognormal`` -> 对数正态 lognormal, ``press_or_official`` -> 官方发布或其转载及以上), a block of parameters
(the measurement model) is one row per parameter. A parameter nothing of the plan rests on is not shown: the
ratio's two parameters belong to a plan that links a pair of measures (plan.yaml ``level_times_ratio``), and carry
that plan's words; the history series belongs to the fitted engine.
"""

import re

import pandas as pd

from dgforecast.core.numbers import MISSING
from dgforecast.core.vocabulary import RELIABILITY, VERDICTS
from dgforecast.plan.schema import FIELDS, NESTED_FIELDS, labels
from dgforecast.present.robust_sentences import READING_WORDS, spread_words

#: The parameters of the ratio r of a linked pair of measures (plan.yaml ``level_times_ratio``): shown only for
#: a plan that declares such a link, and named in its words.
RATIO_KEYS = ("revenue_to_output_ratio", "revenue_to_output_ratio_sd")
#: The measurement model's link of a related ratio to the pair's: like the ratio, only for a plan that links a pair.
PAIR_LINKS = ("city_ratio_sd",)
#: Parameters that name the scenario rather than assume anything.
NAMING_FIELDS = ("scenario", "label_zh", "label_en")
#: Blocks shown one row per parameter (the others, one row in words).
EXPANDED = ("evidence",)
#: Blocks keyed by link parameter (how sure each is, the sensitivity set's ends): one row per link they name.
LINK_BLOCKS = {"link_uncertainty": ("{}的不确定性", "how sure: {}"), "sensitivity": ("敏感性集合：{}", "sensitivity set: {}")}

#: What a choice among named values means, in words (zh en).
CHOICE_WORDS = {
    "engine": {"lognormal": "对数正态（按假定的增速与波动率） lognormal, from the assumed growth and volatility",
               "fitted": "按历史序列拟合的增长模型 growth models fitted to the history"},
    "calibration": {"m3": "按预测年数校正偏差与宽度（在M3预测竞赛的645条年度序列上测定） corrected for bias and width "
                          "year by year of the horizon, as measured on the 645 yearly series of the M3 forecasting "
                          "competition",
                    "none": "不校准 none"},
    "price_basis": {"nominal": "现价（名义） current prices (nominal)", "real": "可比价（实际） constant prices (real)"},
    "reading": {end: " ".join(words) for end, words in READING_WORDS.items()},
}
#: What a spread or gap is measured in, in words (by the schema's unit).
UNIT_WORDS = {"sd of annual log growth": "年对数增速的标准差 sd of yearly log growth",
              "log growth": "对数增速 log growth", "sd of log growth": "对数增速的标准差 sd of log growth",
              "sd of log growth (whole year unseen)": "对数增速的标准差，全年未见时 sd of log growth, whole year unseen",
              "sd of ln level": "对数水平的标准差 sd of the log level", "sd of ln ratio": "对数比值的标准差 sd of the log ratio",
              "sd of the ratio (1)": "对数比值的标准差 sd of the log ratio",
              "sd of ln level (0 = hard bound)": "对数水平的标准差，0为硬性上下限 sd of the log level, 0 a hard bound"}
#: The status cut-offs, in words.
STATUS_WORDS = (("early", "提前实现", "achieved early"), ("ahead", "快于预期", "ahead of plan"),
                ("on_track", "基本符合预期", "on track"), ("at_risk", "存在风险", "at risk"))


def parameter_labels(key, plan=None) -> tuple[str, str]:
    """(zh, en) label of a parameter (``evidence.round_sd`` for one of a block): the schema's, the ratio's in the
    plan's words (``Plan.ratio_words``)."""
    words = plan.ratio_words() if plan is not None and key in RATIO_KEYS else None
    if words is not None:
        return (words[0], words[1]) if key == "revenue_to_output_ratio" else (f"{words[0]}的标准差", f"{words[1]} sd")
    block, _, name = key.rpartition(".")
    if block in LINK_BLOCKS:
        zh, en = parameter_labels(name, plan) if name in FIELDS else (labels(name, "zh"), labels(name, "en"))
        return LINK_BLOCKS[block][0].format(zh), LINK_BLOCKS[block][1].format(en)
    entry = NESTED_FIELDS[block][name] if block else FIELDS[key]
    return entry["label_zh"], entry["label_en"]


def link_spec_text(block, spec) -> str:
    """How sure a link is (``link_uncertainty``) or the ends it must survive (``sensitivity``), in words."""
    if spec is None:
        return MISSING
    if block == "sensitivity":
        return ("整数关口表述的两种读法 both readings of a round statement" if all(isinstance(v, str) for v in spec)
                else f"{spec[0]:g}—{spec[1]:g}")
    spec = {k: v for k, v in (spec.items() if isinstance(spec, dict) else spec.model_dump().items()) if v is not None}
    if not spec:
        return MISSING
    if "sd" in spec:
        return f"中心值的标准误 ± {spec['sd']:g} the centre's standard error"
    if "df" in spec:
        return f"每条路径各抽一个值：{spec['df']}个自由度 drawn per path, {spec['df']} degrees of freedom"
    low, high = spec["factor"]
    return f"每条路径各抽一个值：取值的{low:g}—{high:g}倍 drawn per path, {low:g}–{high:g} times its value"


def measure_assumptions_text(by_measure, plan=None) -> str:
    """A scenario's ``by_measure`` for a reader, each measure by its name: ``机器人产量 robots: growth 10.0%/yr,
    volatility 0.15`` ("—" for none)."""
    parts = []
    for measure, own in by_measure.items():
        own = own if isinstance(own, dict) else own.model_dump()
        name = " ".join(plan.short(measure)) if plan is not None and measure in plan.measures else measure
        values = [f"growth {own['growth']:.1%}/yr" if own.get("growth") is not None else "",
                  f"volatility {own['volatility']:g}" if own.get("volatility") is not None else ""]
        parts.append(f"{name}: {', '.join(v for v in values if v)}")
    return "; ".join(parts) or MISSING


def _block_text(key, value) -> str:
    # a block of cut-offs in one line of words
    if key == "status_thresholds":
        return ("，".join(f"{zh} ≥ {value[k]:.0%}" for k, zh, _ in STATUS_WORDS) + "，其下为难以实现 · "
                + ", ".join(f"{en} ≥ {value[k]:.0%}" for k, _, en in STATUS_WORDS) + ", below that unlikely")
    if key == "verdict_thresholds":
        met, missed, sigmas = value["achieved"], value["missed"], value["mc_sigmas"]
        return (f"已实现 ≥ {met:.0%}，未实现 ≤ {missed:.0%}，均须越过门槛{sigmas:g}倍蒙特卡洛标准误 · "
                f"{VERDICTS['已实现']} ≥ {met:.0%}, {VERDICTS['未实现']} ≤ {missed:.0%}, each by {sigmas:g} Monte Carlo "
                "standard errors")
    if key in ("link_uncertainty", "sensitivity"):
        return "；".join(spread_words(key, name, spec) for name, spec in value.items()) or MISSING
    return MISSING if not value else "；".join(f"{k}年 {v:+.3f}" for k, v in sorted(value.items()))


def value_text(key, value, plan=None, as_of_month=None) -> str:
    """A parameter's value as a reader reads it, with its unit in words (``6.0%/年 a year``, ``20,000 条路径
    paths``, ``对数正态 … lognormal …``); ``key`` is dotted for a parameter of a block (``evidence.ytd_sd``).
    ``as_of_month`` says which month ``today`` was."""
    block, _, name = key.rpartition(".")
    if block in LINK_BLOCKS:
        return link_spec_text(block, value)
    if value is None and block:
        return MISSING
    unit = (NESTED_FIELDS[block][name] if block else FIELDS.get(key, {})).get("unit", "")
    if key == "by_measure":
        return measure_assumptions_text(value, plan)
    if name in CHOICE_WORDS:
        return CHOICE_WORDS[name].get(value, str(value))
    if name == "min_reliability":
        zh, en = RELIABILITY.get(value, (value, value))
        return f"{zh}及以上 {en}, or better"
    if key == "as_of":
        return f"{as_of_month or value}（报告生成之月 the report's month）" if value == "today" else str(value)
    if key == "growth_overrides":
        return ", ".join(f"{y}: {g:+.1%}" for y, g in sorted(value.items())) or MISSING
    if isinstance(value, dict):
        return _block_text(name, value)
    if isinstance(value, float) and unit.startswith("fraction per year"):
        return f"{value:.1%}/年 a year"
    if isinstance(value, int) and unit == "paths":
        return f"{value:,} 条路径 paths"
    if isinstance(value, float) and unit in UNIT_WORDS:
        return f"{value:g}（{UNIT_WORDS[unit]}）"
    return f"{value:g}" if isinstance(value, float) else str(value)


def shown_keys(params, plan=None, keys=None) -> list[str]:
    """The parameters a reader is shown, blocks of ``EXPANDED`` one key each (``evidence.ytd_sd``): of ``keys``
    (default every field but the scenario's names), none that nothing rests on (``RATIO_KEYS`` without a linked
    pair, the history series without the fitted engine)."""
    keys = [k for k in FIELDS if k not in NAMING_FIELDS] if keys is None else list(keys)
    unused = {"history_series"} if params.engine != "fitted" else set()
    if plan is not None and not plan.linked_pairs():
        unused |= {*RATIO_KEYS, *PAIR_LINKS, *(f"{block}.{name}" for block in (*LINK_BLOCKS, "evidence")
                                              for name in (*RATIO_KEYS, *PAIR_LINKS))}
    shown = []
    for key in keys:
        if key in unused:
            continue
        if key in LINK_BLOCKS and getattr(params, key):
            shown += [f"{key}.{name}" for name in getattr(params, key)]
        else:
            shown += [f"{key}.{name}" for name in NESTED_FIELDS[key]] if key in EXPANDED else [key]
    return [key for key in shown if key not in unused]


def value_of(values, key):
    """The value of ``key`` (dotted for a parameter of a block) in ``model_dump`` ``values``; None when the block
    does not name it (a link another scenario's set leaves out)."""
    for part in key.split("."):
        if not isinstance(values, dict) or part not in values:
            return None
        values = values[part]
    return values


def reason_for(reasons, scenario, key) -> str:
    """Why ``scenario`` has its value of ``key``: the scenario's own comment, else the default's ("" if none)."""
    own = reasons.get(f"scenarios.{scenario}.{key}")
    if own is not None or any(p.startswith(f"scenarios.{scenario}.{key}.") for p in reasons):
        parts = [own] if own else []
        parts += [f"{p.rsplit('.', 1)[-1]}: {r}" for p, r in reasons.items()
                  if p.startswith(f"scenarios.{scenario}.{key}.")]
        return "; ".join(parts)
    return reasons.get(f"defaults.{key}", "")


def parameters_frame(params, plan=None) -> pd.DataFrame:
    """Every parameter of a scenario a reader is shown (``shown_keys``), by its labels and its value in words.

    With the ``plan`` (plan.yaml), the ratio's parameters are named in the plan's words and left out of a plan
    that links no pair of measures (nothing rests on them), and each measure's own growth is named by the measure.
    Columns: key (dotted, for programs), 参数, parameter, value.
    """
    values = params.model_dump(mode="python")
    rows = []
    for key in shown_keys(params, plan):
        zh, en = parameter_labels(key, plan)
        rows.append({"key": key, "参数": zh, "parameter": en,
                     "value": value_text(key, value_of(values, key), plan, params.as_of_month)})
    return pd.DataFrame(rows, columns=["key", "参数", "parameter", "value"])


#: A file a reason in params.yaml may cite for the economist (``benchmarks/results/x.md``, ``robot_plans.csv``),
#: with what points at it (``see``, a comma) and a section of it: the reader gets the reason without it.
_FILE = re.compile(r"(?:[,;:]\s*|\bsee\s+)?(?:[\w.-]+/)*[\w-]+(?:\.[\w-]+)*\.(?:md|py|csv|yaml|json|ipynb)\b"
                   r"(?:,?\s*section\s+\d+)?|\bsame file\b")
#: Brackets left with nothing to say once the files are gone.
_EMPTY = re.compile(r"\s*[(（][\s,;:，；：]*[)）]")


def reader_reason(text) -> str:
    """A reason from params.yaml as a reader gets it: the files it cites left out (those are the economist's)."""
    text = _EMPTY.sub("", _FILE.sub("", str(text or "")))
    text = re.sub(r"[(（]\s*[,;，；]\s*", lambda m: m.group(0)[0], text)
    return re.sub(r"\s+([;；,，.。)）])", r"\1", re.sub(r"\s{2,}", " ", text)).strip()


def assumptions_table(params_by_name, first, reasons, keys=None, plan=None) -> pd.DataFrame:
    """The first scenario's assumptions that params.yaml explains, then what each other scenario changes.

    ``keys``: the parameters to show (default every one; blocks of ``EXPANDED`` and ``LINK_BLOCKS`` one row per
    parameter);
    ``plan``: names the ratio and each measure of ``by_measure`` in the plan's words. Reasons are the reader's
    (``reader_reason``). Columns: scenario, key, 参数 (label_zh), parameter (label_en), value (words), reason.
    """
    rows = []
    values = {name: p.model_dump(mode="python") for name, p in params_by_name.items()}
    shown = shown_keys(params_by_name[first], plan, keys)

    def row(name, key):
        zh, en = parameter_labels(key, plan)
        return {"scenario": name, "key": key, "参数": zh, "parameter": en,
                "value": value_text(key, value_of(values[name], key), plan, params_by_name[name].as_of_month),
                "reason": reader_reason(reason_for(reasons, name, key))}

    for key in shown:
        if reason_for(reasons, first, key):
            rows.append(row(first, key))
    for name in params_by_name:
        if name != first:
            rows += [row(name, key) for key in shown if value_of(values[name], key) != value_of(values[first], key)]
    return pd.DataFrame(rows, columns=["scenario", "key", "参数", "parameter", "value", "reason"])


def assumptions_text(params, plan=None) -> str:
    """The scenario's main assumptions in a few words, Chinese then English, e.g. ``年均增长6.0%，波动率7.5%；2022年
    -5.0% · growth 6.0%/yr, volatility 7.5%; 2022: -5.0%``, with each measure's own growth (``by_measure``) and, for
    a plan that links a pair, the ratio when not 1."""
    real_zh, real_en = ("（实际）", " real") if params.price_basis == "real" else ("", "")
    engine_zh = "" if params.engine == "lognormal" else "拟合模型，"
    engine_en = "" if params.engine == "lognormal" else "fitted models, "
    zh = f"{engine_zh}年均增长{params.growth:.1%}{real_zh}，波动率{params.volatility:.1%}"
    en = f"{engine_en}growth {params.growth:.1%}/yr{real_en}, volatility {params.volatility:.1%}"
    if params.growth_overrides:
        zh += "；" + "，".join(f"{y}年 {g:+.1%}" for y, g in sorted(params.growth_overrides.items()))
        en += "; " + ", ".join(f"{y}: {g:+.1%}" for y, g in sorted(params.growth_overrides.items()))
    if params.by_measure:
        en += "; " + measure_assumptions_text(params.by_measure, plan)
    words = plan.ratio_words() if plan is not None else None
    if params.revenue_to_output_ratio != 1.0 and (plan is None or words):
        zh += f"；{words[0] if words else '营收产值比'} {params.revenue_to_output_ratio:g}"
        en += f"; {words[1] if words else 'revenue/output'} {params.revenue_to_output_ratio:g}"
    return f"{zh} · {en}"
