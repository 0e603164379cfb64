"""Parameter sweeps: every point of a grid of assumptions, evaluated at once.

A sweep answers questions over a grid ("at what growth does the 5400 亿元 target become likely if
revenue is 95 % of output?") in seconds, without a notebook per point. Every point uses the same
random shocks (common random numbers: one standard-normal matrix drawn once from the seed), so the
differences between points are the assumptions' and not noise.

For the lognormal engine the target-year log level of a path is its start level plus the sum of the
years' mean log growths plus ``volatility`` times the sum of its shared normal draws. Each path is
therefore reduced to one number per target, sorted once; a point's P(met) is then a binary search
and its quantiles are order statistics, whatever the number of points. Only revenue-ratio
uncertainty breaks that shortcut; such points share one sorted sample per distinct (volatility,
ratio log-sd), and those samples are sorted in chunks that can run in a local process pool or on
a Dask cluster. The draws are made exactly as ``assess`` makes them, so a sweep row and the
scenario notebook for the same parameters give the same numbers.
"""

import html
import logging
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from dgforecast.errors import DgforecastError, ParamsError
from dgforecast.workers import stop_pool, worker_start

log = logging.getLogger(__name__)

#: Points a sweep may have before it needs ``--yes``.
MAX_POINTS = 1_000_000
#: A range's stop counts as reached when within this fraction of a step (0:0.08:0.01 has 9 points).
STOP_TOLERANCE = 1e-9
#: Decimal places range values are rounded to, so 0.07 is 0.07 and not 0.07000000000000001.
RANGE_DECIMALS = 12

_SPEC = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[0-9]{4})?)\s*=(.*)$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")


# ---------------------------------------------------------------- grid syntax
def _grid_error(spec, what) -> ParamsError:
    return ParamsError(f"--grid {spec!r}: {what}")


def _range_number(spec, text, part):
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        raise _grid_error(spec, f"{part} {text!r} is not a number; write KEY=START:STOP:STEP such as "
                                "growth=0:0.08:0.01")
    return int(text) if _INTEGER.fullmatch(text) else float(text)


def parse_range(spec, text) -> list:
    """The values of ``START:STOP:STEP``, stop included when it is reached within rounding.

    Parameters
    ----------
    spec : str
        The whole ``--grid`` argument, for error messages.
    text : str
        ``START:STOP:STEP`` in the unit of the key (fractions for growth, 0.01 = 1 %).

    Returns
    -------
    list of int or float
        Integers when all three parts are integers, else floats rounded to 12 decimals.

    Examples
    --------
    >>> len(parse_range("growth=0:0.08:0.01", "0:0.08:0.01"))
    9
    """
    parts = text.split(":")
    if len(parts) != 3:
        raise _grid_error(spec, "a range needs three parts START:STOP:STEP, such as growth=0:0.08:0.01")
    start, stop, step = (_range_number(spec, p, name) for p, name in zip(parts, ("start", "stop", "step")))
    if step == 0:
        raise _grid_error(spec, "step is 0; give a step such as 0.01 (or list the values V1,V2,...)")
    span = (stop - start) / step
    if span < -STOP_TOLERANCE:
        direction = "up" if stop > start else "down"
        raise _grid_error(spec, f"step {step} has the wrong sign: the range runs {direction} from {start} to "
                                f"{stop}, so it is empty; use step {-step}")
    count = math.floor(span + STOP_TOLERANCE) + 1
    if count > MAX_POINTS:
        raise _grid_error(spec, f"{count:,} values in one range; use a larger step")
    if all(isinstance(v, int) for v in (start, stop, step)):
        return [start + i * step for i in range(count)]
    return [round(start + i * step, RANGE_DECIMALS) for i in range(count)]


def _scalar(spec, text):
    # Values are YAML scalars, as in `dgforecast scenario --set KEY=VALUE`.
    import yaml

    text = text.strip()
    if not text:
        raise _grid_error(spec, "an empty value in the list; write KEY=V1,V2,... with no empty items")
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        value = text
    if isinstance(value, (list, dict)) or value is None:
        raise _grid_error(spec, f"{text!r} is not a single value; write KEY=V1,V2,...")
    return value


def parse_grid_spec(spec) -> tuple[str, list]:
    """One ``--grid`` argument as (key, values).

    Parameters
    ----------
    spec : str
        ``KEY=START:STOP:STEP`` (stop inclusive) or ``KEY=V1,V2,...``. ``KEY`` is a scenario
        parameter, or ``growth_overrides.YEAR`` for the growth of one year (a shock).

    Raises
    ------
    ParamsError
        On any syntax error, an empty or wrong-direction range, or a repeated value.
    """
    match = _SPEC.match(spec)
    if not match:
        raise _grid_error(spec, "write KEY=START:STOP:STEP or KEY=V1,V2,... (for example growth=0:0.08:0.01)")
    key, text = match.group(1), match.group(2).strip()
    if not text:
        raise _grid_error(spec, f"no values for {key}; write {key}=START:STOP:STEP or {key}=V1,V2,...")
    if ":" in text:
        return key, parse_range(spec, text)
    values = [_scalar(spec, item) for item in text.split(",")]
    repeated = sorted({str(v) for v in values if values.count(v) > 1})
    if repeated:
        raise _grid_error(spec, f"value(s) {', '.join(repeated)} given twice; list each value once")
    return key, values


def parse_grid(specs) -> dict:
    """Every ``--grid`` argument as an ordered ``{key: values}``; a key may be given once only."""
    if not specs:
        raise ParamsError("no --grid given; add one or more, such as --grid growth=0:0.08:0.01")
    grid = {}
    for spec in specs:
        key, values = parse_grid_spec(spec)
        if key in grid:
            raise _grid_error(spec, f"{key} is already on the grid; give each key once (list all its values there)")
        grid[key] = values
    return grid


def grid_size(grid) -> int:
    """Number of points of the grid's Cartesian product."""
    return math.prod(len(v) for v in grid.values())


def check_grid_size(grid, yes=False, limit=MAX_POINTS) -> int:
    """The number of points, refusing more than ``limit`` unless ``yes``."""
    size = grid_size(grid)
    if size > limit and not yes:
        shape = " x ".join(f"{len(v)} {k}" for k, v in grid.items())
        raise ParamsError(f"--grid: {size:,} points ({shape}) is more than {limit:,}; "
                          "use larger steps, or add --yes to run them all")
    return size


