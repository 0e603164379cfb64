"""The kinds of target: what each is, how it is judged, and that an unknown kind is refused."""

import dataclasses

import pytest

from dgforecast.core.kinds import TARGET_KINDS, TargetKind, is_level, kind_of


@pytest.mark.parametrize("name, judged_on, needs_baseline, label_zh", [
    ("level", "paths", True, "规模目标"),                  # a level grown from a baseline, on simulated paths
    ("cumulative_count", "pace", False, "累计数量目标"),    # counts a year, a Poisson-Gamma pace model
    ("milestone", "event", False, "里程碑目标"),            # done or not, a Beta-Bernoulli yearly chance
    ("average_growth", "paths", True, "年均增速目标"),      # growth a year from the plan's start-year figure
])
def test_each_kind_says_what_it_is_judged_on_and_whether_it_needs_a_baseline(name, judged_on, needs_baseline,
                                                                                 label_zh):
    kind = kind_of(name)
    assert (kind.name, kind.judged_on, kind.needs_baseline, kind.label_zh) == (name, judged_on, needs_baseline,
                                                                               label_zh)


def test_the_four_kinds_are_all_there_are():
    assert list(TARGET_KINDS) == ["level", "cumulative_count", "milestone", "average_growth"]
    assert all(kind.name == name for name, kind in TARGET_KINDS.items())


def test_only_kinds_judged_on_simulated_paths_are_levels():
    assert [name for name in TARGET_KINDS if is_level(name)] == ["level", "average_growth"]
    assert TargetKind("x", "", "", "paths", False).is_level and not TargetKind("x", "", "", "pace", False).is_level


def test_every_kind_judged_on_paths_grows_from_a_baseline_and_no_other_does():
    assert all(kind.needs_baseline == kind.is_level for kind in TARGET_KINDS.values())


@pytest.mark.parametrize("name", ["Level", "count", "", "levels", None])
def test_an_unknown_kind_is_refused(name):
    with pytest.raises(KeyError):
        kind_of(name)
    with pytest.raises(KeyError):
        is_level(name)


def test_a_kind_cannot_be_changed_in_place():
    with pytest.raises(dataclasses.FrozenInstanceError):
        kind_of("level").judged_on = "pace"
