"""The final assessment (终期评估): P(met) as of now turned into a verdict for every target of the plan.

The verdict (``verdict``) is given with z = ``verdict_thresholds.mc_sigmas`` Monte Carlo standard
errors of margin::

    P(met) - z·se >= verdict_thresholds.achieved   -> 已实现 (met)
    P(met) + z·se <= verdict_thresholds.missed     -> 未实现 (not met)
    otherwise, or no evidence bears on it          -> 无法确认 (cannot be confirmed)

A P(met) past a cut but within its margin draws more paths (up to ``evidence.max_sims``); if it is
still within, the verdict is 无法确认 "at the cut", so a verdict never turns on the seed. An exact
figure of a target's own measure and year decides it in every scenario (its P(met) is 0 or 1 up to
its rounding, ``tracking.outcomes``), and the reason names that figure. For level targets it is
given in the two readings of a round statement (``readings``); count and milestone targets are
judged on the counts published (``count_targets``).

Pure functions: parameters and the tables of ``pipeline.load_inputs`` in, DataFrames out.
"""

import math

import pandas as pd

from dgforecast.core.judged import cached
from dgforecast.core.kinds import kind_of
from dgforecast.core.vocabulary import VERDICTS
from dgforecast.judge.assess import assess_inputs
from dgforecast.judge.count_targets import JUDGES, count_verdict
from dgforecast.judge.readings import readings
from dgforecast.judge.robust import robust_table
from dgforecast.judge.tracking import outcomes
from dgforecast.judge.verdicts import verdict_detail
from dgforecast.plan.targets import level_targets, targets_table

#: Verdicts of the final assessment, Chinese -> English (``vocabulary``).
VERDICT_EN = VERDICTS


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


#: What the robust verdict rests on (``robust.robust_table``), beside each level target's row.
ROBUST_FIELDS = ["verdict_central", "why", "worst_case", "worst_end", "worst_value", "worst_p", "worst_se",
                 "worst_verdict", "breaking", "p_set_low", "p_set_high", "p_without_related", "p_se_without_related",
                 "p_met_plan", "p_se_plan", "moved"]
FINAL_COLUMNS = ["target_id", "name_zh", "kind", "threshold", "deadline", "p_met", "p_se", "n_sims", "verdict",
                 "verdict_en", "at_cut", "decided_by", "reason", "evidence_used", "p_met_round", "p_se_round",
                 "n_sims_round",
                 "verdict_round", "verdict_round_en", "at_cut_round", *ROBUST_FIELDS, "achieved", "years_entered",
                 "years_missing"]


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
        verdict_round_en, at_cut_round (NaN / None otherwise), and what the verdict rests on
        (``ROBUST_FIELDS``: the verdict at the assumptions' centres, why the verdict is what it is, the
        worst case of the sensitivity set and its P(met), the cases that break it, P(met) without the
        related figures and as of the plan, whether figures since the plan moved it); for count and
        milestone targets achieved (the entered total), years_entered and years_missing (text).
    """
    return cached("final", params, inputs, lambda: _final_assessment_now(params, inputs))


def _final_assessment_now(params, inputs) -> pd.DataFrame:
    table = targets_table(inputs["targets"], inputs["baselines"], 1.0)
    targets = {t.target_id: t for t in level_targets(inputs["targets"], inputs["baselines"])}
    decided = outcomes(targets.values(), inputs.get("evidence"), params)
    results = {name: assess_inputs(p, inputs) for name, p in readings(params).items()}
    robust = robust_table(params, inputs, results[params.evidence.reading]).set_index("target_id")
    rows = []
    for _, row in table.iterrows():
        out = {k: row[k] for k in ("name_zh", "kind", "threshold", "deadline")} | {"target_id": row["id"]}
        if row["id"] in targets:
            found = _level_row(row["id"], results, targets[row["id"]], decided.get(row["id"]), inputs["evidence"])
            if row["id"] in robust.index:  # the verdict must survive the sensitivity set (robust)
                found |= {k: robust.loc[row["id"], k] for k in ROBUST_FIELDS}
                found["verdict"] = robust.loc[row["id"], "verdict"]
        else:
            found = _count_row(row, inputs["progress"], params) | {
                "evidence_used": "", "p_se": 0.0, "n_sims": math.nan, "n_sims_round": math.nan, "at_cut": False,
                "decided_by": "", "p_met_round": math.nan, "p_se_round": math.nan, "verdict_round": None,
                "at_cut_round": None}
        out |= found
        out["verdict_en"] = VERDICT_EN[out["verdict"]]
        out["verdict_round_en"] = VERDICT_EN.get(out["verdict_round"])
        rows.append(out)
    return pd.DataFrame(rows, columns=FINAL_COLUMNS)


def _level_row(target_id, results, target, outcome, evidence) -> dict:
    """A level target's row under both readings, before the sensitivity set has its say."""
    plain, rounded = results["plain"], results["round"]
    used = plain.evidence[target_id]["evidence_used"]
    found = {"p_met": float(plain.summary.set_index("target_id").loc[target_id, "p_met"]),
             "p_se": plain.evidence[target_id]["p_se"], "n_sims": plain.simulation.n_sims,
             "evidence_used": ";".join(used), "decided_by": "" if outcome is None else outcome["evidence_id"],
             "reason": plain.evidence[target_id].get("unassessed") or _level_reason(
                 evidence, used, target.apply_ratio, outcome),
             "p_met_round": float(rounded.summary.set_index("target_id").loc[target_id, "p_met"]),
             "p_se_round": rounded.evidence[target_id]["p_se"], "n_sims_round": rounded.simulation.n_sims}
    found["verdict"], found["at_cut"] = _level_verdict(plain, target_id, plain.params)
    found["verdict_round"], found["at_cut_round"] = _level_verdict(rounded, target_id, rounded.params)
    return found
