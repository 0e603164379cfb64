"""The evidence table: every bad row refused in one line, rows selected by month, trust and period."""

import csv
import hashlib
from datetime import date

import pandas as pd
import pytest

from dgforecast.core.errors import DataError, ParamsError
from dgforecast.plan.evidence import COLUMNS, load_evidence, period_months, select_evidence
from tests.conftest import PLAN, REPO, SHIPPED

RAW = SHIPPED / "data" / "raw"
SHIPPED = RAW / "evidence.csv"
PUBLISHED = RAW / "dongguan_published_2022_2025.csv"
SHARED = REPO.parent / "shared" / "data" / "dongguan" / "dongguan_published_2022_2025.csv"
TODAY = date(2026, 11, 28)

GOOD = {"evidence_id": "va_2022_ytd09", "measure": "cluster_value_added", "year": "2022", "period": "YTD_M09",
        "kind": "growth", "value": "3.2", "unit": "%", "price_basis": "real", "published": "2022-11",
        "reliability": "press_or_official", "source_url": "http://example.org/a", "source_phrase": "增长3.2%",
        "note": "DG_EM_IVA"}
OUTPUT_2022 = {**GOOD, "evidence_id": "out_2022", "measure": "cluster_output", "period": "year", "kind": "level",
               "value": "5000", "unit": "亿元", "price_basis": "", "published": "2023-05"}


def row(base=GOOD, **changes) -> dict:
    return {**base, **changes}


def write(tmp_path, *rows, name="evidence.csv"):
    path = tmp_path / name
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def refused(tmp_path, *rows) -> str:
    """The one-line message for a fixture file that must be refused."""
    path = write(tmp_path, *rows)
    with pytest.raises(DataError) as caught:
        load_evidence(path, PLAN, today=TODAY)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message[len(f"{path}: "):]


# ---------------------------------------------------------------- good input
def test_good_rows_load_with_numbers_and_months(tmp_path):
    frame = load_evidence(write(tmp_path, GOOD, OUTPUT_2022), PLAN, today=TODAY)
    assert list(frame["year"]) == [2022, 2022]
    assert list(frame["value"]) == [3.2, 5000.0]
    assert list(frame["months"]) == [9, 12]


def test_period_months_counts_january_to_the_named_month():
    assert (period_months("year"), period_months("YTD_M01"), period_months("YTD_M11")) == (12, 1, 11)


def test_empty_table_is_no_evidence(tmp_path):
    frame = load_evidence(write(tmp_path), PLAN, today=TODAY)
    assert frame.empty
    assert select_evidence(frame).used.empty


def test_year_end_statement_published_in_december_is_accepted(tmp_path):
    # 突破5000亿 said on 2025-12-29: the last month of the period, so allowed
    bound = row(OUTPUT_2022, evidence_id="out_2025", year="2025", kind="at_least", published="2025-12")
    assert load_evidence(write(tmp_path, bound), PLAN, today=TODAY)["published"].tolist() == ["2025-12"]


def test_ytd_figure_published_in_its_last_month_is_accepted(tmp_path):
    assert len(load_evidence(write(tmp_path, row(published="2022-09")), PLAN, today=TODAY)) == 1


def test_bound_equal_to_the_level_is_no_contradiction(tmp_path):
    bound = row(OUTPUT_2022, evidence_id="out_2022_bound", kind="at_least", published="2023-06")
    assert len(load_evidence(write(tmp_path, OUTPUT_2022, bound), PLAN, today=TODAY)) == 2


# ---------------------------------------------------------------- bad input: one line, file, line, column
def test_unknown_measure_is_refused_with_did_you_mean(tmp_path):
    message = refused(tmp_path, GOOD, row(evidence_id="b", measure="cluster_outptu"))
    assert message == "line 3, column measure: unknown measure 'cluster_outptu'; did you mean 'cluster_output'?"


def test_unknown_kind_is_refused_with_did_you_mean(tmp_path):
    message = refused(tmp_path, row(OUTPUT_2022, kind="atleast"))
    assert message == "line 2, column kind: unknown kind 'atleast'; did you mean 'at_least'?"


def test_value_added_level_is_refused(tmp_path):
    message = refused(tmp_path, row(kind="level", price_basis=""))
    assert message == "line 2, column kind: cluster_value_added takes no level rows; use growth"


def test_growth_of_a_ratio_is_refused(tmp_path):
    message = refused(tmp_path, row(measure="revenue_to_output_ratio"))
    assert message.startswith("line 2, column kind: revenue_to_output_ratio takes no growth rows")


