"""An independent reference: the base scenario's model written again in PyMC, sampled by NUTS, against the engine.

Usage: ``.venv/bin/python benchmarks/reference_model.py [--as-of YYYY-MM] [--draws N] [--paths N]`` from the
workbook, after ``.venv/bin/pip install -e '.[reference]'`` (PyMC is an optional extra used only here).
Writes ``benchmarks/results/reference_model.md`` (issue 24, item 5).

The model is written from its equations (docs/methods.md "The evidence model", the docstrings of
``dgforecast.engine.condition`` and ``links``), not from the engine's likelihood code. From the package
it takes only the data (the evidence rows ``select_evidence`` keeps as of the month, with the digits it
parsed: ``months``, ``step``, ``rounding``), the scenario's parameters and the prior's means and sds
of the years' growth (``prior.prior_moments``, so the check follows a change of the prior):

- state: x_t ~ N(μ_t, σ_t²) each simulated year; ln r ~ N(ln m − s²/2, s²), s² = ln(1 + (sd_r/m)²);
  δ ~ N(city_gap, city_gap_sd²) when a city growth row is used; NOMINAL ~ N(nominal_gap, se²);
- spreads (``link_uncertainty``): ``df: ν`` as σ² ~ InverseGamma(ν/2, ν·s²/2) (the same law as
  ν·s²/χ²_ν), ``factor: [a, b]`` as s·exp(U), U ~ Uniform(ln a, ln b); the ratio's sd drawn so too;
- Gaussian rows, one multivariate normal: a real 增加值 growth g of January–m reads
  ln(1+g) = x_t − NOMINAL (− δ for the city's) + e, e's own sd ytd_sd·(12−m)/12 (in quadrature with
  city_gap_sd for the city's), plus a link error of sd growth_link_sd shared by the year's 增加值 rows;
  a round level v reads ln v = ln X_t + e, sd round_sd; an exact one its rounding h/(√3 v);
- bounds: a hard at_least v on ln X_T is a change of variable, ln X_T = ln v + s with s ≥ 0 (PyMC's
  log transform; under the round reading s in [0, ln((v + step)/v)), an interval transform), and x_T
  follows from the other years with unit Jacobian, its prior density added as a Potential: the sampler
  cannot leave the bound's region (the script checks every draw). The city's revenue/output pair bounds
  ln r + u, u ~ N(0, city_ratio_sd²): the Potential log(Φ((hi − ln r)/sd) − Φ((lo − ln r)/sd)).

Against it, the engine's own paths (``simulate_targets``) at many paths: P(met) of the revenue target,
each year's growth, ln r, δ and NOMINAL (posterior mean and sd), with and without the related rows
(the measures whose role in plan.yaml is ``related_*``) and under both readings of 突破. Each
difference is divided by the two Monte Carlo errors combined (the engine's self-normalised
importance-sampling error, the sampler's MCSE from ArviZ).
"""

import argparse
import datetime as dt
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "reference_model.md"
#: Roles whose rows are about the ratio r whatever their year (data/raw/plan.yaml).
RATIO_ROLES = ("ratio", "related_ratio", "related_numerator", "related_denominator")
#: (label, keep the related rows, reading of 突破) compared.
CONFIGURATIONS = (("with the related rows", True, "plain"), ("with the related rows", True, "round"),
                  ("without the related rows", False, "plain"), ("without the related rows", False, "round"))


# ---------------------------------------------------------------- the workbook's data
def workbook(as_of, reading, related, n_sims):
    """(params, inputs, target, years, rows): the base scenario and the rows bearing on its revenue target."""
    from dgforecast.engine.prior import simulated_years
    from dgforecast.plan.evidence import select_evidence
    from dgforecast.plan.params import resolve_scenario
    from dgforecast.plan.targets import level_targets
    from dgforecast.run.pipeline import load_inputs

    params = resolve_scenario(ROOT / "params.yaml", "base", {"as_of": as_of, "evidence": {"reading": reading},
                                                               "n_sims": n_sims})
    inputs = load_inputs(ROOT)
    if not related:
        evidence = inputs["evidence"]
        inputs = {**inputs, "evidence": evidence[~evidence["role"].str.startswith("related_")]}
    target = next(t for t in level_targets(inputs["targets"], inputs["baselines"])
                  if t.target_id == "cluster_revenue_2025")
    years = simulated_years(params, target.base_year)
    used = select_evidence(inputs["evidence"], params.as_of_month, params.evidence.min_reliability).used
    bearing = (used["path"] == target.path) & (used["role"].isin(RATIO_ROLES) | used["year"].isin(years))
    return params, inputs, target, years, used[bearing]


