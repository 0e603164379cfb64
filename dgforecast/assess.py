"""Judging targets: P(target met), status labels, crossing years, fan quantiles, count targets.

Status rule (thresholds from params.yaml ``status_thresholds``), first match wins:

===============  ==========================================================================
提前实现          P(met in a year before the deadline) >= ``early`` (level targets), or the
                 count achieved so far already meets the target (count targets)
快于预期          P(met by the deadline) >= ``ahead``
基本符合预期      P(met) >= ``on_track``
存在风险          P(met) >= ``at_risk``
难以实现          otherwise
无法评估          P(met) unknown (a count target with no progress counts entered)
===============  ==========================================================================

Count targets (``cumulative_count``, ``milestone``) use a Poisson–Gamma pace model: the number
achieved in each year after ``start_year`` is Poisson(λ), λ has the Jeffreys prior Gamma(½, 0), so
after T observed years with total C it is Gamma(½ + C, T), and the count still to come in the R
years up to the deadline is negative binomial (n = ½ + C, p = T / (T + R)). Progress counts in
data/raw/target_progress.csv are read as the number newly achieved in that year.
"""

import logging
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dgforecast.data import OUTPUT, history_series_or_none, plan_figure
from dgforecast.errors import ParamsError
from dgforecast.params import STATUS_LABELS, STATUS_LABELS_EN, ScenarioParams, StatusThresholds
from dgforecast.targets import required_cagr, targets_table

log = logging.getLogger(__name__)

DECILES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
NOT_ASSESSED = "无法评估"
#: Chinese status label -> English.
STATUS_EN = dict(zip(STATUS_LABELS, STATUS_LABELS_EN)) | {NOT_ASSESSED: "not assessed"}
#: Jeffreys prior for a Poisson rate: Gamma(shape ½, rate 0).
PRIOR_SHAPE, PRIOR_RATE = 0.5, 0.0
SUMMARY_COLUMNS = ["scenario", "target_id", "p_met", "median", "q10", "q90", "status"]


# ---------------------------------------------------------------- probabilities and labels
def meets(values, threshold, comparison=">="):
    """Boolean array: which values meet ``threshold`` under ``comparison`` (``>=`` or ``>``)."""
    values = np.asarray(values, dtype=float)
    if comparison == ">=":
        return values >= threshold
    if comparison == ">":
        return values > threshold
    raise ValueError(f"unknown comparison {comparison!r}; use '>=' or '>'")


def p_target_met(values, threshold, comparison=">=") -> float:
    """Share of simulated values that meet the target (a probability, 0-1).

    >>> p_target_met([5300, 5400, 5500, 5600], 5400)
    0.75
    >>> p_target_met([5300, 5400, 5500, 5600], 5400, ">")
    0.5
    """
    hit = meets(values, threshold, comparison)
    if hit.size == 0:
        raise ValueError("no simulated values to judge")
    return float(hit.mean())


def status_label(p_met, thresholds, p_met_early=None) -> str:
    """The status label for a probability of meeting a target (rule in the module docstring).

    Parameters
    ----------
    p_met : float
        P(target met by its deadline); NaN when it cannot be assessed.
    thresholds : StatusThresholds or dict
        Cut-offs ``early``, ``ahead``, ``on_track``, ``at_risk``.
    p_met_early : float, optional
        P(target met in a year before the deadline); 1.0 when it is already met.

    Returns
    -------
    str
        提前实现, 快于预期, 基本符合预期, 存在风险, 难以实现, or 无法评估.
    """
    t = thresholds if isinstance(thresholds, StatusThresholds) else StatusThresholds(**thresholds)
    if p_met is None or math.isnan(p_met):
        return NOT_ASSESSED
    if p_met_early is not None and not math.isnan(p_met_early) and p_met_early >= t.early:
        return STATUS_LABELS[0]
    for label, cut in zip(STATUS_LABELS[1:4], (t.ahead, t.on_track, t.at_risk)):
        if p_met >= cut:
            return label
    return STATUS_LABELS[4]


