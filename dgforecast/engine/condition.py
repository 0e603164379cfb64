"""The measurement model: what each published figure says about the simulated state.

The state of one path is θ = (x_t for each simulated year t, ln r, δ): x_t the cluster's nominal log
output growth in year t (so ln X_t = ln X_b + Σ_{k≤t} x_k from the baseline X_b), r its
revenue-to-output ratio (营业收入 / 总产值, one per path) and δ the gap between the cluster's real
增加值 growth and the city's (one per path; drawn only when a city growth row is used). Every usable
row of data/raw/evidence.csv becomes, with the parameters of ``params_schema.EvidenceParams``
(``-p evidence.NAME=VALUE``):

* a **Gaussian row** ``y = h·θ + e``: a linear function h of the state observed with noise e —
  - cluster 增加值 growth g (January–m of year t): ln(1+g) + nominal_gap = x_t + e (plus the year's
    own departure where the city's is measured, ``nominal_gap_shift``; the state's NOMINAL when the
    gap's centre is uncertain, ``nominal_part``), sd
    ytd_sd·(12−m)/12 of its own, plus the 增加值-to-output link e_t (sd growth_link_sd) that every
    增加值 row of year t shares (nominal_gap only for real growth: nominal output over real 增加值);
  - the city's 增加值 growth c: ln(1+c) + nominal_gap = x_t − δ + e, own sd hypot(city_gap_sd,
    ytd part), sharing the year's link e_t with the cluster's own rows (*related* evidence: weaker
    than a direct row by city_gap_sd and by what δ leaves unknown);
  - output or revenue growth: ln(1+g) = x_t + e, sd the ytd part (output) and growth_link_sd
    (revenue, whose ratio to output moves from year to year);
  - a level v of output (ln v = ln X_t + e), revenue (ln X_t + ln r) or the ratio (ln r): e of sd
    ``round_sd`` for a round statement (达到5000) and only the rounding for an exact figure
    (precision ``exact``: half a unit of its last digit, as a uniform error, sd h/(√3 v));
  - the city's ratio from its revenue and output of one year, both exact: ln(rev/out) = ln r + u,
    u ~ N(0, city_ratio_sd²);
* a **bound** ``lo ≤ h·θ ≤ hi``: at_least (突破 / 超过) and at_most of output, revenue or a ratio; hard
  when bound_sd = 0, else the probability Φ((hi − q)/sd) − Φ((lo − q)/sd). Under the **round-figure
  reading** (``evidence.reading: round``) a round at_least v (突破5000, precision ``round``) is also
  short of the next round figure v + step (step: one unit of its last significant digit, 5000 → 6000),
  an at_most the mirror image — one rule for every round statement, the city's 突破2.5万亿 included;
  a city pair with an output bound bounds the city's ratio, softened by city_ratio_sd.

Gaussian rows of one year that share the link have correlated errors: the covariance R of the rows
holds growth_link_sd² between them (``posterior.error_covariance``). On the lognormal engine, whose
prior on θ is Gaussian, the rows are applied exactly by the conjugate update
(``posterior.gaussian_posterior``) and only bounds weigh the paths; the fitted engine weighs its paths
by all rows (``weights.gaussian_log_likelihood``). P(met) under the evidence is the weighted share of
paths that meet the target, and the effective sample size (Σw)²/Σw² says how many equally weighted
paths the weighted ones are worth (``weights``).

This room reads the figures: evidence rows and parameters in, Gaussian rows and bounds out (the
functions are pure). The rows as matrices and the conjugate update are in ``posterior``, the paths'
weights in ``weights``.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from dgforecast.plan.evidence import period_months

#: Roles (``dgforecast.plan.plan_file.ROLES``) whose rows are about the ratio r, not a year's level: they bear on
#: the paths whatever year they are of.
RATIO_ROLES = ("ratio", "related_ratio", "related_numerator", "related_denominator")
#: Keys of the state vector besides the years' growths.
LOG_RATIO, GAP, BASE, NOMINAL = "log_r", "gap", "base", "nominal_gap"


@dataclass(frozen=True)
class Observation:
    """One usable evidence row as numbers (``observations``)."""

    evidence_id: str
    measure: str          # the plan's measure (data/raw/plan.yaml)
    role: str             # its role: what its figures say about the path (``dgforecast.plan.plan_file.ROLES``)
    year: int
    kind: str             # level, at_least, at_most, growth
    value: float
    months: int = 12      # 12 for a full year, m for January-m
    real: bool = False    # growth at comparable prices
    exact: bool = False   # precision exact (only its rounding) rather than a round statement
    step: float = 0.0     # round statements: one unit of the last significant digit
    rounding: float = 0.0  # half a unit of the last digit written
    path: str = ""        # the path measure it bears on ("" for an unlinked measure)


def observations(used) -> tuple:
    """The rows of an evidence selection (``evidence.select_evidence(...).used``) as ``Observation`` s."""
    return tuple(Observation(r.evidence_id, r.measure, r.role, int(r.year), r.kind, float(r.value),
                             period_months(r.period), r.price_basis == "real", r.precision == "exact", float(r.step),
                             float(r.rounding), r.path)
                 for r in used.itertuples())


def bears_on(observation, years) -> bool:
    """True when the row is about a year the paths cover (the ratio rows always are)."""
    return observation.role in RATIO_ROLES or observation.year in years


# ---------------------------------------------------------------- linear functions of the state
@dataclass(frozen=True)
class Linear:
    """``offset + Σ coef·θ[key]``: a quantity of the paths as a linear function of the state.

    Keys are years (int: that year's log growth x_t), ``LOG_RATIO`` and ``GAP``.
    """

    coef: tuple           # ((key, coefficient), ...)
    offset: float = 0.0

    def keys(self):
        return [k for k, _ in self.coef]

    def vector(self, layout) -> np.ndarray:
        """The coefficients as a vector over the state ``layout`` (a list of keys)."""
        h = np.zeros(len(layout))
        for key, c in self.coef:
            h[layout.index(key)] += c
        return h


def log_level(year, years, base_log, uncertain_base) -> Linear:
    """ln X_t = ln X_b + Σ of the simulated years' growth up to t; with ``uncertain_base`` (a base stated as a
    bound) ln X_b = base_log + b, b the state's ``BASE``."""
    base = ((BASE, 1.0),) if uncertain_base else ()
    return Linear(tuple((y, 1.0) for y in years if y <= year) + base, base_log)


