"""Judging one scenario's targets: P(target met), status or verdict, crossing years, fan quantiles.

``assess_inputs`` simulates a scenario (``simulate``) and judges every target on what it gives:
level targets on their simulated paths here — P(met), quantiles, the status or verdict
(``verdicts``, which also holds the rules), the first year a path meets the target, the fan of the
paths, required against historical and simulated growth — and every other target by its kind's
model (``count_targets``). A P(met) past a verdict cut but within its Monte Carlo margin draws more
paths (up to ``evidence.max_sims``); if it is still within, the verdict is 无法确认 "at the cut".
"""

import logging
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dgforecast.core.errors import ParamsError
from dgforecast.core.kinds import kind_of
from dgforecast.core.vocabulary import NO_FIGURE, UNCONFIRMED
from dgforecast.engine.closed_form import closed_form_for
from dgforecast.engine.simulate import simulate_targets
from dgforecast.engine.weights import met_share, share_se, weighted_stats
from dgforecast.judge.count_targets import judge_counts
from dgforecast.judge.placeholders import refuse_placeholders
from dgforecast.judge.verdicts import deadline_passed, meets, p_target_met, status_label, verdict, verdict_detail
from dgforecast.plan.data import history_series_or_none
from dgforecast.plan.params import changed
from dgforecast.plan.schema import ScenarioParams
from dgforecast.plan.targets import level_targets, required_cagr, targets_table

log = logging.getLogger(__name__)

DECILES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
SUMMARY_COLUMNS = ["scenario", "target_id", "p_met", "median", "q10", "q90", "status"]
#: summary.csv of a report: the summary as of ``as_of``, then P(met) as of the plan and the effective sample.
REPORT_COLUMNS = [*SUMMARY_COLUMNS, "p_met_plan", "ess"]


# ---------------------------------------------------------------- crossing years and fans
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
    evidence: dict = field(default_factory=dict)   # target_id -> {"ess", "evidence_used"} (level targets)
    simulation: object = None                      # simulate.Simulation: n_sims drawn, selection, note
    plan: object = None                            # plan.Plan: the measures' names, the plan's dates
    robust: pd.DataFrame = field(default_factory=pd.DataFrame)  # robust.robust_table, once judged


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
    return required_cagr(usable[first], usable[last], last - first), first, last


def _check_horizon(params, levels):
    late = levels[levels["deadline"] > params.target_year]
    if len(late):
        row = late.iloc[0]
        raise ParamsError(f"target_year = {params.target_year}: before the deadline {int(row['deadline'])} of "
                          f"target {row['id']}; use target_year: {int(late['deadline'].max())} or later")


def level_stats(values, weights, threshold, comparison, clusters=None) -> dict:
    """P(met), its Monte Carlo standard error and the quantiles of a target's deadline values; ``clusters``:
    paths that share one draw of the link spreads count as one draw in the error."""
    if weights is None:
        p = p_target_met(values, threshold, comparison)
        q10, median, q90 = np.quantile(values, [0.1, 0.5, 0.9])
        se = (math.sqrt(p * (1 - p) / len(values)) if clusters is None else
              share_se(meets(values, threshold, comparison), np.full(len(values), 1 / len(values)), p, clusters))
        return {"p_met": p, "p_se": se, "median": float(median), "q10": float(q10), "q90": float(q90)}
    # under the evidence: the weighted share and the weighted quantiles, as the sweep gives them
    return weighted_stats(values, weights, threshold, comparison, clusters=clusters)


def _level_rows(row, group, params, p_early):
    stats = level_stats(group.deadline_values[int(row["deadline"])], group.weights, row["threshold"],
                        row["comparison"], group.clusters)
    if deadline_passed(params, row["deadline"]):  # the period is over: the verdict is the status
        status = verdict(stats["p_met"], params.verdict_thresholds, bool(group.evidence_used), stats["p_se"])
    else:
        status = status_label(stats["p_met"], params.status_thresholds, p_early)
    return {"scenario": params.scenario, "target_id": row["id"], "p_met": stats["p_met"],
            "median": stats["median"], "q10": stats["q10"], "q90": stats["q90"], "status": status}, stats["p_se"]


def _unassessed_row(row, params) -> dict:
    """A level target no path could be simulated for: no probability; after its deadline 无法确认."""
    status = UNCONFIRMED if deadline_passed(params, row["deadline"]) else NO_FIGURE
    return {"scenario": params.scenario, "target_id": row["id"], "p_met": math.nan, "median": math.nan,
            "q10": math.nan, "q90": math.nan, "status": status}


