"""The workbook's kernel: ipykernel's, saying all of its language but the interpreter's version, so a notebook
saved in JupyterLab holds nothing that changes from one machine to the next."""

import importlib
import json

from ipykernel.ipkernel import IPythonKernel

from dgforecast.run import kernel


def test_the_kernel_says_what_ipykernel_says_of_its_language_but_the_version():
    said = kernel.WorkbookKernel.language_info
    assert "version" not in said
    assert said == {k: v for k, v in IPythonKernel.language_info.items() if k != "version"}
    assert said["name"] == "python" and said["codemirror_mode"] == {"name": "ipython", "version": 3}


def test_the_kernelspec_names_a_kernel_class_that_imports():
    (argument,) = kernel.kernel_arguments()
    option, _, dotted = argument.partition("=")
    assert option == "--IPKernelApp.kernel_class"
    module, _, name = dotted.rpartition(".")
    assert getattr(importlib.import_module(module), name) is kernel.WorkbookKernel


def test_install_registers_the_kernel_under_the_prefix_with_its_class(tmp_path):
    folder = kernel.install_kernel(prefix=str(tmp_path))
    assert folder == tmp_path / "share" / "jupyter" / "kernels" / "dgforecast"
    spec = json.loads((folder / "kernel.json").read_text(encoding="utf-8"))
    assert spec["display_name"] == "Python (dgforecast)"
    assert spec["argv"][-1] == kernel.kernel_arguments()[0] and "{connection_file}" in spec["argv"]
    # installed twice, the argument is there once
    again = json.loads((kernel.install_kernel(prefix=str(tmp_path)) / "kernel.json").read_text(encoding="utf-8"))
    assert again["argv"] == spec["argv"]
