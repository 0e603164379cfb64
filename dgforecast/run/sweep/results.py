"""Sweep results files: writing and reading them, and slicing them for a heat map.

One row per point: the grid values, then ``p_met.<target_id>``, ``median.``, ``q10.``, ``q90.`` and
``required_cagr.`` for each level target; ``.csv`` (UTF-8) or ``.parquet``.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from dgforecast.core.errors import DataError, ParamsError
from dgforecast.core.fileio import atomic_path, refuse_raw, write_csv_atomic
from dgforecast.plan.schema import FIELDS, MEASURE_FIELDS

OUTPUT_FORMATS = (".csv", ".parquet")


def check_output_path(out, raw_dir=None):
    """The results file as a Path, refusing unknown extensions, a folder, and anything under data/raw/."""
    path = Path(out) if raw_dir is None else refuse_raw(out, raw_dir, "--out")
    if path.suffix.lower() not in OUTPUT_FORMATS:
        raise ParamsError(f"--out {out}: unknown format {path.suffix or '(none)'!r}; end the name in .csv or .parquet")
    if path.is_dir():
        raise ParamsError(f"--out {out}: is a folder; name a .csv or .parquet file")
    return path


def write_results(frame, out):
    """Write the sweep table atomically: CSV (UTF-8) or parquet, chosen by the extension."""
    path = check_output_path(out)
    if path.suffix.lower() == ".csv":
        return write_csv_atomic(frame, path)
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)
    return path


def read_results(path):
    """A sweep table written by ``write_results`` (CSV or parquet)."""


    path = check_output_path(path)
    if not path.is_file():
        raise DataError(path, "", "no such sweep results file; run dgforecast sweep --out FILE first")
    return pd.read_csv(path, encoding="utf-8") if path.suffix.lower() == ".csv" else pd.read_parquet(path)


def grid_keys(results) -> list[str]:
    """The grid columns of a sweep table: those before the first result column."""
    first = next((i for i, c in enumerate(results.columns) if c.startswith("p_met.")), len(results.columns))
    return list(results.columns[:first])


def result_targets(results) -> list[str]:
    """The target ids of a sweep table, in the order of their ``p_met.<target_id>`` columns."""
    return [c.split(".", 1)[1] for c in results.columns if c.startswith("p_met.")]


def axis_label(key) -> str:
    """Chinese and English label of a grid key, with its unit, from the scenario schema."""
    if key.startswith("growth_overrides."):
        year = key.split(".", 1)[1]
        return f"{year}年增长率 growth in {year} (fraction per year)"
    if key.startswith("by_measure."):  # one measure's own growth or volatility
        _, measure, name = key.split(".")
        entry = MEASURE_FIELDS.get(name, {})
        return f"{measure}: {entry.get('label_zh', name)} {entry.get('label_en', '')} ({entry.get('unit', '')})"
    entry = FIELDS.get(key, {})
    return f"{entry.get('label_zh', key)} {entry.get('label_en', '')} ({entry.get('unit', '')})"


def check_heat_map_file(path, target_ids=None) -> Path:
    """``path`` made absolute, once it is a sweep table the heat-map notebook (05) can draw.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` or ``.parquet`` file written by ``dgforecast sweep`` (``--sweep`` of the report).
    target_ids : collection of str, optional
        The workbook's target ids; every ``p_met.<target>`` column must name one of them.

    Raises
    ------
    ParamsError
        When the file is missing, unreadable, has no ``p_met.`` column, targets of another
        workbook, or fewer than two grid keys (a heat map needs two).
    """
    where = f"--sweep {path}"
    path = Path(path)
    if path.suffix.lower() not in OUTPUT_FORMATS:
        raise ParamsError(f"{where}: unknown format {path.suffix or '(none)'!r}; give the .csv or .parquet "
                          "that dgforecast sweep wrote")
    if not path.is_file():
        raise ParamsError(f"{where}: no such file; make one with dgforecast sweep --out FILE")
    try:
        results = read_results(path)
    except Exception as exc:  # noqa: BLE001 (any parser's complaint means the same: not a sweep table)
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ParamsError(f"{where}: cannot be read ({reason}); give a file dgforecast sweep wrote") from None
    targets = [c.split(".", 1)[1] for c in results.columns if c.startswith("p_met.")]
    if not targets or results.empty:
        raise ParamsError(f"{where}: no p_met.<target> column or no rows; not a dgforecast sweep results file")
    known = set(targets if target_ids is None else target_ids)
    unknown = [t for t in targets if t not in known]
    if unknown:
        raise ParamsError(f"{where}: target {unknown[0]!r} is not in this workbook's data/raw/plan_targets.csv")
    keys = grid_keys(results)
    if len(keys) < 2:
        raise ParamsError(f"{where}: grid key(s) {', '.join(keys) or '(none)'}; the heat map needs a sweep over "
                          "two --grid keys")
    return path.resolve()


# ---------------------------------------------------------------- reading a sweep for a chart
def axes_slice(results, x_key, y_key, fixed=None):
    """The points of a sweep table that vary only ``x_key`` and ``y_key``.

    Parameters
    ----------
    results : DataFrame
        A sweep table (``read_results``).
    x_key, y_key : str
        Two of its grid keys.
    fixed : dict, optional
        Values of the other grid keys; a key not given is held at its first value.

    Raises
    ------
    ParamsError
        When a key is not a grid key of the table, or a fixed value is not on the grid.
    """
    keys = grid_keys(results)
    for key in (x_key, y_key, *(fixed or {})):
        if key not in keys:
            raise ParamsError(f"{key}: not a grid key of this sweep; use one of {', '.join(keys)}")
    if x_key == y_key:
        raise ParamsError(f"x_key and y_key are both {x_key}; choose two different grid keys")
    rows = results
    for key in keys:
        if key in (x_key, y_key):
            continue
        value = (fixed or {}).get(key, results[key].iloc[0])
        rows = rows[rows[key] == value]
        if rows.empty:
            choices = ", ".join(map(str, results[key].unique()))
            raise ParamsError(f"{key} = {value!r}: not on the grid; use one of {choices}")
    return rows


def p_met_matrix(sliced, x_key, y_key, target_id):
    """P(met) of ``target_id`` as a table: one row per ``y_key`` value, one column per ``x_key`` value."""
    return sliced.pivot_table(index=y_key, columns=x_key, values=f"p_met.{target_id}", aggfunc="first")


def x_needed(sliced, x_key, y_key, target_id, probability):
    """The smallest ``x_key`` value at which P(met) reaches ``probability``, for each ``y_key`` value.

    Interpolated linearly between the two grid points around the first crossing (in increasing
    ``x_key``); NaN where P(met) stays below ``probability`` on the grid, the first grid value
    where it is already above at the lowest ``x_key``.

    Examples
    --------
    Growth needed for a 50 % chance: P = 0.40 at growth 0.06 and 0.52 at 0.07 gives
    0.06 + 0.01 * (0.50 - 0.40) / (0.52 - 0.40) = 0.0683.
    """
    table = p_met_matrix(sliced, x_key, y_key, target_id).sort_index(axis=1)
    xs, needed = table.columns.to_numpy(dtype=float), {}
    for y, row in table.iterrows():
        p = row.to_numpy(dtype=float)
        above = np.nonzero(p >= probability)[0]
        if not len(above):
            needed[y] = np.nan
        elif above[0] == 0:
            needed[y] = xs[0]
        else:
            i = above[0]
            needed[y] = xs[i - 1] + (xs[i] - xs[i - 1]) * (probability - p[i - 1]) / (p[i] - p[i - 1])
    return pd.Series(needed, name=f"{x_key} for P >= {probability:g}").rename_axis(y_key)


# ---------------------------------------------------------------- the answer of a sweep
NEVER, ALWAYS = "never", "always"


def finest_key(results):
    """The numeric grid key swept most finely (most distinct values; ``growth`` on a tie), or None."""
    counts = {k: results[k].nunique() for k in grid_keys(results)
              if pd.api.types.is_numeric_dtype(results[k]) and results[k].nunique() > 1}
    if not counts:
        return None
    most = max(counts.values())
    return "growth" if counts.get("growth") == most else next(k for k, n in counts.items() if n == most)


def crossing_column(x_key, probability) -> str:
    """The name of a crossing column: ``growth_at_p_met_50`` for the growth where P(met) = 50 %."""
    return f"{x_key}_at_p_met_{probability * 100:g}"


def _crossing(sliced, x_key, target_id, probability):
    # The x where P(met) crosses ``probability`` on one line of the grid, by x_needed's interpolation
    # (upward; downward on the mirrored axis when P(met) starts above); "never"/"always" when it does not.
    p = sliced[f"p_met.{target_id}"].to_numpy(dtype=float)
    if not np.nanmax(p, initial=-np.inf) >= probability:
        return NEVER
    if np.nanmin(p) >= probability:
        return ALWAYS
    line = sliced.assign(_line=0)
    if p[np.argmin(sliced[x_key].to_numpy(dtype=float))] < probability:
        return float(x_needed(line, x_key, "_line", target_id, probability).iloc[0])
    mirrored = line.assign(**{x_key: -line[x_key]})
    return -float(x_needed(mirrored, x_key, "_line", target_id, probability).iloc[0])


def p_met_crossings(results, probabilities=(0.5, 0.8), x_key=None):
    """Where P(met) crosses each probability along the most finely swept key: the sweep's answer.

    For each level target and each combination of the other grid keys' values, the value of
    ``x_key`` at which P(met) crosses 50 % and 80 %, interpolated linearly between the two grid
    points around the first crossing (``x_needed``). ``"never"`` where P(met) stays below the
    probability on the whole line, ``"always"`` where it is at or above it on the whole line.
    P(met) = 50 % is the sweep's one break-even (``answer``).

    Parameters
    ----------
    results : DataFrame
        A sweep table (``read_results``).
    probabilities : sequence of float
        P(met) levels, 0-1.
    x_key : str, optional
        The key to solve for; default ``finest_key(results)``.

    Returns
    -------
    DataFrame
        ``target_id``, the other grid keys, then one column per probability
        (``crossing_column``: ``growth_at_p_met_50``) holding a number, ``"never"`` or ``"always"``;
        empty when no numeric key is swept over two or more values.

    Examples
    --------
    P(met) 0.40 at growth 0.06 and 0.52 at 0.07: P(met) = 50 % at 0.06 + 0.01 * 0.10 / 0.12 = 0.0683.
    """
    x_key = x_key or finest_key(results)
    columns = [crossing_column(x_key, q) for q in probabilities] if x_key else []
    return _per_line(results, x_key, columns, lambda sliced, target_id: [
        _crossing(sliced, x_key, target_id, q) for q in probabilities])


def _per_line(results, x_key, columns, solve):
    # One row per level target and combination of the other grid keys' values (in the order of the file):
    # target_id, those values, then ``columns`` = solve(that line's rows, target_id).
    others = [k for k in grid_keys(results) if k != x_key]
    if x_key is None:
        return pd.DataFrame(columns=["target_id", *others])
    lines = results.groupby(others, sort=False) if others else [((), results)]
    rows = []
    for target_id in result_targets(results):
        for values, sliced in lines:
            values = values if isinstance(values, tuple) else (values,)
            rows.append({"target_id": target_id, **dict(zip(others, values)),
                         **dict(zip(columns, solve(sliced, target_id)))})
    return pd.DataFrame(rows, columns=["target_id", *others, *columns])
