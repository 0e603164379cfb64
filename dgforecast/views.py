"""How results look: the tables the notebooks display, the report's HTML, and what the commands print.

Every string that comes from the workbook (labels, target names, failure messages) is escaped
here, so the look of the report is changed in one place and stays safe to open.
"""

import html
import os
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from dgforecast.assess import STATUS_EN
from dgforecast.kinds import is_level
from dgforecast.notebook import SWEEP_NOTEBOOK, TRACKING_NOTEBOOK
from dgforecast.params import FIELDS

#: Background colours of the status labels in index.html.
STATUS_COLOURS = {"提前实现": "#7fbc41", "快于预期": "#b8e186", "基本符合预期": "#e6f5d0",
                  "存在风险": "#fdae61", "难以实现": "#f46d43", "failed": "#bbbbbb"}


# ---------------------------------------------------------------- tables the notebooks display
def parameters_frame(params) -> pd.DataFrame:
    """Every parameter of a scenario with its labels, value and unit (the table pages open with)."""
    values = params.model_dump(mode="json")
    rows = []
    for name, entry in FIELDS.items():
        value = values.get(name)
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items()) or "—"
        rows.append({"key": name, "参数": entry["label_zh"], "parameter": entry["label_en"],
                     "value": value, "unit": entry["unit"]})
    return pd.DataFrame(rows)


def _percent(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.1%}"


def _level(value) -> str:
    return "" if value is None or pd.isna(value) else f"{value:,.1f}"


def goal_text(target) -> str:
    """A target's goal in one phrase, e.g. ``>= 5,400 亿元 by 2025`` ("" without a threshold)."""
    if "threshold" not in target or pd.isna(target["threshold"]):
        return ""
    return f"{target.get('comparison', '')} {target['threshold']:,.0f} {target.get('unit', '')} by {target.get('deadline', '')}"


def summary_view(summary, targets) -> pd.DataFrame:
    """The summary table for reading: target names, P(met) in %, levels with separators, status in both languages.

    Parameters
    ----------
    summary : DataFrame
        SUMMARY_COLUMNS (``assess`` or summary.csv).
    targets : DataFrame
        The target registry (``data.load_targets``), for names, units and thresholds.
    """
    names = targets.set_index("id")
    view = pd.DataFrame({
        "scenario": summary["scenario"],
        "target": [f"{names.loc[t, 'name_zh']} ({t})" if t in names.index else t for t in summary["target_id"]],
        "threshold": [goal_text(names.loc[t]) if t in names.index else "" for t in summary["target_id"]],
        "P(met)": summary["p_met"].map(_percent),
        "median": summary["median"].map(_level),
        "q10": summary["q10"].map(_level),
        "q90": summary["q90"].map(_level),
        "status": [f"{s} {STATUS_EN.get(s, '')}".strip() for s in summary["status"].fillna("")],
    })
    return view


def crossing_view(crossing, last_year) -> pd.DataFrame:
    """When each level target is first met on the simulated paths, and how that relates to P(met).

    Columns: the first year a path meets the target — median, 10th and 90th percentile (a
    percentile the paths do not reach by ``last_year`` reads "after <last_year>") —, then the
    share of paths that meet it in some year up to ``last_year`` and the share that never do
    (the two add up to 100 %). P(met) of the summary counts the deadline year only, so it can
    be lower than "met in some year": a path may reach the target early and fall back below it.
    Base case as of the plan (2022-01): P(met) 71.7 %, met in some year by 2025 74.2 %, never 25.8 %.
    """
    def year(value):
        return f"after {last_year}" if value is None else str(value)

    ever = f"met in some year by {last_year} (≥ P(met))"
    never = f"never met by {last_year} (= 1 − met in some year)"
    rows = [{"target_id": t, "first year met: median": year(c["median"]),
             "first year met: 10th percentile": year(c["q10"]), "first year met: 90th percentile": year(c["q90"]),
             ever: _percent(1.0 - c["never_share"]), never: _percent(c["never_share"])}
            for t, c in crossing.items()]
    return pd.DataFrame(rows, columns=["target_id", "first year met: median", "first year met: 10th percentile",
                                       "first year met: 90th percentile", ever, never])


def assumptions_text(params) -> str:
    """The scenario's main assumptions in a few words, e.g. ``growth 6.0%/yr, volatility 6.0%; 2022: -5.0%``."""
    basis = " real" if params.price_basis == "real" else ""
    text = f"{params.engine}: growth {params.growth:.1%}/yr{basis}, volatility {params.volatility:.1%}"
    if params.growth_overrides:
        text += "; " + ", ".join(f"{y}: {g:.1%}" for y, g in sorted(params.growth_overrides.items()))
    if params.revenue_to_output_ratio != 1.0:
        text += f"; revenue/output {params.revenue_to_output_ratio:g}"
    return text


