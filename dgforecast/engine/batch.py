"""A batch of parameter points on one set of draws: what a sweep and the hinge table evaluate.

Every point of a batch is a scenario (``ScenarioParams`` with the point's changes laid over it) and
uses the same draws as that scenario would alone (common random numbers), so the differences between
points are the assumptions' and not noise, and a point gives the numbers ``simulate.simulate_targets``
gives for the same parameters.

This room lays each point over the scenario, groups the points that share the draws and the evidence
rows, and gathers their columns. The lognormal engine needs no path-by-path simulation
(``lognormal_points``, on the sorted-sample statistics of ``order_statistics``); with the link spreads
drawn per path (``link_uncertainty``) each point keeps its own resample of the shared candidates, and the
points share what does not depend on their growth (``integrated_points``); the fitted engine, and a base
stated as a bound, are simulated point by point (``_paths_group``).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dgforecast.engine.bearing import evidence_rows
from dgforecast.engine.integrated_points import integrated_group
from dgforecast.engine.lognormal_points import evidence_lognormal_group, lognormal_group
from dgforecast.engine.simulate import QUANTILES, STRUCTURAL_KEYS, simulate_targets
from dgforecast.engine.weights import weighted_stats
from dgforecast.plan.data import history_series_or_none
from dgforecast.plan.params import changed
from dgforecast.plan.targets import level_targets, required_cagr


@dataclass(frozen=True)
class EngineSetup:
    """Everything a batch of points needs besides the points: picklable, so it travels to workers."""

    base: object           # the ScenarioParams every point's changes are laid over
    targets: tuple         # of targets.LevelTarget
    history: tuple = ()    # ((year, level), ...) of base.history_series, for the fitted engine
    evidence: object = None  # evidence.load_evidence table (None: every point is as of the plan)

    @property
    def n_groups(self) -> int:
        return 1 + max((t.group for t in self.targets), default=0)

    def history_series(self):
        if not self.history:
            return None
        years, levels = zip(*self.history)
        return pd.Series(levels, index=list(years), dtype=float)


def engine_setup(inputs, base, engines=None) -> EngineSetup:
    """The ``EngineSetup`` for scenario ``base`` on the workbook's tables (``pipeline.load_inputs``):
    its level targets, the evidence, and the history when the ``fitted`` engine is among ``engines``."""
    engines = engines or [base.engine]
    history = history_series_or_none(inputs["history"], base.history_series) if "fitted" in engines else None
    pairs = () if history is None else tuple((int(y), float(v)) for y, v in history.dropna().items())
    return EngineSetup(base=base, targets=level_targets(inputs["targets"], inputs["baselines"]),
                       history=pairs, evidence=inputs.get("evidence"))


def result_columns(targets, weighted=False) -> list[str]:
    """The columns a batch gives for each level target: P(met), the quantiles, the required growth, and
    with evidence the effective sample size ``ess`` and ``below_floor`` (ess under evidence.min_ess)."""
    stats = ("p_met", *QUANTILES, "required_cagr", *(("ess", "below_floor") if weighted else ()))
    return [f"{stat}.{t.target_id}" for t in targets for stat in stats]


def _shape_key(params) -> tuple:
    # Points sharing the draws and the evidence rows (and how sure the links are) are evaluated together.
    return (*(getattr(params, k) for k in STRUCTURAL_KEYS), params.as_of_month, params.evidence,
            repr(sorted(params.link_uncertainty.items())))


def _python(value):
    # numpy scalars become plain Python ones, which the strict schema accepts.
    return value.item() if hasattr(value, "item") else value


def point_params(points, base) -> list:
    """Each row of ``points`` (grid key -> value, ``growth_overrides.YEAR`` too) laid over ``base``.

    The values are not validated again (the sweep checks its grid before any work), so a batch of
    10,000 points costs milliseconds; every schema field, also one added later, reaches the engine.
    """
    return [changed(base, {k: _python(v) for k, v in row.items()}, validate=False)
            for row in points.to_dict(orient="records")]


def _paths_group(params_list, setup: EngineSetup):
    """Result columns by simulating every point's paths (the ``fitted`` engine: one fit per point)."""
    out = {c: np.full(len(params_list), np.nan) for c in result_columns(setup.targets, setup.evidence is not None)}
    history = setup.history_series()
    for i, params in enumerate(params_list):
        simulation = simulate_targets(setup.targets, params, history, setup.evidence, strict=False)
        paths = simulation.groups
        for target in simulation.targets:
            if not target.deadline <= params.target_year:
                continue
            group = paths[target.group]
            values = group.deadline_values[target.deadline]
            if group.weights is not None:
                stats = weighted_stats(values, group.weights, target.threshold, target.comparison)
                stats.pop("p_se")
            else:
                met = values >= target.threshold if target.comparison == ">=" else values > target.threshold
                stats = {"p_met": met.mean(), **{name: np.quantile(values, q) for name, q in QUANTILES.items()}}
            if f"ess.{target.target_id}" in out:
                stats["ess"] = group.ess
            for name, value in stats.items():
                out[f"{name}.{target.target_id}"][i] = value
            ratio = params.revenue_to_output_ratio if target.apply_ratio else 1.0
            out[f"required_cagr.{target.target_id}"][i] = required_cagr(
                target.base_level * ratio, target.threshold, target.deadline - target.base_year)
    return out


