"""What was seen, as marks on a target's fan chart: the evidence a scenario used and its base point.

A fan chart of simulated paths looks like a pure forecast unless it shows what was published. Each
evidence row of a level or bound of the cluster becomes one mark, drawn by ``plots.fan_chart``:

* an exact level (precision ``exact``): a filled point;
* a round statement (达到5000, precision ``round``): a hollow point with its rounding span, half a
  step either side (5000: 4500–5500);
* a lower bound (at_least, 突破5000): an upward arrow from the value; an upper bound (at_most) a
  downward one;
* under the round-figure reading (``evidence.reading: round``) a round bound is also short of the
  next round figure: the span value..value + step (5000–6000; at_most: value − step..value) as a bar,
  by the rule the measurement model applies (``condition.measurement``).

Rows of the cluster's other measure keep their measure: on a 营业收入 (revenue) chart an output row
is 总产值 and its legend says so; the chart does not convert it. Growth rows, ratio rows and the city's
rows (related evidence) are not levels of the target's measure and are not drawn. The base year's
point is the plan's figure, or — when the target converts the plan's 总产值 by the assumed
revenue-to-output ratio — a derived value, marked as such.

The functions are pure: rows in, a table of marks out (columns ``MARK_COLUMNS``, one row a mark).
"""

import math

import pandas as pd

#: Columns of a marks table. ``low``/``high``: the span the mark draws (±inf for an open bound).
MARK_COLUMNS = ["evidence_id", "year", "mark", "measure", "value", "low", "high", "label"]
#: The cluster's level measures a fan chart can show, with their words (Chinese, English).
LEVEL_MEASURES = {"cluster_revenue": ("营业收入", "revenue"), "cluster_output": ("总产值", "output")}
#: Short Chinese words where a legend must stay on one line (营收 is the usual short form of 营业收入).
SHORT_ZH = {"营业收入": "营收"}
#: The evidence measure of a target, by the conversion that takes the plan's 总产值 baseline to it
#: (``targets.CONVERSIONS``).
MEASURE_OF_CONVERSION = {"": "cluster_output", "revenue_to_output_ratio": "cluster_revenue"}
#: Legend text of each mark kind, Chinese then English; ``{zh}``/``{en}`` name the measure.
MARK_LABELS = {
    "exact": "{zh}公布值 published {en}",
    "round": "{zh}约数（达到）及取整范围 {en}, round figure ± rounding",
    "at_least": "{zh}下限（突破）{en}, lower bound",
    "at_most": "{zh}上限 {en}, upper bound",
    "round_reading_at_least": "{zh}突破、不到下一整数关口 {en}, round reading: below next round figure",
    "round_reading_at_most": "{zh}上限、高于低一档整数关口 {en}, round reading: above the round figure below",
    "derived": "推算 derived: 总产值 × 假定营收产值比 assumed revenue/output ratio",
    "baseline": "规划基数 plan baseline",
}


def measure_words(measure, chart_measure) -> tuple[str, str]:
    """(Chinese, English) words for ``measure`` on a chart of ``chart_measure``: another measure says
    what it is not ("总产值（非营收）", "output (not revenue)"), so the two are never read as one."""
    zh, en = LEVEL_MEASURES[measure]
    if measure == chart_measure:
        return zh, en
    other_zh, other_en = LEVEL_MEASURES[chart_measure]
    return f"{zh}（非{SHORT_ZH.get(other_zh, other_zh)}）", f"{en} (not {other_en})"


def mark_label(mark, measure="", chart_measure="", bound="") -> str:
    """The legend entry of one mark kind (``MARK_LABELS``) for ``measure`` on a ``chart_measure`` chart;
    ``bound`` (at_least, at_most) says which side a round-figure reading's bar closes."""
    if mark in ("derived", "baseline"):
        return MARK_LABELS[mark]
    zh, en = measure_words(measure, chart_measure)
    return MARK_LABELS[f"{mark}_{bound}" if mark == "round_reading" else mark].format(zh=zh, en=en)


def _round_reading(row, reading) -> bool:
    """The round-figure reading caps (or floors) this bound: a round statement with a step, as in
    ``condition._interval``."""
    return reading == "round" and row.precision != "exact" and float(row.step) > 0


