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
from dgforecast.run.pipeline import load_inputs
from dgforecast.run.sweep.answer import (
    BREAK_EVEN,
    CROSSING_PROBABILITIES,
    curve_rows,
    range_text,
    sweep_answer,
    value_text,
)
from dgforecast.run.sweep.grid import (
    check_grid_memory,
    check_grid_size,
    check_measure_keys,
    grid_points,
    parse_grid,
    validate_grid,
)
from dgforecast.run.sweep.pages import render_point_notebooks
from dgforecast.run.sweep.results import check_output_path, crossing_column, grid_keys, write_results
from dgforecast.run.sweep.run import check_scheduler, run_engine, run_points


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


def _curve_lines(answer) -> list:
    # The break-even curve (and the 80 % one) at a few lines of the grid, under the one-line answers.
    x_key, crossings = answer["x_key"], answer["crossings"]
    names = {crossing_column(x_key, q): f"P(met) = {q:.0%}" for q in CROSSING_PROBABILITIES}
    rows = curve_rows(crossings, x_key)
    if rows.empty or set(crossings.columns) <= {"target_id", *names}:  # one grid key: the answer said it all
        return []
    table = rows.rename(columns=names)
    for column in table.columns[1:]:
        key = x_key if column in names.values() else column
        table[column] = table[column].map(lambda v, key=key: value_text(key, v))
    shown = f"{len(rows)} of {len(crossings)} lines of the grid, picked evenly; every line: --json" \
        if len(rows) < len(crossings) else "every line of the grid"
    head = (f"{x_key} at which P(met) crosses {BREAK_EVEN:.0%} (the break-even) and 80% along each line ({shown}; "
            "linear between grid points; never / always: not crossed on the grid):")
    return ["", *textwrap.wrap(head, 110), *("  " + line for line in table.to_string(index=False).splitlines())]


def describe_results(results, setup, out, seconds, as_json=False, notebooks=None, executor=None) -> str:
    """What ``dgforecast sweep`` prints: what ran and where (``executor``), the file written, the range of P(met)
    per target, the answer in one line per target and probability (``answer.sweep_answer``: what P(met) ≥ 50 %,
    the break-even, and ≥ 80 % need along the deciding key), then the break-even curve in a few rows.

    With ``as_json`` the same as one JSON object: the run (file, points, grid keys, scenario, paths, seed,
    as_of, seconds, ``executor``), ``break_even`` (its definition), ``x_key`` (the deciding key), ``answer``
    (target_id -> the one-line answers, as printed), ``p_met`` (target_id -> low, high, highest_at: None on a
    plateau), ``crossings`` (every line of the grid: a number, ``"never"`` or ``"always"`` per probability,
    ``growth_at_p_met_50``), ``below_floor`` and ``notebooks`` (the ``--notebooks`` summary).
    """
    keys = grid_keys(results)
    answer = sweep_answer(results)
    thin = below_floor(results, setup, keys)
    where = executor.text if executor is not None else "in this process (one local process)"
    if as_json:
        record = {"results_file": str(out), "points": len(results), "grid_keys": keys,
                  "scenario": setup.base.scenario, "n_sims": setup.base.n_sims, "seed": setup.base.seed,
                  "as_of": setup.base.as_of_month, "seconds": round(seconds, 3),
                  "executor": executor.record() if executor is not None else None,
                  "break_even": f"P(met) = {BREAK_EVEN:.0%}", "x_key": answer["x_key"], "answer": answer["lines"],
                  "p_met": answer["ranges"], "crossings": answer["crossings"].to_dict(orient="records"),
                  "below_floor": thin, "notebooks": notebooks}
        return json.dumps(record, ensure_ascii=False, indent=2, default=lambda v: v.item())
    lines = [f"swept {len(results):,} points ({' x '.join(keys)}) x {setup.base.n_sims:,} paths "
             f"(scenario {setup.base.scenario}, seed {setup.base.seed}, evidence as of {setup.base.as_of_month}) "
             f"{where} in {seconds:.2f} s; wrote {out}"]
    for target_id, span in answer["ranges"].items():
        lines.append("  " + range_text(target_id, span, len(results)))
    for target_id, said in answer["lines"].items():
        lines += [f"answer: {target_id}: {line}" for line in said]
    if answer["x_key"] is not None and len(answer["crossings"]) > 1:
        lines += _curve_lines(answer)
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
        What was done and where it ran, and the answer: what P(met) ≥ 50 % (the break-even) and ≥ 80 % need,
        for the terminal.
    """
    jobs = _check_jobs(jobs)
    if scheduler:
        check_scheduler(scheduler)
    paths = find_project(project)
    scenario = scenario or headline_scenario(paths.params_file)
    out = check_output_path(out or paths.reports / f"sweep_{scenario}.csv", paths.raw)
    grid, setup = prepare_sweep(paths, scenario, specs, n_sims=n_sims, seed=seed, yes=yes, as_of=as_of)
    started = time.perf_counter()
    points = grid_points(grid)
    evaluated, executor = run_points(points, setup, jobs=jobs, scheduler=scheduler)
    results = points.join(evaluated)
    write_results(results, out)
    seconds = time.perf_counter() - started
    pages = render_point_notebooks(grid_points(grid), setup, paths, out, jobs=jobs) if notebooks else None
    return describe_results(results, setup, out, seconds, as_json=as_json, notebooks=pages, executor=executor)

