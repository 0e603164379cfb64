"""dgforecast: a scenario-forecasting workbook for industrial plans (a plan is the workbook's data).

Data flows one way through the modules:
``config`` (where the workbook is) -> ``data`` (raw files, checked) -> ``targets``
(the plan's registry and required growth) -> models, scenarios, assessment, reports.
Heavy libraries are imported inside the modules that need them, so ``import dgforecast``
and ``dgforecast --help`` stay fast.
"""

__version__ = "0.1.0"
