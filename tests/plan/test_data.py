"""The data layer: raw files checked, plan figures derived, processed tables written safely."""

import json

import pandas as pd
import pytest

from dgforecast.cli import main
from dgforecast.core.errors import DataError
from dgforecast.plan.data import history_series, load_baselines, load_history, load_targets
from dgforecast.plan.figures import cross_checks, derive_plan_figures, implied_total_range
from dgforecast.plan.targets import required_cagr, targets_table
from tests.conftest import PLAN, SHIPPED

RAW = SHIPPED / "data" / "raw"  # read only: commands get the workbook fixture


def test_required_cagr_matches_plan_target():
    # (5400 / 4621.25) ** (1/4) - 1 = 0.039701...
    assert required_cagr(4621.25, 5400, 4) == pytest.approx(0.0397013, abs=1e-6)


def test_required_cagr_rejects_zero_years():
    with pytest.raises(ValueError, match="years must be positive"):
        required_cagr(100, 200, 0)


def test_output_2020_implied_by_2021_growth():
    derived = derive_plan_figures(load_baselines(RAW)).set_index("variable")
    # 4621.25 / 1.183 = 3906.3821
    assert derived.loc["Gross Output|Electrical Machinery and Equipment", "value"] == pytest.approx(3906.38, abs=0.01)


def test_city_totals_implied_by_shares():
    derived = derive_plan_figures(load_baselines(RAW)).set_index("variable")
    assert derived.loc["Gross Output|Electrical Machinery and Equipment|Whole implied by share", "value"] == \
        pytest.approx(24195.03, abs=0.01)
    assert derived.loc["Value Added|Electrical Machinery and Equipment|Whole implied by share", "value"] == \
        pytest.approx(5006.02, abs=0.01)


def test_value_added_to_output_ratio():
    derived = derive_plan_figures(load_baselines(RAW)).set_index("variable")
    # 1081.30 / 4621.25 = 0.233984
    name = "Value Added|Electrical Machinery and Equipment to Gross Output|Electrical Machinery and Equipment ratio"
    assert derived.loc[name, "value"] == pytest.approx(0.23398, abs=1e-5)


def test_implied_total_range_follows_share_rounding():
    central, low, high = implied_total_range(1081.30, 21.6)
    # 21.6 % stands for 21.55-21.65 %: 1081.30/0.2165 = 4994.46, 1081.30/0.2155 = 5017.63
    assert (round(central, 2), round(low, 2), round(high, 2)) == (5006.02, 4994.46, 5017.63)


def test_published_city_value_added_passes_cross_check():
    checks = cross_checks(load_baselines(RAW), load_history(RAW), PLAN.checks, 2021).set_index("check")
    row = checks.iloc[0]
    assert row["published"] == 5008.81
    assert bool(row["passed"]) is True
    assert checks["passed"].all()


def test_cross_check_fails_when_published_figure_outside_rounding():
    history = load_history(RAW)
    history.loc[(history["series_id"] == "DG_IVA") & (history["year"] == 2021) & (history["basis"] == "level")
                & (history["period"] == "year"), "value"] = 4990.0
    checks = cross_checks(load_baselines(RAW), history, PLAN.checks, 2021)
    assert bool(checks.iloc[0]["passed"]) is False


def test_reliability_filter_drops_low_rows():
    every = load_history(RAW)
    official = load_history(RAW, reliability=("press_or_official",))
    assert len(every) == 76
    assert set(official["reliability"]) == {"press_or_official"}
    assert len(official) == 76 - (every["reliability"] != "press_or_official").sum()


def test_history_series_is_year_indexed_and_sorted():
    gdp = history_series(load_history(RAW), "DG_GDP")
    assert list(gdp.index) == [2013, 2015, 2016, 2017, 2018, 2020, 2021]
    assert gdp.loc[2021] == 10855.35


def test_registry_holds_every_numbered_target():
    targets = load_targets(RAW)
    assert len(targets) >= 14
    assert {"cluster_revenue_2025", "first_sets_2025", "zjtx_firms_2025", "doubling_pilots_2025",
            "major_projects_platforms_2025"} <= set(targets["id"])
    assert (targets["deadline"] > targets["start_year"]).all()


