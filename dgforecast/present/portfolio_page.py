"""portfolio.html: every plan on one page, Chinese first — the page a director opens before any plan's own report.

At the top one row per plan, its headline: how many targets are in which state under the plan's headline
scenario, whether its deadlines have passed (a final assessment) or are ahead (tracking), the data's vintage, and
a link to the plan's report. Below, each plan's targets: goal, deadline, state (status before the deadline,
verdict after it), P(met) with its Monte Carlo error, and what it rests on. One self-contained file: no script,
no font or style from elsewhere, so it opens offline, reads at 1280 px and prints on A4.
"""

from urllib.parse import quote

from dgforecast.core.numbers import MISSING, is_missing, percent
from dgforecast.core.numbers import html_escape as _e
from dgforecast.core.vocabulary import STATE_COLOURS
from dgforecast.present.index_page import REPORT_CSS
from dgforecast.present.phrases import month_en, month_zh

#: What the portfolio adds to the report's look: the overview's state chips, and columns that wrap.
PORTFOLIO_CSS = REPORT_CSS + """
table.plans td{vertical-align:middle} .chip{display:inline-block;padding:0 .4em;margin:.1em .3em .1em 0;
 border-radius:3px;white-space:nowrap;font-size:.9em} td.rests{font-size:.88em;overflow-wrap:anywhere}
td.goal{white-space:nowrap} section.plan{margin-top:1.1rem} h2 a{color:inherit}
@media print{section.plan{break-before:auto} table.plans{break-after:page}}
"""


def _href(link) -> str:
    return _e(quote(str(link)))


def _chips(rows) -> str:
    """The states of a plan's targets as coloured chips with their counts, in the order states first appear."""
    counts = rows["state"].value_counts(sort=False)
    return "".join(f"<span class='chip' style='background:{STATE_COLOURS.get(state, '#eeeeee')}'>{_e(state)} "
                   f"{_e(rows.loc[rows['state'] == state, 'state_en'].iloc[0])} × {n}</span>"
                   for state, n in counts.items())


def headline_words(plan) -> tuple[str, str]:
    """A plan's headline in one line (zh, en): its targets by state, and whether its period is over."""
    rows = plan.rows
    counts = rows["state"].value_counts(sort=False)
    zh = "，".join(f"{state}{n}项" for state, n in counts.items())
    en = ", ".join(f"{n} {rows.loc[rows['state'] == state, 'state_en'].iloc[0] or state}" for state, n in counts.items())
    last = int(rows["deadline"].max()) if len(rows) else None
    if last is None:
        return "尚无目标", "no target yet"
    if rows["deadline_passed"].all():
        when_zh, when_en = f"期限（{last}年）已过：终期评估", f"its deadline ({last}) has passed: a final assessment"
    else:
        when_zh, when_en = f"期限{last}年未到：跟踪进度", f"its deadline {last} is ahead: tracking its progress"
    return (f"{len(rows)}项目标：{zh}。{when_zh}。",
            f"{len(rows)} target{'s' if len(rows) != 1 else ''}: {en}. {when_en[0].upper() + when_en[1:]}.")


def _overview(plans) -> str:
    """The table at the top: one row per plan, its headline and its link."""
    body = []
    for plan in plans:
        zh, en = headline_words(plan)
        link = plan.rows["report"].iloc[0] if len(plan.rows) else ""
        body.append(f"<tr><td><a href='{_href(link)}'>{_e(plan.title_zh)}</a><small>{_e(plan.title_en)}</small></td>"
                    f"<td>{_e(zh)}<small>{_e(en)}</small><div>{_chips(plan.rows)}</div></td>"
                    f"<td>{_e(plan.label_zh)}，{_e(month_zh(plan.as_of))}<small>{_e(plan.label_en)}, "
                    f"{_e(month_en(plan.as_of))}</small></td></tr>")
    return ("<table class='plans'><thead><tr><th style='width:28%'>规划 plan<small>点击打开报告 opens its report"
            "</small></th><th>目标状态 the targets' states</th><th style='width:18%'>主情景，数据截至 headline "
            "scenario, data up to</th></tr></thead><tbody>" + "".join(body) + "</tbody></table>")


def _chance(row) -> str:
    if is_missing(row["p_met"]):
        return MISSING
    error = "" if is_missing(row["p_se"]) else f"<small>± {_e(percent(row['p_se']))}</small>"
    return f"<strong>{_e(percent(row['p_met']))}</strong>{error}"


def _plan_section(plan) -> str:
    """One plan: its title linked to its report, its headline, and a row per target."""
    zh, en = headline_words(plan)
    body = []
    for row in plan.rows.to_dict(orient="records"):
        colour = STATE_COLOURS.get(row["state"], "#eeeeee")
        body.append(f"<tr><td>{_e(row['name_zh'])}<small>{_e(row['name_en'])}</small></td>"
                    f"<td class='goal'>{_e(row['goal_zh'])}<small>{_e(row['goal_en'])}</small></td>"
                    f"<td class='num'>{_e(row['deadline'])}</td>"
                    f"<td class='state' style='background:{colour}'>{_e(row['state'])}<small>{_e(row['state_en'])}"
                    f"</small></td><td class='num'>{_chance(row)}</td>"
                    f"<td class='rests'>{_e(row['rests_on_zh'])}<small>{_e(row['rests_on_en'])}</small></td></tr>")
    link = plan.rows["report"].iloc[0] if len(plan.rows) else ""
    return (f"<section class='plan'><h2><a href='{_href(link)}'>{_e(plan.title_zh)}</a> <small>{_e(plan.title_en)}"
            f"</small></h2><p class='zh'>{_e(zh)}按{_e(plan.label_zh)}，数据截至{_e(month_zh(plan.as_of))}；报告生成于"
            f"{_e(plan.created)}。</p><p class='en'>{_e(en)} Under the {_e(plan.label_en)}, data up to "
            f"{_e(month_en(plan.as_of))}; report made {_e(plan.created)}.</p>"
            "<table><thead><tr><th style='width:20%'>目标 target</th><th>目标值 goal</th><th>期限 deadline</th>"
            "<th>状态或结论 state<small>期限前为状态，期限后为结论 status before the deadline, verdict after</small></th>"
            "<th>实现概率 P(met)<small>± 蒙特卡洛误差 Monte Carlo error</small></th>"
            "<th style='width:34%'>依据 what it rests on</th></tr></thead><tbody>" + "".join(body)
            + "</tbody></table></section>")


def portfolio_html(plans, created) -> str:
    """portfolio.html of ``plans`` (``run.portfolio.PlanReport``, in the order given), made at ``created``."""
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>规划一览 Plans at a glance · {_e(created)}</title><style>{PORTFOLIO_CSS}</style></head>
<body><h1>规划一览：各规划目标的状态<small>Plans at a glance: where every plan's targets stand · {_e(created)}</small></h1>
<p class='zh'>每项规划按其主情景：期限未到的目标给出进度状态，期限已过的给出终期结论；实现概率后为蒙特卡洛误差。
点击规划名称打开该规划自己的报告，其中有全部情景、图表与数据来源。</p>
<p class='en'>Each plan under its headline scenario: a target whose deadline is ahead has a status, one whose deadline has
passed a verdict; P(met) is followed by its Monte Carlo error. A plan's name opens its own report, with every
scenario, the charts and the sources.</p>
{_overview(plans)}
{"".join(_plan_section(plan) for plan in plans)}
</body></html>
"""
