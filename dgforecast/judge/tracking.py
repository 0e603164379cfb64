"""Tracking the plan after its baseline: vintages, the workbook's own track record, the final assessment.

A *vintage* is the forecast the workbook would have made in one month, using only the evidence
published by then (``params.as_of``). ``track`` runs ``assess.assess_inputs`` once per vintage —
from the plan (the January after the baseline year, before any evidence) to ``params.as_of`` — with
the same seed each time, so the paths are the same and the differences between vintages are the
evidence's alone.

When the evidence table holds an exact outcome of a level target (a ``level`` row of the target's
measure for the whole deadline year), each vintage's forecast *without that row* is scored against it
(``crps``, ``log_score``, ``band_80_held``): the workbook keeps its own track record.

The final assessment (终期评估) turns P(met) as of now into a verdict (``verdict``), with z =
``verdict_thresholds.mc_sigmas`` Monte Carlo standard errors of margin::

    P(met) - z·se >= verdict_thresholds.achieved   -> 已实现 (met)
    P(met) + z·se <= verdict_thresholds.missed     -> 未实现 (not met)
    otherwise, or no evidence bears on it          -> 无法确认 (cannot be confirmed)

A P(met) past a cut but within its margin draws more paths (up to ``evidence.max_sims``); if it is
still within, the verdict is 无法确认 "at the cut", so a verdict never turns on the seed. An exact
figure of a target's own measure and year decides it in every scenario (its P(met) is 0 or 1 up to
its rounding), and the reason names that figure.

For level targets it is given in the two readings of a round statement such as "突破5000亿元"
(``evidence.reading``): the plain one (a lower bound only) and the round-figure one (also below the
next round figure: 5000–6000), applied alike to every round statement, the city's 突破2.5万亿 too;
``hinge_table`` shows how both move with the revenue-to-output ratio the 营业收入 target hinges on
(no revenue figure of the cluster is published).

Pure functions: parameters and the tables of ``pipeline.load_inputs`` in, DataFrames out.
"""

import logging
import math

import numpy as np
import pandas as pd

from dgforecast.core.kinds import kind_of
from dgforecast.core.vocabulary import UNCONFIRMED, VERDICTS
from dgforecast.engine.batch import engine_setup, evaluate_points
from dgforecast.judge.assess import assess_inputs
from dgforecast.judge.count_targets import JUDGES, count_verdict
from dgforecast.judge.verdicts import verdict, verdict_detail
from dgforecast.plan.evidence import select_evidence
from dgforecast.plan.params import changed
from dgforecast.plan.targets import level_targets, targets_table

log = logging.getLogger(__name__)

#: Verdicts of the final assessment, Chinese -> English (``vocabulary``).
VERDICT_EN = VERDICTS
#: Revenue-to-output ratios the hinge table sweeps (营业收入 / 总产值).
HINGE_RATIOS = tuple(round(0.85 + 0.01 * i, 2) for i in range(31))
READINGS = ("plain", "round")
HINGE_COLUMNS = ["target_id", "reading", "revenue_to_output_ratio", "p_met", "median", "q10", "q90", "ess",
                 "below_floor", "verdict", "verdict_en"]
TRACK_COLUMNS = ["as_of", "target_id", "p_met", "median", "q10", "q90", "ess", "n_sims", "evidence_used",
                 "evidence_arrived", "evidence_dropped", "status", "outcome", "crps", "log_score", "band_80_held"]


# ---------------------------------------------------------------- vintages
def vintages(evidence, params) -> list[str]:
    """The months whose forecasts ``track`` shows: the plan, then each month with new usable evidence.

    Parameters
    ----------
    evidence : DataFrame or None
        ``evidence.load_evidence``.
    params : ScenarioParams
        ``plan_month`` (plan.yaml) starts the list, ``as_of`` ends it; ``evidence.min_reliability`` says
        which rows count.

    Returns
    -------
    list of str
        ``params.plan_month``, then every later month up to ``params.as_of_month`` in which a row
        was published that the forecast of that month uses (reliable enough, not revised or
        superseded by a row published by then), in order.
    """
    first, last = params.plan_month, params.as_of_month
    if evidence is None:
        return [first]
    months = sorted({m for m in evidence["published"] if first < m <= last})
    minimum = params.evidence.min_reliability
    return [first] + [m for m in months
                      if (select_evidence(evidence, m, minimum).used["published"] == m).any()]


