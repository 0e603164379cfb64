"""What the verdict hinges on: P(met) over the revenue-to-output ratio under the two readings.

No revenue figure of the cluster is published, so the 营业收入 target hinges on the
revenue-to-output ratio; ``hinge_table`` shows how P(met) and the verdict move with it under both
readings of a round statement (``readings``), and ``verdict_crossings`` where P(met) crosses the
verdict cut-offs.

Pure functions: parameters and the tables of ``pipeline.load_inputs`` in, DataFrames out.
"""

import math

import numpy as np
import pandas as pd

from dgforecast.core.judged import cached
from dgforecast.core.vocabulary import UNCONFIRMED
from dgforecast.engine.batch import engine_setup, evaluate_points
from dgforecast.judge.final import VERDICT_EN
from dgforecast.judge.readings import READINGS
from dgforecast.judge.verdicts import verdict

#: Revenue-to-output ratios the hinge table sweeps (营业收入 / 总产值).
HINGE_RATIOS = tuple(round(0.85 + 0.01 * i, 2) for i in range(31))
HINGE_COLUMNS = ["target_id", "reading", "revenue_to_output_ratio", "p_met", "median", "q10", "q90", "ess",
                 "below_floor", "verdict", "verdict_en"]


# ---------------------------------------------------------------- what the verdict hinges on
def _paths_of(final, reading, default) -> int:
    """The paths the final assessment drew for ``reading`` (more near a cut), so the hinge at the scenario's own
    ratio is the same number; ``default`` without a final assessment."""
    column = "n_sims" if reading == "plain" else "n_sims_round"
    if final is None or column not in final or not final[column].notna().any():
        return default
    return int(final[column].max())


def _reading_points(params, inputs, ratios, reading, n_sims):
    """(points, results, setup) of one reading over the ratios, at ``n_sims`` paths."""
    setup = engine_setup(inputs, params.model_copy(update={"n_sims": n_sims}))
    points = pd.DataFrame([{"revenue_to_output_ratio": float(r), "evidence.reading": reading} for r in ratios])
    return points, evaluate_points(points, setup, redraw=True), setup



def hinge_table(params, inputs, ratios=HINGE_RATIOS, final=None) -> pd.DataFrame:
    """P(met) as of ``params.as_of`` over revenue-to-output ratios x the two readings, through the sweep core:
    each ratio's numbers are the scenario's assessment at that ratio (a point the batch leaves under the
    effective-size floor is drawn again with more paths, as the assessment draws it).

    Parameters
    ----------
    params : ScenarioParams
    inputs : dict
        ``pipeline.load_inputs`` tables.
    ratios : sequence of float
        Means of the revenue-to-output ratio (营业收入 / 总产值); its sd stays the scenario's.
    final : DataFrame, optional
        ``final.final_assessment`` of the same scenario: the table is drawn with as many paths as it drew
        (more near a cut), so at the scenario's own ratio it gives the final assessment's P(met) exactly —
        one number, wherever a page shows it.

    Returns
    -------
    DataFrame
        One row per level target whose measure is its path's times the ratio (the others do not move with
        it; none: an empty table), reading (``plain``, ``round``) and ratio: ``HINGE_COLUMNS``: target_id,
        reading, revenue_to_output_ratio, p_met, median, q10, q90, ess, below_floor (the effective sample
        is under evidence.min_ess: the verdict there is 无法确认), verdict, verdict_en.
    """
    paths = tuple(_paths_of(final, name, params.n_sims) for name in READINGS)
    return cached("hinge", params, inputs, lambda: _hinge_table_now(params, inputs, ratios, final),
                  tuple(ratios), paths)


def _hinge_table_now(params, inputs, ratios=HINGE_RATIOS, final=None) -> pd.DataFrame:
    if not [t for t in engine_setup(inputs, params).targets if t.apply_ratio]:  # the ratio moves no other target
        return pd.DataFrame(columns=HINGE_COLUMNS)
    parts = [_reading_points(params, inputs, ratios, name, _paths_of(final, name, params.n_sims)) for name in READINGS]
    points = pd.concat([p for p, _, _ in parts], ignore_index=True)
    result = pd.concat([r for _, r, _ in parts], ignore_index=True)
    hinged = [t for t in parts[0][2].targets if t.apply_ratio]
    frames = []
    for target in hinged:
        tid = target.target_id
        frame = pd.DataFrame({"target_id": tid, "reading": points["evidence.reading"],
                              "revenue_to_output_ratio": points["revenue_to_output_ratio"]})
        for stat in ("p_met", "median", "q10", "q90", "ess", "below_floor"):
            frame[stat] = result[f"{stat}.{tid}"] if f"{stat}.{tid}" in result else math.nan
        frame["below_floor"] = frame["below_floor"].fillna(0).astype(bool)
        weighted = f"ess.{tid}" in result
        se = np.sqrt(frame["p_met"] * (1 - frame["p_met"]) / frame["ess"].fillna(params.n_sims))
        frame["verdict"] = [UNCONFIRMED if low else verdict(p, params.verdict_thresholds, weighted, s)
                            for p, s, low in zip(frame["p_met"], se, frame["below_floor"])]
        frame["verdict_en"] = frame["verdict"].map(VERDICT_EN)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def verdict_crossings(hinge, thresholds) -> pd.DataFrame:
    """Where P(met) crosses the verdict cut-offs along the ratio, per target and reading.

    Linear interpolation between the two ratios either side of the first crossing; NaN when P(met)
    stays on one side over the whole table.

    Returns
    -------
    DataFrame
        target_id, reading, cut (``achieved`` / ``missed``), p (the cut-off), revenue_to_output_ratio.
    """
    rows = []
    for (tid, reading), part in hinge.groupby(["target_id", "reading"], sort=False):
        part = part.sort_values("revenue_to_output_ratio")
        x, p = part["revenue_to_output_ratio"].to_numpy(), part["p_met"].to_numpy()
        for cut in ("achieved", "missed"):
            level = getattr(thresholds, cut)
            rows.append({"target_id": tid, "reading": reading, "cut": cut, "p": level,
                         "revenue_to_output_ratio": _first_crossing(x, p, level)})
    return pd.DataFrame(rows, columns=["target_id", "reading", "cut", "p", "revenue_to_output_ratio"])


def _first_crossing(x, p, level) -> float:
    side = np.sign(p - level)
    for i in range(len(x) - 1):
        if side[i] == 0:
            return float(x[i])
        if side[i] * side[i + 1] < 0:
            return float(x[i] + (level - p[i]) * (x[i + 1] - x[i]) / (p[i + 1] - p[i]))
    return float(x[-1]) if len(x) and side[-1] == 0 else math.nan
