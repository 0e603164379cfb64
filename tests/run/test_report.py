"""The report: folder layout, index, summary tables, manifest, latest pointer, failures, escaping."""

import html
import io
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from dgforecast.cli import main
from dgforecast.core.config import SWEEP_NOTEBOOK
from dgforecast.core.errors import ParamsError
from dgforecast.judge.assess import REPORT_COLUMNS
from dgforecast.present.document import notebook_heading
from dgforecast.run import report, report_folders, report_jobs
from dgforecast.run.provenance import sha256_of
from tests.conftest import BUILT_SCENARIOS, REPO, put_report

FIXTURES = Path(__file__).resolve().parents[1] / "notebooks"




@pytest.mark.notebooks
def test_report_writes_index_summary_excel_manifest_and_points_latest(fake_workbook):
    stream = io.StringIO()
    result = report.build_report(fake_workbook, "base,optimistic", workers=2, progress_stream=stream)
    assert result.ok
    folder = result.folder
    assert folder.parent == fake_workbook / "reports"
    assert os.readlink(fake_workbook / "reports" / "latest") == folder.name
    summary = pd.read_csv(folder / "summary.csv")
    assert list(summary.columns) == REPORT_COLUMNS
    # the stand-in notebook writes p_met = 10 x growth: 0.6 in base, 1.0 in optimistic (params.yaml)
    assert summary["p_met"].round(6).tolist() == [0.6, 1.0]
    sheets = pd.read_excel(folder / "summary.xlsx", sheet_name=None)
    assert list(sheets) == ["level targets", "count targets"] and sheets["count targets"].empty
    pd.testing.assert_frame_equal(sheets["level targets"], summary, check_dtype=False)
    record = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert record["parameters"]["optimistic"]["growth"] == 0.10
    assert len(record["data_files_sha256"]["data/raw/plan_targets.csv"]) == 64
    assert record["packages"]["papermill"] and set(record["timings"]["notebooks_seconds"]) == {
        "scenarios/base", "scenarios/optimistic", "01_plan_baselines", "02_history_and_models",
        "04_targets_across_scenarios", "06_tracking_and_final_assessment"}
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "href='scenarios/base.html'" in page and "60.0%" in page and "存在风险" in page
    assert "<small>年均增长10.0%，波动率6.5% · growth 10.0%/yr, volatility 6.5%</small>" in page  # optimistic's
    scenario_page = (folder / "scenarios" / "base.html").read_text(encoding="utf-8")
    # a scenario's page opens with its result and ends with its parameters (as the plan's pages do)
    assert scenario_page.index("<pre>base 0.06") < scenario_page.index("情景参数 Parameters") < scenario_page.index(
        "</main>")
    # a page of the plan as a whole opens with what it shows and ends with the parameters it used
    final_page = (folder / "06_tracking_and_final_assessment.html").read_text(encoding="utf-8")
    assert final_page.index("<b>bold output</b>") < final_page.index("情景参数 Parameters") < final_page.index("</main>")
    # not on a terminal: what is checked and what starts at once, a line as each notebook starts and as it
    # finishes, then what is written; and no staging folder left behind
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("[report] 2 scenarios (base, optimistic) checked")  # the checking line: terminals only
    assert lines[1] == ("[0/6] running 6 notebooks, 2 at a time: 06_tracking_and_final_assessment, "
                        "04_targets_across_scenarios, 02_history_and_models, 01_plan_baselines, scenarios/base, "
                        "scenarios/optimistic")
    assert sum(line.endswith(": started") for line in lines) == 6 and sum(": ok (" in line for line in lines) == 6
    assert lines[-1] == "[report] writing the index, the memo and the summary tables" and len(lines) == 15
    assert [p.name for p in (fake_workbook / "reports").iterdir() if p.name.startswith(".")] == []


