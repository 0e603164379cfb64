"""What a result rests on, in words (zh, en): a published figure as a reader would say it and where it was
read, which figures a page uses, what each target's probability rests on, why a target has none.

No identifier reaches the reader: the evidence is named by its measure, period and source.
"""

from urllib.parse import urlparse

from dgforecast.core.kinds import is_level
from dgforecast.core.numbers import format_number, is_missing
from dgforecast.core.vocabulary import MET, NO_FIGURE, NO_FIGURE_EN, RELIABILITY, period_words
from dgforecast.present.phrases import name_en, registry, vintage_text


def source_words(url, reliability) -> tuple[str, str]:
    """Where a figure was read and how far it can be trusted: (zh, en), e.g. ("官方发布或其转载，sun0769.com", …)."""
    url = str(url or "")
    if "://" in url:
        host = urlparse(url).netloc.split(":")[0].removeprefix("www.")
        where_zh, where_en = host, host
    else:
        where_zh, where_en = "无公开网址的文件", "a document with no public address"
    trust_zh, trust_en = RELIABILITY.get(reliability, (reliability, reliability))
    return f"{trust_zh}，{where_zh}", f"{trust_en}, {where_en}"


def _value_text(value, unit) -> str:
    shown = format_number(value)
    return shown if unit == "1" else f"{shown}{unit}"


#: The words a published lower bound may be stated with, most particular first; the one its own phrase uses is
#: the one a page repeats (a figure stated 超过30 is never shown as 突破30).
BOUND_WORDS = ("突破", "超过", "不低于", "不少于", "至少")


def bound_word(phrase) -> str:
    """The word a lower bound was published with (its ``source_phrase``): 突破, 超过 …; 超过 when it says none."""
    return next((w for w in BOUND_WORDS if w in str(phrase or "")), "超过")


def evidence_words(row) -> dict:
    """One published figure as a reader would say it, from the columns of the evidence file.

    ``row`` is a row of ``evidence.load_evidence``. Returns ``zh``, ``en`` (the figure) and
    ``source_zh``, ``source_en`` (reliability and site), e.g. "2025年1—8月集群增加值同比增长8.5%（可比价）"
    / "the cluster's value added, January–August 2025: +8.5 % on a year before (real)", the measure named as the
    plan names it (the ``name_zh``, ``name_en`` columns).
    """
    measure = {"label_zh": row.get("name_zh") or row["measure"], "label_en": row.get("name_en") or row["measure"]}
    when_zh, when_en = period_words(int(row["year"]), row["period"])
    value, unit, kind = float(row["value"]), row.get("unit", ""), row["kind"]
    if kind == "growth":
        real = row.get("price_basis") == "real"
        zh = (f"{when_zh}{measure['label_zh']}同比{'增长' if value >= 0 else '下降'}{abs(value):g}%"
              f"（{'可比价' if real else '现价'}）")
        en = f"{measure['label_en']}, {when_en}: {value:+g} % on a year before ({'real' if real else 'nominal'})"
    else:
        round_ = row.get("precision") == "round"
        figure_zh, figure_en = _value_text(value, unit), _value_text(value, "" if unit == "1" else f" {unit}")
        if kind == "level":
            zh = f"{when_zh}{measure['label_zh']}{'约' if round_ else ''}{figure_zh}{'（整数表述）' if round_ else ''}"
            en = f"{measure['label_en']}, {when_en}: {'about ' if round_ else ''}{figure_en}" + (
                " (a round statement)" if round_ else "")
        elif kind == "at_least":
            word = bound_word(row.get("source_phrase"))
            zh, en = f"{when_zh}{measure['label_zh']}{word}{figure_zh}", f"{measure['label_en']}, {when_en}: more than {figure_en}"
        else:
            zh, en = f"{when_zh}{measure['label_zh']}不超过{figure_zh}", f"{measure['label_en']}, {when_en}: at most {figure_en}"
    source_zh, source_en = source_words(row.get("source_url"), row.get("reliability"))
    return {"zh": zh, "en": en, "source_zh": source_zh, "source_en": source_en}


