"""A verdict that survives what it rests on: the sensitivity set, the related figures, the figures since the plan.

A verdict at the assumptions' centres (``verdicts.verdict``, on P(met) integrated over the link
spreads) is decisive — 已实现 or 未实现 — only when

1. **it survives the sensitivity set** (params.yaml ``sensitivity:``): the same verdict with each
   parameter named there at each end of its range, fixed there (its spread no longer integrated), and
   under each reading of 突破 (``sensitivity_cases``); and
2. **figures published since the plan moved it**: P(met) as of now differs from P(met) as of the plan
   by more than ``verdict_thresholds.mc_sigmas`` Monte Carlo standard errors of the difference, or the
   figures narrowed the spread of the deadline value (sd of its log) by at least ``MOVED_SPREAD`` —
   else the verdict would be the scenario's assumptions speaking (``moved_by_evidence``).

Otherwise it is 无法确认, and ``robust_table`` says why: the case that breaks it, its P(met), or that
no figure published since the plan bears on the target. Beside it: the worst case of the set (the
lowest P(met) when the centre leans to 已实现, the highest otherwise) and P(met) without the related
figures (other measures', the city's), so a reader sees how much rests on them.

Pure functions: parameters and the tables of ``pipeline.load_inputs`` in, DataFrames out.
"""

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dgforecast.core.judged import cached
from dgforecast.core.vocabulary import MET, NOT_MET, UNCONFIRMED
from dgforecast.engine.links import fixed, with_values
from dgforecast.judge.assess import assess_inputs, assess_once
from dgforecast.judge.verdicts import deadline_passed, verdict_detail
from dgforecast.plan.params import changed
from dgforecast.plan.plan_file import ROLES

#: Post-plan figures "moved" a target when they narrowed the sd of its log deadline value by this share.
MOVED_SPREAD = 0.10

ROBUST_COLUMNS = ["target_id", "p_met", "p_se", "verdict_central", "verdict", "why", "worst_case", "worst_end",
                  "worst_value", "worst_p", "worst_se", "worst_verdict", "breaking", "p_set_low", "p_set_high",
                  "p_without_related", "p_se_without_related", "p_met_plan", "p_se_plan", "moved"]


@dataclass(frozen=True)
class Case:
    """One member of a sensitivity set: a parameter at one end of its range (or a reading)."""

    name: str       # the parameter (``schema.SENSITIVE``), or "reading"
    end: str        # "low", "high", or the reading's name
    value: object
    params: object  # the scenario with that parameter fixed there


def sensitivity_cases(params) -> list[Case]:
    """The scenario under each assumption of its sensitivity set, the centre's own reading left out."""
    cases = []
    for name, ends in params.sensitivity.items():
        if name == "reading":
            cases += [Case(name, r, r, changed(params, {"evidence.reading": r}, validate=False))
                      for r in ends if r != params.evidence.reading]
            continue
        for end, value in zip(("low", "high"), ends):
            cases.append(Case(name, end, float(value), fixed(with_values(params, {name: float(value)}), [name])))
    return cases


def without_related(inputs) -> dict | None:
    """The workbook's tables with the related evidence left out (figures of other measures, the city's);
    None when it holds none."""
    evidence = inputs.get("evidence")
    if evidence is None:
        return None
    related = evidence["role"].map(lambda role: ROLES[role].related).astype(bool)
    return {**inputs, "evidence": evidence[~related].reset_index(drop=True)} if related.any() else None


def _stats(result) -> dict:
    """target_id -> (p_met, p_se, verdict) of a result's level targets past their deadline."""
    summary, params = result.summary.set_index("target_id"), result.params
    out = {}
    for target_id, info in result.evidence.items():
        p = float(summary.loc[target_id, "p_met"])
        label = verdict_detail(p, params.verdict_thresholds, bool(info["evidence_used"]), info["p_se"])[0]
        out[target_id] = (p, info["p_se"], label, _log_spread(result, target_id, info["deadline"]))
    return out


def _log_spread(result, target_id, deadline) -> float:
    """The sd of the log deadline value under the evidence (resampled paths), nan when none was simulated."""
    paths = result.paths_by_target.get(target_id)
    if paths is None or paths.empty or deadline not in paths.columns:
        return math.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(paths[deadline].to_numpy())
    logs = logs[np.isfinite(logs)]
    return float(np.std(logs)) if len(logs) > 1 else math.nan


def moved_by_evidence(now, plan, sigmas) -> bool:
    """True when the figures published since the plan moved the target (module docstring, rule 2)."""
    p, se, _, spread = now
    if plan is None or math.isnan(plan[0]):
        return not math.isnan(p)   # no probability as of the plan (nothing to start from): the figures gave one
    if abs(p - plan[0]) > sigmas * math.hypot(se, plan[1]):
        return True
    return bool(spread <= (1 - MOVED_SPREAD) * plan[3]) if np.isfinite(spread) and np.isfinite(plan[3]) else False


