"""A sweep's answer in a line: what P(met) ≥ 50 % (the break-even) and ≥ 80 % need, along the key that decides.

One break-even: where P(met) crosses 50 %, as likely met as not. It reads the simulated paths weighed by the
evidence, so it is the one line of the grid that knows what was published; "the growth the target requires"
(``required_cagr.<target>`` in the results file) starts from the baseline and knows nothing since.

The answer is solved along the *deciding key*: the grid key along which P(met) moves most
(``deciding_key``). As of the plan that is usually growth; once figures are published, growth may hardly
matter and the revenue/output ratio decide. For each target and probability the answer is one line
(``answer_lines``), and the break-even curve is shown in a few rows (``curve_rows``); every line of the grid is
in ``p_met_crossings`` (``--json``). Pure functions of a results table (``results.read_results``).
"""

import numpy as np
import pandas as pd

from dgforecast.plan.schema import FIELDS
from dgforecast.run.sweep.results import ALWAYS, NEVER, crossing_column, grid_keys, p_met_crossings, result_targets

#: The break-even: P(met) = 50 %.
BREAK_EVEN = 0.5
#: The P(met) levels a sweep answers for (the contours of notebook 05's heat map too).
CROSSING_PROBABILITIES = (BREAK_EVEN, 0.8)
#: Rows of the break-even curve printed under the answer (the lines of the grid, evenly picked).
CURVE_ROWS = 6
#: P(met) differences below this are Monte Carlo rounding, not a surface that moves.
FLAT = 5e-4


def _swept(results) -> list[str]:
    return [k for k in grid_keys(results) if pd.api.types.is_numeric_dtype(results[k]) and results[k].nunique() > 1]


def deciding_key(results):
    """The numeric grid key along which P(met) moves most: the mean, over the lines of the other grid keys and
    the targets, of P(met)'s range along the key (``growth`` on a tie, then the most finely swept); None when
    no numeric key takes two values."""
    swept, p = _swept(results), [f"p_met.{t}" for t in result_targets(results)]
    if not swept:
        return None
    moves = {}
    for key in swept:
        others = [k for k in grid_keys(results) if k != key]
        lines = results.groupby(others, sort=False)[p] if others else results[p]
        moves[key] = float(np.nanmean((lines.max() - lines.min()).to_numpy(dtype=float)))
    top = max(moves.values())
    tied = [k for k in swept if moves[k] >= top - FLAT]
    return "growth" if "growth" in tied else max(tied, key=lambda k: results[k].nunique())


def value_text(key, value) -> str:
    """A grid value as the answer writes it: growth rates as %/yr (6.85%/yr), others to 4 figures (0.9153)."""
    if isinstance(value, str):
        return value
    if FIELDS.get(key.split(".")[0], {}).get("unit", "").endswith("fraction per year") or key.endswith(".growth"):
        return f"{value:.2%}/yr"
    return f"{value:.4g}"


def _where(keys, rows) -> str:
    """The lines ``rows`` (dicts of the other keys' values) in words: "growth 0.00%/yr–1.00%/yr" for one key."""
    if len(keys) == 1:
        values = sorted(r[keys[0]] for r in rows)
        span = value_text(keys[0], values[0]) + ("" if len(values) == 1 else f"–{value_text(keys[0], values[-1])}")
        return f"{keys[0]} {span}"
    example = ", ".join(f"{k} {value_text(k, rows[0][k])}" for k in keys)
    return f"{example}" if len(rows) == 1 else f"{len(rows)} combinations of {', '.join(keys)} (such as {example})"


def _rising(results, x_key, target_id) -> bool:
    # Whether P(met) rises along x_key: its mean change from the lowest to the highest value, over the lines.
    others = [k for k in grid_keys(results) if k != x_key]
    ends = results.sort_values(x_key).groupby(others, sort=False) if others else [((), results.sort_values(x_key))]
    change = [line[f"p_met.{target_id}"].iloc[-1] - line[f"p_met.{target_id}"].iloc[0] for _, line in ends]
    return bool(np.nanmean(change) >= 0)


