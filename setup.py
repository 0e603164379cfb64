"""The one build setting pyproject.toml cannot say: the wheel ships the workbook's notebooks.

The package's copy of the notebooks (``dgforecast/notebooks/`` in the wheel) is built from the repository's
``notebooks/`` at build time, so there is one copy in git, the one the economists edit, and a plan folder
anywhere runs them after ``pip install`` (docs/notebooks.md). Everything else is in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    # the package and every subpackage (dgforecast.run.sweep, ...; issue 18), and notebooks/ as a data package
    packages=[*find_packages(include=["dgforecast*"]), "dgforecast.notebooks"],
    package_dir={"dgforecast.notebooks": "notebooks"},  # which files: pyproject.toml's package-data
)
