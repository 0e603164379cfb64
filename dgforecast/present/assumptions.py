"""The assumptions as a reader sees them: the parameters table a page opens with, a scenario's assumptions in a
few words, each measure's own growth by the measure's name, the ratio of a linked pair in the plan's words.

A parameter nothing of the plan rests on is not shown: the ratio's two parameters belong to a plan that links
a pair of measures (plan.yaml ``level_times_ratio``), and carry that plan's words.
"""

import pandas as pd

from dgforecast.core.numbers import MISSING
from dgforecast.plan.schema import FIELDS
from dgforecast.present.robust_sentences import spread_words

#: The parameters of the ratio r of a linked pair of measures (plan.yaml ``level_times_ratio``): shown only for
#: a plan that declares such a link, and named in its words.
RATIO_KEYS = ("revenue_to_output_ratio", "revenue_to_output_ratio_sd")


def parameter_labels(key, plan=None) -> tuple[str, str]:
    """(zh, en) label of a parameter: the schema's, the ratio's in the plan's words (``Plan.ratio_words``)."""
    words = plan.ratio_words() if plan is not None and key in RATIO_KEYS else None
    if words is None:
        return FIELDS[key]["label_zh"], FIELDS[key]["label_en"]
    return (words[0], words[1]) if key == "revenue_to_output_ratio" else (f"{words[0]}的不确定性", f"{words[1]} sd")


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


def parameters_frame(params, plan=None) -> pd.DataFrame:
    """Every parameter of a scenario with its labels, value and unit (the table pages open with).

    With the ``plan`` (plan.yaml), the ratio's parameters are named in the plan's words and left out of a plan
    that links no pair of measures (nothing rests on them), and each measure's own growth is named by the measure.
    """
    values = params.model_dump(mode="json")
    rows = []
    for name, entry in FIELDS.items():
        if plan is not None and name in RATIO_KEYS and not plan.linked_pairs():
            continue
        value = values.get(name)
        if name == "by_measure":
            value = measure_assumptions_text(value, plan)
        elif name in ("link_uncertainty", "sensitivity"):
            value = "；".join(spread_words(name, key, spec) for key, spec in value.items()) or "—"
        elif isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items()) or "—"
        zh, en = parameter_labels(name, plan)
        rows.append({"key": name, "参数": zh, "parameter": en, "value": value, "unit": entry["unit"]})
    return pd.DataFrame(rows)


def assumptions_text(params, plan=None) -> str:
    """The scenario's main assumptions in a few words, e.g. ``growth 6.0%/yr, volatility 7.5%; 2022: -5.0%``,
    with each measure's own growth (``by_measure``) and, for a plan that links a pair, the ratio when not 1."""
    basis = " real" if params.price_basis == "real" else ""
    text = f"{params.engine}: growth {params.growth:.1%}/yr{basis}, volatility {params.volatility:.1%}"
    if params.growth_overrides:
        text += "; " + ", ".join(f"{y}: {g:.1%}" for y, g in sorted(params.growth_overrides.items()))
    if params.by_measure:
        text += "; " + measure_assumptions_text(params.by_measure, plan)
    words = plan.ratio_words() if plan is not None else None
    if params.revenue_to_output_ratio != 1.0 and (plan is None or words):
        text += f"; {words[1] if words else 'revenue/output'} {params.revenue_to_output_ratio:g}"
    return text
