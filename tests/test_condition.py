"""Conditioning on evidence: the simulation held to the exact answers where the maths has them."""

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

from dgforecast.assess import assess_inputs, summary_records
from dgforecast.condition import Observation, log_likelihood, normalise, resample, weighted_stats
from dgforecast.errors import ParamsError
from dgforecast.evidence import COLUMNS, load_evidence
from dgforecast.params import EvidenceParams, resolve_scenario
from dgforecast.pipeline import load_inputs

SHIPPED = Path(__file__).resolve().parent / "fixtures" / "workbook"  # the workbook as shipped, pinned (conftest.py)
TARGET = "cluster_revenue_2025"
X0, K = 4621.25, 5400.0


def _evidence(tmp_path, *rows):
    """An evidence table of the given rows (dicts of the columns that matter), loaded and checked."""
    defaults = {"unit": "亿元", "price_basis": "", "period": "year", "reliability": "official",
                "source_url": "https://example.org/test", "source_phrase": "test", "note": "test fixture"}
    lines = [",".join(COLUMNS)]
    for i, row in enumerate(rows):
        full = {"evidence_id": f"row_{i}", **defaults, **row}
        lines.append(",".join(str(full[c]) for c in COLUMNS))
    path = tmp_path / "evidence.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_evidence(path, today=None)


def _assess(evidence, **overrides):
    params = resolve_scenario(SHIPPED / "params.yaml", "base", {"revenue_to_output_ratio_sd": 0.0, "n_sims": 40_000,
                                                             "as_of": "2026-11", **overrides})
    inputs = {**load_inputs(SHIPPED), "evidence": evidence}
    result = assess_inputs(params, inputs)
    return params, summary_records(result)[0]


def _within(simulated, exact, ess, k=3.5):
    se = math.sqrt(max(exact * (1 - exact), 1e-4) / ess)
    return abs(simulated - exact) <= k * se


def test_one_growth_row_gives_the_conjugate_gaussian_posterior(tmp_path):
    # s_2023 ~ N(ln 1.06, 0.06²) a priori; a nominal output growth of -2 % for 2023 with link sd 0.05:
    # posterior precision 1/0.06² + 1/0.05², mean weighted by the precisions.
    evidence = _evidence(tmp_path, {"measure": "cluster_output", "year": 2023, "kind": "growth", "value": -2,
                                    "unit": "%", "price_basis": "nominal", "published": "2024-01"})
    params, row = _assess(evidence)
    m, sigma, tau = math.log(1.06), 0.06, params.evidence.growth_link_sd
    y = math.log(0.98)
    post_var = 1 / (1 / sigma ** 2 + 1 / tau ** 2)
    post_mean = post_var * (m / sigma ** 2 + y / tau ** 2)
    mean = math.log(X0) + 3 * m + post_mean
    exact = norm.sf((math.log(K) - mean) / math.sqrt(3 * sigma ** 2 + post_var))
    assert exact == pytest.approx(0.6103, abs=0.0001)  # below the plan-time 72.1 %
    assert row["evidence_used"] == ["row_0"]
    assert _within(row["p_met"], exact, row["ess"]), (row["p_met"], exact, row["ess"])


def test_a_hard_lower_bound_at_the_deadline_gives_the_truncated_probability(tmp_path):
    # P(met | X_2025 >= L) = P(X >= max(K/r, L)) / P(X >= L) with ln X ~ N(ln X0 + 4 ln 1.06, 4 * 0.06²).
    evidence = _evidence(tmp_path, {"measure": "cluster_output", "year": 2025, "kind": "at_least", "value": 5000,
                                    "published": "2025-12"})
    params, row = _assess(evidence, revenue_to_output_ratio=0.9)
    mean, sd = math.log(X0) + 4 * math.log(1.06), 0.06 * 2
    tail = lambda level: norm.sf((math.log(level) - mean) / sd)  # noqa: E731
    exact = tail(max(K / 0.9, 5000)) / tail(5000)
    assert exact == pytest.approx(0.4526, abs=0.0001)
    assert _within(row["p_met"], exact, row["ess"]), (row["p_met"], exact, row["ess"])


def test_evidence_published_after_the_as_of_month_is_not_used(tmp_path):
    evidence = _evidence(tmp_path, {"measure": "cluster_output", "year": 2025, "kind": "at_least", "value": 5000,
                                    "published": "2025-12"})
    _, before = _assess(evidence, as_of="2025-11")
    _, plan = _assess(None)
    assert before["evidence_used"] == [] and before["p_met"] == plan["p_met"]


def test_evidence_no_path_can_satisfy_is_one_clear_error(tmp_path):
    evidence = _evidence(tmp_path, {"measure": "cluster_output", "year": 2025, "kind": "at_least", "value": 50000,
                                    "published": "2025-12"})
    with pytest.raises(ParamsError, match="no simulated path is consistent with the evidence \\(row_0\\)"):
        _assess(evidence)


def test_a_low_effective_sample_draws_more_paths_and_says_so(tmp_path):
    evidence = _evidence(tmp_path, {"measure": "cluster_output", "year": 2025, "kind": "at_least", "value": 7000,
                                    "published": "2025-12"})
    params = resolve_scenario(SHIPPED / "params.yaml", "base", {"n_sims": 2000, "as_of": "2026-11",
                                                             "evidence": {"min_ess": 500}})
    result = assess_inputs(params, {**load_inputs(SHIPPED), "evidence": evidence})
    assert result.simulation.n_sims > 2000 and "paths were drawn instead" in result.simulation.note
    assert result.evidence[TARGET]["ess"] >= 500


def test_the_round_figure_reading_also_caps_the_level():
    ep = EvidenceParams(round_step=1000.0)
    obs = Observation("r", "cluster_output", 2025, "at_least", 5000.0, 12, False)

    class View:
        def log_x(self, year):
            return np.log(np.array([4900.0, 5500.0, 6100.0]))

    assert np.isneginf(log_likelihood(obs, View(), EvidenceParams())).tolist() == [True, False, False]
    assert np.isneginf(log_likelihood(obs, View(), ep)).tolist() == [True, False, True]


def test_weighted_stats_and_resampling_follow_the_weights():
    values = np.array([1.0, 2.0, 3.0, 4.0])
    weights, ess = normalise(np.log(np.array([0.1, 0.2, 0.3, 0.4])))
    assert ess == pytest.approx(1 / (0.01 + 0.04 + 0.09 + 0.16))
    stats = weighted_stats(values, weights, 3.0)
    assert stats["p_met"] == pytest.approx(0.7) and stats["median"] == 3.0 and stats["q10"] == 1.0
    assert np.bincount(resample(weights, 10), minlength=4).tolist() == [1, 2, 3, 4]


def test_assess_as_of_the_plan_gives_the_plan_time_numbers_from_the_shell(capsys):
    import json

    from dgforecast.cli import main

    assert main(["--project", str(SHIPPED), "assess", "base", "--as-of", "2022-01", "--json"]) == 0
    row = json.loads(capsys.readouterr().out)[0]
    # the plan-time base case: 71.725 % of 20,000 paths, closed form 72.09 %, no evidence
    assert (row["target_id"], row["p_met"], row["evidence_used"], row["ess"]) == (TARGET, 0.71725, [], 20000.0)
    assert row["closed_form"] == pytest.approx(0.72086, abs=1e-5)
