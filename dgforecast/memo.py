"""memo.docx: the report as the Word memo officials forward — Chinese first, English below.

The memo says what index.html says, on paper: the date and how far the evidence reaches, the summary
sentences, the level-target table, the final assessment, the count targets and how to enter their
progress, the main assumptions with the reasons params.yaml gives for them, the first scenario's fan
chart, and the sources (the plan's sections, the evidence rows with their addresses and reliability).

``report_facts`` gathers what the index and the memo need beyond summary.csv (the final assessment,
the first scenario's paths, the evidence used) from the tables ``pipeline.load_inputs`` reads;
``write_memo`` writes the document atomically. Nothing here reads the workbook: the report hands the
tables and the text of params.yaml in.

python-docx writes the file. Every style names an East Asian font (``w:eastAsia``) and the zh-CN
language, so Word and LibreOffice draw the Chinese text with a CJK font rather than boxes.
"""

import io
import logging
import re
from dataclasses import dataclass, field

import pandas as pd

from dgforecast.assess import assess_inputs, fan_quantiles
from dgforecast.evidence import select_evidence
from dgforecast.fileio import atomic_path
from dgforecast.params import FIELDS
from dgforecast.targets import targets_table
from dgforecast.tracking import final_assessment
from dgforecast.views import (
    MISSING,
    NO_FIGURE,
    PROGRESS_COMMAND,
    STATUS_COLOURS,
    count_targets_view,
    evidence_note,
    final_lines,
    format_number,
    goal_text,
    level_targets_view,
    summary_sentences,
    vintage_text,
)

log = logging.getLogger(__name__)

#: Fonts of the memo: a CJK font every Chinese Windows has (others substitute their own CJK font for
#: it, as LibreOffice does with Noto Sans CJK), and a Latin one.
CJK_FONT = "Microsoft YaHei"
LATIN_FONT = "Calibri"
#: The plan the targets come from.
PLAN_TITLE_ZH = "《东莞市发展高端装备制造战略性支柱产业集群行动计划》（征求意见稿，2022年）"
PLAN_TITLE_EN = ("Dongguan action plan for the high-end equipment manufacturing cluster "
                 "(draft for comments, 2022)")
#: Parameters that name the scenario rather than assume anything.
NAMING_FIELDS = ("scenario", "label_zh", "label_en")


@dataclass
class ReportFacts:
    """What index.html and memo.docx say beyond summary.csv, for the report's first scenario.

    Attributes
    ----------
    targets : DataFrame
        ``targets.targets_table`` (ratio 1): the registry with baselines and required growth.
    params_by_name : dict
        Scenario -> ScenarioParams, in the report's order.
    first : str
        The scenario the final assessment, the fan chart and notebook 06 use (``base`` if run).
    final : DataFrame
        ``tracking.final_assessment`` of ``first``.
    result : ScenarioResult
        ``first`` assessed as of now (its paths give the fan chart; its ``counts`` the counts entered).
    evidence_used, evidence_left_out : DataFrame
        The evidence rows weighed, and those left out with the reason.
    reasons : dict
        ``assumption_reasons`` of params.yaml.
    fan_png : bytes
        The fan chart of ``first``'s first level target (empty without a level target).
    """

    targets: pd.DataFrame
    params_by_name: dict
    first: str
    final: pd.DataFrame
    result: object
    evidence_used: pd.DataFrame = field(default_factory=pd.DataFrame)
    evidence_left_out: pd.DataFrame = field(default_factory=pd.DataFrame)
    reasons: dict = field(default_factory=dict)
    fan_png: bytes = b""


# ---------------------------------------------------------------- the reasons in params.yaml
_KEY_LINE = re.compile(r"^(?P<indent> *)(?P<key>[^\s#:'\"][^:#]*|'[^']*'|\"[^\"]*\"):(?P<rest>(\s.*)?)$")


def _split_comment(rest) -> tuple[str, str]:
    """``value  # comment`` -> (value, comment); a ``#`` inside quotes or not after a space is kept."""
    quote = None
    for i, char in enumerate(rest):
        if char in "'\"" and quote in (None, char):
            quote = None if quote else char
        elif char == "#" and quote is None and (i == 0 or rest[i - 1].isspace()):
            return rest[:i].strip(), rest[i + 1:].strip()
    return rest.strip(), ""