# ---------------------------------------------------------------- the reference model
def spread(pm, params, name):
    """A link spread: its value, or a random variable with the law ``link_uncertainty`` gives it."""
    scenario_level = name == "revenue_to_output_ratio_sd"
    value = getattr(params if scenario_level else params.evidence, name)
    spec = params.link_uncertainty.get(name)
    if spec is None:
        return value
    if spec.kind == "df":
        variance = pm.InverseGamma(f"{name}_sq", alpha=spec.df / 2, beta=spec.df * value ** 2 / 2)
        return pm.Deterministic(name, variance ** 0.5)
    log_factor = pm.Uniform(f"{name}_log_factor", math.log(spec.factor[0]), math.log(spec.factor[1]))
    return pm.Deterministic(name, value * pm.math.exp(log_factor))


def interval(row, reading):
    """(lo, hi) in logs of a bound as written; the round reading adds the next round figure."""
    capped = reading == "round" and row.precision == "round" and row.step > 0
    if row.kind == "at_least":
        return math.log(row.value), (math.log(row.value + row.step) if capped else math.inf)
    low = row.value - row.step
    return (math.log(low) if capped and low > 0 else -math.inf), math.log(row.value)


def hard_level_bounds(rows, params):
    """year -> the one hard bound on ln X_year (rows of role level, bound_sd 0)."""
    bounds = {}
    if params.evidence.bound_sd > 0:
        return bounds
    for row in rows.itertuples():
        if row.kind in ("at_least", "at_most") and row.role not in RATIO_ROLES:
            if row.role != "level" or row.year in bounds:
                raise NotImplementedError(f"{row.evidence_id}: a hard bound the reference does not write "
                                          "(only one at_least/at_most of the output a year)")
            bounds[row.year] = row
    return bounds


def state(pm, params, target, years, rows):
    """The state's random variables: years' growth (a hard-bounded year by its slack), ln r, δ, NOMINAL."""
    from dgforecast.engine.prior import prior_moments

    mean, sd = prior_moments(params, years, False)
    bounds, reading, base_log = hard_level_bounds(rows, params), params.evidence.reading, math.log(target.base_level)
    x, log_level, regions = {}, base_log, {}
    for k, year in enumerate(years):
        if year not in bounds:
            x[year] = pm.Deterministic(f"x_{year}", mean[k] + sd[k] * pm.Normal(f"z_{year}"))
        else:
            lo, hi = interval(bounds[year], reading)
            slack = pm.HalfFlat(f"slack_{year}") if math.isinf(hi - lo) else pm.Uniform(f"slack_{year}", 0, hi - lo)
            end = pm.Deterministic(f"level_{year}", lo + slack if bounds[year].kind == "at_least" else hi - slack)
            regions[year] = (lo, hi)
            x[year] = pm.Deterministic(f"x_{year}", end - log_level)   # unit Jacobian: x_T ↔ slack
            pm.Potential(f"prior_x_{year}", pm.logp(pm.Normal.dist(mean[k], sd[k]), x[year]))
        log_level = log_level + x[year]
    ratio, ratio_sd = params.revenue_to_output_ratio, spread(pm, params, "revenue_to_output_ratio_sd")
    s2 = pm.math.log(1 + (ratio_sd / ratio) ** 2)
    log_r = pm.Deterministic("log_r", math.log(ratio) - s2 / 2 + s2 ** 0.5 * pm.Normal("z_log_r"))
    ep = params.evidence
    out = {"x": x, "log_r": log_r, "gap": None, "nominal": ep.nominal_gap, "regions": regions}
    if (rows["role"] == "related_growth").any():
        out["city_gap_sd"] = spread(pm, params, "city_gap_sd")
        out["gap"] = pm.Deterministic("gap", ep.city_gap + out["city_gap_sd"] * pm.Normal("z_gap"))
    if "nominal_gap" in params.link_uncertainty and (rows["price_basis"] == "real").any():
        se = params.link_uncertainty["nominal_gap"].sd
        out["nominal"] = pm.Deterministic("nominal_gap", ep.nominal_gap + se * pm.Normal("z_nominal_gap"))
    return out


def log_level_of(s, year, base_log):
    return base_log + sum(s["x"][y] for y in s["x"] if y <= year)


