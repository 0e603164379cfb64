"""Write notebooks 01-05 from the cell texts below, without outputs.

The notebooks are generated, so edit this file and run it (``python notebooks/make_notebooks.py``)
rather than saving an edited notebook: the committed copies then stay free of outputs and the
parameters cell stays in step with the scenario schema (``dgforecast.params.FIELDS``).
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from dgforecast.params import FIELDS

HERE = Path(__file__).resolve().parent


def parameters_cell(extra=""):
    """The cell tagged ``parameters``: the workbook, the scenario, and every scenario field as None."""
    lines = [
        "# Parameters (papermill). `dgforecast run` / `dgforecast report` inject every value below.",
        "# Run by hand, values left as None come from the scenario in params.yaml.",
        "project_dir = None  # 工作簿目录 workbook folder; None: found from the current folder upward",
        'scenario = "base"  # 情景 scenario name under scenarios: in params.yaml',
    ]
    if extra:
        lines.append(extra)
    for name, entry in FIELDS.items():
        if name == "scenario":
            continue
        lines.append(f"{name} = None  # {entry['label_zh']} {entry['label_en']} ({entry['unit']})")
    return new_code_cell("\n".join(lines), metadata={"tags": ["parameters"]})


def code(text):
    return new_code_cell(text.strip("\n"))


def md(text):
    return new_markdown_cell(text.strip("\n"))


SETUP = """
import pandas as pd
from IPython.display import display

from dgforecast import plots, views
from dgforecast.notebook import scenario_from_parameters

paths, params = scenario_from_parameters(globals())
plots.use_cjk_font()
pd.set_option("display.max_colwidth", 80)
print(f"workbook: {paths.root}\\nscenario: {params.scenario} ({params.label_zh} / {params.label_en})")
"""

NB01 = [
    md("""
# 01 规划基数及其含义 · The plan's baselines and what they imply

本笔记本列出规划（第一部分（一））给出的 2021 年基数，推算其隐含数值，并与已发布的统计数据交叉核对；
然后列出第二部分各项目标及其所需年均增速。

This notebook lists the 2021 figures the plan gives (section 一（一）), derives what they imply, checks them
against published statistics, and lists every target (section 二 and later) with the growth or pace it needs.
The main target is cluster 营业收入 of at least 5400 亿元 by 2025 (二（一）); the plan gives no revenue figure
for 2021, only 规上工业总产值 (4621.25 亿元), so the parameter `revenue_to_output_ratio` turns output into revenue.
"""),
    parameters_cell(),
    code(SETUP),
    md("""
## 规划基数 Plan baselines (2021)

亿元 = 100 million yuan. Growth of output is nominal; growth of value added is at comparable prices (real).
"""),
    code("""
from dgforecast.data import cross_checks, derive_plan_figures, load_baselines, load_history, load_targets

baselines = load_baselines(paths.raw)
display(baselines[["variable", "name_zh", "year", "value", "unit", "basis", "price_basis", "section"]])
"""),
    md("""
## 推算数值 What the baselines imply

The 2020 output follows from the 2021 level and its growth; the city totals follow from the sector's shares
(rounded to 0.1 %, so each implied total is a range).
"""),
    code("""
display(derive_plan_figures(baselines))
"""),
    md("""
## 一致性核对 Consistency checks against published figures

`passed` is empty where no published figure exists to compare with.
"""),
    code("""
display(cross_checks(baselines, load_history(paths.raw)))
"""),
    md("""
## 目标与所需增速 Targets and the growth they need

Level targets: the compound annual growth from the baseline to the threshold. Count targets: the yearly pace
from zero at the start year. The cluster revenue target uses this scenario's `revenue_to_output_ratio`.
"""),
    code("""
from dgforecast.targets import required_cagr, targets_table

table = targets_table(load_targets(paths.raw), baselines, params.revenue_to_output_ratio)
display(table[["id", "name_zh", "kind", "comparison", "threshold", "unit", "deadline", "baseline",
               "required_cagr", "required_pace", "section"]])
