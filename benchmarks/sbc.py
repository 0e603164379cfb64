"""Simulation-based calibration of the measurement model: is the truth's rank among the engine's paths uniform?

Usage: ``.venv/bin/python benchmarks/sbc.py [--replications N] [--paths N]`` from the workbook. Writes
``benchmarks/results/sbc.md`` (issue 24, item 4). tests/engine/test_sbc.py runs the same functions on a
small draw.

Each replication draws the truth from the base scenario's prior — the link spreads from their
``link_uncertainty`` laws, the nominal gap's centre, ln r, the city gap δ and every year's growth
(``prior.prior_moments``) — then publishes figures of every kind data/raw/evidence.csv holds, the way
they are published, so that the engine's likelihood of each is the true one:

- the cluster's 增加值 growth of January–m and the city's full-year and January–m 增加值 growth, real:
  ln(1 + g) = x_t − NOMINAL (− δ for the city's) + the year's link error + the row's own error;
- a round level (达到): ln v = ln X_t + e, e ~ N(0, round_sd²), stated ``round``;
- an exact level, rounded to 0.1 亿元;
- a round bound, the highest round figure the output has passed (突破5000 when 5000 ≤ X < 6000),
  read with ``evidence.reading: round`` — under the plain reading the statement would say less than
  the rule that made it, and the posterior would not be calibrated (the file shows it);
- a fixed figure stated as at_least or at_most, whichever is true (exact: no round-figure cap);
- the city's revenue (exact) and output (突破, its highest round figure passed) of one year, the city's
  output drawn log-uniform over whole thousands, its ratio ln r + u, u ~ N(0, city_ratio_sd²).

The figures are written as an evidence file, read by ``load_evidence`` and conditioned on by the engine
(``simulate_targets``). For each quantity — each year's growth, ln r, δ, NOMINAL, the final level and
revenue — the rank is the posterior's weighted CDF at the truth, P_post(q < truth); over the
replications it is Uniform(0, 1) when the engine's posterior is the model's.
"""

import argparse
import csv
import datetime as dt
import logging
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "sbc.md"
#: What the base design publishes each year: (kind of figure, year, period or figure).
BASE_DESIGN = (("va", 2022, "YTD_M09"), ("city_va", 2022, "year"), ("round_level", 2022, None),
               ("city_va", 2023, "year"), ("exact_level", 2023, None),
               ("city_va", 2024, "YTD_M07"), ("city_pair", 2024, None), ("fixed_bound", 2024, 5500),
               ("va", 2025, "YTD_M05"), ("city_va", 2025, "year"), ("round_bound", 2025, None))
COLUMNS = ("evidence_id", "measure", "year", "period", "kind", "value", "unit", "precision", "price_basis",
           "published", "reliability", "source_url", "source_phrase", "note")
#: The city's output is drawn log-uniform on whole thousands, so a round statement's interval lies inside.
CITY_OUTPUT = (21000.0, 30000.0)


# ---------------------------------------------------------------- the truth
def draw_spread(params, name, rng):
    """A link spread from its law (``df: ν``: σ² = ν s²/χ²_ν; ``factor [a, b]``: s·exp(U(ln a, ln b)))."""
    value = getattr(params if name == "revenue_to_output_ratio_sd" else params.evidence, name)
    spec = params.link_uncertainty.get(name)
    if spec is None:
        return value
    if spec.kind == "df":
        return value * math.sqrt(spec.df / rng.chisquare(spec.df))
    return value * math.exp(rng.uniform(math.log(spec.factor[0]), math.log(spec.factor[1])))


def draw_truth(params, years, rng) -> dict:
    """The state and the spreads of one replication, drawn from the scenario's prior."""
    from dgforecast.engine.prior import prior_moments

    names = ("growth_link_sd", "ytd_sd", "round_sd", "city_gap_sd", "city_ratio_sd", "revenue_to_output_ratio_sd")
    spreads = {name: draw_spread(params, name, rng) for name in names}
    ep = params.evidence
    spec = params.link_uncertainty.get("nominal_gap")
    nominal = ep.nominal_gap + (spec.sd * rng.standard_normal() if spec is not None else 0.0)
    s2 = math.log1p((spreads["revenue_to_output_ratio_sd"] / params.revenue_to_output_ratio) ** 2)
    log_r = math.log(params.revenue_to_output_ratio) - s2 / 2 + math.sqrt(s2) * rng.standard_normal()
    mean, sd = prior_moments(params, years, False)
    x = mean[:len(years)] + sd[:len(years)] * rng.standard_normal(len(years))
    return {"spreads": spreads, "nominal_gap": nominal, "log_r": log_r, "x": dict(zip(years, x)),
            "gap": ep.city_gap + spreads["city_gap_sd"] * rng.standard_normal(),
            "link": {year: spreads["growth_link_sd"] * rng.standard_normal() for year in years}}


