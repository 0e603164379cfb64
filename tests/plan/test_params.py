"""params.yaml: the schema, resolving scenarios, -p overrides, papermill YAML and one-line errors."""

import pytest
import yaml

from dgforecast.cli import main
from dgforecast.core.errors import ParamsError
from dgforecast.core.yamlfile import did_you_mean
from dgforecast.plan.comments import missing_reasons
from dgforecast.plan.params import parse_overrides, resolve_scenario, scenario_names, to_papermill_yaml
from dgforecast.plan.schema import FIELDS, ScenarioParams, to_nominal
from tests.conftest import SHIPPED

PARAMS = SHIPPED / "params.yaml"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_params(workbook, text, encoding="utf-8"):
    (workbook / "params.yaml").write_bytes(text.encode(encoding))


MINIMAL = "defaults:\n  growth: 0.06\n  volatility: 0.06\nscenarios:\n  base:\n    label_zh: 基准\n    label_en: Base\n"


# ---------------------------------------------------------------- the shipped params.yaml
def test_params_yaml_has_the_four_required_scenarios():
    assert {"base", "optimistic", "pessimistic", "shock"} <= set(scenario_names(PARAMS))


def test_every_shipped_scenario_resolves_with_both_labels():
    for name in scenario_names(PARAMS):
        params = resolve_scenario(PARAMS, name)
        assert params.scenario == name and params.label_zh and params.label_en


def test_shock_is_a_two_year_demand_shock_over_base_growth():
    shock = resolve_scenario(PARAMS, "shock")
    assert shock.growth_overrides == {2022: -0.05, 2023: 0.0}
    assert shock.growth == resolve_scenario(PARAMS, "base").growth == 0.06


def test_every_assumed_number_in_the_shipped_params_yaml_says_why():
    assert missing_reasons(PARAMS) == []


# ---------------------------------------------------------------- the house rule: a note, never a failure
# The scenario of the issue: an economist's own, label starting with a digit, no comments at all.
DIRECTOR = ("  director_2023dip:\n    label_zh: 2023年下滑情景\n    label_en: 2023 dip\n    growth: 0.05\n"
            "    growth_overrides:\n      2023: -0.03\n    revenue_to_output_ratio: 0.95\n")


def params_file(tmp_path, text):
    (tmp_path / "params.yaml").write_text(text, encoding="utf-8")
    return tmp_path / "params.yaml"


def test_numbers_without_a_reason_are_named_by_line_and_key_but_labels_never(tmp_path):
    assert missing_reasons(params_file(tmp_path, MINIMAL + DIRECTOR)) == [
        "params.yaml line 2: defaults.growth has no comment saying why",
        "params.yaml line 3: defaults.volatility has no comment saying why",
        "params.yaml line 11: scenarios.director_2023dip.growth has no comment saying why",
        "params.yaml line 13: scenarios.director_2023dip.growth_overrides.2023 has no comment saying why",
        "params.yaml line 14: scenarios.director_2023dip.revenue_to_output_ratio has no comment saying why",
    ]


@pytest.mark.parametrize("text", [
    "    growth: 0.05  # the director's guess at the 2023 dip\n",                    # on its line
    "    # the director's guess at the 2023 dip\n    growth: 0.05\n",                # on the line above
    "    growth_overrides:   # the export slump of 2023\n      2023: -0.03\n",     # on the mapping's line
    "    growth_overrides: {2023: -0.03}   # the export slump of 2023\n",           # flow style
    "    label_en: \"2023 # dip\"\n    label_zh: 2023\n",                           # labels are words
    "    engine: lognormal\n    as_of: 2022-01\n",                                 # not numbers
])
def test_a_reason_where_the_rule_allows_it_silences_the_note(tmp_path, text):
    body = "defaults:\n  growth: 0.06  # why\nscenarios:\n  d:\n" + text
    assert missing_reasons(params_file(tmp_path, body)) == []