def quantity(s, row, base_log):
    """The state's value of what a level or bound row is about: ln X_t, ln X_t + ln r or ln r."""
    if row.role == "level":
        return log_level_of(s, row.year, base_log)
    if row.role == "level_times_ratio":
        return log_level_of(s, row.year, base_log) + s["log_r"]
    return s["log_r"]


def growth_row(pm, s, row, ep, spreads):
    """(value, predicted, own sd, link year) of a growth row (module docstring)."""
    g = row.value / 100
    unseen = spreads["ytd_sd"] * (12 - row.months) / 12
    real = ep.nominal_gap_shift.get(row.year, 0.0) + s["nominal"] if row.price_basis == "real" else 0.0
    predicted = s["x"][row.year] - real
    if row.role == "linked_growth":
        return math.log1p(g), predicted, unseen, row.year
    if row.role == "related_growth":
        return math.log1p(g), predicted - s["gap"], (s["city_gap_sd"] ** 2 + unseen ** 2) ** 0.5, row.year
    own = (unseen ** 2 + (row.rounding / 100 / math.sqrt(3.0) / (1 + g)) ** 2) ** 0.5
    if row.role == "level_times_ratio":
        own = (own ** 2 + spreads["growth_link_sd"] ** 2) ** 0.5
    return math.log1p(g), predicted, own, None


def figure_sd(row, spreads):
    return row.rounding / (math.sqrt(3.0) * row.value) if row.precision == "exact" else spreads["round_sd"]


def soft_bound(pm, name, q, lo, hi, sd):
    """log P(lo ≤ q + u ≤ hi), u ~ N(0, sd²), as a Potential."""
    dist = pm.Normal.dist(q, sd)
    if math.isinf(lo):
        pm.Potential(name, pm.logcdf(dist, hi))
    elif math.isinf(hi):
        pm.Potential(name, pm.math.log1mexp(pm.logcdf(dist, lo)))
    else:
        pm.Potential(name, pm.math.logdiffexp(pm.logcdf(dist, hi), pm.logcdf(dist, lo)))


def city_pair(pm, pair, ep, spreads, reading, s, gaussian):
    """The city's revenue and output of one year: ln(rev/out) = ln r + u, a row or a soft bound on ln r."""
    revenue = next(r for r in pair if r.role == "related_numerator")
    output = next(r for r in pair if r.role == "related_denominator")

    def span(row):
        if row.kind == "level":
            return math.log(row.value), math.log(row.value), figure_sd(row, spreads)
        return (*interval(row, reading), 0.0)

    (r_lo, r_hi, r_sd), (o_lo, o_hi, o_sd) = span(revenue), span(output)
    sd = (spreads["city_ratio_sd"] ** 2 + r_sd ** 2 + o_sd ** 2) ** 0.5
    lo, hi = r_lo - o_hi, r_hi - o_lo
    if lo == hi:
        gaussian.append((lo, s["log_r"], sd, None))
    else:
        soft_bound(pm, f"pair_{revenue.year}", s["log_r"], lo, hi, (sd ** 2 + ep.bound_sd ** 2) ** 0.5)


def evidence(pm, params, target, rows, s):
    """The rows' likelihood: one multivariate normal of the Gaussian rows, Potentials for the soft bounds."""
    import pytensor.tensor as pt

    ep, reading, base_log = params.evidence, params.evidence.reading, math.log(target.base_level)
    spreads = {name: spread(pm, params, name) for name in ("growth_link_sd", "ytd_sd", "round_sd", "city_ratio_sd")}
    hard, gaussian, pairs = hard_level_bounds(rows, params), [], {}
    for row in rows.itertuples():
        if row.role in ("related_numerator", "related_denominator"):
            pairs.setdefault(row.year, []).append(row)
        elif row.kind == "growth":
            gaussian.append(growth_row(pm, s, row, ep, spreads))
        elif row.kind == "level":
            extra = spreads["city_ratio_sd"] if row.role == "related_ratio" else 0.0
            sd = (figure_sd(row, spreads) ** 2 + extra ** 2) ** 0.5
            gaussian.append((math.log(row.value), quantity(s, row, base_log), sd, None))
        elif getattr(hard.get(row.year), "evidence_id", None) != row.evidence_id:
            extra = spreads["city_ratio_sd"] if row.role == "related_ratio" else 0.0
            soft_bound(pm, f"bound_{row.evidence_id}", quantity(s, row, base_log), *interval(row, reading),
                       (ep.bound_sd ** 2 + extra ** 2) ** 0.5)
    for pair in pairs.values():
        if len({r.role for r in pair}) == 2:
            city_pair(pm, pair, ep, spreads, reading, s, gaussian)
    if gaussian:
        gaussian_rows(pm, gaussian, spreads["growth_link_sd"])