# ---------------------------------------------------------------- the figures, as published
def highest_round_passed(level) -> float:
    """The highest round figure at or below ``level`` whose last significant digit is its first (5000, 10000)."""
    unit = 10.0 ** math.floor(math.log10(level))
    return math.floor(level / unit) * unit


def _row(evidence_id, measure, year, period, kind, value, unit, precision="", price_basis=""):
    # a growth row quotes itself as published (增长9.5%), as a real row's source_phrase does: the loader's
    # unit-slip check (a growth far from its measure's other rows) then takes it as meant
    phrase = (f"{'下降' if value.startswith('-') else '增长'}{value.lstrip('-')}%" if kind == "growth" else "")
    return {"evidence_id": evidence_id, "measure": measure, "year": str(year), "period": period, "kind": kind,
            "value": value, "unit": unit, "precision": precision, "price_basis": price_basis,
            "published": f"{year}-12", "reliability": "official", "source_url": "simulated",
            "source_phrase": phrase, "note": "benchmarks/sbc.py"}


def growth_figure(truth, measures, kind, year, period, rng) -> dict:
    """A real 增加值 growth of January–m: the cluster's, or the city's (through δ)."""
    months = 12 if period == "year" else int(period[len("YTD_M"):])
    sp = truth["spreads"]
    unseen = sp["ytd_sd"] * (12 - months) / 12
    own = unseen if kind == "va" else math.hypot(sp["city_gap_sd"], unseen)
    log_growth = (truth["x"][year] - truth["nominal_gap"] - (truth["gap"] if kind == "city_va" else 0.0)
                  + truth["link"][year] + own * rng.standard_normal())
    measure = measures["linked_growth" if kind == "va" else "related_growth"]
    return _row(f"{kind}_{year}_{period.lower()}", measure, year, period, "growth",
                f"{100 * math.expm1(log_growth):.6f}", "%", price_basis="real")


def level_figures(truth, measures, kind, year, extra, base_log, rng) -> list:
    """A level or bound of the cluster's output, or the city's revenue/output pair."""
    level = math.exp(base_log + sum(x for y, x in truth["x"].items() if y <= year))
    out, unit = measures["level"], "亿元"
    if kind == "round_level":
        value = level * math.exp(truth["spreads"]["round_sd"] * rng.standard_normal())
        return [_row(f"round_level_{year}", out, year, "year", "level", f"{value:.4f}", unit, "round")]
    if kind == "exact_level":
        return [_row(f"exact_level_{year}", out, year, "year", "level", f"{level:.1f}", unit, "exact")]
    if kind == "round_bound":
        return [_row(f"round_bound_{year}", out, year, "year", "at_least", f"{highest_round_passed(level):.0f}",
                     unit, "round")]
    if kind == "fixed_bound":
        side = "at_least" if level >= extra else "at_most"
        return [_row(f"fixed_bound_{year}", out, year, "year", side, f"{extra:.0f}", unit, "exact")]
    city = math.exp(rng.uniform(*np.log(CITY_OUTPUT)))
    ratio = math.exp(truth["log_r"] + truth["spreads"]["city_ratio_sd"] * rng.standard_normal())
    return [_row(f"city_revenue_{year}", measures["related_numerator"], year, "year", "level",
                 f"{ratio * city:.1f}", unit, "exact"),
            _row(f"city_output_{year}", measures["related_denominator"], year, "year", "at_least",
                 f"{1000 * math.floor(city / 1000):.0f}", unit, "round")]


def figures(truth, design, measures, base_log, rng) -> list:
    """Every figure of ``design`` published from ``truth``: rows of an evidence file."""
    rows = []
    for kind, year, extra in design:
        if kind in ("va", "city_va"):
            rows.append(growth_figure(truth, measures, kind, year, extra, rng))
        else:
            rows += level_figures(truth, measures, kind, year, extra, base_log, rng)
    return rows


