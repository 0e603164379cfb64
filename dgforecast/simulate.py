"""The one simulation core: common random numbers, the two engines, and what they give a target.

Every path that needs simulated numbers — ``assess`` (notebooks, ``run``, ``report``, the
``assess`` command) and ``sweep`` — comes here, so a parameter or a piece of evidence added to
the engine reaches all of them.

Two engines:

* ``lognormal``: annual log growth ~ Normal(ln(1 + g_t), volatility²), independent across years,
  where g_t is ``growth`` unless ``growth_overrides`` names year t. The median path therefore
  grows at exactly g_t a year, and P(level >= K) has a closed form (``closed_form_p_met``).
* ``fitted``: the growth models' ``auto`` method (``dgforecast.forecast.simulate_series``) fitted
  on a published history; its simulated growth factors are applied to the start level.

Growth in ``real`` price basis is turned nominal with the deflator, because the targets are in
current 亿元. The revenue ratio (营业收入 / 总产值) is drawn once per path — it is a structural
property of the cluster, not a yearly shock — from a lognormal with mean ``revenue_to_output_ratio``
and sd ``revenue_to_output_ratio_sd``.

Randomness: one generator from the scenario's ``seed`` (``group_generators``), spawned once per
group of targets that grow from different baselines; the lognormal engine takes its yearly shocks
(paths x years) first, then one ratio draw per path. A batch of parameter points
(``evaluate_points``) reuses those same draws for every point (common random numbers), so the
differences between points are the assumptions' and not noise, and a point gives the same numbers
as ``simulate_paths`` for the same parameters.

For a batch on the lognormal engine the deadline log level of a path is a point's ``shift`` plus
``volatility`` times the path's sum of shocks ``S``; the value rises with ``S``, so one sort of
``S`` serves every point (P(met) is a binary search and the quantiles are order statistics).
Only revenue-ratio uncertainty breaks that shortcut; such points share one sorted sample per
distinct (volatility, ratio log-sd).
"""

import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr

from dgforecast.condition import (Term, bears_on, log_weights, normalise, observations, resample, term_log_likelihood,
                                  terms, weighted_stats)
from dgforecast.data import OUTPUT, history_series_or_none
from dgforecast.errors import ParamsError
from dgforecast.evidence import select_evidence
from dgforecast.params import changed
from dgforecast.targets import level_targets, required_cagr

log = logging.getLogger(__name__)

#: Parameters that shape the draws themselves; a batch is evaluated in groups that share them.
#: Every other parameter is read point by point through ``ScenarioParams`` (``lognormal_inputs``).
STRUCTURAL_KEYS = ("engine", "as_of_year", "target_year", "n_sims", "seed")
#: Quantiles reported for each level target, with their names.
QUANTILES = {"median": 0.5, "q10": 0.1, "q90": 0.9}
#: Bytes of one block of sorted group samples (groups x n_sims float64); keeps peak memory low.
BLOCK_BYTES = 32 * 2 ** 20


# ---------------------------------------------------------------- randomness
def group_generators(seed, n_groups) -> list:
    """The generators of one simulation: one from ``seed``, spawned per target group when there are several.

    This is the only place a seed becomes random numbers.
    """
    rng = np.random.default_rng(seed)
    return [rng] if n_groups == 1 else rng.spawn(n_groups)


@dataclass(frozen=True)
class Draws:
    """Standard-normal draws of the lognormal engine: yearly shocks (paths x years), one ratio draw a path."""

    shocks: np.ndarray
    ratio: np.ndarray


def lognormal_draws(rng, n_sims, n_years) -> Draws:
    """The shocks first, then the ratio draws: the order every caller relies on."""
    return Draws(rng.standard_normal((n_sims, n_years)), rng.standard_normal(n_sims))


# ---------------------------------------------------------------- what a scenario assumes
def simulated_years(params) -> list[int]:
    """Years the engine draws: ``as_of_year + 1`` .. ``target_year``."""
    return list(range(params.as_of_year + 1, params.target_year + 1))


def log_growth_means(params, years) -> np.ndarray:
    """ln(1 + g_t) for each year, g_t nominal (override if any, real growth turned nominal)."""
    return np.array([math.log1p(params.nominal_growth(y)) for y in years])


def ratio_lognormal(mean, sd) -> tuple[float, float]:
    """(mu, s) of a lognormal with the given mean and sd: s² = ln(1 + (sd/mean)²), mu = ln(mean) - s²/2."""
    s2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - s2 / 2.0, math.sqrt(s2)


def ratio_log_moments(params, apply_ratio=True) -> tuple[float, float]:
    """Log-mean and log-sd of the scenario's revenue ratio ((0, 0) when the target has no ratio)."""
    if not apply_ratio:
        return 0.0, 0.0
    mean, sd = params.revenue_to_output_ratio, params.revenue_to_output_ratio_sd
    return ratio_lognormal(mean, sd) if sd > 0 else (math.log(mean), 0.0)


def ratio_values(params, z) -> np.ndarray:
    """One revenue-to-output ratio per path from its standard-normal draw ``z`` (the mean when sd is 0)."""
    mean, sd = params.revenue_to_output_ratio, params.revenue_to_output_ratio_sd
    if sd == 0:
        return np.full(len(z), mean)
    mu, s = ratio_lognormal(mean, sd)
    return np.exp(mu + s * z)


