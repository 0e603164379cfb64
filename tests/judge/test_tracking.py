"""Tracking: vintages of the evidence, the track, its scores against an outcome, the final verdicts, the hinge."""

import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dgforecast.cli import main
from dgforecast.judge.assess import assess_inputs
from dgforecast.judge.final import final_assessment
from dgforecast.judge.hinge import hinge_table, verdict_crossings
from dgforecast.judge.readings import reading_statements
from dgforecast.judge.tracking import TRACK_COLUMNS, band_held, crps_sample, log_score, track, vintages
from dgforecast.judge.verdicts import verdict, verdict_detail
from dgforecast.plan.params import changed, resolve_scenario
from dgforecast.plan.schema import VerdictThresholds
from dgforecast.run.pipeline import load_inputs

SHIPPED = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "workbook"  # the workbook as shipped, pinned (conftest.py)
#: The shipped evidence as of November 2026, derived by hand from data/raw/evidence.csv with the default
#: min_reliability press_or_official: the plan (2022-01), then each month a row that passes it was
#: published — 2022-11 (em_va_2022_ytd09, city_va_2022_ytd09), 2023-01 (city_va_2022), 2023-04 and 2023-06
#: (city_va_2023_ytd03, _ytd05), 2023-05 (em_out_2022), 2024-01 (city_va_2023), 2024-08 and 2024-09
#: (city_va_2024_ytd07, _ytd08), 2025-01 (city_va_2024), 2025-02 (city_revenue_2024, city_output_2024_at_least),
#: 2025-06 (em_va_2025_ytd05, city_va_2025_ytd05), 2025-09 (em_va_2025_ytd08, city_va_2025_ytd08), 2025-12
#: (em_out_2025_at_least), 2026-02 (city_va_2025). Left out: em_out_2023_size_class (low, 2024-01) and
#: em_va_2025 (unverified, 2026-08).
SHIPPED_VINTAGES = ["2022-01", "2022-11", "2023-01", "2023-04", "2023-05", "2023-06", "2024-01", "2024-08", "2024-09",
                    "2025-01", "2025-02", "2025-06", "2025-09", "2025-12", "2026-02"]
OUTCOME_ROW = ("rev_2025_outcome,cluster_revenue,2025,year,level,{value},亿元,exact,,2026-04,official,"
               "http://example.org/fixture,营业收入{value}亿元,a fixture outcome: the exact 2025 revenue\n")


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(SHIPPED)


def resolved(name="base", **changes):
    # As of November 2026 (not "today", so the tests do not move with the calendar); a low effective-size
    # floor keeps the path count at n_sims, so the track and the sweep core see the same paths.
    base = resolve_scenario(SHIPPED / "params.yaml", name, {"n_sims": 4000, "as_of": "2026-11"})
    return changed(base, {"evidence.min_ess": 10, **changes})


def with_outcome(tmp_path, value) -> dict:
    """The shipped tables with an exact 2025 revenue published in April 2026 appended to the evidence."""
    path = tmp_path / "evidence_with_outcome.csv"
    shutil.copy(SHIPPED / "data" / "raw" / "evidence.csv", path)
    with path.open("a", encoding="utf-8") as f:
        f.write(OUTCOME_ROW.format(value=value))
    return load_inputs(SHIPPED, evidence_file=path)


# ---------------------------------------------------------------- vintages
def test_vintages_of_the_shipped_evidence_are_the_plan_then_each_month_with_usable_rows(inputs):
    assert vintages(inputs["evidence"], resolved()) == SHIPPED_VINTAGES


def test_vintages_with_every_row_trusted_add_the_unverified_month(inputs):
    found = vintages(inputs["evidence"], resolved(**{"evidence.min_reliability": "unverified"}))
    assert found == SHIPPED_VINTAGES + ["2026-08"]  # 2024-01 (the low size class) is a month already


def test_vintages_stop_at_the_as_of_month(inputs):
    assert vintages(inputs["evidence"], resolved(as_of="2025-07")) == SHIPPED_VINTAGES[:12]


def test_without_an_evidence_table_the_only_vintage_is_the_plan():
    assert vintages(None, resolved()) == ["2022-01"]


# ---------------------------------------------------------------- the track
@pytest.fixture(scope="module")
def shipped_track(inputs):
    return track(resolved(), inputs)