# ---------------------------------------------------------------- conditioning, and the truth's rank
def measures_by_role(plan) -> dict:
    """role -> the plan's (first) measure of that role."""
    out = {}
    for name, measure in plan.measures.items():
        out.setdefault(measure.role, name)
    return out


def evidence_table(rows, params, inputs, folder):
    """``rows`` written as an evidence file and read back by the workbook's loader (``load_evidence``)."""
    from dgforecast.plan.evidence import load_evidence
    from dgforecast.run.pipeline import evidence_baselines

    path = Path(folder) / "evidence.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    last = max(row["published"] for row in rows)   # the loader refuses a figure published after "today"
    today = dt.date(int(last[:4]), int(last[5:]), 1)
    return load_evidence(path, inputs["plan"], today, evidence_baselines(inputs["baselines"], inputs["plan"]))


def condition(evidence, params, inputs, direct=False):
    """The engine's paths of the revenue target's group given the evidence table: through ``simulate_targets``
    (the selection by month and reliability first), or with ``direct`` every row straight to ``group_paths``."""
    from dgforecast.engine.condition import observations
    from dgforecast.engine.draws import group_generators
    from dgforecast.engine.group_paths import group_paths
    from dgforecast.engine.simulate import simulate_targets
    from dgforecast.plan.targets import level_targets

    targets = level_targets(inputs["targets"], inputs["baselines"])
    if direct:
        target = next(t for t in targets if t.apply_ratio)
        group = group_paths(target, params, group_generators(params.seed, 1)[0], observations(evidence), None)
    else:
        simulation = simulate_targets(targets, params, None, evidence, strict=False)
        target = next(t for t in simulation.targets if t.apply_ratio)
        group = simulation.groups[target.group]
    if len(group.evidence_used) != len(evidence):
        raise RuntimeError(f"the engine used {len(group.evidence_used)} of {len(evidence)} rows: {group.evidence_used}")
    return group, target


def truth_values(truth, target) -> dict:
    """The ranked quantities' true values."""
    base_log = math.log(target.base_level)
    level = base_log + sum(x for y, x in truth["x"].items() if y <= target.deadline)
    out = {f"x_{year}": x for year, x in truth["x"].items()}
    out.update({"log_r": truth["log_r"], "gap": truth["gap"], "nominal_gap": truth["nominal_gap"],
                "final level": level, "final revenue": level + truth["log_r"]})
    return out


def path_values(group, target) -> dict:
    """The same quantities on every path of the engine."""
    layout = list(group.layout)
    years = [k for k in layout if isinstance(k, int)]
    theta = group.theta
    level = math.log(target.base_level) + theta[:, [layout.index(y) for y in years if y <= target.deadline]].sum(1)
    out = {f"x_{y}": theta[:, layout.index(y)] for y in years}
    out.update({k: theta[:, layout.index(k)] for k in ("log_r", "gap", "nominal_gap") if k in layout})
    out.update({"final level": level, "final revenue": level + theta[:, layout.index("log_r")]})
    return out


def ranks(group, target, truth) -> dict:
    """quantity -> (P_post(q < truth), (truth − posterior mean) / posterior sd)."""
    n = len(group.theta)
    w = group.weights if group.weights is not None else np.full(n, 1.0 / n)
    true, out = truth_values(truth, target), {}
    for name, q in path_values(group, target).items():
        mean = float(np.sum(w * q))
        sd = math.sqrt(max(float(np.sum(w * (q - mean) ** 2)), 1e-300))
        out[name] = (float(np.sum(w[q < true[name]])), (true[name] - mean) / sd)
    return out


