"""Placeholders are not assumptions: a probability resting on a value ``dgforecast new-plan`` wrote as a
placeholder, and no one replaced, is refused in one line naming it (docs/commands.md says why refusing and not
marking every page). Which values are placeholders is params.yaml's (``ScenarioParams.placeholders``); which a
result rests on is the simulation's: the paths of its level targets.
"""

from dgforecast.core.errors import ParamsError

#: The assumptions a path rests on that a measure may set for itself (``ScenarioParams.by_measure``).
MEASURE_KEYS = ("growth", "volatility")


def placeholder_rested_on(params, targets) -> tuple | None:
    """(parameter, where it is written, target id) of a placeholder value the probability of one of ``targets``
    (``LevelTarget`` records with paths) rests on under ``params`` (``ScenarioParams.placeholders``: a value
    new-plan wrote and no one replaced); None when none does.

    Growth and volatility rest on a target only where its measure has none of its own (``by_measure``); every
    other placeholder rests on every simulated target. A target with no paths (no figure to start from, a count)
    rests on none.
    """
    marked = params.placeholders
    for target in targets:
        own = params.by_measure.get(target.path)
        for key, where in marked.items():
            if key in MEASURE_KEYS:  # the plan-wide value: unless the measure has its own
                rests = own is None or getattr(own, key) is None
            elif key.startswith("by_measure."):  # one measure's own: only its targets
                rests = key.split(".")[1] == target.path
            else:
                rests = True
            if rests:
                return key, where, target.target_id
    return None


def refuse_placeholders(params, targets) -> None:
    """Refuse, in one line naming it, a probability resting on a placeholder (``placeholder_rested_on``).

    Raises
    ------
    ParamsError
        ``params.yaml line 18: defaults.growth = 0.05 is a placeholder …``, saying what to do.
    """
    found = placeholder_rested_on(params, targets)
    if found is not None:
        key, where, target_id = found
        raise ParamsError(f"{where} is a placeholder (占位), and P(met) of {target_id} would rest on it: write the "
                          "plan's own value with its reason in place of the placeholder comment, or try a value with "
                          f"-p {key}=VALUE")