def test_track_has_one_row_per_vintage_with_the_agreed_columns(shipped_track):
    assert list(shipped_track.columns) == TRACK_COLUMNS
    assert shipped_track["as_of"].tolist() == SHIPPED_VINTAGES
    assert set(shipped_track["target_id"]) == {"cluster_revenue_2025"}


def test_first_vintage_is_the_as_of_plan_assessment_exactly(inputs, shipped_track):
    plan = assess_inputs(resolved(as_of="2022-01"), inputs).summary.set_index("target_id").loc["cluster_revenue_2025"]
    first = shipped_track.iloc[0]
    for key in ("p_met", "median", "q10", "q90", "status"):
        assert first[key] == plan[key], key
    assert first["evidence_used"] == "" and first["ess"] == 4000


def test_each_vintage_is_the_assessment_as_of_its_month(inputs, shipped_track):
    row = shipped_track.set_index("as_of").loc["2025-06"]
    direct = assess_inputs(resolved(as_of="2025-06"), inputs)
    assert row["p_met"] == direct.summary.set_index("target_id").loc["cluster_revenue_2025", "p_met"]
    assert row["evidence_used"].split(";") == direct.evidence["cluster_revenue_2025"]["evidence_used"]


def test_track_names_the_evidence_that_arrived_and_what_it_replaced(shipped_track):
    rows = shipped_track.set_index("as_of")
    assert rows["evidence_arrived"].tolist() == [
        "", "em_va_2022_ytd09;city_va_2022_ytd09", "city_va_2022", "city_va_2023_ytd03", "em_out_2022",
        "city_va_2023_ytd05", "city_va_2023", "city_va_2024_ytd07", "city_va_2024_ytd08", "city_va_2024",
        "city_revenue_2024;city_output_2024_at_least", "em_va_2025_ytd05;city_va_2025_ytd05",
        "em_va_2025_ytd08;city_va_2025_ytd08", "em_out_2025_at_least", "city_va_2025"]
    assert rows.loc["2025-09", "evidence_dropped"] == "city_va_2025_ytd05;em_va_2025_ytd05"
    assert rows.loc["2026-02", "evidence_dropped"] == "city_va_2025_ytd08"
    assert set(rows.loc["2026-02", "evidence_used"].split(";")) == {
        "em_va_2022_ytd09", "em_out_2022", "em_va_2025_ytd08", "em_out_2025_at_least", "city_revenue_2024",
        "city_output_2024_at_least", "city_va_2022", "city_va_2023", "city_va_2024", "city_va_2025"}


def test_without_an_outcome_the_scores_are_empty(shipped_track):
    assert shipped_track[["outcome", "crps", "log_score"]].isna().all().all()
    assert shipped_track["band_80_held"].isna().all()


@pytest.mark.slow
def test_track_of_base_runs_from_the_plan_to_today_one_row_a_vintage(inputs):
    # how long it takes is measured by benchmarks/, not here (a timed test fails on a loaded machine)
    params = resolve_scenario(SHIPPED / "params.yaml", "base", {"n_sims": 20000})
    frame = track(params, inputs)
    assert len(frame) >= len(SHIPPED_VINTAGES) and frame["as_of"].is_monotonic_increasing


# ---------------------------------------------------------------- scores
def test_crps_of_a_point_mass_is_the_absolute_error():
    assert crps_sample([5000.0], 5400.0) == 400.0
    assert crps_sample([5000.0, 5000.0], 4900.0) == 100.0


def test_crps_of_a_weighted_sample_by_hand():
    # 0 with weight 1/4, 4 with weight 3/4, outcome 1: E|X - y| = 0.25 + 2.25 = 2.5, E|X - X'| = 2 * 0.25 * 0.75 * 4
    # = 1.5, CRPS = 2.5 - 0.75 = 1.75; the integral of (F - 1{z >= 1})^2 gives 0.0625 + 3 * 0.5625 = 1.75 too.
    assert crps_sample([4.0, 0.0], 1.0, weights=[3.0, 1.0]) == pytest.approx(1.75)


