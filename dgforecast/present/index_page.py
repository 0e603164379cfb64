"""index.html, the page a reader opens first, and the pieces every report page shares (styles, parameters).

After the deadline the page is a final assessment: it opens with each target's verdict (已实现 /
未实现 / 无法确认) under the headline reading of 突破, the other reading beside it, what the verdict
hinges on, and every scenario's verdict in one line — all above the fold at 1280×900 and on page 1
when printed. The sentences, tables and charts come from ``words``, ``tables`` and the report's
facts (``facts.ReportFacts``); every string from the workbook is escaped here.
"""

import base64
import os
from pathlib import Path
from urllib.parse import quote

from dgforecast.core.config import SWEEP_NOTEBOOK, TRACKING_NOTEBOOK
from dgforecast.core.kinds import is_level
from dgforecast.core.numbers import MISSING, is_missing, level, percent
from dgforecast.core.numbers import html_escape as _e
from dgforecast.core.vocabulary import NO_FIGURE, NO_FIGURE_EN, READINGS, STATE_COLOURS, state_en
from dgforecast.judge.verdicts import deadline_passed
from dgforecast.present.document import notebook_heading
from dgforecast.present.tables import ENTER_COUNTS, count_targets_view, parameters_frame
from dgforecast.present.words import (
    counts_words,
    evidence_notes,
    evidence_strength,
    goal_text,
    hinge_words,
    no_evidence_words,
    registry,
    robust_words,
    rule_words,
    set_range,
    spread_lines,
    summary_sentences,
    summary_states,
    unassessed_words,
    verdict_sentence,
    verdict_words,
    vintage_text,
)


def _href(path) -> str:
    return _e(quote(str(path).replace(os.sep, "/")))


#: The look of the report's own pages (index.html) on screen and on A4 paper.
REPORT_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif;color:#222;
 margin:0 auto;max-width:72rem;padding:.6rem 1.5rem 1rem;line-height:1.5}