def test_a_continuation_comment_of_the_key_before_is_not_a_reason(tmp_path):
    text = "defaults:\n  growth: 0.06    # half the city's CAGR,\n                  # rounded\n  volatility: 0.06\n"
    assert missing_reasons(params_file(tmp_path, text)) == [
        "params.yaml line 4: defaults.volatility has no comment saying why"]


@pytest.mark.parametrize("text", ["defaults: [growth: 0.06\n", "- a list\n"])
def test_a_file_that_does_not_parse_gives_no_notes_resolving_says_why(tmp_path, text):
    assert missing_reasons(params_file(tmp_path, text)) == []
    assert missing_reasons(tmp_path / "missing.yaml") == []


def test_params_prints_the_notes_on_stderr_and_still_succeeds(workbook, capsys):
    with open(workbook / "params.yaml", "a", encoding="utf-8") as f:
        f.write(DIRECTOR)
    code, out, err = run(capsys, "--project", str(workbook), "params", "director_2023dip")
    assert code == 0 and yaml.safe_load(out)["growth_overrides"] == {2023: -0.03}  # stdout stays papermill YAML
    first = len((workbook / "params.yaml").read_text(encoding="utf-8").splitlines()) - 3  # the growth line
    assert err.splitlines() == [
        f"dgforecast: note: params.yaml line {first}: scenarios.director_2023dip.growth has no comment saying why",
        f"dgforecast: note: params.yaml line {first + 2}: scenarios.director_2023dip.growth_overrides.2023 has no "
        "comment saying why",
        f"dgforecast: note: params.yaml line {first + 3}: scenarios.director_2023dip.revenue_to_output_ratio has "
        "no comment saying why"]


def test_the_shipped_params_give_no_notes(shipped, capsys):
    code, _, err = run(capsys, "--project", str(shipped), "params", "base")
    assert code == 0 and err == ""


# ---------------------------------------------------------------- schema
def test_every_field_has_type_unit_and_both_labels():
    assert [field["name"] for field in FIELDS.values()] == list(ScenarioParams.model_fields)
    for column in ("type", "unit", "range", "label_zh", "label_en"):
        assert all(field[column] != "" for field in FIELDS.values()), column
    assert FIELDS["growth"]["range"] == "-0.5..0.5" and FIELDS["growth"]["unit"] == "fraction per year"


def test_real_growth_becomes_nominal_with_the_deflator():
    # (1 + 0.05)(1 + 0.02) - 1 = 0.071
    assert to_nominal(0.05, 0.02) == pytest.approx(0.071)
    params = ScenarioParams(scenario="r", label_zh="实", label_en="real", growth=0.05, volatility=0.0,
                            price_basis="real", deflator=0.02, growth_overrides={2022: -0.05})
    assert params.nominal_growth(2023) == pytest.approx(0.071)
    assert params.nominal_growth(2022) == pytest.approx(0.95 * 1.02 - 1)  # overrides are real too


def test_override_years_given_as_text_are_years():
    # papermill hands dict keys to the notebook as strings.
    params = ScenarioParams(scenario="s", label_zh="冲", label_en="s", growth=0.06, volatility=0.06,
                            growth_overrides={"2022": -0.05})
    assert params.growth_overrides == {2022: -0.05}


def test_did_you_mean_finds_the_close_key():
    assert did_you_mean("growht", FIELDS) == "growth"
    assert did_you_mean("zzz", FIELDS) is None


# ---------------------------------------------------------------- overrides
def test_parse_overrides_reads_yaml_scalars_and_dotted_keys():
    assert parse_overrides(["growth=0.02", "engine=fitted", "n_sims=500", "growth_overrides.2024=-0.1"]) == {
        "growth": 0.02, "engine": "fitted", "n_sims": 500, "growth_overrides": {2024: -0.1}}