def test_revenue_to_output_ratio_is_an_explicit_conversion():
    table = targets_table(load_targets(RAW), load_baselines(RAW), revenue_to_output_ratio=0.95).set_index("id")
    row = table.loc["cluster_revenue_2025"]
    # 4621.25 * 0.95 = 4390.1875; (5400 / 4390.1875) ** 0.25 - 1 = 0.053120
    assert row["baseline"] == pytest.approx(4390.1875)
    assert row["required_cagr"] == pytest.approx(0.053120, abs=1e-6)


def test_targets_json_lists_cluster_revenue(workbook, capsys):
    assert main(["--project", str(workbook), "targets", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) >= 14
    for record in records:
        assert {"id", "kind", "threshold", "deadline", "section"} <= set(record)
    cluster = next(r for r in records if r["id"] == "cluster_revenue_2025")
    assert (cluster["threshold"], cluster["unit"], cluster["deadline"]) == (5400, "亿元", 2025)
    assert cluster["required_cagr"] == pytest.approx(0.0397, abs=1e-4)
    first_sets = next(r for r in records if r["id"] == "first_sets_2025")
    assert first_sets["required_cagr"] is None
    assert first_sets["required_pace"] == 25.0  # 100 over 2022-2025


def test_targets_table_prints_the_pace_with_the_precision_of_the_json(shipped, capsys):
    assert main(["--project", str(shipped), "targets"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:]}
    assert "0.25/yr" in rows["innovation_centre_2025"]      # one centre over 2022-2025; "0.2/yr" before
    assert "25/yr" in rows["first_sets_2025"] and "2.5/yr" in rows["own_brands_2025"]


def test_data_command_writes_processed_tables_and_prints_derived(workbook, capsys):
    assert main(["--project", str(workbook), "data"]) == 0
    out = capsys.readouterr().out
    for figure in ("3,906.38", "24,195.03", "5,006.02", "5,008.81: pass", "3.97% a year"):
        assert figure in out
    processed = workbook / "data" / "processed"
    series = pd.read_csv(processed / "timeseries.csv")
    assert list(series.columns[:7]) == ["model", "scenario", "region", "variable", "unit", "year", "value"]
    assert not series.duplicated(["model", "region", "variable", "year"]).any()
    assert not any(p.name.endswith(".tmp") for p in processed.iterdir())


def test_data_command_finds_workbook_from_a_subfolder(workbook, monkeypatch, capsys):
    sub = workbook / "data" / "processed"
    monkeypatch.chdir(sub)
    assert main(["data"]) == 0
    assert (sub / "targets.csv").exists()


def test_outside_a_workbook_says_where_to_go(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["data"]) == 2
    err = capsys.readouterr().err
    assert "no dgforecast workbook" in err and "--project" in err


# ------------------------------------------------------------------ bad input
def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BAD_INPUT = [
    # (file, old text, new text, expected words in the one-line message)
    ("plan_baselines.csv", "4621.25,level", "46x1.25,level", ["plan_baselines.csv", "line 2", "value", "'46x1.25' is not a number"]),
    ("plan_baselines.csv", "亿元,2021,4621.25", "亿美元,2021,4621.25", ["line 2", "unknown unit '亿美元'"]),
    ("plan_baselines.csv", "19.1,share_pct", "119.1,share_pct", ["line 4", "share 119.1 is outside 0-100"]),
    ("plan_baselines.csv", "%,2021,14.7,yoy_pct", "%,2021,21.6,share_pct", ["duplicate figure", "Value Added"]),
    ("plan_baselines.csv", "variable,name_zh,scope,unit,year,value", "variable,name_zh,scope,unit,yr,value", ["header", "missing column(s) year"]),
    ("plan_targets.csv", "5400,>=,2025,2021", "5400,>=,2019,2021", ["plan_targets.csv", "cluster_revenue_2025", "deadline 2019 is not after start_year 2021"]),
    ("plan_targets.csv", "first_sets_2025,", "cluster_revenue_2025,", ["duplicate target id", "cluster_revenue_2025"]),
    ("plan_targets.csv", ",level,亿元,5400", ",stock,亿元,5400", ["unknown kind 'stock'"]),
    ("plan_targets.csv", "5400,>=", "5400,=>", ["unknown comparison '=>'"]),
    ("plan_targets.csv", "100,>,2025", "-100,>,2025", ["first_sets_2025", "threshold -100.0 must be positive"]),
    ("plan_targets.csv", "cluster_revenue,\"stated", "cluster_revenu,\"stated",
     ["column measure", "'cluster_revenu' is not a measure of plan.yaml; did you mean 'cluster_revenue'?"]),
    ("dongguan_published_to_2021.csv", "5490.02,level", "NaN,level", ["dongguan_published_to_2021.csv", "line 2", "'NaN' is not a number"]),
    ("dongguan_published_to_2021.csv", "2013,year,5490.02", "2014,year,5490.02", []),  # 2014 GDP absent: fine
    ("dongguan_published_to_2021.csv", "2016,year,6827.67", "2017,year,6827.67", ["duplicate series-year", "DG_GDP", "year=2017"]),
    ("dongguan_published_to_2021.csv", "current,press_or_official,http://www.chinanews", "current,rumour,http://www.chinanews", ["unknown reliability 'rumour'"]),
    ("dongguan_published_to_2021.csv", "2021,year,5008.81", "20x1,year,5008.81", ["'20x1' is not a year"]),
    ("plan_baselines.csv", "2021,4621.25,level", "2021,1e308,level", ["line 2, column value", "1e+308 亿元 is beyond any regional figure (at most 1,000,000 亿元)"]),
    ("plan_baselines.csv", "2021,190000,count", "2021,1e9,count", ["line 8, column value", "1e+09 户 is beyond any regional figure"]),
    ("plan_targets.csv", "5400,>=,2025", "1e307,>=,2025", ["line 2, column threshold", "1e+307 亿元 is beyond"]),
    ("dongguan_published_to_2021.csv", "2013,year,5490.02", "2099,year,5490.02", ["line 2, column year", "year 2099 has not begun"]),
    ("dongguan_published_to_2021.csv", "2013,year,5490.02", "2013,year,5.49e6", ["line 2, column value", "5.49e+06 亿元 is beyond"]),
]


@pytest.mark.parametrize("name,old,new,words", BAD_INPUT, ids=[f"{c[0]}:{c[3][-1] if c[3] else 'ok'}" for c in BAD_INPUT])
def test_bad_raw_file_gives_one_line_and_exit_2_and_keeps_processed(workbook, capsys, name, old, new, words):
    assert main(["--project", str(workbook), "data"]) == 0
    processed = workbook / "data" / "processed"
    before = {p.name: p.read_bytes() for p in processed.iterdir()}
    capsys.readouterr()
    _edit(workbook / "data" / "raw" / name, old, new)
    code = main(["--project", str(workbook), "data"])
    err = capsys.readouterr().err
    if not words:
        assert code == 0
        return
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0]
    assert {p.name: p.read_bytes() for p in processed.iterdir()} == before