# ---------------------------------------------------------------- scoring against an outcome
def crps_sample(values, y, weights=None) -> float:
    """CRPS of a (weighted) sample against the outcome ``y``, in the values' unit (亿元); lower is better.

    CRPS = E|X − y| − ½ E|X − X'| for X, X' drawn independently from the sample; with the values
    sorted, E|X − X'| = 2 Σ_i w_i x_i (2 W_<i + w_i − 1), W_<i the weight of the values before i.
    A point mass x gives |x − y|.

    >>> crps_sample([5000.0], 5400.0)
    400.0
    >>> crps_sample([1.0, 3.0], 2.0)
    0.5
    """
    x = np.asarray(values, dtype=float)
    w = np.full(len(x), 1.0 / len(x)) if weights is None else np.asarray(weights, dtype=float) / np.sum(weights)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    below = np.cumsum(w) - w
    spread = 2.0 * np.sum(w * x * (2.0 * below + w - 1.0))
    return float(np.sum(w * np.abs(x - y)) - 0.5 * spread)


def log_score(values, y, weights=None) -> float:
    """ln of the forecast density of ln y; higher is better.

    The density is a Gaussian on the log values with the sample's weighted mean m and sd s:
    ln φ((ln y − m)/s) − ln s. (The density of y itself, per 亿元, is this minus ln y; the
    difference between two vintages is the same either way.) A sample with s = 0 scores +inf when
    it is the outcome and −inf otherwise.
    """
    logs = np.log(np.asarray(values, dtype=float))
    w = np.full(len(logs), 1.0 / len(logs)) if weights is None else np.asarray(weights, dtype=float) / np.sum(weights)
    m = float(np.sum(w * logs))
    s = math.sqrt(max(float(np.sum(w * (logs - m) ** 2)), 0.0))
    z = math.log(y) - m
    if s == 0:
        return math.inf if z == 0 else -math.inf
    return -0.5 * math.log(2 * math.pi) - math.log(s) - 0.5 * (z / s) ** 2


def band_held(q10, q90, y) -> bool:
    """Whether the 80 % band held: q10 <= y <= q90."""
    return bool(q10 <= y <= q90)


def outcome_measure(target) -> str | None:
    """The evidence measure a level target is stated in (None when it is linked to no path)."""
    return target.measure if target.path else None


def outcomes(targets, evidence, params) -> dict:
    """target_id -> the evidence row (a Series) holding its exact outcome, for the targets that have one.

    An outcome is an exact ``level`` row of the target's measure for the whole deadline year, usable as
    of ``params.as_of`` (the newest revision when there are several): it decides the target.
    """
    if evidence is None:
        return {}
    used = select_evidence(evidence, params.as_of_month, params.evidence.min_reliability).used
    found = {}
    for target in targets:
        rows = used[(used["measure"] == outcome_measure(target)) & (used["year"] == target.deadline)
                    & (used["period"] == "year") & (used["kind"] == "level") & (used["precision"] == "exact")]
        if len(rows):
            found[target.target_id] = rows.iloc[-1]
    return found


def _deadline_sample(result, target):
    group = result.simulation.groups[target.group]
    return group.deadline_values[target.deadline], group.weights


def _scores(result, target, y) -> dict:
    values, weights = _deadline_sample(result, target)
    row = result.summary.set_index("target_id").loc[target.target_id]
    return {"outcome": y, "crps": crps_sample(values, y, weights), "log_score": log_score(values, y, weights),
            "band_80_held": band_held(row["q10"], row["q90"], y)}


# ---------------------------------------------------------------- the track
def _without(inputs, evidence_id) -> dict:
    evidence = inputs["evidence"]
    return {**inputs, "evidence": evidence[evidence["evidence_id"] != evidence_id]}