def _p_met_early(row, paths) -> float:
    before = [c for c in paths.columns if c < int(row["deadline"])]
    if not before:
        return 0.0
    return float(meets(paths[before].to_numpy(), row["threshold"], row["comparison"]).any(axis=1).mean())


def _closed_form_row(target, params, p_sim, unconditioned=True) -> dict:
    # The closed form is the plan-time (prior) probability; under evidence it is shown for comparison.
    exact = closed_form_for(params.for_measure(target.path), target.threshold, target.base_level, target.base_year, target.deadline,
                            target.apply_ratio)
    se = math.sqrt(max(exact * (1 - exact), 1e-12) / params.n_sims)
    return {"target_id": target.target_id, "p_met": p_sim, "p_closed_form": exact, "mc_se": se,
            "z": (p_sim - exact) / se if unconditioned else math.nan, "conditioned": not unconditioned}


def _growth_rows(row, params, inputs, base, paths) -> list[dict]:
    start, deadline = int(row["start_year"]), int(row["deadline"])
    ratio = params.revenue_to_output_ratio if row.get("baseline_conversion") == "revenue_to_output_ratio" else 1.0
    n = deadline - start
    rows = [("required", required_cagr(base * ratio, row["threshold"], n), "所需年均增长", "required",
             f"{base * ratio:,.2f} ({start}) -> {row['threshold']:,.0f} ({deadline})")]
    history = history_series_or_none(inputs["history"], params.history_series)
    if history is not None:
        g, first, last = historical_cagr(history, start)
        rows_of = inputs["history"][inputs["history"]["series_id"] == params.history_series]
        series = f"{rows_of['industry'].iloc[0]}{rows_of['metric'].iloc[0]}" if {"industry", "metric"} <= set(
            rows_of.columns) else params.history_series
        rows.append(("historical_city", g, "历史年均增长（全市）", "historical (city)",
                     f"{series} {first}-{last}，现价 current prices"))
    sector = inputs["baselines"]
    sector = sector[(sector["variable"] == row["baseline_variable"]) & (sector["basis"] == "yoy_pct")
                    & (sector["year"] == start)]
    if len(sector):
        rows.append(("historical_sector", float(sector["value"].iloc[0]) / 100, f"{start}年行业增长",
                     f"sector growth {start}", f"规划 plan {sector['section'].iloc[0]}, {sector['price_basis'].iloc[0]}"))
    if params.engine == "lognormal":  # the fitted engine ignores growth; its growth is the simulated one
        own = params.for_measure(row.get("path", ""))  # the measure's own growth where the scenario gives one
        assumed = [own.nominal_growth(y) for y in range(start + 1, deadline + 1)]
        rows.append(("scenario", float(np.exp(np.mean(np.log1p(assumed))) - 1), "情景假设增长",
                     "scenario assumption", f"名义 nominal, {start + 1}-{deadline}"))
    rows.append(("simulated_median", required_cagr(base * ratio, float(paths[deadline].median()), n),
                 "模拟中位增长", "simulated median", f"中位路径 median path {start}-{deadline}"))
    return [{"target_id": row["id"], "measure": m, "growth": g, "label_zh": zh, "label_en": en, "basis": b}
            for m, g, zh, en, b in rows]


def at_a_cut(result) -> list:
    """The level targets of a result whose deadline has passed and whose P(met) lies within its margin of a cut."""
    found = []
    params, summary = result.params, result.summary.set_index("target_id")
    for target_id, info in result.evidence.items():
        deadline = info["deadline"]
        if deadline_passed(params, deadline) and verdict_detail(summary.loc[target_id, "p_met"],
                                                                params.verdict_thresholds,
                                                                bool(info["evidence_used"]), info["p_se"])[1]:
            found.append(target_id)
    return found


