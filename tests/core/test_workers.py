"""The one process pool: results as they finish, failures handed back, every worker ended on a stop."""

import multiprocessing
import time
from contextlib import closing

import pytest

from dgforecast.core.workers import map_pool, run_pool


def _square_or_fail(x):
    if x == 3:
        raise ValueError("three is refused")
    return x * x


def _quick_or_stuck(x):
    if x:
        time.sleep(120)  # a task that would run for minutes
    return x


@pytest.mark.parametrize("jobs, batch", [(1, 1), (2, 1), (2, 3)])
def test_every_item_comes_back_once_with_its_position_and_failures_as_exceptions(jobs, batch):
    found = dict(run_pool(_square_or_fail, range(7), jobs, batch))
    assert sorted(found) == list(range(7))
    assert [found[i] for i in (0, 1, 2, 4, 5, 6)] == [0, 1, 4, 16, 25, 36]
    assert isinstance(found[3], ValueError) and str(found[3]) == "three is refused"


def test_map_keeps_the_order_of_the_items_and_raises_the_first_failure():
    assert map_pool(_square_or_fail, [6, 5, 4, 0], jobs=2) == [36, 25, 16, 0]
    with pytest.raises(ValueError, match="three is refused"):
        map_pool(_square_or_fail, [1, 3], jobs=2)
    assert not multiprocessing.active_children()


def test_an_exception_while_reading_ends_and_reaps_every_worker_at_once():
    started = time.perf_counter()
    with pytest.raises(RuntimeError, match="the caller fails"):
        with closing(run_pool(_quick_or_stuck, [0, 1, 2], jobs=2)) as finished:
            for index, result in finished:
                assert (index, result) == (0, 0)
                raise RuntimeError("the caller fails")
    assert not multiprocessing.active_children()
    assert time.perf_counter() - started < 60  # the stuck tasks were ended, not waited for



def _nap(seconds):
    time.sleep(seconds)
    return seconds


@pytest.mark.slow
def test_a_tick_comes_every_interval_while_the_workers_run_and_nothing_finished():
    ticks = []
    with closing(run_pool(_nap, [0.7, 0.7], jobs=2, tick=lambda: ticks.append(time.monotonic()), every=0.2)) as done:
        assert sorted(result for _, result in done) == [0.7, 0.7]
    assert 2 <= len(ticks) <= 30  # about 0.7 s / 0.2 s, more if the machine is busy starting the workers; no busy loop
