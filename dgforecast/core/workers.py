"""Worker processes for everything that runs in parallel: one pool helper, one thread each, stopped at once.

``run_pool`` is the only process pool in the package: the report's and the sweep's notebooks, the
sweep's chunks of points and the forecast command's series all go through it.
"""

import ctypes
import multiprocessing
import os
import signal
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import closing

#: Thread limits for workers and kernels: several run side by side on a 2-core machine, and
#: BLAS/OpenMP thread pools in each would fight for the cores.
SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


#: prctl(2) option: the signal a process gets when the thread that started it ends (Linux only).
PR_SET_PDEATHSIG = 1
#: The C library, loaded once here: ``die_with_parent`` also runs between fork and exec (a kernel's
#: ``preexec_fn``), where loading a library could deadlock on a lock held by another thread.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def die_with_parent(parent_pid=None, sig=signal.SIGTERM) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent ends (Linux ``PR_SET_PDEATHSIG``).

    Catches what a signal handler cannot: a parent ended by SIGKILL (``timeout -s KILL``, the OOM
    killer) would otherwise leave its workers and kernels running under init for good. The
    parent may have ended before the request took effect; then ``sig`` is sent here at once.
    Safe in ``subprocess.Popen``'s ``preexec_fn`` (no allocation beyond a ctypes call).

    Parameters
    ----------
    parent_pid : int, optional
        The parent this process belongs to (default: its parent now).
    sig : int
        The signal to receive.

    Returns
    -------
    bool
        Whether the request was made (False off Linux, where nothing is done).
    """
    if _LIBC is None or not hasattr(_LIBC, "prctl"):
        return False
    parent_pid = os.getppid() if parent_pid is None else parent_pid
    if _LIBC.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        return False
    if os.getppid() != parent_pid:  # the parent ended before the request: too late to be told
        os.kill(os.getpid(), sig)
    return True


def worker_start(parent_pid=None):
    """Initializer of pool workers: single-threaded math, signals left to the main process.

    The main process stops the whole pool at once (``stop_pool``) on Ctrl-C, SIGTERM or SIGHUP,
    instead of each worker (and each notebook kernel) dying on its own, being seen as a failure
    and retried: so SIGINT and SIGHUP are ignored here and SIGTERM (what ``stop_pool`` sends)
    ends the worker. A worker also ends when the main process dies without stopping it
    (SIGKILL): ``die_with_parent``.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker inherits the CLI's handler
    die_with_parent(parent_pid)
    os.environ.update(SINGLE_THREAD_ENV)


def stop_pool(pool, timeout=10.0):
    """Cancel what has not started, end the workers now and reap them before returning.

    Parameters
    ----------
    pool : concurrent.futures.ProcessPoolExecutor
    timeout : float
        Seconds to wait for a terminated worker before killing it.
    """
    workers = list((getattr(pool, "_processes", None) or {}).values())  # no public API; shutdown clears it
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in workers:
        process.terminate()
    for process in workers:
        process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join(timeout)
    # The pool's own thread reaps the workers too; once it has ended, none is left half-reaped
    # (a join racing it could otherwise return while the worker still looked alive).
    if manager is not None:
        manager.join(timeout)


def _context():
    # fork starts a worker in milliseconds and lets it inherit what the parent set up; spawn elsewhere.
    return multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")


def _call(func, item):
    """``func(item)``, or the exception it raised (so one failing item does not fail its batch)."""
    try:
        return func(item)
    except Exception as exc:  # noqa: BLE001 (handed back to the caller, who decides)
        return exc


def _call_batch(func, batch):
    return [_call(func, item) for item in batch]


def run_pool(func, items, jobs=1, batch=1, tick=None, every=1.0):
    """Apply ``func`` to every item on ``jobs`` worker processes; yield results as they finish.

    A worker starts with ``worker_start`` (one thread, Ctrl-C ignored). When anything is raised
    while waiting (Ctrl-C included), or the caller closes the generator (read it inside
    ``contextlib.closing`` so that an exception in the caller's loop closes it too), every worker
    is ended and reaped before the exception goes on (``stop_pool``).

    Parameters
    ----------
    func : callable
        A module-level function of one item (it is sent to the workers by name).
    items : sequence
    jobs : int
        Worker processes; 1 or less (or a single item) runs every item here, one after another.
    batch : int
        Items sent to a worker at once; more than 1 saves the round trips of many small items.
    tick : callable, optional
        Called with no argument every ``every`` seconds while workers run and nothing finished (a
        progress line's clock), in this process and thread.

    Yields
    ------
    (int, object)
        The item's position in ``items`` and ``func``'s result, or the ``Exception`` it raised
        (a worker that died gives each of its items the pool's exception).
    """
    items, batch = list(items), max(1, int(batch))
    if jobs <= 1 or len(items) <= 1:
        for index, item in enumerate(items):
            yield index, _call(func, item)
        return
    starts = range(0, len(items), batch)
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(starts)), mp_context=_context(),
                               initializer=worker_start, initargs=(os.getpid(),))
    try:
        futures = {pool.submit(_call_batch, func, items[start:start + batch]): start for start in starts}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=every if tick else None, return_when=FIRST_COMPLETED)
            if not done and tick is not None:
                tick()
            for future in sorted(done, key=futures.get):
                start, failure = futures[future], future.exception()
                results = [failure] * len(items[start:start + batch]) if failure is not None else future.result()
                for offset, result in enumerate(results):
                    yield start + offset, result
    except BaseException:  # Ctrl-C, or the caller stopped reading: end every worker now
        stop_pool(pool)
        raise
    pool.shutdown()


def map_pool(func, items, jobs=1, batch=1, done=None) -> list:
    """``[func(item) for item in items]`` on ``run_pool``'s workers, in the order of ``items``.

    Parameters
    ----------
    func, items, jobs, batch
        As for ``run_pool``.
    done : callable, optional
        Called with no argument each time an item finishes (a progress bar's ``update``).

    Raises
    ------
    Exception
        The first exception an item raised, once the pool is stopped.
    """
    items = list(items)
    results = [None] * len(items)
    with closing(run_pool(func, items, jobs, batch)) as finished:  # closing it stops the pool at once
        for index, result in finished:
            if isinstance(result, Exception):
                raise result
            results[index] = result
            if done is not None:
                done()
    return results