def crossing_year(paths, threshold, comparison=">=") -> dict:
    """When the simulated paths first meet ``threshold``.

    Parameters
    ----------
    paths : DataFrame
        Paths x years (``simulate.simulate_paths``), levels in 亿元.

    Returns
    -------
    dict
        ``median``, ``q10``, ``q90``: first year the threshold is met (int; None when that share
        of paths has not met it by the last year), ``never_share``: share of paths that never do.
    """
    hit = meets(paths.to_numpy(), threshold, comparison)
    years = np.asarray(paths.columns, dtype=float)
    first = np.where(hit.any(axis=1), years[hit.argmax(axis=1)], np.inf)
    result = {"never_share": float(np.isinf(first).mean())}
    for name, q in (("median", 0.5), ("q10", 0.1), ("q90", 0.9)):
        value = np.quantile(first, q, method="inverted_cdf")
        result[name] = int(value) if np.isfinite(value) else None
    return result


def fan_quantiles(paths, qs=DECILES) -> pd.DataFrame:
    """Quantiles of the paths by year: index year, one column per quantile (0.1 .. 0.9), 亿元."""
    fan = paths.quantile(list(qs)).T
    fan.index.name = "year"
    fan.columns = [round(float(q), 4) for q in fan.columns]
    return fan


# ---------------------------------------------------------------- count targets
def count_target_assessment(target_row, progress, as_of_year, thresholds=None) -> dict:
    """Required pace and, when progress counts are entered, P(met) from a Poisson–Gamma pace model.

    Parameters
    ----------
    target_row : Mapping
        A count or milestone target (``id``, ``threshold``, ``comparison``, ``deadline``, ``start_year``).
    progress : DataFrame
        ``data.load_progress``: target_id, year, count (newly achieved that year), source.
    as_of_year : int
        Counts up to this year are used.
    thresholds : StatusThresholds, optional
        For the status label (defaults when omitted).

    Returns
    -------
    dict
        target_id, achieved (count so far), years_observed, required_pace (a year, from zero at
        start_year), pace_needed_now (a year, for what remains), observed_pace, p_met (NaN when no
        counts are entered), median, q10, q90 (predicted total at the deadline), status, note.
    """
    tid, threshold = target_row["id"], float(target_row["threshold"])
    start, deadline = int(target_row["start_year"]), int(target_row["deadline"])
    comparison = target_row.get("comparison", ">=")
    rows = progress[(progress["target_id"] == tid) & (progress["year"] > start) & (progress["year"] <= as_of_year)]
    observed = max(0, min(as_of_year, deadline) - start)
    remaining = max(0, deadline - max(as_of_year, start))
    achieved = float(rows["count"].sum())
    result = {"target_id": tid, "achieved": achieved, "years_observed": observed,
              "required_pace": threshold / (deadline - start),
              "pace_needed_now": max(0.0, threshold - achieved) / remaining if remaining else math.nan,
              "observed_pace": achieved / observed if observed and len(rows) else math.nan}
    result |= _pace_prediction(achieved, observed, remaining, threshold, comparison, bool(len(rows)))
    done = 1.0 if bool(meets([achieved], threshold, comparison)[0]) else 0.0
    result["status"] = status_label(result["p_met"], thresholds or StatusThresholds(),
                                    p_met_early=done if not math.isnan(result["p_met"]) else None)
    return result


def _pace_prediction(achieved, observed, remaining, threshold, comparison, has_counts) -> dict:
    from scipy.stats import nbinom  # here, not at the top: scipy.stats takes half a second to import

    if not has_counts or observed == 0:
        return {"p_met": math.nan, "median": math.nan, "q10": math.nan, "q90": math.nan,
                "note": "no progress counts entered in data/raw/target_progress.csv after the start year; "
                        "required pace only"}
    shape, rate = PRIOR_SHAPE + achieved, PRIOR_RATE + observed
    # Still to come in the remaining years: negative binomial with n = shape, p = rate / (rate + R).
    future = nbinom(shape, rate / (rate + remaining)) if remaining else None
    need = threshold - achieved  # future count must reach this (>=) or exceed it (>)
    if future is None:
        p = float(meets([achieved], threshold, comparison)[0])
    else:
        p = float(future.sf(math.ceil(need) - 1 if comparison == ">=" else math.floor(need)))
    q = {name: achieved + (float(future.ppf(level)) if future else 0.0)
         for name, level in (("median", 0.5), ("q10", 0.1), ("q90", 0.9))}
    return {"p_met": min(1.0, max(0.0, p)), **q,
            "note": f"Poisson–Gamma pace: {achieved:g} in {observed} year(s), {remaining} year(s) to go"}


