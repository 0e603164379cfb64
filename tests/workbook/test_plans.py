"""A plan is data: the robot plans run on the same code, a renamed variable changes nothing, and the
package holds no fact of any plan; each of the four workbooks reports in its own units and words."""

import ast
import io
import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from dgforecast.cli import main
from dgforecast.core.errors import ParamsError
from dgforecast.judge.assess import assess_inputs, summary_records
from dgforecast.judge.robust import judge_scenario
from dgforecast.plan.params import resolve_scenario
from dgforecast.plan.plan_file import load_plan
from dgforecast.plan.schema import FIELDS
from dgforecast.run.pipeline import load_inputs
from tests.conftest import REPO, SHIPPED

PLANS = REPO / "plans"
PACKAGE = REPO / "dgforecast"


def _copy(source: Path, root: Path) -> Path:
    shutil.copytree(source / "data" / "raw", root / "data" / "raw")
    shutil.copy(source / "params.yaml", root / "params.yaml")
    return root


def _assessed(root, scenario="base", **overrides):
    params = resolve_scenario(root / "params.yaml", scenario, {"n_sims": 4000, "as_of": "2026-11", **overrides})
    return {r["target_id"]: r for r in summary_records(assess_inputs(params, load_inputs(root)))}


# ---------------------------------------------------------------- the robot plans
@pytest.fixture(scope="module")
def gd(tmp_path_factory):
    return _copy(PLANS / "gd_robots_2021_2025", tmp_path_factory.mktemp("gd") / "workbook")


@pytest.fixture(scope="module")
def dg_robots(tmp_path_factory):
    return _copy(PLANS / "dg_robots_2023_2025", tmp_path_factory.mktemp("dgr") / "workbook")


def test_a_plan_without_a_base_figure_starts_from_the_latest_exact_one_and_the_evidence_decides(gd):
    # 24.68 万台 in 2024 (exact) and +32.1 % January-August 2025: more than 10 万台 in every scenario,
    # even one that assumes output halves in 2025
    for scenario in ("base", "slowdown"):
        found = _assessed(gd, scenario)["industrial_robots_2025"]
        assert found["p_met"] > 0.999 and found["status"] == "已实现"
        assert "indrobot_2025_ytd08" in found["evidence_used"] and "indrobot_2024" not in found["evidence_used"]
        # grown from the anchor by much of the year's +32 % (the slowdown's assumed halving pulls a little back)
        assert 24.68 * 1.1 < found["median"] < 24.68 * 1.45


def test_a_target_with_nothing_to_start_from_is_told_so_never_dropped(gd):
    found = _assessed(gd)
    for target_id in ("revenue_2025", "revenue_growth_2025"):
        assert found[target_id]["p_met"] is None and found[target_id]["status"] == "无法确认"
    assert "no base figure for robot_revenue" in found["revenue_2025"]["unassessed"]
    assert "average growth is counted from" in found["revenue_growth_2025"]["unassessed"]


def test_as_of_before_the_anchor_was_published_no_path_can_start(gd):
    found = _assessed(gd, as_of="2025-01")["industrial_robots_2025"]
    assert found["p_met"] is None and "no exact yearly level" in found["unassessed"]


def _index_text(root, scenarios):
    from dgforecast.judge.assess import with_plan
    from dgforecast.present.facts import report_facts
    from dgforecast.present.index_page import index_html

    params = {n: resolve_scenario(root / "params.yaml", n, {"as_of": "2026-11", "n_sims": 2000}) for n in scenarios}
    inputs = load_inputs(root)
    facts = report_facts(params, inputs, (root / "params.yaml").read_text(encoding="utf-8"), scenarios[0])
    summary = pd.concat([with_plan(assess_inputs(p, inputs), assess_inputs(p.at_plan(), inputs)) for p in params.values()],
                        ignore_index=True)
    html = index_html(summary, facts, scenarios, {}, {n: (p.label_zh, p.label_en) for n, p in params.items()}, "now")
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.S))


