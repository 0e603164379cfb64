"""Reports of the four workbooks for the portfolio's tests, made in-process: what ``dgforecast report`` writes that
the portfolio reads (summary.csv, final_assessment.csv, manifest.json and index.html under ``reports/latest``),
without the notebook pages, so no kernel starts and four plans take seconds, not minutes.
"""

import json
import os
import shutil
from pathlib import Path

import pandas as pd

from dgforecast.judge.assess import assess_inputs, with_plan
from dgforecast.plan.params import headline_scenario, resolve_scenario, scenario_names
from dgforecast.present.facts import fact_tables, report_facts
from dgforecast.present.index_page import index_html
from dgforecast.run.pipeline import load_inputs
from tests.conftest import REPO, SHIPPED

#: The four workbooks: the first (the shipped copy of the root's), then each plan under plans/.
WORKBOOKS = {"dg_equipment_2022": SHIPPED, **{p.name: p for p in sorted((REPO / "plans").iterdir())
                                              if (p / "params.yaml").is_file()}}


def copy_plan(source: Path, root: Path) -> Path:
    """params.yaml and data/raw/ of a workbook, copied to ``root`` (no notebooks, no reports)."""
    shutil.copytree(source / "data" / "raw", root / "data" / "raw")
    shutil.copy(source / "params.yaml", root / "params.yaml")
    return root


def write_report_files(root: Path, n_sims=1000, as_of="2026-11", day="2026-11-30") -> Path:
    """A report's tables and index of every scenario of the workbook ``root``, as ``reports/<day>`` with
    ``reports/latest`` pointing at it; returns the report folder."""
    names = scenario_names(root / "params.yaml")
    params = {n: resolve_scenario(root / "params.yaml", n, {"n_sims": n_sims, "as_of": as_of}) for n in names}
    inputs = load_inputs(root)
    summary = pd.concat([with_plan(assess_inputs(p, inputs), assess_inputs(p.at_plan(), inputs))
                         for p in params.values()], ignore_index=True)
    facts = report_facts(params, inputs, (root / "params.yaml").read_text(encoding="utf-8"),
                         headline_scenario(root / "params.yaml", names))
    folder = root / "reports" / day
    folder.mkdir(parents=True)
    summary.to_csv(folder / "summary.csv", index=False)
    fact_tables(facts)["final_assessment.csv"].to_csv(folder / "final_assessment.csv", index=False)
    manifest = {"created": f"{day}T08:00:00+00:00", "parameters": {n: p.model_dump(mode="json") for n, p in params.items()}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    labels = {n: (p.label_zh, p.label_en) for n, p in params.items()}
    (folder / "index.html").write_text(index_html(summary, facts, names, {}, labels, day), encoding="utf-8")
    os.symlink(folder.name, root / "reports" / "latest", target_is_directory=True)
    return folder


def four_workbooks(base: Path) -> list:
    """The four workbooks copied under ``base``, each with its report files; their folders, in order."""
    roots = []
    for name, source in WORKBOOKS.items():
        root = copy_plan(source, base / name)
        write_report_files(root)
        roots.append(root)
    return roots