@pytest.mark.parametrize("period", ["YTD_M12", "YTD_M9", "H1", "Year"])
def test_unknown_period_is_refused(tmp_path, period):
    message = refused(tmp_path, row(period=period))
    assert message == (f"line 2, column period: unknown period {period!r}; use year or YTD_M01 ... YTD_M11 "
                       "(January to that month)")


def test_growth_without_price_basis_is_refused(tmp_path):
    message = refused(tmp_path, row(price_basis=""))
    assert message == "line 2, column price_basis: a growth row needs its price basis: nominal or real"


def test_unknown_price_basis_is_refused(tmp_path):
    message = refused(tmp_path, row(price_basis="comparable"))
    assert message.startswith("line 2, column price_basis: unknown price_basis 'comparable'")


def test_price_basis_on_a_level_is_refused(tmp_path):
    message = refused(tmp_path, row(OUTPUT_2022, price_basis="nominal"))
    assert message == "line 2, column price_basis: only growth rows have a price basis; leave it empty on a level row"


@pytest.mark.parametrize("changes, expected", [
    ({"base": OUTPUT_2022, "unit": "万元"}, "a cluster_output level row is in '亿元', not '万元'"),
    ({"unit": "亿元"}, "a cluster_value_added growth row is in '%', not '亿元'"),
    ({"base": OUTPUT_2022, "measure": "city_revenue_to_output_ratio", "unit": "%"},
     "a city_revenue_to_output_ratio level row is in '1', not '%'"),
])
def test_unit_that_does_not_fit_the_measure_is_refused(tmp_path, changes, expected):
    assert refused(tmp_path, row(**changes)) == f"line 2, column unit: {expected}"


@pytest.mark.parametrize("changes, expected", [
    ({"value": "3,2"}, "'3,2' is not a number; write a plain number such as 1234.56"),
    ({"value": "nan"}, "'nan' is not a number; write a plain number such as 1234.56"),
    ({"value": "-100"}, "growth -100 % is outside -60..+150 % a year; write the growth in % (8.5 for 8.5 %)"),
    ({"value": "150.5"}, "growth 150.5 % is outside -60..+150 % a year; write the growth in % (8.5 for 8.5 %)"),
    ({"base": OUTPUT_2022, "value": "0"}, "a level must be positive, not 0.0"),
    ({"base": OUTPUT_2022, "kind": "at_least", "value": "-5000"}, "a at_least must be positive, not -5000.0"),
])
def test_bad_value_is_refused(tmp_path, changes, expected):
    assert refused(tmp_path, row(**changes)) == f"line 2, column value: {expected}"


@pytest.mark.parametrize("value, note", [
    ("0.085", "line 2, column value: growth 0.085 read as 0.085 % (write 8.5 for 8.5 %, or quote 0.085% in "
              "source_phrase if it is meant)"),
    ("85", "line 2, column value: growth 85 % is faster than the 50 % a year the level check allows; check it is "
           "not 8.5"),
])
def test_a_growth_that_looks_mistyped_gets_a_note_naming_the_row(tmp_path, caplog, value, note):
    from dgforecast.plan.plausibility import warn_unit_slips

    path = write(tmp_path, row(value=value))
    frame = load_evidence(path, PLAN, today=TODAY)
    assert len(frame) == 1  # kept: slow or fast growth happens (0.085: refused where it moves a verdict)
    warn_unit_slips(path, frame)  # what dgforecast data says of a growth under 1 %
    assert f"{path}: {note}" in caplog.text


@pytest.mark.parametrize("published", ["2022-13", "2022-1", "2022/11", "Nov 2022", ""])
def test_published_that_is_not_a_month_is_refused(tmp_path, published):
    message = refused(tmp_path, row(published=published))
    assert message == (f"line 2, column published: {published!r} is not a month; "
                       "write YYYY-MM with a month 01-12, such as 2019-06")


def test_published_in_the_future_is_refused(tmp_path):
    message = refused(tmp_path, row(year="2026", period="YTD_M11", published="2026-12"))
    assert message == "line 2, column published: 2026-12 is in the future (today is 2026-11)"


def test_ytd_figure_published_before_its_last_month_is_refused(tmp_path):
    message = refused(tmp_path, row(published="2022-08"))
    assert message == ("line 2, column published: 2022-08 is before the period 2022 YTD_M09 ended "
                       "(its last month is 2022-09); check the year, period or month")


def test_year_figure_published_before_december_is_refused(tmp_path):
    message = refused(tmp_path, row(OUTPUT_2022, published="2022-11"))
    assert message.startswith("line 2, column published: 2022-11 is before the period 2022 year ended "
                              "(its last month is 2022-12)")