def run_sbc(params, inputs, design, replications, seed, reuse_table=False) -> pd.DataFrame:
    """One row per replication and quantity: its rank ``u``, its ``z`` and the effective sample.

    A draw whose figures the loader refuses (a growth past its range: the spreads' laws have long tails) is
    dropped and another drawn: a choice on the data alone, so the ranks stay uniform; ``attrs["refused"]``
    says why each was dropped.

    ``reuse_table``: read the first replication's file with the loader, give the later ones the same table
    with their own values (only for designs of growth rows, whose value alone the loader turns into numbers)
    and hand every row straight to ``group_paths``: a fast test's shortcut past the loader's per-row checks
    and the selection, which a long design's every row passes.
    """
    from dgforecast.core.errors import DataError, ParamsError
    from dgforecast.engine.prior import simulated_years
    from dgforecast.plan.targets import level_targets

    if reuse_table and any(kind not in ("va", "city_va") for kind, *_ in design):
        raise ValueError("reuse_table: only for designs of growth rows")
    target = next(t for t in level_targets(inputs["targets"], inputs["baselines"]) if t.apply_ratio)
    years = simulated_years(params, target.base_year)
    measures, base_log = measures_by_role(inputs["plan"]), math.log(target.base_level)
    records, table, refused, draw, out_of_paths = [], None, [], 0, []
    with tempfile.TemporaryDirectory() as folder:
        while draw - len(refused) < replications:
            rng = np.random.default_rng([seed, draw])
            truth = draw_truth(params, years, rng)
            rows = figures(truth, design, measures, base_log, rng)
            draw += 1
            try:
                if table is None or not reuse_table:
                    table = evidence_table(rows, params, inputs, folder)
                else:
                    table = table.assign(value=[float(r["value"]) for r in rows])
            except DataError as e:   # a figure the loader refuses (growth past -60 %): dropped on the data alone
                refused.append(str(e).split("evidence.csv: ", 1)[-1])
                continue
            try:
                group, target = condition(table, params.model_copy(update={"seed": seed + draw}), inputs, reuse_table)
            except ParamsError:   # no path inside the bounds: ten times the paths, as the engine's min_ess would
                more = params.model_copy(update={"seed": seed + draw, "n_sims": 10 * params.n_sims})
                out_of_paths.append(draw)
                try:
                    group, target = condition(table, more, inputs, reuse_table)
                except ParamsError as e:   # still none: counted as refused (by the engine), and reported
                    refused.append(f"the engine: {str(e)[:60]}")
                    continue
            for name, (u, z) in ranks(group, target, truth).items():
                records.append({"replication": draw, "quantity": name, "u": u, "z": z, "ess": group.ess})
    out = pd.DataFrame(records)
    out.attrs["refused"] = refused
    out.attrs["more_paths"] = out_of_paths
    return out


# ---------------------------------------------------------------- is it uniform?
#: The central intervals whose coverage is reported.
LEVELS = (0.5, 0.8, 0.95)
BARS = " ▁▂▃▄▅▆▇█"


def uniformity(ranks_table) -> pd.DataFrame:
    """Per quantity: replications, χ² (10 bins) and Kolmogorov–Smirnov p-values, coverage of the central intervals,
    and the mean and sd of z = (truth − posterior mean) / posterior sd."""
    from scipy.stats import chisquare, kstest

    rows = []
    for name, part in ranks_table.groupby("quantity", sort=False):
        u = part["u"].to_numpy()
        counts = np.histogram(u, bins=10, range=(0.0, 1.0))[0]
        row = {"quantity": name, "n": len(u), "chi2_p": float(chisquare(counts).pvalue),
               "ks_p": float(kstest(u, "uniform").pvalue), "z_mean": float(part["z"].mean()),
               "z_sd": float(part["z"].std()), "counts": counts}
        row.update({f"cover{round(100 * level)}": float(np.mean(np.abs(u - 0.5) <= level / 2)) for level in LEVELS})
        rows.append(row)
    return pd.DataFrame(rows)


def histogram_lines(table) -> list:
    """One line per quantity: its ten bins' counts as bars (█ = the tallest bin of the table) and the counts."""
    top = max(int(c.max()) for c in table["counts"])
    width = max(len(q) for q in table["quantity"])
    return [f"{r.quantity:<{width}}  " + "".join(BARS[round(8 * c / top)] for c in r.counts)
            + "  " + " ".join(f"{c:3d}" for c in r.counts) for r in table.itertuples()]