def grid_points(grid):
    """The Cartesian product as a DataFrame, one row per point, the first key varying slowest."""
    import pandas as pd

    index = pd.MultiIndex.from_product(list(grid.values()), names=list(grid))
    return index.to_frame(index=False)


# ---------------------------------------------------------------- the vectorised engine
#: Quantiles reported for each level target, with their column prefixes.
QUANTILES = {"median": 0.5, "q10": 0.1, "q90": 0.9}


def _order_positions(n, q):
    # numpy's default ("linear") quantile: position (n - 1) q between two order statistics.
    position = (n - 1) * q
    low = min(int(math.floor(position)), n - 1)
    return low, min(low + 1, n - 1), position - low


def _count_met(sorted_values, bounds, comparison):
    """How many of the sorted values pass ``value >= bound`` (or ``>``), for each bound."""
    import numpy as np

    side = "left" if comparison == ">=" else "right"
    return len(sorted_values) - np.searchsorted(sorted_values, bounds, side=side)


def lognormal_level_stats(shift, volatility, sorted_shock_sum, threshold, comparison=">="):
    """P(met) and quantiles of a level target when the revenue ratio is a fixed number.

    A path's target-year value is ``exp(shift + volatility * S)``, with ``S`` the sum of that
    path's standard-normal shocks over the simulated years. The value rises with ``S``, so every
    point shares one sorted ``S``: P(met) is a binary search and each quantile is the
    interpolated order statistic (numpy's default "linear" rule), as the brute force over all
    paths gives it.

    Parameters
    ----------
    shift : ndarray, shape (points,)
        ln(start level in 亿元) + sum over the years of ln(1 + nominal growth) + ln(ratio).
    volatility : ndarray, shape (points,)
        sd of annual log growth; the sum of ``n`` years has sd ``volatility * sqrt(n)``.
    sorted_shock_sum : ndarray, shape (n_sims,)
        Each path's sum of shared standard-normal draws over the years to the deadline, sorted.
    threshold : float
        The target level K in 亿元.
    comparison : {">=", ">"}

    Returns
    -------
    dict of ndarray
        ``p_met`` (probability), ``q10``, ``median``, ``q90`` (亿元), each of shape (points,).
    """
    import numpy as np

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
    import numpy as np

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


# ---------------------------------------------------------------- grid keys against the schema
#: Keys whose values change the shape of the simulation; points are grouped by them.
STRUCTURAL_KEYS = ("engine", "as_of_year", "target_year", "n_sims", "seed")
#: Keys evaluated point by point inside a group.
POINT_KEYS = ("growth", "volatility", "revenue_to_output_ratio", "revenue_to_output_ratio_sd", "price_basis",
              "deflator")
OVERRIDE_PREFIX = "growth_overrides."
#: Above this many distinct values a numeric key is checked at its smallest and largest value only
#: (the schema's ranges are intervals).
CHECK_EVERY_VALUE_UP_TO = 1000


def sweepable_keys() -> list[str]:
    """Keys a ``--grid`` may vary (plus ``growth_overrides.YEAR``)."""
    return [*POINT_KEYS, *STRUCTURAL_KEYS]


def _as_override(key, value) -> dict:
    if key.startswith(OVERRIDE_PREFIX):
        return {"growth_overrides": {int(key[len(OVERRIDE_PREFIX):]): value}}
    return {key: value}


def _check_key(key):
    from dgforecast.params import FIELDS, did_you_mean

    if key in sweepable_keys() or key.startswith(OVERRIDE_PREFIX):
        return
    if key in FIELDS:
        raise ParamsError(f"--grid {key}: cannot be swept (it does not change the numbers, or is a whole "
                          f"mapping); sweep one of {', '.join(sweepable_keys())} or growth_overrides.YEAR")
    guess = did_you_mean(key, [*sweepable_keys(), "growth_overrides.YEAR"])
    hint = f"did you mean {guess!r}?" if guess else f"use one of {', '.join(sweepable_keys())}"
    raise ParamsError(f"--grid {key}: unknown parameter; {hint}")


def _values_to_check(values) -> list:
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    if numeric and len(values) > CHECK_EVERY_VALUE_UP_TO:
        return [min(values), max(values)]
    return list(values)


def _validate(base, overrides, params_file):
    """``base`` with ``overrides`` laid over it, or the params module's one-line error for them."""
    from pydantic import ValidationError

    from dgforecast.params import ScenarioParams, resolve_scenario

    merged = base.model_dump()
    for key, value in overrides.items():
        if isinstance(value, dict):
            merged[key] = {**merged.get(key, {}), **value}
        else:
            merged[key] = value
    try:
        return ScenarioParams.model_validate(merged)
    except ValidationError:
        pass
    try:  # resolving through the file gives the schema's own message (file, key, value, what to do)
        resolve_scenario(params_file, base.scenario, overrides)
    except ParamsError as exc:
        text = str(exc)
        raise ParamsError(f"--grid {text[3:]}" if text.startswith("-p ") else f"--grid: {text}") from None
    raise ParamsError(f"--grid {overrides}: not a valid combination for scenario {base.scenario!r}")


def validate_grid(grid, base, params_file) -> None:
    """Check every key and value of the grid against the schema before any work starts.

    Each value is checked on its own against the scenario ``base``; then every combination of the
    structural keys is checked with the year overrides, which depend on the simulated years.

    Raises
    ------
    ParamsError
        Unknown or unsweepable key (with a did-you-mean), a value of the wrong type or out of range.
    """
    import itertools

    for key, values in grid.items():
        _check_key(key)
        for value in _values_to_check(values):
            _validate(base, _as_override(key, value), params_file)
    joint = [k for k in grid if k in STRUCTURAL_KEYS or k.startswith(OVERRIDE_PREFIX)]
    choices = [_values_to_check(grid[k]) if k.startswith(OVERRIDE_PREFIX) else grid[k] for k in joint]
    for combination in itertools.islice(itertools.product(*choices), 10_000):
        overrides = {}
        for key, value in zip(joint, combination):
            for name, item in _as_override(key, value).items():
                overrides[name] = {**overrides.get(name, {}), **item} if isinstance(item, dict) else item
        _validate(base, overrides, params_file)


