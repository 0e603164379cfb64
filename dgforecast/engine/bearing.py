"""What bears on a target's paths: the evidence selected, the rows of its measure, the figure it starts from.

A target's paths start from the plan's base figure, or — when the plan gives none — from the latest
exact full-year level of its measure published by the as-of month (``anchored``); the rows that bear
on them are those of the measure linked to its path in plan.yaml, for a year the paths cover
(``usable_observations``).
"""

import dataclasses
import math

from dgforecast.engine.condition import bears_on, log_level, log_revenue, observations
from dgforecast.plan.evidence import select_evidence

#: The last selections made, by (evidence table, month, least trusted flag): a scenario judged under its
#: sensitivity set selects the same rows some twenty times. The table itself is kept with its selection, so
#: a key's ``id`` always names the table it was made from.
_SELECTIONS: dict = {}
_SELECTIONS_KEPT = 16


def evidence_rows(evidence, params):
    """The evidence selection for ``params`` (its ``as_of`` month and least trusted flag) and its observations."""
    if evidence is None:
        return None, ()
    key = (id(evidence), params.as_of_month, params.evidence.min_reliability)
    kept = _SELECTIONS.get(key)
    if kept is not None and kept[0] is evidence:
        return kept[1], kept[2]
    selection = select_evidence(evidence, params.as_of_month, params.evidence.min_reliability)
    found = (evidence, selection, observations(selection.used))
    if len(_SELECTIONS) >= _SELECTIONS_KEPT:
        _SELECTIONS.pop(next(iter(_SELECTIONS)))
    _SELECTIONS[key] = found
    return selection, found[2]


def usable_observations(obs, target, years) -> tuple:
    """The observations that bear on ``target``'s paths: rows of a measure linked to its path (plan.yaml),
    each counting only for a year the paths cover (ratio rows always)."""
    return tuple(o for o in obs if target.path and o.path == target.path and bears_on(o, years))


def anchor_of(target, obs):
    """The latest exact full-year level of the target's path measure, the paths' start when the plan gives no
    base figure (None when none is published by the as-of month)."""
    found = [o for o in obs if o.measure == target.path and o.kind == "level" and o.exact and o.months == 12
             and o.year < target.deadline]
    return max(found, key=lambda o: o.year) if found else None


def anchored(target, obs):
    """``target`` with a base to start from: its own, or the anchor (``anchor_of``); (target, anchor id) —
    (None, reason) when it has neither, or its measure is linked to no path."""
    if not target.path:
        return None, (f"its measure {target.measure or '(none)'} is linked to no simulated path in plan.yaml "
                      "(role unlinked), so no figure bears on it")
    if not target.anchored:
        return target, ""
    if target.needs_base:
        return None, (f"the plan gives no exact level of {target.path} for {target.base_year}, the year its average "
                      "growth is counted from; a later figure cannot stand in for it")
    anchor = anchor_of(target, obs)
    if anchor is None:
        return None, (f"the plan gives no base figure for {target.path} and no exact yearly level of it is "
                      "published yet: nothing to start the paths from")
    return dataclasses.replace(target, base_level=anchor.value, base_year=anchor.year), anchor.evidence_id


def target_function(target, years):
    """The deadline value of a target as a linear function of the state: ln X_T (+ ln r for 营业收入)."""
    base_log = math.log(target.base_level)
    fn = log_revenue if target.apply_ratio else log_level
    return fn(target.deadline, years, base_log, target.base_step > 0)
