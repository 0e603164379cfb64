"""The errors a user can fix: each is one line naming what is wrong, and exit code 2 at the command line."""

import pickle

import pytest

from dgforecast.core.errors import DataError, DgforecastError, ModelError, ParamsError, ProjectNotFound


@pytest.mark.parametrize("kind", [DgforecastError, ProjectNotFound, DataError, ParamsError, ModelError])
def test_every_error_a_user_can_fix_exits_with_2(kind):
    assert issubclass(kind, DgforecastError) and kind.exit_code == 2


def test_a_data_error_names_the_file_then_where_then_what():
    error = DataError("data/raw/evidence.csv", "line 4, column value", "'x' is not a number")
    assert str(error) == "data/raw/evidence.csv: line 4, column value: 'x' is not a number"
    assert (error.path, error.where, error.what) == ("data/raw/evidence.csv", "line 4, column value",
                                                     "'x' is not a number")


def test_a_data_error_about_the_whole_file_leaves_out_the_place():
    assert str(DataError("plan.yaml", "", "file not found")) == "plan.yaml: file not found"


def test_a_data_error_keeps_its_path_as_text_whatever_it_was_given():
    from pathlib import Path

    assert DataError(Path("data") / "raw" / "a.csv", "", "x").path == "data/raw/a.csv"


def test_a_data_error_raised_in_a_worker_process_arrives_whole():
    error = DataError("data/raw/a.csv", "line 2", "bad")
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is DataError and str(back) == str(error)
    assert (back.path, back.where, back.what) == (error.path, error.where, error.what)


def test_other_errors_are_their_message():
    assert str(ParamsError("growth = 2: out of range")) == "growth = 2: out of range"
    assert pickle.loads(pickle.dumps(ModelError("drift needs 2 points"))).args == ("drift needs 2 points",)