def gaussian_rows(pm, gaussian, link_sd):
    """The Gaussian rows' log density: own variances d_i, plus link_sd² shared within each link year.

    Written out by the Woodbury identity, one block a link year b (c = link_sd²): the quadratic form
    Σ r²/d − Σ_b c (Σ_b r/d)² / (1 + c Σ_b 1/d), the log determinant Σ ln d + Σ_b ln(1 + c Σ_b 1/d).
    """
    import pytensor.tensor as pt

    links = [link for *_, link in gaussian]
    years = sorted({link for link in links if link is not None})
    member = np.array([[float(link == year) for link in links] for year in years]).reshape(len(years), len(links))
    y = np.array([value for value, *_ in gaussian])
    mean = pt.stack([pt.as_tensor_variable(p) for _, p, _, _ in gaussian])
    d = pt.stack([pt.as_tensor_variable(sd) for _, _, sd, _ in gaussian]) ** 2
    r, c = y - mean, link_sd ** 2
    spread = 1 + c * pt.dot(member, 1 / d)
    quad = pt.sum(r ** 2 / d) - pt.sum(c * pt.dot(member, r / d) ** 2 / spread)
    logdet = pt.sum(pt.log(d)) + pt.sum(pt.log(spread))
    pm.Potential("rows", -0.5 * (quad + logdet + len(y) * math.log(2 * math.pi)))


def reference_model(params, target, years, rows):
    """(model, regions): the PyMC model of the scenario's state, spreads and evidence rows (the target's log value
    as ``target``), and the hard bounds' regions, year -> (lo, hi) of ln X_year."""
    import pymc as pm

    if target.base_step > 0:
        raise NotImplementedError("a base stated as a bound: the reference writes an exact base only")
    with pm.Model() as model:
        s = state(pm, params, target, years, rows)
        evidence(pm, params, target, rows, s)
        value = log_level_of(s, target.deadline, math.log(target.base_level))
        pm.Deterministic("target", value + (s["log_r"] if target.apply_ratio else 0.0))
    return model, s["regions"]


# ---------------------------------------------------------------- the two posteriors, summarised
#: The quantities compared: name -> (label, the engine's state key).
QUANTITIES = {"log_r": ("ln r", "log_r"), "gap": ("δ (city gap)", "gap"), "nominal_gap": ("NOMINAL", "nominal_gap")}


def clustered_se(terms, clusters) -> float:
    """√(Σ_c (Σ_{i∈c} term_i)²): the delta method's error, paths that share a draw of the spreads counted as one."""
    return math.sqrt(np.sum(np.bincount(clusters, weights=terms) ** 2))


def weighted_summary(values, w, clusters):
    """(mean, its s.e., sd, its s.e.) of weighted draws: the delta method of self-normalised importance sampling,
    over the clusters of paths that share one draw of the link spreads (the engine's ``clusters``)."""
    mean = float(np.sum(w * values))
    centred = values - mean
    var = float(np.sum(w * centred ** 2))
    sd = math.sqrt(var)
    return (mean, clustered_se(w * centred, clusters), sd, clustered_se(w * (centred ** 2 - var), clusters) / (2 * sd))


def engine_summary(params, inputs, target):
    """name -> (estimate, s.e.) from the engine's own paths (``simulate_targets``), and the effective sample."""
    from dgforecast.engine.simulate import simulate_targets
    from dgforecast.plan.targets import level_targets

    simulation = simulate_targets(level_targets(inputs["targets"], inputs["baselines"]), params, None,
                                  inputs["evidence"])
    group = simulation.groups[target.group]
    n = len(group.theta)
    w = group.weights if group.weights is not None else np.full(n, 1.0 / n)
    layout = list(group.layout)
    clusters = group.clusters if group.clusters is not None else np.arange(n)
    met = (group.deadline_values[target.deadline] >= target.threshold).astype(float)
    p = float(np.sum(w * met))
    out = {"p_met": (p, clustered_se(w * (met - p), clusters))}
    keys = [(f"x_{y}", y) for y in layout if isinstance(y, int)] + [(k, QUANTITIES[k][1]) for k in QUANTITIES
                                                                   if QUANTITIES[k][1] in layout]
    for name, key in keys:
        mean, se_mean, sd, se_sd = weighted_summary(group.theta[:, layout.index(key)], w, clusters)
        out[f"{name} mean"], out[f"{name} sd"] = (mean, se_mean), (sd, se_sd)
    return out, {"paths": n, "ess": group.ess, "rows": ", ".join(group.evidence_used)}


