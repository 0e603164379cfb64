"""``dgforecast portfolio DIR...``: one page and one spreadsheet of every plan, from each plan's own report."""

import re

import pandas as pd
import pytest

from dgforecast.cli import main
from tests.run.portfolio_reports import WORKBOOKS, copy_plan

pytestmark = pytest.mark.slow  # four plans assessed in-process: a few seconds


@pytest.fixture(scope="module")
def portfolio(built_portfolio):
    """The four workbooks with their reports, and the portfolio written from them: (roots, out folder)."""
    return built_portfolio


def test_the_spreadsheet_holds_every_target_of_every_plan_with_the_reports_numbers(portfolio):
    roots, out = portfolio
    table = pd.read_excel(out / "portfolio.xlsx", sheet_name="targets")
    plans = pd.read_excel(out / "portfolio.xlsx", sheet_name="plans")
    assert list(plans["plan"]) == list(WORKBOOKS)
    for root in roots:
        targets = pd.read_csv(root / "data" / "raw" / "plan_targets.csv")
        rows = table[table["plan"] == root.name]
        assert list(rows["target_id"]) == list(targets["id"])  # every target, in the plan's order
        summary = pd.read_csv(root / "reports" / "latest" / "summary.csv")
        headline = summary[summary["scenario"] == "base"].set_index("target_id")
        mine = rows.set_index("target_id")
        assert (mine["state"] == headline.loc[mine.index, "status"]).all()  # the report's own state
        assert mine["p_met"].fillna(-1).round(6).equals(headline.loc[mine.index, "p_met"].fillna(-1).round(6))
        assert mine["rests_on_zh"].str.len().min() > 0 and mine["rests_on_en"].str.len().min() > 0
    # the first workbook: its revenue target under the base case (无法确认: it does not hold under the whole
    # sensitivity set), its error and what it rests on
    revenue = table.set_index("target_id").loc["cluster_revenue_2025"]
    assert revenue["state"] == "无法确认" and 0 < revenue["p_se"] < 0.01
    assert "营业收入与总产值之比" in revenue["rests_on_zh"] and "revenue-to-output ratio" in revenue["rests_on_en"]
    # the 2025-2027 plan: its deadline ahead, a status, and why there is no probability
    later = table[table["plan"] == "dg_robots_2025_2027"].set_index("target_id")
    assert set(later["state"]) == {"暂无公开数字"} and not later["deadline_passed"].any()
    assert later.loc["related_revenue_2027", "goal_zh"] == "突破1000亿元"
    assert "规划未给出基数" in later.loc["related_revenue_2027", "rests_on_zh"]


def test_the_page_opens_with_every_plans_headline_and_links_its_report(portfolio):
    roots, out = portfolio
    html = (out / "portfolio.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in html
    assert "<script" not in html and "http" not in html.replace("http-equiv", "")  # self-contained, offline
    overview = html.split("<table class='plans'>", 1)[1].split("</table>", 1)[0]
    for root in roots:
        title = root.joinpath("data", "raw", "plan.yaml").read_text(encoding="utf-8").split("title_zh:", 1)[1]
        title = title.splitlines()[0].strip().strip('"')
        assert title in overview
        link = re.search(rf"<a href='([^']+)'>{re.escape(title)}</a>", overview).group(1)
        assert (out / link).resolve() == (root / "reports" / "latest" / "index.html").resolve()
    assert "3项目标：暂无公开数字3项。期限2027年未到：跟踪进度。" in overview
    assert "14项目标：无法确认14项。期限（2025年）已过：终期评估。" in overview


def test_a_plan_without_a_finished_report_is_refused_in_one_line(tmp_path, capsys):
    root = copy_plan(WORKBOOKS["gd_robots_2021_2025"], tmp_path / "gd")
    assert main(["portfolio", str(root), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no finished report (reports/latest)" in err and "report first" in err
    assert not (tmp_path / "out").exists()  # nothing written
    assert main(["portfolio", str(tmp_path / "nowhere")]) == 2
    assert "not a dgforecast workbook" in capsys.readouterr().err


def test_a_plan_named_twice_is_refused(portfolio, tmp_path, capsys):
    roots, _ = portfolio
    assert main(["portfolio", str(roots[1]), str(roots[1]), "--out", str(tmp_path / "out")]) == 2
    assert "named twice" in capsys.readouterr().err


def test_a_folder_without_a_finished_report_has_no_latest_report(tmp_path):
    from dgforecast.core.errors import ParamsError
    from dgforecast.run.portfolio import latest_report

    (tmp_path / "reports" / "latest").mkdir(parents=True)
    (tmp_path / "reports" / "latest" / "index.html").write_text("<html></html>", encoding="utf-8")
    with pytest.raises(ParamsError, match="no finished report .reports/latest.; run dgforecast --project"):
        latest_report(tmp_path)
