"""Executing notebooks: this environment's kernel, parameters, failures, HTML without code, batches of jobs."""

import io
import os
import sys
from pathlib import Path

import nbformat
import pytest

from dgforecast.core.config import SCENARIO_NOTEBOOK
from dgforecast.core.errors import ParamsError
from dgforecast.plan.params import resolve_scenario
from dgforecast.present.notebook_html import replaced_note_html
from dgforecast.run.jobs import NotebookJob, Progress, check_sources, run_jobs, scenario_job
from dgforecast.run.notebook import CellFailure, NotebookRun, execute_notebook, kernel_argv
from dgforecast.run.parameters import notebook_values, replaced_lines, replaced_values

FIXTURES = Path(__file__).resolve().parents[1] / "notebooks"


def _stream_text(nb, cell_index):
    return "".join(o.get("text", "") for o in nb.cells[cell_index].outputs if o.output_type == "stream")


@pytest.mark.notebooks
def test_kernel_runs_this_interpreter_whatever_the_metadata_names(tmp_path, monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    run = execute_notebook(FIXTURES / "kernel_named_nowhere.ipynb", tmp_path / "out.ipynb")
    assert run.ok
    executable, cwd, threads = _stream_text(nbformat.read(run.output, as_version=4), 1).split()
    assert executable == sys.executable
    # the kernel is limited to one thread; the caller's environment is left alone
    assert threads == "1" and "OMP_NUM_THREADS" not in os.environ
    # The kernel works in the output's folder unless told otherwise.
    assert Path(cwd) == tmp_path.resolve()
    assert kernel_argv()[:3] == [sys.executable, "-m", "ipykernel_launcher"]


@pytest.mark.notebooks
def test_parameters_are_injected_and_html_hides_code_but_escapes_strings(tmp_path):
    label = "<script>alert('x')</script>"
    run = execute_notebook(FIXTURES / "echoes_parameters.ipynb", tmp_path / "out.ipynb",
                           {"answer": 21, "label": label}, html=tmp_path / "out.html",
                           preamble_html="<p id='preamble'>params</p>")
    nb = nbformat.read(run.output, as_version=4)
    assert "injected-parameters" in nb.cells[2].metadata.tags
    assert _stream_text(nb, 3) == f"42\n{label}\n"
    page = (tmp_path / "out.html").read_text(encoding="utf-8")
    assert label not in page and "&lt;script&gt;alert" in page
    # the notebook sets answer = 0 and label = 'none': the run replaced both, and the page says so first
    assert run.replaced == {"answer": (0, 21), "label": ("none", label)}
    assert page.index("class='dgf-replaced'") < page.index("id='preamble'")
    assert "<code>answer = 0</code> → <code>21</code>" in page
    assert "print(answer * 2)" not in page          # no code
    assert "<b>bold output</b>" in page              # the notebook's own HTML output stays
    assert page.index("id='preamble'") < page.index("<pre>42")


@pytest.mark.notebooks
def test_show_code_keeps_the_cells_in_the_html(tmp_path):
    execute_notebook(FIXTURES / "echoes_parameters.ipynb", tmp_path / "out.ipynb", html=tmp_path / "out.html",
                     show_code=True)
    page = (tmp_path / "out.html").read_text(encoding="utf-8")
    assert "answer" in page and "label" in page


@pytest.mark.notebooks
def test_failure_names_the_cell_and_still_writes_notebook_and_html(tmp_path):
    run = execute_notebook(FIXTURES / "raises_in_cell3.ipynb", tmp_path / "out.ipynb", html=tmp_path / "out.html")
    assert not run.ok
    assert isinstance(run.failure, CellFailure)
    # numbered as in the source, not counting the cells papermill adds (banner, injected parameters)
    assert run.failure.cell_index == 3
    assert (run.failure.ename, run.failure.evalue) == ("ValueError", "boom at cell 3")
    assert run.failure.source == "raise ValueError('boom at cell 3')"
    assert "ValueError: boom at cell 3" in str(run.failure)
    assert run.output.is_file() and (tmp_path / "out.html").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]   # no temporary left behind


@pytest.mark.notebooks
def test_a_dead_kernel_fails_the_notebook_at_its_cell_instead_of_raising(tmp_path):
    run = execute_notebook(FIXTURES / "kills_its_kernel.ipynb", tmp_path / "out.ipynb", html=tmp_path / "out.html")
    assert (run.failure.cell_index, run.failure.ename) == (1, "DeadKernelError")
    assert run.failure.source == "import os\nos._exit(1)"
    assert (tmp_path / "out.html").is_file()