def start_point(base_level, base_year, params, actuals=None) -> tuple[float, dict]:
    """The level the simulation starts from and the actual levels it keeps.

    Returns
    -------
    (start, kept) : (float, dict)
        ``start`` is the actual at ``as_of_year`` (``base_level`` when as_of_year is the base year);
        ``kept`` maps each year after ``base_year`` up to ``as_of_year`` to its actual level.

    Raises
    ------
    ParamsError
        When ``as_of_year`` is after the base year but no actual is given for it or a year before.
    """
    if params.as_of_year < base_year:
        raise ParamsError(f"as_of_year = {params.as_of_year}: before the base year {base_year}; "
                          f"use {base_year} or later")
    known = {} if actuals is None else {int(y): float(v) for y, v in actuals.dropna().items()}
    wanted = range(base_year + 1, params.as_of_year + 1)
    missing = [y for y in wanted if y not in known]
    if missing:
        last = missing[0] - 1  # the latest year up to which every actual is there
        raise ParamsError(f"as_of_year = {params.as_of_year}: no actual figure for {', '.join(map(str, missing))} "
                          f"in data/raw/; use as_of_year = {last} or add the figures")
    kept = {y: known[y] for y in wanted}
    start = kept[params.as_of_year] if kept else float(base_level)
    if not start > 0:
        raise ParamsError(f"start level {start} at {params.as_of_year} is not positive; check the baseline and actuals")
    return start, kept


# ---------------------------------------------------------------- the engines: growth factors
def lognormal_factors(log_growth, volatility, shocks) -> np.ndarray:
    """Cumulative growth factors, paths x years: exp of the summed yearly log growths.

    Parameters
    ----------
    log_growth : ndarray, shape (years,)
        ln(1 + nominal growth) of each year.
    volatility : float
        sd of annual log growth.
    shocks : ndarray, shape (paths, years)
        Standard-normal draws (``Draws.shocks``).
    """
    return np.exp(np.cumsum(shocks * volatility + log_growth, axis=1))


def fitted_factors(params, years, rng, history) -> np.ndarray:
    """Cumulative growth factors from the growth models' ``auto`` method fitted on ``history``.

    The models continue ``history`` after its last year; the factors are their paths divided by the
    level at ``as_of_year`` (the last observation, or the simulated value when history ends earlier).
    """
    # Deferred import, measured: the growth models pull in scipy.stats (0.6 s), which the lognormal
    # engine never needs, so `dgforecast assess` stays well under a second.
    from dgforecast.forecast import fill_gaps, simulate_series

    if history is None or len(history.dropna()) < 2:
        raise ParamsError(f"engine = 'fitted': history_series = {params.history_series!r} has fewer than 2 "
                          "published levels; name a longer series or use engine: lognormal")
    y, gap_note = fill_gaps(history[history.index <= params.as_of_year].dropna())
    if gap_note:
        log.info("%s", gap_note)
    last = int(y.index[-1])
    horizon = params.target_year - last
    paths, info = simulate_series(y, horizon, params.n_sims, rng, method="auto")
    paths = np.asarray(paths, dtype=float)
    log.info("%s: fitted %s on %s %s", params.scenario, info.get("model"), y.name, info.get("years"))
    lead = params.as_of_year - last  # simulated years between the history's end and as_of_year
    start = paths[:, lead - 1:lead] if lead > 0 else float(y.iloc[-1])
    return paths[:, lead:] / start


def _output_and_ratio(base_level, base_year, params, rng, actuals=None, history=None):
    """Output levels (paths x years, 亿元, before any ratio), each path's ratio, and the years."""
    start, kept = start_point(base_level, base_year, params, actuals)
    years = simulated_years(params)
    if params.engine == "lognormal":
        draws = lognormal_draws(rng, params.n_sims, len(years))
        factors = lognormal_factors(log_growth_means(params, years), params.volatility, draws.shocks)
        ratio_z = draws.ratio
    else:
        factors = fitted_factors(params, years, rng, history)
        ratio_z = rng.standard_normal(params.n_sims)
    levels = start * factors
    if kept:
        levels = np.hstack([np.tile(list(kept.values()), (params.n_sims, 1)), levels])
    log.info("%s: %d paths %d-%d from %.2f at %d (%s engine)", params.scenario, params.n_sims,
             base_year + 1, params.target_year, start, params.as_of_year, params.engine)
    return levels, ratio_values(params, ratio_z), list(kept) + years


