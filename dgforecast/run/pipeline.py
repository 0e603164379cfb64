"""The workbook's stages: read data/raw/ and params.yaml here, hand tables to pure functions.

Data flows one way — raw files (``data``: load and check) → tables (``targets``) → paths
(``simulate``) → assessment (``assess``) → views and reports (``words``, ``tables``, ``plots``, ``report``).
This module is the one layer below the commands that reads the workbook; everything it calls takes
tables and parameters, never a path. Each stage runs the same from the shell or a notebook.
"""

import json
import logging
from pathlib import Path

from dgforecast.core.config import find_project
from dgforecast.core.errors import ParamsError
from dgforecast.core.fileio import refuse_raw, write_tables_atomic
from dgforecast.core.kinds import is_level
from dgforecast.core.vocabulary import NO_FIGURE_EN
from dgforecast.judge.assess import assess_inputs, summary_records
from dgforecast.judge.verdicts import deadline_passed
from dgforecast.plan.data import (
    BASELINES_FILE,
    TARGETS_FILE,
    history_series,
    last_deadline,
    load_baselines,
    load_divisions,
    load_history,
    load_targets,
)
from dgforecast.plan.evidence import EVIDENCE_FILE, load_evidence
from dgforecast.plan.figures import cross_checks, derive_plan_figures
from dgforecast.plan.iamc import to_iamc
from dgforecast.plan.params import parse_overrides, resolve_scenario
from dgforecast.plan.plan_file import PLAN_FILE, load_plan
from dgforecast.plan.plausibility import warn_unit_slips
from dgforecast.plan.published import check_other_files
from dgforecast.plan.target_progress import load_progress
from dgforecast.plan.targets import NO_TARGETS, check_target_paces, require_targets, targets_records, targets_table
from dgforecast.run.unit_slips import judge_unit_slips, marked

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- reading the workbook
def evidence_baselines(baselines, plan) -> dict:
    """Path measure -> (level, year) of the baseline it starts from (a level, or the bound of 超过600), for
    the plausibility of evidence levels; paths the plan gives no base figure are left out."""
    found = {}
    for measure in plan.measures_of("level"):
        variable = plan.measures[measure].baseline
        rows = baselines[(baselines["variable"] == variable) & baselines["basis"].isin(["level", "at_least"])]
        if variable and len(rows):
            row = rows.sort_values("year").iloc[-1]
            found[measure] = (float(row["value"]), int(row["year"]))
    return found


def _evidence(raw, baselines, plan, evidence_file=None):
    evidence_path = Path(evidence_file) if evidence_file is not None else raw / EVIDENCE_FILE
    if evidence_file is None and not evidence_path.is_file():
        log.info("%s: no evidence table; every probability is as of the plan", evidence_path)
        return None
    return load_evidence(evidence_path, plan, baselines=evidence_baselines(baselines, plan))


def load_inputs(project=None, evidence_file=None) -> dict:
    """The checked raw tables an assessment needs: ``plan`` (plan.yaml), ``targets``, ``baselines``,
    ``history``, ``progress`` and ``evidence`` (data/raw/evidence.csv, or ``evidence_file`` instead;
    None when neither exists). A plan without targets yet is refused (``DataError``): nothing to assess.
    """
    raw = find_project(project).raw
    plan, targets, baselines = load_plan(raw), load_targets(raw), load_baselines(raw)
    require_targets(targets, raw)
    check_target_paces(targets_table(targets, baselines), raw / TARGETS_FILE)
    return {"plan": plan, "targets": targets, "baselines": baselines, "history": load_history(raw),
            "progress": load_progress(raw, targets), "evidence": _evidence(raw, baselines, plan, evidence_file)}