# ---------------------------------------------------------------- what the commands print
def summary_text(summary) -> str:
    """The assessed rows as text; targets without a probability are counted, not listed."""
    if summary.empty:
        return "(no summary)"
    unassessed = summary[summary["p_met"].isna()]
    view = summary[summary["p_met"].notna()].copy()
    for column in ("p_met", "p_met_plan"):
        if column in view:
            view[column] = view[column].map(_percent)
    for column in ("median", "q10", "q90"):
        view[column] = view[column].map(_level)
    if "ess" in view:
        view["ess"] = view["ess"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
    view = view.rename(columns={"p_met": "P(met) now", "p_met_plan": "as of plan", "ess": "effective paths"})
    text = view.fillna("").to_string(index=False)
    if len(unassessed):
        per = unassessed.groupby("scenario", sort=False).size()
        text += (f"\n\n{per.iloc[0]} target(s) per scenario without a probability ({unassessed['status'].iloc[0]}: "
                 "count targets with no progress counts in data/raw/); see notebook 04 for their required pace")
    return text


# ---------------------------------------------------------------- summary.xlsx
#: Excel number formats of the report's summary columns: probabilities in percent, levels and
#: counts with thousands separators (Excel shows them in the reader's locale).
SUMMARY_FORMATS = {"p_met": "0.0%", "p_met_plan": "0.0%", "median": "#,##0.0", "q10": "#,##0.0", "q90": "#,##0.0",
                   "ess": "#,##0"}


def summary_sheets(summary, targets) -> dict:
    """The sheets of summary.xlsx: ``level targets`` (亿元) and ``count targets`` (counts and milestones).

    One sheet per kind because the two kinds' medians and bands are in different units; the rows
    and columns are those of summary.csv. Written with ``fileio.write_excel_atomic(sheets, path,
    SUMMARY_FORMATS)``.

    Parameters
    ----------
    summary : DataFrame
        The report's summary (``report.read_summaries``).
    targets : DataFrame
        The target registry (``data.load_targets``), for each target's kind.
    """
    kinds = dict(zip(targets["id"], targets["kind"]))
    level = summary["target_id"].map(lambda t: t in kinds and is_level(kinds[t])).astype(bool)
    return {"level targets": summary[level].reset_index(drop=True),
            "count targets": summary[~level].reset_index(drop=True)}


# ---------------------------------------------------------------- HTML pieces (all escaped)
def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _href(path) -> str:
    return _e(quote(str(path).replace(os.sep, "/")))


def parameters_table_html(params) -> str:
    """The table a scenario page opens with: every parameter, its value, unit and labels."""
    rows = [f"<tr><td><code>{_e(r.key)}</code></td><td>{_e(r.参数)}</td><td>{_e(r.parameter)}</td>"
            f"<td>{_e(r.value)}</td><td>{_e(r.unit)}</td></tr>" for r in parameters_frame(params).itertuples()]
    return ("<section class='dgf-params' style='margin:1em 2em'>"
            f"<h2>情景参数 Parameters: {_e(params.label_zh)} / {_e(params.label_en)} "
            f"(<code>{_e(params.scenario)}</code>)</h2>"
            "<table border='1' style='border-collapse:collapse'><thead><tr><th>key</th><th>参数</th>"
            "<th>parameter</th><th>value</th><th>unit</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></section>")


def sweep_point_html(params, grid_values) -> str:
    """The opening of a sweep point's page: its grid values, then the parameters table."""
    values = ", ".join(f"{k} = {v}" for k, v in grid_values.items())
    return f"<p>Sweep point: {_e(values)}</p>" + parameters_table_html(params)


def _goal_html(target) -> str:
    goal = goal_text(target)
    return f"<br><small>{_e(goal)}</small>" if goal else ""


def _status_cell(row) -> str:
    status = row.get("status")
    status = "" if pd.isna(status) else str(status)
    colour = STATUS_COLOURS.get(status, "#eeeeee")
    plan = row.get("p_met_plan")
    as_of_plan = "" if plan is None or pd.isna(plan) else f"<br><small>计划时 as of plan {_e(_percent(plan))}</small>"
    return (f"<td style='background:{colour}'>{_e(_percent(row.get('p_met')))}<br><small>{_e(status)}</small>"
            f"{as_of_plan}</td>")


def index_html(summary, targets, scenarios, runs, labels, created) -> str:
    """index.html: scenario x target table with P(met) and status colours, links, failures.

    Parameters
    ----------
    summary : DataFrame
        SUMMARY_COLUMNS, one row per scenario and target.
    targets : DataFrame
        The target registry (``id``, ``name_zh``, ``name_en``), for column order and headings.
    scenarios : list of str
    runs : dict
        Job name -> NotebookRun (their HTML pages are linked, failures listed with their cell).
    labels : dict
        Scenario -> (label_zh, label_en) or (label_zh, label_en, assumptions in a few words).
    created : str
        Time stamp shown in the heading.
    """
    ids = [t for t in targets["id"] if t in set(summary["target_id"])] if len(summary) else []
    names = targets.set_index("id")
    head = "".join(f"<th title='{_e(names.loc[t, 'name_en'])}'>{_e(names.loc[t, 'name_zh'])}<br>"
                   f"<code>{_e(t)}</code>{_goal_html(names.loc[t])}</th>" for t in ids)
    body = []
    for name in scenarios:
        run = runs.get(f"scenarios/{name}")
        link = f"<a href='{_href(f'scenarios/{name}.html')}'>{_e(name)}</a>"
        zh, en, *assumed = labels.get(name, ("", ""))
        cells = []
        rows = summary[summary["scenario"] == name].set_index("target_id") if len(summary) else pd.DataFrame()
        for t in ids:
            cells.append(_status_cell(rows.loc[t]) if t in rows.index
                         else "<td style='background:#bbbbbb'>failed</td>")
        state = "" if run is None or run.ok else " <strong>(failed)</strong>"
        note = f"<br><small>{_e(assumed[0])}</small>" if assumed else ""
        body.append(f"<tr><th>{link}{state}<br><small>{_e(zh)} {_e(en)}</small>{note}</th>{''.join(cells)}</tr>")
    legend = "".join(f"<span style='background:{c};padding:0 .5em;margin-right:.3em'>{_e(s)}</span>"
                     for s, c in STATUS_COLOURS.items())
    pages = "".join(f"<li><a href='{_href(name + '.html')}'>{_e(name)}</a> ({run.seconds:.1f} s"
                    f"{'' if run.ok else ', failed'})</li>" for name, run in sorted(runs.items()))
    failures = "".join(f"<li><a href='{_href(name + '.html')}'>{_e(name)}</a>: {_e(run.failure)}"
                       f"<pre>{_e(run.failure.source)}</pre></li>" for name, run in runs.items() if not run.ok)
    failed_block = (f"<h2 style='color:#b2182b'>失败 Failures</h2><ul>{failures}</ul>" if failures else "")
    tracking_page = Path(TRACKING_NOTEBOOK).stem
    tracking_run = runs.get(tracking_page)
    tracking_line = ("" if tracking_run is None else
                     f"<p>跟踪与终期评估 Tracking and the final assessment: <a href='{_href(tracking_page + '.html')}'>"
                     "how P(met) moved as figures were published, and the verdict on each target</a>"
                     f"{'' if tracking_run.ok else ' <strong>(failed)</strong>'}</p>")
    sweep_page = Path(SWEEP_NOTEBOOK).stem
    sweep_run = runs.get(sweep_page)
    sweep_line = ("" if sweep_run is None else
                  f"<p>参数扫描 Sweep: <a href='{_href(sweep_page + '.html')}'>P(met) over two assumptions "
                  f"(heat map)</a>{'' if sweep_run.ok else ' <strong>(failed)</strong>'}</p>")
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>dgforecast report {_e(created)}</title>
<style>body{{font-family:sans-serif;margin:2em}} td,th{{padding:.3em .6em;border:1px solid #999;text-align:center}}
table{{border-collapse:collapse}} pre{{background:#f4f4f4;padding:.5em;text-align:left}}</style></head>
<body><h1>东莞高端装备制造业目标评估 Dongguan high-end equipment targets: {_e(created)}</h1>
<p>每格为目标实现概率 P(target met) 与状态：按截至评估月份已公布的数据（as of now），下方小字为规划制定时（as of
the plan，无后续数据）的概率。Each cell: probability the target is met by its deadline under the evidence published
so far, its status, and below it the probability as of the plan (no evidence). “—”: no probability (count
targets without progress data show their required pace in notebook 04).</p>
{tracking_line}
{failed_block}
<table><thead><tr><th>情景 scenario</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>
<p>{legend}</p>
{sweep_line}
<p><a href="summary.csv">summary.csv</a> · <a href="summary.xlsx">summary.xlsx</a> ·
<a href="manifest.json">manifest.json</a></p>
<h2>页面 Pages</h2><ul>{pages}</ul>
</body></html>
"""