def test_log_score_is_the_gaussian_log_density_of_the_log_outcome():
    # ln values 0 and 2: mean 1, sd 1; the outcome e^1 sits on the mean: -ln(2 pi) / 2 = -0.918939.
    assert log_score([1.0, math.e ** 2], math.e) == pytest.approx(-0.918939, abs=1e-6)
    assert log_score([1.0, math.e ** 2], math.e ** 3) == pytest.approx(-0.918939 - 2.0, abs=1e-6)
    assert log_score([5000.0], 5000.0) == math.inf and log_score([5000.0], 5400.0) == -math.inf


def test_band_held_includes_its_edges():
    assert band_held(5000, 6000, 5000) and band_held(5000, 6000, 6000)
    assert not band_held(5000, 6000, 6000.01) and not band_held(5000, 6000, 4999.99)


@pytest.mark.parametrize("value, held", [(5600, True), (7500, False)])
@pytest.mark.slow
def test_each_vintage_is_scored_against_an_exact_outcome(tmp_path, value, held):
    frame = track(resolved(), with_outcome(tmp_path, value)).set_index("as_of")
    assert frame.index.tolist() == SHIPPED_VINTAGES + ["2026-04"]
    assert (frame["outcome"] == value).all()
    assert frame["band_80_held"].tolist() == [held] * len(frame)
    for month, row in frame.iloc[:-1].iterrows():  # before publication: the forecast shown is the one scored
        assert row["band_80_held"] == (row["q10"] <= value <= row["q90"]), month


@pytest.mark.slow
def test_the_vintage_that_sees_the_outcome_is_scored_without_it(tmp_path):
    frame = track(resolved(), with_outcome(tmp_path, 5600)).set_index("as_of")
    last, before = frame.loc["2026-04"], frame.loc["2026-02"]
    assert last["evidence_arrived"] == "rev_2025_outcome"
    assert last["p_met"] != before["p_met"]          # the forecast shown uses the outcome...
    for key in ("crps", "log_score", "band_80_held"):  # ...the score does not: it is the 2026-02 forecast's
        assert last[key] == before[key], key
    # and the row says so: which row was left out, and the band of the forecast scored (not the one shown)
    assert last["scored_without"] == "rev_2025_outcome" and before["scored_without"] == ""
    assert (last["scored_q10"], last["scored_q90"]) == (before["q10"], before["q90"])
    assert (before["scored_q10"], before["scored_q90"], before["scored_median"]) == (
        before["q10"], before["q90"], before["median"])
    assert last["q10"] <= 5600 <= last["q90"] and last["band_80_held"] == (before["q10"] <= 5600 <= before["q90"])


@pytest.mark.slow
def test_track_says_the_month_the_outcome_arrived_is_scored_on_the_forecast_before_it(workbook, tmp_path, capsys):
    with_outcome(tmp_path, 5300)  # writes tmp_path / evidence_with_outcome.csv
    assert main(["--project", str(workbook), "track", "base", "--as-of", "2026-11", "-p", "n_sims=4000",
                 "-p", "evidence.min_ess=10", "--evidence", str(tmp_path / "evidence_with_outcome.csv")]) == 0
    lines = capsys.readouterr().out.splitlines()
    arrived = next(line for line in lines if line.startswith("2026-04"))
    before = next(line for line in lines if line.startswith("2026-02"))
    # 2026-02's band (q10, q90 on its line) is the one scored in 2026-04, and the line says whose it is
    q10, q90 = (float(v.replace(",", "")) for v in before.split()[3:5])
    held = "held" if q10 <= 5300 <= q90 else "missed"
    assert "the forecast before the outcome arrived: CRPS" in arrived and "[vs outcome 5,300.0:" in arrived
    assert re.search(rf"its 80% band {q10:,.0f}–[0-9,]+ {held}\]", arrived), (arrived, q10, q90)
    assert "80% band" in before and "before the outcome" not in before
    said = " ".join(lines)
    assert "from the month it arrived (April 2026) on, the forecast scored is the one from before it arrived" in said
    assert "CRPS (continuous ranked probability score) is the forecast's average distance" in said
    assert "结果公布当月（2026年4月）起，评分的是结果公布前的预测" in said