def simulate_paths(base_level, base_year, params, rng, actuals=None, history=None,
                   apply_ratio=True) -> pd.DataFrame:
    """Simulated yearly levels of a level target's measure, one row per path.

    Parameters
    ----------
    base_level : float
        Level of the baseline measure (for the cluster: 规上工业总产值) at ``base_year``, 亿元.
    base_year : int
        The plan's baseline year (2021).
    params : ScenarioParams
        The scenario (engine, growth, volatility, overrides, ratio, price basis, n_sims).
    rng : numpy.random.Generator
        The only source of randomness; the same seed gives the same paths.
    actuals : pd.Series, optional
        Actual levels of the baseline measure by year after ``base_year``. Years up to
        ``as_of_year`` are kept as they are and the simulation starts from the one at ``as_of_year``.
    history : pd.Series, optional
        Published level series the ``fitted`` engine learns its growth from.
    apply_ratio : bool
        Multiply by the revenue-to-output ratio (True for targets measured in 营业收入).

    Returns
    -------
    DataFrame
        ``n_sims`` rows x columns ``base_year + 1 .. target_year`` (int), values in 亿元.
    """
    levels, ratio, columns = _output_and_ratio(base_level, base_year, params, rng, actuals, history)
    if apply_ratio:
        levels = levels * ratio[:, None]
    return pd.DataFrame(levels, columns=pd.Index(columns, name="year"))


class _PathsView:
    """One scenario's simulated paths as the measurement model reads them (``condition``)."""

    def __init__(self, base_level, levels, ratio, columns):
        self.base, self.levels, self.ratio, self.columns = base_level, levels, ratio, list(columns)

    def log_x(self, year):
        with np.errstate(invalid="ignore", divide="ignore"):  # a non-positive level weighs nothing
            return np.log(self.levels[:, self.columns.index(year)])

    def s(self, year):
        before = math.log(self.base) if self.columns.index(year) == 0 else self.log_x(year - 1)
        return self.log_x(year) - before

    def log_r(self):
        return np.log(self.ratio)


@dataclass
class GroupPaths:
    """The simulated paths of one group of level targets, and how the evidence weighs them."""

    paths: pd.DataFrame          # the targets' measure (x ratio where it applies), paths x years, 亿元
    weights: object = None       # normalised weights a path (None: no evidence bears on these paths)
    ess: float = math.nan        # effective sample size; n_sims when unweighted
    evidence_used: tuple = ()    # ids of the evidence rows that weighed on the paths

    @property
    def resampled(self) -> pd.DataFrame:
        """Equally weighted paths standing for the weighted ones (the paths themselves when unweighted)."""
        if self.weights is None:
            return self.paths
        return self.paths.iloc[resample(self.weights)].reset_index(drop=True)


@dataclass
class Simulation:
    """Everything one scenario's simulation gives: paths per group, evidence used and left out."""

    groups: dict                  # group -> GroupPaths
    n_sims: int                   # paths drawn (more than params.n_sims when the evidence needed them)
    selection: object = None      # evidence.Selection (None when no evidence table was given)
    note: str = ""                # what was done to reach the effective-size floor, if anything


def evidence_rows(evidence, params):
    """The evidence selection for ``params`` (its ``as_of`` month and least trusted flag) and its observations."""
    if evidence is None:
        return None, ()
    selection = select_evidence(evidence, params.as_of_month, params.evidence.min_reliability)
    return selection, observations(selection.used)


def usable_observations(obs, target, years) -> tuple:
    """The observations that weigh on ``target``'s paths: the evidence is about the cluster, whose
    baseline is its output, and a row counts only for a year the paths cover."""
    return tuple(o for o in obs if target.baseline_variable == OUTPUT and bears_on(o, years))


def _condition(target, levels, ratio, columns, obs, ep):
    usable = usable_observations(obs, target, columns)
    if not usable:
        return None, float(len(levels)), ()
    view = _PathsView(target.base_level, levels, ratio, columns)
    weights, ess = normalise(log_weights(usable, view, ep, (len(levels),)))
    if ess == 0:
        raise ParamsError("no simulated path is consistent with the evidence "
                          f"({', '.join(o.evidence_id for o in usable)}): check those rows in data/raw/evidence.csv, "
                          "or soften the bounds with -p evidence.bound_sd=0.02")
    return weights, float(ess), tuple(o.evidence_id for o in usable)


def simulate_targets(targets, params, history=None, evidence=None) -> Simulation:
    """Paths for every group of level targets, weighed by the evidence published by ``params.as_of``.

    Parameters
    ----------
    targets : sequence of LevelTarget
        From ``targets.level_targets``; targets of one group share their paths.
    params : ScenarioParams
    history : pd.Series, optional
        The ``fitted`` engine's history (``params.history_series``).
    evidence : DataFrame, optional
        ``evidence.load_evidence``; rows are selected by ``params.as_of`` and
        ``params.evidence.min_reliability``. When the effective sample size falls below
        ``evidence.min_ess``, more paths are drawn (up to ``evidence.max_sims``) and ``note`` says so.

    Raises
    ------
    ParamsError
        When no simulated path is consistent with the evidence (effective size 0).
    """
    selection, obs = evidence_rows(evidence, params)
    first = {}
    for target in targets:
        first.setdefault(target.group, target)
    rngs = group_generators(params.seed, 1 + max(first, default=0))
    groups = {}
    for group, target in first.items():
        levels, ratio, columns = _output_and_ratio(target.base_level, target.base_year, params, rngs[group],
                                                   target.actuals_series(), history)
        weights, ess, used = _condition(target, levels, ratio, columns, obs, params.evidence)
        measure = levels * ratio[:, None] if target.apply_ratio else levels
        groups[group] = GroupPaths(pd.DataFrame(measure, columns=pd.Index(columns, name="year")), weights, ess, used)
    lowest = min((g.ess for g in groups.values() if g.weights is not None), default=math.inf)
    ep = params.evidence
    if lowest < ep.min_ess and params.n_sims < ep.max_sims:
        more = int(min(ep.max_sims, math.ceil(params.n_sims * ep.min_ess / lowest * 1.2)))
        log.info("%s: effective sample size %.0f < %d; drawing %d paths", params.scenario, lowest, ep.min_ess, more)
        bigger = simulate_targets(targets, params.model_copy(update={"n_sims": more}), history, evidence)
        bigger.note = (f"the evidence left an effective sample of {lowest:,.0f} of {params.n_sims:,} paths "
                       f"(floor {ep.min_ess:,}); {more:,} paths were drawn instead") + (
                       f"; {bigger.note}" if bigger.note else "")
        return bigger
    note = "" if lowest >= ep.min_ess else (f"effective sample {lowest:,.0f} is below the floor {ep.min_ess:,} "
                                            f"even with {params.n_sims:,} paths (evidence.max_sims)")
    return Simulation(groups, params.n_sims, selection, note)