def test_missing_raw_file_is_named(workbook, capsys):
    (workbook / "data" / "raw" / "plan_targets.csv").unlink()
    assert main(["--project", str(workbook), "targets"]) == 2
    assert "plan_targets.csv: file not found" in capsys.readouterr().err


def test_non_utf8_raw_file_is_named(workbook, capsys):
    path = workbook / "data" / "raw" / "plan_baselines.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    assert main(["--project", str(workbook), "data"]) == 2
    assert "plan_baselines.csv: not UTF-8 text" in capsys.readouterr().err


# ------------------------------------------------------------------ a file cut short
def _cut(path, at):
    data = path.read_bytes()
    path.write_bytes(data[:at])


def _processed_after_a_good_build(workbook, capsys) -> dict:
    assert main(["--project", str(workbook), "data"]) == 0
    processed = workbook / "data" / "processed"
    before = {p.name: p.read_bytes() for p in processed.iterdir()}
    capsys.readouterr()
    return before


def test_targets_cut_inside_a_quoted_field_are_refused_naming_the_line(workbook, capsys):
    before = _processed_after_a_good_build(workbook, capsys)
    _cut(workbook / "data" / "raw" / "plan_targets.csv", 349)  # inside the first target's quoted note
    assert main(["--project", str(workbook), "data"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "plan_targets.csv: line 2: a quoted field opened here is never closed" in err
    processed = workbook / "data" / "processed"
    assert {p.name: p.read_bytes() for p in processed.iterdir()} == before
    assert len(pd.read_csv(processed / "targets.csv")) == 14


def test_evidence_cut_at_60_percent_is_refused_not_two_rows_short(workbook, capsys):
    path = workbook / "data" / "raw" / "evidence.csv"
    _cut(path, len(path.read_bytes()) * 60 // 100)  # 4341 of 7236 bytes: inside line 13's quoted note
    assert main(["--project", str(workbook), "assess", "base", "-p", "n_sims=200"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "evidence.csv: line 13: a quoted field opened here is never closed" in err


@pytest.mark.parametrize("at, words", [(1450, "ends after 1 of the header's 10 fields on its last line"),
                                       (1500, "ends in the middle of a character")])
def test_a_last_line_cut_short_is_refused_naming_the_line(workbook, capsys, at, words):
    _cut(workbook / "data" / "raw" / "plan_baselines.csv", at)
    assert main(["--project", str(workbook), "data"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "plan_baselines.csv: line 9: the file " + words in err


def test_a_quote_closed_too_early_names_the_line(workbook, capsys):
    _edit(workbook / "data" / "raw" / "plan_targets.csv", 'cluster_revenue,"stated', 'cluster_revenue,"st"ated')
    assert main(["--project", str(workbook), "data"]) == 2
    err = capsys.readouterr().err
    assert "plan_targets.csv: line 2: not a readable CSV" in err and "must end with one" in err


def test_an_evidence_file_given_that_does_not_exist_is_named_without_advice_to_restore_it(workbook, capsys):
    assert main(["--project", str(workbook), "assess", "base", "--evidence", "/nonexistent.csv"]) == 2
    assert capsys.readouterr().err == "dgforecast: error: /nonexistent.csv: file not found\n"


def test_loader_error_carries_file_and_row():
    with pytest.raises(DataError) as info:
        raise DataError("x.csv", "line 3, column value", "bad")
    assert str(info.value) == "x.csv: line 3, column value: bad"


def test_code_never_writes_raw_data(workbook):
    raw = workbook / "data" / "raw"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in raw.iterdir()}
    assert main(["--project", str(workbook), "data"]) == 0
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in raw.iterdir()} == before


# ------------------------------------------------------------------ figures after the base year: evidence only
ACTUAL_2022 = ("DG_EM_OUT,Dongguan,电气机械及设备制造业,规上工业总产值,亿元,2022,year,5000.00,level,current,"
               "press_or_official,https://example.org/dg-2022,总产值5000亿元\n")
HISTORY_HEADER = ("series_id,region,industry,metric,unit,year,period,value,basis,price_basis,reliability,source_url,"
                  "source_phrase\n")


def test_a_retired_actuals_file_with_rows_is_refused_saying_where_they_go(workbook, capsys):
    (workbook / "data" / "raw" / "actuals.csv").write_text(HISTORY_HEADER + ACTUAL_2022, encoding="utf-8")
    assert main(["--project", str(workbook), "data"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "actuals.csv: is no longer read" in err and "evidence.csv" in err


def test_an_empty_retired_actuals_file_is_no_figure_and_no_error(workbook):
    (workbook / "data" / "raw" / "actuals.csv").write_text(HISTORY_HEADER, encoding="utf-8")
    assert main(["--project", str(workbook), "data"]) == 0


def test_data_checks_the_evidence_file_and_refuses_an_implausible_level(workbook, capsys):
    # 50000 written for 5000: beyond 4621.25 · 1.5 · 3 = 20,796 for 2022
    path = workbook / "data" / "raw" / "evidence.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("cluster_output,2022,year,level,5000,",
                                                             "cluster_output,2022,year,level,50000,"), encoding="utf-8")
    for command in (["data"], ["assess", "base"]):
        assert main(["--project", str(workbook), *command]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "evidence.csv: line 3, column value: cluster_output 2022 = 50000" in err
        assert "allows 770-20,796" in err


def test_data_checks_the_progress_file(workbook, capsys):
    path = workbook / "data" / "raw" / "target_progress.csv"
    path.write_text(path.read_text(encoding="utf-8") + "first_sets_2025,2023,30,2023-05,test,\n", encoding="utf-8")
    assert main(["--project", str(workbook), "data"]) == 2
    assert "target_progress.csv: line 2, column published: 2023-05 is before the end of 2023" in capsys.readouterr().err


def test_processed_tables_are_readable_by_the_group_as_umask_allows(workbook):
    import os

    old = os.umask(0o022)
    try:
        assert main(["--project", str(workbook), "data"]) == 0
    finally:
        os.umask(old)
    mode = (workbook / "data" / "processed" / "targets.csv").stat().st_mode & 0o777
    assert mode == 0o644
