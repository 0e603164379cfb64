"""Parameter sweeps: every point of a grid of assumptions, evaluated at once.

A sweep answers questions over a grid ("at what growth does the 5400 亿元 target become likely if
revenue is 95 % of output?") in seconds, without a notebook per point. Every point uses the same
random shocks (common random numbers: one standard-normal matrix drawn once from the seed), so the
differences between points are the assumptions' and not noise.

For the lognormal engine the target-year log level of a path is its start level plus the sum of the
years' mean log growths plus ``volatility`` times the sum of its shared normal draws. Each path is
therefore reduced to one number per target, sorted once; a point's P(met) is then a binary search
and its quantiles are order statistics, whatever the number of points. Only revenue-ratio
uncertainty breaks that shortcut; such points are evaluated per distinct (volatility, ratio, ratio
sd) in chunks that run in a local process pool or on a Dask cluster.
"""

import logging
import math
import re

from dgforecast.errors import ParamsError

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
        raise _grid_error(spec, f"{part} {text!r} is not a number; write KEY=START:STOP:STEP such as growth=0:0.08:0.01")
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
