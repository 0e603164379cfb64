"""Charts of simulated paths and growth rates, with Chinese labels that render on a fresh machine.

The ``plots`` namespace of the package's face (``plots.fan_chart(...)`` in the notebooks): every chart and
the constants a caller reads, gathered from the rooms that draw them —

- ``chart_setup``: the CJK font (registered in memory from ``mplfonts``), the shared colours, a figure to draw on;
- ``scenario_charts``: the fan chart of one scenario's paths, growth rates, the sweep's heat map;
- ``chart_marks``: what was seen (published levels, bounds, the base point) drawn on a chart;
- ``tracking_charts``: how the outlook moved with each figure, and what the verdict hinges on.
"""

from dgforecast.present.chart_marks import ARROW_POINTS, DERIVED_COLOUR, DODGE, MEASURE_COLOURS, draw_marks
from dgforecast.present.chart_setup import (
    CJK_FAMILY,
    CJK_FONT_FILE,
    FAN_COLOUR,
    INTERPOLATED_COLOUR,
    INTERPOLATED_LABEL,
    THRESHOLD_COLOUR,
    cjk_font_path,
    use_cjk_font,
)
from dgforecast.present.scenario_charts import FAN_BANDS, fan_chart, growth_chart, sweep_heatmap
from dgforecast.present.tracking_charts import READING_STYLE, hinge_chart, track_chart

__all__ = [
    "ARROW_POINTS",
    "CJK_FAMILY",
    "CJK_FONT_FILE",
    "DERIVED_COLOUR",
    "DODGE",
    "FAN_BANDS",
    "FAN_COLOUR",
    "INTERPOLATED_COLOUR",
    "INTERPOLATED_LABEL",
    "MEASURE_COLOURS",
    "READING_STYLE",
    "THRESHOLD_COLOUR",
    "cjk_font_path",
    "draw_marks",
    "fan_chart",
    "growth_chart",
    "hinge_chart",
    "sweep_heatmap",
    "track_chart",
    "use_cjk_font",
]
