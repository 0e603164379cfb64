"""target_progress.csv: counts towards count and milestone targets only, as ``dgforecast progress`` enters them."""

import pytest

from dgforecast.core.errors import DataError
from dgforecast.plan.data import load_targets
from dgforecast.plan.target_progress import load_progress

HEADER = "target_id,year,count,published,source,note\n"


def test_a_row_for_a_level_target_is_refused_naming_line_and_column(workbook):
    raw = workbook / "data" / "raw"
    (raw / "target_progress.csv").write_text(HEADER + "first_sets_2025,2023,3,2024-01,x,\n"
                                             "cluster_revenue_2025,2023,3,2024-01,x,\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_progress(raw, load_targets(raw))
    assert caught.value.where == "line 3, column target_id"
    assert caught.value.what.startswith("cluster_revenue_2025 is a level target (亿元), not a count; enter its "
                                        "figures in evidence.csv")


def test_rows_for_count_and_milestone_targets_still_load(workbook):
    raw = workbook / "data" / "raw"
    (raw / "target_progress.csv").write_text(HEADER + "first_sets_2025,2023,3,2024-01,x,\n"
                                             "innovation_centre_2025,2024,1,2025-01,x,\n", encoding="utf-8")
    frame = load_progress(raw, load_targets(raw))
    assert list(frame["target_id"]) == ["first_sets_2025", "innovation_centre_2025"]
    assert list(frame["count"]) == [3.0, 1.0]
