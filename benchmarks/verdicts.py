"""The final verdict of every scenario, both readings, with and without the related city rows, and what moved it.

Usage: ``.venv/bin/python benchmarks/verdicts.py [--as-of YYYY-MM]`` from the workbook (default: this
month). Runs the workbook's own final assessment (``dgforecast.judge.final.final_assessment``) on the
workbook's params.yaml and data/raw, prints the tables and writes ``benchmarks/results/verdicts.md``,
the file the README quotes its verdict figures from.

- **Verdicts**: per scenario, P(met) of each level target under the plain reading of 突破 (a bound
  only) and the round-figure reading (also short of the next round figure), with the verdict each
  gives, as of the month; then the same without the city's 增加值 growth rows (related evidence).
- **Spread across scenarios**: how far the scenario's own growth assumption still moves P(met).
- **What moved it**: the base scenario as evidence is added group by group (the plan; the cluster's
  own figures; the city's revenue/output pair; the city's growth).
- **Which years rest on which figures**, and how far each year's growth is pinned down (its prior
  and posterior sd under the Gaussian rows, base scenario).
- **What the plain reading leaves open**: P(the quantity is at or past the next round figure).
"""

import argparse
import datetime as dt
import math
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "verdicts.md"
#: Evidence groups added one after the other for "what moved it" (measures of data/raw/evidence.csv).
STEPS = [("as of the plan: no evidence", ()),
         ("+ the cluster's own figures (增加值 growth, 产值 statements)", ("cluster_value_added", "cluster_output",
                                                                           "cluster_revenue",
                                                                           "revenue_to_output_ratio")),
         ("+ the city's 2024 revenue/output pair", ("city_revenue", "city_output", "city_revenue_to_output_ratio")),
         ("+ the city's 增加值 growth, every year (related)", ("city_value_added",))]


def _percent(p) -> str:
    return "—" if p != p else f"{p:.1%}"


def _only(inputs, measures):
    evidence = inputs["evidence"]
    return {**inputs, "evidence": evidence[evidence["measure"].isin(list(measures))]}


def verdict_rows(names, inputs, as_of):
    """Per scenario and level target: the final assessment with and without the related rows (the city's)."""
    from dgforecast.judge.final import final_assessment
    from dgforecast.judge.robust import without_related
    from dgforecast.plan.params import resolve_scenario

    alone = without_related(inputs) or inputs
    rows = []
    for name in names:
        params = resolve_scenario(ROOT / "params.yaml", name, {"as_of": as_of})
        for label, tables in (("with", inputs), ("without", alone)):
            final = final_assessment(params, tables)
            for r in final[final["kind"] == "level"].itertuples():
                rows.append({"scenario": name, "city_rows": label, "target_id": r.target_id, "p_plain": r.p_met,
                             "se_plain": r.p_se, "verdict": r.verdict, "verdict_central": r.verdict_central,
                             "p_round": r.p_met_round, "se_round": r.p_se_round, "worst_case": r.worst_case,
                             "worst_value": r.worst_value, "worst_end": r.worst_end, "worst_p": r.worst_p,
                             "worst_se": r.worst_se, "p_low": r.p_set_low, "p_high": r.p_set_high,
                             "p_plan": r.p_met_plan, "breaking": r.breaking, "why": r.why,
                             "n_sims": int(r.n_sims)})
    return rows