def test_overrides_win_and_mappings_merge_key_by_key():
    params = resolve_scenario(PARAMS, "shock", parse_overrides(["growth=0.02", "growth_overrides.2024=0.1",
                                                                "status_thresholds.ahead=0.85"]))
    assert params.growth == 0.02
    assert params.growth_overrides == {2022: -0.05, 2023: 0.0, 2024: 0.1}
    assert (params.status_thresholds.ahead, params.status_thresholds.on_track) == (0.85, 0.5)


# ---------------------------------------------------------------- dgforecast params
def test_params_command_prints_yaml_that_round_trips(shipped, capsys):
    code, out, _ = run(capsys, "--project", str(shipped), "params", "base", "-p", "growth=0.02")
    assert code == 0
    data = yaml.safe_load(out)
    assert data["growth"] == 0.02 and data["scenario"] == "base"
    assert ScenarioParams.model_validate(data).model_dump() == resolve_scenario(PARAMS, "base", {"growth": 0.02}).model_dump()


def test_params_yaml_is_what_plain_papermill_reads(shipped, tmp_path, capsys):
    from papermill.iorw import read_yaml_file

    _, out, err = run(capsys, "--project", str(shipped), "params", "shock")
    (tmp_path / "shock.yaml").write_text(out, encoding="utf-8")
    data = read_yaml_file(str(tmp_path / "shock.yaml"))
    assert data["growth_overrides"] == {2022: -0.05, 2023: 0.0} and data["label_zh"] == "需求冲击情景"
    assert to_papermill_yaml(ScenarioParams.model_validate(data)) == out


