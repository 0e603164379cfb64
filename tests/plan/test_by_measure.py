"""Assumptions per measure: a scenario gives one simulated measure its own growth and volatility
(``by_measure``), the others keep the plan-wide values; -p, the scenarios' layers and --grid reach it."""

import pytest

from dgforecast.cli import main
from dgforecast.core.errors import ParamsError
from dgforecast.judge.assess import assess_inputs, summary_records
from dgforecast.plan.params import parse_overrides, resolve_scenario
from dgforecast.run.pipeline import load_inputs

#: Two level measures from exact bases of 100 in 2021, each with a target of 120 by 2025; no evidence.
PLAN = """plan:
  title_zh: 两口径
  title_en: Two measures
  document_zh: 《两口径》
  document_en: Two measures
  region_zh: 某地
  region_en: Somewhere
  plan_month: 2022-01
  base_year: 2021
measures:
  output:
    role: level
    name_zh: 产值
    name_en: output
    unit: 亿元
    baseline: Output
  robots:
    role: level
    name_zh: 机器人产量
    name_en: robots
    unit: 万台
    baseline: Robots
  revenue:
    role: level_times_ratio
    of: output
    name_zh: 营收
    name_en: revenue
    unit: 亿元
"""
BASELINES = """variable,name_zh,scope,unit,year,value,basis,price_basis,section,note
Output,产值,全市,亿元,2021,100,level,current,一,made up
Robots,机器人产量,全市,万台,2021,100,level,not_applicable,一,made up
"""
TARGETS = """id,name_zh,name_en,kind,unit,threshold,comparison,deadline,start_year,section,measure,note
output_2025,产值,Output,level,亿元,120,>=,2025,2021,二,output,made up
robots_2025,机器人产量,Robots,level,万台,120,>=,2025,2021,二,robots,made up
"""
PARAMS = """defaults:
  growth: 0.0             # flat: the test's plan-wide value
  volatility: 0.0         # no spread, so every path is the median
  n_sims: 200             # identical paths: a few do
  by_measure:             # the robots' own
    robots:
      volatility: 0.0     # as flat as the rest
scenarios:
  base:
    label_zh: 基准
    label_en: Base
  robots_grow:
    label_zh: 机器人增长
    label_en: Robots grow
    by_measure:
      robots:
        growth: 0.10      # ten percent a year for the robots alone
"""


@pytest.fixture
def plan(tmp_path):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / "plan.yaml").write_text(PLAN, encoding="utf-8")
    (raw / "plan_baselines.csv").write_text(BASELINES, encoding="utf-8")
    (raw / "plan_targets.csv").write_text(TARGETS, encoding="utf-8")
    (tmp_path / "params.yaml").write_text(PARAMS, encoding="utf-8")
    return tmp_path


def _medians(root, scenario, overrides=None):
    params = resolve_scenario(root / "params.yaml", scenario, overrides)
    return {r["target_id"]: round(r["median"], 4) for r in summary_records(assess_inputs(params, load_inputs(root)))}


def test_a_measure_with_growth_of_its_own_grows_at_it_and_the_others_at_the_plan_wide_growth(plan):
    assert _medians(plan, "base") == {"output_2025": 100.0, "robots_2025": 100.0}
    # 100 x 1.1^4 = 146.41 for the robots; the output keeps the plan-wide 0 %
    assert _medians(plan, "robots_grow") == {"output_2025": 100.0, "robots_2025": 146.41}


def test_a_scenario_sets_one_field_of_a_measure_and_keeps_the_defaults_other(plan):
    params = resolve_scenario(plan / "params.yaml", "robots_grow")
    assert params.by_measure["robots"].growth == 0.10 and params.by_measure["robots"].volatility == 0.0
    own = params.for_measure("robots")
    assert (own.growth, own.volatility) == (0.10, 0.0)
    assert params.for_measure("output") is params  # no entry of its own: the plan-wide values


def test_minus_p_reaches_a_measures_own_growth(plan):
    overrides = parse_overrides(["by_measure.output.growth=0.05"])
    assert overrides == {"by_measure": {"output": {"growth": 0.05}}}
    # 100 x 1.05^4 = 121.550625
    assert _medians(plan, "base", overrides)["output_2025"] == pytest.approx(121.5506, abs=1e-4)


@pytest.mark.parametrize("key, words", [
    ("by_measure.outptu.growth=0.1", "-p by_measure.outptu: is not a simulated measure of plan.yaml (role level); "
                                     "did you mean 'output'?"),
    ("by_measure.revenue.growth=0.1", "-p by_measure.revenue: grows with the paths of output; set by_measure.output"),
    ("by_measure.output.grwoth=0.1", "-p by_measure.output.grwoth: a measure sets its own growth or volatility only; "
                                     "did you mean 'growth'?"),
    ("by_measure.output.volatility=0.9", "-p by_measure.output.volatility = 0.9: out of range"),
])
def test_a_bad_measure_assumption_is_one_line_naming_it(plan, key, words):
    with pytest.raises(ParamsError) as caught:
        resolve_scenario(plan / "params.yaml", "base", parse_overrides([key]))
    assert "\n" not in str(caught.value) and words in str(caught.value), str(caught.value)


def test_params_yaml_naming_a_measure_the_plan_lacks_is_refused_where_it_is_written(plan, capsys):
    text = (plan / "params.yaml").read_text(encoding="utf-8").replace("    robots:\n        growth", "    robot:\n        growth")
    (plan / "params.yaml").write_text(text, encoding="utf-8")
    assert main(["--project", str(plan), "assess", "robots_grow"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "scenarios.robots_grow.by_measure.robot:" in err and "'robots'" in err


def test_a_sweep_over_a_measures_growth_gives_what_assess_gives(plan, tmp_path, capsys):
    out = tmp_path / "sweep.csv"
    assert main(["--project", str(plan), "sweep", "--grid", "by_measure.robots.growth=0,0.1", "--out", str(out)]) == 0
    import pandas as pd

    table = pd.read_csv(out)
    assert table["by_measure.robots.growth"].tolist() == [0.0, 0.1]
    assert table["median.robots_2025"].round(4).tolist() == [100.0, 146.41]
    assert table["median.output_2025"].round(4).tolist() == [100.0, 100.0]  # the other measure does not move
    capsys.readouterr()
    assert main(["--project", str(plan), "sweep", "--grid", "by_measure.revenue.growth=0,0.1",
                 "--out", str(tmp_path / "no.csv")]) == 2
    assert "no level target grows on the paths of revenue" in capsys.readouterr().err