def answer_line(results, crossings, x_key, target_id, probability) -> str:
    """One line: what P(met) ≥ ``probability`` needs along ``x_key``, over every line of the other keys.

    ``crossings`` is ``p_met_crossings(results, ..., x_key)``. "needs growth ≥ 1.36%/yr at any ratio in the grid"
    when the value hardly depends on the other keys (by less than a grid step of ``x_key``), else the value
    that holds at any of them and how far the others ease it; "everywhere" / "nowhere on the grid" when it
    is not crossed at all.
    """
    others = [k for k in grid_keys(results) if k != x_key]
    rows = crossings[crossings["target_id"] == target_id]
    needs = rows[crossing_column(x_key, probability)].tolist()
    lines = rows[others].to_dict(orient="records")
    name = f"P(met) ≥ {probability:.0%}" + (" (break-even)" if probability == BREAK_EVEN else "")
    numeric = [(v, b) for v, b in zip(needs, lines) if not isinstance(v, str)]
    never = [b for v, b in zip(needs, lines) if v == NEVER]
    always = [b for v, b in zip(needs, lines) if v == ALWAYS]
    if not numeric and not never:
        return f"{name} everywhere on the grid"
    if not numeric and not always:
        return f"{name} nowhere on the grid (highest {results[f'p_met.{target_id}'].max():.1%})"
    rising = _rising(results, x_key, target_id)
    sign = "≥" if rising else "≤"
    if not numeric:  # crossed nowhere in between: "always" on some lines, "never" on the others
        return f"{name} at any {x_key} in the grid at {_where(others, always)}; nowhere at {_where(others, never)}"
    hard, hard_at = (max if rising else min)(numeric, key=lambda n: n[0])
    easy, easy_at = (min if rising else max)(numeric, key=lambda n: n[0])
    need = f"{x_key} {sign} {value_text(x_key, hard)}"
    if not others:
        return f"{name} needs {need}"
    xs = np.unique(results[x_key].to_numpy(dtype=float))
    step = float(np.min(np.diff(xs)))
    if never:
        text = f"{name} out of the grid's reach at {_where(others, never)}; elsewhere needs {need} (at {_where(others, [hard_at])})"
    else:
        text = f"{name} needs {need} at any {' and '.join(others)} in the grid"
    if always:
        return text + f"; at {_where(others, always)} any {x_key} in the grid will do"
    if abs(hard - easy) > step:
        return text + f"; {sign} {value_text(x_key, easy)} at {_where(others, [easy_at])}"
    return text


def curve_rows(crossings, x_key, rows=CURVE_ROWS) -> pd.DataFrame:
    """The crossings of each target at ``rows`` lines of the grid picked evenly (every line when fewer)."""
    picked = []
    for _, lines in crossings.groupby("target_id", sort=False):
        index = np.unique(np.linspace(0, len(lines) - 1, min(rows, len(lines))).round().astype(int))
        picked.append(lines.iloc[index])
    return pd.concat(picked) if picked else crossings


def sweep_answer(results, probabilities=CROSSING_PROBABILITIES) -> dict:
    """The answer of a sweep table: ``x_key`` (the deciding key), ``crossings`` (``p_met_crossings`` along it, one
    row per target and line of the grid), ``lines`` (target_id -> one ``answer_line`` per probability) and
    ``ranges`` (target_id -> ``p_met_range``)."""
    x_key = deciding_key(results)
    crossings = p_met_crossings(results, probabilities, x_key) if x_key else pd.DataFrame()
    lines = {t: [answer_line(results, crossings, x_key, t, q) for q in probabilities] if x_key else []
             for t in result_targets(results)}
    return {"x_key": x_key, "crossings": crossings, "lines": lines,
            "ranges": {t: p_met_range(results, t) for t in result_targets(results)}}


def p_met_range(results, target_id) -> dict:
    """P(met)'s lowest and highest value over the grid, and where the highest is, when one point holds it.

    ``highest_at`` is the grid values of the one point whose P(met) is the highest by more than ``FLAT``;
    None on a plateau (``at_highest`` points share it: a flat 100 % names no point).
    """
    p = results[f"p_met.{target_id}"].clip(0.0, 1.0)
    if p.isna().all():
        return {"low": None, "high": None, "at_highest": 0, "highest_at": None}
    top = float(p.max())
    at_top = results.loc[p >= top - FLAT, grid_keys(results)]
    highest_at = ({k: (v.item() if hasattr(v, "item") else v) for k, v in at_top.iloc[0].items()}
                  if len(at_top) == 1 else None)
    return {"low": float(p.min()), "high": top, "at_highest": len(at_top), "highest_at": highest_at}


def range_text(target_id, span, points) -> str:
    """``p_met_range`` in words: "P(met) 23.8% to 99.8%, highest at growth=0.0975, ratio=1.1" or the plateau."""
    if span["high"] is None:
        return f"{target_id}: no P(met) (no path reached its deadline)"
    if span["high"] - span["low"] <= FLAT:
        return f"{target_id}: P(met) {span['high']:.1%} at every point: nothing on the grid moves it"
    text = f"{target_id}: P(met) {span['low']:.1%} to {span['high']:.1%}"
    if span["highest_at"] is not None:
        return text + "; highest at " + ", ".join(f"{k}={v}" for k, v in span["highest_at"].items())
    return text + f"; {span['high']:.1%} at {span['at_highest']:,} of {points:,} points"