def assess_inputs(params: ScenarioParams, inputs: dict, levels_only=False) -> ScenarioResult:
    """Simulate one scenario on the workbook's tables (``pipeline.load_inputs``) and judge every target.

    When a target's deadline has passed and its P(met) lies within its Monte Carlo margin of a verdict
    cut, more paths are drawn (four times as many, up to ``evidence.max_sims``) until it clears the
    cut or the limit is reached: every page then shows the same verdict, whatever the seed.
    Pure apart from logging: the tables come in, nothing is read or written.
    """
    result = assess_once(params, inputs, levels_only)
    refuse_placeholders(params, result.simulation.targets)  # a probability never rests on a placeholder
    while at_a_cut(result) and result.simulation.n_sims < params.evidence.max_sims:
        more = int(min(params.evidence.max_sims, 4 * result.simulation.n_sims))
        log.info("%s: P(met) of %s within %s Monte Carlo s.e. of a verdict cut at %d paths; drawing %d",
                 params.scenario, ", ".join(at_a_cut(result)), params.verdict_thresholds.mc_sigmas,
                 result.simulation.n_sims, more)
        result = assess_once(changed(params, {"n_sims": more}, validate=False), inputs, levels_only)
    return result


def assess_once(params: ScenarioParams, inputs: dict, levels_only=False) -> ScenarioResult:
    """One simulation and its judgement at ``params.n_sims`` paths (``assess_inputs`` draws more at a cut).

    ``levels_only``: the level targets' P(met), quantiles and paths alone — no crossing years, growth table,
    closed form or count targets (what a sensitivity case needs).
    """
    table = targets_table(inputs["targets"], inputs["baselines"], 1.0)
    levels = table[table["kind"].map(lambda k: kind_of(k).is_level).astype(bool)]
    _check_horizon(params, levels)
    targets = level_targets(inputs["targets"], inputs["baselines"])
    history = history_series_or_none(inputs["history"], params.history_series) if params.engine == "fitted" else None
    simulation = simulate_targets(targets, params, history, inputs.get("evidence"))
    rows_by_id = {row["id"]: row for _, row in levels.iterrows()}
    summary, growth, closed, crossing, by_target, evidence = [], [], [], {}, {}, {}
    met_all = {}
    first_actuals = None
    for target in simulation.targets:
        row, group = rows_by_id[target.target_id].copy(), simulation.groups[target.group]
        row["threshold"] = target.threshold  # an average growth's threshold is the level it implies
        paths = group.resampled  # equally weighted paths for the fan, crossing years and joint
        level_row, p_se = _level_rows(row, group, params, _p_met_early(row, paths))
        summary.append(level_row)
        if not levels_only:
            crossing[target.target_id] = crossing_year(paths, row["threshold"], row["comparison"])
            growth += _growth_rows(row, params, inputs, target.base_level, paths)
        if params.engine == "lognormal" and not target.base_step > 0 and not levels_only:  # a bound base has none
            closed.append(_closed_form_row(target, params, summary[-1]["p_met"], not group.evidence_used))
        hit = meets(group.deadline_values[target.deadline], target.threshold, target.comparison)
        met_all[target.group] = met_all.get(target.group, True) & hit
        by_target[target.target_id] = paths
        evidence[target.target_id] = {"ess": group.ess, "evidence_used": list(group.evidence_used), "p_se": p_se,
                                      "years": group.years_evidence, "round_capped": list(group.round_capped),
                                      "deadline": target.deadline, "next_milestone": dict(group.next_milestone)}
        if first_actuals is None:
            scale = params.revenue_to_output_ratio if target.apply_ratio else 1.0
            first_actuals = _actual_points(target.base_level, target.base_year) * scale
    for target_id, why in simulation.unassessable.items():  # told so, never left out
        summary.append(_unassessed_row(rows_by_id[target_id], params))
        evidence[target_id] = {"ess": math.nan, "evidence_used": [], "p_se": math.nan, "years": pd.DataFrame(),
                               "round_capped": [], "deadline": int(rows_by_id[target_id]["deadline"]),
                               "next_milestone": {}, "unassessed": why}
    # every level target of a group met on the same (weighted) path; groups are simulated independently
    joint = float(np.prod([joint_share(hit, simulation.groups[g].weights) for g, hit in met_all.items()]))
    counts = pd.DataFrame(columns=SUMMARY_COLUMNS) if levels_only else judge_counts(table, inputs["progress"], params)
    for c in counts.to_dict(orient="records"):
        summary.append({"scenario": params.scenario, **{k: c[k] for k in SUMMARY_COLUMNS[1:]}})
    paths = next(iter(by_target.values())) if by_target else pd.DataFrame()
    log.info("%s: %d targets assessed, P(all level targets) = %.3f", params.scenario, len(summary), joint)
    return ScenarioResult(summary=pd.DataFrame(summary, columns=SUMMARY_COLUMNS), paths=paths,
                          fan=fan_quantiles(paths) if len(paths) else pd.DataFrame(),
                          growth_table=pd.DataFrame(growth), crossing=crossing,
                          joint_p_all_levels=joint if by_target and not simulation.unassessable else math.nan,
                          params=params,
                          counts=counts, closed_form=pd.DataFrame(closed),
                          actuals=first_actuals if first_actuals is not None else pd.Series(dtype=float),
                          paths_by_target=by_target, evidence=evidence, simulation=simulation,
                          plan=inputs.get("plan"))


