"""``dgforecast track``'s words: the table and chart written beside --out, and what each verdict rests on."""

import pytest

from dgforecast.core.errors import ParamsError
from dgforecast.run.track_text import describe_track


@pytest.mark.parametrize("out, words", [("track.txt", "name a .csv file"), ("data/raw/t.csv", "data/raw")])
def test_track_out_must_be_a_csv_outside_data_raw(shipped, out, words):
    with pytest.raises(ParamsError, match=words):
        describe_track("base", [], shipped, out=str(shipped / out))


@pytest.mark.slow
def test_the_final_line_gives_both_readings_with_their_error_and_what_the_verdict_rests_on(shipped):
    text = describe_track("base", ["n_sims=2000"], shipped, as_of="2026-11")
    final = next(line for line in text.splitlines() if line.startswith("final assessment (终期评估)"))
    assert final.count("±") == 2 and "reading each round statement as below the next round figure" in final
    assert "worst case of the sensitivity set" in text.lower() and "without the related figures" in text.lower()