"""),
    md("""
## 营收与产值之比的影响 How much the revenue-to-output ratio matters

The required growth of the cluster target for a few ratios of 营业收入 to 总产值 (1.0 = revenue equals output).
"""),
    code("""
cluster = table[table["kind"] == "level"].iloc[0]
output_2021 = cluster["baseline"] / params.revenue_to_output_ratio
ratios = [0.9, 0.95, 1.0, 1.05, 1.1]
sensitivity = pd.DataFrame({
    "revenue_to_output_ratio": ratios,
    "revenue 2021 (亿元)": [round(output_2021 * r, 2) for r in ratios],
    "required growth (%/yr)": [round(100 * required_cagr(output_2021 * r, cluster["threshold"],
                                                          cluster["deadline"] - cluster["start_year"]), 2)
                               for r in ratios],
})
display(sensitivity)
"""),
]

NB02 = [
    md("""
# 02 历史数据与增长模型 · History and growth models

真实历史数据很少：本行业本身只有两个数据点（2020 年由 2021 年增速推算，以及 2021 年），全市规上工业增加值
为 2014–2021 年（2019 年缺失）。因此模型在全市序列上拟合，只作为参照，而不是对本行业的直接估计。

Real history is thin: the sector itself has two points (2021 from the plan, 2020 implied by its growth);
the city's series run 2013–2021 with gaps (规上工业增加值 2014–2021 without 2019). The models below are
fitted to the city series named by `history_series` as a reference for the sector, not as its estimate.
The `fitted` engine simulates with the same `auto` method.
"""),
    parameters_cell(),
    code(SETUP),
    md("""
## 已发布的历史 Published history

每个数字都带有来源和可靠性标记：`low` 表示来自已知有误差的二手网站，只能作为弱证据。

Every figure carries its source and a reliability flag: `low` marks a secondary site known to get some numbers
wrong (weak evidence only), `preliminary` an estimate made before the final figure.
"""),
    code("""
from dgforecast.data import history_series, load_history

history = load_history(paths.raw)
series = history_series(history, params.history_series)
series = series[series.index <= params.as_of_year]
rows = history[(history["series_id"] == params.history_series) & (history["basis"] == "level")
               & (history["period"] == "year") & (history["year"] <= params.as_of_year)]
display(rows[["year", "value", "unit", "price_basis", "reliability", "metric", "source_url"]].set_index("year"))
levels = history[(history["basis"] == "level") & (history["period"] == "year")]
display(levels.pivot_table(index="series_id", columns="year", values="value"))
"""),
    md("""
## 缺失年份 Gaps

Missing inner years are filled by log-linear interpolation so the models see consecutive years. A filled year
is not data: the growth of the two years around a gap is the same by construction.
"""),
    code("""
from dgforecast.forecast import fill_gaps

consecutive, how = fill_gaps(series)
print(how or "no gaps")
"""),
    md("""
## 模型拟合与回测 Fits and backtests

Each model of the menu, its parameters, rolling-origin backtest errors (sMAPE, MASE) and its forecast for the
target year with a calibrated 80 % interval. With so few points the backtests rest on a handful of origins.
"""),
    code("""
from dgforecast.forecast import fit_table

fits = fit_table(consecutive, params.target_year)
print(fits.attrs.get("auto", ""))
display(fits)
"""),
    md("""
## 预测区间 Forecast with calibrated intervals

The `auto` forecast of the city series to the target year, with central 80 % and 95 % intervals (亿元).
"""),
    code("""
from dgforecast.forecast import forecast_series

horizon = params.target_year - int(consecutive.index[-1])
forecast = forecast_series(consecutive, horizon)
print(forecast.attrs.get("interval_source", ""))
display(forecast)
"""),
    md("""
## 扇形图 Fan chart of the `auto` forecast

Deciles of simulated paths of the city series (亿元) with the calibrated spread; black points are the
published levels.
"""),
    code("""
import numpy as np

from dgforecast.assess import fan_quantiles
from dgforecast.forecast import simulate_series