def assumption_reasons(text) -> dict:
    """The reason params.yaml gives for each key, by dotted path (``defaults.growth``, ``scenarios.shock.growth_overrides.2022``).

    A reason is the comment on the key's line, the comment lines right under it indented deeper
    (its continuation), and the comment lines just above it at the key's own indentation — the house
    rule at the top of params.yaml. Top-level comments (the file's header) belong to no key.

    Parameters
    ----------
    text : str
        The text of params.yaml.

    Returns
    -------
    dict
        Dotted path -> reason (the comment text joined by spaces).
    """
    reasons, stack, above, last = {}, [], [], None
    for line in text.splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if not stripped:
            above, last = [], None
            continue
        if stripped.startswith("#"):
            comment = stripped.lstrip("#").strip()
            if last is not None and indent > last[0]:
                reasons[last[1]] = f"{reasons[last[1]]} {comment}".strip()
            else:
                above.append((indent, comment))
                last = None
            continue
        match = _KEY_LINE.match(line)
        if not match:
            above, last = [], None
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, match["key"].strip().strip("'\"")))
        path = ".".join(key for _, key in stack)
        _, comment = _split_comment(match["rest"])
        texts = [c for i, c in above if i == indent] if indent > 0 else []
        texts += [comment] if comment else []
        if texts:
            reasons[path] = " ".join(texts)
        above, last = [], ((indent, path) if comment else None)
    return reasons


def reason_for(reasons, scenario, key) -> str:
    """Why ``scenario`` has its value of ``key``: the scenario's own comment, else the default's ("" if none)."""
    own = reasons.get(f"scenarios.{scenario}.{key}")
    if own is not None or any(p.startswith(f"scenarios.{scenario}.{key}.") for p in reasons):
        parts = [own] if own else []
        parts += [f"{p.rsplit('.', 1)[-1]}: {r}" for p, r in reasons.items()
                  if p.startswith(f"scenarios.{scenario}.{key}.")]
        return "; ".join(parts)
    return reasons.get(f"defaults.{key}", "")


def value_text(key, value) -> str:
    """A parameter's value with its unit, as a reader reads it (``6.0%/年 a year``, ``20,000 paths``)."""
    unit = FIELDS.get(key, {}).get("unit", "")
    if isinstance(value, dict):
        if key == "growth_overrides":
            return ", ".join(f"{y}: {g:+.1%}" for y, g in sorted(value.items())) or "—"
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "—"
    if isinstance(value, float) and unit == "fraction per year":
        return f"{value:.1%}/年 a year"
    if isinstance(value, int) and key not in ("seed", "target_year"):
        return f"{value:,} {unit}".strip()
    if unit in ("year", "integer", "text", "name") or "|" in unit:
        return str(value)
    return f"{value:g} ({unit})" if isinstance(value, float) else f"{value} ({unit})"


def assumptions_table(params_by_name, first, reasons) -> pd.DataFrame:
    """The first scenario's assumptions that params.yaml explains, then what each other scenario changes.

    Columns: scenario, key, 参数 (label_zh), parameter (label_en), value (with unit), reason.
    """
    rows = []
    values = {name: p.model_dump(mode="python") for name, p in params_by_name.items()}

    def row(name, key):
        meta = FIELDS[key]
        return {"scenario": name, "key": key, "参数": meta["label_zh"], "parameter": meta["label_en"],
                "value": value_text(key, values[name][key]), "reason": reason_for(reasons, name, key)}

    for key in FIELDS:
        if key not in NAMING_FIELDS and reason_for(reasons, first, key):
            rows.append(row(first, key))
    for name in params_by_name:
        if name != first:
            rows += [row(name, key) for key in FIELDS
                     if key not in NAMING_FIELDS and values[name][key] != values[first][key]]
    return pd.DataFrame(rows, columns=["scenario", "key", "参数", "parameter", "value", "reason"])


