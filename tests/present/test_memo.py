"""memo.docx: the reasons read from params.yaml, and a memo with every section, Chinese first, a chart, a CJK font."""

import re

import pandas as pd
import pytest

from dgforecast.judge.assess import REPORT_COLUMNS
from dgforecast.plan.params import resolve_scenario, scenario_names
from dgforecast.present.assumptions import assumptions_table, reason_for, value_text
from dgforecast.present.facts import assumption_reasons, report_facts
from dgforecast.present.memo import write_memo
from dgforecast.run.pipeline import load_inputs
from tests.conftest import built_once

PARAMS_TEXT = """\
# header: no key's reason
defaults:
  growth: 0.06            # half the city's CAGR,
                          # rounded
  # the measured sd
  volatility: 0.06
  seed: 1
  note_url: "http://x#y"  # a # inside quotes stays in the value

scenarios:
  shock:
    growth_overrides:     # base growth otherwise
      2022: -0.05         # export demand falls
      2023: 0.00
"""


def test_a_reason_is_the_comment_on_under_or_just_above_its_key():
    reasons = assumption_reasons(PARAMS_TEXT)
    assert reasons == {"defaults.growth": "half the city's CAGR, rounded",
                       "defaults.volatility": "the measured sd",
                       "defaults.note_url": "a # inside quotes stays in the value",
                       "scenarios.shock.growth_overrides": "base growth otherwise",
                       "scenarios.shock.growth_overrides.2022": "export demand falls"}
    assert "defaults" not in reasons and "defaults.seed" not in reasons  # header and an unexplained number


def test_a_scenario_reason_wins_over_the_default_and_collects_its_years():
    reasons = assumption_reasons(PARAMS_TEXT)
    assert reason_for(reasons, "shock", "growth_overrides") == "base growth otherwise; 2022: export demand falls"
    assert reason_for(reasons, "shock", "growth") == "half the city's CAGR, rounded"
    assert reason_for(reasons, "base", "seed") == ""


def test_values_read_with_their_units():
    assert value_text("growth", 0.06) == "6.0%/年 a year"
    assert value_text("n_sims", 20000) == "20,000 条路径 paths" and value_text("seed", 20220101) == "20220101"
    assert value_text("growth_overrides", {2022: -0.05, 2023: 0.0}) == "2022: -5.0%, 2023: +0.0%"
    assert value_text("volatility", 0.06) == "0.06（年对数增速的标准差 sd of yearly log growth）"
    assert value_text("deflator", 0.02) == "2.0%/年 a year"


def test_assumptions_are_the_explained_ones_then_what_other_scenarios_change(shipped):
    path = shipped / "params.yaml"
    params = {n: resolve_scenario(path, n) for n in scenario_names(path)}
    table = assumptions_table(params, "base", assumption_reasons(path.read_text(encoding="utf-8")))
    base = table[table["scenario"] == "base"].set_index("key")
    assert "growth" in base.index and "label_zh" not in base.index and "as_of" not in base.index  # no reason
    assert base.loc["growth", "value"] == "6.0%/年 a year" and "half the city's CAGR" in base.loc["growth", "reason"]
    changes = table[table["scenario"] != "base"]
    assert changes[["scenario", "key"]].values.tolist() == [
        ["optimistic", "growth"], ["optimistic", "volatility"], ["pessimistic", "growth"],
        ["pessimistic", "volatility"], ["shock", "growth_overrides"]]


# The tests of the memo itself share this fixture, which assesses the four scenarios again (a few
# seconds): they are marked slow, so make test-fast leaves them out.
@pytest.fixture(scope="module")
def memo(shipped, tmp_path_factory, worker_id):
    """The memo of the shipped workbook's four scenarios, and the facts it was made from (made once for all
    the test workers: ``built_once``)."""
    def make(folder):
        path = shipped / "params.yaml"
        params = {n: resolve_scenario(path, n, {"n_sims": 2000, "as_of": "2026-11"}) for n in scenario_names(path)}
        facts = report_facts(params, load_inputs(shipped), path.read_text(encoding="utf-8"))
        summary = pd.concat([facts.result.summary.assign(scenario=n, p_met_plan=0.5, ess=1000.0) for n in params],
                            ignore_index=True)[REPORT_COLUMNS]
        write_memo(folder / "memo.docx", facts, summary, "2026-11-28 06:00")
        return folder, facts
    return built_once(tmp_path_factory, worker_id, "memo", make)