def halved_and_doubled(base, inputs) -> list:
    """The base scenario's verdict with each link parameter halved and doubled (``-p evidence.X=…``): the
    printed verdict must not change unless the page already names that parameter as what it hinges on."""
    from dgforecast.engine.links import link_value
    from dgforecast.judge.robust import judge_scenario
    from dgforecast.plan.link_schema import LINK_LOCATIONS, LINK_SCALES
    from dgforecast.plan.params import changed

    centre = judge_scenario(base, inputs).robust.set_index("target_id")
    rows = []
    for name in [*LINK_LOCATIONS, "city_gap", *LINK_SCALES]:
        where = "" if name == "revenue_to_output_ratio_sd" else "evidence."
        for factor in (0.5, 2.0):
            value = link_value(base, name) * factor
            result = judge_scenario(changed(base, {f"{where}{name}": value}, validate=False), inputs)
            for target_id, r in result.robust.set_index("target_id").iterrows():
                before = centre.loc[target_id]
                named = name in str(before["breaking"]) or before["worst_case"] == name
                rows.append({"parameter": f"{where}{name}", "value": f"{value:g}", "target_id": target_id,
                             "p_met": f"{r['p_met']:.1%}", "verdict": r["verdict"], "before": before["verdict"],
                             "changed": "yes" if r["verdict"] != before["verdict"] else "no",
                             "named": "yes" if named else "no"})
    return rows


def _case(r) -> str:
    if not r["worst_case"]:
        return "—"
    value = r["worst_end"] if r["worst_case"] == "reading" else f"{r['worst_value']:g}"
    return f"{r['worst_case']} = {value}: {r['worst_p']:.1%} ± {r['worst_se']:.1%}"


def _md(rows, columns, headers) -> str:
    out = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    for r in rows:
        out.append("| " + " | ".join(str(r[c]) for c in columns) + " |")
    return "\n".join(out)


