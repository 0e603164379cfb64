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

Rows of the path's other level measure keep their measure: on a 营业收入 (revenue) chart an output row
is 总产值 and its legend says so; the chart does not convert it. Growth rows, ratio rows and related
rows (the city's) are not levels of the target's measure and are not drawn. The base year's point is
the plan's figure, or — when the target's measure is the path's level times the assumed ratio
(营业收入 from the plan's 总产值) — a derived value, marked as such. Which rows are levels of which path
is the plan's (the ``role`` and ``path`` columns ``evidence.load_evidence`` adds from plan.yaml).

The functions are pure: rows in, a table of marks out (columns ``MARK_COLUMNS``, one row a mark).
"""

import math

import pandas as pd

from dgforecast.plan.plan_file import LEVEL_ROLES

#: Columns of a marks table. ``low``/``high``: the span the mark draws (±inf for an open bound).
MARK_COLUMNS = ["evidence_id", "year", "mark", "measure", "value", "low", "high", "label"]
#: Legend text of each mark kind, Chinese then English; ``{zh}``/``{en}`` name the measure.
MARK_LABELS = {
    "exact": "{zh}公布值 published {en}",
    "round": "{zh}约数（达到）及取整范围 {en}, round figure ± rounding",
    "at_least": "{zh}下限 {en}, lower bound",
    "at_most": "{zh}上限 {en}, upper bound",
    "round_reading_at_least": "{zh}下限、不到下一整数关口 {en}, round reading: below next round figure",
    "round_reading_at_most": "{zh}上限、高于低一档整数关口 {en}, round reading: above the round figure below",
    "derived": "推算 derived: 规划基数 × 假定比率 plan baseline × assumed ratio",
    "baseline": "规划基数 plan baseline",
}


def measure_words(measure, chart_measure, names=None) -> tuple[str, str]:
    """(Chinese, English) words for ``measure`` on a chart of ``chart_measure``: another measure says
    what it is not ("总产值（非营业收入）", "output (not revenue)"), so the two are never read as one.
    ``names``: measure -> (zh, en), the plan's (``Plan.name``); a measure without one is named by its id."""
    names = names or {}
    zh, en = names.get(measure, (measure, measure))
    if measure == chart_measure:
        return zh, en
    other_zh, other_en = names.get(chart_measure, (chart_measure, chart_measure))
    return f"{zh}（非{other_zh}）", f"{en} (not {other_en})"


def mark_label(mark, measure="", chart_measure="", bound="", names=None) -> str:
    """The legend entry of one mark kind (``MARK_LABELS``) for ``measure`` on a ``chart_measure`` chart;
    ``bound`` (at_least, at_most) says which side a round-figure reading's bar closes."""
    if mark in ("derived", "baseline"):
        return MARK_LABELS[mark]
    zh, en = measure_words(measure, chart_measure, names)
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


def evidence_marks(used, measure, reading="plain", names=None, path=None) -> pd.DataFrame:
    """Marks for a fan chart of ``measure`` from the evidence rows a scenario used.

    Parameters
    ----------
    used : DataFrame
        Evidence rows (``evidence.load_evidence`` columns: evidence_id, measure, role, path, year, kind,
        value, precision, step, rounding), for instance ``result.simulation.selection.used``; None or
        empty gives no marks.
    measure : str
        The measure the chart shows (the target's, a level of its path).
    reading : {"plain", "round"}
        The reading of round statements (``params.evidence.reading``): ``round`` draws a round bound as
        the bar to the next round figure instead of an arrow.
    names : dict, optional
        Measure -> (zh, en) words for the legend (the plan's).
    path : str, optional
        The path measure the chart's measure is a level of (``Plan.path_of``); default: the ``path`` of
        ``used``'s level rows of ``measure``.

    Returns
    -------
    DataFrame
        One row a mark (``MARK_COLUMNS``) in the order of ``used``: levels and bounds of the path's level
        measures, in their unit; growth, ratio and related rows are left out.
    """
    if reading not in ("plain", "round"):
        raise ValueError(f"reading is 'plain' or 'round', not {reading!r}")
    rows = []
    if used is not None and len(used):
        levels = used["role"].isin(list(LEVEL_ROLES))
        if path is None:
            own = used.loc[levels & (used["measure"] == measure), "path"]
            path = own.iloc[0] if len(own) else None
        level = levels & ((used["path"] == path) | (used["measure"] == measure))
        drawn = used[level & used["kind"].isin(["level", "at_least", "at_most"])]
        for row in drawn.itertuples():
            mark, low, high = _mark_of(row, reading)
            rows.append({"evidence_id": row.evidence_id, "year": int(row.year), "mark": mark, "measure": row.measure,
                         "value": float(row.value), "low": low, "high": high,
                         "label": mark_label(mark, row.measure, measure, row.kind, names)})
    return pd.DataFrame(rows, columns=MARK_COLUMNS).astype({"year": int, "value": float, "low": float, "high": float})


def base_mark(year, value, derived, measure="") -> pd.DataFrame:
    """The base year's point as a one-row marks table: ``derived`` (the plan's baseline × the assumed ratio)
    when the target's measure is the path's level times the ratio, else the plan's own figure (``baseline``)."""
    mark = "derived" if derived else "baseline"
    return pd.DataFrame([{"evidence_id": "", "year": int(year), "mark": mark, "measure": measure,
                          "value": float(value), "low": float(value), "high": float(value),
                          "label": mark_label(mark)}], columns=MARK_COLUMNS)


def scenario_marks(result, targets, target_id) -> pd.DataFrame:
    """Every mark of one level target's fan chart in a ``ScenarioResult``: its base point, then the
    evidence rows that weighed on its paths.

    Parameters
    ----------
    result : ScenarioResult
        ``assess.assess_inputs``: ``actuals`` (the base point), ``simulation.selection.used``,
        ``evidence[target_id]["evidence_used"]``, ``params.evidence.reading`` and ``plan`` (names).
    targets : DataFrame
        The target registry (``id``, ``measure``, ``baseline_conversion``).
    target_id : str
    """
    target = targets.set_index("id").loc[target_id]
    measure = target.get("measure", "") or ""
    plan = getattr(result, "plan", None)
    names = {m: plan.short(m) for m in plan.measures} if plan is not None else {}
    parts = []
    if len(result.actuals):
        start = int(result.actuals.index.max())
        derived = (target.get("baseline_conversion", "") or "") == "revenue_to_output_ratio"  # × the assumed ratio
        parts.append(base_mark(start, result.actuals[start], derived, measure))
    selection = getattr(result.simulation, "selection", None)
    if selection is not None:
        ids = (result.evidence.get(target_id) or {}).get("evidence_used", [])
        used = selection.used[selection.used["evidence_id"].isin(ids)]
        path = plan.path_of(measure) if plan is not None and measure in plan.measures else None
        parts.append(evidence_marks(used, measure, result.params.evidence.reading, names, path))
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=MARK_COLUMNS)