def joint_share(hit, weights) -> float:
    """The (weighted) share of paths on which every level target of a group is met."""
    return float(hit.mean()) if weights is None else met_share(hit, weights)


def summary_records(result) -> list[dict]:
    """One JSON-ready object per target: what ``dgforecast assess --json`` prints.

    Keys: target_id, scenario, n_sims (paths drawn), p_met, median, q10, q90, status, closed_form
    (P(met) in closed form on the lognormal engine without evidence, None where there is none), ess
    (effective sample size under the evidence; None for count targets), p_se (the Monte Carlo
    standard error of p_met; None for count targets), evidence_used (ids) and unassessed (why a level
    target could not be simulated, None otherwise); NaN becomes None.
    """
    closed = {} if result.closed_form.empty else {
        r["target_id"]: r["p_closed_form"] for r in result.closed_form.to_dict(orient="records")
        if not r.get("conditioned")}
    records = []
    for row in result.summary.to_dict(orient="records"):
        n_sims = result.simulation.n_sims if result.simulation is not None else result.params.n_sims
        record = {"target_id": row["target_id"], "scenario": row["scenario"], "n_sims": n_sims}
        for key in ("p_met", "median", "q10", "q90"):
            value = row[key]
            record[key] = None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
        record["status"] = row["status"]
        record["closed_form"] = closed.get(row["target_id"])
        info = result.evidence.get(row["target_id"])
        record["ess"] = None if info is None or math.isnan(info["ess"]) else round(info["ess"], 1)
        record["p_se"] = None if info is None else info["p_se"]
        record["evidence_used"] = [] if info is None else info["evidence_used"]
        record["unassessed"] = None if info is None else info.get("unassessed")  # why no path could be simulated
        records.append(record)
    return records


def _actual_points(base, base_year) -> pd.Series:
    # The base year: the point charts draw the fan from.
    points = pd.Series({base_year: float(base)}, dtype=float)
    points.index.name = "year"
    return points


def with_plan(result, plan) -> pd.DataFrame:
    """``result.summary`` (as of ``params.as_of``) with P(met) as of the plan and the effective sample size.

    Parameters
    ----------
    result, plan : ScenarioResult
        The same scenario assessed as of now and as of the plan (``params.at_plan()``).

    Returns
    -------
    DataFrame
        ``REPORT_COLUMNS``: the summary, ``p_met_plan`` and ``ess`` (NaN for count targets).
    """
    summary = result.summary.copy()
    summary["p_met_plan"] = summary["target_id"].map(plan.summary.set_index("target_id")["p_met"])
    summary["ess"] = summary["target_id"].map({t: info["ess"] for t, info in result.evidence.items()})
    return summary[REPORT_COLUMNS]


def plan_and_now(result, plan) -> pd.DataFrame:
    """Level targets as of the plan and as of now side by side: P(met), median, 10-90 % range, status,
    effective sample size and the evidence used (one row per level target)."""
    now = result.summary.set_index("target_id")
    before = plan.summary.set_index("target_id")
    rows = []
    for target_id, info in result.evidence.items():
        rows.append({"target_id": target_id, "as_of_plan": plan.params.as_of_month,
                     "p_met_plan": before.loc[target_id, "p_met"], "median_plan": before.loc[target_id, "median"],
                     "status_plan": before.loc[target_id, "status"], "as_of_now": result.params.as_of_month,
                     "p_met_now": now.loc[target_id, "p_met"], "median_now": now.loc[target_id, "median"],
                     "q10_now": now.loc[target_id, "q10"], "q90_now": now.loc[target_id, "q90"],
                     "status_now": now.loc[target_id, "status"], "ess": info["ess"],
                     "evidence_used": ", ".join(info["evidence_used"]) or "none"})
    return pd.DataFrame(rows)