# ---------------------------------------------------------------- what a sweep evaluates
@dataclass(frozen=True)
class LevelTarget:
    """A level target as the engine needs it (from data/raw/plan_targets.csv and the baselines)."""

    target_id: str
    threshold: float       # K, 亿元
    comparison: str        # ">=" or ">"
    deadline: int
    base_level: float      # the baseline measure at base_year, 亿元 (before any revenue ratio)
    base_year: int
    apply_ratio: bool      # the target is 营业收入 grown from 总产值
    group: int = 0         # targets grown from the same baseline share paths (as in assess)
    actuals: tuple = ()    # ((year, level), ...) of the baseline measure after base_year, 亿元


@dataclass(frozen=True)
class SweepSetup:
    """Everything a chunk of points needs besides the points: picklable, so it travels to workers."""

    base: dict             # ScenarioParams.model_dump() of the scenario the grid overrides
    targets: tuple         # of LevelTarget
    history: tuple = ()    # ((year, level), ...) of base["history_series"], for the fitted engine

    @property
    def n_groups(self) -> int:
        return 1 + max((t.group for t in self.targets), default=0)


def _pairs(series) -> tuple:
    return () if series is None else tuple((int(y), float(v)) for y, v in series.dropna().items())


def _series(pairs):
    import pandas as pd

    if not pairs:
        return None
    years, levels = zip(*pairs)
    return pd.Series(levels, index=list(years), dtype=float)


def level_targets(raw_dir) -> tuple:
    """The plan's level targets with their baselines and actuals, as ``LevelTarget`` records.

    Targets are grouped as ``assess.assess_inputs`` groups them (baseline variable, conversion,
    start year), so a sweep point and the scenario notebook for the same parameters draw alike.
    """
    from dgforecast.assess import ACTUALS_SERIES
    from dgforecast.data import history_series_or_none, load_baselines, load_history, load_targets, plan_figure

    targets, baselines, history = load_targets(raw_dir), load_baselines(raw_dir), load_history(raw_dir)
    groups, records = {}, []
    for row in targets[targets["kind"] == "level"].itertuples():
        conversion = row.baseline_conversion or ""
        group = groups.setdefault((row.baseline_variable, conversion, int(row.start_year)), len(groups))
        actuals = history_series_or_none(history, ACTUALS_SERIES.get(row.baseline_variable))
        if actuals is not None:
            actuals = actuals[actuals.index > int(row.start_year)]
        records.append(LevelTarget(
            target_id=row.id, threshold=float(row.threshold), comparison=row.comparison,
            deadline=int(row.deadline), base_year=int(row.start_year),
            base_level=plan_figure(baselines, row.baseline_variable, "level", int(row.start_year)),
            apply_ratio=conversion == "revenue_to_output_ratio", group=group, actuals=_pairs(actuals)))
    return tuple(records)


def history_for(raw_dir, series_id) -> tuple:
    """The published level series the fitted engine learns from, as ((year, level), ...)."""
    from dgforecast.data import history_series_or_none, load_history

    return _pairs(history_series_or_none(load_history(raw_dir), series_id))


def result_columns(targets) -> list[str]:
    """The columns a sweep adds after the grid values, for each level target."""
    return [f"{stat}.{t.target_id}" for t in targets for stat in ("p_met", *QUANTILES, "required_cagr")]


def _point_frame(points, base: dict):
    """Every parameter the engine reads, one row per point: grid value where swept, else the scenario's."""
    frame = points.copy()
    for key in (*POINT_KEYS, *STRUCTURAL_KEYS):
        if key not in frame.columns:
            frame[key] = base[key]
    return frame


def _group_params(base: dict, structural: dict):
    from dgforecast.params import ScenarioParams

    overrides = {k: v for k, v in base["growth_overrides"].items()
                 if structural["as_of_year"] < k <= structural["target_year"]}
    return ScenarioParams.model_validate({**base, **structural, "growth_overrides": overrides})


def _log_growth(frame, base: dict, years):
    """ln(1 + nominal growth), shape (points, years): overrides, then real growth made nominal."""
    import numpy as np

    growth = frame["growth"].to_numpy(dtype=float)
    columns = []
    for year in years:
        key = f"{OVERRIDE_PREFIX}{year}"
        if key in frame.columns:
            columns.append(frame[key].to_numpy(dtype=float))
        elif year in base["growth_overrides"]:
            columns.append(np.full(len(frame), float(base["growth_overrides"][year])))
        else:
            columns.append(growth)
    g = np.column_stack(columns) if columns else np.empty((len(frame), 0))
    real = (frame["price_basis"] == "real").to_numpy()[:, None]
    deflator = frame["deflator"].to_numpy(dtype=float)[:, None]
    return np.log1p(np.where(real, (1.0 + g) * (1.0 + deflator) - 1.0, g))


def _ratio_log_moments(frame, apply_ratio):
    """Log-mean and log-sd of the lognormal revenue ratio per point (see ``simulate.ratio_lognormal``)."""
    import numpy as np

    if not apply_ratio:
        return np.zeros(len(frame)), np.zeros(len(frame))
    mean = frame["revenue_to_output_ratio"].to_numpy(dtype=float)
    sd = frame["revenue_to_output_ratio_sd"].to_numpy(dtype=float)
    s2 = np.log1p((sd / mean) ** 2)
    return np.log(mean) - s2 / 2.0, np.sqrt(s2)


#: Bytes of one block of sorted group samples (groups x n_sims float64); keeps peak memory low.
BLOCK_BYTES = 32 * 2 ** 20


def _uncertain_ratio_stats(shift, sigma, s, shock_sum, ratio_shock, threshold, comparison):
    """``sampled_level_stats`` over the distinct (volatility, ratio log-sd) pairs, block by block."""
    import numpy as np

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


def _common_draws(params, n_years, n_groups):
    """Shared standard-normal draws per target group: (yearly shocks n_sims x years, ratio draw n_sims).

    The same draws, in the same order, as ``assess_inputs`` -> ``simulate.simulate_paths``: one
    generator from the seed (spawned per group when targets grow from different baselines), the
    yearly shocks first, then one ratio draw per path.
    """
    import numpy as np

    rng = np.random.default_rng(params.seed)
    rngs = [rng] if n_groups == 1 else rng.spawn(n_groups)
    return [(r.standard_normal((params.n_sims, n_years)), r.standard_normal(params.n_sims)) for r in rngs]