@pytest.mark.notebooks
def test_a_failing_notebook_does_not_stop_the_others_nor_move_latest(fake_workbook, fake_report, capsys):
    first = put_report(fake_report, fake_workbook)  # a complete report, latest pointing at it
    code = main(["--project", str(fake_workbook), "report", "--scenarios", "base,shock", "-j", "2"])
    assert code == 1
    out = capsys.readouterr().out
    assert "FAILED:  scenarios/shock: cell 3 (In [4])" in out and "RuntimeError: shock fails here" in out
    assert os.readlink(fake_workbook / "reports" / "latest") == first.name
    failed = sorted((fake_workbook / "reports").glob("*_*"))[-1]
    summary = pd.read_csv(failed / "summary.csv")
    assert summary["scenario"].tolist() == ["base"]
    page = (failed / "index.html").read_text(encoding="utf-8")
    assert "失败 Failures" in page and "raise RuntimeError(&#x27;shock fails here&#x27;)" in page
    assert (failed / "scenarios" / "shock.html").is_file()


@pytest.mark.notebooks
def test_report_notes_numbers_without_a_reason_and_still_succeeds(fake_workbook, capsys):
    with open(fake_workbook / "params.yaml", "a", encoding="utf-8") as f:
        f.write("  director:\n    label_zh: 2023年下滑情景\n    label_en: 2023 dip\n    growth: 0.05\n")
    lines = len((fake_workbook / "params.yaml").read_text(encoding="utf-8").splitlines())
    code = main(["--project", str(fake_workbook), "report", "--scenarios", "director", "-j", "1"])
    assert code == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if "note:" in line]
    assert notes == [f"dgforecast: note: params.yaml line {lines}: scenarios.director.growth has no comment saying why"]


@pytest.mark.notebooks
def test_a_value_the_user_set_in_notebook_04_and_the_report_replaced_is_said_on_the_page_and_printed(
        fake_workbook, capsys):
    import nbformat

    path = fake_workbook / "notebooks" / "04_targets_across_scenarios.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source += '\nscenarios = None\noverrides = {"growth": 0.02}  # mine\n'  # (the stand-in 04 echoes answer)
    nbformat.write(nb, path)
    code = main(["--project", str(fake_workbook), "report", "--scenarios", "base", "-j", "1", "-p", "n_sims=500"])
    assert code == 0
    out = capsys.readouterr().out
    assert ("note: 04_targets_across_scenarios.ipynb sets overrides = {'growth': 0.02} in its parameters cell; the "
            "report ran it with {'n_sims': 500}, its own value (params.yaml and -p); to use yours, pass -p "
            "growth=0.02 or put it in params.yaml") in out.splitlines()
    # the stand-in 03 sets growth = 0.0 (replaced too); 01, 02 and 06 set nothing the report replaced
    assert [line.split()[1] for line in out.splitlines() if line.startswith("note: ")] == [
        "04_targets_across_scenarios.ipynb", "03_scenario.ipynb"]
    page = (fake_workbook / "reports" / "latest" / "04_targets_across_scenarios.html").read_text(encoding="utf-8")
    assert "<code>overrides = {&#x27;growth&#x27;: 0.02}</code> → <code>{&#x27;n_sims&#x27;: 500}</code>" in page
    assert "dgf-replaced" not in (fake_workbook / "reports" / "latest" / "01_plan_baselines.html").read_text(
        encoding="utf-8")


def test_unknown_scenario_is_refused_before_any_folder_is_made(fake_workbook):
    with pytest.raises(ParamsError, match="scenario 'bsae' not found; did you mean 'base'"):
        report.build_report(fake_workbook, "bsae")
    assert not (fake_workbook / "reports").exists()