def log_revenue(year, years, base_log, uncertain_base) -> Linear:
    """ln X_t + ln r."""
    level = log_level(year, years, base_log, uncertain_base)
    return Linear(level.coef + ((LOG_RATIO, 1.0),), level.offset)


def log_ratio() -> Linear:
    return Linear(((LOG_RATIO, 1.0),))


# ---------------------------------------------------------------- what each row says
@dataclass(frozen=True)
class GaussianRow:
    """``value = h·θ + e``; e has sd ``sd`` of its own and, with ``link`` set (a year), the link error
    of that year's 增加值 rows (sd growth_link_sd), shared by every row of the same link."""

    evidence_ids: tuple
    h: Linear
    value: float
    sd: float
    link: int | None = None
    exact: bool = False   # an exact figure (only its rounding): the fitted engine imposes it


@dataclass(frozen=True)
class Bound:
    """``lo ≤ h·θ + u ≤ hi`` with u ~ N(0, sd²) (hard when sd is 0); ``lo``/``hi`` may be infinite."""

    evidence_ids: tuple
    h: Linear
    lo: float
    hi: float
    sd: float


@dataclass
class Measurement:
    """Every usable row as Gaussian rows and bounds, and which rows changed under the reading."""

    rows: list = field(default_factory=list)
    bounds: list = field(default_factory=list)
    round_capped: list = field(default_factory=list)   # ids the round-figure reading caps (or floors)
    growth_link_sd: float = 0.0
    #: (evidence_id, Bound, the statement's own Bound) for each round statement: the quantity at or past
    #: its next round figure (突破5000: 6000 or more), and the bound the statement itself puts on the paths.
    #: Under the plain reading, its probability is what the statement leaves open.
    milestones: list = field(default_factory=list)

    @property
    def uses_gap(self) -> bool:
        return any(GAP in r.h.keys() for r in self.rows)

    @property
    def uses_nominal_gap(self) -> bool:
        """A real growth row reads the nominal-over-real gap's centre from the state (its centre uncertain)."""
        return any(NOMINAL in r.h.keys() for r in self.rows)

    @property
    def evidence_ids(self) -> tuple:
        return tuple(dict.fromkeys(i for part in (*self.rows, *self.bounds) for i in part.evidence_ids))