def _lognormal_group(frame, setup: SweepSetup, params):
    """Result columns for points that share engine, years, n_sims and seed (lognormal engine)."""
    import numpy as np

    from dgforecast.simulate import simulated_years, start_point

    years = simulated_years(params)
    draws = _common_draws(params, len(years), setup.n_groups)  # reused by every point of the group
    log_growth = _log_growth(frame, setup.base, years)
    sigma = frame["volatility"].to_numpy(dtype=float)
    out = {}
    for target in setup.targets:
        n_years = target.deadline - params.as_of_year
        if not 0 < n_years <= len(years):
            log.warning("%s: deadline %d is not simulated from as_of_year %d to target_year %d; left empty",
                        target.target_id, target.deadline, params.as_of_year, params.target_year)
            continue
        start, _ = start_point(target.base_level, target.base_year, params, _series(target.actuals))
        shocks, ratio_shock = draws[target.group]
        shock_sum = shocks[:, :n_years].sum(axis=1)
        mu_r, s = _ratio_log_moments(frame, target.apply_ratio)
        shift = math.log(start) + log_growth[:, :n_years].sum(axis=1) + mu_r
        fixed = s == 0
        stats = {name: np.empty(len(frame)) for name in ("p_met", *QUANTILES)}
        if fixed.any():
            part = lognormal_level_stats(shift[fixed], sigma[fixed], np.sort(shock_sum), target.threshold,
                                         target.comparison)
            for name, values in part.items():
                stats[name][fixed] = values
        if (~fixed).any():
            part = _uncertain_ratio_stats(shift[~fixed], sigma[~fixed], s[~fixed], shock_sum, ratio_shock,
                                          target.threshold, target.comparison)
            for name, values in part.items():
                stats[name][~fixed] = values
        for name, values in stats.items():
            out[f"{name}.{target.target_id}"] = values
        ratio = frame["revenue_to_output_ratio"].to_numpy(dtype=float) if target.apply_ratio else 1.0
        out[f"required_cagr.{target.target_id}"] = (target.threshold / (start * ratio)) ** (1.0 / n_years) - 1.0
    return out


def _python(value):
    # numpy scalars become plain Python ones, which the strict schema accepts.
    return value.item() if hasattr(value, "item") else value


def _point_params(row: dict, base: dict):
    from dgforecast.params import ScenarioParams

    merged = {**base, "growth_overrides": dict(base["growth_overrides"])}
    for key, value in row.items():
        if key.startswith(OVERRIDE_PREFIX):
            merged["growth_overrides"][int(key[len(OVERRIDE_PREFIX):])] = _python(value)
        elif key in merged:
            merged[key] = _python(value)
    years = range(merged["as_of_year"] + 1, merged["target_year"] + 1)
    merged["growth_overrides"] = {y: g for y, g in merged["growth_overrides"].items() if y in years}
    return ScenarioParams.model_validate(merged)


def _paths_group(frame, setup: SweepSetup):
    """Result columns by simulating every point's paths (the ``fitted`` engine: one fit per point).

    Each point starts a generator from its seed, spawned per target group as in ``assess``.
    """
    import numpy as np

    from dgforecast.simulate import simulate_paths, start_point

    out = {c: np.full(len(frame), np.nan) for c in result_columns(setup.targets)}
    history = _series(setup.history)
    for i, row in enumerate(frame.to_dict(orient="records")):
        params = _point_params(row, setup.base)
        rng = np.random.default_rng(params.seed)
        rngs = [rng] if setup.n_groups == 1 else rng.spawn(setup.n_groups)
        paths_of = {}
        for target in setup.targets:
            if not params.as_of_year < target.deadline <= params.target_year:
                continue
            actuals = _series(target.actuals)
            if target.group not in paths_of:
                paths_of[target.group] = simulate_paths(target.base_level, target.base_year, params,
                                                        rngs[target.group], actuals=actuals, history=history,
                                                        apply_ratio=target.apply_ratio)
            values = paths_of[target.group][target.deadline].to_numpy()
            met = values >= target.threshold if target.comparison == ">=" else values > target.threshold
            out[f"p_met.{target.target_id}"][i] = met.mean()
            for name, q in QUANTILES.items():
                out[f"{name}.{target.target_id}"][i] = np.quantile(values, q)
            start, _ = start_point(target.base_level, target.base_year, params, actuals)
            ratio = params.revenue_to_output_ratio if target.apply_ratio else 1.0
            n_years = target.deadline - params.as_of_year
            out[f"required_cagr.{target.target_id}"][i] = (target.threshold / (start * ratio)) ** (1 / n_years) - 1
    return out


def evaluate_points(points, setup: SweepSetup):
    """The result columns for any set of grid points: the same numbers however the grid is split.

    Parameters
    ----------
    points : DataFrame
        One row per point, one column per grid key (``growth``, ``growth_overrides.2022``, ...).
    setup : SweepSetup
        The scenario the grid overrides and the level targets.

    Returns
    -------
    DataFrame
        Indexed like ``points``; columns ``result_columns(setup.targets)``: P(met) (probability),
        quantiles of the deadline-year value (亿元) and the required growth (fraction a year).
    """
    import numpy as np
    import pandas as pd

    frame = _point_frame(points, setup.base)
    result = pd.DataFrame(np.nan, index=points.index, columns=result_columns(setup.targets))
    for key, rows in frame.groupby(list(STRUCTURAL_KEYS), sort=False):
        structural = {k: _python(v) for k, v in zip(STRUCTURAL_KEYS, key)}
        params = _group_params(setup.base, structural)
        if params.engine == "lognormal":
            columns = _lognormal_group(rows, setup, params)
        else:
            columns = _paths_group(rows, setup)
        for name, values in columns.items():
            result.loc[rows.index, name] = values
    return result


# ---------------------------------------------------------------- running the chunks
#: Sorting work (groups x paths) below which a process pool costs more than it saves: one process
#: sorts 10,000 groups of 10,000 paths (1e8) in about a second, and starting a pool takes a good
#: part of one.
POOL_WORTH_IT = 300_000_000


