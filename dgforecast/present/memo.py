"""memo.docx: the report as the Word memo officials forward — Chinese first, English below.

After the deadline page 1 is the final assessment: each target's verdict (已实现 / 未实现 / 无法确认)
under the headline reading, the other reading beside it, what the verdict hinges on and every
scenario's verdict in one line. Then what index.html says, on paper: the data vintage, the
sentences, the level-target table, the count targets and how to enter their progress, the main
assumptions with the reasons params.yaml gives for them, the fan chart, and the sources (the plan's
sections, the evidence in words with its sites and reliability). No identifier is printed: targets
by their names, figures as a reader would say them.

``write_memo`` writes the document atomically from ``facts.ReportFacts``; nothing here reads the
workbook. python-docx writes the file. Every style names an East Asian font (``w:eastAsia``) and
the zh-CN language, so Word and LibreOffice draw the Chinese text with a CJK font rather than boxes;
the document's properties name its subject, the workbook as author and the run's time
(``docx_blocks`` builds the document; this module says what goes in it, one function per section).
"""

import io
import logging


from dgforecast.core.fileio import atomic_path
from dgforecast.core.kinds import is_level
from dgforecast.core.numbers import MISSING, is_missing
from dgforecast.core.vocabulary import NO_FIGURE, NO_FIGURE_EN, READINGS, STATE_COLOURS
from dgforecast.judge.verdicts import deadline_passed
from dgforecast.plan.schema import FIELDS
from dgforecast.present.assumptions import NAMING_FIELDS, RATIO_KEYS, assumptions_table
from dgforecast.present.docx_blocks import add_heading, add_pair, add_table, new_document, set_properties
from dgforecast.present.facts import ReportFacts
from dgforecast.present.tables import (
    ENTER_COUNTS,
    count_targets_view,
    evidence_view,
    left_out_view,
    level_targets_view,
)
from dgforecast.present.words import (
    counts_words,
    evidence_notes,
    evidence_strength,
    goal_text,
    hinge_words,
    reason_words,
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

log = logging.getLogger(__name__)

#: Parameters nothing rests on unless some level target has simulated paths (a plan of count targets only, or
#: whose level targets have no figure to start from, assumes none of them).
PATH_FIELDS = ("target_year", "engine", "history_series", "growth", "volatility", "by_measure", "growth_overrides",
               "price_basis", "deflator", "n_sims", "seed", "as_of", "evidence", *RATIO_KEYS)


def resting_fields(facts) -> list:
    """The parameters the report's results rest on, in the schema's order: no ratio for a plan that links no
    pair of measures, no growth, volatility or paths when no level target has any (``PATH_FIELDS``)."""
    unused = set() if facts.result.paths_by_target else set(PATH_FIELDS)
    if facts.plan is not None and not facts.plan.linked_pairs():
        unused |= set(RATIO_KEYS)
    return [key for key in FIELDS if key not in NAMING_FIELDS and key not in unused]


# ---------------------------------------------------------------- the document
def _verdicts(doc, facts):
    """Page 1: the verdict of each level target, what it hinges on, every scenario, the counts."""
    params, final = facts.params, facts.final
    reading = params.evidence.reading
    other = "round" if reading == "plain" else "plain"
    reg = registry(facts.targets)
    when_zh, when_en = vintage_text(params)
    add_pair(doc, f"按{params.label_zh}（主情景），{when_zh}。", f"{params.label_en} (the headline scenario), {when_en}.")
    rows, colours, lines = [], [], []
    keys = {"plain": ("p_met", "p_se"), "round": ("p_met_round", "p_se_round")}
    for r in final.to_dict(orient="records"):
        target = reg.loc[r["target_id"]]
        if not is_level(target["kind"]) or not deadline_passed(params, target["deadline"]):  # ahead: a status
            continue
        (p, p_se), (q, q_se) = ((r[k] for k in keys[x]) for x in (reading, other))
        label = r["verdict"]
        v_zh, v_en = verdict_words(label, bool(r["at_cut"]))
        chance = ((*unassessed_words(target), "") if is_missing(p) else
                  (f"{p:.1%} ± {p_se:.1%}", set_range(r), f"{q:.1%} ± {q_se:.1%}"))
        rows.append([f"{target['name_zh']}\n{target['name_en']}\n{goal_text(target)}", f"{v_zh}\n{v_en}", *chance])
        colours.append(STATE_COLOURS.get(label))
        lines.append(verdict_sentence(r, target, params, reading))
        lines += robust_words(r)
        if len(facts.crossings):
            lines.append(hinge_words(facts.crossings, target, params, r))
    if rows:
        add_table(doc, ["目标 target", f"结论 verdict\n{READINGS[reading][0]}", "实现概率 P(met)\n± 模拟误差 simulation error",
                        "假设范围\nacross the assumptions", f"{READINGS[other][0]}\n{READINGS[other][1]}"], rows,
                  widths=[5.0, 3.0, 3.0, 3.0, 3.0],
                  colours=colours, colour_column=1)
        lines += spread_lines(facts.finals, facts.params_by_name, facts.targets, facts.headline)
    lines.append(counts_words(final, summary_states(facts.result.summary)))
    for zh, en in lines:
        if zh:
            add_pair(doc, zh, en)
    for zh, en in rule_words(params, counts=bool((~final["kind"].map(is_level).astype(bool)).any())):
        add_pair(doc, zh, en)


def memo_document(facts: ReportFacts, summary, created):
    """The memo as a python-docx Document (see the module docstring for its sections).

    Parameters
    ----------
    facts : ReportFacts
    summary : DataFrame
        The report's summary (REPORT_COLUMNS).
    created : str
        The report's time stamp (YYYY-MM-DD HH:MM).
    """
    doc = new_document()
    over = any(deadline_passed(facts.params, d) for d in facts.targets["deadline"])
    _title(doc, facts, created, over)
    if over:
        add_heading(doc, "终期评估", "Final assessment")
        _verdicts(doc, facts)
    _data_section(doc, facts, summary, created)
    _level_section(doc, facts, summary)
    _count_section(doc, facts, summary)
    _assumptions_section(doc, facts)
    _fan_section(doc, facts)
    _sources_section(doc, facts)
    return doc


def _title(doc, facts, created, over):
    """The document's properties and its title: the plan's report title (a final assessment once a deadline
    has passed: ``over``) and the run's time."""
    title_zh, title_en = facts.plan.report_title(over)
    set_properties(doc, f"{title_zh} · {title_en}", created, facts.plan.plan.title_zh)
    doc.add_heading(f"{title_zh}（备忘录）", level=0)
    doc.add_paragraph(f"{title_en} (memo) · {created}", style="English")


def _scenario_labels(facts) -> dict:
    """Scenario -> its label in Chinese and English, as the tables name it."""
    return {n: f"{p.label_zh} {p.label_en}" for n, p in facts.params_by_name.items()}


def _data_section(doc, facts, summary, created):
    """The date and the data vintage, what the evidence is, then the summary's sentences."""
    add_heading(doc, "数据口径", "The data")
    notes_zh, notes_en = evidence_notes(facts.final, facts.targets, facts.evidence, facts.result.evidence,
                                        facts.result.simulation.anchors)
    when_zh, when_en = vintage_text(facts.params)
    strength_zh, strength_en = evidence_strength(facts.final)
    add_pair(doc, f"日期：{created}。数据口径：{when_zh}。{strength_zh}{notes_zh}。",
             f"Date: {created}. Data: {when_en}. {strength_en}{notes_en}.")
    sentences = summary_sentences(summary, facts.targets, facts.params_by_name)
    if sentences:
        add_heading(doc, "摘要", "Summary")
        for sentence in sentences:
            add_pair(doc, sentence["zh"], sentence["en"])


def _level_section(doc, facts, summary):
    """The level targets, each with every scenario's P(met), median, range and status."""
    add_heading(doc, "规模目标（各情景）", "Level targets, every scenario")
    reg = registry(facts.targets)
    view = level_targets_view(summary, facts.targets, list(facts.params_by_name), _scenario_labels(facts))
    if view.empty:
        add_pair(doc, "本规划没有规模目标。", "The plan has no level target.")
    for target_id, rows in view.groupby("target_id", sort=False):
        target = reg.loc[target_id]
        add_pair(doc, f"{target['name_zh']}（{goal_text(target)}）", target["name_en"])
        if rows["实现概率 P(met)"].eq(MISSING).all():  # no probability in any scenario: why, in its place
            why_zh, why_en = unassessed_words(target)
            add_pair(doc, f"{NO_FIGURE}：{why_zh}。", f"{NO_FIGURE_EN}: {why_en}.")
        unit = f" ({target['unit']})" if target.get("unit") else ""
        add_table(doc, ["情景 scenario", "实现概率 P(met)", "规划时 as of the plan", f"中位数 median{unit}",
                        f"10%–90% 区间 range{unit}", "结论/状态 verdict or status"],
                  [[r["情景 scenario"], r["实现概率 P(met)"], r["规划时 as of plan"], r["中位数 median"],
                    r["10%–90% 区间 range"], r["状态 status"]] for r in rows.to_dict(orient="records")],
                  widths=[3.6, 2.2, 2.4, 2.4, 3.2, 3.2],
                  colours=[STATE_COLOURS.get(str(r["状态 status"]).split(" ")[0]) for r in rows.to_dict(orient="records")])


def _count_section(doc, facts, summary):
    """The count and milestone targets (their verdicts in one line when alike) and how to enter progress."""
    add_heading(doc, "数量与里程碑目标", "Count and milestone targets")
    first_rows = summary[summary["scenario"] == facts.headline] if len(summary) else summary
    counts = count_targets_view(first_rows, facts.targets, facts.result.counts)
    if counts.empty:
        add_pair(doc, "本规划没有数量与里程碑目标。", "The plan has no count or milestone target.")
        return
    reg = registry(facts.targets)
    final = facts.final.set_index("target_id")
    reasons = {r["target_id"]: reason_words(final.loc[r["target_id"]].to_dict() | {"target_id": r["target_id"]},
                                            reg.loc[r["target_id"]], facts.evidence)
               for r in counts.to_dict(orient="records")}
    states = {r["target_id"]: r["状态 status"] for r in counts.to_dict(orient="records")}
    alike = len(set(reasons.values())) == 1 and len(set(states.values())) == 1
    if alike and len(counts):
        zh, en = counts_words(facts.final, summary_states(first_rows))
        add_pair(doc, zh, en)
    header = ["目标 target", "门槛 goal", "期限\ndeadline", "所需进度 pace needed"]
    widths = [7.4, 2.2, 2.0, 5.4] if alike else [5.2, 2.0, 2.0, 3.0, 4.8]
    rows = []
    for r in counts.to_dict(orient="records"):
        name = f"{reg.loc[r['target_id'], 'name_zh']}\n{reg.loc[r['target_id'], 'name_en']}"
        row = [name, r["门槛 goal"], r["期限 deadline"], r["所需进度 pace needed"]]
        if not alike:
            row = [name, r["门槛 goal"], r["期限 deadline"], r["状态 status"], " ".join(reasons[r["target_id"]])]
        rows.append(row)
    add_table(doc, header if alike else ["目标 target", "门槛 goal", "期限\ndeadline", "结论 verdict", "依据 rests on"],
              rows, widths=widths)
    add_pair(doc, *ENTER_COUNTS)


def _assumptions_section(doc, facts):
    """The headline scenario's assumptions with the reasons params.yaml gives, then what the others change."""
    params = facts.params
    add_heading(doc, "主要假设", "Main assumptions")
    labels = _scenario_labels(facts)
    assumptions = assumptions_table(facts.params_by_name, facts.headline, facts.reasons, resting_fields(facts),
                                    facts.plan)
    own = assumptions[assumptions["scenario"] == facts.headline]
    add_pair(doc, f"{params.label_zh}的假设及其理由（工作簿为每个假设写明的理由）：",
             f"{params.label_en}: the assumptions, each with the reason the workbook gives for it:")
    add_table(doc, ["参数 parameter", "取值 value", "理由 reason"],
              [[f"{r['参数']}\n{r['parameter']}", r["value"], r["reason"]] for r in own.to_dict(orient="records")],
              widths=[4.2, 3.0, 9.8])
    others = assumptions[assumptions["scenario"] != facts.headline]
    if len(others):
        add_pair(doc, "其他情景的不同之处：", "What the other scenarios change:")
        add_table(doc, ["情景 scenario", "参数 parameter", "取值 value", "理由 reason"],
                  [[labels.get(r["scenario"], r["scenario"]), f"{r['参数']}\n{r['parameter']}", r["value"],
                    r["reason"] or MISSING] for r in others.to_dict(orient="records")], widths=[2.8, 3.6, 2.8, 7.8])


def _fan_section(doc, facts):
    """The headline scenario's fan chart and what its marks are (nothing without one)."""
    from docx.shared import Cm

    params = facts.params
    if facts.fan_png:
        add_heading(doc, "扇形图", "Fan chart")
        doc.add_picture(io.BytesIO(facts.fan_png), width=Cm(16.5))
        derived = any(facts.targets["ratio_zh"].fillna("") != "") if "ratio_zh" in facts.targets else False
        add_pair(doc, f"{params.label_zh}：模拟路径的分位数（阴影由外到内为10%–90%至40%–60%），虚线为目标；"
                      + ("灰色菱形为推算的基年数值（规划基数×假定比率），" if derived else "") + "其余标记为已公布的数据。",
                 f"{params.label_en}: deciles of the simulated paths (bands 10–90 % to 40–60 %), the target as a dashed "
                 "line; " + ("a grey diamond is a derived base-year value (the plan's baseline × the assumed ratio), "
                             if derived else "") + "the other marks the published figures.")


def _sources_section(doc, facts):
    """The plan's sections of each target, the evidence used and left out."""
    add_heading(doc, "资料来源", "Sources")
    add_pair(doc, f"规划：{facts.plan.plan.document_zh}。", f"The plan: {facts.plan.plan.document_en}.")
    add_table(doc, ["目标 target", "规划条款 section", "目标值 goal"],
              [[f"{t['name_zh']}\n{t['name_en']}", t["section"], goal_text(t)] for _, t in facts.targets.iterrows()],
              widths=[9.0, 2.5, 5.5])
    if len(facts.evidence_used):
        add_pair(doc, "所用证据（已公布数据）：", "Evidence used (published figures):")
        used = evidence_view(facts.evidence_used)
        add_table(doc, list(used.columns), used.values.tolist(), widths=[9.0, 2.8, 5.2])
    if len(facts.evidence_left_out):
        add_pair(doc, "未采用的证据及原因：", "Evidence left out, and why:")
        out = left_out_view(facts.evidence_left_out, facts.evidence)
        add_table(doc, list(out.columns), out.values.tolist(), widths=[8.5, 8.5])
    add_pair(doc, "本备忘录根据同一文件夹中的报告自动生成；数字与报告的摘要网页及汇总表一致。",
             "Generated from the report in the same folder; its figures are those of the report's summary page and "
             "tables.")


def write_memo(path, facts: ReportFacts, summary, created):
    """Write memo.docx atomically (a reader never finds half a file) and return its path."""
    doc = memo_document(facts, summary, created)
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return path
