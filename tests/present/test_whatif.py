"""The live what-if: its sliders drive the report's engine, and without a front end it is a static chart."""

import json

import pydantic
import pytest

from dgforecast.cli import main
from dgforecast.plan.params import resolve_scenario
from dgforecast.present import whatif, whatif_sliders
from dgforecast.present.whatif import what_if, with_values
from dgforecast.run.pipeline import load_inputs


@pytest.fixture(scope="module")
def inputs(shipped):
    return load_inputs(shipped)


@pytest.fixture(scope="module")
def params_file(shipped):
    return shipped / "params.yaml"


def _assess_json(capsys, root, scenario, *items):
    capsys.readouterr()
    args = ["--project", str(root), "assess", scenario, "--json"]
    for item in items:
        args += ["-p", item]
    assert main(args) == 0
    return {r["target_id"]: r for r in json.loads(capsys.readouterr().out)}


@pytest.mark.slow
def test_moving_the_growth_slider_shows_what_dgforecast_assess_gives(inputs, params_file, capsys):
    w = what_if(resolve_scenario(params_file, "base"), inputs, live=True)
    capsys.readouterr()
    w.sliders["growth"].value = 0.02
    assert capsys.readouterr().out == ""  # live, a move replaces the widgets' values: nothing is printed again
    cli = _assess_json(capsys, params_file.parent, "base", "growth=0.02")["cluster_revenue_2025"]
    assert f"装备制造业产业集群营业收入: P(met) {cli['p_met']:.1%} · median {cli['median']:,.1f}" in w.headline.value
    assert f"<td>{cli['p_met']:.1%}</td>" in w.table.value
    row = w.result.summary.set_index("target_id").loc["cluster_revenue_2025"]
    assert (row["p_met"], row["median"], row["q10"], row["q90"]) == (cli["p_met"], cli["median"], cli["q10"], cli["q90"])
    assert w.result.params.growth == 0.02 and w.seconds["total"] > 0


@pytest.mark.slow
def test_a_shock_year_has_its_slider_and_moves_that_year_only(inputs, params_file, capsys):
    w = what_if(resolve_scenario(params_file, "shock"), inputs, live=True)
    assert list(w.sliders) == ["growth", "volatility", "revenue_to_output_ratio", "revenue_to_output_ratio_sd",
                               "growth_overrides.2022", "growth_overrides.2023"]
    w.sliders["growth_overrides.2022"].value = -0.1
    cli = _assess_json(capsys, params_file.parent, "shock", "growth_overrides.2022=-0.1")["cluster_revenue_2025"]
    assert w.result.params.growth_overrides == {2022: -0.1, 2023: 0.0}
    assert w.result.summary.set_index("target_id").loc["cluster_revenue_2025", "p_met"] == cli["p_met"]


@pytest.mark.slow
def test_reset_puts_every_slider_back_and_redraws_once(inputs, params_file, monkeypatch):
    w = what_if(resolve_scenario(params_file, "base", {"n_sims": 2000}), inputs, live=True)
    first = w.result.summary["p_met"].iloc[0]
    w.sliders["volatility"].value = 0.1
    w.sliders["revenue_to_output_ratio"].value = 0.9
    calls = []
    monkeypatch.setattr(w, "_assess", lambda params: calls.append(params) or whatif.assess_inputs(params, w.inputs))
    w.reset()
    assert [s.value for s in w.sliders.values()] == [0.06, 0.075, 1.0, 0.055]
    assert len(calls) == 1 and w.result.summary["p_met"].iloc[0] == first


def test_without_a_front_end_it_is_the_scenarios_static_chart_and_table(inputs, params_file, capsys):
    w = what_if(resolve_scenario(params_file, "base", {"n_sims": 2000}), inputs)  # live=None: detect
    assert not w.live and w.sliders == {} and w.widget is None
    w._ipython_display_()
    printed = capsys.readouterr().out
    assert "Image object" in printed and "装备制造业产业集群营业收入: P(met)" in printed
    assert "Figure" not in printed  # the chart is a PNG; no pyplot figure is left for the inline backend


def test_the_front_end_is_recognised_by_the_cell_id_it_sends(monkeypatch):
    import IPython

    class Kernel:
        def __init__(self, metadata):
            self.metadata = metadata

        def get_parent(self, channel):
            return {"metadata": self.metadata}

    class Shell:
        kernel = None

    shell = Shell()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    assert not whatif.frontend_present()                   # IPython without a kernel
    shell.kernel = Kernel({})                                  # papermill / nbclient: no cell id
    assert not whatif.frontend_present()
    shell.kernel = Kernel({"cellId": "3f2a", "deletedCells": []})  # JupyterLab
    assert whatif.frontend_present()