#: Points evaluated at once in one process (about 100 MiB of working arrays).
POINTS_PER_CHUNK = 200_000


def _group_order(frame):
    # Points that share a sample (structural keys, volatility, ratio) end up in the same chunk.
    return frame.sort_values([*STRUCTURAL_KEYS, "volatility", "revenue_to_output_ratio_sd",
                              "revenue_to_output_ratio"], kind="stable").index


def split_points(points, setup: SweepSetup, n_chunks) -> list:
    """The points in at most ``n_chunks`` contiguous pieces, points sharing a sample kept together."""
    import numpy as np

    order = _group_order(_point_frame(points, setup.base))
    return [points.loc[index] for index in np.array_split(order, max(1, min(n_chunks, len(points)))) if len(index)]


def sorting_work(points, setup: SweepSetup) -> int:
    """Paths to sort for the points whose revenue ratio is uncertain (the part worth parallelising)."""
    frame = _point_frame(points, setup.base)
    uncertain = frame[(frame["revenue_to_output_ratio_sd"] > 0) | (frame["engine"] != "lognormal")]
    keys = [*STRUCTURAL_KEYS, "volatility", "revenue_to_output_ratio_sd", "revenue_to_output_ratio"]
    groups = uncertain.drop_duplicates(keys)
    return int(groups["n_sims"].sum())


def _run_pool(chunks, setup, jobs) -> list:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=worker_start)
    try:
        parts = list(pool.map(evaluate_points, chunks, [setup] * len(chunks)))
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown()
    return parts


_SCHEDULER = re.compile(r"^(?:(?:tcp|tls|ws|wss|ucx)://[^\s/]+:\d{1,5}|inproc://\S+)$")


def check_scheduler(scheduler) -> None:
    """Refuse a malformed Dask address, or ``--scheduler`` without Dask installed, before any work."""
    if not _SCHEDULER.match(str(scheduler)):
        raise ParamsError(f"--scheduler {scheduler}: not a Dask scheduler address; write tcp://HOST:PORT, "
                          "e.g. tcp://127.0.0.1:8786")
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ParamsError(f"--scheduler {scheduler}: Dask is not installed; install the extra "
                          "dgforecast[dask] or drop --scheduler to use local processes") from None


def _connect(scheduler):
    from distributed import Client

    check_scheduler(scheduler)
    try:
        return Client(scheduler, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ParamsError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc}); start it "
                          "(dask scheduler) or check the address") from None


def _run_dask(points, setup, scheduler) -> list:
    client = _connect(scheduler)
    try:
        threads = sum(client.nthreads().values()) or 1
        chunks = split_points(points, setup, 2 * threads)
        log.info("running %d chunks on %d Dask worker threads at %s", len(chunks), threads, scheduler)
        futures = client.map(evaluate_points, chunks, setup=setup, pure=False)
        return client.gather(futures)
    finally:
        client.close()


def run_engine(points, setup: SweepSetup, jobs=1, scheduler=None):
    """Evaluate every point, inline, in a local process pool (``jobs`` > 1) or on a Dask cluster.

    Each chunk draws its shocks again from the seed, so the numbers do not depend on where or in
    how many pieces the points were evaluated.

    Parameters
    ----------
    points : DataFrame
        The grid points (``grid_points``).
    setup : SweepSetup
    jobs : int
        Local worker processes. The pool is used only when the sorting work is large enough to
        pay for starting it.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://HOST:PORT``); the workers need dgforecast installed.

    Returns
    -------
    DataFrame
        ``evaluate_points`` for all points, in the order of ``points``.
    """
    import pandas as pd

    if scheduler:
        parts = _run_dask(points, setup, scheduler)
    elif jobs > 1 and sorting_work(points, setup) >= POOL_WORTH_IT:
        chunks = split_points(points, setup, 2 * jobs)
        log.info("running %d chunks in %d local processes", len(chunks), jobs)
        parts = _run_pool(chunks, setup, jobs)
    else:  # one process, a bounded number of points at a time so memory stays flat on huge grids
        parts = [evaluate_points(points.iloc[i:i + POINTS_PER_CHUNK], setup)
                 for i in range(0, len(points), POINTS_PER_CHUNK)]
    return pd.concat(parts).loc[points.index]


# ---------------------------------------------------------------- outputs
OUTPUT_FORMATS = (".csv", ".parquet")


def check_output_path(out, raw_dir=None):
    """The results file as a Path, refusing unknown extensions and anything under data/raw/."""
    path = Path(out)
    if path.suffix.lower() not in OUTPUT_FORMATS:
        raise ParamsError(f"--out {out}: unknown format {path.suffix or '(none)'!r}; end the name in .csv or .parquet")
    if raw_dir is not None and Path(raw_dir).resolve() in path.resolve().parents:
        raise ParamsError(f"--out {out}: data/raw/ holds the sources and is never written; write to reports/")
    return path


def write_results(frame, out):
    """Write the sweep table atomically: CSV (UTF-8) or parquet, chosen by the extension."""
    from dgforecast.fileio import atomic_path, write_csv_atomic

    path = check_output_path(out)
    if path.suffix.lower() == ".csv":
        return write_csv_atomic(frame, path)
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)
    return path


def read_results(path):
    """A sweep table written by ``write_results`` (CSV or parquet)."""
    import pandas as pd

    from dgforecast.errors import DataError

    path = check_output_path(path)
    if not path.is_file():
        raise DataError(path, "", "no such sweep results file; run dgforecast sweep --out FILE first")
    return pd.read_csv(path, encoding="utf-8") if path.suffix.lower() == ".csv" else pd.read_parquet(path)


def grid_keys(results) -> list[str]:
    """The grid columns of a sweep table: those before the first result column."""
    first = next((i for i, c in enumerate(results.columns) if c.startswith("p_met.")), len(results.columns))
    return list(results.columns[:first])


def result_targets(results) -> list[str]:
    """The target ids of a sweep table, in the order of their ``p_met.<target_id>`` columns."""
    return [c.split(".", 1)[1] for c in results.columns if c.startswith("p_met.")]