def sample_reference(model, draws, tune, chains, seed):
    """The NUTS sample: (InferenceData, seconds)."""
    import pymc as pm

    start = time.perf_counter()
    with model:
        idata = pm.sample(draws=draws, tune=tune, chains=chains, cores=2, target_accept=0.95, random_seed=seed,
                          progressbar=False, compute_convergence_checks=False, compile_kwargs={"mode": "NUMBA"})
    return idata, time.perf_counter() - start


def reference_summary(idata, target, bounds):
    """name -> (estimate, MCSE), and the sampler's diagnostics (R-hat, ESS, divergences, the bounds respected)."""
    import arviz as az
    import xarray as xr

    post = idata.posterior
    log_threshold = math.log(target.threshold)
    met = (post["target"] >= log_threshold).astype(float)
    data = xr.Dataset({"p_met": met, **{name: post[name] for name in post.data_vars
                                         if name.startswith("x_") or name in QUANTITIES}})
    out = {}
    for name in data.data_vars:
        draws = data[name].values
        mean, sd = float(draws.mean()), float(draws.std())
        out[name if name == "p_met" else f"{name} mean"] = (mean, float(np.ravel(az.mcse(draws, method="mean"))[0]))
        if name != "p_met":   # the sd's error by the delta method on the centred squares
            squares = (draws - mean) ** 2
            out[f"{name} sd"] = (sd, float(squares.std() / math.sqrt(az.ess(squares, method="mean")) / (2 * sd)))
    rhat, ess = az.rhat(data), az.ess(data, method="bulk")
    ess_tail = az.ess(data.drop_vars("p_met"), method="tail")
    inside = all(bool(np.all(_in(post, year, lo, hi))) for year, (lo, hi) in bounds.items())
    return out, {"rhat": max(float(rhat[v]) for v in rhat.data_vars),
                 "ess_bulk": min(float(ess[v]) for v in ess.data_vars),
                 "ess_tail": min(float(ess_tail[v]) for v in ess_tail.data_vars),
                 "divergences": int(idata.sample_stats["diverging"].sum()), "inside": inside}


def _in(post, year, lo, hi):
    level = post["level_" + str(year)]
    return (level >= lo - 1e-12) & (level <= hi + 1e-12)


# ---------------------------------------------------------------- the comparison and the report
def compare(engine, reference) -> list:
    """One row per quantity both give: (name, engine (est, se), reference (est, se), z)."""
    rows = []
    for name, (value, se) in engine.items():
        if name in reference:
            ref, ref_se = reference[name]
            rows.append((name, (value, se), (ref, ref_se), (ref - value) / math.hypot(se, ref_se)))
    return rows


def run(label, related, reading, args):
    """One configuration: the engine's paths and the reference's sample, compared."""
    params, inputs, target, years, rows = workbook(args.as_of, reading, related, args.paths)
    start = time.perf_counter()
    engine, info = engine_summary(params, inputs, target)
    info["seconds"] = time.perf_counter() - start
    model, regions = reference_model(params, target, years, rows)
    idata, seconds = sample_reference(model, args.draws, args.tune, args.chains, args.seed)
    reference, diagnostics = reference_summary(idata, target, regions)
    diagnostics["seconds"] = seconds
    ids = ", ".join(rows["evidence_id"])
    if sorted(ids.split(", ")) != sorted(info["rows"].split(", ")):
        raise SystemExit(f"the reference reads {ids}, the engine {info['rows']}")
    return {"label": label, "reading": reading, "table": compare(engine, reference), "engine": info,
            "reference": diagnostics, "rows": info["rows"]}


def _figure(name, value, se):
    return f"{value:.2%} ± {se:.2%}" if name == "p_met" else f"{value:.5f} ± {se:.5f}"


