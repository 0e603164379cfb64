"""The two readings of a round statement such as "突破5000亿元" (``evidence.reading``).

The plain one (a lower bound only) and the round-figure one (also below the next round figure:
5000–6000), applied alike to every round statement, the city's 突破2.5万亿 too. ``readings`` gives
both as parameters (the final assessment and the hinge table are given under both);
``reading_statements`` says what the round-figure reading adds to each round statement, and what
the plain one leaves open.

Pure functions: parameters and the tables of ``pipeline.load_inputs`` in, DataFrames out.
"""

import math

import pandas as pd

from dgforecast.core.judged import cached
from dgforecast.judge.assess import assess_inputs
from dgforecast.plan.params import changed

READINGS = ("plain", "round")


def readings(params) -> dict:
    """The plain and the round-figure reading of round statements, as parameters."""
    return {name: changed(params, {"evidence.reading": name}, validate=False) for name in READINGS}


def reading_statements(params, inputs) -> pd.DataFrame:
    """Per reading, the round statements it changes, and what the plain reading leaves open of each.

    Returns
    -------
    DataFrame
        One row per target and round statement used: target_id, evidence_id, statement (measure,
        year, kind and figure), round_reading (what the round-figure reading adds: "also below 6000",
        "also above …" for a bound on the other side), p_beyond_next_plain (P(the quantity is at or
        past the next round figure) under the plain reading: what a 突破5000 read as a bound only
        implies about 6000).
    """
    return cached("readings", params, inputs, lambda: _reading_statements_now(params, inputs))


def _reading_statements_now(params, inputs) -> pd.DataFrame:
    evidence = inputs.get("evidence")
    plain = assess_inputs(readings(params)["plain"], inputs)
    rounded = assess_inputs(readings(params)["round"], inputs)
    rows = []
    for target in plain.simulation.targets:  # the targets a path was simulated for
        target_id = target.target_id
        beyond = plain.simulation.groups[target.group].next_milestone
        for evidence_id in rounded.simulation.groups[target.group].round_capped:
            r = evidence.set_index("evidence_id").loc[evidence_id]
            side = "below" if r["kind"] == "at_least" else "at or above"
            figure = r["value"] + r["step"] if r["kind"] == "at_least" else r["value"] - r["step"]
            rows.append({"target_id": target_id, "evidence_id": evidence_id,
                         "statement": f"{r['measure']} {r['year']} {r['kind']} {r['value']:g} {r['unit']}",
                         "round_reading": f"also {side} {figure:g} {r['unit']}",
                         "p_beyond_next_plain": beyond.get(evidence_id, math.nan)})
    return pd.DataFrame(rows, columns=["target_id", "evidence_id", "statement", "round_reading",
                                       "p_beyond_next_plain"])
