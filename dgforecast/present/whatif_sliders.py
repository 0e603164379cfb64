"""The what-if's sliders: which assumptions move, over what range, named in the plan's words.

Growth, volatility and — for a plan that links two measures — the ratio and its spread, then each shock
year; their ranges are the workbook's (params.yaml ``sliders:``), else ``SLIDERS``.
"""

from dataclasses import dataclass

from dgforecast.plan.schema import ScenarioParams
from dgforecast.present.assumptions import RATIO_KEYS, parameter_labels


@dataclass(frozen=True)
class SliderRange:
    """Where a slider may go, in the field's own unit (fractions: 0.02 = 2 %/yr)."""

    low: float
    high: float
    step: float
    readout: str = ".3f"


#: The assumptions the what-if moves, with their ranges (each widened to hold the scenario's value), where
#: params.yaml's ``sliders:`` sets none; 0.25 %-steps of growth, as a target's needed growth is rarely round.
SLIDERS = {
    "growth": SliderRange(-0.10, 0.20, 0.0025, ".2%"),
    "volatility": SliderRange(0.0, 0.20, 0.005, ".3f"),
    "revenue_to_output_ratio": SliderRange(0.80, 1.20, 0.01, ".2f"),
    "revenue_to_output_ratio_sd": SliderRange(0.0, 0.15, 0.005, ".3f"),
}
#: Range of a shock year's growth (``growth_overrides.<year>``).
SHOCK_SLIDER = SliderRange(-0.30, 0.20, 0.0025, ".2%")


def slider_fields(params: ScenarioParams, ranges=None, plan=None) -> dict:
    """Slider key -> (value, SliderRange, label) for ``params``: the four assumptions, then each shock year.

    Keys are field names, and ``growth_overrides.<year>`` for a shock year (as ``-p`` spells it).
    ``ranges`` is the workbook's own (``params.slider_ranges``: key -> (low, high, step), ``growth_overrides``
    for every shock year); a key it leaves out keeps the range of ``SLIDERS`` / ``SHOCK_SLIDER``. With the
    ``plan``, the ratio's sliders are there only for a plan that links a pair of measures, named in its words.
    """
    ranges = ranges or {}

    def span_of(key, default):
        if key not in ranges:
            return default
        low, high, step = ranges[key]
        return SliderRange(low, high, step, default.readout)

    fields = {}
    for name, span in SLIDERS.items():
        if plan is not None and name in RATIO_KEYS and not plan.linked_pairs():
            continue  # no link in the plan: the ratio moves nothing
        fields[name] = (float(getattr(params, name)), span_of(name, span), " ".join(parameter_labels(name, plan)))
    shock = span_of("growth_overrides", SHOCK_SLIDER)
    for year, growth in sorted(params.growth_overrides.items()):
        fields[f"growth_overrides.{year}"] = (float(growth), shock, f"{year}年增长 growth {year}")
    return fields