def worst_case(central, cases):
    """The case farthest from the centre's side of the cut: lowest P(met) when it leans to 已实现."""
    if not cases:
        return None
    leans_met = central[0] >= 0.5
    return (min if leans_met else max)(cases, key=lambda item: item[1][0])


def decide(central, case_stats, moved):
    """(verdict, why, breaking): the robust verdict of one target."""
    label = central[2]
    if not moved:
        return UNCONFIRMED, "no figure published since the plan bears on it", ""
    if label not in (MET, NOT_MET):
        return UNCONFIRMED, "undecided at the assumptions' centres", ""
    breaking = [f"{case.name}={case.value}" for case, stats in case_stats if stats[2] != label]
    if breaking:
        return UNCONFIRMED, f"{label} at the centres, not under every assumption of the set", ";".join(breaking)
    if not case_stats:
        return label, "no sensitivity set is declared", ""
    return label, "holds under every assumption of the sensitivity set", ""


def robust_table(params, inputs, central=None) -> pd.DataFrame:
    """The robust verdict of every level target past its deadline, with what it rests on (``ROBUST_COLUMNS``).

    Parameters
    ----------
    params : ScenarioParams
        The scenario at its centres, with its ``sensitivity`` set.
    inputs : dict
        ``pipeline.load_inputs`` tables.
    central : ScenarioResult, optional
        ``assess_inputs(params, inputs)``, when the caller has it already.
    """
    return cached("robust", params, inputs, lambda: _robust_table_now(params, inputs, central))


def _robust_table_now(params, inputs, central=None) -> pd.DataFrame:
    central = central if central is not None else assess_inputs(params, inputs)
    due = [t for t, info in central.evidence.items()
           if deadline_passed(params, info["deadline"]) and not info.get("unassessed")]
    if not due:
        return pd.DataFrame(columns=ROBUST_COLUMNS)
    now = _stats(central)
    plan = _stats(assess_inputs(params.at_plan(), inputs, levels_only=True))
    unrelated = without_related(inputs)
    alone = _stats(assess_inputs(params, unrelated, levels_only=True)) if unrelated is not None else {}
    decided = {t: now[t][2] in (MET, NOT_MET) for t in due}
    runner = assess_inputs if any(decided.values()) else _quick
    cases = [(case, _stats(runner(case.params, inputs, levels_only=True))) for case in sensitivity_cases(params)]
    rows = []
    for target_id in due:
        mine = [(case, stats[target_id]) for case, stats in cases if target_id in stats]
        moved = moved_by_evidence(now[target_id], plan.get(target_id), params.verdict_thresholds.mc_sigmas)
        label, why, breaking = decide(now[target_id], mine, moved)
        worst = worst_case(now[target_id], mine)
        rows.append({"target_id": target_id, "p_met": now[target_id][0], "p_se": now[target_id][1],
                     "verdict_central": now[target_id][2], "verdict": label, "why": why,
                     "worst_case": worst[0].name if worst else "", "worst_end": worst[0].end if worst else "",
                     "worst_value": worst[0].value if worst else math.nan,
                     "worst_p": worst[1][0] if worst else math.nan, "worst_se": worst[1][1] if worst else math.nan,
                     "worst_verdict": worst[1][2] if worst else "", "breaking": breaking,
                     "p_set_low": min([now[target_id][0], *(st[0] for _, st in mine)]),
                     "p_set_high": max([now[target_id][0], *(st[0] for _, st in mine)]),
                     "p_without_related": alone.get(target_id, (math.nan,) * 2)[0],
                     "p_se_without_related": alone.get(target_id, (math.nan,) * 2)[1],
                     "p_met_plan": plan.get(target_id, (math.nan,) * 2)[0],
                     "p_se_plan": plan.get(target_id, (math.nan,) * 2)[1], "moved": moved})
    return pd.DataFrame(rows, columns=ROBUST_COLUMNS)


def _quick(params, inputs, levels_only=True):
    # A case of a target already undecided at the centres only says how far it may fall: no more paths
    # are drawn at a cut (the verdict cannot become decisive through it).
    return assess_once(params, inputs, levels_only)


def apply_robust(result, robust) -> None:
    """Write the robust verdicts into ``result.summary``'s status column (in place) and keep the table."""
    if robust.empty:
        result.robust = robust
        return
    verdicts = robust.set_index("target_id")["verdict"]
    hit = result.summary["target_id"].isin(verdicts.index)
    result.summary.loc[hit, "status"] = result.summary.loc[hit, "target_id"].map(verdicts)
    result.robust = robust


def judge_scenario(params, inputs):
    """``assess_inputs`` with the robust verdict as the status of every level target past its deadline.

    The result's ``robust`` attribute holds ``robust_table`` (empty before any deadline).
    """
    result = assess_inputs(params, inputs)
    apply_robust(result, robust_table(params, inputs, result))
    return result