def _mark_of(row, reading):
    """(mark, low, high) of one level or bound row."""
    value, step = float(row.value), float(row.step)
    if row.kind == "level":
        if row.precision == "exact":
            return "exact", value - float(row.rounding), value + float(row.rounding)
        return "round", value - step / 2, value + step / 2
    if row.kind == "at_least":
        if _round_reading(row, reading):
            return "round_reading", value, value + step
        return "at_least", value, math.inf
    if _round_reading(row, reading) and value - step > 0:
        return "round_reading", value - step, value
    return "at_most", -math.inf, value


def evidence_marks(used, measure, reading="plain") -> pd.DataFrame:
    """Marks for a fan chart of ``measure`` from the evidence rows a scenario used.

    Parameters
    ----------
    used : DataFrame
        Evidence rows (``evidence.load_evidence`` columns: evidence_id, measure, year, kind, value,
        precision, step, rounding), for instance ``result.simulation.selection.used``; None or empty
        gives no marks.
    measure : {"cluster_revenue", "cluster_output"}
        The measure the chart shows (the target's: ``target_measure``).
    reading : {"plain", "round"}
        The reading of round statements (``params.evidence.reading``): ``round`` draws a round bound as
        the bar to the next round figure instead of an arrow.

    Returns
    -------
    DataFrame
        One row a mark (``MARK_COLUMNS``) in the order of ``used``: levels and bounds of the cluster's
        output and revenue, in 亿元; growth, ratio and city rows are left out.
    """
    if measure not in LEVEL_MEASURES:
        raise ValueError(f"a fan chart shows one of {', '.join(LEVEL_MEASURES)}, not {measure!r}")
    if reading not in ("plain", "round"):
        raise ValueError(f"reading is 'plain' or 'round', not {reading!r}")
    rows = []
    if used is not None and len(used):
        drawn = used[used["measure"].isin(list(LEVEL_MEASURES)) & used["kind"].isin(["level", "at_least", "at_most"])]
        for row in drawn.itertuples():
            mark, low, high = _mark_of(row, reading)
            rows.append({"evidence_id": row.evidence_id, "year": int(row.year), "mark": mark, "measure": row.measure,
                         "value": float(row.value), "low": low, "high": high,
                         "label": mark_label(mark, row.measure, measure, row.kind)})
    return pd.DataFrame(rows, columns=MARK_COLUMNS).astype({"year": int, "value": float, "low": float, "high": float})


def base_mark(year, value, derived, measure="cluster_revenue") -> pd.DataFrame:
    """The base year's point as a one-row marks table: ``derived`` (总产值 × the assumed ratio) when the
    target converts the plan's output, else the plan's own figure (``baseline``)."""
    mark = "derived" if derived else "baseline"
    return pd.DataFrame([{"evidence_id": "", "year": int(year), "mark": mark, "measure": measure,
                          "value": float(value), "low": float(value), "high": float(value),
                          "label": mark_label(mark)}], columns=MARK_COLUMNS)


def _conversion(target) -> str:
    conversion = target.get("baseline_conversion", "") or ""
    return "" if isinstance(conversion, float) else conversion   # an empty cell read as NaN


def target_measure(target) -> str:
    """The evidence measure a level target is stated in, from its ``baseline_conversion``."""
    return MEASURE_OF_CONVERSION[_conversion(target)]


def scenario_marks(result, targets, target_id) -> pd.DataFrame:
    """Every mark of one level target's fan chart in a ``ScenarioResult``: its base point, then the
    evidence rows that weighed on its paths.

    Parameters
    ----------
    result : ScenarioResult
        ``assess.assess_inputs``: ``actuals`` (the base point), ``simulation.selection.used``,
        ``evidence[target_id]["evidence_used"]`` and ``params.evidence.reading``.
    targets : DataFrame
        The target registry (``id``, ``baseline_conversion``).
    target_id : str
    """
    target = targets.set_index("id").loc[target_id]
    measure = target_measure(target)
    parts = []
    if len(result.actuals):
        start = int(result.actuals.index.max())
        derived = _conversion(target) == "revenue_to_output_ratio"   # 总产值 × the scenario's assumed ratio
        parts.append(base_mark(start, result.actuals[start], derived, measure))
    selection = getattr(result.simulation, "selection", None)
    if selection is not None:
        ids = (result.evidence.get(target_id) or {}).get("evidence_used", [])
        used = selection.used[selection.used["evidence_id"].isin(ids)]
        parts.append(evidence_marks(used, measure, result.params.evidence.reading))
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=MARK_COLUMNS)
