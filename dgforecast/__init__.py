"""dgforecast: a scenario-forecasting workbook for industrial plans (a plan is the workbook's data).

This module is the package's face: notebooks and scripts import from it alone, so the rooms behind
it can move. Data flows one way through the layer folders — ``core`` → ``plan`` (the plan folder
read and checked) → ``models`` (growth models) → ``engine`` (simulated paths, conditioned on the
evidence) → ``judge`` (P(met), status, verdict) → ``present`` (sentences, tables, charts, pages) →
``run`` (notebooks, reports, sweeps) — and docs/development.md draws it.

Every name is loaded on first use (PEP 562), so ``import dgforecast`` and ``dgforecast --help``
import no heavy library::

    from dgforecast import load_inputs, assess_scenario, plots
    inputs = load_inputs(params)            # the workbook's plan, targets and evidence
    result = assess_scenario(params, inputs)
"""

from importlib import import_module

__version__ = "0.1.0"

#: Families of functions, used as namespaces (``plots.fan_chart``): name -> module.
_NAMESPACES = {
    "numbers": "dgforecast.core.numbers",      # how a number reads on a page (percent, 亿元, ...)
    "plots": "dgforecast.present.plots",       # the charts
    "tables": "dgforecast.present.tables",     # the tables a page shows
    "words": "dgforecast.present.words",       # the sentences a page says
    "sweep": "dgforecast.run.sweep",           # sweeps: grids, results, heat-map slices
}

#: Single names: module -> the names it gives the face.
_FROM = {
    "dgforecast.core.config": ("find_project",),
    "dgforecast.core.errors": ("DgforecastError", "DataError", "ParamsError", "ModelError"),
    "dgforecast.core.fileio": ("write_csv_atomic",),
    "dgforecast.core.kinds": ("is_level",),
    "dgforecast.plan.plan_file": ("load_plan",),
    "dgforecast.plan.data": ("load_baselines", "load_history", "load_targets", "history_series"),
    "dgforecast.plan.evidence": ("select_evidence",),
    "dgforecast.plan.figures": ("cross_checks", "derive_plan_figures"),
    "dgforecast.plan.params": ("resolve_scenario", "slider_ranges"),
    "dgforecast.plan.targets": ("required_cagr", "targets_table"),
    "dgforecast.models.fit_table": ("fit_table",),
    "dgforecast.models.forecast": ("fill_gaps", "forecast_series", "simulate_series"),
    "dgforecast.judge.assess": ("assess_inputs", "fan_quantiles", "plan_and_now", "with_plan"),
    "dgforecast.judge.tracking": ("track",),
    "dgforecast.judge.final": ("final_assessment",),
    "dgforecast.judge.readings": ("reading_statements",),
    "dgforecast.judge.hinge": ("hinge_table", "verdict_crossings"),
    "dgforecast.present.document": ("Sentences",),
    "dgforecast.present.evidence_marks": ("scenario_marks",),
    "dgforecast.present.whatif": ("what_if",),
    "dgforecast.run.parameters": ("scenario_from_parameters",),
    "dgforecast.run.pipeline": ("load_inputs", "assess_scenario"),
    "dgforecast.run.report": ("scenario_list",),
}
_HOME = {**_NAMESPACES, **{name: module for module, names in _FROM.items() for name in names}}

__all__ = sorted(_HOME)


def __getattr__(name):
    if name not in _HOME:
        raise AttributeError(f"module 'dgforecast' has no attribute {name!r}")
    module = import_module(_HOME[name])
    value = module if name in _NAMESPACES else getattr(module, name)
    globals()[name] = value  # loaded once
    return value


def __dir__():
    return sorted([*globals(), *__all__])
