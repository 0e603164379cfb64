"""Running a sweep's points: inline, in local worker processes, or on a Dask cluster.

The points are split into chunks that keep together the points sharing a sorted sample; each chunk
is evaluated by the simulation core (``batch.evaluate_points``), which draws its shocks again
from the seed, so the numbers do not depend on where or in how many pieces they were evaluated.
"""

import logging
import re
import socket
import struct
import time
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from dgforecast.core.errors import ParamsError
from dgforecast.core.workers import map_pool
from dgforecast.core.yamlfile import cut
from dgforecast.engine.batch import EngineSetup, evaluate_points
from dgforecast.engine.bearing import evidence_rows
from dgforecast.engine.simulate import STRUCTURAL_KEYS

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


_SCHEDULER = re.compile(r"^(?:(?:tcp|tls|ws|wss|ucx)://[^\s/]+:(?P<port>\d{1,5})|inproc://\S+)$")


def check_scheduler(scheduler) -> None:
    """Refuse a malformed Dask address, or ``--scheduler`` without Dask installed, before any work."""
    match = _SCHEDULER.match(str(scheduler))
    if not match:
        raise ParamsError(f"--scheduler {cut(scheduler)}: not a Dask scheduler address; write tcp://HOST:PORT, "
                          "e.g. tcp://127.0.0.1:8786")
    if match["port"] is not None and not 1 <= int(match["port"]) <= 65535:
        raise ParamsError(f"--scheduler {scheduler}: port {int(match['port'])} is out of range (1-65535); give the "
                          "scheduler's port (8786 unless changed)")
    if str(scheduler).startswith("inproc://"):  # a scheduler inside this process: a command starts none
        raise ParamsError(f"--scheduler {cut(scheduler)}: an inproc:// address reaches a scheduler inside the same "
                          "process only, and dgforecast sweep runs none; give tcp://HOST:PORT")
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ParamsError(f"--scheduler {scheduler}: Dask is not installed; install the extra "
                          "dgforecast[dask] or drop --scheduler to use local processes") from None


#: Seconds the whole ``--scheduler`` handshake may take: our probe, Dask's connection and a worker.
HANDSHAKE_SECONDS = 15.0
#: The largest first message accepted from a scheduler (Dask's handshake is under 100 bytes).
HANDSHAKE_MAX_BYTES = 1 << 16


def _recv_exactly(sock, n, deadline) -> bytes:
    data = b""
    while len(data) < n:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the connection was closed")
        data += chunk
    return data


def probe_scheduler(scheduler, deadline) -> None:
    """Check, by ``deadline`` (``time.monotonic()``), that a Dask scheduler answers at a ``tcp://`` address.

    A Dask scheduler speaks first: right after a connection it sends its handshake, a length
    (8 bytes) and a short msgpack message naming ``compression``, ``python`` and
    ``pickle-protocol``. Anything else (an HTTP server waits in silence; another service sends
    text, whose first 8 bytes read as a length of exabytes) is refused here in one line, instead
    of a hang or Dask trying to allocate that length.

    Raises
    ------
    ParamsError
        Nothing listens there, nothing is said in time, or what is said is not a Dask handshake.
    """
    address = str(scheduler)
    if not address.startswith("tcp://"):
        return  # tls, ws, ucx, inproc: Dask's own timeouts apply
    host, _, port = address[len("tcp://"):].rpartition(":")
    host = host.strip("[]")
    hint = "give the scheduler's address (dask scheduler prints it; port 8786 unless changed)"
    try:
        with socket.create_connection((host, int(port)), timeout=max(0.01, deadline - time.monotonic())) as sock:
            (length,) = struct.unpack("<Q", _recv_exactly(sock, 8, deadline))
            if not 0 < length <= HANDSHAKE_MAX_BYTES:
                raise ParamsError(f"--scheduler {scheduler}: answers, but not as a Dask scheduler (its first "
                                  f"message is not a Dask handshake); {hint}")
            message = _recv_exactly(sock, length, deadline)
    except (socket.timeout, TimeoutError):
        raise ParamsError(f"--scheduler {scheduler}: something listens there but sent no Dask handshake within "
                          f"{HANDSHAKE_SECONDS:g} s, so it is not a Dask scheduler (a web server such as the "
                          f"dashboard is not); {hint}") from None
    except OSError as exc:
        raise ParamsError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc.strerror or exc}); "
                          "start it (dask scheduler) or check the address") from None
    if b"pickle-protocol" not in message:
        raise ParamsError(f"--scheduler {scheduler}: answers, but not as a Dask scheduler (its first message "
                          f"is not a Dask handshake); {hint}")


