"""The workbook's Jupyter kernel, "Python (dgforecast)": ipykernel, without the Python version in what it says
of its language.

JupyterLab copies a kernel's ``language_info`` into a notebook's metadata as soon as the kernel starts, and
marks the notebook changed when the copy differs from what the file holds; saving then writes it. ipykernel's
holds the interpreter's version (``3.11.7``), which differs from one machine or venv to the next, so no
notebook in git could hold it and stay unchanged on every machine. This kernel says everything ipykernel
says but the version; the notebooks in git hold exactly that (``tests/workbook/test_notebooks_source.py``),
so opening one marks nothing changed and saving it unedited writes the same bytes back (docs/git.md).

``make`` registers the kernel inside the venv (``install_kernel``: ``python -m dgforecast.run.kernel``). The
report's runner starts a plain ipykernel of its own (``notebook.kernel_argv``): what it writes is output,
never committed.
"""

import argparse
import json
import sys
from pathlib import Path

from ipykernel.ipkernel import IPythonKernel

#: The kernel's name in the notebooks' metadata (``kernelspec.name``) and what JupyterLab shows.
KERNEL_NAME, DISPLAY_NAME = "dgforecast", "Python (dgforecast)"
#: The keys of ipykernel's ``language_info`` left out: they change with the interpreter.
VOLATILE_KEYS = ("version",)
#: What a notebook's metadata holds of its language, as JupyterLab writes it with this kernel.
LANGUAGE_INFO = {k: v for k, v in IPythonKernel.language_info.items() if k not in VOLATILE_KEYS}


class WorkbookKernel(IPythonKernel):
    """ipykernel's kernel saying ``LANGUAGE_INFO`` of its language (no interpreter version)."""

    language_info = LANGUAGE_INFO


def kernel_arguments() -> list[str]:
    """What the kernelspec's command line adds to ipykernel's: this module's kernel class."""
    return [f"--IPKernelApp.kernel_class=dgforecast.run.kernel.{WorkbookKernel.__name__}"]


def install_kernel(prefix=None) -> Path:
    """Register the kernel under ``prefix`` (default: this interpreter's, ``sys.prefix``); returns its folder.

    As ``ipykernel install --sys-prefix --name dgforecast`` registers it (only this environment sees it;
    an earlier registration is replaced), with ``kernel_arguments`` added to its command line.
    """
    from ipykernel.kernelspec import install

    folder = Path(install(kernel_name=KERNEL_NAME, display_name=DISPLAY_NAME, prefix=prefix or sys.prefix))
    spec = json.loads((folder / "kernel.json").read_text(encoding="utf-8"))
    spec["argv"] += [a for a in kernel_arguments() if a not in spec["argv"]]
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return folder


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dgforecast.run.kernel",
                                     description=f"register the workbook's kernel, {DISPLAY_NAME}, in this venv")
    parser.add_argument("--prefix", default=None, help="install prefix (default: this interpreter's)")
    folder = install_kernel(parser.parse_args(argv).prefix)
    print(f"kernel {KERNEL_NAME} ({DISPLAY_NAME}) registered in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
