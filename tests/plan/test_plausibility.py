"""A figure against the figures beside it: each slipped digit of issue 26 refused in one line naming file, line and
column, with the bound worked out by hand from the shipped data; every row of the shipped workbooks passes."""

from pathlib import Path

import pytest

from dgforecast.core.errors import DataError
from dgforecast.plan.data import load_baselines, load_history, load_targets
from dgforecast.plan.evidence import load_evidence
from dgforecast.plan.plausibility import GROWTH_SWING, quotes, unit_slips
from dgforecast.plan.targets import check_target_paces, targets_table
from tests.conftest import PLAN, REPO, SHIPPED

TODAY = __import__("datetime").date(2026, 12, 6)
HISTORY = "dongguan_published_to_2021.csv"


def edit(path: Path, old: str, new: str) -> Path:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def refusal(call) -> DataError:
    with pytest.raises(DataError) as caught:
        call()
    return caught.value


# ---------------------------------------------------------------- a source phrase that shows the figure
@pytest.mark.parametrize("phrase, value, shown", [
    ("电气机械及设备制造业增长8.5%", 8.5, True),
    ("同比下降1.3%", -1.3, True),            # the sign is in the words
    ("东莞规上工业添加值增加6。9%", 6.9, True),  # a full-width point
    ("规上工业增加值增长4%", 4.0, True),
    ("增长 0.6 ％", 0.6, True),
    ("分别同比增长72%、33%、27%、8%", 8, True),
    ("分别同比增长72%、33%、27%、8%", 2, False),  # 72 is not 2
    ("电气机械及设备制造业增长3.2%", 32, False),
    ("增长132%", 32, False),
    ("增长3.2%", 0.032, False),
    ("", 8.5, False),
])
def test_a_phrase_quotes_a_growth_only_with_its_digits_and_its_percent_sign(phrase, value, shown):
    assert quotes(phrase, value) is shown


# ---------------------------------------------------------------- evidence: growth rows against their measure's others
@pytest.fixture
def evidence(workbook) -> Path:
    return workbook / "data" / "raw" / "evidence.csv"


def test_a_growth_ten_times_too_large_is_refused_against_the_measures_other_rows(evidence):
    # em_va_2022_ytd09 (line 2) 3.2 -> 32: the other cluster_value_added rows are 9.5, 8.5, 5.7 (lines 5, 6, 8),
    # spread 3.8 < 16.4, so 32 may lie in 5.7 - 16.4 .. 9.5 + 16.4 = -10.7 .. 25.9
    edit(evidence, ",growth,3.2,%", ",growth,32,%")
    err = refusal(lambda: load_evidence(evidence, PLAN, today=TODAY))
    assert err.where == "line 2, column value"
    assert err.what.startswith("cluster_value_added growth 32 % is out of line with its other growth rows "
                               "(5.7 to 9.5 %, lines 5, 6, 8): a row may lie at most 16.4 points outside them")
    assert "check the digits (3.2?)" in err.what and "quote it as published (32%) in source_phrase" in err.what


@pytest.mark.parametrize("value, ok", [("25.9", True), ("-10.7", True), ("26", False), ("-10.8", False),
                                       ("20", True)])
def test_the_bound_is_the_other_rows_range_widened_by_the_swing_on_each_side(evidence, value, ok):
    edit(evidence, ",growth,3.2,%", f",growth,{value},%")
    if ok:
        assert len(load_evidence(evidence, PLAN, today=TODAY)) == 20
    else:
        assert refusal(lambda: load_evidence(evidence, PLAN, today=TODAY)).where == "line 2, column value"


def test_a_measure_whose_rows_spread_wider_than_the_swing_allows_its_own_spread(evidence):
    # city_va_2025 (line 14) 4.0 -> 40: the city's other rows run -6.6 .. 9.8, a spread of 16.4: -23 .. 26.2
    edit(evidence, ",growth,4.0,%", ",growth,40,%")
    err = refusal(lambda: load_evidence(evidence, PLAN, today=TODAY))
    assert err.where == "line 14, column value" and "(-6.6 to 9.8 %, lines " in err.what
    assert "at most 16.4 points outside them" in err.what and "(4?)" in err.what