def test_bad_parameter_is_one_line_and_exit_2(fake_workbook, capsys):
    code = main(["--project", str(fake_workbook), "report", "-p", "growth=fast"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "growth" in err[0] and "'fast'" in err[0]
    assert not (fake_workbook / "reports").exists()


def test_scenario_names_cannot_escape_the_output_folder(tmp_path):
    assert report.safe_child(tmp_path, "base") == tmp_path / "base"
    for name in ("../evil", "..", "a/b", "/etc/passwd", ""):
        with pytest.raises(ParamsError, match="outside"):
            report.safe_child(tmp_path, name)


@pytest.mark.notebooks
def test_user_strings_are_escaped_in_index_and_parameter_table(fake_workbook):
    params_file = fake_workbook / "params.yaml"
    text = params_file.read_text(encoding="utf-8").replace("label_zh: 基准情景", "label_zh: \"<script>x</script>\"")
    params_file.write_text(text, encoding="utf-8")
    result = report.build_report(fake_workbook, "base", out=fake_workbook / "out", workers=1,
                                 progress_stream=io.StringIO())
    for page in (result.folder / "index.html", result.folder / "scenarios" / "base.html"):
        content = page.read_text(encoding="utf-8")
        assert "<script>x</script>" not in content and "&lt;script&gt;x&lt;/script&gt;" in content
    # --out names the folder itself; reports/latest is only for the default location
    assert result.folder == fake_workbook / "out" and not (fake_workbook / "reports" / "latest").exists()


@pytest.mark.notebooks
def test_run_passes_overrides_to_the_notebook_and_prints_the_summary(fake_workbook, capsys):
    code = main(["--project", str(fake_workbook), "run", "base", "-p", "growth=0.02", "--out", str(fake_workbook / "r")])
    assert code == 0
    out = capsys.readouterr().out
    assert "cluster_revenue_2025" in out and "20.0%" in out
    assert pd.read_csv(fake_workbook / "r" / "base_summary.csv")["p_met"].round(6).tolist() == [0.2]
    assert (fake_workbook / "r" / "base.html").is_file()


@pytest.mark.notebooks
def test_real_scenario_page_escapes_a_hostile_label_even_with_code_shown(workbook):
    hostile = "<img src=x onerror=alert(1)>"
    run, summary = report.run_scenario("base", {"label_zh": hostile, "n_sims": 200}, workbook / "out",
                                       workbook, show_code=True)
    assert run.ok, str(run.failure)
    page = run.html.read_text(encoding="utf-8")
    assert hostile not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert summary.loc[summary["target_id"] == "cluster_revenue_2025", "scenario"].tolist() == ["base"]


def test_out_folder_that_is_not_a_report_is_never_replaced(fake_workbook, tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.docx").write_text("years of work", encoding="utf-8")
    for out, what in ((precious, "not a dgforecast report"), (fake_workbook, "holds the workbook"),
                      (fake_workbook / "params.yaml", "is a file")):
        with pytest.raises(ParamsError, match=what):
            report.build_report(fake_workbook, "base", out=out)
    assert (precious / "thesis.docx").read_text(encoding="utf-8") == "years of work"


def test_an_earlier_report_at_out_is_swapped_for_the_new_one(tmp_path):
    old, new = tmp_path / "report", tmp_path / ".report.partial-1"
    for folder, text in ((old, "old"), (new, "new")):
        folder.mkdir()
        (folder / "manifest.json").write_text(text, encoding="utf-8")
    report_folders.check_replaceable(old, tmp_path / "elsewhere")
    report_folders.move_into_place(new, old)
    assert (old / "manifest.json").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def test_data_dependent_problems_stop_before_any_kernel_with_exit_2(fake_workbook, capsys):
    code = main(["--project", str(fake_workbook), "run", "base", "-p", "growth_overrides.2021=-0.1"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["dgforecast: error: scenario base: growth_overrides 2021: not a simulated year (2022-2025); "
                   "remove it or name a year in that span"]
    assert not (fake_workbook / "reports").exists()


def _write_sweep(workbook, path, specs):
    """A small sweep results file made with the sweep API (few paths: only the page is under test)."""
    from dgforecast.plan.params import resolve_scenario
    from dgforecast.run.pipeline import load_inputs
    from dgforecast.run.sweep import grid_points, make_setup, parse_grid, sweep, write_results

    base = resolve_scenario(workbook / "params.yaml", "base", {"n_sims": 200})
    grid = parse_grid(specs)
    return write_results(sweep(grid_points(grid), make_setup(load_inputs(workbook), base)), path)


@pytest.mark.notebooks
def test_sweep_file_adds_the_heat_map_page_linked_from_the_index(built_report):
    import nbformat

    # the session's real report (conftest.built_report): base and shock, with a sweep file
    folder, results = built_report.folder, built_report.sweep_file
    assert built_report.result.ok, built_report.result.failures
    assert (folder / "05_sweep.html").is_file()
    executed = nbformat.read(folder / "05_sweep.ipynb", as_version=4)
    assert [o for c in executed.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    page = (folder / "index.html").read_text(encoding="utf-8")
    heading = notebook_heading(executed)  # the page is listed by its first heading, not its file name
    assert heading and "参数扫描 Sweep: <a href='05_sweep.html'>" in page
    assert f"<li><a href='05_sweep.html'>{html.escape(heading)}</a>" in page
    record = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert record["sweep"] == {"file": str(results.resolve()), "sha256": sha256_of(results)}
    # one finished line per notebook: 03 for each scenario, and 01, 02, 04, 05 and 06 once
    finished = [line for line in built_report.progress.splitlines() if ": ok (" in line]
    assert len(finished) == len(BUILT_SCENARIOS.split(",")) + 5


@pytest.mark.parametrize("name, message", [
    ("missing.csv", "no such file; make one with dgforecast sweep --out FILE"),
    ("sweep.txt", "unknown format '.txt'"),
    ("not_a_sweep.csv", "no p_met.<target> column"),
    ("one_key.csv", "grid key(s) growth; the heat map needs a sweep over two --grid keys"),
    ("other_workbook.csv", "target 'elsewhere_2030' is not in this workbook"),
    ("broken.parquet", "cannot be read"),
])
def test_bad_sweep_file_is_one_line_and_exit_2_before_any_kernel(fake_workbook, capsys, name, message):
    path = fake_workbook / name
    if name == "sweep.txt" or name == "broken.parquet":
        path.write_text("growth,p_met.cluster_revenue_2025\n0.02,0.5\n", encoding="utf-8")
    elif name == "not_a_sweep.csv":
        shutil.copy(fake_workbook / "data" / "raw" / "plan_targets.csv", path)
    elif name == "one_key.csv":
        _write_sweep(fake_workbook, path, ["growth=0.02,0.04"])
    elif name == "other_workbook.csv":
        path.write_text("growth,volatility,p_met.elsewhere_2030\n0.02,0.05,0.5\n", encoding="utf-8")
    code = main(["--project", str(fake_workbook), "report", "--scenarios", "base", "--sweep", str(path)])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"dgforecast: error: --sweep {path}: ") and message in err[0]
    assert not (fake_workbook / "reports").exists()


def test_every_page_of_a_report_links_home_relatively_and_scenario_pages_name_their_scenario(fake_workbook, tmp_path):
    import nbformat

    from dgforecast.core.config import ProjectPaths
    from dgforecast.plan.params import resolve_scenario

    paths = ProjectPaths(fake_workbook)
    shutil.copy(REPO / "notebooks" / SWEEP_NOTEBOOK, fake_workbook / "notebooks" / SWEEP_NOTEBOOK)
    mine = nbformat.read(fake_workbook / "notebooks" / "01_plan_baselines.ipynb", as_version=4)
    mine.metadata["dgforecast"] = {"runs": "per_scenario"}  # an economist's own page per scenario
    nbformat.write(mine, fake_workbook / "notebooks" / "07_mine.ipynb")
    names = ["base", "shock"]
    params = {n: resolve_scenario(paths.params_file, n) for n in names}
    jobs = report_jobs.report_jobs(paths, names, params, {}, tmp_path, False, sweep_file=tmp_path / "s.csv")
    for job in jobs:
        assert (job.html.parent / job.home).resolve() == (tmp_path / "index.html").resolve(), job.name
    subjects = {job.name: job.subject for job in jobs}
    assert subjects["scenarios/base"] == "基准情景 Base case"
    assert subjects["scenarios/shock"] == subjects["07_mine/shock"] == "需求冲击情景 Demand shock 2022-2023"
    assert subjects["01_plan_baselines"] == subjects["05_sweep"] == ""  # the notebook's heading says it all