def report(as_of) -> str:
    from dgforecast.engine.bearing import evidence_rows, usable_observations
    from dgforecast.engine.condition import measurement
    from dgforecast.engine.posterior import gaussian_posterior, row_matrices
    from dgforecast.engine.prior import prior_moments, simulated_years, state_layout
    from dgforecast.judge.assess import assess_inputs
    from dgforecast.judge.readings import reading_statements
    from dgforecast.plan.params import resolve_scenario, scenario_names
    from dgforecast.plan.targets import level_targets
    from dgforecast.run.pipeline import load_inputs

    inputs = load_inputs(ROOT)
    names = scenario_names(ROOT / "params.yaml")
    rows = verdict_rows(names, inputs, as_of)
    for r in rows:
        r |= {"plain": f"{_percent(r['p_plain'])} ± {r['se_plain']:.1%}",
              "round": f"{_percent(r['p_round'])} ± {r['se_round']:.1%}", "case": _case(r),
              "range": f"{_percent(r['p_low'])}–{_percent(r['p_high'])}", "plan": _percent(r["p_plan"])}
    with_rows = {(r["scenario"], r["target_id"]): r for r in rows if r["city_rows"] == "with"}
    for r in rows:
        if r["city_rows"] == "without":
            w = with_rows[(r["scenario"], r["target_id"])]
            w |= {"alone": r["plain"], "verdict_alone": r["verdict"]}
    lines = [f"# Final verdicts as of {as_of}", "",
             "Produced by `.venv/bin/python benchmarks/verdicts.py` (the workbook's `final_assessment` on "
             "params.yaml and data/raw). P(met) ± its Monte Carlo standard error, integrated over the link "
             "parameters' distributions (params.yaml `link_uncertainty:`). A verdict needs P(met) past its cut "
             "(已实现 ≥ 0.9, 未实现 ≤ 0.1) by 3 standard errors at the assumptions' centres, and the same verdict "
             "under every assumption of the sensitivity set (`sensitivity:`: each link parameter at both ends of "
             "its range, both readings of 突破), and figures published since the plan that moved it; otherwise "
             "无法确认.", "",
             "## Verdicts", "",
             _md(list(with_rows.values()),
                 ["scenario", "target_id", "plain", "round", "alone", "case", "range", "plan", "verdict"],
                 ["scenario", "target", "P(met), plain", "P(met), round", "without the city's rows",
                  "worst case of the set", "across the set", "as of the plan", "verdict"]), "",
             "## Why each verdict is what it is", "",
             _md(list(with_rows.values()), ["scenario", "verdict_central", "why", "breaking", "verdict_alone"],
                 ["scenario", "at the centres", "why", "assumptions that break it", "verdict without the city's rows"]),
             "", "## Spread across the scenarios", ""]
    for label in ("with", "without"):
        for reading in ("plain", "round"):
            values = [r[f"p_{reading}"] for r in rows if r["city_rows"] == label]
            lines.append(f"- {label} the city's rows, {reading} reading: {min(values):.1%} to "
                         f"{max(values):.1%} ({(max(values) - min(values)) * 100:.1f} points)")
    base = resolve_scenario(ROOT / "params.yaml", "base" if "base" in names else names[0], {"as_of": as_of})
    lines += ["", f"## What moved it ({base.scenario}, plain reading)", "",
              "| evidence | P(met) | median (亿元) | 10–90 % |", "| --- | --- | --- | --- |"]
    measures = ()
    for label, added in STEPS:
        measures += added
        params = base.at_plan() if not measures else base
        result = assess_inputs(params, _only(inputs, measures) if measures else inputs)
        s = result.summary.iloc[0]
        lines.append(f"| {label} | {s.p_met:.1%} | {s['median']:,.0f} | {s.q10:,.0f}–{s.q90:,.0f} |")
    target = level_targets(inputs["targets"], inputs["baselines"])[0]
    years = simulated_years(base, target.base_year)
    _, obs = evidence_rows(inputs["evidence"], base)
    lines += ["", "## Which years rest on which figures (base)", "",
              "| year | direct (the cluster's) | related (the city's) | bounds | growth sd: prior | posterior | "
              "without the city |", "| --- | --- | --- | --- | --- | --- | --- |"]
    sds = {}
    for label, keep in (("with", obs), ("without", tuple(o for o in obs if o.measure != "city_value_added"))):
        m = measurement(usable_observations(keep, target, years), base.evidence, years, math.log(target.base_level))
        layout = state_layout(years, m.uses_gap)
        mean0, sd0 = prior_moments(base, years, m.uses_gap)
        H, y, R = row_matrices(m.rows, layout, m.growth_link_sd)
        _, cov = gaussian_posterior(mean0, np.diag(sd0 ** 2), H, y, R)
        sds[label] = (sd0, np.sqrt(np.diag(cov)), m)
    from dgforecast.engine.group_paths import years_evidence

    table = years_evidence(sds["with"][2], years).set_index("year")
    for i, year in enumerate(years):
        t = table.loc[year]
        lines.append(f"| {year} | {t.direct or '—'} | {t.related or '—'} | {t.bounds or '—'} | "
                     f"{sds['with'][0][i]:.3f} | {sds['with'][1][i]:.3f} | {sds['without'][1][i]:.3f} |")
    checks = halved_and_doubled(base, inputs)
    lines += ["", "## Each link parameter halved and doubled (base)", "",
              "The printed verdict may change only where the page already names the parameter (the worst case or "
              "an assumption that breaks the verdict).", "",
              _md(checks, ["parameter", "value", "target_id", "p_met", "before", "verdict", "changed", "named"],
                  ["-p", "value", "target", "P(met)", "verdict before", "verdict", "changed", "named on the page"])]
    statements = reading_statements(base, inputs)
    lines += ["", "## What each reading changes, and what the plain reading leaves open (base)", "",
              "| statement | round reading | P(at or past the next round figure), plain |", "| --- | --- | --- |"]
    for r in statements.itertuples():
        lines.append(f"| {r.evidence_id} ({r.statement}) | {r.round_reading} | {r.p_beyond_next_plain:.1%} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    from dgforecast.core.fileio import write_text_atomic

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", default=dt.date.today().strftime("%Y-%m"), metavar="YYYY-MM")
    args = parser.parse_args(argv)
    text = report(args.as_of)
    print(text)
    write_text_atomic(OUT, text)


if __name__ == "__main__":
    main()