def axis_label(key) -> str:
    """Chinese and English label of a grid key, with its unit, from the scenario schema."""
    from dgforecast.params import FIELDS

    if key.startswith("growth_overrides."):
        year = key.split(".", 1)[1]
        return f"{year}年增长率 growth in {year} (fraction per year)"
    entry = FIELDS.get(key, {})
    return f"{entry.get('label_zh', key)} {entry.get('label_en', '')} ({entry.get('unit', '')})"


def check_heat_map_file(path, target_ids=None) -> Path:
    """``path`` made absolute, once it is a sweep table the heat-map notebook (05) can draw.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` or ``.parquet`` file written by ``dgforecast sweep`` (``--sweep`` of the report).
    target_ids : collection of str, optional
        The workbook's target ids; every ``p_met.<target>`` column must name one of them.

    Raises
    ------
    ParamsError
        When the file is missing, unreadable, has no ``p_met.`` column, targets of another
        workbook, or fewer than two grid keys (a heat map needs two).
    """
    where = f"--sweep {path}"
    path = Path(path)
    if path.suffix.lower() not in OUTPUT_FORMATS:
        raise ParamsError(f"{where}: unknown format {path.suffix or '(none)'!r}; give the .csv or .parquet "
                          "that dgforecast sweep wrote")
    if not path.is_file():
        raise ParamsError(f"{where}: no such file; make one with dgforecast sweep --out FILE")
    try:
        results = read_results(path)
    except Exception as exc:  # noqa: BLE001 (any parser's complaint means the same: not a sweep table)
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ParamsError(f"{where}: cannot be read ({reason}); give a file dgforecast sweep wrote") from None
    targets = [c.split(".", 1)[1] for c in results.columns if c.startswith("p_met.")]
    if not targets or results.empty:
        raise ParamsError(f"{where}: no p_met.<target> column or no rows; not a dgforecast sweep results file")
    known = set(targets if target_ids is None else target_ids)
    unknown = [t for t in targets if t not in known]
    if unknown:
        raise ParamsError(f"{where}: target {unknown[0]!r} is not in this workbook's data/raw/plan_targets.csv")
    keys = grid_keys(results)
    if len(keys) < 2:
        raise ParamsError(f"{where}: grid key(s) {', '.join(keys) or '(none)'}; the heat map needs a sweep over "
                          "two --grid keys")
    return path.resolve()


# ---------------------------------------------------------------- reading a sweep for a chart
def axes_slice(results, x_key, y_key, fixed=None):
    """The points of a sweep table that vary only ``x_key`` and ``y_key``.

    Parameters
    ----------
    results : DataFrame
        A sweep table (``read_results``).
    x_key, y_key : str
        Two of its grid keys.
    fixed : dict, optional
        Values of the other grid keys; a key not given is held at its first value.

    Raises
    ------
    ParamsError
        When a key is not a grid key of the table, or a fixed value is not on the grid.
    """
    keys = grid_keys(results)
    for key in (x_key, y_key, *(fixed or {})):
        if key not in keys:
            raise ParamsError(f"{key}: not a grid key of this sweep; use one of {', '.join(keys)}")
    if x_key == y_key:
        raise ParamsError(f"x_key and y_key are both {x_key}; choose two different grid keys")
    rows = results
    for key in keys:
        if key in (x_key, y_key):
            continue
        value = (fixed or {}).get(key, results[key].iloc[0])
        rows = rows[rows[key] == value]
        if rows.empty:
            choices = ", ".join(map(str, results[key].unique()))
            raise ParamsError(f"{key} = {value!r}: not on the grid; use one of {choices}")
    return rows


def p_met_matrix(sliced, x_key, y_key, target_id):
    """P(met) of ``target_id`` as a table: one row per ``y_key`` value, one column per ``x_key`` value."""
    return sliced.pivot_table(index=y_key, columns=x_key, values=f"p_met.{target_id}", aggfunc="first")


def break_even(sliced, x_key, y_key, target_id, threshold):
    """Where the median path just reaches the target, as points (x, y) to draw over the heat map.

    When one axis is ``growth`` the line is the required growth at each value of the other axis
    (exact). Otherwise it is where the median crosses ``threshold`` (亿元) along ``x_key``, by linear
    interpolation between grid points, at each ``y_key`` value; rows without a crossing are left out.

    Returns
    -------
    DataFrame
        Columns ``x_key`` and ``y_key``, sorted along the line.
    """
    import numpy as np
    import pandas as pd

    required = f"required_cagr.{target_id}"
    if x_key == "growth":
        line = sliced.groupby(y_key)[required].first()
        return pd.DataFrame({x_key: line.to_numpy(), y_key: line.index.to_numpy()})
    if y_key == "growth":
        line = sliced.groupby(x_key)[required].first()
        return pd.DataFrame({x_key: line.index.to_numpy(), y_key: line.to_numpy()})
    medians = sliced.pivot_table(index=y_key, columns=x_key, values=f"median.{target_id}", aggfunc="first")
    xs, points = medians.columns.to_numpy(dtype=float), []
    for y, row in medians.iterrows():
        gap = row.to_numpy(dtype=float) - threshold
        crossings = np.nonzero(np.sign(gap[:-1]) * np.sign(gap[1:]) < 0)[0]
        if len(crossings):
            i = crossings[0]
            points.append((xs[i] + (xs[i + 1] - xs[i]) * gap[i] / (gap[i] - gap[i + 1]), y))
    return pd.DataFrame(points, columns=[x_key, y_key])


def x_needed(sliced, x_key, y_key, target_id, probability):
    """The smallest ``x_key`` value at which P(met) reaches ``probability``, for each ``y_key`` value.

    Interpolated linearly between the two grid points around the first crossing (in increasing
    ``x_key``); NaN where P(met) stays below ``probability`` on the grid, the first grid value
    where it is already above at the lowest ``x_key``.

    Examples
    --------
    Growth needed for a 50 % chance: P = 0.40 at growth 0.06 and 0.52 at 0.07 gives
    0.06 + 0.01 * (0.50 - 0.40) / (0.52 - 0.40) = 0.0683.
    """
    import numpy as np
    import pandas as pd

    table = p_met_matrix(sliced, x_key, y_key, target_id).sort_index(axis=1)
    xs, needed = table.columns.to_numpy(dtype=float), {}
    for y, row in table.iterrows():
        p = row.to_numpy(dtype=float)
        above = np.nonzero(p >= probability)[0]
        if not len(above):
            needed[y] = np.nan
        elif above[0] == 0:
            needed[y] = xs[0]
        else:
            i = above[0]
            needed[y] = xs[i - 1] + (xs[i] - xs[i - 1]) * (probability - p[i - 1]) / (p[i] - p[i - 1])
    return pd.Series(needed, name=f"{x_key} for P >= {probability:g}").rename_axis(y_key)


