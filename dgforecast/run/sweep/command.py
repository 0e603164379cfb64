"""``dgforecast sweep``: check a grid against the scenario, run it through the engine, write the table."""

import json
import os
import textwrap
import time

from dgforecast.core.config import find_project
from dgforecast.core.errors import ParamsError
from dgforecast.engine.batch import engine_setup
from dgforecast.engine.prior import simulated_years
from dgforecast.judge.placeholders import refuse_placeholders
from dgforecast.plan.params import changed, headline_scenario, resolve_scenario
from dgforecast.plan.schema import FIELDS
from dgforecast.run.pipeline import load_inputs
from dgforecast.run.sweep.grid import (
    check_grid_memory,
    check_grid_size,
    check_measure_keys,
    grid_points,
    parse_grid,
    validate_grid,
)
from dgforecast.run.sweep.pages import render_point_notebooks
from dgforecast.run.sweep.results import (
    break_even_column,
    break_even_line,
    check_output_path,
    crossing_column,
    finest_key,
    grid_keys,
    p_met_crossings,
    write_results,
)
from dgforecast.run.sweep.run import check_scheduler, run_engine

#: The P(met) levels a sweep solves for (the contours of notebook 05's heat map too).
CROSSING_PROBABILITIES = (0.5, 0.8)


def _check_years(grid, setup):
    # A target_year before a deadline or an override outside the simulated years must fail now, not
    # halfway through the sweep.
    for target_year in grid.get("target_year", [setup.base.target_year]):
        params = setup.base.model_copy(update={"target_year": target_year})
        for target in setup.targets:
            simulated_years(params, target.base_year)


def _check_fitted(setup):
    if len(setup.history) < 2:
        raise ParamsError(f"engine = fitted: history_series = {setup.base.history_series!r} has fewer than 2 "
                          "published levels in data/raw/; name another series or sweep engine=lognormal")


#: The sweep's setup is the simulation core's (one copy, shared with the hinge table (judge.hinge)).
make_setup = engine_setup


def prepare_sweep(paths, scenario, specs, n_sims=None, seed=None, yes=False, as_of=None):
    """Parse and check everything a sweep needs, before any simulation.

    Returns
    -------
    (grid, setup) : (dict, EngineSetup)

    Raises
    ------
    ParamsError
        On any bad grid argument, key or value, too many points without ``yes``, a scenario
        that does not resolve, or growth overrides outside the simulated years.
    """
    grid = parse_grid(specs)
    check_grid_size(grid, yes=yes)
    overrides = {k: v for k, v in (("n_sims", n_sims), ("seed", seed), ("as_of", as_of)) if v is not None}
    base = resolve_scenario(paths.params_file, scenario, overrides)
    check_grid_memory(grid, base.n_sims)
    validate_grid(grid, base)
    setup = make_setup(load_inputs(paths.root), base, grid.get("engine"))
    if not setup.targets:
        raise ParamsError(f"{paths.raw / 'plan_targets.csv'}: no level targets; a sweep needs at least one")
    check_measure_keys(grid, {t.path for t in setup.targets if t.path})
    refuse_placeholders(changed(base, {k: values[0] for k, values in grid.items()}), setup.targets)
    _check_years(grid, setup)
    if "fitted" in grid.get("engine", [base.engine]):
        _check_fitted(setup)
    return grid, setup


def sweep(points, setup, jobs=1, scheduler=None):
    """The sweep table: the grid values, then ``result_columns`` for each point."""
    return points.join(run_engine(points, setup, jobs=jobs, scheduler=scheduler))


def _percent(p) -> str:
    # A weighted share may come out a rounding error below 0 or above 1 (-4.4e-16): never "-0.0%"
    return f"{min(max(float(p), 0.0), 1.0):.1%}"


def sweep_answer(results, setup):
    """The sweep's answer, one row per level target and line of the grid: where P(met) crosses 50 % and
    80 % along the most finely swept key (``p_met_crossings``) and, beside them, where the median equals
    the target (``break_even_line``: on a growth axis the required growth)."""
    crossings = p_met_crossings(results, CROSSING_PROBABILITIES)
    x_key = finest_key(results)
    if x_key is None:
        return crossings
    line = break_even_line(results, {t.target_id: t.threshold for t in setup.targets}, x_key)
    return crossings.merge(line, on=[c for c in crossings.columns if c in line.columns], how="left", sort=False)


def _answer_lines(answer, x_key) -> list:
    # The answer as a table under one line saying how each column was found.
    fraction = (FIELDS.get(x_key.split(".")[0], {}).get("unit", "").endswith("fraction per year")
                or x_key.endswith(".growth"))

    def shown(value):
        if isinstance(value, str):
            return value
        return f"{value:.4f} ({value:.2%}/yr)" if fraction else f"{value:.4g}"

    names = {crossing_column(x_key, q): f"P(met) = {q:.0%}" for q in CROSSING_PROBABILITIES}
    names[break_even_column(x_key)] = "median = target"
    table = answer.rename(columns=names)
    for column in names.values():
        table[column] = table[column].map(shown)
    how = ("the growth the target requires (required_cagr.<target> in the file: from the baseline at a constant "
           "rate, before shock years and evidence). P(met) = 50% is not the same line: it also spreads the "
           "revenue/output ratio and weighs the evidence" if x_key == "growth" else
           "where the simulated median crosses the target (linear between grid points), so it runs with P(met) = 50%")
    text = (f"{x_key} at which P(met) crosses {' and '.join(f'{q:.0%}' for q in CROSSING_PROBABILITIES)} (linear "
            "between grid points; never / always: not crossed on the grid), and the break-even line, median = "
            f"target: {how}.")
    return ["", *textwrap.wrap(text, 110), *("  " + line for line in table.to_string(index=False).splitlines())]