sims, info = simulate_series(consecutive, horizon, params.n_sims, np.random.default_rng(params.seed))
sims = pd.DataFrame(sims, columns=range(info["first_year"], info["first_year"] + horizon))
print(f"model: {info['model']}; spread: {info['spread_source']}")
fig = plots.fan_chart(fan_quantiles(sims), actuals=series,
                      base=(int(consecutive.index[-1]), float(consecutive.iloc[-1])),
                      title=f"{params.history_series} 预测分位数 forecast deciles", unit="亿元")
"""),
    md("""
## 历史增速 Historical growth

Yearly nominal growth of the city series, next to the 3.97 %/yr the cluster target needs when revenue equals
output.
"""),
    code("""
growth = consecutive.pct_change().dropna()
growth.index = [f"{y} 年 year" for y in growth.index]
fig = plots.growth_chart(growth, title=f"{params.history_series} 年增长 yearly growth")
"""),
]

NB03 = [
    md("""
# 03 单一情景 · One scenario

本笔记本模拟一个情景下产业集群营业收入的路径，给出各水平目标的实现概率、所需增速与历史及模型增速的比较、
跨越目标的年份（中位数与 80% 区间）以及状态判断（提前实现 / 快于预期 / 基本符合预期 / 存在风险 / 难以实现）。

This notebook simulates cluster revenue (亿元) under one scenario and shows: a fan chart (deciles) with the
5400 亿元 line, P(target met) for every level target, required vs historical vs model growth, the year the
threshold is first crossed (median and 80 % band), and the status label from the thresholds in params.yaml.

Run it for any scenario with `dgforecast run base -p growth=0.02`, or without dgforecast:
`dgforecast params base > base.yaml` then `papermill 03_scenario.ipynb out.ipynb -f base.yaml`.
"""),
    parameters_cell('summary_csv = None  # 汇总表输出路径 where to write the summary table (set by the report runner)'),
    code(SETUP),
    md("""
## 参数 Parameters used
"""),
    code("""
display(views.parameters_frame(params))
"""),
    code("""
from dgforecast.assess import fan_quantiles, plan_and_now, with_plan
from dgforecast.data import load_targets
from dgforecast.kinds import is_level
from dgforecast.pipeline import assess_scenario

result = assess_scenario(params, paths.root)        # weighed by the evidence published by params.as_of
plan = assess_scenario(params.at_plan(), paths.root)  # the same scenario as of the plan: no evidence yet
targets = load_targets(paths.raw)
level_targets = targets[targets["kind"].map(is_level)]
"""),
    md("""
## 计划时与现在 As of the plan and as of now

The same scenario and the same random draws, judged twice: as of the plan (no figure published after 2021)
and as of `as_of` (default: this month), with every usable row of `data/raw/evidence.csv` published by then
weighing on the simulated paths (notebook 06 explains how). `ess` is the effective sample size: how many
equally weighted paths the weighted ones are worth.
"""),
    code("""
display(plan_and_now(result, plan))
selection = result.simulation.selection
if selection is not None and len(selection.left_out):
    print("Evidence left out:")
    for row in selection.left_out.itertuples():
        print(f"  {row.evidence_id}: {row.reason}")
if result.simulation.note:
    print("Note:", result.simulation.note)
"""),
    md("""
## 扇形图 Fan chart

Shaded bands: the 10–90, 20–80, 30–70 and 40–60 % ranges of the simulated paths under the evidence (as of
`as_of`); line: the median; dashed: the target; black points: actual figures (the base year, and any year
after it entered in data/raw/actuals.csv).
"""),
    code("""
for _, target in level_targets.iterrows():
    target_paths = result.paths_by_target[target["id"]]
    start = result.actuals.index.max()
    fig = plots.fan_chart(fan_quantiles(target_paths), threshold=target["threshold"], actuals=result.actuals,
                          base=(start, result.actuals[start]), unit=target["unit"],
                          title=f"{target['name_zh']} · {params.label_zh} / {params.label_en} · {params.as_of_month}")
