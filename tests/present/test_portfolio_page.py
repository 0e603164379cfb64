"""The portfolio page's words: a plan's headline in one line, its targets counted by state."""

from types import SimpleNamespace

import pandas as pd

from dgforecast.present.portfolio_page import headline_words


def _plan(states, deadlines, passed):
    rows = pd.DataFrame({"state": [s for s, _ in states], "state_en": [e for _, e in states],
                         "deadline": deadlines, "deadline_passed": passed})
    return SimpleNamespace(rows=rows)


def test_a_plan_past_its_deadline_reads_as_a_final_assessment_with_its_states_counted():
    zh, en = headline_words(_plan([("无法确认", "cannot be confirmed"), ("无法确认", "cannot be confirmed"),
                                   ("已实现", "met")], [2025, 2025, 2025], [True, True, True]))
    assert zh == "3项目标：无法确认2项，已实现1项。期限（2025年）已过：终期评估。"
    assert en == "3 targets: 2 cannot be confirmed, 1 met. Its deadline (2025) has passed: a final assessment."


def test_a_plan_with_a_deadline_ahead_is_tracked_and_one_target_is_singular():
    zh, en = headline_words(_plan([("暂无公开数字", "no public figure")], [2027], [False]))
    assert zh == "1项目标：暂无公开数字1项。期限2027年未到：跟踪进度。"
    assert en == "1 target: 1 no public figure. Its deadline 2027 is ahead: tracking its progress."


def test_a_plan_without_targets_says_so():
    assert headline_words(_plan([], [], [])) == ("尚无目标", "no target yet")