def _integrated_columns(members, setup, obs, redraw=False):
    """``integrated_points`` columns, with the points it cannot share work for simulated alone (and, with
    ``redraw``, the points it leaves under the effective-size floor: alone, the scenario draws more paths)."""
    found = integrated_group(members, setup, members[0], obs)
    if found is None:
        return _paths_group(members, setup)
    columns, alone = found
    if redraw:
        low = np.zeros(len(members), dtype=bool)
        for target in setup.targets:
            ess = columns.get(f"ess.{target.target_id}")
            if ess is not None:
                low |= np.nan_to_num(ess) < members[0].evidence.min_ess
        alone = sorted(set(alone) | set(np.flatnonzero(low).tolist()))
    if alone:
        for name, values in _paths_group([members[i] for i in alone], setup).items():
            columns.setdefault(name, np.full(len(members), np.nan))[alone] = values
    return columns


def evaluate_points(points, setup: EngineSetup, redraw=False) -> pd.DataFrame:
    """P(met), quantiles and required growth for any set of parameter points: the same numbers
    however the points are split. Points whose ``as_of`` month admits evidence are conditioned on it
    (``condition``); ``ess.<target_id>`` gives each point's effective sample size and
    ``below_floor.<target_id>`` flags the points where it is under ``evidence.min_ess`` (a sweep never
    draws more paths; ``dgforecast sweep`` names the flagged points).

    Parameters
    ----------
    points : DataFrame
        One row per point, one column per changed key (``growth``, ``growth_overrides.2022``, ...).
    setup : EngineSetup
        The scenario the points change and the level targets.
    redraw : bool
        Points with the link spreads drawn per path that the batch leaves under ``evidence.min_ess`` are
        simulated alone, drawing more paths as the scenario's assessment does (up to ``evidence.max_sims``),
        so each is that assessment's number (a judgement's table); a sweep (False) flags them instead.

    Returns
    -------
    DataFrame
        Indexed like ``points``; columns ``result_columns(setup.targets)``: P(met) (probability),
        quantiles of the deadline-year value (亿元) and the required growth (fraction a year).
    """
    params_list = point_params(points, setup.base)
    result = pd.DataFrame(np.nan, index=points.index,
                          columns=result_columns(setup.targets, setup.evidence is not None))
    shapes, weighted = {}, False
    for i, params in enumerate(params_list):
        shapes.setdefault(_shape_key(params), []).append(i)
    for rows in shapes.values():
        members = [params_list[i] for i in rows]
        _, obs = evidence_rows(setup.evidence, members[0])
        weighted |= bool(obs)
        # a base stated as a bound (超过600) is a state the fast paths below do not hold: simulate every point
        if members[0].engine != "lognormal" or any(t.base_step > 0 for t in setup.targets):
            columns = _paths_group(members, setup)
        elif members[0].link_uncertainty:
            columns = _integrated_columns(members, setup, obs, redraw)
        elif obs:
            columns = evidence_lognormal_group(members, setup, members[0], obs)
        else:
            columns = lognormal_group(members, setup, members[0])
        if setup.evidence is not None:  # unweighted groups: every path counts fully
            for target in setup.targets:
                columns.setdefault(f"ess.{target.target_id}", np.full(len(rows), float(members[0].n_sims)))
                columns[f"below_floor.{target.target_id}"] = (
                    columns[f"ess.{target.target_id}"] < members[0].evidence.min_ess).astype(float)
        for name, values in columns.items():
            if name in result.columns:
                result.iloc[rows, result.columns.get_loc(name)] = values
    if not weighted:  # no point used any evidence: the table of the plan-time engine, as before
        result = result.drop(columns=[c for c in result.columns if c.startswith(("ess.", "below_floor."))])
    return result