# ---------------------------------------------------------------- dgforecast data
def build_processed(raw_dir, processed_dir, revenue_to_output_ratio=1.0) -> dict:
    """Check every raw file, then write the processed tables atomically, as one folder.

    Parameters
    ----------
    raw_dir, processed_dir : str or Path
        The workbook's data/raw/ (read only) and data/processed/ folders.
    revenue_to_output_ratio : float
        营业收入 / 总产值, used to turn the 2021 gross output into a revenue baseline for the
        cluster revenue target (1.0 = revenue equals gross output; see ``targets``).

    Returns
    -------
    dict
        ``derived``, ``checks`` and ``targets`` tables and ``paths`` written. Nothing is written
        unless all raw files pass their checks.
    """
    plan = load_plan(raw_dir)
    baselines = load_baselines(raw_dir)
    divisions = load_divisions(raw_dir)
    targets = load_targets(raw_dir)
    history = load_history(raw_dir)
    load_progress(raw_dir, targets)
    evidence = _evidence(Path(raw_dir), baselines, plan)  # checked like every raw file, though no table comes of it
    warn_unit_slips(Path(raw_dir) / EVIDENCE_FILE, evidence)  # 0.085: assess refuses it if it moves a verdict
    check_other_files(raw_dir, plan)  # and any other CSV of data/raw/: a record of published figures, or refused
    derived = derive_plan_figures(baselines)
    checks = cross_checks(baselines, history, plan.checks, plan.plan.base_year)
    table = targets_table(targets, baselines, revenue_to_output_ratio=revenue_to_output_ratio)
    check_target_paces(targets_table(targets, baselines), Path(raw_dir) / TARGETS_FILE)
    processed_dir = refuse_raw(processed_dir, raw_dir, "", "remove the link or point it at another folder")
    if processed_dir.exists() and not processed_dir.is_dir():
        raise ParamsError(f"{processed_dir}: is a file, where dgforecast data writes its tables; move it away")
    outputs = {
        "timeseries.csv": to_iamc(baselines, history, derived, plan),
        "derived.csv": derived,
        "checks.csv": checks,
        "targets.csv": table,
        "divisions.csv": divisions,
    }
    paths = write_tables_atomic(outputs, processed_dir)  # all tables or none: a failed build keeps the old ones
    log.info("wrote %d processed tables to %s", len(paths), processed_dir)
    return {"derived": derived, "checks": checks, "targets": table, "paths": paths}


def build_data(project=None, revenue_to_output_ratio=1.0) -> str:
    """Check data/raw/, write data/processed/, and return a short summary of what the plan implies.

    Parameters
    ----------
    project : str or Path, optional
        The workbook folder; default: found from the current folder upward.
    revenue_to_output_ratio : float
        营业收入 / 总产值 for the cluster revenue target's baseline (1.0 by default).
    """
    paths = find_project(project)
    result = build_processed(paths.raw, paths.processed, revenue_to_output_ratio=revenue_to_output_ratio)
    base_year = load_plan(paths.raw).plan.base_year
    lines = [f"wrote {len(result['paths'])} tables to {paths.processed}", "",
             f"What the plan's {base_year} figures imply:"]
    for row in result["derived"].itertuples():
        value = f"{row.value:,.4f}" if row.unit == "1" else f"{row.value:,.2f} {row.unit}"
        lines.append(f"  {row.variable} ({row.year}): {value}   = {row.formula}")
    if result["derived"].empty:
        lines.append(f"  none ({BASELINES_FILE} holds no level with a growth or share beside it)")
    lines += ["", "Cross-checks against published figures:"]
    if result["checks"].empty:
        lines.append(f"  none ({PLAN_FILE} lists no checks)")
    for row in result["checks"].itertuples():
        verdict = {True: "pass", False: "FAIL"}.get(row.passed, "not checked (no published figure)")
        lines.append(f"  {row.check}: implied {row.implied:,.2f} (allowed {row.low:,.2f}-{row.high:,.2f}), "
                     f"published {row.published:,.2f}: {verdict}")
    lines += ["", "Level targets:"]
    if result["targets"].empty:
        lines.append(f"  none: {TARGETS_FILE}: {NO_TARGETS}")
    levels = result["targets"][result["targets"]["kind"].map(is_level).astype(bool)]
    for row in levels.itertuples():
        if row.kind == "average_growth":
            lines.append(f"  {row.id}: more than {row.threshold:g} % a year {row.start_year}-{row.deadline} "
                         + ("from the plan's figure" if row.baseline > 0 else
                            f"(the plan gives no {row.start_year} level to count it from)"))
        elif not row.baseline > 0:
            lines.append(f"  {row.id}: {row.threshold:,.12g} {row.unit} by {row.deadline}; the plan gives no base "
                         "figure: the paths start from the latest exact yearly level published, once there is one "
                         "(until then: no probability, 暂无公开数字)")
        else:
            lines.append(f"  {row.id}: {row.threshold:,.12g} {row.unit} by {row.deadline} from {row.baseline:,.2f} "
                         f"in {row.start_year} needs {row.required_cagr:.2%} a year"
                         + (f" (revenue_to_output_ratio = {revenue_to_output_ratio})"
                            if row.baseline_conversion else ""))
    return "\n".join(lines)