# ---------------------------------------------------------------- one scenario, every target
@dataclass
class ScenarioResult:
    """Everything notebooks and reports show for one scenario.

    Attributes
    ----------
    summary : DataFrame
        scenario, target_id, p_met, median, q10, q90, status: one row per target (level targets:
        level at the deadline in 亿元; count targets: predicted total).
    paths : DataFrame
        Cluster revenue paths (paths x years, 亿元) of the first level target.
    fan : DataFrame
        Deciles of ``paths`` by year.
    growth_table : DataFrame
        Required vs historical vs scenario vs simulated growth (fraction a year), per level target.
    crossing : dict
        target_id -> ``crossing_year`` result.
    joint_p_all_levels : float
        P(every level target met).
    params : ScenarioParams
    """

    summary: pd.DataFrame
    paths: pd.DataFrame
    fan: pd.DataFrame
    growth_table: pd.DataFrame
    crossing: dict
    joint_p_all_levels: float
    params: ScenarioParams
    counts: pd.DataFrame = field(default_factory=pd.DataFrame)
    closed_form: pd.DataFrame = field(default_factory=pd.DataFrame)
    actuals: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    paths_by_target: dict = field(default_factory=dict)


#: Published series (in data/raw/actuals.csv) holding actual yearly levels of a
#: baseline variable after the plan's base year; rows added there condition the simulation.
ACTUALS_SERIES = {OUTPUT: "DG_EM_OUT"}


def load_inputs(project=None) -> dict:
    """The checked raw tables an assessment needs: targets, baselines, history, progress."""
    from dgforecast.config import find_project
    from dgforecast.data import load_baselines, load_history, load_progress, load_targets

    raw = find_project(project).raw
    targets = load_targets(raw)
    return {"targets": targets, "baselines": load_baselines(raw), "history": load_history(raw),
            "progress": load_progress(raw, targets)}


def historical_cagr(series, end_year, span=5) -> tuple[float, int, int]:
    """CAGR of a level series over ``span`` years ending at the last year <= ``end_year``.

    Returns (growth a year, first year, last year); the span is shortened to the data available.
    """
    usable = series[series.index <= end_year].dropna()
    if len(usable) < 2:
        return math.nan, None, None
    last = int(usable.index[-1])
    earlier = usable[usable.index >= last - span]
    first = int(earlier.index[0])
    return (usable[last] / usable[first]) ** (1.0 / (last - first)) - 1.0, first, last


def _level_groups(levels) -> dict:
    # Targets that grow from the same baseline share their simulated paths (so the joint is right).
    groups = {}
    for _, row in levels.iterrows():
        key = (row["baseline_variable"], row.get("baseline_conversion", "") or "", int(row["start_year"]))
        groups.setdefault(key, []).append(row)
    return groups


def _simulate_group(key, params, inputs, rng):
    from dgforecast.simulate import simulate_paths

    variable, conversion, start = key
    base = plan_figure(inputs["baselines"], variable, "level", year=start)
    actuals = history_series_or_none(inputs["history"], ACTUALS_SERIES.get(variable))
    if actuals is not None:
        actuals = actuals[actuals.index > start]
    history = history_series_or_none(inputs["history"], params.history_series) if params.engine == "fitted" else None
    paths = simulate_paths(base, start, params, rng, actuals=actuals, history=history,
                           apply_ratio=conversion == "revenue_to_output_ratio")
    return base, actuals, paths