def evidence_line(params, evidence, here=False) -> str:
    """One line for a page's parameters: which figures after the baseline the page uses (zh · en), and how many
    are left out, whose reasons the tracking page gives (``here``: this is that page)."""
    from dgforecast.plan.evidence import select_evidence

    if evidence is None or not len(evidence):
        return "基年后的公布数据：无（无证据表） · figures published after the baseline: none (no evidence table)"
    selection = select_evidence(evidence, params.as_of_month, params.evidence.min_reliability)
    zh, en = evidence_note(list(selection.used["evidence_id"]), evidence)
    when_zh, when_en = vintage_text(params)
    n = len(selection.left_out)
    where_zh, where_en = (("原因见本页“证据及其采用”一节", "the section on the evidence above says why") if here else
                          ("原因见“跟踪与终期评估”页", "the page on tracking and the final assessment says why"))
    left_zh, left_en = ((f"；另有{n}条未采用（{where_zh}）", f"; {n} more are left out ({where_en})") if n else ("", ""))
    return (f"本页所用的基年后公布数据（{when_zh}）：{zh}{left_zh}。"
            f" · Figures published after the baseline this page uses ({when_en}): {en}{left_en}.")


def evidence_note(evidence_used, evidence) -> tuple[str, str]:
    """What a level target's probability rests on, plainly: how many figures, its own measures' and related ones.

    ``evidence_used`` is a list of ids; ``evidence`` the evidence table (for each row's role).
    """
    if not evidence_used:
        return ("没有任何公开数据涉及该目标，概率只反映规划时的假设",
                "no published figure bears on it: the probability is the plan-time assumption only")
    roles = evidence.set_index("evidence_id").loc[list(evidence_used), "role"]
    related = int(roles.str.startswith("related_").sum())
    own = len(roles) - related
    figures = "figure" if len(roles) == 1 else "figures"
    if not related:  # only figures of its own measures: no link parameter to mention
        return f"依据{len(roles)}条本口径公开数据", f"it rests on {len(roles)} published {figures} of its own measures"
    zh = f"依据{len(roles)}条公开数据：本口径{own}条，相关口径{related}条（相关数据经联系参数间接反映）"
    en = (f"it rests on {len(roles)} published {figures}: {own} of its own measures, {related} of related series "
          "(read through the link parameters)")
    return zh, en


def reason_words(row, target, evidence) -> tuple[str, str]:
    """What a verdict of the final assessment rests on, in words (zh, en): no ids.

    ``row`` is a row of ``final.final_assessment``; ``evidence`` the evidence table.
    """
    if is_level(target["kind"]):
        if is_missing(row.get("p_met")) and not row.get("decided_by"):
            return unassessed_words(target)
        if row.get("decided_by"):
            said = evidence_words(evidence.set_index("evidence_id").loc[row["decided_by"]].to_dict())
            return f"由确切数字决定：{said['zh']}", f"decided by an exact figure: {said['en']}"
        used = [i for i in str(row.get("evidence_used") or "").split(";") if i]
        zh, en = evidence_note(used, evidence)
        if target.get("ratio_zh") and used:  # a linked measure (plan.yaml): it rests on the link's ratio too
            zh += f"；并取决于{target['ratio_zh']}（目标口径本身的数字未公布）"
            en += f"; and on the {target['ratio_en']} (no figure of the target's own measure was published)"
        return zh, en
    if is_missing(row["p_met"]):
        return f"{NO_FIGURE}：该目标口径的数量从未公布，也未录入", \
            f"{NO_FIGURE_EN}: no count in the target's own terms was published (none entered)"
    entered = f"已录入{row['achieved']:g}（{row['years_entered']}）"
    entered_en = f"{row['achieved']:g} entered ({row['years_entered']})"
    if row["verdict"] == MET:
        return f"{entered}，达到门槛", f"{entered_en}: the threshold is reached"
    if row["years_missing"] == "none":
        return f"{entered}，各年均已录入，未达门槛", f"{entered_en}, every year of the window: short of it"
    return (f"{entered}；未录入的年份（{row['years_missing']}）按进度模型推算：实现概率{row['p_met']:.1%}",
            f"{entered_en}; years not entered ({row['years_missing']}) drawn by the pace model: P(met) {row['p_met']:.1%}")