# ---------------------------------------------------------------- what the index and the memo need
def first_scenario(names) -> str:
    """The scenario notebook 06, the final assessment and the fan chart use: ``base`` if run, else the first."""
    names = list(names)
    return "base" if "base" in names else names[0]


def fan_chart_png(result, targets, dpi=150) -> bytes:
    """The fan chart of the first level target in ``result`` as PNG bytes (b"" without one), drawn
    with the CJK font and without pyplot (no window, no global figure)."""
    from matplotlib.figure import Figure

    from dgforecast import plots
    from dgforecast.evidence_marks import scenario_marks

    registry = targets.set_index("id")
    ids = [t for t in result.paths_by_target if t in registry.index]
    if not ids:
        return b""
    target, params = registry.loc[ids[0]], result.params
    plots.use_cjk_font()
    figure = Figure(figsize=(8, 4.5), layout="constrained")
    start = result.actuals.index.max()
    plots.fan_chart(fan_quantiles(result.paths_by_target[ids[0]]), threshold=float(target["threshold"]),
                    marks=scenario_marks(result, targets, ids[0]), base=(start, result.actuals[start]), unit=target["unit"],
                    ax=figure.subplots(),
                    title=f"{target['name_zh']} · {params.label_zh} / {params.label_en} · {params.as_of_month}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def report_facts(params_by_name, inputs, params_text="") -> ReportFacts:
    """Assess the report's first scenario once more (a fraction of a second) for the index and the memo.

    Parameters
    ----------
    params_by_name : dict
        Scenario -> ScenarioParams, in the report's order.
    inputs : dict
        ``pipeline.load_inputs`` tables.
    params_text : str
        The text of params.yaml, for the reasons of the assumptions.
    """
    first = first_scenario(params_by_name)
    params = params_by_name[first]
    table = targets_table(inputs["targets"], inputs["baselines"], 1.0)
    result = assess_inputs(params, inputs)
    evidence = inputs.get("evidence")
    used = left_out = pd.DataFrame()
    if evidence is not None:
        selection = select_evidence(evidence, params.as_of_month, params.evidence.min_reliability)
        used, left_out = selection.used, selection.left_out
    return ReportFacts(targets=table, params_by_name=dict(params_by_name), first=first,
                       final=final_assessment(params, inputs), result=result, evidence_used=used,
                       evidence_left_out=left_out, reasons=assumption_reasons(params_text),
                       fan_png=fan_chart_png(result, table))


# ---------------------------------------------------------------- the document
def _east_asian(element, font=CJK_FONT):
    """Name ``font`` as the East Asian font of a style's or run's properties, zh-CN as its language."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    if hasattr(element, "get_or_add_rPr"):  # a style: python-docx keeps the schema's order of children
        rpr = element.get_or_add_rPr()
    else:  # docDefaults' rPrDefault holds nothing but its rPr
        rpr = element.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            element.append(rpr)
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would win over the names below
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), font)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-GB")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _new_document():
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    _east_asian(doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")))
    for style in doc.styles:
        if style.type in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER, WD_STYLE_TYPE.TABLE):
            _east_asian(style.element)
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.styles["Title"].font.size = Pt(20)
    for level, size in ((1, 14), (2, 12)):
        doc.styles[f"Heading {level}"].font.size = Pt(size)
    english = doc.styles.add_style("English", WD_STYLE_TYPE.PARAGRAPH)
    english.base_style = doc.styles["Normal"]
    english.font.size = Pt(9.5)
    english.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    english.paragraph_format.space_after = Pt(8)
    _east_asian(english.element)
    return doc


def _pair(doc, zh, en):
    """A Chinese paragraph with its English below it."""
    doc.add_paragraph(zh)
    doc.add_paragraph(en, style="English")


def _heading(doc, zh, en, level=1):
    doc.add_heading(f"{zh} {en}", level=level)


def _shade(cell, colour):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour.lstrip("#"))
    cell._tc.get_or_add_tcPr().append(shading)


def _table(doc, header, rows, widths=None, colours=None):
    """A grid table: bold bilingual header, one row per entry, optional background per row (the status)."""
    from docx.shared import Cm, Pt

    table = doc.add_table(rows=1, cols=len(header))
    table.style = doc.styles["Table Grid"]
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        _shade(cell, "#f0f0f0")
    for i, values in enumerate(rows):
        cells = table.add_row().cells
        for j, (cell, text) in enumerate(zip(cells, values)):
            cell.text = str(text)
            if colours and colours[i] and j == len(values) - 1:
                _shade(cell, colours[i])
    if widths:  # the grid (LibreOffice reads it) and every cell (Word reads those)
        table.autofit = False
        for column, width in zip(table.columns, widths):
            column.width = Cm(width)
    for row in table.rows:
        for j, cell in enumerate(row.cells):
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)
            if widths:
                cell.width = Cm(widths[j])
    doc.add_paragraph()
    return table


def memo_document(facts: ReportFacts, summary, created):
    """The memo as a python-docx Document (see the module docstring for its sections).

    Parameters
    ----------
    facts : ReportFacts
    summary : DataFrame
        The report's summary (REPORT_COLUMNS).
    created : str
        The report's time stamp.
    """
    from docx.shared import Cm

    doc = _new_document()
    params = facts.params_by_name[facts.first]
    names = list(facts.params_by_name)
    doc.add_heading("东莞市高端装备制造业集群目标评估（备忘录）", level=0)
    doc.add_paragraph("Dongguan high-end equipment manufacturing cluster: how likely the plan's targets are to "
                      "be met (memo)", style="English")
    zh_when, en_when = vintage_text(params)
    notes = evidence_note(facts.final, facts.targets)
    _pair(doc, f"日期：{created}。数据口径：{zh_when}（证据截至{params.as_of_month}）。" + "".join(n["zh"] for n in notes),
          f"Date: {created}. Data: {en_when} (evidence up to {params.as_of_month}). " + " ".join(n["en"] for n in notes))

    _heading(doc, "摘要", "Summary")
    for sentence in summary_sentences(summary, facts.targets, facts.params_by_name):
        _pair(doc, sentence["zh"], sentence["en"])

    _heading(doc, "规模目标", "Level targets")
    view = level_targets_view(summary, facts.targets, names)
    labels = {n: f"{p.label_zh} {p.label_en}" for n, p in facts.params_by_name.items()}
    status = summary.set_index(["scenario", "target_id"])["status"].to_dict() if len(summary) else {}
    _table(doc, ["目标 target", "情景 scenario", "实现概率 P(met) 截至当前 now", "规划时 as of plan",
                 "中位数 median (亿元)", "10%–90% 区间 range", "状态 status"],
           [[r["target_id"], labels.get(r["scenario"], r["scenario"]), *list(r.values())[2:]]
            for r in view.to_dict(orient="records")],
           widths=[3.2, 3.0, 2.2, 2.0, 2.2, 2.6, 2.4],
           colours=[STATUS_COLOURS.get(status.get((r.scenario, r.target_id)), None) for r in view.itertuples()])

    _heading(doc, "终期评估", "Final assessment")
    for line in final_lines(facts.final, facts.targets):
        _pair(doc, f"{line['target_id']}（{params.label_zh}）{line['zh']}", f"{line['target_id']} ({params.label_en}) {line['en']}")
    _pair(doc, "判定规则：实现概率≥90%为“已实现”，≤10%为“未实现”，其间或无数据为“无法确认”。详见报告中的06页面。",
          "Rule: P(met) ≥ 90 % reads 已实现 (met), ≤ 10 % 未实现 (not met), in between or without evidence "
          "无法确认 (cannot be confirmed). The report's page 06 shows how it moved with each published figure.")

    _heading(doc, "数量与里程碑目标", "Count and milestone targets")
    first_rows = summary[summary["scenario"] == facts.first] if len(summary) else summary
    counts = count_targets_view(first_rows, facts.targets, facts.result.counts)
    _table(doc, ["目标 target", "门槛 goal", "期限 deadline", "所需进度 pace needed", "已知情况 what is known"],
           [[r["目标 target"] + f" ({r['target_id']})", r["门槛 goal"], r["期限 deadline"], r["所需进度 pace needed"],
             (f"{r['P(met)']} {r['状态 status']}; 已录入 entered {r['已录入 entered']}" if r["P(met)"] != MISSING
              else f"{NO_FIGURE[0]} {NO_FIGURE[1]}")] for r in counts.to_dict(orient="records")],
           widths=[6.0, 2.2, 1.6, 3.0, 4.2])
    _pair(doc, f"录入进度：在工作簿中运行 {PROGRESS_COMMAND}，下次报告即给出该目标的实现概率与状态。",
          f"To enter progress, run {PROGRESS_COMMAND} in the workbook; the next report gives the target's "
          "probability and status.")

    _heading(doc, "主要假设", "Main assumptions")
    assumptions = assumptions_table(facts.params_by_name, facts.first, facts.reasons)
    own = assumptions[assumptions["scenario"] == facts.first]
    _pair(doc, f"{params.label_zh}的假设及其理由（理由摘自 params.yaml 中的注释）：",
          f"{params.label_en}: the assumptions and the reasons params.yaml gives for them:")
    _table(doc, ["参数 parameter", "取值 value", "理由 reason"],
           [[f"{r['参数']} {r['parameter']}", r["value"], r["reason"]] for r in own.to_dict(orient="records")],
           widths=[3.8, 3.2, 10.0])
    others = assumptions[assumptions["scenario"] != facts.first]
    if len(others):
        _pair(doc, "其他情景的不同之处：", "What the other scenarios change:")
        _table(doc, ["情景 scenario", "参数 parameter", "取值 value", "理由 reason"],
               [[labels.get(r["scenario"], r["scenario"]), f"{r['参数']} {r['parameter']}", r["value"],
                 r["reason"] or MISSING] for r in others.to_dict(orient="records")], widths=[2.6, 3.4, 3.0, 8.0])

    if facts.fan_png:
        _heading(doc, "扇形图", "Fan chart")
        doc.add_picture(io.BytesIO(facts.fan_png), width=Cm(16.5))
        _pair(doc, f"{params.label_zh}：模拟路径的分位数（阴影由外到内为10%–90%至40%–60%），虚线为目标，黑点为实际值。",
              f"{params.label_en}: deciles of the simulated paths (bands 10–90 % to 40–60 %), the target as a dashed "
              "line, actual figures as dots.")

    _heading(doc, "资料来源", "Sources")
    _pair(doc, f"规划：{PLAN_TITLE_ZH}。", f"The plan: {PLAN_TITLE_EN}.")
    _table(doc, ["目标 target", "规划条款 section", "目标值 goal"],
           [[f"{t['name_zh']} ({t['id']})", t["section"], goal_text(t)] for _, t in facts.targets.iterrows()],
           widths=[9.0, 2.5, 5.5])
    if len(facts.evidence_used):
        _pair(doc, "所用证据（已公布数据）：", "Evidence used (published figures):")
        _table(doc, ["编号 id", "内容 what", "公布 published", "可信度 reliability", "来源 source"],
               [[e.evidence_id, f"{e.measure} {e.year} {e.period} {e.kind} {format_number(e.value)} {e.unit}",
                 e.published, e.reliability, e.source_url] for e in facts.evidence_used.itertuples()],
               widths=[3.2, 4.8, 1.8, 2.4, 4.8])
    if len(facts.evidence_left_out):
        _pair(doc, "未采用的证据及原因：", "Evidence left out, and why:")
        _table(doc, ["编号 id", "原因 reason", "来源 source"],
               [[e.evidence_id, e.reason, e.source_url] for e in facts.evidence_left_out.itertuples()],
               widths=[3.6, 7.4, 6.0])
    _pair(doc, "本备忘录由 dgforecast 根据同一文件夹中的报告自动生成；数字与 index.html、summary.csv 一致。",
          "Generated by dgforecast from the report in the same folder; its figures are those of index.html and "
          "summary.csv.")
    return doc


def write_memo(path, facts: ReportFacts, summary, created):
    """Write memo.docx atomically (a reader never finds half a file) and return its path."""
    doc = memo_document(facts, summary, created)
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return path