def _quiet_client_class():
    """``distributed.Client`` whose half-made instance, when connecting failed, is put away at once.

    A Client that raised in its constructor is still closed by its ``__del__``, which then waits
    twice the connect timeout (30 s) on a loop that no longer runs and prints a traceback as
    "Exception ignored"; the one line the command printed should be the last word.
    """
    from distributed import Client

    class QuietClient(Client):
        def __del__(self):
            if getattr(self, "status", "closed") in ("closed", "newly-created"):
                return
            try:
                self.close(timeout=1)
            except BaseException:  # nothing may escape a finaliser, and the error was already reported
                pass

    return QuietClient


def _connect(scheduler):
    """A Dask client of ``scheduler`` with a worker to run on, within ``HANDSHAKE_SECONDS`` in all."""
    check_scheduler(scheduler)
    deadline = time.monotonic() + HANDSHAKE_SECONDS
    probe_scheduler(scheduler, deadline)
    try:
        client = _quiet_client_class()(scheduler, timeout=f"{max(1.0, deadline - time.monotonic()):.1f}s",
                                       set_as_default=False)
    except Exception as exc:  # tls, ws, ucx: whatever Dask or tornado raises (WebSocketError, SSL) is one line
        why = cut(exc, limit=200) or type(exc).__name__
        raise ParamsError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({why}); start it "
                          "(dask scheduler) or check the address") from None
    try:
        client.wait_for_workers(1, timeout=max(1.0, deadline - time.monotonic()))
    except (OSError, TimeoutError):
        client.close()
        raise ParamsError(f"--scheduler {scheduler}: the scheduler has no worker; start one "
                          f"(dask worker {scheduler}) and run again") from None
    except BaseException:
        client.close()
        raise
    return client


@dataclass(frozen=True)
class Executor:
    """Where a sweep's points ran: in this process, in local worker processes, or on a Dask cluster."""

    kind: str          # "this process", "local processes" or "Dask"
    workers: int       # processes, or Dask workers
    threads: int = 1   # Dask: the workers' threads in all
    address: str = ""  # Dask: the scheduler
    chunks: int = 1

    @property
    def text(self) -> str:
        """"on Dask at tcp://10.0.0.5:8786 (3 workers, 6 threads)", "in 2 local processes", "in this process"."""
        if self.kind == "Dask":
            return (f"on Dask at {self.address} ({self.workers} worker{'s' * (self.workers != 1)}, "
                    f"{self.threads} thread{'s' * (self.threads != 1)})")
        if self.kind == "local processes":
            return f"in {self.workers} local processes"
        return "in this process (one local process)"

    def record(self) -> dict:
        """The executor as a JSON object: kind, workers, threads, address, chunks."""
        return {"kind": self.kind, "workers": self.workers, "threads": self.threads, "address": self.address or None,
                "chunks": self.chunks}


def _run_dask(points, setup, scheduler) -> tuple:
    client = _connect(scheduler)
    try:
        nthreads = client.nthreads()
        threads = sum(nthreads.values()) or 1
        chunks = split_points(points, setup, 2 * threads)
        log.info("running %d chunks on %d Dask worker threads at %s", len(chunks), threads, scheduler)
        futures = client.map(evaluate_points, chunks, setup=setup, pure=False)
        return client.gather(futures), Executor("Dask", len(nthreads), threads, str(scheduler), len(chunks))
    finally:
        client.close()


def run_engine(points, setup: EngineSetup, jobs=1, scheduler=None):
    """``run_points`` without the executor: the evaluated points alone."""
    return run_points(points, setup, jobs, scheduler)[0]


def run_points(points, setup: EngineSetup, jobs=1, scheduler=None) -> tuple:
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
    (DataFrame, Executor)
        ``evaluate_points`` for all points, in the order of ``points``, and where they ran (a pool is
        started only when the work pays for it: ``-j 2`` on a small grid runs in this process, and says so).
    """
    if scheduler:
        parts, executor = _run_dask(points, setup, scheduler)
    elif jobs > 1 and parallel_work(points, setup) >= POOL_WORTH_IT:
        chunks = split_points(points, setup, 2 * jobs)
        log.info("running %d chunks in %d local processes", len(chunks), jobs)
        parts, executor = _run_pool(chunks, setup, jobs), Executor("local processes", jobs, jobs, chunks=len(chunks))
    else:  # one process, a bounded number of points at a time so memory stays flat on huge grids
        parts = [evaluate_points(points.iloc[i:i + POINTS_PER_CHUNK], setup)
                 for i in range(0, len(points), POINTS_PER_CHUNK)]
        executor = Executor("this process", 1, chunks=len(parts))
    return pd.concat(parts).loc[points.index], executor