def unassessed_words(target) -> tuple[str, str]:
    """Why a level target has no probability at all, in words (zh, en): the three cases of
    ``simulate.anchored`` (its measure linked to no path; no base year level for an average growth;
    no base figure and no exact yearly level published to start from)."""
    if is_missing(target.get("path")) or not target.get("path"):
        return ("规划数据中该目标的口径未与任何模拟路径相连，没有数据可以判断",
                "the plan's data link its measure to nothing the workbook simulates, so no figure bears on it")
    if target["kind"] == "average_growth":
        start = int(target["start_year"])
        return (f"规划未给出{start}年（年均增长的起算年）该口径的确切数字，之后的数字不能代替，年均增长无从计算",
                f"the plan gives no exact level of its measure for {start}, the year its average growth is counted "
                "from, and a later figure cannot stand in for it")
    return ("规划未给出基数，该口径也尚无公布的年度确切数字，无从起算",
            "the plan gives no base figure and no exact yearly level of its measure is published yet: nothing to "
            "start from")


def no_evidence_words(evidence, targets) -> tuple[str, str]:
    """What the evidence is when no figure bears on a level target (zh, en): the plan has none, nothing was
    published since the plan, or what was published bears on no level target."""
    if not targets["kind"].map(is_level).astype(bool).any():
        return ("本规划没有规模目标，数量与里程碑目标依据录入的数量",
                "the plan has no level target; its count and milestone targets rest on the counts entered")
    if evidence is None or not len(evidence):
        return "规划之后尚无公开数据", "no figure has been published since the plan"
    return "没有公开数据涉及规模目标", "no published figure bears on a level target"


def evidence_strength(final) -> tuple[str, str]:
    """How the evidence is introduced (zh, en): "证据：" when an exact figure of each level target itself decides it,
    "证据有限：" (the evidence is thin) otherwise."""
    decided = final["decided_by"].fillna("").astype(bool) if "decided_by" in final else None
    levels = final["kind"].map(is_level).astype(bool) & final["p_met"].notna() if "kind" in final else None
    if decided is not None and levels is not None and levels.any() and decided[levels].all():
        return "证据：", "The evidence: "
    return "证据有限：", "The evidence is thin: "


def evidence_notes(final, targets, evidence, assessed, anchors=None) -> tuple[str, str]:
    """What each level target's verdict rests on, in one line (zh, en): the targets named when there are several.

    ``final`` is ``final.final_assessment``; ``assessed`` the ids of the targets the evidence was read for
    (``AssessmentResult.evidence``); ``anchors`` target id -> the evidence id of the figure its paths start
    from, where the plan gives no base (``Simulation.anchors``). Empty strings without an evidence table.
    """
    reg = registry(targets)
    rows = [r for r in final.to_dict(orient="records")
            if r["target_id"] in assessed and r["target_id"] in reg.index and is_level(reg.loc[r["target_id"], "kind"])]
    if not len(evidence) or not rows:
        return "", ""
    notes = []
    for r in rows:
        target = reg.loc[r["target_id"]]
        used = [i for i in str(r.get("evidence_used") or "").split(";") if i]
        said = unassessed_words(target) if is_missing(r["p_met"]) else evidence_note(used, evidence)
        if r.get("decided_by"):  # an exact figure of the target itself: it decides, whatever else was published
            said = reason_words(r, target, evidence)
        start = (anchors or {}).get(r["target_id"])
        if start and not is_missing(r["p_met"]):
            figure = evidence_words(evidence.set_index("evidence_id").loc[start].to_dict())
            said = (f"{said[0]}；规划未给出基数，自{figure['zh']}起算",
                    f"{said[1]}; the plan gives no base figure, so its paths start from {figure['en']}")
        notes.append((target, said))
    if len(notes) == 1:
        return notes[0][1]
    return ("；".join(f"{t['name_zh']}：{zh}" for t, (zh, _) in notes),
            "; ".join(f"{name_en(t['name_en'])}: {en}" for t, (_, en) in notes))
