"""The fit table of one published series (``dgforecast fit``): every model's fit, backtest and forecast.

Every menu model that can fit the series, and ``auto``: its parameters, its rolling-origin backtest
error inside the series, its forecast of the target year with the interval from pooled reference
errors beside the model's own (``forecast`` makes the forecasts and intervals).
"""

import math

import numpy as np
import pandas as pd

from dgforecast.core.errors import ModelError
from dgforecast.models.backtest import mase, smape
from dgforecast.models.base import check_series, params_text
from dgforecast.models.forecast import (
    AUTO_MIN_POINTS,
    fill_gaps,
    min_points,
    model_label,
    plan_series,
    point_forecaster,
)
from dgforecast.models.menu import MODELS, fit_model


def backtest_scores(y, method, horizon=3) -> tuple:
    """sMAPE and MASE (averaged over origins and horizons 1..``horizon``) of rolling origins in ``y``."""
    x = y.to_numpy()
    forecaster = point_forecaster(method)
    first = max(min_points(method), 3)
    s, m = [], []
    for origin in range(first, len(x)):
        actual = x[origin:origin + horizon]
        try:
            f = forecaster(x[:origin], len(actual))
        except ModelError:
            continue
        s.append(smape(actual, f))
        m.append(mase(actual, f, x[:origin]))
    return (float(np.mean(s)), float(np.mean(m)), len(s)) if s else (math.nan, math.nan, 0)


def fit_table(y, target_year, level=80) -> pd.DataFrame:
    """Every menu model that can fit ``y``, plus ``auto``: parameters, backtest error, target-year forecast.

    Parameters
    ----------
    y : pd.Series
        Consecutive yearly values (units kept, e.g. 亿元).
    target_year : int
        The year to forecast (after the last observation).
    level : float
        The central interval level in percent (calibrated: pooled reference errors).

    Returns
    -------
    DataFrame
        One row per model: model, status ("ok" or why it was refused), params, backtest_smape,
        backtest_mase, backtest_origins, forecast, lo, hi (calibrated), model_lo, model_hi (the
        model's own interval). ``.attrs["auto"]`` explains what ``auto`` does for this series.
    """
    y = check_series(y, 2, str(y.name))
    horizon = int(target_year) - int(y.index[-1])
    if horizon < 1:
        raise ModelError(f"target year {target_year} is not after the last observation {int(y.index[-1])}")
    rows = [_fit_row(y, name, horizon, level) for name in ["auto", *MODELS]]
    table = pd.DataFrame(rows)
    table.attrs["auto"] = _auto_reason(y, table)
    return table


def _fit_row(y, name, horizon, level) -> dict:
    row = {"model": name, "status": "ok", "params": ""}
    try:
        plan = plan_series(y, horizon, name)
        band = plan.spread.intervals(plan.point, plan.scale, [level], plan.positive)
        row.update(forecast=plan.point[-1], lo=band[f"lo{level:g}"][-1], hi=band[f"hi{level:g}"][-1])
        if name != "auto":
            fitted = fit_model(name, y)
            row["params"] = params_text(fitted.params)
            try:
                own = fitted.quantiles(horizon, [level])
                row.update(model_lo=own.iloc[-1, 0], model_hi=own.iloc[-1, 1])
            except ModelError:
                pass
        else:
            row["params"] = plan.model
        row["backtest_smape"], row["backtest_mase"], row["backtest_origins"] = backtest_scores(y, name)
    except ModelError as exc:
        row["status"] = str(exc)
    return row


def _auto_reason(y, table) -> str:
    ok = table[(table["status"] == "ok") & (table["model"] != "auto")].dropna(subset=["backtest_mase"])
    best = ok.loc[ok["backtest_mase"].idxmin(), "model"] if len(ok) else "none"
    if len(y) < AUTO_MIN_POINTS:
        what = (f"auto uses constant growth over all {len(y)} points (fewer than {AUTO_MIN_POINTS}), "
                "with log errors pooled from M3 series forecast from the same number of points")
    else:
        members = model_label("auto", len(y), bool(np.all(y.to_numpy() > 0)))[len("auto:median("):-1]
        what = (f"auto is the per-year median of {members.replace(',', ', ')}: a fixed combination, because "
                "choosing per series on short histories overfits (on M3 yearly it beat every single model)")
    return (f"{what}. Lowest backtest MASE on this series: {best} (rolling origins, 1-3 years ahead; "
            f"few origins, so a hint, not a choice). Intervals: pooled reference errors from M3 yearly.")


def fit_report(y, target_year, as_of=None, gaps="interpolate", level=80) -> str:
    """The ``dgforecast fit`` table for one published series, as text.

    Parameters
    ----------
    y : pd.Series
        Yearly levels indexed by year, named by their series id (e.g. DG_GDP, 亿元); the stage layer
        (``pipeline.fit_series``) reads it from the workbook.
    target_year : int
        The year whose forecast and interval are shown (the plan's deadline).
    as_of : int, optional
        Use only data up to and including this year.
    gaps : {"interpolate", "longest"}
        How missing years are handled (see :func:`forecast.fill_gaps`); the output says what was done.
    """
    series_id = y.name
    if as_of is not None:
        y = y.loc[:int(as_of)]
        if y.empty:
            raise ModelError(f"{series_id}: no yearly levels up to {as_of}")
    y, gap_note = fill_gaps(y, gaps)
    table = fit_table(y, target_year, level)
    shown = table.assign(
        backtest=table["backtest_smape"].map(lambda v: "" if pd.isna(v) else f"{v:.1f}") + " / "
        + table["backtest_mase"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}"),
        forecast=table["forecast"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}"),
        interval=[("" if pd.isna(lo) else f"{lo:,.0f} - {hi:,.0f}") for lo, hi in zip(table["lo"], table["hi"])],
        model_interval=[("" if pd.isna(lo) else f"{lo:,.0f} - {hi:,.0f}")
                        for lo, hi in zip(table.get("model_lo", np.nan), table.get("model_hi", np.nan))],
    )
    shown.loc[shown["status"] != "ok", ["backtest", "forecast", "interval", "model_interval"]] = ""
    shown["params"] = np.where(shown["status"] == "ok", shown["params"], "refused: " + shown["status"])
    shown = shown[["model", "forecast", "interval", "model_interval", "backtest", "params"]].rename(columns={
        "forecast": f"{target_year} forecast", "interval": f"{level:g}% interval (pooled)",
        "model_interval": f"{level:g}% (model's own)", "backtest": "backtest sMAPE / MASE"})
    head = [f"{series_id}: {len(y)} yearly levels {int(y.index[0])}-{int(y.index[-1])}"
            + (f" (as of {as_of})" if as_of is not None else "") + f"; forecasting {target_year}"]
    if gap_note:
        head.append(gap_note)
    width = int(shown["params"].str.len().max())
    with pd.option_context("display.max_colwidth", 200, "display.width", 300):
        body = shown.to_string(index=False, formatters={"params": lambda v: f"{v:<{width}}"})
    foot = [table.attrs["auto"],
            "Backtest: rolling origins inside the series, 1-3 years ahead (sMAPE in %, MASE in mean yearly changes).",
            "Model's own intervals are shown for comparison; on M3 yearly they cover far less than nominal."]
    return "\n".join(head + ["", body, ""] + foot)
