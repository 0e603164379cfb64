"""Every shape of plan reports: each plan of ``plan_shapes.SHAPES``, written through ``dgforecast new-plan`` in a
folder of its own (no notebooks above it: the package's are run), is assessed and reported, and every target
appears on the index, the memo and the pages with its state, and the reason when it has no probability; no page
says 亿元, 突破 or a ratio's sentence that the plan does not state.

One report a shape (the base scenario, 500 paths, two workers): about ten to twenty seconds each on two cores.
Each shape is one test, so a shape's report is made once however pytest-xdist spreads the tests.
"""

import io
import re
from contextlib import redirect_stderr

import pandas as pd
import pytest

from dgforecast.cli import main
from dgforecast.core.vocabulary import NO_FIGURE, STATES
from dgforecast.present.words import unassessed_words
from dgforecast.run.pipeline import load_inputs
from tests.workbook.plan_shapes import SHAPES, build_shape
from tests.workbook.report_text import RATIO_WORDS, pages_saying, report_texts

pytestmark = [pytest.mark.slow, pytest.mark.notebooks]


def _reported(name, base):
    """(shape name, plan folder, report folder, exit codes of assess and report) of one shape."""
    folder = build_shape(name, base / "plan")
    with redirect_stderr(io.StringIO()):
        assessed = main(["--project", str(folder), "assess", "base", "-p", "n_sims=500"])
        reported = main(["--project", str(folder), "report", "-j", "2", "-p", "n_sims=500"])
    return name, folder, folder / "reports" / "latest", assessed, reported


@pytest.mark.parametrize("name", list(SHAPES))
def test_every_shape_reports_every_target_with_its_state_in_the_plans_own_words(name, tmp_path):
    reported = _reported(name, tmp_path)
    check_report_completes(reported)
    check_every_target_has_its_state(reported)
    check_no_probability_says_why(reported)
    check_only_the_plans_words(reported)
    check_a_measures_own_growth_is_named(reported)


def check_report_completes(reported):
    """assess and report exit 0, and the report is complete and failed nowhere."""
    name, folder, latest, assessed, code = reported
    assert (assessed, code) == (0, 0), name
    assert (latest / "index.html").is_file() and (latest / "memo.docx").is_file()
    index = (latest / "index.html").read_text(encoding="utf-8")
    assert "失败 Failures" not in index and "Traceback" not in index


def check_every_target_has_its_state(reported):
    """Every target on the index, the memo and the scenario page, with its state."""
    name, folder, latest, *_ = reported
    targets = load_inputs(folder)["targets"]
    texts = report_texts(latest)
    summary = pd.read_csv(latest / "summary.csv")
    for target in targets.to_dict(orient="records"):
        for page in ("index.html", "memo.docx", "scenarios/base.html"):
            assert target["name_zh"] in texts[page], (name, target["id"], page)
        state = summary.set_index("target_id").loc[target["id"], "status"]
        assert state in STATES, (name, target["id"], state)
        index_row = re.search(re.escape(target["name_zh"]) + r".{0,600}", texts["index.html"], re.S).group(0)
        assert state in index_row or state in texts["index.html"], (name, target["id"])


def check_no_probability_says_why(reported):
    """A level target without a probability says why on the index and in the memo."""
    name, folder, latest, *_ = reported
    targets = load_inputs(folder)["targets"].set_index("id")
    summary = pd.read_csv(latest / "summary.csv").set_index("target_id")
    texts = report_texts(latest)
    without = [t for t in targets.index if targets.loc[t, "kind"] == "level" and pd.isna(summary.loc[t, "p_met"])]
    for target_id in without:
        why_zh, why_en = unassessed_words(targets.loc[target_id])
        assert summary.loc[target_id, "status"] == NO_FIGURE
        for page in ("index.html", "memo.docx"):
            assert why_zh in texts[page] and why_en in texts[page], (name, target_id, page)
    assert bool(without) == (name == "nothing_to_start_from")


def check_only_the_plans_words(reported):
    """No page says a unit, 突破 or a link's sentence the plan does not state."""
    name, _, latest, *_ = reported
    shape, texts = SHAPES[name], report_texts(latest)
    if "亿元" not in shape.units:
        assert pages_saying(texts, "亿元") == {}, name
    if not shape.tupo:
        assert pages_saying(texts, "突破") == {}, name
    if not shape.linked:
        assert pages_saying(texts, *RATIO_WORDS) == {}, name
    else:
        assert "示例营收与示例产值之比" in texts["index.html"] or "示例营收与示例产值之比" in texts["memo.docx"]


def test_new_plans_placeholders_are_refused_where_a_probability_would_rest_on_them(tmp_path, capsys):
    folder = build_shape("bound_base_ahead_no_evidence", tmp_path / "plan", placeholders=True)
    capsys.readouterr()
    assert main(["--project", str(folder), "assess", "base"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "defaults.growth" in err and "placeholder" in err
    # a trial value on the command line is the user's own: it runs
    assert main(["--project", str(folder), "assess", "base", "-p", "growth=0.05", "-p", "volatility=0.1",
                 "-p", "n_sims=200"]) == 0


def check_a_measures_own_growth_is_named(reported):
    """A measure's own growth is named with its measure on the scenario page, the index and the memo."""
    name, _, latest, *_ = reported
    texts = report_texts(latest)
    said = "示例产量 example units made: growth 4.0%/yr, volatility 0.12"
    if SHAPES[name].params_extra:
        assert said in texts["scenarios/base.html"] and said in texts["memo.docx"] and said in texts["index.html"]
    else:
        assert "示例产量" not in texts["scenarios/base.html"]