def section_of(result) -> str:
    e, r = result["engine"], result["reference"]
    out = [f"### Base, {result['label']}, {result['reading']} reading", "",
           f"Rows: {result['rows']}.", "",
           "| quantity | engine | reference (NUTS) | z |", "| --- | --- | --- | --- |"]
    for name, (v, se), (ref, ref_se), z in result["table"]:
        label = "P(met)" if name == "p_met" else name.replace("_", " ", 1) if name.startswith("x_") else name
        out.append(f"| {label} | {_figure(name, v, se)} | {_figure(name, ref, ref_se)} | {z:+.2f} |")
    out += ["", f"Engine: {e['paths']:,} paths, effective sample {e['ess']:,.0f}, {e['seconds']:.1f} s. "
            f"Reference: R-hat at most {r['rhat']:.4f}, bulk ESS at least {r['ess_bulk']:,.0f}, tail ESS at least "
            f"{r['ess_tail']:,.0f}, {r['divergences']} divergent transitions, every draw inside the hard bounds: "
            f"{'yes' if r['inside'] else 'NO'}; {r['seconds']:.0f} s.", ""]
    return "\n".join(out)


def agreement(results) -> str:
    """The headline table: P(met) of each configuration, and how the z-scores fall overall."""
    from scipy.stats import chi2

    zs = np.array([z for res in results for *_, z in res["table"]])
    out = ["| configuration | reading | P(met), engine | P(met), reference | z | largest \\|z\\| of its quantities |",
           "| --- | --- | --- | --- | --- | --- |"]
    for res in results:
        name, (v, se), (ref, ref_se), z = res["table"][0]
        worst = max(res["table"], key=lambda row: abs(row[3]))
        out.append(f"| {res['label']} | {res['reading']} | {v:.2%} ± {se:.2%} | {ref:.2%} ± {ref_se:.2%} | {z:+.2f} "
                   f"| {abs(worst[3]):.2f} ({worst[0]}) |")
    p = float(chi2.sf(np.sum(zs ** 2), len(zs)))
    out += ["", f"{len(zs)} quantities compared: {np.sum(np.abs(zs) > 2)} with |z| > 2 (about {0.0455 * len(zs):.1f} "
            f"expected by chance), largest |z| {np.max(np.abs(zs)):.2f}; Σz² = {np.sum(zs ** 2):.1f} on {len(zs)} "
            f"degrees of freedom (p = {p:.2f}). The two agree within their Monte Carlo error when these z look "
            "like standard normal draws."]
    return "\n".join(out)


def versions() -> str:
    import arviz
    import pymc
    import pytensor
    import scipy

    return (f"Python {platform.python_version()}, PyMC {pymc.__version__}, PyTensor {pytensor.__version__} "
            f"(NUMBA mode), ArviZ {arviz.__version__}, NumPy {np.__version__}, SciPy {scipy.__version__}")


def report(results, args, seconds) -> str:
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    head = [f"# The reference model against the engine, as of {args.as_of}", "",
            "Produced by `.venv/bin/python benchmarks/reference_model.py` (needs `pip install -e '.[reference]'`) "
            f"on {when}, {seconds / 60:.1f} min in all on the shared 2-core machine. The base scenario's model "
            "written again in PyMC from its equations (the script's docstring) and sampled by NUTS "
            f"({args.chains} chains, {args.tune:,} tuning and {args.draws:,} kept draws each, target acceptance "
            f"0.95), against the engine's own paths ({args.paths:,}; `simulate_targets`). z = (reference − engine) "
            "/ √(se² + se²): the engine's error is the self-normalised importance-sampling one over its clusters (paths "
            "sharing one draw of the link spreads count as one), the reference's the MCSE from its effective sample. The hard bound 突破5000 is a change of variable (ln X_2025 = ln 5000 + s, "
            "s ≥ 0, below ln 6000 under the round reading), so no draw can leave it; the script checks every draw.",
            "", "## Agreement", "", agreement(results), "", "## Each configuration", ""]
    return "\n".join(head + [section_of(r) for r in results] + ["## Versions", "", versions(), ""])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", default=dt.date.today().strftime("%Y-%m"), help="the month (default: this one)")
    parser.add_argument("--paths", type=int, default=200_000, help="the engine's paths")
    parser.add_argument("--draws", type=int, default=12_500, help="kept draws a chain")
    parser.add_argument("--tune", type=int, default=1_500, help="tuning draws a chain")
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    start = time.perf_counter()
    results = []
    for label, related, reading in CONFIGURATIONS:
        results.append(run(label, related, reading, args))
        print(section_of(results[-1]), flush=True)
    from dgforecast.core.fileio import write_text_atomic

    write_text_atomic(Path(args.out), report(results, args, time.perf_counter() - start))
    print(agreement(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
