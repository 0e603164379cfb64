"""Numbers as a reader expects them: thousands separators, percentages, no spurious decimals, "—" for none.

One home for number formats: the tables of the notebooks and pages (``tables``), the sentences
(``words``), the index page and the memo all format through here; and for what the way a figure is
written says of it (its significant digits, its rounding, the next round figure), which the loaders of
baselines and evidence read.
"""

import re

import numpy as np
import pandas as pd

#: What a reader sees where a table has no value (NaN, None), and the footnote saying so.
MISSING = "—"
MISSING_NOTE = "— 无数值：不适用或暂无数据 no value: not applicable, or no figure to show."
#: Column names holding fractions shown as percentages: probabilities (one decimal) ...
PROBABILITY_COLUMN = re.compile(r"(^|[_ .(])p(_|\(|$)|^p_|prob|share|概率", re.IGNORECASE)
#: ... and growth rates and standard errors of probabilities (two decimals, as the plan's 3.97 %).
GROWTH_COLUMN = re.compile(r"cagr|growth|mc_se|增长", re.IGNORECASE)
#: Integer-like columns that are years or identifiers: no thousands separator.
YEAR_COLUMN = re.compile(r"year|deadline|start|as_of|seed|cell|年", re.IGNORECASE)


def is_missing(value) -> bool:
    """True for NaN, None and pandas' missing values (a list or an array is not missing)."""
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, arrays
        return False


def _exact_decimals(value, most=5):
    """The decimals a figure was given with (4621.25 -> 2), or None for a computed one (6027.354...)."""
    for places in range(most + 1):
        if abs(round(value, places) - value) <= 4 * np.spacing(abs(value)):
            return places
    return None


def format_number(value, column="") -> str:
    """One number as a reader expects it: thousands separators, percentages, no spurious decimals.

    Fractions in probability columns (``p_met``, ``share``) read as ``85.5%``, growth rates
    (``required_cagr``, ``growth``) as ``3.97%``; years and identifiers stay plain (``2025``); a figure
    with a few decimals keeps them (``4,621.25``, ``1.10766``), a computed one gets one decimal from
    10 up (``6,027.4``), two from 1 (``2.35``), three significant below 1; NaN and None read ``—``.
    Column names with ``%`` hold percentages already and are not scaled.
    """
    if is_missing(value):
        return MISSING
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    name = str(column)
    value = float(value) if isinstance(value, (float, np.floating)) else int(value)
    if "%" not in name and isinstance(value, float) and abs(value) <= 1.5:
        if GROWTH_COLUMN.search(name):
            return f"{value:.2%}"
        if PROBABILITY_COLUMN.search(name):
            return f"{value:.1%}"
    if YEAR_COLUMN.search(name) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    places = _exact_decimals(value)
    if places is None:
        places = 1 if abs(value) >= 10 else 2 if abs(value) >= 1 else max(3, 2 - int(np.floor(np.log10(abs(value)))))
    return f"{value:,.{places}f}"


def reader_frame(frame) -> tuple[pd.DataFrame, bool]:
    """``frame`` with every cell formatted by ``format_number`` (its column decides how), and whether
    any cell was missing (then the table needs the ``MISSING_NOTE`` footnote)."""
    shown = frame.copy()
    missing = False
    for i, column in enumerate(frame.columns):
        values = frame.iloc[:, i]
        missing = missing or any(is_missing(v) or v == MISSING for v in values if not isinstance(v, (list, dict)))
        shown.isetitem(i, [format_number(v, column) for v in values])
    return shown, missing


def frame_html(frame) -> str:
    """A DataFrame as the reader sees it in a page: formatted numbers, ``—`` for no value and its footnote."""
    shown, missing = reader_frame(frame)
    note = f"<p class='dgf-note'><small>{html_escape(MISSING_NOTE)}</small></p>" if missing else ""
    plain_index = isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0 and frame.index.step == 1
    table = shown.to_html(index=not plain_index, border=0, max_rows=pd.get_option("display.max_rows"),
                          max_cols=pd.get_option("display.max_columns"), escape=True)
    return table + note


#: The heading of a Series' values when it has no name.
SERIES_HEADING = "值 value"


def series_html(series) -> str:
    """A Series as the reader sees it in a page: a table of two columns whose values are headed by the
    Series' name (``SERIES_HEADING`` when it has none), numbers formatted as ``frame_html`` does."""
    return frame_html(series.to_frame(SERIES_HEADING if series.name is None else series.name))


def use_reader_tables(shell=None) -> bool:
    """Show every DataFrame a notebook displays through ``frame_html`` (formatted, no NaN), and every Series
    through ``series_html`` (a table with a heading, not bare text); call it once in a notebook's set-up
    cell. Returns False outside IPython (nothing to change)."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None:
        return False
    shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, frame_html)
    shell.display_formatter.formatters["text/html"].for_type(pd.Series, series_html)
    return True


def percent(value) -> str:
    """A probability as ``85.5%`` (``—`` when missing)."""
    return MISSING if is_missing(value) else f"{value:.1%}"


def level(value) -> str:
    """A level as ``6,027.4`` (``—`` when missing)."""
    return MISSING if is_missing(value) else f"{value:,.1f}"


def html_escape(value) -> str:
    """Text made safe for HTML (``None`` is empty)."""
    import html

    return html.escape("" if value is None else str(value), quote=True)


# ---------------------------------------------------------------- how a figure was written
def significant_digits(text) -> tuple[int, int]:
    """(significant digits, exponent of the last one) of a number as written.

    Trailing zeros of a whole number are not significant ("5000": 1 digit, last at 10³), those after a
    decimal point are ("5000.0": 5 digits, last at 10⁻¹).

    >>> significant_digits("5000"), significant_digits("25000"), significant_digits("27691.5")
    ((1, 3), (2, 3), (6, -1))
    """
    text = str(text).strip().lstrip("+-")
    whole, _, fraction = text.partition(".")
    digits = (whole + fraction).lstrip("0")
    if not fraction and "." not in text:
        stripped = digits.rstrip("0")
        return max(len(stripped), 1), len(digits) - len(stripped)
    return max(len(digits), 1), -len(fraction)


def precision_of(text) -> str:
    """The precision a figure's digits suggest: ``round`` with two significant digits or fewer
    (5000, 25000, 5300), ``exact`` otherwise (5312, 27691.5, 24.68). Write the column to say otherwise."""
    return "round" if significant_digits(text)[0] <= 2 else "exact"


def round_step(text) -> float:
    """One unit of the last significant digit: the step to the next round figure (5000 -> 1000, 25000 -> 1000)."""
    return 10.0 ** significant_digits(text)[1]


def rounding(text) -> float:
    """Half a unit of the last digit written: 0.005 for "5312.47", 0.5 for "5300" (written exactly) and
    for "4.6e3"."""
    digits = re.fullmatch(r"[+-]?\d*\.(\d+)", str(text).strip())
    return 0.5 * 10.0 ** -len(digits.group(1)) if digits else 0.5
