"""A live what-if: sliders over a scenario's main assumptions, redrawn through the report's engine.

``what_if(params, inputs)`` in any notebook cell shows sliders for growth, volatility, the
revenue-to-output ratio and its sd, and the growth of each shock year (``growth_overrides``);
every move re-runs ``assess.assess_inputs`` — the function behind ``dgforecast assess``, notebook 03
and the report — on the same seed, then redraws the fan chart and a P(met) / median / 10–90 % table.

In a papermill run or an HTML report nothing can move a slider, so there the cell shows the
scenario's own values as a static chart and table, with no widget in the output: ``live=False``,
or ``live=None`` when no interactive front end sent the cell (see ``frontend_present``).

The tables come in as ``inputs`` (``pipeline.load_inputs``): this module reads no file.
"""

import logging
import math
import time

import pandas as pd

from dgforecast.core.kinds import is_level
from dgforecast.core.numbers import frame_html, html_escape
from dgforecast.judge.assess import assess_inputs, fan_quantiles
from dgforecast.plan.schema import ScenarioParams
from dgforecast.present import plots, tables
from dgforecast.present.evidence_marks import scenario_marks
from dgforecast.present.scenario_charts import fan_frame
from dgforecast.present.whatif_chart import LiveFan
from dgforecast.present.whatif_sliders import slider_fields

log = logging.getLogger(__name__)


#: Decimals kept from a slider (a front end sends 0.020000000000000004 for 0.02).
DECIMALS = 6
#: What the what-if says when no level target has simulated paths (none has a figure to start from, or the
#: plan has count targets only): no slider moves anything then.
NOTHING_TO_DRAW = ("没有可模拟的规模目标（无起算数字，或只有数量目标），假设的变动不影响任何结果 · no level target can be "
                   "simulated (none has a figure to start from, or the plan has count targets only): no assumption "
                   "moves a result")


def frontend_present() -> bool:
    """True when the running cell was sent by an interactive front end that can show widgets.

    JupyterLab, Notebook 7 and VS Code put the cell's id into the execute request's metadata
    (``cellId``); papermill and nbclient, which run the report, send none. Outside a kernel
    (plain Python, tests) there is no front end either.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover (IPython comes with ipykernel, a dependency)
        return False
    kernel = getattr(get_ipython(), "kernel", None)
    if kernel is None:
        return False
    parent = kernel.get_parent("shell") if hasattr(kernel, "get_parent") else getattr(kernel, "_parent_header", {})
    return bool((parent or {}).get("metadata", {}).get("cellId"))


def with_values(params: ScenarioParams, values: dict) -> ScenarioParams:
    """``params`` with slider values laid over it, validated as ``-p KEY=VALUE`` would be.

    Parameters
    ----------
    params : ScenarioParams
    values : dict
        Slider key -> value: field names and ``growth_overrides.<year>``.

    Raises
    ------
    pydantic.ValidationError
        For a value outside the schema's range.
    """
    changes, overrides = {}, dict(params.growth_overrides)
    for key, value in values.items():
        value = round(float(value), DECIMALS)
        if key.startswith("growth_overrides."):
            overrides[int(key.split(".", 1)[1])] = value
        else:
            changes[key] = value
    return ScenarioParams.model_validate(params.model_dump() | changes | {"growth_overrides": overrides})


def level_table(result, targets) -> pd.DataFrame:
    """P(met), median and 10–90 % range at the deadline of every level target, for reading.

    Parameters
    ----------
    result : ScenarioResult
    targets : DataFrame
        The target registry (``inputs["targets"]``).
    """
    level_ids = targets.loc[targets["kind"].map(is_level), "id"]
    levels = result.summary[result.summary["target_id"].isin(level_ids)]
    view = tables.summary_view(levels, targets).drop(columns="scenario")
    view["ess"] = [_ess_text(result.evidence.get(t)) for t in levels["target_id"]]
    return view.reset_index(drop=True)


def _ess_text(info) -> str:
    if not info or not info["evidence_used"] or math.isnan(info["ess"]):
        return "no evidence"
    return f"{info['ess']:,.0f} ({len(info['evidence_used'])} evidence rows)"


def fan_figure(result, targets, target_id=None, ax=None, y_range=None):
    """The fan chart of one level target (default: the first), as notebook 03 draws it, with the
    evidence the paths were weighed by and the base point (``evidence_marks.scenario_marks``).

    Parameters
    ----------
    result : ScenarioResult
    targets : DataFrame
        The target registry.
    target_id : str, optional
    ax : matplotlib Axes, optional
        Draw here (cleared first); default: a new ``matplotlib.figure.Figure`` outside pyplot, so
        nothing is left open for the inline backend to show twice or to pile up while a slider moves.
    y_range : (float, float), optional
        Keep at least this range on the y axis (亿元), so moving a slider moves the fan, not the axis.
    """
    from matplotlib.figure import Figure

    if ax is None:
        ax = Figure(figsize=(8, 4.5), layout="constrained").subplots()
    ax.clear()
    target_id = target_id or next(iter(result.paths_by_target))
    target = targets.set_index("id").loc[target_id]
    params = result.params
    start = result.actuals.index.max()
    plots.fan_chart(fan_quantiles(result.paths_by_target[target_id]), threshold=float(target["threshold"]),
                    marks=scenario_marks(result, targets, target_id), base=(start, result.actuals[start]), ax=ax,
                    unit=target["unit"],
                    title=f"{target['name_zh']} · what-if · {params.label_zh} / {params.label_en} · {params.as_of_month}")
    if y_range is not None:
        low, high = ax.get_ylim()
        ax.set_ylim(min(low, y_range[0]), max(high, y_range[1]))
    return ax.figure


def png_bytes(fig, dpi=100) -> bytes:
    """``fig`` as PNG. zlib level 1: a third of the encoding time of the default for a few % more bytes."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def headline(result, targets) -> str:
    """One line per level target: P(met), median and 10–90 % range — what the what-if prints."""
    names = targets.set_index("id")
    lines = []
    for row in result.summary.itertuples():
        if row.target_id not in result.paths_by_target:
            continue
        unit, name = names.loc[row.target_id, "unit"], names.loc[row.target_id, "name_zh"]
        lines.append(f"{name}: P(met) {row.p_met:.1%} · median {row.median:,.1f} · "
                     f"10–90% {row.q10:,.1f}–{row.q90:,.1f} {unit} · {row.status}")
    return "\n".join(lines)


