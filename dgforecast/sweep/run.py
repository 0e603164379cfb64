"""Running a sweep's points: inline, in local worker processes, or on a Dask cluster.

The points are split into chunks that keep together the points sharing a sorted sample; each chunk
is evaluated by the simulation core (``simulate.evaluate_points``), which draws its shocks again
from the seed, so the numbers do not depend on where or in how many pieces they were evaluated.
"""

import logging
import re
from functools import partial

import numpy as np
import pandas as pd

from dgforecast.errors import ParamsError
from dgforecast.simulate import STRUCTURAL_KEYS, EngineSetup, evaluate_points, evidence_rows
from dgforecast.workers import map_pool

log = logging.getLogger(__name__)

#: Work (paths sorted, plus point x path weights under evidence) below which a process pool costs more
#: than it saves. Measured on 2 cores: one process sorts 10,000 samples of 10,000 paths (1e8) or weighs
#: 10,000 points x 10,000 paths in 2-3 s, and a forked pool starts in well under 0.1 s.
POOL_WORTH_IT = 50_000_000


#: Points evaluated at once in one process (about 100 MiB of working arrays).
POINTS_PER_CHUNK = 200_000


#: The keys that decide which points share a sorted sample.
SAMPLE_KEYS = (*STRUCTURAL_KEYS, "volatility", "revenue_to_output_ratio_sd", "revenue_to_output_ratio")


def _sample_frame(points, base):
    """The points with every key of ``SAMPLE_KEYS`` filled in: grid value where swept, else the scenario's."""
    frame = points.copy()
    for key in SAMPLE_KEYS:
        if key not in frame.columns:
            frame[key] = getattr(base, key)
    return frame


def _group_order(frame):
    # Points that share a sample (structural keys, volatility, ratio) end up in the same chunk.
    return frame.sort_values(list(SAMPLE_KEYS), kind="stable").index


def split_points(points, setup: EngineSetup, n_chunks) -> list:
    """The points in at most ``n_chunks`` contiguous pieces, points sharing a sample kept together."""
    order = _group_order(_sample_frame(points, setup.base))
    return [points.loc[index] for index in np.array_split(order, max(1, min(n_chunks, len(points)))) if len(index)]


def parallel_work(points, setup: EngineSetup) -> int:
    """The part of a sweep worth parallelising: paths to sort for the points whose revenue ratio is
    uncertain, plus (point, path) weights when the scenario's evidence applies."""
    frame = _sample_frame(points, setup.base)
    uncertain = frame[(frame["revenue_to_output_ratio_sd"] > 0) | (frame["engine"] != "lognormal")]
    groups = uncertain.drop_duplicates(list(SAMPLE_KEYS))
    weighted = len(points) * setup.base.n_sims if evidence_rows(setup.evidence, setup.base)[1] else 0
    return int(groups["n_sims"].sum()) + weighted


def _run_pool(chunks, setup, jobs) -> list:
    """``evaluate_points`` of every chunk on ``jobs`` local worker processes, in chunk order."""
    return map_pool(partial(evaluate_points, setup=setup), chunks, jobs)


_SCHEDULER = re.compile(r"^(?:(?:tcp|tls|ws|wss|ucx)://[^\s/]+:\d{1,5}|inproc://\S+)$")


def check_scheduler(scheduler) -> None:
    """Refuse a malformed Dask address, or ``--scheduler`` without Dask installed, before any work."""
    if not _SCHEDULER.match(str(scheduler)):
        raise ParamsError(f"--scheduler {scheduler}: not a Dask scheduler address; write tcp://HOST:PORT, "
                          "e.g. tcp://127.0.0.1:8786")
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ParamsError(f"--scheduler {scheduler}: Dask is not installed; install the extra "
                          "dgforecast[dask] or drop --scheduler to use local processes") from None


def _connect(scheduler):
    from distributed import Client

    check_scheduler(scheduler)
    try:
        return Client(scheduler, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ParamsError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc}); start it "
                          "(dask scheduler) or check the address") from None


def _run_dask(points, setup, scheduler) -> list:
    client = _connect(scheduler)
    try:
        threads = sum(client.nthreads().values()) or 1
        chunks = split_points(points, setup, 2 * threads)
        log.info("running %d chunks on %d Dask worker threads at %s", len(chunks), threads, scheduler)
        futures = client.map(evaluate_points, chunks, setup=setup, pure=False)
        return client.gather(futures)
    finally:
        client.close()


def run_engine(points, setup: EngineSetup, jobs=1, scheduler=None):
    """Evaluate every point, inline, in a local process pool (``jobs`` > 1) or on a Dask cluster.

    Each chunk draws its shocks again from the seed, so the numbers do not depend on where or in
    how many pieces the points were evaluated.

    Parameters
    ----------
    points : DataFrame
        The grid points (``grid_points``).
    setup : EngineSetup
    jobs : int
        Local worker processes. The pool is used only when the sorting work is large enough to
        pay for starting it.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://HOST:PORT``); the workers need dgforecast installed.

    Returns
    -------
    DataFrame
        ``evaluate_points`` for all points, in the order of ``points``.
    """
    if scheduler:
        parts = _run_dask(points, setup, scheduler)
    elif jobs > 1 and parallel_work(points, setup) >= POOL_WORTH_IT:
        chunks = split_points(points, setup, 2 * jobs)
        log.info("running %d chunks in %d local processes", len(chunks), jobs)
        parts = _run_pool(chunks, setup, jobs)
    else:  # one process, a bounded number of points at a time so memory stays flat on huge grids
        parts = [evaluate_points(points.iloc[i:i + POINTS_PER_CHUNK], setup)
                 for i in range(0, len(points), POINTS_PER_CHUNK)]
    return pd.concat(parts).loc[points.index]


