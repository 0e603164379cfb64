"""Randomness: the one place a seed becomes random numbers, and the draws every engine shares.

One generator from the scenario's ``seed`` (``group_generators``), spawned once per group of targets
that grow from different baselines; the lognormal engine takes its yearly shocks (paths x years)
first, then one ratio draw a path, then (when used) one gap, base and nominal-gap draw a path
(``lognormal_draws``); the link spreads come after them (``links``). A batch of parameter points
reuses the same draws for every point (common random numbers).
"""

from dataclasses import dataclass

import numpy as np

from dgforecast.engine.condition import BASE, GAP, NOMINAL


def group_generators(seed, n_groups) -> list:
    """The generators of one simulation: one from ``seed``, spawned per target group when there are several.

    This is the only place a seed becomes random numbers.
    """
    rng = np.random.default_rng(seed)
    return [rng] if n_groups == 1 else rng.spawn(n_groups)


@dataclass(frozen=True)
class Draws:
    """Standard-normal draws: yearly shocks (paths x years), one ratio draw a path, one gap draw a path, one
    base draw a path (a base stated as a bound), one draw a path of the nominal gap's centre (when uncertain)."""

    shocks: np.ndarray
    ratio: np.ndarray
    gap: np.ndarray | None = None
    base: np.ndarray | None = None
    nominal: np.ndarray | None = None

    def matrix(self, layout) -> np.ndarray:
        """The draws as columns in the order of the state ``layout`` (years, ln r, δ, the base, the nominal gap)."""
        columns = [self.shocks, self.ratio[:, None]]
        if GAP in layout:
            columns.append(self.gap[:, None])
        if BASE in layout:
            columns.append(self.base[:, None])
        if NOMINAL in layout:
            columns.append(self.nominal[:, None])
        return np.hstack(columns)


def lognormal_draws(rng, n_sims, n_years, gap=False, base=False, nominal=False) -> Draws:
    """The shocks first, then the ratio draws, then the gap, base and nominal-gap draws: the order every
    caller relies on (a component not in the state takes no draw)."""
    shocks, ratio = rng.standard_normal((n_sims, n_years)), rng.standard_normal(n_sims)
    gaps = rng.standard_normal(n_sims) if gap else None
    bases = rng.standard_normal(n_sims) if base else None
    return Draws(shocks, ratio, gaps, bases, rng.standard_normal(n_sims) if nominal else None)


def noise_along(Z, root, h) -> np.ndarray:
    """The paths' random part of the linear quantity with coefficients ``h``: Z (Lᵀ h).

    Written once, so one scenario and a batch of points compute every quantity the same way.
    """
    return Z @ (root.T @ h)