# ---------------------------------------------------------------- dgforecast targets
def show_targets(project=None, as_json=False, revenue_to_output_ratio=1.0) -> str:
    """Every target with threshold, deadline, baseline, required growth and plan section.

    Returns JSON (a list of objects) when ``as_json``, otherwise an aligned text table.
    """
    paths = find_project(project)
    table = targets_table(load_targets(paths.raw), load_baselines(paths.raw), revenue_to_output_ratio)
    check_target_paces(table, paths.raw / TARGETS_FILE)
    if table.empty and not as_json:
        return f"{paths.raw / TARGETS_FILE}: {NO_TARGETS}"
    if as_json:
        return json.dumps(targets_records(table), ensure_ascii=False, indent=2)
    view = table[["id", "kind", "comparison", "threshold", "unit", "deadline", "baseline",
                  "required_cagr", "required_pace", "section", "name_zh"]].copy()
    view["threshold"] = view["threshold"].map("{:,.0f}".format)
    view["baseline"] = view["baseline"].map(lambda v: "" if v != v else f"{v:,.2f}")
    view["required_cagr"] = view["required_cagr"].map(lambda v: "" if v != v else f"{v:.2%}/yr")
    view["required_pace"] = view["required_pace"].map(lambda v: "" if v != v else f"{v:g}/yr")  # as in --json
    return view.to_string(index=False)


# ---------------------------------------------------------------- dgforecast assess
def assess_scenario(params, project=None):
    """Simulate one resolved scenario on the workbook's tables and judge every target (``assess_inputs``).

    Returns
    -------
    ScenarioResult
        ``summary`` (one row per target), ``paths``, ``fan``, ``growth_table``, ``crossing``,
        ``joint_p_all_levels``, ``params``; also ``counts`` (count-target detail), ``closed_form``
        (lognormal engine: simulated vs exact P(met)), ``actuals`` (points to draw).
    """
    return assess_inputs(params, load_inputs(project))


def describe_assessment(scenario, items=None, project=None, as_json=False, as_of=None, evidence_file=None) -> str:
    """What ``dgforecast assess`` prints: per target p_met, median, q10, q90, status and the closed form,
    from the same core as notebook 03 and the report, with no kernel.

    ``as_of`` (YYYY-MM) uses only evidence published by then; ``evidence_file`` replaces
    data/raw/evidence.csv (to ask "what if this figure were published?").
    """
    paths = find_project(project)
    overrides = parse_overrides(items)
    if as_of is not None:
        overrides["as_of"] = str(as_of)
    params = resolve_scenario(paths.params_file, scenario, overrides)
    inputs = load_inputs(paths.root, evidence_file)
    result = assess_inputs(params, inputs)
    slips = judge_unit_slips(params, inputs, evidence_file or paths.raw / EVIDENCE_FILE, result)  # 0.085 for 8.5
    records = marked(summary_records(result), slips, mark_status=not as_json)
    if as_json:
        return json.dumps(records, ensure_ascii=False, indent=2)
    return "\n".join([_assessment_text(records, params, result.simulation), *(s.note for s in slips)])