def test_a_growth_out_of_line_passes_when_its_source_phrase_quotes_it(evidence):
    edit(evidence, ",growth,3.2,%", ",growth,32,%")
    edit(evidence, "电气机械及设备制造业增长3.2%", "电气机械及设备制造业增长32%")
    assert load_evidence(evidence, PLAN, today=TODAY).loc[0, "value"] == 32


def test_the_swing_is_the_widest_spread_of_one_measures_growth_in_the_shipped_evidence():
    frame = load_evidence(SHIPPED / "data" / "raw" / "evidence.csv", PLAN, today=TODAY)
    spreads = frame[frame["kind"] == "growth"].groupby("measure")["value"].agg(lambda v: v.max() - v.min())
    assert spreads.max() == pytest.approx(GROWTH_SWING) == pytest.approx(9.8 - -6.6)


# ---------------------------------------------------------------- evidence: the ratio a pair implies
@pytest.mark.parametrize("value, ratio", [("276915", "11.08"), ("2769.15", "0.11")])
def test_the_citys_revenue_over_its_output_must_be_a_ratio_a_scenario_may_assume(evidence, value, ratio):
    # city_revenue_2024 (line 9) over city_output_2024_at_least 25000 (line 10): 27691.5 / 25000 = 1.108
    edit(evidence, ",27691.5,", f",{value},")
    err = refusal(lambda: load_evidence(evidence, PLAN, today=TODAY))
    assert err.where == "line 10, column value"
    assert err.what == (f"city_revenue 2024 = {value} (line 9) over city_output 2024 = 25000 (line 10) is a ratio of "
                        f"{ratio}, outside 0.5..2 (the revenue-to-output ratios a scenario may assume); check the "
                        "digits and the unit of both")


# ---------------------------------------------------------------- evidence: a growth under 1 %
def test_a_growth_under_one_percent_is_a_unit_slip_unless_its_phrase_quotes_it(evidence):
    edit(evidence, ",growth,8.5,%", ",growth,0.085,%")          # em_va_2025_ytd08, line 6
    edit(evidence, ",growth,1.1,%", ",growth,0.6,%")            # city_va_2022_ytd09, line 15 ...
    edit(evidence, "同比增长1.1%", "同比增长0.6%")                # ... quoted as published
    frame = load_evidence(evidence, PLAN, today=TODAY)
    assert unit_slips(frame) == [4]  # line 6


# ---------------------------------------------------------------- history: a level against its neighbours
@pytest.fixture
def raw(workbook) -> Path:
    return workbook / "data" / "raw"


def test_a_history_level_ten_times_its_neighbours_is_refused_naming_the_bound_and_its_source(raw):
    # DG_IVA 2018 (line 36) 3904.57 -> 39045.7: 11.8 times 2017's 3316.97 and 9.42 times 2020's 4145.7, where the
    # fastest growth the file states is DG_INDROBOT_OUTVAL 2021's 66.8 % (line 76): at most 1.668 a year
    edit(raw / HISTORY, ",3904.57,", ",39045.7,")
    err = refusal(lambda: load_history(raw))
    assert (Path(err.path).name, err.where) == (HISTORY, "line 36, column value")
    assert err.what == ("DG_IVA 2018 = 39045.7 is 11.8 times 2017's 3316.97 (line 34) and 9.42 times 2020's 4145.7 "
                        "(line 39): a jump no published series makes (at most 66.8% a year either way, the fastest "
                        f"growth this data states (DG_INDROBOT_OUTVAL 2021, {HISTORY} line 76)); check the digits "
                        "(3904.57?) and the unit")


def test_a_series_first_figure_out_of_line_is_the_one_named(raw):
    # DG_GDP 2013 (line 2) 5490.02 -> 54900.2: 8.75 times too much for 2015's 6275.1 two years on (1.668^2 = 2.78);
    # 2015 is in line with 2016, so 2013 is the odd one out
    edit(raw / HISTORY, ",5490.02,", ",54900.2,")
    err = refusal(lambda: load_history(raw))
    assert err.where == "line 2, column value" and err.what.startswith("DG_GDP 2013 = 54900.2 is 8.75 times 2015's")