"""),
    md("""
## 目标实现概率 P(target met)

Median and 10th/90th percentile are the simulated level at the deadline (亿元).
"""),
    code("""
levels = result.summary[result.summary["target_id"].isin(level_targets["id"])]
display(views.summary_view(levels, targets))
print(f"P(all level targets met) = {result.joint_p_all_levels:.1%}")
"""),
    md("""
For the `lognormal` engine the probability as of the plan has a closed form; the simulated value should lie
within a few Monte Carlo standard errors (`mc_se`) of it (`z` is the difference in standard errors).
"""),
    code("""
display(plan.closed_form if len(plan.closed_form) else pd.DataFrame({"note": ["fitted engine: no closed form"]}))
"""),
    md("""
## 所需增速与历史、模型增速 Required vs historical vs model growth

Fractions per year: what the target needs, what the city and the sector grew historically, what the scenario
assumes, and the median growth of the simulated paths.
"""),
    code("""
table = result.growth_table
display(table)
for target_id, rows in table.groupby("target_id", sort=False):
    fig = plots.growth_chart(rows.set_index(rows["label_zh"] + " " + rows["label_en"])["growth"],
                             title=f"{target_id}: 年均增长 growth per year")
"""),
    md("""
## 跨越目标的年份 When the threshold is crossed

First year a simulated path meets the target: median, and the 10th–90th percentile (80 % band).
"""),
    code("""
display(views.crossing_view(result.crossing, params.target_year))
"""),
    md("""
## 状态 Status of every target

Count targets show 无法评估 (not assessed) until progress counts are entered in
`data/raw/target_progress.csv`; notebook 04 shows their required pace.
"""),
    code("""
display(views.summary_view(result.summary, targets))
"""),
    code("""
if summary_csv:
    from dgforecast.fileio import write_csv_atomic

    write_csv_atomic(with_plan(result, plan), summary_csv)
"""),
]

NB04 = [
    md("""
# 04 各情景下的全部目标 · All targets across scenarios

本笔记本对比各情景下每项目标的实现概率和状态，包括数量类目标（所需年均进度；若在 data/raw/ 中录入了进度数据，
则用泊松–伽马进度模型给出实现概率），以及同时实现全部水平目标的联合概率。

This notebook compares every target across the scenarios: level targets with P(met) and status; count
targets with the yearly pace they need and, where progress counts are entered in
`data/raw/target_progress.csv`, a Poisson–Gamma pace model and P(met); and the joint probability of meeting
every level target.
"""),
    new_code_cell("\n".join([
        "# Parameters (papermill).",
        "project_dir = None  # 工作簿目录 workbook folder; None: found from the current folder upward",
        "scenarios = None  # 情景列表 scenario names; None: every scenario in params.yaml",
        "overrides = {}  # 覆盖参数 values laid over every scenario, e.g. {\"n_sims\": 2000}",
    ]), metadata={"tags": ["parameters"]}),
    code("""
import pandas as pd
from IPython.display import display

from dgforecast import views
from dgforecast.config import find_project
from dgforecast.data import load_targets
from dgforecast.params import resolve_scenario
from dgforecast.assess import plan_and_now
from dgforecast.kinds import is_level
from dgforecast.pipeline import assess_scenario
from dgforecast.report import scenario_list

paths = find_project(project_dir)
names = scenario_list(paths.params_file, scenarios)
results = {name: assess_scenario(resolve_scenario(paths.params_file, name, overrides), paths.root)
           for name in names}
plans = {name: assess_scenario(results[name].params.at_plan(), paths.root) for name in names}
targets = load_targets(paths.raw)
summary = pd.concat([r.summary for r in results.values()], ignore_index=True)
print("scenarios:", ", ".join(names))
"""),
    md("""
## 水平目标 Level targets
"""),
    code("""
levels = summary[summary["target_id"].isin(targets.loc[targets["kind"].map(is_level), "id"])]
display(views.summary_view(levels, targets))
"""),
    md("""
## 计划时与现在 As of the plan and as of now