@pytest.mark.slow
def test_a_closer_forecast_scores_better(tmp_path):
    near = track(resolved(), with_outcome(tmp_path, 6000)).iloc[-1]
    far = track(resolved(), with_outcome(tmp_path, 7500)).iloc[-1]  # the file is rewritten, then read again
    assert near["crps"] < far["crps"] and near["log_score"] > far["log_score"]


# ---------------------------------------------------------------- verdicts
@pytest.mark.parametrize("p, expected", [(0.9, "已实现"), (0.8999, "无法确认"), (0.5, "无法确认"), (0.1001, "无法确认"),
                                         (0.1, "未实现"), (0.0, "未实现"), (1.0, "已实现"), (math.nan, "无法确认")])
def test_verdict_cut_offs_include_their_edges(p, expected):
    assert verdict(p, VerdictThresholds()) == expected


def test_verdict_follows_the_thresholds_given():
    strict = VerdictThresholds(achieved=0.97, missed=0.03)
    assert verdict(0.95, strict) == "无法确认" and verdict(0.97, strict) == "已实现" and verdict(0.03, strict) == "未实现"


def test_no_evidence_means_cannot_be_confirmed_whatever_the_probability():
    assert verdict(0.99, VerdictThresholds(), has_evidence=False) == "无法确认"
    assert verdict(0.01, VerdictThresholds(), has_evidence=False) == "无法确认"


@pytest.fixture(scope="module")
def final(inputs):
    return final_assessment(resolved(), inputs)


def test_final_assessment_has_every_target_with_both_readings_for_levels(inputs, final):
    assert len(final) == len(inputs["targets"]) == 14
    level = final.set_index("target_id").loc["cluster_revenue_2025"]
    assert level["threshold"] == 5400 and level["deadline"] == 2025
    assert level["p_met"] != level["p_met_round"] and level["p_se"] > 0
    assert level["verdict"] in ("已实现", "未实现", "无法确认") and level["verdict_round"] in ("已实现", "未实现", "无法确认")
    assert "em_out_2025_at_least" in level["reason"] and "revenue-to-output ratio" in level["reason"]
    assert level["decided_by"] == ""  # no exact figure of the 2025 revenue is published


@pytest.mark.slow
def test_one_rule_for_each_reading_changes_every_round_statement_alike(inputs):
    found = reading_statements(resolved(), inputs).set_index("evidence_id")
    assert found.index.tolist() == ["em_out_2025_at_least", "city_output_2024_at_least"]
    assert found.loc["em_out_2025_at_least", "round_reading"] == "also below 6000 亿元"
    assert found.loc["city_output_2024_at_least", "round_reading"] == "also below 26000 亿元"
    assert found["p_beyond_next_plain"].between(0.01, 0.99).all()  # what the plain reading leaves open


@pytest.mark.parametrize("value, verdict_expected", [pytest.param(5300, "未实现", marks=pytest.mark.slow), (5500, "已实现")])
@pytest.mark.parametrize("scenario", ["base"] + [pytest.param(name, marks=pytest.mark.slow)  # one in the fast tier
                                                  for name in ("optimistic", "pessimistic", "shock")])
def test_an_exact_revenue_outcome_decides_the_verdict_in_every_scenario(tmp_path, scenario, value, verdict_expected):
    params = changed(resolve_scenario(SHIPPED / "params.yaml", scenario, {"n_sims": 4000, "as_of": "2026-11"}),
                     {"evidence.min_ess": 10})
    row = final_assessment(params, with_outcome(tmp_path, value)).set_index("target_id").loc["cluster_revenue_2025"]
    assert (row["verdict"], row["verdict_round"]) == (verdict_expected, verdict_expected)
    assert row["p_met"] == (1.0 if value > 5400 else 0.0) and row["decided_by"] == "rev_2025_outcome"
    assert row["reason"].startswith("decided by rev_2025_outcome: the exact 2025 figure")


@pytest.mark.slow
def test_the_verdict_does_not_turn_on_the_seed(inputs):
    found = {final_assessment(resolved(seed=seed, n_sims=20000), inputs).set_index("target_id")
             .loc["cluster_revenue_2025", "verdict"] for seed in (1, 2, 3, 4, 5)}
    assert len(found) == 1


