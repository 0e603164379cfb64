"""Executing one notebook: this environment's kernel, parameters, failures, HTML without code."""

import os
import sys
from pathlib import Path

import nbformat
import pytest

from dgforecast.notebook import CellFailure, execute_notebook, insert_preamble, kernel_argv

FIXTURES = Path(__file__).parent / "notebooks"


def _stream_text(nb, cell_index):
    return "".join(o.get("text", "") for o in nb.cells[cell_index].outputs if o.output_type == "stream")


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
    assert "print(answer * 2)" not in page          # no code
    assert "<b>bold output</b>" in page              # the notebook's own HTML output stays
    assert page.index("id='preamble'") < page.index("<pre>42")


def test_show_code_keeps_the_cells_in_the_html(tmp_path):
    execute_notebook(FIXTURES / "echoes_parameters.ipynb", tmp_path / "out.ipynb", html=tmp_path / "out.html",
                     show_code=True)
    page = (tmp_path / "out.html").read_text(encoding="utf-8")
    assert "answer" in page and "label" in page


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


def test_a_dead_kernel_fails_the_notebook_at_its_cell_instead_of_raising(tmp_path):
    run = execute_notebook(FIXTURES / "kills_its_kernel.ipynb", tmp_path / "out.ipynb", html=tmp_path / "out.html")
    assert (run.failure.cell_index, run.failure.ename) == (1, "DeadKernelError")
    assert run.failure.source == "import os\nos._exit(1)"
    assert (tmp_path / "out.html").is_file()


def test_a_missing_notebook_raises_before_writing_anything(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.ipynb: notebook not found"):
        execute_notebook(FIXTURES / "nope.ipynb", tmp_path / "out.ipynb")
    assert not (tmp_path / "out.ipynb").exists()


def test_preamble_goes_right_after_the_opening_main_tag():
    page = "<html><body class='x'><main>\n<p>body</p></main></body></html>"
    assert insert_preamble(page, "<h2>P</h2>") == "<html><body class='x'><main>\n<h2>P</h2>\n\n<p>body</p></main></body></html>"
    assert insert_preamble("<body><p>b</p></body>", "<i>p</i>") == "<body>\n<i>p</i>\n<p>b</p></body>"
    assert insert_preamble(page, "") == page


def test_a_kernel_that_does_not_start_is_started_once_more(tmp_path, monkeypatch):
    from dgforecast import notebook

    calls, to_fail = [], [1]
    real = notebook._run_papermill

    def flaky(source, tmp, parameters, cwd, timeout):
        calls.append(1)
        if to_fail:
            to_fail.pop()
            return CellFailure(-1, None, "RuntimeError", "Kernel died before replying to kernel_info")
        return real(source, tmp, parameters, cwd, timeout)

    monkeypatch.setattr(notebook, "_run_papermill", flaky)
    run = execute_notebook(FIXTURES / "echoes_parameters.ipynb", tmp_path / "out.ipynb", {"answer": 2})
    assert run.ok and len(calls) == 2
    # a cell that fails is not retried
    calls.clear()
    assert not execute_notebook(FIXTURES / "raises_in_cell3.ipynb", tmp_path / "bad.ipynb").ok
    assert len(calls) == 1


def test_kernels_keep_inline_charts_when_the_shell_sets_mplbackend():
    from dgforecast.notebook import kernel_environment

    env = kernel_environment({"MPLBACKEND": "Agg", "LANG": "C.UTF-8"})
    assert "MPLBACKEND" not in env
    assert env["LANG"] == "C.UTF-8" and env["OMP_NUM_THREADS"] == "1"
