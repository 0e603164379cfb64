"""A growth under 1 % where a percentage is meant (issue 26, item 5): refused where it moves a verdict, marked where
it does not, and let through where the row's source_phrase shows it as published."""

import pytest

from dgforecast.cli import main
from dgforecast.core.errors import DataError
from dgforecast.plan.params import resolve_scenario
from dgforecast.run import report
from dgforecast.run.pipeline import load_inputs
from dgforecast.run.unit_slips import MARK, Slip, judge_unit_slips, marked


def edit(workbook, old, new):
    path = workbook / "data" / "raw" / "evidence.csv"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def judged(workbook, scenario="base"):
    params = resolve_scenario(workbook / "params.yaml", scenario, {"as_of": "2026-11", "n_sims": 8000})
    return judge_unit_slips(params, load_inputs(workbook), workbook / "data" / "raw" / "evidence.csv")


def test_a_fraction_written_for_a_percentage_that_flips_the_verdict_is_refused(workbook):
    # em_va_2025_ytd08 (line 6): the cluster's January-August 2025 增加值 growth, 8.5 % written 0.085: the optimistic
    # scenario's 92.7 % 已实现 (at the assumptions' centres) falls to 86.8 %, 无法确认
    path = edit(workbook, ",growth,8.5,%", ",growth,0.085,%")
    with pytest.raises(DataError) as caught:
        judged(workbook, "optimistic")
    assert (caught.value.path, caught.value.where) == (str(path), "line 6, column value")
    assert caught.value.what == ("growth 0.085 reads as 0.085 %, and cluster_revenue_2025 is 无法确认; read as 8.5 % "
                                 "it would be 已实现: write 8.5 (growth rows are in %), or if 0.085 % is meant quote it "
                                 "as published (0.085%) in source_phrase")


def test_one_that_moves_no_verdict_is_kept_and_the_results_resting_on_it_are_marked(workbook):
    # city_va_2022 (line 11): the city's 2022 growth, -1.3 % written -0.013: 已实现 either way
    edit(workbook, ",growth,-1.3,%", ",growth,-0.013,%")
    slips = judged(workbook)
    assert slips == [Slip("city_va_2022", 11, -0.013)]
    assert slips[0].note == (f"{MARK} city_va_2022 (line 11): growth -0.013 read as -0.013 %; as -1.3 % no verdict "
                             "would change (quote 0.013% in its source_phrase if it is meant)")
    records = [{"target_id": "a", "status": "已实现", "evidence_used": ["city_va_2022", "em_out_2022"]},
               {"target_id": "b", "status": "无法确认", "evidence_used": []}]
    assert [r["status"] for r in marked(records, slips)] == [f"已实现 {MARK}", "无法确认"]
    assert [r["warnings"] for r in marked(records, slips, mark_status=False)] == [[slips[0].note], []]
    assert [r["status"] for r in marked(records, slips, mark_status=False)] == ["已实现", "无法确认"]


def test_a_growth_under_one_percent_quoted_as_published_is_no_slip(workbook):
    edit(workbook, ",growth,-1.3,%", ",growth,-0.6,%")
    edit(workbook, "同比下降1.3%", "同比下降0.6%")
    assert judged(workbook) == []


@pytest.mark.slow
def test_assess_refuses_the_slip_in_one_line_and_marks_the_one_that_moves_nothing(workbook, capsys):
    edit(workbook, ",growth,8.5,%", ",growth,0.085,%")
    assert main(["--project", str(workbook), "assess", "optimistic", "--as-of", "2026-11"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "evidence.csv: line 6, column value: growth 0.085 reads as 0.085 %" in err
    edit(workbook, ",growth,0.085,%", ",growth,8.5,%")
    edit(workbook, ",growth,-1.3,%", ",growth,-0.013,%")
    assert main(["--project", str(workbook), "assess", "optimistic", "--as-of", "2026-11"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert any(line.startswith("cluster_revenue_2025") and f" {MARK}" in line for line in out)
    assert any(line.startswith(f"{MARK} city_va_2022 (line 11): growth -0.013 read as -0.013 %") for line in out)


def test_data_cannot_weigh_a_verdict_so_it_warns_and_passes(workbook, caplog):
    edit(workbook, ",growth,8.5,%", ",growth,0.085,%")
    assert main(["--project", str(workbook), "data"]) == 0
    assert "evidence.csv: line 6, column value: growth 0.085 read as 0.085 % (write 8.5 for 8.5 %" in caplog.text


@pytest.mark.slow
def test_the_report_refuses_it_before_any_notebook(fake_workbook, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a notebook was started")

    monkeypatch.setattr(report, "run_jobs", refuse)
    edit(fake_workbook, ",growth,8.5,%", ",growth,0.085,%")
    with pytest.raises(DataError, match="line 6, column value: growth 0.085 reads as 0.085 %"):
        report.build_report(fake_workbook, "optimistic", overrides={"as_of": "2026-11"})
    edit(fake_workbook, ",growth,0.085,%", ",growth,8.5,%")
    edit(fake_workbook, ",growth,-1.3,%", ",growth,-0.013,%")
    request = report.check_request(fake_workbook, "optimistic", None, {"as_of": "2026-11"}, None)
    assert [w.split(":")[0] for w in request.warnings] == [f"{MARK} city_va_2022 (line 11)"]


@pytest.mark.slow
def test_sweep_weighs_its_scenario_before_the_grid_runs(workbook, capsys):
    edit(workbook, ",growth,8.5,%", ",growth,0.085,%")
    argv = ["--project", str(workbook), "sweep", "--scenario", "optimistic", "--grid", "growth=0.01,0.02", "--sims",
            "200", "-j", "1", "--as-of", "2026-11", "--out", str(workbook / "s.csv")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "line 6, column value: growth 0.085 reads as 0.085 %" in err
    assert not (workbook / "s.csv").exists()
    edit(workbook, ",growth,0.085,%", ",growth,8.5,%")
    edit(workbook, ",growth,-1.3,%", ",growth,-0.013,%")
    assert main(argv) == 0
    assert f"dgforecast: note: {MARK} city_va_2022 (line 11): growth -0.013" in capsys.readouterr().err