P(met) of each level target as of the plan (no evidence) and as of `as_of` (the evidence published by then).
"""),
    code("""
display(pd.concat([plan_and_now(results[n], plans[n]).assign(scenario=n) for n in names], ignore_index=True)
        [["scenario", "target_id", "p_met_plan", "p_met_now", "median_now", "q10_now", "q90_now", "status_now",
          "ess", "evidence_used"]])
"""),
    md("""
## 全部水平目标同时实现 Joint probability of meeting every level target

Level targets that grow from the same baseline share their simulated paths, so the joint probability accounts
for their dependence. With a single level target it equals that target's probability.
"""),
    code("""
joint = pd.DataFrame({"scenario": names,
                      "P(all level targets met)": [f"{results[n].joint_p_all_levels:.1%}" for n in names]})
display(joint)
"""),
    md("""
## 数量类目标 Count targets

`required_pace`: units a year from zero at the start year; `pace_needed_now`: what remains, per remaining year.
The counts do not depend on the growth scenario, only on `as_of_year`.
"""),
    code("""
first = results[names[0]]
counts = first.counts.merge(targets[["id", "name_zh", "threshold", "unit", "deadline"]],
                            left_on="target_id", right_on="id").drop(columns="id")
display(counts[["target_id", "name_zh", "threshold", "unit", "deadline", "achieved", "required_pace",
                "pace_needed_now", "observed_pace", "p_met", "status", "note"]])
"""),
    md("""
## 全部目标的状态 Status of every target by scenario
"""),
    code("""
status = summary.pivot(index="target_id", columns="scenario", values="status").reindex(targets["id"])[names]
display(status)
"""),
]

NB05 = [
    md("""
# 05 参数扫描 · Sweep: how likely is the target over a grid of assumptions

一个情景只回答"在这组假设下"的问题；经济学家常问的是"增长率要多高，目标才更可能实现？若营业收入只有总产值的 95% 呢？"。
本笔记本读取 `dgforecast sweep` 的结果文件，把某一目标实现的概率 P(met) 画成两个参数的热力图：
50% 与 80% 两条等值线（与状态门槛"基本符合预期""快于预期"对应），以及盈亏平衡线——中位路径恰好达到目标值所需的条件。

A scenario answers "under these assumptions"; this notebook answers "over which assumptions". It reads the table written by
`dgforecast sweep` (one row per grid point, every point on the same random shocks, so neighbouring cells differ by the
assumptions and not by noise) and draws P(met) of one target over two grid keys, with the 50 % and 80 % contours
and the break-even line: where the median path reaches the target exactly. Make a results file first, for example:

```
dgforecast sweep --grid growth=0:0.08:0.0025 --grid revenue_to_output_ratio=0.9:1.1:0.01 --out reports/sweep_base.csv
```

The main target (plan 二（一）) is cluster 营业收入 of at least 5400 亿元 by 2025, grown from the 2021 规上工业总产值 of
4621.25 亿元 (plan 一（一）) through `revenue_to_output_ratio`.
"""),
    new_code_cell("\n".join([
        "# Parameters (papermill). Run by hand, the values below are used; None picks the default shown.",
        "project_dir = None      # 工作簿目录 workbook folder; None: found from the current folder upward",
        "results_file = None     # 扫描结果文件 sweep results (.csv or .parquet); None: reports/sweep_base.csv",
        "x_key = None            # 横轴参数 grid key on the x axis; None: the first grid key",
        "y_key = None            # 纵轴参数 grid key on the y axis; None: the second grid key",
        "target_id = None        # 目标 target; None: the first target in the file (cluster_revenue_2025)",
        "fixed = {}              # 其余参数取值 values of further grid keys (default: their first value)",
        "contours = [0.5, 0.8]   # 等值线 P(met) contours: 基本符合预期 and 快于预期 cut-offs",
    ]), metadata={"tags": ["parameters"]}),
    code("""
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from dgforecast import plots, sweep
from dgforecast.config import find_project
from dgforecast.data import load_targets