def uniformity_markdown(table) -> str:
    n = int(table["n"].iloc[0])
    se = {level: math.sqrt(level * (1 - level) / n) for level in LEVELS}
    out = ["| quantity | χ² p (10 bins) | KS p | 50 % covers | 80 % covers | 95 % covers | z mean | z sd |",
           "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in table.itertuples():
        covers = [f"{getattr(r, f'cover{round(100 * level)}'):.1%}" for level in LEVELS]
        out.append(f"| {r.quantity} | {r.chi2_p:.3f} | {r.ks_p:.3f} | " + " | ".join(covers)
                   + f" | {r.z_mean:+.3f} | {r.z_sd:.3f} |")
    out += ["", f"{n} replications: a coverage's binomial s.e. is {se[0.5]:.1%} (50 %), {se[0.8]:.1%} (80 %), "
            f"{se[0.95]:.1%} (95 %); z's mean has s.e. {1 / math.sqrt(n):.3f}, its sd about {1 / math.sqrt(2 * n):.3f}."]
    return "\n".join(out)


# ---------------------------------------------------------------- the fast test against mutants
#: (what is broken, file, the line as written, the line broken): each must make tests/engine/test_sbc.py fail.
MUTANTS = (
    ("link variance +20 %", "posterior.py", "R[i, j] += link_sd ** 2", "R[i, j] += 1.2 * link_sd ** 2"),
    ("link variance −20 %", "posterior.py", "R[i, j] += link_sd ** 2", "R[i, j] += 0.8 * link_sd ** 2"),
    ("year-to-date variance +20 %", "condition.py", "return ep.ytd_sd * (12 - obs.months) / 12",
     "return ep.ytd_sd * 1.2 ** 0.5 * (12 - obs.months) / 12"),
    ("year-to-date variance −20 %", "condition.py", "return ep.ytd_sd * (12 - obs.months) / 12",
     "return ep.ytd_sd * 0.8 ** 0.5 * (12 - obs.months) / 12"),
    ("a city row's own variance +20 %", "condition.py", "math.hypot(ep.city_gap_sd, ytd_part(obs, ep))",
     "math.hypot(ep.city_gap_sd * 1.2 ** 0.5, ytd_part(obs, ep))"),
    ("a city row's own variance −20 %", "condition.py", "math.hypot(ep.city_gap_sd, ytd_part(obs, ep))",
     "math.hypot(ep.city_gap_sd * 0.8 ** 0.5, ytd_part(obs, ep))"),
    ("the sign of δ in a city row", "condition.py", "(GAP, -1.0), *gap)", "(GAP, 1.0), *gap)"),
    ("the sign of the nominal gap", "condition.py", "(ep.nominal_gap + shift, ())", "(-ep.nominal_gap + shift, ())"),
    ("the sign of δ's prior mean", "prior.py", "mean.append(params.evidence.city_gap)",
     "mean.append(-params.evidence.city_gap)"),
    ("δ's prior variance +20 %", "prior.py", "sd.append(params.evidence.city_gap_sd)",
     "sd.append(params.evidence.city_gap_sd * 1.2 ** 0.5)"),
)


def run_mutants(mutants=MUTANTS) -> list:
    """(what, caught, the first failure's message): the fast test run on a copy of the package with each change."""
    import re
    import shutil
    import subprocess

    out = []
    for what, name, line, broken in mutants:
        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder)
            for part in ("dgforecast", "tests", "benchmarks"):
                shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__", "results"))
            shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
            source = copy / "dgforecast" / "engine" / name
            text = source.read_text(encoding="utf-8")
            if text.count(line) != 1:
                raise RuntimeError(f"{name}: {line!r} is not one line of it; update MUTANTS")
            source.write_text(text.replace(line, broken), encoding="utf-8")
            run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "slow",
                                  "tests/engine/test_sbc.py"], cwd=copy, capture_output=True, text=True,
                                 env={**__import__("os").environ, "PYTHONPATH": str(copy)})
            found = re.findall(r"^E\s+AssertionError: (.*)$", run.stdout, re.M)
            out.append((what, run.returncode != 0, found[0] if found else run.stdout.strip().splitlines()[-1]))
    return out


def mutants_markdown(results) -> str:
    out = ["| broken in the engine | tests/engine/test_sbc.py | what it says |", "| --- | --- | --- |"]
    out += [f"| {what} | {'fails' if caught else '**passes**'} | {message} |" for what, caught, message in results]
    caught = sum(c for _, c, _ in results)
    return "\n".join(out + ["", f"{caught} of {len(results)} mutants caught. δ's prior variance is beyond these designs: "
                            "the data, not δ's prior, fix δ there, and a design where its prior dominates gives one "
                            "check a replication (thousands would be needed). The growth prior's own variance is beyond "
                            "any SBC: the truth is drawn from the same `prior_moments`."])