def test_a_probability_within_its_margin_of_a_cut_is_at_the_cut():
    t = VerdictThresholds()
    assert verdict_detail(0.902, t, se=0.003) == ("无法确认", True)    # 0.902 - 3 · 0.003 < 0.9
    assert verdict_detail(0.91, t, se=0.003) == ("已实现", False)
    assert verdict_detail(0.098, t, se=0.003) == ("无法确认", True)
    assert verdict_detail(0.5, t, se=0.003) == ("无法确认", False)    # not near a cut: simply not confirmed


def test_final_plain_reading_is_the_assessment_as_of_now(inputs, final):
    now = assess_inputs(resolved(), inputs).summary.set_index("target_id").loc["cluster_revenue_2025", "p_met"]
    assert final.set_index("target_id").loc["cluster_revenue_2025", "p_met"] == now


def test_count_targets_without_progress_cannot_be_confirmed_for_want_of_a_figure(final):
    counts = final[final["kind"] != "level"]
    assert len(counts) == 13
    assert set(counts["verdict"]) == {"无法确认"} and set(counts["verdict_en"]) == {"cannot be confirmed"}
    assert counts["reason"].str.startswith("no public figure").all()
    assert counts["p_met_round"].isna().all()


def test_a_level_target_without_evidence_cannot_be_confirmed_even_when_likely(inputs):
    found = final_assessment(resolved(as_of="2022-01", growth=0.2), inputs).set_index("target_id")
    row = found.loc["cluster_revenue_2025"]
    assert row["p_met"] > 0.95
    assert row["verdict"] == "无法确认" and row["reason"] == "no public figure bears on it"


@pytest.mark.slow
def test_count_targets_with_progress_to_the_deadline_are_decided(inputs):
    progress = pd.DataFrame({"target_id": ["own_brands_2025"] * 4 + ["quality_firms_introduced_2025"] * 4,
                             "year": [2022, 2023, 2024, 2025] * 2, "count": [3.0] * 4 + [2.0] * 4,
                             "source": "fixture", "published": ["2023-01", "2024-01", "2025-01", "2026-01"] * 2})
    found = final_assessment(resolved(), {**inputs, "progress": progress}).set_index("target_id")
    assert found.loc["own_brands_2025", ["p_met", "verdict"]].tolist() == [1.0, "已实现"]           # 12 >= 10
    assert found.loc["quality_firms_introduced_2025", ["p_met", "verdict"]].tolist() == [0.0, "未实现"]  # 8 < 10
    assert found.loc["own_brands_2025", "reason"] == "12 entered for 2022, 2023, 2024, 2025: the threshold is reached"
    assert found.loc["quality_firms_introduced_2025", "reason"].endswith("every year of the window: short of it")


@pytest.mark.slow
def test_a_count_short_with_years_missing_is_not_missed_unless_the_pace_model_says_so(inputs):
    progress = pd.DataFrame({"target_id": ["own_brands_2025", "doubling_pilots_2025"], "year": [2023, 2023],
                             "count": [4.0, 1.0], "source": "fixture", "published": ["2024-01", "2024-01"]})
    found = final_assessment(resolved(), {**inputs, "progress": progress}).set_index("target_id")
    brands, pilots = found.loc["own_brands_2025"], found.loc["doubling_pilots_2025"]
    assert brands["verdict"] == "无法确认" and 0.1 < brands["p_met"] < 1        # 4 of 10 in one year of four
    assert pilots["verdict"] == "未实现" and pilots["p_met"] <= 0.1             # 1 of more than 200
    assert "years not entered (2022, 2024, 2025)" in pilots["reason"]


# ---------------------------------------------------------------- the hinge
@pytest.mark.slow
def test_hinge_table_through_the_sweep_core_agrees_with_the_assessment(inputs, final):
    hinge = hinge_table(resolved(), inputs, ratios=(0.9, 1.0, 1.1), final=final)
    assert len(hinge) == 6 and set(hinge["reading"]) == {"plain", "round"}
    assert not hinge["below_floor"].any()
    at_one = hinge[hinge["revenue_to_output_ratio"] == 1.0].set_index("reading")["p_met"]
    level = final.set_index("target_id").loc["cluster_revenue_2025"]
    assert at_one["plain"] == pytest.approx(level["p_met"], abs=1e-9)
    assert at_one["round"] == pytest.approx(level["p_met_round"], abs=1e-9)


