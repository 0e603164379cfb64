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


def test_every_help_shows_single_percent_signs(capsys):
    from dgforecast.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name, sub in [("dgforecast", parser), *commands.items()]:
        text = sub.format_help()
        assert "%%" not in text and "%(" not in text, f"{name} --help: {text}"
    sweep = " ".join(commands["sweep"].format_help().split())
    assert "P(met) crosses 50 % and 80 %, and the break-even line" in sweep
    assert "where P(met) crosses 50 % and 80 % and where the median equals the target" in sweep