# ---------------------------------------------------------------- the benchmark
def scenario(reading, paths, as_of="2026-01"):
    """The base scenario as the benchmark conditions with it: every figure of the design known, the reading given,
    the paths as asked (``min_ess`` at its floor, so no replication draws more)."""
    from dgforecast.plan.params import resolve_scenario

    return resolve_scenario(ROOT / "params.yaml", "base", {"as_of": as_of, "n_sims": paths,
                                                            "evidence": {"reading": reading, "min_ess": 10}})


def refusals(refused, accepted) -> str:
    """What the loader refused, counted by its reason: a growth out of line with the measure's other rows (the
    unit-slip check), outside the growth range, or another."""
    if not refused:
        return ""
    kinds = {"out of line with its other growth rows": 0, "outside -60..+150 % a year": 0}
    for message in refused:
        kind = next((k for k in kinds if k in message), None)
        kinds[kind] = kinds.get(kind, 0) + 1
    said = "; ".join(f"{n} {k or 'other'}" for k, n in kinds.items() if n)
    share = len(refused) / (len(refused) + accepted)
    return (f" The loader refused {len(refused)} of {len(refused) + accepted} draws ({share:.0%}), each dropped on its "
            f"figures alone and another drawn (the ranks stay uniform; the spreads' long tails are tested less): "
            f"{said}. The first: {refused[0].split(';')[0]}.")


def section(title, table, seconds, ess, refused=(), more_paths=()) -> str:
    dropped = refusals(refused, len(ess)) + (f" {len(more_paths)} replications had no path inside their bounds "
                                             "and were run again with ten times the paths." if more_paths else "")
    return "\n".join([f"## {title}", "", uniformity_markdown(table), "",
                      f"Effective sample a replication: median {np.median(ess):,.0f}, lowest {np.min(ess):,.0f}; "
                      f"{seconds:.0f} s.{dropped}", "", "The ranks in ten bins (0-0.1 … 0.9-1), one line a quantity:", "",
                      "```", *histogram_lines(table), "```", ""])


def main(argv=None) -> int:
    from dgforecast.core.fileio import write_text_atomic
    from dgforecast.run.pipeline import load_inputs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--plain-replications", type=int, default=300, help="the same, read plainly (0: skip)")
    parser.add_argument("--paths", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--no-mutants", action="store_true", help="skip the fast test's run against MUTANTS")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)   # a simulated growth under 1 % draws the loader's "read as %" warning
    inputs, parts = load_inputs(ROOT), []
    for reading, n in (("round", args.replications), ("plain", args.plain_replications)):
        if n:
            start = time.perf_counter()
            table = run_sbc(scenario(reading, args.paths), inputs, BASE_DESIGN, n, args.seed)
            parts.append((reading, uniformity(table), time.perf_counter() - start,
                          table.groupby("replication")["ess"].first().to_numpy(), table.attrs["refused"],
                          table.attrs["more_paths"]))
            print(section(reading, *parts[-1][1:]), flush=True)
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    design = ", ".join(f"{kind} {year}" + (f" ({extra})" if extra else "") for kind, year, extra in BASE_DESIGN)
    head = [f"# Simulation-based calibration of the measurement model", "",
            f"Produced by `.venv/bin/python benchmarks/sbc.py` on {when} ({args.paths:,} paths a replication, base "
            f"scenario's prior and link laws, seed {args.seed}). Each replication draws the truth from the prior, "
            f"publishes {design} (the script's docstring says how each is published) and conditions the engine on "
            "them. The rank of the truth, P_post(q < truth), must be Uniform(0, 1); x_2022 and x_2023 mirror each "
            "other (the exact 2023 level pins their sum).", ""]
    titles = {"round": "Round-figure reading (the statements' own rule: calibrated when the engine is right)",
              "plain": "Plain reading of the same statements (突破 as a lower bound only: expected to fail)"}
    body = [section(titles[reading], *rest) for reading, *rest in parts]
    if not args.no_mutants:
        start = time.perf_counter()
        mutants = mutants_markdown(run_mutants())
        body += ["## The fast test against mutants", "",
                 "tests/engine/test_sbc.py (its slow tests) run on a copy of the package with one line of the engine "
                 f"changed, {time.perf_counter() - start:.0f} s in all:", "", mutants, ""]
        print(mutants)
    write_text_atomic(Path(args.out), "\n".join(head + body))
    return 0


if __name__ == "__main__":
    sys.exit(main())