def test_p_met_rises_with_the_revenue_ratio(inputs):
    hinge = hinge_table(resolved(), inputs, ratios=(0.85, 0.95, 1.05, 1.15))
    for _, part in hinge.groupby("reading"):
        assert np.all(np.diff(part["p_met"].to_numpy()) > 0)


def test_verdict_crossings_interpolate_between_grid_points():
    hinge = pd.DataFrame({"target_id": "t", "reading": "plain", "revenue_to_output_ratio": [0.9, 1.0, 1.1],
                          "p_met": [0.05, 0.5, 0.95]})
    found = verdict_crossings(hinge, VerdictThresholds()).set_index("cut")["revenue_to_output_ratio"]
    assert found["missed"] == pytest.approx(0.9 + 0.05 / 0.45 * 0.1)    # 0.91111
    assert found["achieved"] == pytest.approx(1.0 + 0.4 / 0.45 * 0.1)    # 1.08889


def test_verdict_crossing_is_empty_when_the_cut_off_is_never_reached():
    hinge = pd.DataFrame({"target_id": "t", "reading": "plain", "revenue_to_output_ratio": [0.9, 1.0],
                          "p_met": [0.3, 0.6]})
    assert verdict_crossings(hinge, VerdictThresholds())["revenue_to_output_ratio"].isna().all()


# ---------------------------------------------------------------- the command
@pytest.mark.slow
def test_track_json_is_one_object_per_vintage(workbook, capsys):
    assert main(["--project", str(workbook), "track", "base", "--json", "--as-of", "2026-11",
                 "-p", "n_sims=2000"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["as_of"] for r in records] == SHIPPED_VINTAGES
    assert list(records[0]) == TRACK_COLUMNS
    assert records[0]["crps"] is None and records[0]["n_sims"] == 2000 and isinstance(records[0]["ess"], float)


@pytest.mark.slow
def test_track_text_has_a_line_per_vintage_and_the_final_assessment(workbook, capsys):
    assert main(["--project", str(workbook), "track", "base", "--as-of", "2026-11", "-p", "n_sims=2000"]) == 0
    out = capsys.readouterr().out
    assert sum(line.startswith(m) for m in SHIPPED_VINTAGES for line in out.splitlines()) == len(SHIPPED_VINTAGES)
    assert "final assessment (终期评估) as of 2026-11" in out and "13 无法确认" in out


def test_track_before_the_deadline_says_it_is_ahead_not_a_final_assessment(workbook, capsys):
    assert main(["--project", str(workbook), "track", "base", "--as-of", "2024-09", "-p", "n_sims=2000"]) == 0
    out = capsys.readouterr().out
    assert "deadline ahead (期限未到) as of 2024-09: P(met by 2025)" in out
    assert "final assessment (终期评估) as of 2024-09: P(met)" not in out


@pytest.mark.slow
def test_track_out_writes_the_table_and_the_chart_beside_it(workbook, tmp_path, capsys):
    out = tmp_path / "reports" / "track.csv"
    assert main(["--project", str(workbook), "track", "base", "--as-of", "2026-11", "-p", "n_sims=2000",
                 "--out", str(out)]) == 0
    assert pd.read_csv(out)["as_of"].tolist() == SHIPPED_VINTAGES
    assert out.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {out}" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["data/raw/track.csv", "data/raw/sub/track.csv"])
def test_track_out_into_data_raw_is_refused_in_one_line(workbook, capsys, name):
    target = workbook / name
    assert main(["--project", str(workbook), "track", "base", "--out", str(target)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "data/raw/" in err[0]
    assert not target.exists() and not target.with_suffix(".png").exists()


@pytest.mark.parametrize("argv, words", [
    (["track", "base", "--out", "track.xlsx"], "name a .csv file"),
    (["track", "nosuch"], "not found"),
    (["track", "base", "-p", "n_sim=2000"], "n_sim"),
    (["track", "base", "--as-of", "2025-13"], "argument --as-of: '2025-13' is not a month"),
])
def test_track_bad_input_is_one_line_and_exit_2(workbook, capsys, argv, words):
    try:
        code = main(["--project", str(workbook), *argv])
    except SystemExit as exit_:  # argparse refuses an option's value itself
        code = exit_.code
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0]
