"""The labels a probability of meeting a target earns: P(met) of simulated values, pace statuses, verdicts.

Before a target's deadline its status says how the pace looks (thresholds from params.yaml
``status_thresholds``), first match wins:

===============  ==========================================================================
提前实现          P(met in a year before the deadline) >= ``early`` (level targets), or the
                 count achieved so far already meets the target (count targets)
快于预期          P(met by the deadline) >= ``ahead``
基本符合预期      P(met) >= ``on_track``
存在风险          P(met) >= ``at_risk``
难以实现          otherwise
暂无公开数字      P(met) unknown (a count target with no progress counts entered)
===============  ==========================================================================

Once the deadline has passed (the as-of month is after its year) the verdict is the status
(``verdict_detail``; cut-offs ``verdict_thresholds``, with z = ``mc_sigmas`` Monte Carlo standard
errors of margin)::

    P(met) - z·se >= achieved   -> 已实现 (met)
    P(met) + z·se <= missed     -> 未实现 (not met)
    otherwise, or no evidence   -> 无法确认 (cannot be confirmed)

A P(met) past a cut but within its margin draws more paths (``assess.assess_inputs``); if it is
still within, the verdict is 无法确认 "at the cut", so a verdict never turns on the seed. The labels
are ``vocabulary``'s, one per state; count and milestone targets get theirs in ``count_targets``.
"""

import math

import numpy as np

from dgforecast.core.vocabulary import MET, NO_FIGURE, NOT_MET, PACE, UNCONFIRMED
from dgforecast.plan.schema import StatusThresholds

#: The pace statuses, best first (``vocabulary.PACE``).
PACE_LABELS = tuple(PACE)


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
        提前实现, 快于预期, 基本符合预期, 存在风险, 难以实现, or 暂无公开数字.
    """
    t = thresholds if isinstance(thresholds, StatusThresholds) else StatusThresholds(**thresholds)
    if p_met is None or math.isnan(p_met):
        return NO_FIGURE
    if p_met_early is not None and not math.isnan(p_met_early) and p_met_early >= t.early:
        return PACE_LABELS[0]
    for label, cut in zip(PACE_LABELS[1:4], (t.ahead, t.on_track, t.at_risk)):
        if p_met >= cut:
            return label
    return PACE_LABELS[4]


def deadline_passed(params, deadline) -> bool:
    """True once the as-of month is after the deadline's year: the status is then the verdict."""
    return params.as_of_month > f"{int(deadline):04d}-12"


def verdict_detail(p_met, thresholds, has_evidence=True, se=0.0) -> tuple[str, bool]:
    """(verdict, at the cut) for a probability of having met a target (rule in the module docstring).

    ``at the cut`` is True when P(met) is past a cut-off but within ``thresholds.mc_sigmas`` Monte
    Carlo standard errors ``se`` of it: the verdict is then 无法确认, however the seed falls.

    >>> from dgforecast.plan.schema import VerdictThresholds
    >>> verdict_detail(0.95, VerdictThresholds(), se=0.01), verdict_detail(0.92, VerdictThresholds(), se=0.01)
    (('已实现', False), ('无法确认', True))
    """
    if not has_evidence or p_met is None or math.isnan(p_met):
        return UNCONFIRMED, False
    margin = thresholds.mc_sigmas * se
    if p_met - margin >= thresholds.achieved:
        return MET, False
    if p_met + margin <= thresholds.missed:
        return NOT_MET, False
    return UNCONFIRMED, bool(p_met >= thresholds.achieved or p_met <= thresholds.missed)


def verdict(p_met, thresholds, has_evidence=True, se=0.0) -> str:
    """已实现 / 未实现 / 无法确认 for a probability of having met a target (``verdict_detail``).

    >>> from dgforecast.plan.schema import VerdictThresholds
    >>> verdict(0.9, VerdictThresholds()), verdict(0.1, VerdictThresholds()), verdict(0.5, VerdictThresholds())
    ('已实现', '未实现', '无法确认')
    """
    return verdict_detail(p_met, thresholds, has_evidence, se)[0]