def ytd_part(obs, ep) -> float:
    """The sd of the rest of the year a January–m figure leaves unseen: ytd_sd·(12−m)/12."""
    return ep.ytd_sd * (12 - obs.months) / 12


def figure_sd(obs, ep) -> float:
    """The sd, in logs, of a level as written: its rounding alone when exact, round_sd when a round statement."""
    if obs.exact:
        return obs.rounding / (math.sqrt(3.0) * obs.value)   # a uniform rounding error of half-width h
    return ep.round_sd


def _interval(obs, reading):
    """(lo, hi) in logs of a bound, with the round-figure reading's other side when it applies."""
    capped = reading == "round" and not obs.exact and obs.step > 0
    if obs.kind == "at_least":
        return math.log(obs.value), math.log(obs.value + obs.step) if capped else math.inf
    low = obs.value - obs.step
    return (math.log(low) if capped and low > 0 else -math.inf), math.log(obs.value)


def _beyond_next(obs):
    """(lo, hi) in logs of "at or past the next round figure" of a round bound (None if it has none)."""
    if obs.exact or obs.step <= 0 or obs.kind not in ("at_least", "at_most"):
        return None
    if obs.kind == "at_least":
        return math.log(obs.value + obs.step), math.inf
    low = obs.value - obs.step
    return (-math.inf, math.log(low)) if low > 0 else None


def nominal_part(obs, ep, uncertain_gap):
    """What turns a growth row's ln(1 + g) into nominal output growth: (added value, state coefficients).

    Nominal growth adds nothing. Real 增加值 growth adds the nominal-over-real gap of its year: the
    centre ``nominal_gap`` — a constant, or the state's ``NOMINAL`` component when the centre is
    uncertain (ln(1 + g) = x_t − NOMINAL + e) — plus the year's own departure from it where one is
    measured (``nominal_gap_shift``: the city's gap that year minus its mean over the years known).
    """
    if not obs.real:
        return 0.0, ()
    shift = ep.nominal_gap_shift.get(obs.year, 0.0)
    return (shift, ((NOMINAL, -1.0),)) if uncertain_gap else (ep.nominal_gap + shift, ())


def _growth_row(obs, ep, uncertain_gap=False):
    added, gap = nominal_part(obs, ep, uncertain_gap)
    value = math.log1p(obs.value / 100) + added
    if obs.role == "linked_growth":
        return GaussianRow((obs.evidence_id,), Linear(((obs.year, 1.0), *gap)), value, ytd_part(obs, ep),
                           link=obs.year)
    if obs.role == "related_growth":
        h = Linear(((obs.year, 1.0), (GAP, -1.0), *gap))
        return GaussianRow((obs.evidence_id,), h, value, math.hypot(ep.city_gap_sd, ytd_part(obs, ep)), link=obs.year)
    # output (or revenue) growth in %: the figure's own rounding keeps a full year's sd above zero
    own = math.hypot(ytd_part(obs, ep), obs.rounding / 100 / math.sqrt(3.0) / (1 + obs.value / 100))
    if obs.role == "level_times_ratio":
        own = math.hypot(own, ep.growth_link_sd)
    return GaussianRow((obs.evidence_id,), Linear(((obs.year, 1.0), *gap)), value, own)


def _level_function(obs, years, base_log, uncertain_base) -> Linear:
    if obs.role == "level":
        return log_level(obs.year, years, base_log, uncertain_base)
    if obs.role == "level_times_ratio":
        return log_revenue(obs.year, years, base_log, uncertain_base)
    return log_ratio()