def _check_horizon(params, levels):
    late = levels[levels["deadline"] > params.target_year]
    if len(late):
        row = late.iloc[0]
        raise ParamsError(f"target_year = {params.target_year}: before the deadline {int(row['deadline'])} of "
                          f"target {row['id']}; use target_year: {int(late['deadline'].max())} or later")
    early = levels[levels["deadline"] <= params.as_of_year]
    if len(early):
        raise ParamsError(f"as_of_year = {params.as_of_year}: the deadline {int(early.iloc[0]['deadline'])} of "
                          f"target {early.iloc[0]['id']} is already past; judge it on its actual figure instead")


def _level_rows(row, paths, params, p_early):
    at_deadline = paths[int(row["deadline"])]
    p = p_target_met(at_deadline, row["threshold"], row["comparison"])
    q10, median, q90 = np.quantile(at_deadline, [0.1, 0.5, 0.9])
    return {"scenario": params.scenario, "target_id": row["id"], "p_met": p, "median": float(median),
            "q10": float(q10), "q90": float(q90),
            "status": status_label(p, params.status_thresholds, p_early)}


def _p_met_early(row, paths) -> float:
    before = [c for c in paths.columns if c < int(row["deadline"])]
    if not before:
        return 0.0
    return float(meets(paths[before].to_numpy(), row["threshold"], row["comparison"]).any(axis=1).mean())


def _closed_form_row(row, params, start_level, ratio_applies, p_sim) -> dict:
    from dgforecast.simulate import closed_form_p_met

    years = list(range(params.as_of_year + 1, int(row["deadline"]) + 1))
    ratio, sd = (params.revenue_to_output_ratio, params.revenue_to_output_ratio_sd) if ratio_applies else (1.0, 0.0)
    exact = closed_form_p_met(row["threshold"], start_level, len(years), [params.nominal_growth(y) for y in years],
                              params.volatility, ratio, sd)
    se = math.sqrt(max(exact * (1 - exact), 1e-12) / params.n_sims)
    return {"target_id": row["id"], "p_met": p_sim, "p_closed_form": exact, "mc_se": se,
            "z": (p_sim - exact) / se}


def _growth_rows(row, params, inputs, base, paths) -> list[dict]:
    start, deadline = int(row["start_year"]), int(row["deadline"])
    ratio = params.revenue_to_output_ratio if row.get("baseline_conversion") == "revenue_to_output_ratio" else 1.0
    n = deadline - start
    rows = [("required", required_cagr(base * ratio, row["threshold"], n), "所需年均增长", "required",
             f"{base * ratio:,.2f} ({start}) -> {row['threshold']:,.0f} ({deadline})")]
    history = history_series_or_none(inputs["history"], params.history_series)
    if history is not None:
        g, first, last = historical_cagr(history, min(params.as_of_year, start))
        rows.append(("historical_city", g, "历史年均增长（全市）", "historical (city)",
                     f"{params.history_series} {first}-{last}, current prices"))
    sector = inputs["baselines"]
    sector = sector[(sector["variable"] == row["baseline_variable"]) & (sector["basis"] == "yoy_pct")
                    & (sector["year"] == start)]
    if len(sector):
        rows.append(("historical_sector", float(sector["value"].iloc[0]) / 100, f"{start}年行业增长",
                     f"sector growth {start}", f"plan {sector['section'].iloc[0]}, {sector['price_basis'].iloc[0]}"))
    if params.engine == "lognormal":  # the fitted engine ignores growth; its growth is the simulated one
        assumed = [params.nominal_growth(y) for y in range(params.as_of_year + 1, deadline + 1)]
        rows.append(("scenario", float(np.exp(np.mean(np.log1p(assumed))) - 1), "情景假设增长",
                     "scenario assumption", f"nominal, {params.as_of_year + 1}-{deadline}"))
    rows.append(("simulated_median", (float(paths[deadline].median()) / (base * ratio)) ** (1 / n) - 1,
                 "模拟中位增长", "simulated median", f"median path {start}-{deadline}"))
    return [{"target_id": row["id"], "measure": m, "growth": g, "label_zh": zh, "label_en": en, "basis": b}
            for m, g, zh, en, b in rows]


