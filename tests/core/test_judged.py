"""Judgements shared by the processes of one report: computed once under a key of everything they depend on."""

import pandas as pd

from dgforecast.core.judged import JUDGED_ENV, cached, key_of, sharing_judgements
from dgforecast.plan.params import resolve_scenario
from tests.conftest import SHIPPED


def _params(**changes):
    return resolve_scenario(SHIPPED / "params.yaml", "base", changes)


def test_outside_a_report_nothing_is_kept(monkeypatch):
    monkeypatch.delenv(JUDGED_ENV, raising=False)
    calls = []
    for _ in range(2):
        cached("x", _params(), {}, lambda: calls.append(1) or len(calls))
    assert calls == [1, 1]


def test_inside_a_report_the_first_asker_computes_and_the_next_reads(tmp_path):
    calls = []
    with sharing_judgements(tmp_path / "judged"):
        first = cached("x", _params(), {"t": pd.DataFrame({"a": [1, 2]})}, lambda: calls.append(1) or ["value"])
        again = cached("x", _params(), {"t": pd.DataFrame({"a": [1, 2]})}, lambda: calls.append(1) or ["other"])
        assert (tmp_path / "judged").is_dir()
    assert first == again == ["value"] and calls == [1]
    assert not (tmp_path / "judged").exists()  # nothing of it is left in the report


def test_the_key_changes_with_the_parameters_the_tables_and_the_other_arguments():
    base, table = _params(), {"t": pd.DataFrame({"a": [1, 2]})}
    key = key_of("final", base, table)
    assert key == key_of("final", _params(), {"t": pd.DataFrame({"a": [1, 2]})})
    assert key != key_of("final", _params(growth=0.05), table)
    assert key != key_of("final", base, {"t": pd.DataFrame({"a": [1, 3]})})
    assert key != key_of("final", base, table, (0.9, 1.0))
    assert key != key_of("track", base, table)