def describe_results(results, setup, out, seconds, as_json=False, notebooks=None) -> str:
    """What ``dgforecast sweep`` prints: what ran, where it went, the range of P(met) per target, and
    the answer (``sweep_answer``) — for each value of the other keys, the value of the most finely swept
    key at which P(met) crosses 50 % and 80 %, and the break-even line beside them, at which the median
    equals the target (on a growth axis the required growth).

    With ``as_json`` the same as one JSON object: the run (file, points, grid keys, scenario, paths,
    seed, as_of), ``x_key``, ``crossings`` (one object per target and line of the grid: a number,
    ``"never"`` or ``"always"`` per probability, ``growth_at_p_met_50``, and the break-even value,
    ``growth_at_median_target``) and ``notebooks`` (the ``--notebooks`` summary).
    """
    keys = grid_keys(results)
    answer = sweep_answer(results, setup)
    x_key = finest_key(results)
    thin = below_floor(results, setup, keys)
    if as_json:
        record = {"results_file": str(out), "points": len(results), "grid_keys": keys,
                  "scenario": setup.base.scenario, "n_sims": setup.base.n_sims, "seed": setup.base.seed,
                  "as_of": setup.base.as_of_month, "seconds": round(seconds, 3), "x_key": x_key,
                  "crossings": answer.to_dict(orient="records"), "below_floor": thin, "notebooks": notebooks}
        return json.dumps(record, ensure_ascii=False, indent=2, default=lambda v: v.item())
    lines = [f"swept {len(results):,} points ({' x '.join(keys)}) x {setup.base.n_sims:,} paths "
             f"(scenario {setup.base.scenario}, seed {setup.base.seed}, evidence as of {setup.base.as_of_month}) "
             f"in {seconds:.2f} s; wrote {out}"]
    for target in setup.targets:
        p = results[f"p_met.{target.target_id}"]
        if p.notna().any():
            best = results.loc[p.idxmax(), keys].to_dict()
            lines.append(f"  {target.target_id}: P(met) {_percent(p.min())} to {_percent(p.max())}; highest at "
                         + ", ".join(f"{k}={v}" for k, v in best.items()))
    if x_key is not None and len(answer):
        lines += _answer_lines(answer, x_key)
    for target_id, points in thin.items():
        shown = "; ".join(", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in p.items())
                          for p in points[:5])
        lines.append(f"warning: {target_id}: {len(points):,} point(s) with an effective sample below "
                     f"evidence.min_ess = {setup.base.evidence.min_ess:,} (column below_floor.{target_id}; their "
                     f"P(met) rests on few paths: raise --sims): {shown}{' …' if len(points) > 5 else ''}")
    if notebooks:
        lines.append(notebooks)
    return "\n".join(lines)


def below_floor(results, setup, keys) -> dict:
    """target_id -> the grid values of every point whose effective sample is under evidence.min_ess."""
    found = {}
    for target in setup.targets:
        column = f"below_floor.{target.target_id}"
        if column in results and (results[column] == 1).any():
            rows = results.loc[results[column] == 1, keys]
            found[target.target_id] = [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
                                       for r in rows.to_dict(orient="records")]
    return found


def _check_jobs(jobs) -> int:
    if jobs is None:
        return os.cpu_count() or 1
    if jobs < 1:
        raise ParamsError(f"-j {jobs}: give a positive number of worker processes, such as -j 2")
    return jobs


def run_sweep(specs, project=None, scenario=None, n_sims=None, seed=None, out=None, jobs=1, scheduler=None,
              yes=False, notebooks=False, as_of=None, as_json=False) -> str:
    """``dgforecast sweep``: evaluate a grid of overrides on a scenario and write one row per point.

    Parameters
    ----------
    specs : list of str
        ``--grid`` arguments, ``KEY=START:STOP:STEP`` (stop inclusive) or ``KEY=V1,V2,...``.
    project : str or Path, optional
        The workbook; default: found from the current folder upward.
    scenario : str, optional
        The scenario of params.yaml the grid overrides (default: its headline scenario).
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
    as_of : str, optional
        YYYY-MM: use only evidence published by then (the plan's month: as of the plan).
    as_json : bool
        Return one JSON object (``describe_results``) instead of text.

    Returns
    -------
    str
        What was done, where P(met) crosses 50 % and 80 % and where the median equals the target, for the
        terminal.
    """
    jobs = _check_jobs(jobs)
    if scheduler:
        check_scheduler(scheduler)
    paths = find_project(project)
    scenario = scenario or headline_scenario(paths.params_file)
    out = check_output_path(out or paths.reports / f"sweep_{scenario}.csv", paths.raw)
    grid, setup = prepare_sweep(paths, scenario, specs, n_sims=n_sims, seed=seed, yes=yes, as_of=as_of)
    started = time.perf_counter()
    results = sweep(grid_points(grid), setup, jobs=jobs, scheduler=scheduler)
    write_results(results, out)
    seconds = time.perf_counter() - started
    pages = render_point_notebooks(grid_points(grid), setup, paths, out, jobs=jobs) if notebooks else None
    return describe_results(results, setup, out, seconds, as_json=as_json, notebooks=pages)

