"""Judgements shared by the processes of one report: computed once, read by the others.

A report runs its notebooks in kernels of their own and then writes its pages in its own process; the
final assessment of a scenario, its sensitivity set, its track and its hinge are asked for by several of
them with the same parameters and the same tables. While a report runs, ``JUDGED_ENV`` names a folder of
its staging area; ``cached`` keeps there, under a hash of everything the value depends on (the function,
the resolved parameters with their plan month and as-of month, every table of the workbook and any other
argument), the value the first asker computed, and gives it to the next. Outside a report (the command
line, a notebook opened by hand) nothing is kept. The folder goes with the staging area; a value is
written atomically, so a reader sees a whole one or none.
"""

import hashlib
import os
import pickle
import shutil
from contextlib import contextmanager
from pathlib import Path

#: The environment variable naming the folder of a running report's judgements (set by ``run.report``).
JUDGED_ENV = "DGFORECAST_JUDGED"


def _part(value) -> bytes:
    """Bytes that stand for ``value`` in a key: a table by its content, a model by its JSON, the rest by repr."""
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return (repr(list(value.columns)).encode()
                + pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
    if isinstance(value, dict):
        return b"{" + b",".join(repr(k).encode() + b":" + _part(v) for k, v in sorted(value.items(), key=repr)) + b"}"
    if hasattr(value, "model_dump_json"):
        return value.model_dump_json().encode() + repr(getattr(value, "_plan_month", None)).encode()
    return repr(value).encode()


def key_of(kind, params, inputs, *extra) -> str:
    """The hash a judgement is kept under: its kind, the parameters (with the month ``as_of`` resolves to),
    the workbook's tables and any other argument."""
    digest = hashlib.sha256(kind.encode())
    for part in (params, getattr(params, "as_of_month", None), inputs, *extra):
        digest.update(_part(part))
    return digest.hexdigest()[:40]


def cached(kind, params, inputs, compute, *extra):
    """``compute()``, kept for the other processes of a running report (``JUDGED_ENV``); computed as is
    outside one."""
    folder = os.environ.get(JUDGED_ENV)
    if not folder:
        return compute()
    path = Path(folder) / f"{kind}-{key_of(kind, params, inputs, *extra)}.pickle"
    try:
        return pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError):
        pass
    value = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    except OSError:  # a full disk: the next asker computes it again
        pass
    return value


@contextmanager
def sharing_judgements(folder):
    """While inside, this process and the processes it starts share their judgements in ``folder``
    (``JUDGED_ENV``); the folder is removed on the way out, so nothing of it is left in a report."""
    before = os.environ.get(JUDGED_ENV)
    os.environ[JUDGED_ENV] = str(folder)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(JUDGED_ENV, None)
        else:
            os.environ[JUDGED_ENV] = before
        shutil.rmtree(folder, ignore_errors=True)