def track(params, inputs) -> pd.DataFrame:
    """How each level target's outlook moved as evidence came in: one row per vintage and level target.

    Parameters
    ----------
    params : ScenarioParams
        The scenario; ``as_of`` is the last vintage (``today``: now).
    inputs : dict
        ``pipeline.load_inputs`` tables (``evidence`` may be None: then only the plan's vintage).

    Returns
    -------
    DataFrame
        ``TRACK_COLUMNS``: as_of (YYYY-MM), target_id, p_met (probability), median, q10, q90 (the
        target's measure at its deadline, 亿元), ess and n_sims (paths), evidence_used,
        evidence_arrived (first used in this vintage) and evidence_dropped (used in the vintage
        before, replaced now by a revision or a longer period), ids joined by ";", status; and
        against an exact outcome (``outcomes``) the outcome (亿元), crps (亿元), log_score and
        band_80_held of the vintage's forecast made without the outcome row — NaN / None when the
        evidence holds no outcome.
    """
    targets = level_targets(inputs["targets"], inputs["baselines"])
    known = outcomes(targets, inputs.get("evidence"), params)
    rows, before = [], {t.target_id: set() for t in targets}
    for month in vintages(inputs.get("evidence"), params):
        vintage = changed(params, {"as_of": month}, validate=False)
        result = assess_inputs(vintage, inputs)
        summary = result.summary.set_index("target_id")
        for target in targets:
            used = result.evidence[target.target_id]["evidence_used"]
            s = summary.loc[target.target_id]
            row = {"as_of": month, "target_id": target.target_id, "p_met": s["p_met"], "median": s["median"],
                   "q10": s["q10"], "q90": s["q90"], "ess": result.evidence[target.target_id]["ess"],
                   "n_sims": result.simulation.n_sims, "evidence_used": ";".join(used),
                   "evidence_arrived": ";".join(i for i in used if i not in before[target.target_id]),
                   "evidence_dropped": ";".join(sorted(before[target.target_id] - set(used))),
                   "status": s["status"], "outcome": math.nan, "crps": math.nan, "log_score": math.nan,
                   "band_80_held": None}
            if target.target_id in known and target.target_id not in result.simulation.unassessable:
                outcome = known[target.target_id]
                scored = assess_inputs(vintage, _without(inputs, outcome["evidence_id"])) \
                    if outcome["evidence_id"] in used else result
                row |= _scores(scored, target, float(outcome["value"]))
            before[target.target_id] = set(used)
            rows.append(row)
    log.info("%s: %d vintages tracked", params.scenario, len(rows))
    return pd.DataFrame(rows, columns=TRACK_COLUMNS)


# ---------------------------------------------------------------- the final assessment
def readings(params) -> dict:
    """The plain and the round-figure reading of round statements, as parameters."""
    return {name: changed(params, {"evidence.reading": name}, validate=False) for name in READINGS}


def _describe_rows(evidence, ids) -> str:
    rows = evidence.set_index("evidence_id").loc[list(ids)].reset_index()
    return "; ".join(f"{r.evidence_id} ({r.measure} {r.year} {r.period} {r.kind} {r.value:g}"
                     f"{'' if r.unit == '1' else ' ' + r.unit}, published {r.published})" for r in rows.itertuples())


def _level_reason(evidence, used, apply_ratio, decided_by=None) -> str:
    if decided_by is not None:
        return (f"decided by {decided_by['evidence_id']}: the exact {decided_by['year']} figure "
                f"{decided_by['value']:g} {decided_by['unit']} (published {decided_by['published']})")
    if not used:
        return "no public figure bears on it"
    ratio = (" and on the revenue-to-output ratio (no revenue figure of the cluster is published)"
             if apply_ratio else "")
    return f"rests on {_describe_rows(evidence, used)}{ratio}"


def _count_row(row, progress, params) -> dict:
    """The verdict of a count or milestone target from the counts published by ``params.as_of`` (``count_verdict``)."""
    found = JUDGES[kind_of(row["kind"]).judged_on](row, progress, params.as_of_month)
    label, reason = count_verdict(found, params.verdict_thresholds)
    return {"p_met": found["p_met"], "verdict": label, "reason": reason, "achieved": found["achieved"],
            "years_entered": found["years_entered"], "years_missing": found["years_missing"]}


def _level_verdict(result, target_id, params):
    p = float(result.summary.set_index("target_id").loc[target_id, "p_met"])
    info = result.evidence[target_id]
    return verdict_detail(p, params.verdict_thresholds, bool(info["evidence_used"]), info["p_se"])


FINAL_COLUMNS = ["target_id", "name_zh", "kind", "threshold", "deadline", "p_met", "p_se", "n_sims", "verdict",
                 "verdict_en", "at_cut", "decided_by", "reason", "evidence_used", "p_met_round", "p_se_round",
                 "verdict_round", "verdict_round_en", "at_cut_round", "achieved", "years_entered", "years_missing"]