h1{font-size:1.35rem;margin:.3rem 0 .5rem} h1 small{display:block;font-size:.8em;color:#555;font-weight:normal}
h2{font-size:1.15rem;margin:1.2rem 0 .4rem;border-bottom:1px solid #ccc} h3{font-size:1rem;margin:.8rem 0 .3rem}
table{border-collapse:collapse;width:100%;margin:.3rem 0 .6rem}
td,th{border:1px solid #bbb;padding:.2rem .45rem;vertical-align:top;text-align:left}
th{background:#f3f3f3} td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.state{white-space:nowrap;font-weight:bold} td small,th small{display:block;font-weight:normal}
p.zh{margin:.4rem 0 0} p.en{margin:.05rem 0 .4rem;color:#555;font-size:.93em}
.verdict{border:2px solid #5b7fa6;border-radius:4px;padding:.3rem .9rem .4rem;background:#f7f9fc}
.verdict h2{margin-top:.3rem;border:none}
.vintage{background:#f7f7f2;border-left:4px solid #b5b08a;padding:.3rem .8rem}
code,pre{font-size:.9em;white-space:pre-wrap;overflow-wrap:anywhere}
pre{background:#f4f4f4;padding:.5em} small{color:#555}
img{max-width:100%;height:auto} .legend span{padding:0 .5em;margin-right:.3em;white-space:nowrap}
@media print{@page{size:A4;margin:12mm} body{max-width:none;padding:0;font-size:9pt}
 a{color:inherit;text-decoration:none} .pages{display:none} tr,p,.verdict,img{break-inside:avoid}
 h2{break-after:avoid} th{background:#eee}}
"""
#: The look added to notebook pages (with their parameters table): sans-serif, nothing wider than the page.
PAGE_CSS = (".dgf-params{margin:1em 2em;font-family:sans-serif;font-size:13px}"
            ".dgf-params h2{font-size:18px}.dgf-params table{border-collapse:collapse;width:100%}"
            ".dgf-params td:first-child{width:32%}"
            ".dgf-params td,.dgf-params th{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top;"
            "overflow-wrap:anywhere}.dgf-params td small{display:block;color:#555}"
            ".jp-OutputArea-output{overflow-x:auto;max-width:100%}"
            # JupyterLab's own rule (two classes) sets every cell right-aligned; reader tables hold words
            ":not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td,:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon th,"
            ":not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon tr{max-width:36em;overflow-wrap:break-word;"
            "text-align:left;vertical-align:top}"
            "img{max-width:100%;height:auto}"
            "@media print{@page{size:A4;margin:14mm}.jp-OutputArea-output{overflow:visible}"
            ".jp-RenderedHTMLCommon table{font-size:8px}:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td,"
            ":not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon th{overflow-wrap:anywhere}}")


def _state_td(label, text=None, small=None) -> str:
    label = "" if is_missing(label) else str(label)
    colour = STATE_COLOURS.get(label.split("（")[0], "#eeeeee")
    shown = _e(text if text is not None else label)
    return f"<td class='state' style='background:{colour}'>{shown}<small>{_e(small or state_en(label))}</small></td>"


# ---------------------------------------------------------------- pieces of notebook pages
def parameters_table_html(params, evidence_line="", plan=None) -> str:
    """The table a page ends with: every assumption of the scenario by its labels and its value in words (the page's
    one copy), and the figures after the baseline the page uses (``evidence_line``); with the ``plan``, in its words
    (``tables.parameters_frame``). No key of params.yaml is shown."""
    rows = [f"<tr><td>{_e(r.参数)}<small>{_e(r.parameter)}</small></td><td>{_e(r.value)}</td></tr>"
            for r in parameters_frame(params, plan).itertuples()]
    used = f"<p>{_e(evidence_line)}</p>" if evidence_line else ""
    return ("<section class='dgf-params'>"
            f"<style>{PAGE_CSS}</style>"
            f"<h2>情景参数 Parameters: {_e(params.label_zh)} / {_e(params.label_en)}</h2>" + used +
            "<table><thead><tr><th>参数 parameter</th><th>取值 value</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></section>")


def sweep_point_html(params, grid_values) -> str:
    """The opening of a sweep point's page: its grid values, then the parameters table."""
    values = ", ".join(f"{k} = {v}" for k, v in grid_values.items())
    return f"<p>Sweep point: {_e(values)}</p>" + parameters_table_html(params)


# ---------------------------------------------------------------- the verdict box
def verdict_box_html(facts, tracking_link="") -> str:
    """The final assessment as the page opens with it: one row per level target, then three lines."""
    params, final = facts.params, facts.final
    reading = params.evidence.reading
    other = "round" if reading == "plain" else "plain"
    reg = registry(facts.targets)
    rows, hinges = [], []
    for r in final.to_dict(orient="records"):
        target = reg.loc[r["target_id"]]
        if not is_level(target["kind"]) or not deadline_passed(params, target["deadline"]):  # ahead: a status, below
            continue
        keys = {"plain": ("p_met", "p_se"), "round": ("p_met_round", "p_se_round")}
        (p, p_se), (q, q_se) = ((r[k] for k in keys[x]) for x in (reading, other))
        label = r["verdict"]
        v_zh, v_en = verdict_words(label, bool(r["at_cut"]))
        if is_missing(p):  # no probability at all: say why in its place
            why_zh, why_en = unassessed_words(target)
            chance = f"<td colspan='3'>{_e(why_zh)}<small>{_e(why_en)}</small></td>"
        else:
            chance = (f"<td class='num'><strong>{_e(percent(p))}</strong><small>± {_e(percent(p_se))}</small></td>"
                      f"<td class='num'>{_e(set_range(r))}</td>"
                      f"<td class='num'>{_e(percent(q))}<small>± {_e(percent(q_se))}</small></td>")
        rows.append(f"<tr><td>{_e(target['name_zh'])}<small>{_e(target['name_en'])} · {_e(goal_text(target))}"
                    f"</small></td>{_state_td(label, v_zh, v_en)}{chance}</tr>")
        hinges += robust_words(r)
        zh, en = hinge_words(facts.crossings, target, params, r) if len(facts.crossings) else ("", "")
        if zh:
            hinges.append((zh, en))
    lines = []
    for zh, en in hinges:
        lines.append((zh, en))
    lines += spread_lines(facts.finals, facts.params_by_name, facts.targets, facts.headline)
    lines.append(counts_words(final, summary_states(facts.result.summary)))
    lines += rule_words(params, counts=bool((~final["kind"].map(is_level).astype(bool)).any()))
    text = "".join(f"<p class='zh'>{_e(zh)}</p><p class='en'>{_e(en)}</p>" for zh, en in lines if zh)
    when_zh, when_en = vintage_text(params)
    table = ("" if not rows else  # a plan of count targets only: its counts' line is the whole verdict
             "<table><thead><tr><th>目标 target</th><th>结论 verdict<small>" + _e(" ".join(READINGS[reading]))
             + "</small></th><th>实现概率 P(met)<small>± 模拟（蒙特卡洛）误差 simulation (Monte Carlo) error</small></th>"
             "<th>假设范围 across the assumptions<small>敏感性集合内 the sensitivity set</small></th>"
             "<th>" + _e(READINGS[other][0]) + "<small>" + _e(READINGS[other][1]) + "</small></th></tr></thead><tbody>"
             + "".join(rows) + "</tbody></table>")
    return (f"<section class='verdict'><h2>终期评估 Final assessment <small>按{_e(params.label_zh)}（主情景）· "
            f"{_e(when_zh)} · {_e(params.label_en)} (the headline scenario), {_e(when_en)}</small></h2>"
            + table + text + tracking_link + "</section>")


# ---------------------------------------------------------------- the tables below it
def _level_table_html(summary, targets, scenarios, runs, labels) -> str:
    reg = registry(targets)
    ids = [t for t in targets["id"] if is_level(reg.loc[t, "kind"])]  # every one, a failed scenario's too
    blocks = []
    for target_id in ids:
        target = reg.loc[target_id]
        body = []
        for name in scenarios:
            run = runs.get(f"scenarios/{name}")
            zh, en, *assumed = labels.get(name, ("", ""))
            state = "" if run is None or run.ok else " <strong>(failed)</strong>"
            note = f"<small>{_e(assumed[0])}</small>" if assumed else ""
            head = f"<th><a href='{_href(f'scenarios/{name}.html')}'>{_e(zh or name)}</a> {_e(en)}{state}{note}</th>"
            rows = summary[(summary["scenario"] == name) & (summary["target_id"] == target_id)]
            if not len(rows):
                body.append(f"<tr>{head}<td colspan='5' style='background:#bbbbbb'>failed: no figures</td></tr>")
                continue
            r = rows.iloc[0]
            band = MISSING if is_missing(r["q10"]) else f"{r['q10']:,.1f}–{r['q90']:,.1f}"
            body.append(f"<tr>{head}<td class='num'><strong>{_e(percent(r['p_met']))}</strong></td>"
                        f"<td class='num'>{_e(percent(r.get('p_met_plan')))}</td>"
                        f"<td class='num'>{_e(level(r['median']))}</td><td class='num'>{_e(band)}</td>"
                        f"{_state_td(r['status'])}</tr>")
        unit = _e(target.get("unit", ""))
        own = summary[summary["target_id"] == target_id]
        why = ""
        if len(own) and own["p_met"].isna().all():  # no probability in any scenario: why, above its rows
            why_zh, why_en = unassessed_words(target)
            why = f"<p class='zh'>{_e(NO_FIGURE)}：{_e(why_zh)}。</p><p class='en'>{_e(NO_FIGURE_EN)}: {_e(why_en)}.</p>"
        blocks.append(
            f"<h3>{_e(target['name_zh'])} <small>{_e(target['name_en'])} · {_e(goal_text(target))}</small></h3>{why}"
            "<table><thead><tr><th>情景 scenario</th><th>实现概率 P(met)<small>截至当前 as of now</small></th>"
            "<th>规划时 as of the plan<small>无后续数据 no evidence</small></th>"
            f"<th>中位数 median<small>{unit}</small></th><th>10%–90% 区间 range<small>{unit}</small></th>"
            "<th>结论/状态 verdict or status</th></tr></thead><tbody>" + "".join(body) + "</tbody></table>")
    return "".join(blocks)


def _count_table_html(summary, targets, first, counts) -> str:
    rows = summary[summary["scenario"] == first] if len(summary) else summary
    view = count_targets_view(rows, targets, counts)
    if view.empty:
        return ""
    reg = registry(targets)
    body = []
    for r in view.to_dict(orient="records"):
        target = reg.loc[r["target_id"]]
        status = rows.loc[rows["target_id"] == r["target_id"], "status"]
        label = status.iloc[0] if len(status) else NO_FIGURE
        known = r["实现概率 P(met)"] != MISSING
        what = (f"{r['实现概率 P(met)']}；已录入 entered {r['已录入 entered']}" if known else f"{NO_FIGURE} {NO_FIGURE_EN}")
        body.append(f"<tr><td>{_e(target['name_zh'])}<small>{_e(target['name_en'])}</small></td>"
                    f"<td class='num'>{_e(r['门槛 goal'])}</td><td class='num'>{_e(r['期限 deadline'])}</td>"
                    f"<td class='num'>{_e(r['所需进度 pace needed'])}</td>{_state_td(label, small=state_en(label))}"
                    f"<td>{_e(what)}</td></tr>")
    return ("<table><thead><tr><th>目标 target</th><th>门槛 goal</th><th>期限 deadline</th>"
            "<th>所需进度 pace needed<small>从基年起 from the base year</small></th><th>结论/状态 verdict or status</th>"
            "<th>已知情况 what is known</th></tr></thead><tbody>" + "".join(body) + "</tbody></table>"
            f"<p class='zh'><small>{_e(ENTER_COUNTS[0])}</small></p><p class='en'><small>{_e(ENTER_COUNTS[1])}</small></p>")


def index_html(summary, facts, scenarios, runs, labels, created) -> str:
    """index.html: the final assessment first, then the data vintage, the sentences, the tables and the pages.

    Parameters
    ----------
    summary : DataFrame
        REPORT_COLUMNS, one row per scenario and target.
    facts : ReportFacts
        ``facts.report_facts``: every scenario's final assessment, the headline scenario's result,
        track, hinge and fan chart, the evidence.
    scenarios : list of str
    runs : dict
        Job name -> NotebookRun (their HTML pages are linked, failures listed with their cell).
    labels : dict
        Scenario -> (label_zh, label_en) or (label_zh, label_en, assumptions in a few words).
    created : str
        Time stamp shown in the heading.
    """
    over = any(deadline_passed(facts.params, d) for d in facts.targets["deadline"])
    title_zh, title_en = facts.plan.report_title(over)
    box = verdict_box_html(facts, _tracking_link(runs)) if over else ""
    words = _sentences_html(summary, facts, scenarios)
    counts_block = _count_table_html(summary, facts.targets, facts.headline, facts.result.counts)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title_zh)} · {_e(title_en)}</title><style>{REPORT_CSS}</style></head>
<body><h1>{_e(title_zh)}<small>{_e(title_en)} · {_e(created)}</small></h1>
{box}
{_failures_html(runs)}
{_vintage_html(facts)}
<h2>摘要 Summary</h2>
{words or "<p>—</p>"}
<h2>规模目标 Level targets</h2>
{_level_table_html(summary, facts.targets, scenarios, runs, labels)}
<p class='legend'>{_legend_html()}</p>
<p><small>实现概率 P(met)：目标在期限当年达成的概率。“截至当前”按已公布的数据（as of now, under the published
figures）；“规划时”按规划制定时的信息（as of the plan, no evidence）。中位数与区间为期限当年的模拟值（median and
10–90 % range of the simulated level in the deadline year）。期限已过的目标，结论即状态（once a deadline has passed,
the verdict is the status）。</small></p>
{_chart_html(facts)}
{_sweep_line(runs)}
<h2>数量与里程碑目标 Count and milestone targets</h2>
{counts_block or "<p>—</p>"}
<h2 class='pages'>文件与页面 Files and pages</h2>
<p class='pages'>{_files_html()}</p>
<ul class='pages'>{_pages_html(runs, labels)}</ul>
</body></html>
"""


def _tracking_link(runs) -> str:
    """The verdict box's link to the tracking page, when that page was run ("" otherwise)."""
    tracking_page = Path(TRACKING_NOTEBOOK).stem
    tracking_run = runs.get(tracking_page)
    return ("" if tracking_run is None else
            f"<p><small><a href='{_href(tracking_page + '.html')}'>详见 details: 跟踪与终期评估 tracking and the final "
            f"assessment</a>{'' if tracking_run.ok else ' <strong>(failed)</strong>'}</small></p>")


def _vintage_html(facts) -> str:
    """The data vintage and what the evidence is, with the ratio the result hinges on when the target's own
    measure was never published."""
    when_zh, when_en = vintage_text(facts.params)
    notes_zh, notes_en = evidence_notes(facts.final, facts.targets, facts.evidence, facts.result.evidence,
                                        facts.result.simulation.anchors)
    used = facts.evidence_used
    seen = len(used) and (used["role"] == "level_times_ratio").any()  # a figure of the target's own measure
    linked = facts.targets[facts.targets["ratio_zh"].fillna("") != ""] if "ratio_zh" in facts.targets else []
    ratio_zh = ratio_en = ""
    if len(linked) and not seen:  # the plan's link (plan.yaml), in the plan's words
        target = linked.iloc[0]
        own_zh, own_en = facts.plan.short(target["measure"])
        ratio_zh = f"；目标口径（{own_zh}）本身从未公布，结果取决于{target['ratio_zh']}"
        ratio_en = f"; the target's own measure ({own_en}) was never published, so the result hinges on the {target['ratio_en']}"
    if not notes_zh:  # no figure bears on any level target
        notes_zh, notes_en = no_evidence_words(facts.evidence, facts.targets)
    strength_zh, strength_en = evidence_strength(facts.final)
    return ("<div class='vintage'><p class='zh'>数据口径：" + _e(when_zh) + "。" + _e(strength_zh) + _e(notes_zh)
            + _e(ratio_zh) + "。</p><p class='en'>Data: " + _e(when_en) + ". " + _e(strength_en)
            + _e(notes_en) + _e(ratio_en) + ".</p></div>")


def _sentences_html(summary, facts, scenarios) -> str:
    """The summary's sentences: each scenario's verdicts of the level targets whose deadline has passed, then
    the forecasts of those still ahead ("" when there are none)."""
    reg = registry(facts.targets)
    sentences = []
    for name in scenarios:
        final = facts.finals.get(name)
        p = facts.params_by_name.get(name)
        if final is None or p is None:
            continue
        for r in final.to_dict(orient="records"):
            target = reg.loc[r["target_id"]]
            if is_level(target["kind"]) and deadline_passed(p, target["deadline"]):
                sentences.append(verdict_sentence(r, target, p, p.evidence.reading))
    sentences += [(s["zh"], s["en"]) for s in summary_sentences(summary, facts.targets,
                                                                {n: facts.params_by_name[n] for n in scenarios
                                                                 if n in facts.params_by_name})]
    return "".join(f"<p class='zh'>{_e(zh)}</p><p class='en'>{_e(en)}</p>" for zh, en in sentences)


def _chart_html(facts) -> str:
    """The headline scenario's fan chart, inline ("" without one)."""
    return ("" if not facts.fan_png else
            "<p><img alt='扇形图 fan chart' src='data:image/png;base64,"
            f"{base64.b64encode(facts.fan_png).decode('ascii')}'></p>")


def _legend_html() -> str:
    """The colours of the states, each named in Chinese and English."""
    return "".join(f"<span style='background:{c}'>{_e(s)} {_e(state_en(s))}</span>"
                   for s, c in STATE_COLOURS.items() if s != "failed")


def _sweep_line(runs) -> str:
    """The link to the sweep's heat map, when that page was run ("" otherwise)."""
    sweep_page = Path(SWEEP_NOTEBOOK).stem
    sweep_run = runs.get(sweep_page)
    return ("" if sweep_run is None else
            f"<p>参数扫描 Sweep: <a href='{_href(sweep_page + '.html')}'>P(met) over two assumptions "
            f"(heat map)</a>{'' if sweep_run.ok else ' <strong>(failed)</strong>'}</p>")


#: The report's files, each named for a reader: (file, 中文, English).
REPORT_FILES = (("memo.docx", "备忘录（Word）", "the memo (Word)"),
                ("summary.csv", "汇总表（CSV）", "the summary table (CSV)"),
                ("summary.xlsx", "汇总表（Excel）", "the summary table (Excel)"),
                ("final_assessment.csv", "终期评估表（CSV）", "the final assessment (CSV)"),
                ("track.csv", "跟踪表（CSV）", "the track of the outlook (CSV)"),
                ("hinge.csv", "比值与结论表（CSV）", "P(met) across the ratio (CSV)"),
                ("manifest.json", "运行记录（参数、数据指纹、版本）", "the run's record: parameters, data hashes, versions"))


def _files_html() -> str:
    return " · ".join(f"<a href='{_href(name)}'>{_e(zh)} {_e(en)}</a>" for name, zh, en in REPORT_FILES)


def page_name(name, run, labels=None) -> str:
    """A report page as a reader names it: a scenario's page by the scenario, a notebook's by its first heading."""
    if name.startswith("scenarios/"):
        zh, en, *_ = (labels or {}).get(name.split("/", 1)[1], (name.split("/", 1)[1], ""))
        return f"单一情景：{zh} One scenario: {en}".strip()
    try:
        import nbformat

        heading = notebook_heading(nbformat.read(str(run.source), as_version=4))
    except (OSError, ValueError, TypeError, AttributeError):
        heading = ""
    return heading or name


def _pages_html(runs, labels=None) -> str:
    """Every page of the report, linked by its name, with its time and whether it failed."""
    return "".join(f"<li><a href='{_href(name + '.html')}'>{_e(page_name(name, run, labels))}</a> "
                   f"({run.seconds:.1f} 秒 s{'' if run.ok else '，失败 failed'})</li>" for name, run in sorted(runs.items()))


def _failures_html(runs) -> str:
    """The pages that failed, each with its error and the cell's source ("" when none did)."""
    failures = "".join(f"<li><a href='{_href(name + '.html')}'>{_e(name)}</a>: {_e(run.failure)}"
                       f"<pre>{_e(run.failure.source)}</pre></li>" for name, run in runs.items() if not run.ok)
    return f"<h2 style='color:#b2182b'>失败 Failures</h2><ul>{failures}</ul>" if failures else ""
