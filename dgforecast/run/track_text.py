"""``dgforecast track``: how P(met) moved with each published figure, and the final assessment, as text or JSON.

The track itself is ``judge.tracking.track`` and the final assessment ``judge.final.final_assessment``;
this room reads the workbook, writes the table and chart beside ``--out``, and says them in words.
"""

import json

from dgforecast.core.config import find_project
from dgforecast.core.errors import ParamsError
from dgforecast.core.fileio import refuse_raw
from dgforecast.core.kinds import is_level
from dgforecast.judge.verdicts import deadline_passed
from dgforecast.plan.evidence import EVIDENCE_FILE
from dgforecast.plan.params import parse_overrides, resolve_scenario
from dgforecast.plan.targets import targets_table
from dgforecast.present.robust_sentences import robust_words
from dgforecast.run.pipeline import load_inputs
from dgforecast.run.unit_slips import judge_unit_slips


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
            lines.append(f"final assessment (终期评估) as of {params.as_of_month}: P(met) {f.p_met:.1%} ± {f.p_se:.1%} -> "
                         f"{f.verdict} ({f.verdict_en}); reading each round statement as below the next round figure: "
                         f"P(met) {f.p_met_round:.1%} ± {f.p_se_round:.1%}")
            lines += [f"  {zh}\n  {en}" for zh, en in robust_words(f.to_dict())]
    others = final[~final["target_id"].isin(levels["id"])]
    if len(others):
        counts = others.groupby("verdict", sort=False).size()
        lines += ["", f"other targets ({len(others)}): " + ", ".join(f"{n} {v}" for v, n in counts.items())
                  + (f" ({others['reason'].iloc[0]})" if others["reason"].nunique() == 1 else "")]
    if written:
        lines += ["", "wrote " + ", ".join(str(p) for p in written)]
    return "\n".join(lines)