def test_unknown_reliability_is_refused_with_did_you_mean(tmp_path):
    message = refused(tmp_path, row(reliability="offical"))
    assert message == "line 2, column reliability: unknown reliability 'offical'; did you mean 'official'?"


@pytest.mark.parametrize("evidence_id", ["Em_2022", "2022_em", "em-2022", ""])
def test_bad_evidence_id_is_refused(tmp_path, evidence_id):
    message = refused(tmp_path, row(evidence_id=evidence_id))
    assert message == (f"line 2, column evidence_id: {evidence_id!r} is not a valid id; "
                       "use lower-case letters, digits and _")


@pytest.mark.parametrize("year", ["22", "1999", "20x2"])
def test_bad_year_is_refused(tmp_path, year):
    assert refused(tmp_path, row(year=year)) == (f"line 2, column year: {year!r} is not a year; "
                                                 "write four digits such as 2024")


def test_row_without_source_is_refused(tmp_path):
    assert refused(tmp_path, row(source_url="")) == "line 2, column source_url: is empty; every row needs its source"


def test_duplicate_evidence_id_is_refused(tmp_path):
    message = refused(tmp_path, GOOD, OUTPUT_2022, row(OUTPUT_2022, year="2023", published="2024-01"))
    assert message == "line 4, column evidence_id: the same evidence_id as line 3 (out_2022); give each row its own id"


def test_one_statement_written_twice_is_refused(tmp_path):
    message = refused(tmp_path, OUTPUT_2022, row(OUTPUT_2022, evidence_id="out_2022_b", source_url="http://b"))
    assert message == ("line 3, column measure: the same measure, year, period, kind, price basis and month as line 2 "
                       "(out_2022); "
                       "keep one row and name the second source in its note")


def test_at_least_above_a_level_is_refused_naming_both_rows(tmp_path):
    bound = row(OUTPUT_2022, evidence_id="out_2022_bound", kind="at_least", value="5200", published="2023-06")
    message = refused(tmp_path, GOOD, OUTPUT_2022, bound)
    assert message == ("line 4, column value: at_least 5200 (out_2022_bound, line 4) is above level 5000 "
                       "(out_2022, line 3) for cluster_output 2022 year; one of them is wrong")


def test_at_most_below_a_level_is_refused_naming_both_rows(tmp_path):
    bound = row(OUTPUT_2022, evidence_id="out_2022_cap", kind="at_most", value="4800", published="2023-01")
    message = refused(tmp_path, bound, OUTPUT_2022)
    assert message == ("line 3, column value: level 5000 (out_2022, line 3) is above at_most 4800 "
                       "(out_2022_cap, line 2) for cluster_output 2022 year; one of them is wrong")


def test_lower_bound_above_upper_bound_is_refused(tmp_path):
    low = row(OUTPUT_2022, evidence_id="floor", kind="at_least", value="6000")
    high = row(OUTPUT_2022, evidence_id="cap", kind="at_most", value="5500", published="2023-06")
    assert refused(tmp_path, low, high).startswith("line 3, column value: at_least 6000 (floor, line 2) is above "
                                                   "at_most 5500 (cap, line 3)")


def test_bounds_of_different_years_do_not_contradict(tmp_path):
    bound = row(OUTPUT_2022, evidence_id="out_2025", year="2025", kind="at_least", value="6000", published="2025-12")
    assert len(load_evidence(write(tmp_path, OUTPUT_2022, bound), PLAN, today=TODAY)) == 2