def assess_inputs(params: ScenarioParams, inputs: dict) -> ScenarioResult:
    """``assess_scenario`` on tables already loaded (``load_inputs``); pure apart from logging."""
    table = targets_table(inputs["targets"], inputs["baselines"], 1.0)
    levels = table[table["kind"] == "level"]
    _check_horizon(params, levels)
    groups = _level_groups(levels)
    rng = np.random.default_rng(params.seed)
    rngs = [rng] if len(groups) == 1 else rng.spawn(len(groups))
    summary, growth, closed, crossing, by_target, joint = [], [], [], {}, {}, 1.0
    first_actuals = None
    for (key, rows), group_rng in zip(groups.items(), rngs):
        base, actuals, paths = _simulate_group(key, params, inputs, group_rng)
        ratio_applies = key[1] == "revenue_to_output_ratio"
        start_level = actuals[params.as_of_year] if params.as_of_year > key[2] else base
        met_all = np.ones(len(paths), dtype=bool)
        for row in rows:
            summary.append(_level_rows(row, paths, params, _p_met_early(row, paths)))
            crossing[row["id"]] = crossing_year(paths, row["threshold"], row["comparison"])
            growth += _growth_rows(row, params, inputs, base, paths)
            if params.engine == "lognormal":
                closed.append(_closed_form_row(row, params, start_level, ratio_applies, summary[-1]["p_met"]))
            met_all &= meets(paths[int(row["deadline"])], row["threshold"], row["comparison"])
            by_target[row["id"]] = paths
        joint *= float(met_all.mean())  # groups are simulated independently
        if first_actuals is None:
            scale = params.revenue_to_output_ratio if ratio_applies else 1.0
            first_actuals = _actual_points(base, key[2], actuals, params.as_of_year) * scale
    counts = pd.DataFrame([count_target_assessment(r, inputs["progress"], params.as_of_year, params.status_thresholds)
                           for _, r in table[table["kind"] != "level"].iterrows()])
    for c in counts.to_dict(orient="records"):
        summary.append({"scenario": params.scenario, **{k: c[k] for k in SUMMARY_COLUMNS[1:]}})
    paths = next(iter(by_target.values())) if by_target else pd.DataFrame()
    log.info("%s: %d targets assessed, P(all level targets) = %.3f", params.scenario, len(summary), joint)
    return ScenarioResult(summary=pd.DataFrame(summary, columns=SUMMARY_COLUMNS), paths=paths,
                          fan=fan_quantiles(paths) if len(paths) else pd.DataFrame(),
                          growth_table=pd.DataFrame(growth), crossing=crossing,
                          joint_p_all_levels=joint if by_target else math.nan, params=params,
                          counts=counts, closed_form=pd.DataFrame(closed),
                          actuals=first_actuals if first_actuals is not None else pd.Series(dtype=float),
                          paths_by_target=by_target)


def _actual_points(base, base_year, actuals, as_of_year) -> pd.Series:
    # The base year and every actual up to as_of_year: the points charts draw over the fan.
    points = pd.Series({base_year: float(base)}, dtype=float)
    if actuals is not None:
        points = pd.concat([points, actuals[actuals.index <= as_of_year].astype(float)])
    points.index.name = "year"
    return points


def assess_scenario(params: ScenarioParams, project=None) -> ScenarioResult:
    """Simulate one scenario and judge every target of the plan.

    Parameters
    ----------
    params : ScenarioParams
        From ``params.resolve_scenario``.
    project : str or Path, optional
        The workbook folder; default: found from the current folder upward.

    Returns
    -------
    ScenarioResult
        ``summary`` (one row per target), ``paths``, ``fan``, ``growth_table``, ``crossing``,
        ``joint_p_all_levels``, ``params``; also ``counts`` (count-target detail),
        ``closed_form`` (lognormal engine: simulated vs exact P(met)), ``actuals`` (points to draw).
    """
    return assess_inputs(params, load_inputs(project))