def final_assessment(params, inputs) -> pd.DataFrame:
    """The final assessment (终期评估) as of ``params.as_of``: one row per target of the plan.

    Parameters
    ----------
    params : ScenarioParams
        ``verdict_thresholds`` gives the cut-offs and the Monte Carlo margin; ``evidence.reading`` is
        overridden by the two readings.
    inputs : dict
        ``pipeline.load_inputs`` tables.

    Returns
    -------
    DataFrame
        ``FINAL_COLUMNS``: target_id, name_zh, kind, threshold, deadline; p_met (plain reading: a 突破
        is a lower bound only), p_se (its Monte Carlo standard error) and n_sims (paths drawn);
        verdict (已实现 / 未实现 / 无法确认) and verdict_en, at_cut (True when P(met) is past a cut but
        within its margin), decided_by (the exact figure of the target's own measure and deadline
        year, when there is one), reason (one sentence), evidence_used (ids joined by ";"); and for
        level targets the round-figure reading p_met_round, p_se_round, verdict_round,
        verdict_round_en, at_cut_round (NaN / None otherwise); for count and milestone targets
        achieved (the entered total), years_entered and years_missing (text).
    """
    table = targets_table(inputs["targets"], inputs["baselines"], 1.0)
    targets = {t.target_id: t for t in level_targets(inputs["targets"], inputs["baselines"])}
    decided = outcomes(targets.values(), inputs.get("evidence"), params)
    results = {name: assess_inputs(p, inputs) for name, p in readings(params).items()}
    rows = []
    for _, row in table.iterrows():
        out = {k: row[k] for k in ("name_zh", "kind", "threshold", "deadline")} | {"target_id": row["id"]}
        if row["id"] in targets:
            plain, rounded = results["plain"], results["round"]
            used = plain.evidence[row["id"]]["evidence_used"]
            outcome = decided.get(row["id"])
            found = {"p_met": float(plain.summary.set_index("target_id").loc[row["id"], "p_met"]),
                     "p_se": plain.evidence[row["id"]]["p_se"], "n_sims": plain.simulation.n_sims,
                     "evidence_used": ";".join(used),
                     "decided_by": "" if outcome is None else outcome["evidence_id"],
                     "reason": plain.evidence[row["id"]].get("unassessed") or _level_reason(
                         inputs["evidence"], used, targets[row["id"]].apply_ratio, outcome),
                     "p_met_round": float(rounded.summary.set_index("target_id").loc[row["id"], "p_met"]),
                     "p_se_round": rounded.evidence[row["id"]]["p_se"]}
            found["verdict"], found["at_cut"] = _level_verdict(plain, row["id"], results["plain"].params)
            found["verdict_round"], found["at_cut_round"] = _level_verdict(rounded, row["id"], results["round"].params)
        else:
            found = _count_row(row, inputs["progress"], params) | {
                "evidence_used": "", "p_se": 0.0, "n_sims": math.nan, "at_cut": False, "decided_by": "",
                "p_met_round": math.nan, "p_se_round": math.nan, "verdict_round": None, "at_cut_round": None}
        out |= found
        out["verdict_en"] = VERDICT_EN[out["verdict"]]
        out["verdict_round_en"] = VERDICT_EN.get(out["verdict_round"])
        rows.append(out)
    return pd.DataFrame(rows, columns=FINAL_COLUMNS)


def reading_statements(params, inputs) -> pd.DataFrame:
    """Per reading, the round statements it changes, and what the plain reading leaves open of each.

    Returns
    -------
    DataFrame
        One row per target and round statement used: target_id, evidence_id, statement (measure,
        year, kind and figure), round_reading (what the round-figure reading adds: "also below 6000",
        "also above …" for a bound on the other side), p_beyond_next_plain (P(the quantity is at or
        past the next round figure) under the plain reading: what a 突破5000 read as a bound only
        implies about 6000).
    """
    evidence = inputs.get("evidence")
    plain = assess_inputs(readings(params)["plain"], inputs)
    rounded = assess_inputs(readings(params)["round"], inputs)
    rows = []
    for target in plain.simulation.targets:  # the targets a path was simulated for
        target_id = target.target_id
        beyond = plain.simulation.groups[target.group].next_milestone
        for evidence_id in rounded.simulation.groups[target.group].round_capped:
            r = evidence.set_index("evidence_id").loc[evidence_id]
            side = "below" if r["kind"] == "at_least" else "at or above"
            figure = r["value"] + r["step"] if r["kind"] == "at_least" else r["value"] - r["step"]
            rows.append({"target_id": target_id, "evidence_id": evidence_id,
                         "statement": f"{r['measure']} {r['year']} {r['kind']} {r['value']:g} {r['unit']}",
                         "round_reading": f"also {side} {figure:g} {r['unit']}",
                         "p_beyond_next_plain": beyond.get(evidence_id, math.nan)})
    return pd.DataFrame(rows, columns=["target_id", "evidence_id", "statement", "round_reading",
                                       "p_beyond_next_plain"])