# ---------------------------------------------------------------- a batch of parameter points
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
    return EngineSetup(base=base, targets=level_targets(inputs["targets"], inputs["baselines"], inputs["history"]),
                       history=pairs, evidence=inputs.get("evidence"))


def result_columns(targets, weighted=False) -> list[str]:
    """The columns a batch gives for each level target: P(met), the quantiles, the required growth,
    and with evidence the effective sample size ``ess``."""
    stats = ("p_met", *QUANTILES, "required_cagr", *(("ess",) if weighted else ()))
    return [f"{stat}.{t.target_id}" for t in targets for stat in stats]


def _shape_key(params) -> tuple:
    # Points sharing the draws and the evidence rows are evaluated together.
    return (*(getattr(params, k) for k in STRUCTURAL_KEYS), params.as_of_month, params.evidence)


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


def lognormal_inputs(params_list, years, apply_ratio) -> dict:
    """The numbers the lognormal engine reads from each point: log growths, volatility, ratio moments.

    Returns
    -------
    dict of ndarray
        ``log_growth`` (points x years, ln(1 + nominal growth)), ``volatility`` (points,),
        ``ratio_mu`` and ``ratio_s`` (points,; zeros when the target has no ratio).
    """
    moments = np.array([ratio_log_moments(p, apply_ratio) for p in params_list]).reshape(-1, 2)
    return {"log_growth": np.array([log_growth_means(p, years) for p in params_list]).reshape(len(params_list), -1),
            "volatility": np.array([p.volatility for p in params_list], dtype=float),
            "ratio_mu": moments[:, 0], "ratio_s": moments[:, 1]}


def _order_positions(n, q):
    # numpy's default ("linear") quantile: position (n - 1) q between two order statistics.
    position = (n - 1) * q
    low = min(int(math.floor(position)), n - 1)
    return low, min(low + 1, n - 1), position - low


def _count_met(sorted_values, bounds, comparison):
    """How many of the sorted values pass ``value >= bound`` (or ``>``), for each bound."""
    side = "left" if comparison == ">=" else "right"
    return len(sorted_values) - np.searchsorted(sorted_values, bounds, side=side)


def lognormal_level_stats(shift, volatility, sorted_shock_sum, threshold, comparison=">="):
    """P(met) and quantiles of a level target when the revenue ratio is a fixed number.

    A path's deadline value is ``exp(shift + volatility * S)``, with ``S`` the sum of that path's
    standard-normal shocks over the simulated years. The value rises with ``S``, so every point
    shares one sorted ``S``: P(met) is a binary search and each quantile is the interpolated order
    statistic (numpy's default "linear" rule), as the brute force over all paths gives it.

    Parameters
    ----------
    shift : ndarray, shape (points,)
        ln(start level in 亿元) + sum over the years of ln(1 + nominal growth) + ln(ratio).
    volatility : ndarray, shape (points,)
        sd of annual log growth.
    sorted_shock_sum : ndarray, shape (n_sims,)
        Each path's sum of shared standard-normal draws over the years to the deadline, sorted.
    threshold : float
        The target level K in 亿元.
    comparison : {">=", ">"}

    Returns
    -------
    dict of ndarray
        ``p_met`` (probability), ``median``, ``q10``, ``q90`` (亿元), each of shape (points,).
    """
    shift = np.asarray(shift, dtype=float)
    sigma = np.broadcast_to(np.asarray(volatility, dtype=float), shift.shape)
    n = len(sorted_shock_sum)
    gap = math.log(threshold) - shift
    positive = sigma > 0
    met = np.where(gap <= 0, n, 0) if comparison == ">=" else np.where(gap < 0, n, 0)
    met = np.where(positive, _count_met(sorted_shock_sum, gap / np.where(positive, sigma, 1.0), comparison), met)
    stats = {"p_met": met / n}
    for name, q in QUANTILES.items():
        low, high, frac = _order_positions(n, q)
        at_low = np.exp(shift + sigma * sorted_shock_sum[low])
        at_high = np.exp(shift + sigma * sorted_shock_sum[high])
        stats[name] = at_low + frac * (at_high - at_low)
    return stats


