"""The command line edge: fast help, one-line usage errors, exit codes."""

import subprocess
import sys

from dgforecast.cli import main


def test_cli_module_imports_no_heavy_library():
    # `dgforecast --help` must answer at once: heavy libraries load inside the commands.
    code = ("import sys, dgforecast.cli; heavy = [m for m in ('pandas', 'numpy', 'scipy', 'statsmodels', "
            "'matplotlib', 'papermill', 'pydantic', 'dask') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_help_lists_every_command(capsys):
    try:
        main(["--help"])
    except SystemExit as exc:
        assert exc.code == 0
    out = capsys.readouterr().out
    for command in ("data", "targets"):
        assert command in out


def test_unknown_option_is_one_line_and_exit_2(capsys):
    try:
        main(["targets", "--jsn"])
    except SystemExit as exc:
        assert exc.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unrecognized arguments: --jsn" in err[0]


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out
