"""Kinds of target: one table saying what each kind is and how it is judged.

Every module that treats targets differently by kind (the loader's check, the targets table, the
assessment, the sweep, the notebooks) looks the kind up here instead of comparing strings.

=================  =========================================================================
``level``          a level (亿元) reached by the deadline; grown from a plan baseline and judged
                   on simulated paths (``simulate``), with a closed form on the lognormal engine
``cumulative_count``  a count built up over the years after ``start_year``; judged by a
                   Poisson–Gamma pace model on the yearly counts entered as progress
``milestone``      an event that happens or not (one innovation centre, one platform); judged
                   as done once progress says so, else by a Beta–Bernoulli model of a yearly
                   chance that it happens
``average_growth`` growth a year (%) of a measure from ``start_year`` to the deadline (年均增长超过12%);
                   judged on simulated paths as the level that growth reaches from the plan's
                   own start-year figure, so it needs that figure (no later one will do)
=================  =========================================================================
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class TargetKind:
    """What a kind of target is and how the assessment treats it."""

    name: str
    label_zh: str
    label_en: str
    judged_on: str          # "paths" (simulated levels), "pace" (counts a year) or "event" (done or not)
    needs_baseline: bool    # grown from a plan baseline (baseline_variable must be given)

    @property
    def is_level(self) -> bool:
        return self.judged_on == "paths"


TARGET_KINDS = {
    "level": TargetKind("level", "规模目标", "level", "paths", True),
    "cumulative_count": TargetKind("cumulative_count", "累计数量目标", "cumulative count", "pace", False),
    "milestone": TargetKind("milestone", "里程碑目标", "milestone", "event", False),
    "average_growth": TargetKind("average_growth", "年均增速目标", "average growth", "paths", True),
}


def kind_of(name) -> TargetKind:
    """The ``TargetKind`` called ``name`` (KeyError for an unknown kind; the loader refuses those first)."""
    return TARGET_KINDS[name]


def is_level(name) -> bool:
    """True for kinds judged on simulated level paths."""
    return kind_of(name).is_level