def sampled_level_stats(shift, group, sorted_group_logs, threshold, comparison=">="):
    """P(met) and quantiles when each point's log values are a shared sample plus ``shift``.

    Used when the revenue ratio is uncertain: a path's log value is then ``shift + volatility * S
    + s * W`` with ``W`` its ratio draw, no longer a function of ``S`` alone. Points that share
    (volatility, s) share the sample ``volatility * S + s * W``; it is sorted once per group.

    Parameters
    ----------
    shift : ndarray, shape (points,)
        ln(start level in 亿元) + summed ln(1 + growth) + the ratio's log-mean.
    group : ndarray of int, shape (points,)
        Row of ``sorted_group_logs`` each point belongs to.
    sorted_group_logs : ndarray, shape (groups, n_sims)
        Each group's sample of log values at zero shift, sorted along the rows.
    threshold : float
        K in 亿元.
    comparison : {">=", ">"}
    """
    shift = np.asarray(shift, dtype=float)
    n = sorted_group_logs.shape[1]
    bound = math.log(threshold) - shift
    met = np.empty(len(shift))
    for g in np.unique(group):
        rows = group == g
        met[rows] = _count_met(sorted_group_logs[g], bound[rows], comparison)
    stats = {"p_met": met / n}
    for name, q in QUANTILES.items():
        low, high, frac = _order_positions(n, q)
        at_low = np.exp(shift + sorted_group_logs[group, low])
        at_high = np.exp(shift + sorted_group_logs[group, high])
        stats[name] = at_low + frac * (at_high - at_low)
    return stats


