"""Worker processes shared by the report and the sweep: one thread each, stopped at once."""

import os

#: Thread limits for workers and kernels: several run side by side on a 2-core machine, and
#: BLAS/OpenMP thread pools in each would fight for the cores.
SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def worker_start():
    """Initializer of pool workers: single-threaded math, and Ctrl-C left to the main process.

    The main process stops the whole pool at once (``stop_pool``), instead of each worker (and
    each notebook kernel) dying on its own, being seen as a failure and retried.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
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