def _city_pair(pair, ep, reading, m):
    """The city's revenue and output of one year as a row or bound on ln r (ln r_city = ln r + u)."""
    revenue = next(o for o in pair if o.role == "related_numerator")
    output = next(o for o in pair if o.role == "related_denominator")
    ids = (revenue.evidence_id, output.evidence_id)

    def span(obs):  # (lo, hi, extra sd) of ln of one figure
        if obs.kind == "level":
            return math.log(obs.value), math.log(obs.value), figure_sd(obs, ep)
        lo, hi = _interval(obs, reading)
        if math.isfinite(lo) and math.isfinite(hi) and obs.kind in ("at_least", "at_most"):
            m.round_capped.append(obs.evidence_id)
        return lo, hi, 0.0

    r_lo, r_hi, r_sd = span(revenue)
    o_lo, o_hi, o_sd = span(output)
    sd = math.hypot(ep.city_ratio_sd, r_sd, o_sd)
    lo, hi = r_lo - o_hi, r_hi - o_lo   # interval arithmetic on ln rev − ln out
    statement = None
    if lo == hi:
        m.rows.append(GaussianRow(ids, log_ratio(), lo, sd))
    else:
        statement = Bound(ids, log_ratio(), lo, hi, math.hypot(sd, ep.bound_sd))
        m.bounds.append(statement)
    beyond = _beyond_next(output)
    if beyond is not None and revenue.kind == "level":  # city output past its next round figure, as a ratio
        m.milestones.append((output.evidence_id, Bound(ids, log_ratio(), r_lo - beyond[1], r_hi - beyond[0],
                                                       math.hypot(sd, ep.bound_sd)), statement))


def measurement(obs_list, ep, years, base_log, reading=None, uncertain_base=False, uncertain_gap=False) -> Measurement:
    """The rows of ``obs_list`` that bear on ``years`` as Gaussian rows and bounds (module docstring).

    Parameters
    ----------
    obs_list : sequence of Observation
    ep : EvidenceParams
    years : list of int
        The simulated years (x_t exists for these).
    base_log : float
        ln of the baseline output X_b (亿元), the level the years' growth compounds from.
    reading : {"plain", "round"}, optional
        The reading of round statements; default ``ep.reading``.
    uncertain_base : bool
        The base is stated as a bound (超过600): levels hold the state's ``BASE`` (ln X_b = base_log + b).
    uncertain_gap : bool
        The nominal-over-real gap's centre is uncertain: real growth rows hold the state's ``NOMINAL``.
    """
    reading = reading or ep.reading
    m = Measurement(growth_link_sd=ep.growth_link_sd)
    pairs = {}
    for obs in obs_list:
        if not bears_on(obs, years):
            continue
        if obs.role in ("related_numerator", "related_denominator"):
            pairs.setdefault(obs.year, []).append(obs)
        elif obs.kind == "growth":
            m.rows.append(_growth_row(obs, ep, uncertain_gap))
        elif obs.kind == "level":
            h = _level_function(obs, years, base_log, uncertain_base)
            extra = ep.city_ratio_sd if obs.role == "related_ratio" else 0.0
            m.rows.append(GaussianRow((obs.evidence_id,), h, math.log(obs.value), math.hypot(figure_sd(obs, ep), extra),
                                      exact=obs.exact and not extra))
        else:
            lo, hi = _interval(obs, reading)
            if math.isfinite(lo) and math.isfinite(hi):
                m.round_capped.append(obs.evidence_id)
            extra = ep.city_ratio_sd if obs.role == "related_ratio" else 0.0
            h = _level_function(obs, years, base_log, uncertain_base)
            statement = Bound((obs.evidence_id,), h, lo, hi, math.hypot(ep.bound_sd, extra))
            m.bounds.append(statement)
            beyond = _beyond_next(obs)
            if beyond is not None:
                m.milestones.append((obs.evidence_id, Bound((obs.evidence_id,), h, *beyond,
                                                            math.hypot(ep.bound_sd, extra)), statement))
    for pair in pairs.values():
        if len({o.role for o in pair}) == 2:
            _city_pair(pair, ep, reading, m)
    return m