def _uncertain_ratio_stats(shift, sigma, s, shock_sum, ratio_shock, threshold, comparison):
    """``sampled_level_stats`` over the distinct (volatility, ratio log-sd) pairs, block by block."""
    pairs, group = np.unique(np.column_stack([sigma, s]), axis=0, return_inverse=True)
    group = group.ravel()
    per_block = max(1, BLOCK_BYTES // (8 * len(shock_sum)))
    out = {name: np.empty(len(shift)) for name in ("p_met", *QUANTILES)}
    for first in range(0, len(pairs), per_block):
        block = pairs[first:first + per_block]
        logs = np.multiply.outer(block[:, 0], shock_sum)
        logs += np.multiply.outer(block[:, 1], ratio_shock)
        logs.sort(axis=1)
        rows = (group >= first) & (group < first + len(block))
        stats = sampled_level_stats(shift[rows], group[rows] - first, logs, threshold, comparison)
        for name, values in stats.items():
            out[name][rows] = values
    return out


def _deadline_years(target, params, years):
    n_years = target.deadline - params.as_of_year
    if not 0 < n_years <= len(years):
        log.warning("%s: deadline %d is not simulated from as_of_year %d to target_year %d; left empty",
                    target.target_id, target.deadline, params.as_of_year, params.target_year)
        return None
    return n_years


def _group_draws(setup, params):
    """The simulated years and each target group's draws, reused by every point of a batch group."""
    years = simulated_years(params)
    return years, [lognormal_draws(rng, params.n_sims, len(years))
                   for rng in group_generators(params.seed, setup.n_groups)]


def _required_growth(params_list, target, start, n_years):
    # Each point's required growth: from its start level (x its ratio for a revenue target) to the threshold.
    ratio = np.array([p.revenue_to_output_ratio if target.apply_ratio else 1.0 for p in params_list])
    return required_cagr(start * ratio, target.threshold, n_years)


def _lognormal_group(params_list, setup: EngineSetup, params):
    """Result columns for points that share engine, years, n_sims and seed (lognormal engine)."""
    years, draws = _group_draws(setup, params)
    out = {}
    for target in setup.targets:
        n_years = _deadline_years(target, params, years)
        if n_years is None:
            continue
        start, _ = start_point(target.base_level, target.base_year, params, target.actuals_series())
        inputs = lognormal_inputs(params_list, years[:n_years], target.apply_ratio)
        shock_sum = draws[target.group].shocks[:, :n_years].sum(axis=1)
        shift = math.log(start) + inputs["log_growth"].sum(axis=1) + inputs["ratio_mu"]
        sigma, s = inputs["volatility"], inputs["ratio_s"]
        fixed = s == 0
        stats = {name: np.empty(len(params_list)) for name in ("p_met", *QUANTILES)}
        if fixed.any():
            part = lognormal_level_stats(shift[fixed], sigma[fixed], np.sort(shock_sum), target.threshold,
                                         target.comparison)
            for name, values in part.items():
                stats[name][fixed] = values
        if (~fixed).any():
            part = _uncertain_ratio_stats(shift[~fixed], sigma[~fixed], s[~fixed], shock_sum,
                                          draws[target.group].ratio, target.threshold, target.comparison)
            for name, values in part.items():
                stats[name][~fixed] = values
        for name, values in stats.items():
            out[f"{name}.{target.target_id}"] = values
        out[f"required_cagr.{target.target_id}"] = _required_growth(params_list, target, start, n_years)
    return out


#: Points weighed at once: (points x paths) float64 arrays of 4 MiB, which stay in the processor's cache
#: (measured: 4 MiB chunks run a 10,000-point sweep 1.3 times faster than 64 MiB ones).
WEIGHT_CHUNK_BYTES = 4 * 2 ** 20


class _LinearPaths:
    """A chunk of points' lognormal paths, where every quantity the evidence observes is linear in one
    shared path vector: s_t = m_t + σ z_t, ln X_t = ln X0 + M_t + σ Z_t, ln r = μ_r + s_r W.

    ``log_weights`` sums the measurement model's terms (``condition.terms``) over the paths, points x
    paths. Gaussian terms on the same vector are collected into one quadratic in it (the constant part
    drops out when the weights are normalised), hard bounds become a comparison with the vector, and
    soft ones are evaluated once per distinct (intercept, slope) — so a sweep of 10,000 points x 10,000
    paths stays within seconds.
    """

    def __init__(self, start, kept, years, log_growth, sigma, shocks, ratio_mu, ratio_s, ratio_z, base_level,
                 soft_cache=None):
        self.start, self.kept, self.years, self.base_level = start, kept, years, base_level
        self.soft_cache = {} if soft_cache is None else soft_cache  # shared by the chunks of one group
        self.log_growth, self.cum_growth, self.sigma = log_growth, np.cumsum(log_growth, axis=1), sigma
        self.shocks, self.cum_shocks = shocks, np.cumsum(shocks, axis=1)
        self.ratio_mu, self.ratio_s, self.ratio_z = ratio_mu, ratio_s, ratio_z

    def linear(self, term):
        """(key, intercept (points,), slope (points,), vector (paths,)) of the term's quantity, or None
        when it is a known constant (a year with an actual figure): then (None, value, 0, None)."""
        if term.observes == "log_r":
            return "W", self.ratio_mu, self.ratio_s, self.ratio_z
        if term.year in self.kept:
            before = self.kept.get(term.year - 1, self.base_level)
            value = math.log(self.kept[term.year] / before) if term.observes == "s" else math.log(self.kept[term.year])
            return None, np.full(len(self.sigma), value), np.zeros(len(self.sigma)), None
        j = self.years.index(term.year)
        if term.observes == "s" or j == 0:  # ln X of the first simulated year moves with its shock alone
            base = 0.0 if term.observes == "s" else math.log(self.start)
            return f"z{j}", base + self.log_growth[:, j], self.sigma, self.shocks[:, j]
        return f"Z{j}", math.log(self.start) + self.cum_growth[:, j], self.sigma, self.cum_shocks[:, j]

    def full(self, term):
        """The quantity itself, points x paths (for terms on two vectors: ln revenue)."""
        x = self.linear(Term("log_x", term.year, "gaussian", 0.0, 1.0))
        r = self.linear(Term("log_r", term.year, "gaussian", 0.0, 1.0))
        q = x[1][:, None] + r[1][:, None]
        for _, _, slope, vector in (x, r):
            if vector is not None:
                q = q + slope[:, None] * vector[None, :]
        return q

    def log_weights(self, terms_list, n):
        points = len(self.sigma)
        log_w = np.zeros((points, n))
        quadratic = {}  # vector key -> (vector, linear coefficient, quadratic coefficient)
        dead = np.zeros(points, dtype=bool)
        for term in terms_list:
            if term.observes == "log_x+log_r":
                log_w += term_log_likelihood(term, self.full(term))
                continue
            key, a, b, v = self.linear(term)
            if term.kind == "gaussian" and key is not None:
                _, beta, gamma = quadratic.get(key, (v, 0.0, 0.0))
                quadratic[key] = (v, beta + (term.value - a) * b / term.sd ** 2, gamma + b ** 2 / term.sd ** 2)
            elif term.kind == "gaussian":
                continue  # a constant: it cancels in the normalised weights
            elif key is None or term.sd == 0 and not np.any(b):
                dead |= term_log_likelihood(term, a) == -np.inf if term.sd == 0 else False
                if term.sd > 0:
                    log_w += term_log_likelihood(term, a)[:, None]
            elif term.sd == 0:  # hard: compare the vector with each point's threshold
                flat = b == 0
                dead |= flat & (term_log_likelihood(term, a) == -np.inf)
                threshold = (term.value - a) / np.where(flat, 1.0, b)
                fails = v[None, :] < threshold[:, None] if term.kind == "at_least" else v[None, :] > threshold[:, None]
                fails &= ~flat[:, None]
                np.putmask(log_w, fails, -np.inf)
            else:  # soft: once per distinct (intercept, slope), kept for the next chunks
                if len(self.soft_cache) > 256:
                    self.soft_cache.clear()
                for i, pair in enumerate(zip(a, b)):
                    key_i = (term, *pair)
                    if key_i not in self.soft_cache:
                        self.soft_cache[key_i] = term_log_likelihood(term, pair[0] + pair[1] * v)
                    log_w[i] += self.soft_cache[key_i]
        for v, beta, gamma in quadratic.values():
            beta, gamma = np.broadcast_to(beta, (points,)), np.broadcast_to(gamma, (points,))
            log_w += np.multiply.outer(beta, v)
            log_w -= np.multiply.outer(0.5 * gamma, v * v)
        log_w[dead] = -np.inf
        return log_w


def _weighted_chunk_stats(shift, scale, sorted_sample, order, weights, threshold, comparison):
    """P(met) and quantiles of points whose log values are ``shift + scale * sample`` (rising in the
    sample), each point with its own path weights (points x paths, normalised)."""
    c = np.cumsum(weights[:, order], axis=1)
    positive = scale > 0
    bound = (math.log(threshold) - shift) / np.where(positive, scale, 1.0)
    k = np.searchsorted(sorted_sample, bound, side="left" if comparison == ">=" else "right")
    below = np.where(k > 0, np.take_along_axis(c, np.maximum(k - 1, 0)[:, None], axis=1)[:, 0], 0.0)
    met_flat = (shift >= math.log(threshold)) if comparison == ">=" else (shift > math.log(threshold))
    stats = {"p_met": np.where(positive, 1.0 - below, met_flat.astype(float))}
    for name, q in QUANTILES.items():
        idx = np.minimum((c < q).sum(axis=1), len(order) - 1)
        stats[name] = np.exp(shift + scale * sorted_sample[idx])
    return stats


def _weighted_lognormal_group(params_list, setup: EngineSetup, params, obs):
    """Result columns under evidence (lognormal engine): each point's paths weighted by the evidence."""
    years, draws = _group_draws(setup, params)
    out = {}
    for target in setup.targets:
        n_years = _deadline_years(target, params, years)
        if n_years is None:
            continue
        start, kept = start_point(target.base_level, target.base_year, params, target.actuals_series())
        usable = usable_observations(obs, target, [*kept, *years])
        terms_list = [t for o in usable for t in terms(o, params.evidence)]
        inputs = lognormal_inputs(params_list, years, True)
        shocks, ratio_z = draws[target.group].shocks, draws[target.group].ratio
        mu_r, s_r = (inputs["ratio_mu"], inputs["ratio_s"]) if target.apply_ratio else (
            np.zeros(len(params_list)), np.zeros(len(params_list)))
        shift = math.log(start) + inputs["log_growth"][:, :n_years].sum(axis=1) + mu_r
        sigma, shock_sum = inputs["volatility"], shocks[:, :n_years].sum(axis=1)
        n = params.n_sims
        stats = {name: np.full(len(params_list), np.nan) for name in ("p_met", *QUANTILES, "ess")}
        chunk = max(1, WEIGHT_CHUNK_BYTES // (8 * n))
        fixed_order = np.argsort(shock_sum, kind="stable")
        sorted_sum = shock_sum[fixed_order]
        walk = np.lexsort((s_r, sigma))  # points sharing a sample (volatility, ratio sd) come together
        samples = {}  # (volatility, ratio log-sd) -> (sort order, sorted sample): the last few only
        soft_cache, last_order = {}, None
        for first in range(0, len(walk), chunk):
            rows = walk[first:first + chunk]
            linear = _LinearPaths(start, kept, years, inputs["log_growth"][rows], sigma[rows], shocks,
                                  inputs["ratio_mu"][rows], inputs["ratio_s"][rows], ratio_z, target.base_level,
                                  soft_cache)
            weights, ess = normalise(linear.log_weights(terms_list, n), axis=1)
            stats["ess"][rows] = ess
            local = np.nonzero(ess > 0)[0]
            fixed = local[s_r[rows[local]] == 0]
            if len(fixed):
                part = _weighted_chunk_stats(shift[rows[fixed]], sigma[rows[fixed]], sorted_sum, fixed_order,
                                             weights[fixed], target.threshold, target.comparison)
                for name, values in part.items():
                    stats[name][rows[fixed]] = values
            uncertain = local[s_r[rows[local]] > 0]
            for pair in dict.fromkeys(zip(sigma[rows[uncertain]], s_r[rows[uncertain]])):
                if pair not in samples:
                    if len(samples) > 8:
                        samples.clear()
                    sample = pair[0] * shock_sum + pair[1] * ratio_z
                    # Neighbouring points' samples are nearly in the same order: sorting the last order
                    # again is 5x faster than sorting from scratch (measured at 10,000 paths).
                    order = last_order[np.argsort(sample[last_order], kind="stable")] if last_order is not None \
                        else np.argsort(sample)
                    last_order = order
                    samples[pair] = (order, sample[order])
                order, sorted_sample = samples[pair]
                members = uncertain[(sigma[rows[uncertain]] == pair[0]) & (s_r[rows[uncertain]] == pair[1])]
                part = _weighted_chunk_stats(shift[rows[members]], np.ones(len(members)), sorted_sample, order,
                                             weights[members], target.threshold, target.comparison)
                for name, values in part.items():
                    stats[name][rows[members]] = values
        if (stats["ess"] == 0).any():
            log.warning("%s: %d point(s) where no path is consistent with the evidence; left empty",
                        target.target_id, int((stats["ess"] == 0).sum()))
        for name, values in stats.items():
            out[f"{name}.{target.target_id}"] = values
        out[f"required_cagr.{target.target_id}"] = _required_growth(params_list, target, start, n_years)
    return out


def _paths_group(params_list, setup: EngineSetup):
    """Result columns by simulating every point's paths (the ``fitted`` engine: one fit per point)."""
    out = {c: np.full(len(params_list), np.nan) for c in result_columns(setup.targets, setup.evidence is not None)}
    history = setup.history_series()
    for i, params in enumerate(params_list):
        paths = simulate_targets(setup.targets, params, history, setup.evidence).groups
        for target in setup.targets:
            if not params.as_of_year < target.deadline <= params.target_year:
                continue
            group = paths[target.group]
            values = group.paths[target.deadline].to_numpy()
            if group.weights is not None:
                stats = weighted_stats(values, group.weights, target.threshold, target.comparison)
            else:
                met = values >= target.threshold if target.comparison == ">=" else values > target.threshold
                stats = {"p_met": met.mean(), **{name: np.quantile(values, q) for name, q in QUANTILES.items()}}
            if f"ess.{target.target_id}" in out:
                stats["ess"] = group.ess
            for name, value in stats.items():
                out[f"{name}.{target.target_id}"][i] = value
            start, _ = start_point(target.base_level, target.base_year, params, target.actuals_series())
            ratio = params.revenue_to_output_ratio if target.apply_ratio else 1.0
            out[f"required_cagr.{target.target_id}"][i] = required_cagr(
                start * ratio, target.threshold, target.deadline - params.as_of_year)
    return out


def evaluate_points(points, setup: EngineSetup) -> pd.DataFrame:
    """P(met), quantiles and required growth for any set of parameter points: the same numbers
    however the points are split. Points whose ``as_of`` month admits evidence are weighted by it
    (``condition``), and an ``ess.<target_id>`` column gives each point's effective sample size.

    Parameters
    ----------
    points : DataFrame
        One row per point, one column per changed key (``growth``, ``growth_overrides.2022``, ...).
    setup : EngineSetup
        The scenario the points change and the level targets.

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
        if members[0].engine != "lognormal":
            columns = _paths_group(members, setup)
        elif obs:
            columns = _weighted_lognormal_group(members, setup, members[0], obs)
        else:
            columns = _lognormal_group(members, setup, members[0])
        if setup.evidence is not None:  # unweighted groups: every path counts fully
            for target in setup.targets:
                columns.setdefault(f"ess.{target.target_id}", np.full(len(rows), float(members[0].n_sims)))
        for name, values in columns.items():
            if name in result.columns:
                result.iloc[rows, result.columns.get_loc(name)] = values
    if not weighted:  # no point used any evidence: the table of the plan-time engine, as before
        result = result.drop(columns=[c for c in result.columns if c.startswith("ess.")])
    return result


# ---------------------------------------------------------------- closed form
def closed_form_p_met(threshold, base_level, years, growth, volatility, ratio=1.0, ratio_sd=0.0) -> float:
    """P(level after ``years`` steps >= ``threshold``) under the lognormal engine, exactly.

    P = 1 - Φ((ln(K / (r·X0)) - Σ ln(1 + g_t)) / (σ·√n)); with ``ratio_sd`` > 0 the lognormal
    ratio adds its log-variance s² to n·σ² and shifts the log-mean by -s²/2 (its mean stays r).

    Parameters
    ----------
    threshold : float
        K, the target level (亿元).
    base_level : float
        X0, the start level before the ratio (亿元).
    years : int
        n, the number of annual steps.
    growth : float or sequence of float
        Nominal growth per year (a fraction), one value or one per year.
    volatility : float
        σ, sd of annual log growth.
    ratio, ratio_sd : float
        Mean and sd of the revenue-to-output ratio.

    Examples
    --------
    >>> round(closed_form_p_met(5400, 4621.25, 4, 0.0397, 0.05), 3)
    0.5
    """
    g = np.broadcast_to(np.asarray(growth, dtype=float), (years,))
    drift = float(np.sum(np.log1p(g)))
    if ratio_sd > 0:
        mu_r, s = ratio_lognormal(ratio, ratio_sd)
    else:
        mu_r, s = math.log(ratio), 0.0
    spread = math.sqrt(years * volatility ** 2 + s ** 2)
    gap = math.log(threshold / base_level) - mu_r - drift
    if spread == 0:
        return 1.0 if gap <= 0 else 0.0
    return float(ndtr(-gap / spread))  # the normal's upper tail, as scipy.stats.norm.sf computes it


def closed_form_for(params, threshold, start_level, deadline=None, apply_ratio=True) -> float:
    """``closed_form_p_met`` with the scenario's yearly growths, volatility and ratio (lognormal engine)."""
    years = [y for y in simulated_years(params) if deadline is None or y <= deadline]
    growth = [params.nominal_growth(y) for y in years]
    ratio, sd = ((params.revenue_to_output_ratio, params.revenue_to_output_ratio_sd) if apply_ratio
                 else (1.0, 0.0))
    return closed_form_p_met(threshold, start_level, len(years), growth, params.volatility, ratio, sd)