# ---------------------------------------------------------------- bad parameters: one line, exit 2
@pytest.mark.parametrize("argv, message", [
    (["params", "bse"], "scenario 'bse' not found; did you mean 'base'?"),
    (["params", "base", "-p", "grwth=0.02"], "-p grwth: unknown parameter; did you mean 'growth'?"),
    (["params", "base", "-p", "growth=fast"], "-p growth = 'fast': wrong type, must be a number (fraction per year)"),
    (["params", "base", "-p", "n_sims=1.5"], "-p n_sims = 1.5: wrong type, must be a whole number"),
    (["params", "base", "-p", "growth=0.9"], "-p growth = 0.9: out of range (fraction per year); use a value in -0.5..0.5"),
    (["params", "base", "-p", "volatility=-0.1"], "-p volatility = -0.1: out of range"),
    (["params", "base", "-p", "engine=arima"], "-p engine = 'arima': not allowed; use 'lognormal' or 'fitted'"),
    (["params", "base", "-p", "growth_overrides.2030=0.1"], "growth_overrides year 2030 is after target_year 2025"),
    (["params", "base", "-p", "status_thresholds.ahead=0.3"], "needs ahead > on_track > at_risk"),
    (["params", "base", "-p", "status_thresholds.ahed=0.9"], "-p status_thresholds.ahed: unknown cut-off; did you mean 'ahead'?"),
    (["params", "base", "-p", "as_of_year=2025"], "-p as_of_year: unknown parameter; did you mean 'as_of'?"),
    (["params", "base", "-p", "growth"], "-p growth: expected KEY=VALUE"),
])
def test_bad_command_line_parameter_gives_one_line_and_exit_2(shipped, capsys, argv, message):
    code, out, err = run(capsys, "--project", str(shipped), *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


@pytest.mark.parametrize("text, message", [
    (MINIMAL.replace("growth:", "growht:"), "defaults.growht: unknown parameter; did you mean 'growth'?"),
    (MINIMAL.replace("0.06\n  vol", "fast\n  vol"), "defaults.growth = 'fast': wrong type, must be a number"),
    (MINIMAL.replace("volatility: 0.06", "volatility: 2"), "defaults.volatility = 2: out of range (sd of annual log growth); use a value in 0.0..0.5"),
    (MINIMAL + "    volatility: 0.9\n", "scenarios.base.volatility = 0.9: out of range"),
    (MINIMAL.replace("  volatility: 0.06\n", ""), "defaults.volatility: missing (sd of annual log growth); add it under defaults:"),
    (MINIMAL.replace("    label_en: Base\n", ""), "scenarios.base.label_en: missing"),
    (MINIMAL.replace("scenarios:", "scenaros:"), "scenaros: unknown section; did you mean 'scenarios'?"),
    (MINIMAL.replace("  base:", "  ../evil:"), "bad scenario name"),
    (MINIMAL + "    seed: 1\n    seed: 2\n", "line 9, column 5: malformed YAML (key 'seed' appears twice in one mapping; keep one)"),
    ("defaults: [growth: 0.06\nscenarios: {}\n", "malformed YAML"),
    ("- just\n- a list\n", "top level must be a mapping with defaults: and scenarios:"),
    (MINIMAL + "sliders:\n  grwoth: [0, 0.1, 0.01]\n", "sliders.grwoth: no slider moves it; did you mean 'growth'?"),
    (MINIMAL + "sliders:\n  growth: [0.1, 0.0, 0.01]\n", "sliders.growth: [0.1, 0.0, 0.01] is not [low, high, step]"),
    (MINIMAL + "sliders:\n  growth: [0, 0.1, 0]\n", "sliders.growth: [0, 0.1, 0] is not [low, high, step]"),
    (MINIMAL + "sliders: [growth]\n", "sliders: must map a parameter to [low, high, step]"),
])
def test_bad_params_file_gives_one_line_and_exit_2(workbook, capsys, text, message):
    write_params(workbook, text)
    code, out, err = run(capsys, "--project", str(workbook), "params", "base")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and "params.yaml" in err


# ---------------------------------------------------------------- numbers YAML 1.1 reads as text, limits
@pytest.mark.parametrize("item, value", [("growth=5e-2", 0.05), ("growth=5.0e-2", 0.05), ("growth=-3E-2", -0.03),
                                         ("growth=0.05", 0.05), ("label_en=2022", 2022), ("label_en=e5", "e5")])
def test_exponent_numbers_on_the_command_line_are_numbers(item, value):
    key = item.split("=")[0]
    assert parse_overrides([item]) == {key: value}


def test_a_number_beyond_any_range_is_out_of_range_by_name(workbook, capsys):
    write_params(workbook, MINIMAL.replace("growth: 0.06", "growth: 1e308"))
    code, out, err = run(capsys, "--project", str(workbook), "params", "base")
    assert code == 2 and err == (f"dgforecast: error: {workbook / 'params.yaml'}: defaults.growth = 1e+308: out of "
                                 "range (fraction per year); use a value in -0.5..0.5\n")
    write_params(workbook, MINIMAL)
    code, out, err = run(capsys, "--project", str(workbook), "params", "base", "-p", "growth=5e-2")
    assert code == 0 and "growth: 0.05\n" in out


def test_a_merge_key_lays_a_scenario_under_another(workbook, capsys):
    write_params(workbook, MINIMAL.replace("  base:", "  base: &base") + "    growth: 0.05\n  fast:\n    <<: *base\n"
                 "    label_en: Fast\n    volatility: 0.02\n")
    params = resolve_scenario(workbook / "params.yaml", "fast")
    assert (params.label_zh, params.label_en, params.growth, params.volatility) == ("基准", "Fast", 0.05, 0.02)


def _alias_bomb(levels, width=10) -> str:
    values = ["&a0 [" + ", ".join(["lol"] * width) + "]"]
    values += [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return MINIMAL.replace("label_en: Base", f"label_en: [{', '.join(values)}]")


@pytest.mark.parametrize("text, message", [
    (_alias_bomb(10), "line 7, column 240: more than 100,000 values once its aliases (*name) are expanded"),
    (MINIMAL.replace("label_en: Base", "label_en: &a [x, *a]"), "alias *a refers to a value that contains it"),
    (MINIMAL.replace("label_en: Base", "label_en: " + "[" * 30 + "]" * 30), "nested deeper than 20 levels"),
])
def test_a_params_file_beyond_the_limits_is_one_short_line_at_once(workbook, capsys, text, message):
    import time

    write_params(workbook, text)
    started = time.monotonic()
    code, out, err = run(capsys, "--project", str(workbook), "params", "base")
    assert code == 2 and time.monotonic() - started < 5
    assert err.count("\n") == 1 and message in err and len(err) < 300


def test_a_params_file_over_a_mebibyte_is_refused_before_it_is_parsed(workbook, capsys):
    write_params(workbook, MINIMAL + ("# a comment line that says nothing at all, again and again\n" * 20_000))
    code, out, err = run(capsys, "--project", str(workbook), "params", "base")
    assert code == 2 and err == (f"dgforecast: error: {workbook / 'params.yaml'}: 1,180,103 bytes, more than the "
                                 "1,048,576 a params file may have (the shipped ones have a few thousand); remove what "
                                 "is not assumptions and comments\n")


def test_a_long_value_is_cut_to_80_characters_with_its_length(workbook, capsys):
    write_params(workbook, MINIMAL.replace("label_en: Base", "label_en: " + "x" * 500_000))
    code, out, err = run(capsys, "--project", str(workbook), "params", "base")
    shown = "'" + "x" * 57 + "… (500,000 characters)"
    assert code == 2 and len(shown) == 80
    assert err == (f"dgforecast: error: {workbook / 'params.yaml'}: scenarios.base.label_en = {shown}: String should "
                   "have at most 80 characters\n")


def test_params_file_not_in_utf8_is_refused(workbook, capsys):
    write_params(workbook, MINIMAL, encoding="gbk")
    code, _, err = run(capsys, "--project", str(workbook), "params", "base")
    assert code == 2 and err.count("\n") == 1
    assert "not UTF-8 text; save the file as UTF-8" in err


def test_resolve_scenario_raises_params_error_for_unknown_scenario():
    with pytest.raises(ParamsError, match="did you mean 'shock'"):
        resolve_scenario(PARAMS, "shok")


# ---------------------------------------------------------------- as_of: from the plan's month to this one
def test_as_of_is_allowed_from_the_plans_month_to_this_one():
    import datetime as dt

    from dgforecast.plan.params import check_as_of

    today = dt.date(2026, 12, 6)
    for month in ("2022-01", "2024-06", "2026-12", "today"):
        check_as_of(month, "2022-01", "--as-of", today=today)
    with pytest.raises(ParamsError) as before:
        check_as_of("2021-12", "2022-01", "--as-of", today=today)
    assert str(before.value) == ("--as-of 2021-12: before the plan was written (plan.yaml plan_month 2022-01); "
                                 "give a month from 2022-01 to 2026-12")
    with pytest.raises(ParamsError) as after:
        check_as_of("2027-01", "2022-01", "--as-of", today=today)
    assert str(after.value) == "--as-of 2027-01: in the future (this month is 2026-12); give a month from 2022-01 to 2026-12"


@pytest.mark.parametrize("overrides, where", [({"as_of": "1999-01"}, "-p as_of = 1999-01: before the plan"),
                                              ({}, "defaults.as_of = 2031-01: in the future")])
def test_an_as_of_outside_the_plans_months_in_params_or_p_names_where_it_was_set(workbook, overrides, where):
    path = workbook / "params.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("\ndefaults:\n") == 1
    path.write_text(text.replace("\ndefaults:\n", "\ndefaults:\n  as_of: 2031-01   # a slip of the test\n"),
                    encoding="utf-8")
    with pytest.raises(ParamsError) as caught:
        resolve_scenario(path, "base", overrides)
    assert where in str(caught.value) and "give a month from 2022-01 to " in str(caught.value)