def test_sliders_start_at_the_scenario_and_reach_past_their_range_when_it_does(inputs, params_file):
    params = resolve_scenario(params_file, "base", {"growth": 0.3, "n_sims": 200})
    w = what_if(params, inputs, live=True)
    growth = w.sliders["growth"]
    assert (growth.value, growth.min, growth.max) == (0.3, whatif_sliders.SLIDERS["growth"].low, 0.3)


def test_the_workbooks_slider_ranges_are_the_sliders_and_a_range_it_leaves_out_keeps_the_default(inputs, params_file):
    from dgforecast.plan.params import slider_ranges

    ranges = slider_ranges(params_file)
    assert ranges["growth"] == (-0.10, 0.20, 0.0025)  # the shipped params.yaml's sliders:
    params = resolve_scenario(params_file, "shock", {"n_sims": 200})
    w = what_if(params, inputs, live=True, sliders={"growth": (-0.05, 0.15, 0.01), "growth_overrides": (-0.5, 0.1, 0.05)})
    growth, ratio = w.sliders["growth"], w.sliders["revenue_to_output_ratio"]
    assert (growth.min, growth.max, growth.step) == (-0.05, 0.15, 0.01)
    assert (ratio.min, ratio.max, ratio.step) == (whatif_sliders.SLIDERS["revenue_to_output_ratio"].low,
                                                  whatif_sliders.SLIDERS["revenue_to_output_ratio"].high,
                                                  whatif_sliders.SLIDERS["revenue_to_output_ratio"].step)
    shocks = [s for key, s in w.sliders.items() if key.startswith("growth_overrides.")]
    assert shocks and all((s.min, s.max, s.step) == (-0.5, 0.1, 0.05) for s in shocks)


def test_slider_values_are_checked_by_the_schema(params_file):
    params = resolve_scenario(params_file, "base")
    assert with_values(params, {"growth": 0.020000000000000004}).growth == 0.02
    with pytest.raises(pydantic.ValidationError):
        with_values(params, {"volatility": -0.1})


def _pixels(png):
    import io

    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _same_axis(figure, y_range):
    # a full redraw autoscales to its own data first (its margin may reach past the live axis): the live axis
    figure.axes[0].set_ylim(*y_range)
    return figure


def test_a_move_redraws_only_the_fan_and_gives_the_picture_a_full_redraw_gives(inputs, params_file):
    w = what_if(resolve_scenario(params_file, "base", {"n_sims": 2000}), inputs, live=True)
    first = w.chart.value
    w.sliders["growth"].value = 0.05
    assert w.updates == 1 and w.chart.value != first
    # the static chart of the same result, drawn in full on the same y axis
    full = whatif.png_bytes(_same_axis(whatif.fan_figure(w.result, w.targets, y_range=w.y_range), w.y_range))
    moved, drawn = _pixels(w.chart.value), _pixels(full)
    assert moved.shape == drawn.shape == (450, 800, 3)
    assert abs(moved - drawn).max() <= 3  # the same picture, to the rounding of the layers' blending
    # a fan that outgrows the axis widens it (drawn again in full), and the picture is again the full one
    w.sliders["revenue_to_output_ratio"].value = 0.8
    low, high = w.y_range
    assert low < 3700 and _pixels(w.chart.value).shape == (450, 800, 3)
    again = whatif.png_bytes(_same_axis(whatif.fan_figure(w.result, w.targets, y_range=w.y_range), w.y_range))
    assert abs(_pixels(w.chart.value) - _pixels(again)).max() <= 3


def test_a_change_that_changes_no_assumption_recomputes_and_redraws_nothing(inputs, params_file, monkeypatch):
    w = what_if(resolve_scenario(params_file, "base", {"n_sims": 2000}), inputs, live=True)
    picture = w.chart.value
    calls = []
    monkeypatch.setattr(whatif, "assess_inputs", lambda *a: calls.append(a))
    # a front end showing the slider sends its value back rounded to the step: 0.06 as 0.060000000000000005
    w.sliders["growth"].value = 0.060000000000000005
    assert calls == [] and w.updates == 0 and w.chart.value == picture and w.status.value == ""