def _assessment_text(records, params, simulation) -> str:
    def percent(value):
        return "—" if value is None else f"{value:.1%}"

    def level(value):
        return "" if value is None else f"{value:,.1f}"

    head = (f"{params.scenario} ({params.label_zh} / {params.label_en}): {simulation.n_sims:,} paths, "
            f"seed {params.seed}, {params.engine} engine; evidence as of {params.as_of_month}")
    lines = [head]
    if simulation.selection is not None:
        used = [i for i in simulation.selection.used["evidence_id"] if i not in simulation.unused]  # bearing on a path
        lines.append(f"evidence used: {', '.join(used) or ('none (every probability is as of the plan)' if simulation.groups else 'none')}")
        for row in simulation.selection.left_out.itertuples():
            lines.append(f"  left out {row.evidence_id}: {row.reason}")
        for evidence_id, reason in simulation.unused.items():
            lines.append(f"  not used {evidence_id}: {reason}")
    if simulation.note:
        lines.append(f"note: {simulation.note}")
    lines += [f"{'target_id':<34} {'P(met)':>7} {'closed':>7} {'median':>9} {'q10':>9} {'q90':>9}  status"]
    unassessed = 0
    for r in records:
        if r["p_met"] is None:
            unassessed += 1
            continue
        closed = percent(r["closed_form"]) if r["closed_form"] is not None else ""
        ess = (f"  (± {r['p_se']:.1%} Monte Carlo; effective sample {r['ess']:,.0f})" if r["evidence_used"]
               else "")
        lines.append(f"{r['target_id']:<34} {percent(r['p_met']):>7} {closed:>7} "
                     f"{level(r['median']):>9} {level(r['q10']):>9} {level(r['q90']):>9}  {r['status']}{ess}")
    for r in records:
        if r["p_met"] is None and r.get("unassessed"):
            unassessed -= 1
            lines.append(f"{r['target_id']:<34} {'—':>7} {'':>7} {'':>9} {'':>9} {'':>9}  {r['status']}: "
                         f"{r['unassessed']}")
    if unassessed:
        states = sorted({r["status"] for r in records if r["p_met"] is None and not r.get("unassessed")})
        lines.append(f"{unassessed} target(s) without a probability ({', '.join(states)}: no progress entered in "
                     f"data/raw/target_progress.csv, {NO_FIGURE_EN}); dgforecast targets shows their required pace")
    return "\n".join(lines)


# ---------------------------------------------------------------- dgforecast fit
def fit_series(series_id, as_of=None, target_year=None, project=None, gaps="interpolate", level=80) -> str:
    """``dgforecast fit``: every growth model on one published yearly level series of the workbook
    (``target_year``: default the plan's last deadline)."""
    from dgforecast.models.fit_table import fit_report  # deferred like simulate's: scipy.stats costs 0.6 s

    paths = find_project(project)
    if target_year is None:
        target_year = last_deadline(load_targets(paths.raw))
    if target_year is None:
        raise ParamsError(f"{paths.raw / TARGETS_FILE}: no targets yet, so no deadline to forecast to; "
                          "give the year with --year")
    y = history_series(load_history(paths.raw), series_id, basis="level", period="year")
    return fit_report(y.rename(series_id), target_year, as_of, gaps, level)


# ---------------------------------------------------------------- dgforecast track
def _track_out(out, paths):
    """The --out file, checked before any work: a .csv outside data/raw/ (the chart goes beside it as .png)."""
    if out is None:
        return None
    out = refuse_raw(out, paths.raw, "--out")
    if out.suffix.lower() != ".csv":
        raise ParamsError(f"--out {out}: name a .csv file (the chart is written beside it as {out.stem}.png)")
    if out.is_dir():
        raise ParamsError(f"--out {out}: is a folder; name a .csv file in it")
    return out


def _json_value(value):
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return None if isinstance(value, float) and value != value else value


def _write_track(frame, levels, out, cuts) -> list:
    """The table as CSV and one chart per level target beside it (FILE.png; FILE.<target_id>.png after the first).

    All or nothing (``fileio.atomic_paths``): a full disk leaves no table without its charts.
    """
    import matplotlib.pyplot as plt

    from dgforecast.core.fileio import atomic_paths, naming
    from dgforecast.present.plots import track_chart

    pngs = [out.with_suffix(".png") if i == 0 else out.with_name(f"{out.stem}.{row.id}.png")
            for i, row in enumerate(levels.itertuples())]
    with atomic_paths([out, *pngs]) as (csv_tmp, *png_tmps):
        with naming(out):
            frame.to_csv(csv_tmp, index=False, encoding="utf-8")
        for row, png, tmp in zip(levels.itertuples(), pngs, png_tmps):
            fig = track_chart(frame[frame["target_id"] == row.id], row.threshold, title=f"{row.name_zh} {row.id}",
                              verdict_cuts=cuts)
            try:
                with naming(png):
                    fig.savefig(tmp, format="png", dpi=120)
            finally:
                plt.close(fig)
    return [out, *pngs]