@pytest.mark.slow
def test_the_index_says_why_a_target_has_no_probability_and_never_prints_nan(gd):
    text = _index_text(gd, ["base", "slowdown"])
    assert "nan" not in text.lower()
    assert "规划未给出基数，该口径也尚无公布的年度确切数字，无从起算" in text          # revenue_2025
    assert "年均增长无从计算" in text and "average growth is counted from" in text  # revenue_growth_2025
    assert text.count("没有任何公开数据涉及该目标") == 0  # they have no probability at all, not a plan-time one
    # the industrial-robot paths start from the 2024 exact level, and the page says so
    assert "规划未给出基数，自2024年工业机器人产量24.68万台起算" in text


@pytest.mark.slow
def test_with_several_level_targets_each_has_its_own_line_across_the_scenarios(dg_robots):
    text = _index_text(dg_robots, ["base", "optimistic", "pessimistic"])
    for name in ("智能机器人核心产业营业收入", "带动相关产业营业收入", "工业机器人年产量"):
        assert f"{name}，各情景：" in text
        assert f"{name}：" in text  # and its own note on what the verdict rests on


def test_a_base_stated_as_a_bound_starts_above_it_and_within_its_round_figure(dg_robots):
    # 超过600亿元 in 2022: the paths start in 600-700; without evidence the verdict cannot be confirmed
    found = _assessed(dg_robots, "base", growth=0.0, volatility=0.0)["related_revenue_2025"]
    assert 600 <= found["q10"] <= found["median"] <= found["q90"] < 700
    assert found["median"] == pytest.approx(650, abs=8) and found["status"] == "无法确认"


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["base", "optimistic", "pessimistic"])
def test_a_target_no_figure_since_the_plan_bears_on_is_never_decided_by_the_assumptions(dg_robots, scenario):
    # industrial_robots_2025: its only figure (Q1 2023) predates the plan, so P(met) as of now is P(met) as of
    # the plan, the scenario's growth speaking; 96.5 % in the optimistic case is still 无法确认, and says why
    params = resolve_scenario(dg_robots / "params.yaml", scenario, {"n_sims": 4000, "as_of": "2026-11"})
    result = judge_scenario(params, load_inputs(dg_robots))
    row = result.robust.set_index("target_id").loc["industrial_robots_2025"]
    assert row["verdict"] == "无法确认" and not row["moved"]
    assert abs(row["p_met"] - row["p_met_plan"]) < 3 * math.hypot(row["p_se"], row["p_se_plan"])
    assert row["why"] == "no figure published since the plan bears on it"
    assert result.summary.set_index("target_id").loc["industrial_robots_2025", "status"] == "无法确认"


def test_the_robot_plans_unlinked_and_weak_rows_are_left_out_saying_why(dg_robots):
    params = resolve_scenario(dg_robots / "params.yaml", "base", {"n_sims": 2000})
    result = assess_inputs(params, load_inputs(dg_robots))
    why = result.simulation.selection.left_out.set_index("evidence_id")["reason_kind"].to_dict()
    assert why == {"indrobot_2025_ytd11": "weak", "robot_size_2024": "unlinked"}
    found = {r["target_id"]: r for r in summary_records(result)}
    assert found["industrial_robots_2025"]["evidence_used"] == ["indrobot_2023_ytd03"]
    assert found["core_revenue_2025"]["evidence_used"] == [] and found["core_revenue_2025"]["status"] == "无法确认"


#: The plan folders under plans/, each a workbook of its own (README.md lists them with the root's).
PLAN_NAMES = sorted(p.name for p in PLANS.iterdir() if (p / "params.yaml").is_file())


def test_the_plans_folder_holds_the_three_robot_plans():
    assert PLAN_NAMES == ["dg_robots_2023_2025", "dg_robots_2025_2027", "gd_robots_2021_2025"]


@pytest.mark.parametrize("name", PLAN_NAMES)
def test_every_plan_folder_checks_with_dgforecast_data(name, tmp_path, capsys):
    root = _copy(PLANS / name, tmp_path / name)
    assert main(["--project", str(root), "data"]) == 0
    assert "wrote 5 tables" in capsys.readouterr().out