class WhatIf:
    """Sliders, the fan chart and the P(met) table of one scenario, recomputed on every move.

    Live, the chart is an image widget and the headline and table HTML widgets, whose values a move replaces:
    nothing is displayed again, and the chart's fixed parts are not drawn again (``whatif_chart.LiveFan``). A
    change that leaves the assumptions as they were (a front end sending back a slider's value rounded to its
    step, as JupyterLab does when it first shows the sliders) recomputes and redraws nothing.

    Attributes
    ----------
    params : ScenarioParams
        The scenario the sliders start from.
    sliders : dict
        Slider key -> ``ipywidgets.FloatSlider`` (empty when not live).
    result : ScenarioResult
        The last assessment drawn.
    seconds : dict
        Time of the last update: ``assess`` (the engine), ``draw`` (the chart's PNG, the headline and the
        table) and ``total``.
    updates : int
        Moves that recomputed (not counting the first picture, nor changes that changed nothing).
    """

    def __init__(self, params, inputs, live=None, target_id=None, sliders=None):
        self.params, self.target_id, self.ranges = params, target_id, sliders or {}
        self.targets, self.plan = inputs["targets"], inputs.get("plan")
        # Only level targets are drawn; count targets are judged on progress counts, which no slider
        # moves, so they are left out of the recomputation (a quarter of its time). Level targets are
        # simulated in their own groups, so their numbers are the same as with every target present.
        self.inputs = {**inputs, "targets": self.targets[self.targets["kind"].map(is_level)]}
        self.live = frontend_present() if live is None else bool(live)
        self.sliders, self.widget, self.status, self.chart, self.headline, self.table = {}, None, None, None, None, None
        self._holding, self._fan, self.updates = False, None, 0
        self.seconds = {}
        self.result, self._shown = self._assess(params), params
        if self.live:
            self._build_widgets()
            self._draw()

    # ---------------------------------------------------------------- widgets
    def _build_widgets(self):
        import ipywidgets as widgets

        style, layout = {"description_width": "25em"}, widgets.Layout(width="50em")
        for key, (value, span, label) in slider_fields(self.params, self.ranges, self.plan).items():
            # continuous_update: the front end sends one change at a time and skips to the latest
            # while the kernel is busy, so a drag never queues up stale updates.
            slider = widgets.FloatSlider(value=value, min=min(span.low, value), max=max(span.high, value),
                                         step=span.step, description=label, readout_format=span.readout,
                                         continuous_update=True, style=style, layout=layout)
            slider.observe(self.update, names="value")
            self.sliders[key] = slider
        reset = widgets.Button(description="重置 reset", tooltip="back to the scenario's values")
        reset.on_click(lambda _: self.reset())
        self.status = widgets.HTML()
        self.chart = widgets.Image(format="png")  # its width: the picture's own (``_draw``), never stretched
        self.headline, self.table = widgets.HTML(), widgets.HTML()
        self.widget = widgets.VBox([*self.sliders.values(), widgets.HBox([reset, self.status]), self.chart,
                                    self.headline, self.table])

    def values(self) -> dict:
        """Slider key -> current value (the scenario's values when not live)."""
        if not self.sliders:
            return {key: value for key, (value, _, _) in slider_fields(self.params, self.ranges, self.plan).items()}
        return {key: slider.value for key, slider in self.sliders.items()}

    def reset(self):
        """Put every slider back to the scenario's value (one redraw at the end, not one per slider)."""
        start = {key: value for key, (value, _, _) in slider_fields(self.params, self.ranges, self.plan).items()}
        self._holding = True
        try:
            for key, slider in self.sliders.items():
                slider.value = start[key]
        finally:
            self._holding = False
        self.update()

    # ---------------------------------------------------------------- the work of one move
    def _assess(self, params):
        started = time.perf_counter()
        result = assess_inputs(params, self.inputs)
        self.seconds = {"assess": time.perf_counter() - started}
        return result

    def update(self, change=None):
        """Re-assess at the sliders' values and redraw (the sliders' callback); nothing when they say
        what was last drawn."""
        if self._holding:
            return
        params = with_values(self.params, self.values())
        if params.model_dump() == self._shown.model_dump():
            return
        started = time.perf_counter()
        self.result, self._shown = self._assess(params), params
        self._draw()
        self.seconds["total"] = time.perf_counter() - started
        self.updates += 1
        if self.status is not None:
            self.status.value = (f"<small class='dgf-whatif-status'>{self.result.simulation.n_sims:,} paths · engine "
                                 f"{1000 * self.seconds['assess']:.0f} ms · chart "
                                 f"{1000 * self.seconds['draw']:.0f} ms</small>")
        log.debug("what-if update: %s", self.seconds)

    def _chart_png(self) -> bytes:
        # Live: the fixed parts are drawn once (LiveFan) and a move only moves the fan; drawn again in full
        # only when the fan outgrows the y axis, which then widens (it never shrinks: moving a slider moves
        # the fan, not the axis). No level target with paths (no base figure anywhere, or count targets
        # only): no chart at all.
        if not self.result.paths_by_target:
            return b""
        target_id = self.target_id or next(iter(self.result.paths_by_target))
        start = self.result.actuals.index.max()
        base = (start, float(self.result.actuals[start]))
        frame = fan_frame(fan_quantiles(self.result.paths_by_target[target_id]), base)
        if self._fan is None or not self._fan.fits(frame, base[1]):
            ax = None if self._fan is None else self._fan.ax
            self._fan = LiveFan(fan_figure(self.result, self.targets, self.target_id, ax=ax,
                                           y_range=self._wider(frame, base[1])))
        return self._fan.move(frame, base)

    def _wider(self, frame, base_value):
        # The y axis a fan that outgrew it gets: a fifth of its span more on each side it outgrew, so a drag
        # the same way goes on without drawing the whole figure at every step.
        if self._fan is None:
            return None
        low, high = self.y_range
        values = [*frame.to_numpy(dtype=float).ravel(), base_value]
        lowest, highest, span = min(values), max(values), high - low
        return (min(low, lowest - span / 5) if lowest < low else low, max(high, highest + span / 5) if highest > high
                else high)

    def _draw(self):
        from IPython.display import Image, display

        started = time.perf_counter()
        text, table = headline(self.result, self.targets) or NOTHING_TO_DRAW, level_table(self.result, self.targets)
        if self.chart is None:  # static: straight into the cell's output
            if self.result.paths_by_target:
                display(Image(data=png_bytes(fan_figure(self.result, self.targets, self.target_id)), format="png"))
            print(text)
            if len(table):
                display(table)
        else:
            chart = self._chart_png()
            if chart:
                self.chart.value = chart
                self.chart.width = str(self._fan.canvas.get_width_height()[0])
            self.headline.value = "".join(f"<div>{html_escape(line)}</div>" for line in text.splitlines())
            self.table.value = frame_html(table) if len(table) else ""
        self.seconds["draw"] = time.perf_counter() - started

    @property
    def y_range(self):
        """The live chart's y axis (亿元), (low, high); None before it is drawn or when not live."""
        return None if self._fan is None else tuple(self._fan.ax.get_ylim())

    def _ipython_display_(self):
        from IPython.display import display

        if self.live:
            display(self.widget)
        else:
            self._draw()


def what_if(params, inputs, live=None, target_id=None, sliders=None) -> WhatIf:
    """Sliders over ``params``' main assumptions, with the fan chart and the P(met) table they give.

    Put it last in a cell (or display the object): ``what_if(params, inputs, live=interactive)``.

    Parameters
    ----------
    params : ScenarioParams
        The scenario the sliders start from; its seed, ``n_sims``, ``as_of`` and evidence settings
        hold for every move, so a slider at the scenario's value reproduces notebook 03 exactly.
    inputs : dict
        The workbook's tables (``pipeline.load_inputs``).
    live : bool or None
        True: sliders (ipywidgets). False: the scenario's values as a static chart and table, for
        papermill and HTML reports. None: live when an interactive front end sent the cell.
    target_id : str, optional
        The level target whose fan is drawn (default: the first).
    sliders : dict, optional
        The workbook's slider ranges (``params.slider_ranges(params.yaml)``; default ``SLIDERS``).

    Returns
    -------
    WhatIf
        ``.sliders`` to set from Python (each change recomputes and redraws), ``.result`` the last
        ``ScenarioResult``, ``.seconds`` the time of the last update.
    """
    return WhatIf(params, inputs, live, target_id, sliders)