# ---------------------------------------------------------------- a notebook per point (--notebooks)
#: Where the pages of ``sweep_base.csv`` go: ``sweep_base_notebooks/``.
NOTEBOOKS_SUFFIX = "_notebooks"
#: Times a kernel that fails to start or dies (an exception, not a cell error) is started again.
KERNEL_RETRIES = 1


def point_hash(params) -> str:
    """12 hex digits identifying a point's resolved parameters (sha256 of their papermill YAML)."""
    import hashlib

    from dgforecast.params import to_papermill_yaml

    return hashlib.sha256(to_papermill_yaml(params).encode("utf-8")).hexdigest()[:12]


def notebook_job(params, root, folder, grid_values, source=None):
    """The scenario notebook run for one point, named after its parameter hash."""
    from dgforecast.report import SCENARIO_NOTEBOOK, NotebookJob, notebook_parameters, parameters_table_html

    name = f"point_{point_hash(params)}"
    source = source or root / "notebooks" / SCENARIO_NOTEBOOK
    parameters = {**notebook_parameters(params, root), "summary_csv": f"{name}_summary.csv"}
    values = ", ".join(f"{k} = {v}" for k, v in grid_values.items())
    preamble = f"<p>Sweep point: {html.escape(values)}</p>" + parameters_table_html(params)
    return NotebookJob(name, Path(source), Path(folder).resolve(), parameters, preamble)


def is_rendered(job) -> bool:
    """True when the point's executed notebook and its HTML page (written last) both exist."""
    return job.output.is_file() and job.html.is_file()


def render_point(job):
    """Execute one point's notebook and HTML; a kernel that fails to start is started once more.

    A run whose cell raised keeps its files under ``<name>.failed.*`` so that a rerun tries again.
    """
    from dgforecast.report import run_job

    for attempt in range(KERNEL_RETRIES + 1):
        try:
            run = run_job(job)
            break
        except Exception as exc:  # a kernel that died or never answered; cell errors do not raise
            if attempt == KERNEL_RETRIES:
                raise
            log.warning("%s: kernel failed (%s); starting it again", job.name, exc)
    for path in (job.output, job.html):
        failed = path.with_suffix(".failed" + path.suffix)
        if not run.ok and path.exists():
            os.replace(path, failed)
        elif run.ok:
            failed.unlink(missing_ok=True)
    return run


def _remove_stale_temporaries(folder):
    # An interrupted run (Ctrl-C, kill) can leave hidden temporary files beside the outputs.
    for path in Path(folder).glob(".point_*"):
        path.unlink(missing_ok=True)


def _run_notebook_jobs(pending, jobs):
    """Run ``pending`` jobs with ``jobs`` processes; yields (job, NotebookRun or exception)."""
    from concurrent.futures import ProcessPoolExecutor, as_completed

    if jobs <= 1 or len(pending) <= 1:
        for job in pending:
            try:
                yield job, render_point(job)
            except Exception as exc:
                yield job, exc
        return
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(pending)), initializer=worker_start)
    try:
        futures = {pool.submit(render_point, job): job for job in pending}
        for future in as_completed(futures):
            exc = future.exception()
            yield futures[future], exc if exc is not None else future.result()
    except BaseException:  # Ctrl-C, or the caller stopped early: finished points stay, the rest reruns
        stop_pool(pool)
        raise
    pool.shutdown()


def render_point_notebooks(points, setup, paths, out, jobs=1, source=None, stream=None) -> str:
    """Render the scenario notebook and its HTML for every grid point, skipping finished ones.

    Parameters
    ----------
    points : DataFrame
        The grid points.
    setup : SweepSetup
        The scenario the grid overrides.
    paths : ProjectPaths
        The workbook.
    out : Path
        The sweep's results file; the pages go to the folder ``<stem>_notebooks`` beside it.
    jobs : int
        Notebooks executed at once, each in its own process and kernel.
    source : Path, optional
        The notebook to run (default notebooks/03_scenario.ipynb).
    stream : file, optional
        Where one progress line per point goes (default stderr).

    Returns
    -------
    str
        How many points were rendered, skipped and failed, and where ``index.csv`` lists them.
    """
    import sys

    import pandas as pd

    from dgforecast.fileio import write_csv_atomic

    stream = stream or sys.stderr
    folder = Path(out).with_name(Path(out).stem + NOTEBOOKS_SUFFIX)
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(folder)
    rows, all_jobs = points.to_dict(orient="records"), []
    for row in rows:
        all_jobs.append(notebook_job(_point_params(row, setup.base), paths.root, folder, row, source))
    if not all_jobs[0].source.is_file():
        raise ParamsError(f"{all_jobs[0].source}: notebook not found; restore it from git")
    pending = list({job.name: job for job in all_jobs if not is_rendered(job)}.values())
    failed = {}
    for done, (job, run) in enumerate(_run_notebook_jobs(pending, jobs), start=1):
        if isinstance(run, Exception) or not run.ok:
            failed[job.name] = str(run if isinstance(run, Exception) else run.failure)
        state = f"FAILED: {failed[job.name]}" if job.name in failed else f"ok ({run.seconds:.1f} s)"
        print(f"[{done}/{len(pending)}] {job.name}: {state}", file=stream, flush=True)
    index = points.copy()
    index["point"] = [job.name for job in all_jobs]
    index["status"] = ["failed" if job.name in failed else "ok" for job in all_jobs]
    kept = [(job.output, job.html) if job.name not in failed else
            (job.output.with_suffix(".failed.ipynb"), job.html.with_suffix(".failed.html")) for job in all_jobs]
    index["notebook"] = [notebook.name for notebook, _ in kept]
    index["html"] = [page.name for _, page in kept]
    write_csv_atomic(pd.DataFrame(index), folder / "index.csv")
    skipped = len(all_jobs) - len(pending)
    text = (f"notebooks: {len(pending) - len(failed)} rendered, {skipped} already there (same parameter hash), "
            f"{len(failed)} failed; listed in {folder / 'index.csv'}")
    if failed:
        raise NotebooksFailed(text + "; rerun the same command to retry the failed points")
    return text