# ---------------------------------------------------------------- names are the plan's, not the code's
def _rename(root, pairs):
    for path in (root / "data" / "raw").iterdir():
        if path.suffix in (".csv", ".yaml"):
            text = path.read_text(encoding="utf-8")
            for old, new in pairs:
                text = text.replace(old, new)
            path.write_text(text, encoding="utf-8")


def test_renaming_a_variable_and_a_measure_consistently_changes_nothing(tmp_path):
    before = _assessed(_copy(SHIPPED, tmp_path / "before"))
    after_root = _copy(SHIPPED, tmp_path / "after")
    _rename(after_root, [("Gross Output|Electrical Machinery and Equipment", "Output|Renamed"),
                         ("cluster_output", "sector_gross_output")])
    after = _assessed(after_root)
    assert after == before
    assert before["cluster_revenue_2025"]["evidence_used"]  # the evidence still weighs on it


def test_a_target_naming_a_measure_the_plan_lacks_is_one_line(tmp_path, capsys):
    root = _copy(SHIPPED, tmp_path / "w")
    path = root / "data" / "raw" / "plan_targets.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",cluster_revenue,", ",cluster_revnue,"), encoding="utf-8")
    assert main(["--project", str(root), "assess", "base"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean 'cluster_revenue'?" in err


@pytest.mark.parametrize("edit, words", [
    (("role: level_times_ratio", "role: level_times_ratios"), "measures.cluster_revenue.role"),
    (("    of: cluster_output\n    name_zh: 集群营业收入", "    name_zh: 集群营业收入"), "measures.cluster_revenue.of"),
    (("plan_month: 2022-01", "plan_month: 2022-13"), "plan.plan_month"),
    (("  base_year: 2021\n", ""), "plan.base_year: missing"),
])
def test_a_malformed_plan_is_refused_in_one_line(tmp_path, capsys, edit, words):
    root = _copy(SHIPPED, tmp_path / "w")
    path = root / "data" / "raw" / "plan.yaml"
    text = path.read_text(encoding="utf-8")
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1]), encoding="utf-8")
    with pytest.raises(ParamsError) as caught:
        load_plan(root / "data" / "raw")
    assert "\n" not in str(caught.value) and words in str(caught.value), str(caught.value)
    assert main(["--project", str(root), "data"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


# ---------------------------------------------------------------- no plan in the package
def _code_literals(path: Path):
    """(line, value) of every string and number literal of a module's code, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant) and isinstance(node.body[0].value.value, str)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in docstrings and not isinstance(node.value, bool):
            if isinstance(node.value, (str, int, float)):
                yield node.lineno, node.value


def _plan_facts(raw: Path) -> tuple[set, list]:
    """The numbers and the words of one plan: its figures, targets, years, ids, series, names and files."""
    import pandas as pd

    plan = load_plan(raw)
    numbers = set()
    words = [plan.plan.title_zh, plan.plan.region_en, plan.plan.region_zh, *plan.measures,
             *(m.series for m in plan.measures.values() if m.series),
             *(m.baseline for m in plan.measures.values() if m.baseline)]
    if plan.history_file:
        words.append(plan.history_file.removesuffix(".csv"))
    targets = pd.read_csv(raw / "plan_targets.csv", dtype=str)
    words += list(targets["id"])
    numbers |= {float(v) for v in targets["threshold"]} | {int(v) for v in targets["deadline"]}
    baselines = pd.read_csv(raw / "plan_baselines.csv", dtype=str)
    numbers |= {float(v) for v in baselines["value"]}
    numbers |= {int(plan.plan.plan_month[:4])}
    if len(baselines):  # the base year is the plan's when it gives figures of it (else it is the workbook's reading)
        numbers |= {plan.plan.base_year}
    # small round numbers (100, 200: a count target, or a percent) and round thousands (1000: a millisecond, a
    # length) are everyone's; parameter names (the ratio a plan's measure may share its name with) are the schema's
    generic = set(FIELDS) | {m for m in plan.measures if m in FIELDS}
    facts = {n for n in numbers if (abs(n) >= 500 and n not in (1000, 10000)) or (n != int(n) and abs(n) >= 1)}
    return facts, [w for w in words if len(w) >= 4 and w not in generic]


PLAN_FOLDERS = [SHIPPED / "data" / "raw", *(p / "data" / "raw" for p in sorted(PLANS.iterdir()))]


@pytest.mark.parametrize("raw", PLAN_FOLDERS, ids=lambda p: p.parents[1].name)
def test_the_package_code_holds_no_fact_of_any_plan(raw):
    numbers, words = _plan_facts(raw)
    words += ["Dongguan", "东莞", "Guangdong", "广东", "DG_", "GD_"]
    written = [re.compile(rf"(?<![\d.]){re.escape(f'{n:g}')}(?![\d])") for n in numbers]  # 5400 in a string
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "reference_errors.py":  # generated tables of the M3 benchmark, no plan in them
            continue
        for line, value in _code_literals(path):
            if isinstance(value, str):
                found += [f"{path.name}:{line}: {w!r}" for w in words if w in value]
                found += [f"{path.name}:{line}: {p.pattern!r} in {value[:40]!r}" for p in written if p.search(value)]
            elif value in numbers:
                found.append(f"{path.name}:{line}: {value!r}")
    assert found == [], "plan facts in the package's code (move them to the plan's files):\n" + "\n".join(found)


@pytest.mark.parametrize("raw", PLAN_FOLDERS, ids=lambda p: p.parents[1].name)
def test_the_package_data_holds_no_fact_of_any_plan(raw):
    # the templates of dgforecast new-plan (dgforecast/plan/scaffold/) and any other file the package ships
    numbers, words = _plan_facts(raw)
    words += ["Dongguan", "东莞", "Guangdong", "广东", "DG_", "GD_"]
    written = [re.compile(rf"(?<![\d.]){re.escape(f'{n:g}')}(?![\d])") for n in numbers]
    shipped = [p for p in sorted(PACKAGE.rglob("*")) if p.is_file() and p.suffix not in (".py", ".pyc")]
    assert any(p.parent.name == "raw" for p in shipped)  # the scaffold's data/raw/ is among them
    found = []
    for path in shipped:
        for line, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found += [f"{path.name}:{line}: {w!r}" for w in words if w in text]
            found += [f"{path.name}:{line}: {p.pattern!r}" for p in written if p.search(text)]
    assert found == [], "plan facts in the package's files (use placeholders):\n" + "\n".join(found)


# ---------------------------------------------------------------- the 2025-2027 plan: its deadline ahead
@pytest.fixture(scope="module")
def dg_next(tmp_path_factory):
    return _copy(PLANS / "dg_robots_2025_2027", tmp_path_factory.mktemp("dgn") / "workbook")


def test_the_2025_2027_plan_tracks_and_says_why_no_target_has_a_probability_yet(dg_next):
    found = _assessed(dg_next)
    assert set(found) == {"related_revenue_2027", "related_firms_2027", "champion_firms_2027"}
    assert all(r["p_met"] is None and r["status"] == "暂无公开数字" for r in found.values())  # 2027 is ahead
    assert "no base figure for related_revenue" in found["related_revenue_2027"]["unassessed"]
    params = resolve_scenario(dg_next / "params.yaml", "base", {"n_sims": 200, "as_of": "2026-11"})
    result = assess_inputs(params, load_inputs(dg_next))
    assert result.simulation.unused == {"rel_rev_2022_at_least": (
        "related_revenue_2027 is judged on related_revenue, but its paths have no figure to start from yet (no base "
        "figure, no exact yearly level published)")}
    assert result.simulation.selection.left_out.set_index("evidence_id")["reason_kind"].to_dict() == {
        "robot_size_2024": "unlinked"}


def test_the_2025_2027_plan_states_its_target_as_the_plan_does(dg_next):
    from dgforecast.present.words import goal_words

    targets = load_inputs(dg_next)["targets"].set_index("id")
    assert goal_words(targets.loc["related_revenue_2027"]) == ("突破1000亿元", "more than 1,000 亿元")
    assert goal_words(targets.loc["related_firms_2027"]) == ("达到1000家以上", "at least 1,000 家")


# ---------------------------------------------------------------- each plan's report, on the same notebooks
def _plan_report(name, base):
    """(plan folder, report folder) of the plan ``name`` under plans/, copied under ``base`` and reported."""
    from dgforecast.run import report

    root = _copy(PLANS / name, base / name)  # no notebooks/ anywhere above it: the package's are run
    result = report.build_report(root, out=base / "report", workers=2, overrides={"n_sims": 2000},
                                 progress_stream=io.StringIO())
    assert result.ok, [str(result.runs[n].failure) for n in result.failures]
    return root, result.folder


@pytest.mark.slow
@pytest.mark.notebooks
@pytest.mark.parametrize("name", PLAN_NAMES)
def test_every_plan_reports_titled_with_that_plan_and_in_its_own_words(name, tmp_path):
    root, folder = _plan_report(name, tmp_path)  # one test a plan: its report is made once
    title = load_plan(root / "data" / "raw").plan.title_zh
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert f"<h1>{title}" in index and "东莞市高端装备制造业集群" not in index.replace(title, "")
    page = (folder / "scenarios" / "base.html").read_text(encoding="utf-8")
    assert re.search(rf"<title>[^<]* — {re.escape(title)}</title>", page)
    import docx

    memo = docx.Document(str(folder / "memo.docx"))
    assert memo.core_properties.subject == title
    _check_words(root, folder)


def _states(root) -> dict:
    """What a plan's data states: its units (targets'), whether it says 突破 (a target's wording or a published
    phrase) and whether it links a pair of measures (plan.yaml level_times_ratio)."""
    inputs = load_inputs(root)
    targets, evidence = inputs["targets"], inputs["evidence"]
    phrases = list(evidence["source_phrase"]) if evidence is not None else []
    return {"units": set(targets["unit"]), "linked": bool(inputs["plan"].linked_pairs()),
            "tupo": "突破" in set(targets["wording"]) or any("突破" in str(p) for p in phrases)}


def _check_words(root, folder):
    """No page or memo of the report says 突破 or a link's sentence the plan does not state, and every level
    target's table names its own unit and no other."""
    from tests.workbook.report_text import RATIO_WORDS, pages_saying, report_texts

    states, texts = _states(root), report_texts(folder)
    if not states["tupo"]:
        assert pages_saying(texts, "突破") == {}
    if not states["linked"]:
        assert pages_saying(texts, *RATIO_WORDS) == {}
    else:
        assert pages_saying(texts, *RATIO_WORDS)  # and a plan with a link says so
    if "亿元" not in states["units"]:
        assert pages_saying(texts, "亿元") == {}
    levels = load_inputs(root)["targets"]
    levels = levels[levels["kind"] == "level"]
    index = (folder / "index.html").read_text(encoding="utf-8")
    for target in levels.to_dict(orient="records"):  # the index's block of each target: its unit only
        block = index.split(f"<h3>{target['name_zh']} ", 1)[1].split("<h3>", 1)[0].split("</table>", 1)[0]
        others = {u for u in ("亿元", "万台", "万套", "家", "个") if u != target["unit"] and u not in target["unit"]}
        assert target["unit"] in block and not [u for u in others if f"<small>{u}</small>" in block], target["id"]
    memo = texts["memo.docx"]
    for unit in {"亿元", "万台", "万套", "家", "个"}:  # one median column headed in each level target's unit
        assert memo.count(f"中位数 median ({unit})") == int((levels["unit"] == unit).sum()), unit


@pytest.mark.slow
@pytest.mark.notebooks
def test_no_page_of_the_first_workbook_says_a_word_it_does_not_state(built_report):
    _check_words(built_report.root, built_report.folder)