def test_missing_column_is_refused_at_the_header(tmp_path):
    path = tmp_path / "evidence.csv"
    path.write_text("evidence_id,measure\nx,cluster_output\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"evidence.csv: header: missing column\(s\) year, period"):
        load_evidence(path, PLAN, today=TODAY)


# ---------------------------------------------------------------- selection
def _table(tmp_path):
    """Jan-May and Jan-Aug 2025 growth, a low output level, an unverified full year, a ratio bound."""
    rows = [
        row(evidence_id="va_ytd05", year="2025", period="YTD_M05", value="9.5", published="2025-06"),
        row(evidence_id="va_ytd08", year="2025", period="YTD_M08", value="8.5", published="2025-09"),
        row(OUTPUT_2022, evidence_id="out_2023", year="2023", reliability="low", published="2024-01"),
        row(evidence_id="va_2025", year="2025", period="year", value="5.7", published="2026-08",
            reliability="unverified"),
        row(OUTPUT_2022, evidence_id="ratio_2024", measure="city_revenue_to_output_ratio", year="2024",
            kind="at_most", value="1.10766", unit="1", published="2025-02", reliability="official"),
    ]
    return load_evidence(write(tmp_path, *rows), PLAN, today=TODAY)


def _reasons(selection) -> dict:
    return dict(zip(selection.left_out["evidence_id"], selection.left_out["reason"]))


def test_default_selection_drops_weak_rows_and_the_shorter_period(tmp_path):
    chosen = select_evidence(_table(tmp_path))
    assert list(chosen.used["evidence_id"]) == ["va_ytd08", "ratio_2024"]
    assert _reasons(chosen) == {
        "va_ytd05": "superseded by va_ytd08 (a later period of the same year)",
        "out_2023": "reliability low is below press_or_official",
        "va_2025": "reliability unverified is below press_or_official",
    }


def test_as_of_leaves_out_what_was_published_later(tmp_path):
    chosen = select_evidence(_table(tmp_path), as_of="2025-07")
    assert list(chosen.used["evidence_id"]) == ["va_ytd05", "ratio_2024"]
    assert _reasons(chosen)["va_ytd08"] == "published 2025-09, after the as-of month 2025-07"
    assert _reasons(chosen)["va_2025"] == "published 2026-08, after the as-of month 2025-07"


def test_as_of_month_itself_is_included(tmp_path):
    assert list(select_evidence(_table(tmp_path), as_of="2025-02").used["evidence_id"]) == ["ratio_2024"]


def test_as_of_before_any_evidence_uses_nothing(tmp_path):
    chosen = select_evidence(_table(tmp_path), as_of="2022-01")
    assert chosen.used.empty
    assert len(chosen.left_out) == 5


def test_full_year_supersedes_ytd_when_its_reliability_is_admitted(tmp_path):
    chosen = select_evidence(_table(tmp_path), min_reliability="unverified")
    assert list(chosen.used["evidence_id"]) == ["out_2023", "va_2025", "ratio_2024"]
    assert _reasons(chosen) == {"va_ytd05": "superseded by va_2025 (the full year)",
                                "va_ytd08": "superseded by va_2025 (the full year)"}


def test_min_reliability_low_keeps_low_but_not_unverified(tmp_path):
    chosen = select_evidence(_table(tmp_path), min_reliability="low")
    assert "out_2023" in set(chosen.used["evidence_id"])
    assert _reasons(chosen)["va_2025"] == "reliability unverified is below low"


def test_min_reliability_official_drops_press_copies(tmp_path):
    chosen = select_evidence(_table(tmp_path), min_reliability="official")
    assert list(chosen.used["evidence_id"]) == ["ratio_2024"]
    assert _reasons(chosen)["va_ytd08"] == "reliability press_or_official is below official"


def test_later_month_revises_the_same_figure(tmp_path):
    first = row(OUTPUT_2022, value="4900", reliability="preliminary")
    final = row(OUTPUT_2022, evidence_id="out_2022_final", published="2023-09")
    table = load_evidence(write(tmp_path, first, final), PLAN, today=TODAY)
    chosen = select_evidence(table, min_reliability="preliminary")
    assert list(chosen.used["evidence_id"]) == ["out_2022_final"]
    assert _reasons(chosen) == {"out_2022": "revised by out_2022_final (published 2023-09)"}
    assert list(select_evidence(table, as_of="2023-06", min_reliability="preliminary").used["evidence_id"]) == ["out_2022"]


def test_nominal_and_real_growth_of_one_year_are_both_used(tmp_path):
    nominal = row(evidence_id="va_nominal", price_basis="nominal", value="6.4")
    chosen = select_evidence(load_evidence(write(tmp_path, GOOD, nominal), PLAN, today=TODAY))
    assert list(chosen.used["evidence_id"]) == ["va_2022_ytd09", "va_nominal"]


def test_used_and_left_out_split_every_row_once(tmp_path):
    table = _table(tmp_path)
    chosen = select_evidence(table, as_of="2025-10")
    ids = list(chosen.used["evidence_id"]) + list(chosen.left_out["evidence_id"])
    assert sorted(ids) == sorted(table["evidence_id"])
    assert (chosen.as_of, chosen.min_reliability) == ("2025-10", "press_or_official")


@pytest.mark.parametrize("as_of", ["2025", "2025-13", "2025-1"])
def test_as_of_that_is_not_a_month_is_refused(tmp_path, as_of):
    with pytest.raises(ParamsError, match=f"as_of '{as_of}' is not a month; write YYYY-MM"):
        select_evidence(_table(tmp_path), as_of=as_of)


def test_unknown_min_reliability_is_refused_with_did_you_mean(tmp_path):
    with pytest.raises(ParamsError, match="unknown min_reliability 'preliminry'; did you mean 'preliminary'"):
        select_evidence(_table(tmp_path), min_reliability="preliminry")


# ---------------------------------------------------------------- the shipped files
def test_shipped_evidence_loads_and_default_selection_uses_ten_rows():
    chosen = select_evidence(load_evidence(SHIPPED, PLAN, today=TODAY), as_of="2026-11")
    assert list(chosen.used["evidence_id"]) == ["em_va_2022_ytd09", "em_out_2022", "em_va_2025_ytd08",
                                                "em_out_2025_at_least", "city_revenue_2024",
                                                "city_output_2024_at_least", "city_va_2022", "city_va_2023",
                                                "city_va_2024", "city_va_2025"]
    reasons = _reasons(chosen)
    assert {k: reasons[k] for k in ("em_out_2023_size_class", "em_va_2025_ytd05", "em_va_2025")} == {
        "em_out_2023_size_class": "reliability low is below press_or_official",
        "em_va_2025_ytd05": "superseded by em_va_2025_ytd08 (a later period of the same year)",
        "em_va_2025": "reliability unverified is below press_or_official",
    }
    city = {k: v for k, v in reasons.items() if k.startswith("city_va_")}
    assert len(city) == 7 and all(v.startswith("superseded by city_va_20") for v in city.values())


def test_shipped_round_statements_and_exact_figures_are_marked():
    evidence = load_evidence(SHIPPED, PLAN, today=TODAY).set_index("evidence_id")
    assert evidence.loc["em_out_2022", "precision"] == "round"
    assert evidence.loc["em_out_2025_at_least", ["precision", "step"]].tolist() == ["round", 1000.0]
    assert evidence.loc["city_output_2024_at_least", ["precision", "step"]].tolist() == ["round", 1000.0]
    assert evidence.loc["city_revenue_2024", ["precision", "rounding"]].tolist() == ["exact", 0.05]


def test_a_precision_on_a_growth_row_is_refused(tmp_path):
    assert refused(tmp_path, row(precision="exact")) == "line 2, column precision: a growth row has no precision; leave it empty"


def test_an_unknown_precision_is_refused_with_did_you_mean(tmp_path):
    assert "unknown precision 'exakt'; did you mean 'exact'?" in refused(tmp_path, row(OUTPUT_2022, precision="exakt"))


def test_a_city_figure_without_its_pair_is_left_out_saying_why(tmp_path):
    revenue = row(OUTPUT_2022, evidence_id="rev", measure="city_revenue", year="2024", value="27691.5",
                  published="2025-02")
    chosen = select_evidence(load_evidence(write(tmp_path, revenue), PLAN, today=TODAY))
    assert chosen.used.empty
    assert _reasons(chosen) == {"rev": "no denominator of 2024 year in use beside it to make the related ratio"}


def test_shipped_evidence_as_of_plan_uses_nothing():
    assert select_evidence(load_evidence(SHIPPED, PLAN), as_of="2022-01").used.empty


def test_every_shipped_row_traces_to_a_published_row():
    evidence = load_evidence(SHIPPED, PLAN)
    published = pd.read_csv(PUBLISHED, dtype=str, keep_default_na=False)
    published["value"] = published["value"].astype(float)
    for _, ev in evidence.iterrows():
        series = [s.strip() for s in ev["note"].split(";")][:2]
        series = [s for s in series if s.startswith("DG_")]
        assert series, f"{ev['evidence_id']}: note must start with the series_id"
        rows = published[published["series_id"].isin(series) & (published["year"] == str(ev["year"]))
                         & (published["period"] == ev["period"])]
        rows = rows[rows["basis"] == ("yoy_pct" if ev["kind"] == "growth" else "level")]
        match = rows[(rows["value"] == ev["value"]) & (rows["published"] == ev["published"])
                     & (rows["reliability"] == ev["reliability"])]
        assert len(match) >= 1, f"{ev['evidence_id']} has no published row with the same year, period, value"


def test_shipped_output_statement_of_2025_is_one_row_for_two_sources():
    evidence = load_evidence(SHIPPED, PLAN).set_index("evidence_id")
    row_2025 = evidence.loc["em_out_2025_at_least"]
    assert (row_2025["kind"], row_2025["value"]) == ("at_least", 5000.0)
    assert "https://www.zc91.cn/archives/160729" in row_2025["note"]
    assert (evidence["measure"] == "cluster_output").sum() == 3


def test_published_copy_is_byte_identical_to_the_shared_file():
    if not SHARED.exists():
        pytest.skip("the shared data set is not beside this workbook")
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (PUBLISHED, SHARED)]
    assert digest[0] == digest[1]