def test_a_missing_notebook_raises_before_writing_anything(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.ipynb: notebook not found"):
        execute_notebook(FIXTURES / "nope.ipynb", tmp_path / "out.ipynb")
    assert not (tmp_path / "out.ipynb").exists()


@pytest.mark.notebooks
def test_a_kernel_that_does_not_start_is_started_once_more(tmp_path, monkeypatch):
    from dgforecast.run import notebook

    calls, to_fail = [], [1]
    real = notebook.run_papermill

    def flaky(source, tmp, parameters, cwd, timeout):
        calls.append(1)
        if to_fail:
            to_fail.pop()
            return CellFailure(-1, None, "RuntimeError", "Kernel died before replying to kernel_info")
        return real(source, tmp, parameters, cwd, timeout)

    monkeypatch.setattr(notebook, "run_papermill", flaky)
    run = execute_notebook(FIXTURES / "echoes_parameters.ipynb", tmp_path / "out.ipynb", {"answer": 2})
    assert run.ok and len(calls) == 2
    # a cell that fails is not retried
    calls.clear()
    assert not execute_notebook(FIXTURES / "raises_in_cell3.ipynb", tmp_path / "bad.ipynb").ok
    assert len(calls) == 1


def test_kernels_keep_inline_charts_when_the_shell_sets_mplbackend():
    from dgforecast.run.notebook import kernel_environment

    env = kernel_environment({"MPLBACKEND": "Agg", "LANG": "C.UTF-8"})
    assert "MPLBACKEND" not in env
    assert env["LANG"] == "C.UTF-8" and env["OMP_NUM_THREADS"] == "1"


# ---------------------------------------------------------------- batches of jobs
class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_rewrites_one_line_on_a_terminal_and_prints_lines_otherwise():
    ok = NotebookRun(Path("a.ipynb"), Path("a.ipynb"), None, 1.25)
    bad = NotebookRun(Path("b.ipynb"), Path("b.ipynb"), None, 2.0, CellFailure(3, 4, "ValueError", "boom"))
    plain = io.StringIO()
    progress = Progress(2, plain)
    progress("a", ok)
    progress("b", bad)
    assert plain.getvalue() == ("[1/2] a: ok (1.2 s)\n"
                                "[2/2] b: FAILED at cell 3 (In [4]): ValueError: boom (2.0 s)\n")
    terminal = _Terminal()
    progress = Progress(2, terminal)
    progress("a", ok)
    progress("a2", ok)
    assert terminal.getvalue() == "\r\033[K[1/2] a: ok (1.2 s)\r\033[K[2/2] a2: ok (1.2 s)\n"


def test_progress_names_the_batch_at_once_then_what_runs_from_its_first_second():
    ok = NotebookRun(Path("a.ipynb"), Path("a.ipynb"), None, 1.25)
    jobs = [NotebookJob(n, Path(f"{n}.ipynb"), Path("."), {}) for n in ("a", "b", "c")]
    now = [100.0]
    plain = io.StringIO()
    progress = Progress(stream=plain, clock=lambda: now[0])
    progress.begin(jobs, workers=2)
    progress.tick()  # a log gets no clock
    progress("a", ok)  # c starts when a finishes: the workers take the notebooks in order
    assert plain.getvalue().splitlines() == [
        "[0/3] running 3 notebooks, 2 at a time: a, b, c", "[0/3] a: started", "[0/3] b: started", "[1/3] a: ok (1.2 s)",
        "[1/3] c: started"]
    progress.say("checking", passing=True)  # a passing line: terminals only
    assert "checking" not in plain.getvalue()
    terminal = _Terminal()
    progress = Progress(stream=terminal, clock=lambda: now[0])
    progress.say("checking", passing=True)
    progress.clear()
    assert terminal.getvalue() == "\r\033[Kchecking\r\033[K"  # written, then taken away (an error's place)
    terminal.truncate(0), terminal.seek(0)
    progress.begin(jobs, workers=2)
    now[0] += 12
    progress.tick()  # every second while the notebooks run: which run, and for how long
    assert terminal.getvalue() == ("\r\033[K[0/3] running 3 notebooks, 2 at a time: a, b, c\n"
                                   "\r\033[K[0/3] 12 s · running a (12 s), b (12 s)")


@pytest.mark.notebooks
def test_a_missing_notebook_in_a_batch_fails_that_job_only(tmp_path):
    good = NotebookJob("good", FIXTURES / "echoes_parameters.ipynb", tmp_path, {"answer": 1})
    gone = NotebookJob("gone", FIXTURES / "no_such_notebook.ipynb", tmp_path, {})
    for workers in (1, 2):
        runs = run_jobs([gone, good], workers=workers)
        assert list(runs) == ["gone", "good"]       # the order of the jobs, whichever finished first
        assert runs["good"].ok
        assert runs["gone"].failure.ename == "FileNotFoundError" and "no_such_notebook" in str(runs["gone"].failure)


def test_scenario_job_injects_the_scenario_and_names_its_summary_after_the_job(shipped, tmp_path):
    params = resolve_scenario(shipped / "params.yaml", "shock")
    job = scenario_job(params, shipped, tmp_path, "scenarios/shock", "<p>p</p>", show_code=True)
    assert job.source == shipped / "notebooks" / SCENARIO_NOTEBOOK
    assert (job.output, job.html) == (tmp_path / "scenarios" / "shock.ipynb", tmp_path / "scenarios" / "shock.html")
    assert job.parameters["summary_csv"] == "scenarios/shock_summary.csv"
    assert job.parameters["project_dir"] == str(shipped) and job.parameters["growth_overrides"] == {2022: -0.05, 2023: 0.0}
    assert (job.appendix_html, job.preamble_html, job.show_code) == ("<p>p</p>", "", True)  # its parameters close it
    assert (job.subject, job.home) == ("需求冲击情景 Demand shock 2022-2023", None)  # the page's title names the scenario
    assert scenario_job(params, shipped, tmp_path, "x", source=tmp_path / "toy.ipynb").source == tmp_path / "toy.ipynb"


def test_a_batch_with_a_missing_notebook_is_refused_before_any_kernel(tmp_path):
    jobs = [NotebookJob("a", FIXTURES / "echoes_parameters.ipynb", tmp_path, {}),
            NotebookJob("b", tmp_path / "gone.ipynb", tmp_path, {})]
    with pytest.raises(ParamsError, match="gone.ipynb: notebook not found; restore it from git"):
        check_sources(jobs)


# ---------------------------------------------------------------- values the runner replaces
def _with_parameters(tmp_path, source, name="04_mine.ipynb"):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    path = tmp_path / name
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# mine"), cell]), path)
    return path


def test_a_parameters_cell_is_read_as_literals_and_other_expressions_as_their_text(tmp_path):
    path = _with_parameters(tmp_path, 'project_dir = None  # folder\nscenarios: list = ["base"]\n'
                                      'overrides = {"growth": 0.02}\nsims = 10 ** 3\nx.y = 1\n')
    assert notebook_values(path) == {"project_dir": None, "scenarios": ["base"], "overrides": {"growth": 0.02},
                                     "sims": "10 ** 3"}
    assert notebook_values(_with_parameters(tmp_path, "growth = (", "bad.ipynb")) == {}
    assert notebook_values(tmp_path / "missing.ipynb") == {}


def test_only_a_value_the_notebook_sets_and_the_run_changes_counts_as_replaced(tmp_path):
    path = _with_parameters(tmp_path, 'project_dir = None\nscenarios = ("base",)\noverrides = {"growth": 0.02}\n'
                                      "growth = 0.02\nown = 1\nlabel_zh = ''\nfixed = {}\n")
    injected = {"project_dir": "/w", "scenarios": ["base"], "overrides": {}, "growth": 0.02, "label_zh": "基准",
                "fixed": {"growth": 0.1}}
    # None or empty (the runner decides), the same value (a tuple for a list), a name the runner does not set: none
    assert replaced_values(path, injected) == {"overrides": ({"growth": 0.02}, {})}
    assert replaced_values(path, {**injected, "scenarios": ["base", "shock"]})["scenarios"] == (("base",), ["base", "shock"])


def test_a_replaced_value_is_one_line_per_notebook_and_name_saying_how_to_keep_it():
    runs = [NotebookRun(Path(f"/w/notebooks/{n}"), Path("o"), None, 1.0, replaced=r) for n, r in [
        ("04_targets_across_scenarios.ipynb", {"overrides": ({"growth": 0.02, "n_sims": 500}, {})}),
        ("03_scenario.ipynb", {"growth": (0.02, 0.055)}), ("03_scenario.ipynb", {"growth": (0.02, 0.1)})]]
    assert replaced_lines(runs) == [
        "note: 04_targets_across_scenarios.ipynb sets overrides = {'growth': 0.02, 'n_sims': 500} in its parameters "
        "cell; the report ran it with {}, its own value (params.yaml and -p); to use yours, pass -p growth=0.02 "
        "-p n_sims=500 or put it in params.yaml",
        "note: 03_scenario.ipynb sets growth = 0.02 in its parameters cell; the report ran it with 0.055, its own "
        "value (params.yaml and -p); to use yours, pass -p growth=0.02 or put it in params.yaml"]


def test_the_page_note_of_replaced_values_is_chinese_first_and_escaped():
    assert replaced_note_html({}) == ""
    note = replaced_note_html({"label_zh": ("<b>", "基准")})
    assert note.index("注意") < note.index("Note:") and "&lt;b&gt;" in note and "<b>" not in note