IDENTIFIER = re.compile(r"\b(em_|city_va|city_revenue_|city_output_)\w*|\w+_2025\b|YTD_M\d")


def _everything(doc) -> str:
    return "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])


@pytest.mark.slow
def test_memo_opens_with_the_verdicts_then_every_section_chinese_first(memo):
    import docx

    folder, facts = memo
    assert [p.name for p in folder.iterdir()] == ["memo.docx"]  # written atomically: no temporary file left
    doc = docx.Document(str(folder / "memo.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings == ["东莞市高端装备制造业集群行动计划目标是否实现：终期评估（备忘录）", "终期评估 Final assessment",
                        "数据口径 The data", "规模目标（各情景） Level targets, every scenario",
                        "数量与里程碑目标 Count and milestone targets", "主要假设 Main assumptions", "扇形图 Fan chart",
                        "资料来源 Sources"]
    texts = [p.text for p in doc.paragraphs]
    first = next(i for i, t in enumerate(texts) if t.startswith("按基准情景，截至2026年11月已公布的数据，2025年"))
    verdict = facts.final.set_index("target_id").loc["cluster_revenue_2025", "verdict"]
    assert f"判定为“{verdict}”" in texts[first] and doc.paragraphs[first + 1].style.name == "English"
    assert texts[first + 1].startswith("Base case, with the figures published up to November 2026: the probability")
    verdicts = doc.tables[0]
    assert [c.text for c in verdicts.rows[0].cells][:2] == ["目标 target", "结论 verdict\n字面读法（仅为下限）"]
    from dgforecast.core.vocabulary import VERDICTS

    assert verdicts.rows[1].cells[1].text == f"{verdict}\n{VERDICTS[verdict]}"
    assert any(t.startswith("各情景：基准情景（主情景）") for t in texts)
    assert any(t.startswith("结论取决于未公布的营业收入与总产值之比") for t in texts)
    assert len(doc.inline_shapes) == 1 and facts.fan_png.startswith(b"\x89PNG")
    everything = _everything(doc)
    assert "2022年集群总产值约5,000亿元（整数表述）" in everything  # evidence in words, with its site
    assert "m.firstproduction.net" in everything
    assert not re.search(r"\bnan\b|\bNone\b", everything)


@pytest.mark.slow
def test_no_identifier_reaches_the_memo(memo):
    import docx

    text = _everything(docx.Document(str(memo[0] / "memo.docx")))
    assert not IDENTIFIER.search(text), IDENTIFIER.search(text).group(0)


@pytest.mark.slow
def test_the_memo_says_what_it_is_and_who_made_it(memo):
    import datetime as dt

    import docx

    props = docx.Document(str(memo[0] / "memo.docx")).core_properties
    assert props.title.startswith("东莞市高端装备制造业集群行动计划目标是否实现")
    assert props.author == "dgforecast workbook" and props.created.replace(tzinfo=None) == dt.datetime(2026, 11, 28, 6)


@pytest.mark.slow
def test_memo_names_an_east_asian_font_in_every_style(memo):
    import docx
    from docx.oxml.ns import qn

    doc = docx.Document(str(memo[0] / "memo.docx"))
    for name in ("Normal", "Title", "Heading 1", "English", "Table Grid"):
        fonts = doc.styles[name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) == "Microsoft YaHei" and fonts.get(qn("w:eastAsiaTheme")) is None, name
    lang = doc.styles["Normal"].element.rPr.find(qn("w:lang"))
    assert lang.get(qn("w:eastAsia")) == "zh-CN"