def test_without_a_fast_growth_stated_the_bound_is_the_evidence_levels_fifty_percent(raw):
    edit(raw / HISTORY, ",66.8,yoy_pct,", ",6.8,yoy_pct,")  # the fastest stated growth is then 18.3 % or less
    edit(raw / HISTORY, ",3904.57,", ",39045.7,")
    err = refusal(lambda: load_history(raw))
    assert "(at most 50.0% a year either way, the bound of the evidence levels" in err.what


@pytest.mark.parametrize("old, refused, kept", [
    (",2018,year,3904.57,", "6000", "5500"),     # after 3316.97 (2017): x1.809 is refused, x1.658 is kept
    (",2021,year,5008.81,", "500.881", "6900"),  # after 4145.7 (2020): x0.121 is refused, x1.664 is kept
])
def test_a_jump_just_beyond_the_bound_is_refused_and_one_inside_is_not(raw, old, refused, kept):
    edit(raw / HISTORY, old, old.replace(old.split(",")[3], refused))
    assert refusal(lambda: load_history(raw)).what.startswith(f"DG_IVA {old.split(',')[1]} = {refused} is ")
    edit(raw / HISTORY, old.replace(old.split(",")[3], refused), old.replace(old.split(",")[3], kept))
    assert len(load_history(raw)) > 0


# ---------------------------------------------------------------- targets: the pace a threshold needs
def test_a_target_ten_times_too_high_is_refused_with_the_pace_it_needs(raw):
    edit(raw / "plan_targets.csv", ",level,亿元,5400,", ",level,亿元,54000,")
    table = targets_table(load_targets(raw), load_baselines(raw))
    err = refusal(lambda: check_target_paces(table, raw / "plan_targets.csv"))
    assert err.where == "line 2, column threshold"
    assert err.what == ("cluster_revenue_2025: 54,000 亿元 by 2025 from 4,621.25 in 2021 needs 84.89% a year, "
                        "beyond the 50% a year either way a plan's level target may need (the evidence levels' "
                        "bound); check the digits (5400?) and the unit")


def test_a_target_a_tenth_too_low_over_three_years_is_refused_too(raw):
    # 5400 -> 540 from 2022: (540 / 4621.25) ** (1/3) - 1 = 0.4889 - 1 = -51.11 % a year
    edit(raw / "plan_targets.csv", ",level,亿元,5400,>=,2025,2021,", ",level,亿元,540,>=,2025,2022,")
    edit(raw / "plan_baselines.csv", "亿元,2021,4621.25,level", "亿元,2022,4621.25,level")
    table = targets_table(load_targets(raw), load_baselines(raw))
    assert "needs -51.11% a year" in refusal(lambda: check_target_paces(table, raw / "plan_targets.csv")).what


@pytest.mark.parametrize("threshold, words", [("120", "120 % a year is beyond the 50% a year"),
                                              ("0.12", "0.12 reads as 0.12 % a year; write 12 for 12 %")])
def test_an_average_growth_target_is_a_percentage_a_plan_may_set(threshold, words, tmp_path):
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(REPO / "plans" / "gd_robots_2021_2025" / "data" / "raw", raw)
    edit(raw / "plan_targets.csv", ",average_growth,%,12,", f",average_growth,%,{threshold},")
    table = targets_table(load_targets(raw), load_baselines(raw))
    err = refusal(lambda: check_target_paces(table, raw / "plan_targets.csv"))
    assert err.where == "line 3, column threshold" and words in err.what


# ---------------------------------------------------------------- the shipped workbooks pass every check
@pytest.mark.parametrize("raw", [SHIPPED / "data" / "raw", *sorted((REPO / "plans").glob("*/data/raw"))],
                         ids=lambda p: p.parents[1].name)
def test_every_row_of_the_shipped_workbooks_passes(raw):
    from dgforecast.plan.plan_file import load_plan
    from dgforecast.run.pipeline import evidence_baselines

    plan, baselines = load_plan(raw), load_baselines(raw)
    load_history(raw)
    load_evidence(raw / "evidence.csv", plan, today=TODAY, baselines=evidence_baselines(baselines, plan))
    check_target_paces(targets_table(load_targets(raw), baselines), raw / "plan_targets.csv")
