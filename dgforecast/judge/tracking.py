"""Tracking the plan after its baseline: vintages, the track, the workbook's own track record.

A *vintage* is the forecast the workbook would have made in one month, using only the evidence
published by then (``params.as_of``). ``track`` runs ``assess.assess_inputs`` once per vintage —
from the plan (the January after the baseline year, before any evidence) to ``params.as_of`` — with
the same seed each time, so the paths are the same and the differences between vintages are the
evidence's alone.

When the evidence table holds an exact outcome of a level target (a ``level`` row of the target's
measure for the whole deadline year), each vintage's forecast *without that row* is scored against it
(``crps``, ``log_score``, ``band_80_held``): the workbook keeps its own track record. Before the outcome
was published that is the vintage's own forecast; in the month it arrived (and after), the forecast the
vintage shows already holds the outcome, so the one scored is the vintage made again without it: the
forecast as it stood before the outcome arrived (``scored_without`` names the row left out, ``scored_median``,
``scored_q10`` and ``scored_q90`` give that forecast). CRPS is the forecast's average distance from the
outcome in the target's unit, its spread counted (a point forecast's is its error; lower is better); the
log score is the log of the density the forecast gave the outcome, on the log scale (higher is better:
one more means the outcome was found e ≈ 2.7 times as likely). The final
assessment is in ``final``, the two readings of a round statement in ``readings``, what the verdict
hinges on in ``hinge``.

Pure functions: parameters and the tables of ``pipeline.load_inputs`` in, DataFrames out.
"""

import logging
import math

import numpy as np
import pandas as pd

from dgforecast.core.judged import cached
from dgforecast.judge.assess import assess_inputs
from dgforecast.plan.evidence import select_evidence
from dgforecast.plan.params import changed
from dgforecast.plan.targets import level_targets

log = logging.getLogger(__name__)

TRACK_COLUMNS = ["as_of", "target_id", "p_met", "median", "q10", "q90", "ess", "n_sims", "evidence_used",
                 "evidence_arrived", "evidence_dropped", "status", "outcome", "scored_without", "scored_median",
                 "scored_q10", "scored_q90", "crps", "log_score", "band_80_held"]


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


def _scores(result, target, y, without="") -> dict:
    values, weights = _deadline_sample(result, target)
    row = result.summary.set_index("target_id").loc[target.target_id]
    return {"outcome": y, "scored_without": without, "scored_median": row["median"], "scored_q10": row["q10"],
            "scored_q90": row["q90"], "crps": crps_sample(values, y, weights),
            "log_score": log_score(values, y, weights),
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
        against an exact outcome (``outcomes``) the outcome (亿元), scored_without (the outcome's id when the
        vintage used it and was assessed again without it, "" when its own forecast was scored),
        scored_median, scored_q10 and scored_q90 (亿元) of the forecast scored, and its crps (亿元),
        log_score and band_80_held — NaN / None when the evidence holds no outcome.
    """
    return cached("track", params, inputs, lambda: _track_now(params, inputs))


def _track_now(params, inputs) -> pd.DataFrame:
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
                   "status": s["status"], "outcome": math.nan, "scored_without": "", "scored_median": math.nan,
                   "scored_q10": math.nan, "scored_q90": math.nan, "crps": math.nan, "log_score": math.nan,
                   "band_80_held": None}
            if target.target_id in known and target.target_id not in result.simulation.unassessable:
                outcome = known[target.target_id]
                seen = outcome["evidence_id"] in used
                scored = assess_inputs(vintage, _without(inputs, outcome["evidence_id"])) if seen else result
                row |= _scores(scored, target, float(outcome["value"]), outcome["evidence_id"] if seen else "")
            before[target.target_id] = set(used)
            rows.append(row)
    log.info("%s: %d vintages tracked", params.scenario, len(rows))
    return pd.DataFrame(rows, columns=TRACK_COLUMNS)
