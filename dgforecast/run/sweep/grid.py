"""Grid syntax, grid keys against the scenario schema, and the grid's points.

``--grid KEY=START:STOP:STEP`` (stop inclusive) or ``--grid KEY=V1,V2,...``; any field of the schema
that changes the numbers can be swept, a nested one as ``BLOCK.NAME``, one year's growth as
``growth_overrides.YEAR`` and one measure's own growth or volatility as ``by_measure.MEASURE.growth``.
Everything is checked against the schema before any work starts.
"""

import itertools
import math
import re

import pandas as pd
import yaml
from pydantic import BaseModel

from dgforecast.core.errors import ParamsError
from dgforecast.core.limits import check_fits
from dgforecast.core.yamlfile import did_you_mean, shown, yaml_value
from dgforecast.engine.simulate import STRUCTURAL_KEYS
from dgforecast.plan.params import changed
from dgforecast.plan.schema import MeasureAssumptions, ScenarioParams

#: Points a sweep may have before it needs ``--yes``.
MAX_POINTS = 1_000_000
#: A range's stop counts as reached when within this fraction of a step (0:0.08:0.01 has 9 points).
STOP_TOLERANCE = 1e-9
#: Decimal places range values are rounded to, so 0.07 is 0.07 and not 0.07000000000000001.
RANGE_DECIMALS = 12

_SPEC = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*(?:\.(?:[0-9]{4}|[A-Za-z_][A-Za-z0-9_]*)){0,2})\s*=(.*)$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")


# ---------------------------------------------------------------- grid syntax
def _grid_error(spec, what) -> ParamsError:
    return ParamsError(f"--grid {shown(spec)}: {what}")


def _range_number(spec, text, part):
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        raise _grid_error(spec, f"{part} {shown(text)} is not a number; write KEY=START:STOP:STEP such as "
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
    # Values are YAML scalars read as in `dgforecast params -p KEY=VALUE` (5e-2 is a number).
    text = text.strip()
    if not text:
        raise _grid_error(spec, "an empty value in the list; write KEY=V1,V2,... with no empty items")
    try:
        value = yaml_value(text)
    except yaml.YAMLError:
        value = text
    if isinstance(value, (list, dict)) or value is None:
        raise _grid_error(spec, f"{shown(text)} is not a single value; write KEY=V1,V2,...")
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


#: Memory a sweep holds per grid point (its row of the grid, of the results and of the file being
#: written; measured 600 bytes at 500,000 points, rounded up) and per simulated path of a sample.
BYTES_PER_POINT = 1024
BYTES_PER_PATH = 256


def check_grid_memory(grid, n_sims) -> None:
    """Refuse, before the points are made, a grid whose tables would not fit in memory (even with --yes).

    Raises
    ------
    ParamsError
        Naming the points, the paths, the memory needed and the limit.
    """
    size = grid_size(grid)
    check_fits(size * BYTES_PER_POINT + n_sims * BYTES_PER_PATH, f"--grid: {size:,} points x {n_sims:,} paths",
               "use larger steps or fewer keys, and split the sweep into several runs")


def grid_points(grid):
    """The Cartesian product as a DataFrame, one row per point, the first key varying slowest."""
    index = pd.MultiIndex.from_product(list(grid.values()), names=list(grid))
    return index.to_frame(index=False)



# ---------------------------------------------------------------- grid keys against the schema
#: Fields a grid cannot vary: names and labels change no number, ``history_series`` names data
#: loaded once, the status cut-offs give labels and not probabilities, and a whole mapping is swept
#: one entry at a time (``growth_overrides.YEAR``).
NOT_SWEPT = ("scenario", "label_zh", "label_en", "history_series", "status_thresholds", "growth_overrides",
             "by_measure")
OVERRIDE_PREFIX = "growth_overrides."
MEASURE_PREFIX = "by_measure."
#: A measure's own assumption as a grid key: ``by_measure.MEASURE.FIELD`` (the fields of ``MeasureAssumptions``).
MEASURE_KEY = re.compile(rf"^by_measure\.[a-z][a-z0-9_]*\.({'|'.join(MeasureAssumptions.model_fields)})$")
#: Above this many distinct values a numeric key is checked at its smallest and largest value only
#: (the schema's ranges are intervals).
CHECK_EVERY_VALUE_UP_TO = 1000


def sweepable_keys(schema=ScenarioParams) -> list[str]:
    """Keys a ``--grid`` may vary: every field of the schema but ``NOT_SWEPT``, sub-fields of a nested
    block as ``BLOCK.NAME`` (plus ``growth_overrides.YEAR``)."""
    keys = []
    for name, field in schema.model_fields.items():
        if name in NOT_SWEPT:
            continue
        nested = field.annotation if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel) \
            else None
        keys += [f"{name}.{sub}" for sub in nested.model_fields] if nested else [name]
    return keys


#: The keys of mappings a grid sweeps one entry at a time, as a message names them.
ENTRY_KEYS = ("growth_overrides.YEAR", *(f"by_measure.MEASURE.{f}" for f in MeasureAssumptions.model_fields))


def _check_key(key, schema=ScenarioParams):
    keys = sweepable_keys(schema)
    if (key in keys or (key.startswith(OVERRIDE_PREFIX) and key[len(OVERRIDE_PREFIX):].isdigit())
            or ("by_measure" in schema.model_fields and MEASURE_KEY.fullmatch(key))):
        return
    if key in schema.model_fields:
        raise ParamsError(f"--grid {key}: cannot be swept (it does not change the numbers, or is a whole "
                          f"mapping); sweep one of {', '.join(keys)} or {', '.join(ENTRY_KEYS)}")
    guess = did_you_mean(key, [*keys, *ENTRY_KEYS])
    hint = f"did you mean {guess!r}?" if guess else f"use one of {', '.join(keys)} or {', '.join(ENTRY_KEYS)}"
    raise ParamsError(f"--grid {key}: unknown parameter; {hint}")


def check_measure_keys(grid, paths) -> None:
    """Refuse a ``by_measure.MEASURE.…`` grid key whose measure no level target grows on (``paths``: the path
    measures of the plan's level targets), naming the ones that do."""
    for key in grid:
        if key.startswith(MEASURE_PREFIX):
            measure = key.split(".")[1]
            if measure not in paths:
                guess = did_you_mean(measure, sorted(paths))
                hint = f"did you mean {guess!r}?" if guess else f"use one of {', '.join(sorted(paths)) or '(none)'}"
                raise ParamsError(f"--grid {key}: no level target grows on the paths of {measure}; {hint}")


def _values_to_check(values) -> list:
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    if numeric and len(values) > CHECK_EVERY_VALUE_UP_TO:
        return [min(values), max(values)]
    return list(values)


def validate_grid(grid, base) -> None:
    """Check every key and value of the grid against the schema before any work starts.

    Each value is checked on its own against the scenario ``base``; then every combination of the
    structural keys is checked with the year overrides, which depend on the simulated years.

    Raises
    ------
    ParamsError
        Unknown or unsweepable key (with a did-you-mean), a value of the wrong type or out of range.
    """
    for key, values in grid.items():
        _check_key(key, type(base))
        for value in _values_to_check(values):
            changed(base, {key: value}, where="--grid")
    joint = [k for k in grid if k in STRUCTURAL_KEYS or k.startswith(OVERRIDE_PREFIX)]
    choices = [_values_to_check(grid[k]) if k.startswith(OVERRIDE_PREFIX) else grid[k] for k in joint]
    for combination in itertools.islice(itertools.product(*choices), 10_000):
        changed(base, dict(zip(joint, combination)), where="--grid")