paths = find_project(project_dir)
results_path = Path(results_file) if results_file else paths.reports / "sweep_base.csv"
if not results_path.is_absolute():
    results_path = paths.root / results_path
results = sweep.read_results(results_path)
keys = sweep.grid_keys(results)
if len(keys) < 2:
    raise ValueError(f"{results_path}: the sweep has one grid key ({keys[0]}); a heat map needs two --grid keys")
x_key, y_key = x_key or keys[0], y_key or keys[1]
target_id = target_id or sweep.result_targets(results)[0]
target = load_targets(paths.raw).set_index("id").loc[target_id]
sliced = sweep.axes_slice(results, x_key, y_key, fixed)

print(f"{results_path}: {len(results):,} points over {', '.join(keys)}; drawing {target_id} "
      f"({target['name_zh']}, {target['comparison']} {target['threshold']:,.0f} {target['unit']} by {target['deadline']})")
others = [k for k in keys if k not in (x_key, y_key)]
if others:
    print("held at: " + ", ".join(f"{k} = {sliced[k].iloc[0]}" for k in others))
"""),
    md("""
## 热力图 Heat map of P(met)

颜色为目标在期限内实现的概率；实线为 50% 和 80% 等值线；虚线为盈亏平衡线（中位路径恰好达到目标）。

Colour is the probability of meeting the target by its deadline. Solid lines: the contours. Dashed line: break-even,
where the median path just reaches the threshold (when one axis is `growth`, it is the growth the target requires).
"""),
    code("""
table = sweep.p_met_matrix(sliced, x_key, y_key, target_id)
line = sweep.break_even(sliced, x_key, y_key, target_id, float(target["threshold"]))
title = (f"{target['name_zh']} {target['comparison']} {target['threshold']:,.0f} {target['unit']} "
         f"({target['deadline']}) · P(met)")
fig = plots.sweep_heatmap(table, sweep.axis_label(x_key), sweep.axis_label(y_key), title, contours, line)
plt.show()
"""),
    md("""
## 达到 50% 与 80% 概率所需的取值 What it takes

For each value on the y axis: the smallest x-axis value at which P(met) reaches each contour (interpolated between
grid points; empty where the grid never gets there), and the break-even line.
"""),
    code("""
needed = {f"P ≥ {q:.0%}": sweep.x_needed(sliced, x_key, y_key, target_id, q) for q in sorted(contours)}
summary = pd.DataFrame(needed)
if len(line):
    summary[f"break-even {x_key}"] = line.set_index(y_key)[x_key]
display(summary.style.format("{:.4f}", na_rep="—"))
"""),
]

NB06 = [
    md("""
# 06 跟踪与终期评估 · Tracking the plan and the final assessment

规划期（2021–2025年）已经结束。本笔记本说明2022年以来公布的数据如何改变各目标的实现概率（按数据公布月份逐步更新），
并给出终期评估：已实现 / 未实现 / 无法确认，以及结论所依赖的假设。

The plan's period is over. This notebook shows how the outlook for each target moved as figures were
published (one step per month in which evidence appeared), and gives the final assessment — met / not met /
cannot be confirmed — with the evidence it rests on and the assumption it hinges on.

The evidence is thin and indirect: the cluster's 营业收入 was never published; its output appears only as
round statements (2022 "达到5000亿元", 2025 "突破5000亿元"), and its growth only as real 增加值 growth for parts
of years. Nothing here is a published outcome; every probability is a reading of that evidence through the
measurement model below, whose parameters are in `params.yaml` (`evidence:`).
"""),
    parameters_cell(),
    code(SETUP),
    md("""
## 测量模型 The measurement model

s_t: the cluster's nominal log output growth in year t (what the engine simulates); X_t: its output (亿元);
r: its revenue-to-output ratio. Each usable row of `data/raw/evidence.csv` weighs on every simulated path:

| evidence | likelihood of a path |
| --- | --- |
| real 增加值 growth g, January–m | ln(1+g) + ln(1+deflator) = s_t + e,  e ~ N(0, growth_link_sd² + (ytd_sd·(12−m)/12)²) |
| output level v (a rounded round figure too) | ln v = ln X_t + e,  e ~ N(0, level_sd²) |
| output at least v (突破) | X_t ≥ v (hard when bound_sd = 0, else Φ((ln X_t − ln v)/bound_sd)); with round_step: also X_t < v + round_step |
| revenue levels and bounds | as output, on X_t · r |
| the city's revenue/output ratio ≤ v | ln r_city = ln r + u, u ~ N(0, city_ratio_sd²): a soft bound on r |

A path's weight is the product over rows; P(met) under the evidence is the weighted share of paths that meet
the target. Rows less reliable than `evidence.min_reliability` are left out, and so is a year-to-date figure
that a later one of the same year contains.
"""),
    code("""
display(views.parameters_frame(params).query("key in ['as_of', 'evidence', 'verdict_thresholds']"))
"""),
    code("""
from dgforecast import tracking
from dgforecast.data import load_targets
from dgforecast.pipeline import load_inputs

inputs = load_inputs(paths.root)
targets = load_targets(paths.raw)
"""),
    md("""
## 证据 The evidence, and what is used

Every row of `data/raw/evidence.csv` with its source; those left out say why.
"""),
    code("""
from dgforecast.evidence import select_evidence

selection = select_evidence(inputs["evidence"], params.as_of_month, params.evidence.min_reliability)
display(selection.used[["evidence_id", "measure", "year", "period", "kind", "value", "unit", "price_basis",
                        "published", "reliability"]])
display(selection.left_out[["evidence_id", "published", "reliability", "reason"]])
"""),
    md("""
## 随数据公布的跟踪 How the outlook moved

One step per month in which usable evidence was published, from the plan (no evidence) to `as_of`: P(met),
median and 10–90 % range of the target at its deadline, and the evidence that arrived.
"""),
    code("""
track = tracking.track(params, inputs)
display(track)
for target_id, rows in track.groupby("target_id", sort=False):
    target = targets.set_index("id").loc[target_id]
    fig = plots.track_chart(rows, threshold=target["threshold"],
                            title=f"{target['name_zh']} · {params.label_zh} / {params.label_en}")
"""),
    md("""
## 终期评估 The final assessment

已实现 (met) when P(met) under the evidence is at least `verdict_thresholds.achieved`, 未实现 (not met) when
it is at most `verdict_thresholds.missed`, 无法确认 (cannot be confirmed) otherwise, and whenever no evidence
bears on the target. For the level target the verdict is given two ways: the plain reading of "突破5000亿元"
(at least 5000) and the reading in which officials name the highest round figure passed (5000–6000).
"""),
    code("""
final = tracking.final_assessment(params, inputs)
display(final)
"""),
    md("""
## 结论取决于什么 What the verdict hinges on

No revenue figure of the cluster exists, so the 5400亿元 revenue target is judged through output and the
revenue-to-output ratio. P(met) under the evidence across values of `revenue_to_output_ratio`, for both
readings of the round figure:
"""),
    code("""
hinge = tracking.hinge_table(params, inputs)
display(hinge)
fig = plots.hinge_chart(hinge, thresholds=params.verdict_thresholds,
                        title=f"{params.label_zh} / {params.label_en}: P(met) vs revenue/output")
"""),
]


NOTEBOOKS = {"01_plan_baselines.ipynb": NB01, "02_history_and_models.ipynb": NB02,
             "03_scenario.ipynb": NB03, "04_targets_across_scenarios.ipynb": NB04, "05_sweep.ipynb": NB05,
             "06_tracking_and_final_assessment.ipynb": NB06}


def write(name, cells, folder=HERE):
    nb = new_notebook(cells=cells)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"  # stable ids keep regenerated notebooks diff-free
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    path = Path(folder) / name
    nbformat.write(nb, path, version=4)
    return path


if __name__ == "__main__":
    for name, cells in NOTEBOOKS.items():
        print(write(name, cells))