class NotebooksFailed(DgforecastError):
    """Some points' notebooks failed; the others are kept and a rerun retries only the failures."""

    exit_code = 1


# ---------------------------------------------------------------- the command
def _check_start_levels(grid, base, setup):
    # A point whose as_of_year has no actual figure must fail now, not halfway through the sweep.
    from dgforecast.simulate import start_point

    for as_of_year in grid.get("as_of_year", [base.as_of_year]):
        params = _group_params(setup.base, {k: getattr(base, k) for k in STRUCTURAL_KEYS} | {"as_of_year": as_of_year})
        for target in setup.targets:
            start_point(target.base_level, target.base_year, params, _series(target.actuals))


def _check_fitted(setup, base):
    try:
        from dgforecast.forecast import simulate_series  # noqa: F401
    except ImportError:
        raise ParamsError("--grid engine=fitted: the growth models (dgforecast.forecast) are not available "
                          "in this version; sweep engine=lognormal") from None
    if len(setup.history) < 2:
        raise ParamsError(f"engine = fitted: history_series = {base.history_series!r} has fewer than 2 published "
                          "levels in data/raw/; name another series or sweep engine=lognormal")


def make_setup(raw_dir, base, engines=None) -> SweepSetup:
    """The ``SweepSetup`` for scenario ``base``: its targets, and the history when ``fitted`` is swept."""
    engines = engines or [base.engine]
    history = history_for(raw_dir, base.history_series) if "fitted" in engines else ()
    return SweepSetup(base=base.model_dump(), targets=level_targets(raw_dir), history=history)


def prepare_sweep(paths, scenario, specs, n_sims=None, seed=None, yes=False):
    """Parse and check everything a sweep needs, before any simulation.

    Returns
    -------
    (grid, setup) : (dict, SweepSetup)

    Raises
    ------
    ParamsError
        On any bad grid argument, key or value, too many points without ``yes``, a scenario
        that does not resolve, or an as_of_year without actual figures.
    """
    from dgforecast.params import resolve_scenario

    grid = parse_grid(specs)
    check_grid_size(grid, yes=yes)
    overrides = {k: v for k, v in (("n_sims", n_sims), ("seed", seed)) if v is not None}
    base = resolve_scenario(paths.params_file, scenario, overrides)
    validate_grid(grid, base, paths.params_file)
    setup = make_setup(paths.raw, base, grid.get("engine"))
    if not setup.targets:
        raise ParamsError(f"{paths.raw / 'plan_targets.csv'}: no level targets; a sweep needs at least one")
    _check_start_levels(grid, base, setup)
    if "fitted" in grid.get("engine", [base.engine]):
        _check_fitted(setup, base)
    return grid, setup


def sweep(points, setup, jobs=1, scheduler=None):
    """The sweep table: the grid values, then ``result_columns`` for each point."""
    return points.join(run_engine(points, setup, jobs=jobs, scheduler=scheduler))


def describe_results(results, setup, out, seconds) -> str:
    """A few lines for the terminal: what ran, where it went, the range of P(met) per target."""
    keys = grid_keys(results)
    lines = [f"swept {len(results):,} points ({' x '.join(keys)}) x {setup.base['n_sims']:,} paths "
             f"(scenario {setup.base['scenario']}, seed {setup.base['seed']}) in {seconds:.1f} s; wrote {out}"]
    for target in setup.targets:
        p = results[f"p_met.{target.target_id}"]
        if p.notna().any():
            best = results.loc[p.idxmax(), keys].to_dict()
            lines.append(f"  {target.target_id}: P(met) {p.min():.1%} to {p.max():.1%}; highest at "
                         + ", ".join(f"{k}={v}" for k, v in best.items()))
    return "\n".join(lines)


def _check_jobs(jobs) -> int:
    if jobs is None:
        return os.cpu_count() or 1
    if jobs < 1:
        raise ParamsError(f"-j {jobs}: give a positive number of worker processes, such as -j 2")
    return jobs


def run_sweep(specs, project=None, scenario="base", n_sims=None, seed=None, out=None, jobs=1, scheduler=None,
              yes=False, notebooks=False) -> str:
    """``dgforecast sweep``: evaluate a grid of overrides on a scenario and write one row per point.

    Parameters
    ----------
    specs : list of str
        ``--grid`` arguments, ``KEY=START:STOP:STEP`` (stop inclusive) or ``KEY=V1,V2,...``.
    project : str or Path, optional
        The workbook; default: found from the current folder upward.
    scenario : str
        The scenario of params.yaml the grid overrides.
    n_sims, seed : int, optional
        Override the scenario's number of paths and seed.
    out : str or Path, optional
        ``.csv`` or ``.parquet``; default ``reports/sweep_<scenario>.csv``.
    jobs : int
        Local worker processes (for the engine, and for notebooks with ``notebooks``).
    scheduler : str, optional
        Dask scheduler address; the engine's chunks then run on that cluster.
    yes : bool
        Allow more than a million points.
    notebooks : bool
        Also render the scenario notebook and its HTML for every point (resumable).

    Returns
    -------
    str
        What was done, for the terminal.
    """
    import time

    from dgforecast.config import find_project

    jobs = _check_jobs(jobs)
    if scheduler:
        check_scheduler(scheduler)
    paths = find_project(project)
    out = check_output_path(out or paths.reports / f"sweep_{scenario}.csv", paths.raw)
    grid, setup = prepare_sweep(paths, scenario, specs, n_sims=n_sims, seed=seed, yes=yes)
    started = time.perf_counter()
    results = sweep(grid_points(grid), setup, jobs=jobs, scheduler=scheduler)
    write_results(results, out)
    text = describe_results(results, setup, out, time.perf_counter() - started)
    if notebooks:
        text += "\n" + render_point_notebooks(grid_points(grid), setup, paths, out, jobs=jobs)
    return text
