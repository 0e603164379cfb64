"""Parameter sweeps: every point of a grid of assumptions, evaluated at once.

A sweep answers questions over a grid ("at what growth does the 5400 亿元 target become likely if
revenue is 95 % of output?") in seconds, without a notebook per point. The numbers come from the
one simulation core (``dgforecast.engine.batch.evaluate_points``) on common random numbers, so a sweep
row and the scenario assessment for the same parameters agree. One module a concern:

* ``grid``: ``--grid`` syntax, keys and values checked against the scenario schema, the points;
* ``run``: the points in chunks, inline, in local worker processes or on a Dask cluster;
* ``results``: the results file, slicing it for a heat map, where P(met) crosses a probability;
* ``answer``: the answer in a line (what the break-even, P(met) = 50 %, and 80 % need);
* ``pages``: the scenario notebook rendered for every point (``--notebooks``);
* ``command``: ``dgforecast sweep`` itself.
"""

from dgforecast.run.sweep.answer import BREAK_EVEN, answer_line, deciding_key, p_met_range, sweep_answer
from dgforecast.run.sweep.command import describe_results, make_setup, prepare_sweep, run_sweep, sweep
from dgforecast.run.sweep.grid import (
                                   check_grid_size,
                                   grid_points,
                                   grid_size,
                                   parse_grid,
                                   parse_grid_spec,
                                   parse_range,
                                   sweepable_keys,
                                   validate_grid,
)
from dgforecast.run.sweep.results import (
                                   axes_slice,
                                   axis_label,
                                   check_heat_map_file,
                                   check_output_path,
                                   crossing_column,
                                   finest_key,
                                   grid_keys,
                                   p_met_crossings,
                                   p_met_matrix,
                                   read_results,
                                   result_targets,
                                   write_results,
                                   x_needed,
)
from dgforecast.run.sweep.run import Executor, check_scheduler, run_engine, run_points, split_points

__all__ = ["BREAK_EVEN", "Executor", "answer_line", "axes_slice", "axis_label", "check_grid_size",
           "check_heat_map_file", "check_output_path", "check_scheduler", "crossing_column", "deciding_key",
           "describe_results", "finest_key", "grid_keys", "grid_points", "grid_size", "make_setup", "p_met_crossings",
           "p_met_matrix", "p_met_range", "parse_grid", "parse_grid_spec", "parse_range", "prepare_sweep",
           "read_results", "result_targets", "run_engine", "run_points", "run_sweep", "split_points", "sweep",
           "sweep_answer", "sweepable_keys", "validate_grid", "write_results", "x_needed"]
