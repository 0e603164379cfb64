"""Work that would not fit in memory is refused before anything is allocated, naming the size and the limit."""

import os

import pytest

import dgforecast.core.limits as limits
from dgforecast.core.errors import ParamsError
from dgforecast.core.limits import FALLBACK_LIMIT, check_fits, memory_limit, size_text

GIB = 1 << 30


@pytest.mark.parametrize("nbytes, text", [
    (0, "0 KiB"),                 # below a MiB reads in KiB (a nearly full disk)
    (512 << 20, "512 MiB"),
    (GIB - 1, "1,024 MiB"),       # just under a GiB still reads in MiB (1023.99... rounds up)
    (GIB, "1.0 GiB"),
    (int(7.5 * GIB), "7.5 GiB"),
    (int(99.94 * GIB), "99.9 GiB"),
    (100 * GIB, "100 GiB"),
    (int(953.67 * GIB), "954 GiB"),
    (2048 * GIB, "2,048 GiB"),
])
def test_sizes_read_in_mib_below_a_gib_and_in_gib_from_there(nbytes, text):
    assert size_text(nbytes) == text


def test_one_command_may_take_half_of_the_machines_memory():
    assert memory_limit() == os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2


def test_where_the_memory_cannot_be_read_the_limit_is_8_gib(monkeypatch):
    def unknown(name):
        raise ValueError(f"unrecognized configuration name {name}")

    monkeypatch.setattr(os, "sysconf", unknown)
    assert memory_limit() == FALLBACK_LIMIT == 8 * GIB


def test_work_up_to_the_limit_passes_and_a_byte_more_is_refused_naming_size_limit_and_advice(monkeypatch):
    monkeypatch.setattr(limits, "memory_limit", lambda: 4 * GIB)
    check_fits(4 * GIB, "--horizon 10", "use a shorter horizon")
    with pytest.raises(ParamsError) as refused:
        check_fits(6 * GIB, "--horizon 1000000000: 1 series x 1,000,000,000 years", "use a shorter horizon")
    assert str(refused.value) == ("--horizon 1000000000: 1 series x 1,000,000,000 years would need about 6.0 GiB of "
                                  "memory, more than the 4.0 GiB one command may take (half of this machine's); "
                                  "use a shorter horizon")
    with pytest.raises(ParamsError, match="about 4.0 GiB of memory, more than the 4.0 GiB"):
        check_fits(4 * GIB + 1, "x", "y")