def describe_track(scenario, items=None, project=None, as_json=False, out=None, evidence_file=None,
                   as_of=None) -> str:
    """What ``dgforecast track`` prints: each level target's P(met), median and 10–90 band in every month
    evidence arrived, from the plan to ``as_of`` (default: the scenario's, today), and the final assessment.

    ``out`` (FILE.csv) also writes the track table and its chart (FILE.png) atomically; it is refused
    inside data/raw/. ``evidence_file`` replaces data/raw/evidence.csv.
    """
    from dgforecast.judge.final import final_assessment
    from dgforecast.judge.tracking import track

    paths = find_project(project)
    out = _track_out(out, paths)
    overrides = parse_overrides(items)
    if as_of is not None:
        overrides["as_of"] = str(as_of)
    params = resolve_scenario(paths.params_file, scenario, overrides)
    inputs = load_inputs(paths.root, evidence_file)
    slips = judge_unit_slips(params, inputs, evidence_file or paths.raw / EVIDENCE_FILE)
    frame = track(params, inputs)
    final = final_assessment(params, inputs)
    table = targets_table(inputs["targets"], inputs["baselines"], 1.0)
    levels = table[table["kind"].map(is_level).astype(bool)]
    cuts = (params.verdict_thresholds.achieved, params.verdict_thresholds.missed)
    written = _write_track(frame, levels, out, cuts) if out is not None else []
    if as_json:
        return json.dumps([{k: _json_value(v) for k, v in r.items()} for r in frame.to_dict(orient="records")],
                          ensure_ascii=False, indent=2)
    return "\n".join([_track_text(frame, final, levels, params, written), *(s.note for s in slips)])


def _track_text(frame, final, levels, params, written) -> str:
    from dgforecast.present.score_sentences import score_note, score_words

    def level(value):
        return f"{value:,.1f}"

    lines = [f"{params.scenario} ({params.label_zh} / {params.label_en}): {params.n_sims:,} paths, seed {params.seed}, "
             f"{params.engine} engine; vintages from the plan to {params.as_of_month}"]
    for row in levels.itertuples():
        lines += ["", f"{row.id} ({row.name_zh} {row.comparison} {row.threshold:,.12g} {row.unit} by {row.deadline})",
                  f"{'as of':<8} {'P(met)':>7} {'median':>9} {'q10':>9} {'q90':>9}  evidence that arrived"]
        for r in frame[frame["target_id"] == row.id].itertuples():
            arrived = r.evidence_arrived.replace(";", ", ") or "(the plan: no evidence yet)"
            if r.evidence_dropped:
                arrived += f" (replaces {r.evidence_dropped.replace(';', ', ')})"
            note = score_note(r._asdict(), row.unit)[1]
            score = f"  [vs outcome {r.outcome:,.1f}: {note}]" if note else ""
            lines.append(f"{r.as_of:<8} {r.p_met:>7.1%} {level(r.median):>9} {level(r.q10):>9} {level(r.q90):>9}  "
                         f"{arrived}{score}")
        lines += [line for line in score_words(frame[frame["target_id"] == row.id], row.unit) if line]
        f = final[final["target_id"] == row.id].iloc[0]
        if f.p_met != f.p_met:  # no probability at all: the reason instead
            lines.append(f"final assessment (终期评估) as of {params.as_of_month}: {f.verdict} ({f.verdict_en}): {f.reason}")
        elif not deadline_passed(params, row.deadline):
            lines.append(f"deadline ahead (期限未到) as of {params.as_of_month}: P(met by {row.deadline}) {f.p_met:.1%}; "
                         f"the final assessment waits for the figures of {row.deadline}")
        else:
            lines.append(f"final assessment (终期评估) as of {params.as_of_month}: P(met) {f.p_met:.1%} -> {f.verdict} "
                         f"({f.verdict_en}); reading each round statement as below the next round figure: P(met) "
                         f"{f.p_met_round:.1%} -> "
                         f"{f.verdict_round} ({f.verdict_round_en})")
    others = final[~final["target_id"].isin(levels["id"])]
    if len(others):
        counts = others.groupby("verdict", sort=False).size()
        lines += ["", f"other targets ({len(others)}): " + ", ".join(f"{n} {v}" for v, n in counts.items())
                  + (f" ({others['reason'].iloc[0]})" if others["reason"].nunique() == 1 else "")]
    if written:
        lines += ["", "wrote " + ", ".join(str(p) for p in written)]
    return "\n".join(lines)
