"""The link parameters' uncertainty: each path draws its own link spreads, and the evidence weighs them.

The numbers that tie the published figures to the simulated state (the measurement model's spreads
and the revenue ratio's sd, ``schema.LINK_SCALES``) come from thin sources: a few years, three
degrees of freedom, a stated range. A scenario's ``link_uncertainty`` says how sure each is
(``schema.LinkSpec``), and every path draws its own value (``draw_scales``) after the state's draws, so
P(met) integrates over them. The gap ``nominal_gap`` is a location: its uncertainty enters the state
itself as a Gaussian component (``prior``), applied exactly by the conjugate update.

Every variance in the measurement model is a sum of squares of the spreads (own sd, link sd, the
year-to-date part, rounding), so a path's row covariance, bound and prior variances are
``base + Σ φ_j² · unit_j``: ``variance_parts`` finds ``base`` and each ``unit_j`` by evaluating the
model with one spread at 1 and the others at 0, and ``path_variances`` lays them over the draws.

Pure functions: parameters, draws and builders in, arrays out.
"""

from dataclasses import dataclass

import numpy as np

from dgforecast.plan.link_schema import LINK_LOCATIONS, LINK_SCALES


def link_value(params, name) -> float:
    """The value a scenario gives a link parameter (its centre when it is uncertain)."""
    where = {**LINK_LOCATIONS, **LINK_SCALES}.get(name, "evidence")
    return getattr(params.evidence if where == "evidence" else params, name)


def with_values(params, values) -> object:
    """``params`` with link parameters set (name -> value), unchecked: a path's draw, or a basis point."""
    evidence = {k: v for k, v in values.items() if {**LINK_LOCATIONS, **LINK_SCALES}.get(k, "evidence") == "evidence"}
    scenario = {k: v for k, v in values.items() if k not in evidence}
    update = dict(scenario)
    if evidence:
        update["evidence"] = params.evidence.model_copy(update=evidence)
    return params.model_copy(update=update)


def uncertain_scales(params) -> tuple:
    """The spreads the scenario draws per path, in ``LINK_SCALES`` order (those with a spec)."""
    return tuple(name for name in LINK_SCALES if name in params.link_uncertainty)


def nominal_gap_sd(params) -> float:
    """The standard error of the nominal-over-real gap's centre (0 when it is taken as known)."""
    spec = params.link_uncertainty.get("nominal_gap")
    return float(spec.sd) if spec is not None else 0.0


def fixed(params, names) -> object:
    """``params`` with the named link parameters taken as known (their specs dropped)."""
    return params.model_copy(update={"link_uncertainty": {k: v for k, v in params.link_uncertainty.items()
                                                          if k not in names}})


def draw_factors(params, rng, n) -> dict:
    """Each uncertain spread's draws as multiples of its value: name -> array (n,), in ``uncertain_scales`` order.

    ``df``: σ/value = √(df/χ²_df) (one chi-square draw a path); ``factor [lo, hi]``: exp(U), U uniform on
    [ln lo, ln hi]. The draws come after the state's, so adding a spec leaves every other draw as it was;
    they do not depend on the values, so the points of a sweep share them (``draw_scales`` scales them).
    """
    drawn = {}
    for name in uncertain_scales(params):
        spec = params.link_uncertainty[name]
        if spec.kind == "df":
            drawn[name] = np.sqrt(spec.df / rng.chisquare(spec.df, n))
        else:
            lo, hi = np.log(spec.factor[0]), np.log(spec.factor[1])
            drawn[name] = np.exp(rng.uniform(lo, hi, n))
    return drawn


def scaled(params, factors) -> dict:
    """The spreads ``factors`` (``draw_factors``) give at the scenario's values: name -> value x factor."""
    return {name: link_value(params, name) * factor for name, factor in factors.items()}


def draw_scales(params, rng, n) -> dict:
    """Each uncertain spread's value on every path: name -> array (n,), in ``uncertain_scales`` order.

    ``df``: σ² = df·value²/χ²_df; ``factor [lo, hi]``: value × exp(U), U uniform on [ln lo, ln hi]
    (``draw_factors``).
    """
    return scaled(params, draw_factors(params, rng, n))


@dataclass(frozen=True)
class VarianceParts:
    """A flat vector of variances as ``base + Σ_j φ_j² · units[j]`` (``variance_parts``)."""

    base: np.ndarray
    units: dict

    def at(self, drawn) -> np.ndarray:
        """The variances on every path: (n, size) for the spreads ``drawn`` (name -> array (n,)).

        Each spread adds to the entries its unit part moves and to no other (most are 0: a spread touches a
        few rows); the sums are the full ones', term by term in the same order.
        """
        n = len(next(iter(drawn.values())))
        out = np.broadcast_to(self.base, (n, len(self.base))).copy()
        for name, unit in self.units.items():
            moved = np.flatnonzero(unit)
            out[:, moved] += drawn[name][:, None] ** 2 * unit[moved][None, :]
        return out


def variance_parts(build, params, names) -> VarianceParts:
    """The variances ``build(params)`` gives (a flat array), split into a base and one part per spread.

    ``build`` is evaluated with every named spread at 0, then with each at 1 alone; the model is a sum of
    squares of the spreads, so the parts add up exactly (a test holds a random point to it).
    """
    zero = with_values(params, {name: 0.0 for name in names})
    base = np.asarray(build(zero), dtype=float)
    units = {name: np.asarray(build(with_values(zero, {name: 1.0})), dtype=float) - base for name in names}
    return VarianceParts(base, units)