# ---------------------------------------------------------------- what the verdict hinges on
def hinge_table(params, inputs, ratios=HINGE_RATIOS) -> pd.DataFrame:
    """P(met) as of ``params.as_of`` over revenue-to-output ratios x the two readings, through the sweep core.

    Parameters
    ----------
    params : ScenarioParams
    inputs : dict
        ``pipeline.load_inputs`` tables.
    ratios : sequence of float
        Means of the revenue-to-output ratio (营业收入 / 总产值); its sd stays the scenario's.

    Returns
    -------
    DataFrame
        One row per level target whose measure is its path's times the ratio (the others do not move with
        it; none: an empty table), reading (``plain``, ``round``) and ratio: ``HINGE_COLUMNS``: target_id,
        reading, revenue_to_output_ratio, p_met, median, q10, q90, ess, below_floor (the effective sample
        is under evidence.min_ess: the verdict there is 无法确认), verdict, verdict_en.
    """
    setup = engine_setup(inputs, params)
    hinged = [t for t in setup.targets if t.apply_ratio]  # the ratio moves no other target
    if not hinged:
        return pd.DataFrame(columns=HINGE_COLUMNS)
    points = pd.DataFrame([{"revenue_to_output_ratio": float(r), "evidence.reading": name}
                           for name in READINGS for r in ratios])
    result = evaluate_points(points, setup)
    frames = []
    for target in hinged:
        tid = target.target_id
        frame = pd.DataFrame({"target_id": tid, "reading": points["evidence.reading"],
                              "revenue_to_output_ratio": points["revenue_to_output_ratio"]})
        for stat in ("p_met", "median", "q10", "q90", "ess", "below_floor"):
            frame[stat] = result[f"{stat}.{tid}"] if f"{stat}.{tid}" in result else math.nan
        frame["below_floor"] = frame["below_floor"].fillna(0).astype(bool)
        weighted = f"ess.{tid}" in result
        se = np.sqrt(frame["p_met"] * (1 - frame["p_met"]) / frame["ess"].fillna(params.n_sims))
        frame["verdict"] = [UNCONFIRMED if low else verdict(p, params.verdict_thresholds, weighted, s)
                            for p, s, low in zip(frame["p_met"], se, frame["below_floor"])]
        frame["verdict_en"] = frame["verdict"].map(VERDICT_EN)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def verdict_crossings(hinge, thresholds) -> pd.DataFrame:
    """Where P(met) crosses the verdict cut-offs along the ratio, per target and reading.

    Linear interpolation between the two ratios either side of the first crossing; NaN when P(met)
    stays on one side over the whole table.

    Returns
    -------
    DataFrame
        target_id, reading, cut (``achieved`` / ``missed``), p (the cut-off), revenue_to_output_ratio.
    """
    rows = []
    for (tid, reading), part in hinge.groupby(["target_id", "reading"], sort=False):
        part = part.sort_values("revenue_to_output_ratio")
        x, p = part["revenue_to_output_ratio"].to_numpy(), part["p_met"].to_numpy()
        for cut in ("achieved", "missed"):
            level = getattr(thresholds, cut)
            rows.append({"target_id": tid, "reading": reading, "cut": cut, "p": level,
                         "revenue_to_output_ratio": _first_crossing(x, p, level)})
    return pd.DataFrame(rows, columns=["target_id", "reading", "cut", "p", "revenue_to_output_ratio"])


def _first_crossing(x, p, level) -> float:
    side = np.sign(p - level)
    for i in range(len(x) - 1):
        if side[i] == 0:
            return float(x[i])
        if side[i] * side[i + 1] < 0:
            return float(x[i] + (level - p[i]) * (x[i + 1] - x[i]) / (p[i + 1] - p[i]))
    return float(x[-1]) if len(x) and side[-1] == 0 else math.nan
