"""How much memory and disk one command may take: work that would not fit is refused before it starts.

A sweep of 10^9 points or a forecast 10^9 years ahead would otherwise allocate until the kernel's
out-of-memory killer ends it, or ends something else on a shared machine. The callers estimate
their need from measured bytes per item (a grid point, a forecast year), rounded up.
"""

import os

from dgforecast.core.errors import ParamsError

#: Where the machine's memory cannot be read, the limit is this (bytes).
FALLBACK_LIMIT = 8 << 30


def memory_limit() -> int:
    """Bytes one command may take: half of this machine's physical memory."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (ValueError, OSError, AttributeError):
        return FALLBACK_LIMIT


def size_text(nbytes) -> str:
    """``nbytes`` in KiB below a MiB, MiB below a GiB, else GiB: ``"64 KiB"``, ``"7.5 GiB"``, ``"954 GiB"``."""
    if nbytes < 1 << 20:
        return f"{nbytes / 1024:,.0f} KiB"
    if nbytes < 1 << 30:
        return f"{nbytes / (1 << 20):,.0f} MiB"
    gib = nbytes / (1 << 30)
    return f"{gib:,.1f} GiB" if gib < 100 else f"{gib:,.0f} GiB"


def check_fits(nbytes, what, advice) -> None:
    """Refuse work needing about ``nbytes`` of memory when that is more than ``memory_limit()``.

    Parameters
    ----------
    nbytes : int
        The estimate.
    what : str
        The work, for the message (``"--horizon 1000000000: 1 series x 1,000,000,000 years"``).
    advice : str
        What to do instead.

    Raises
    ------
    ParamsError
        Naming the size and the limit.
    """
    limit = memory_limit()
    if nbytes > limit:
        raise ParamsError(f"{what} would need about {size_text(nbytes)} of memory, more than the "
                          f"{size_text(limit)} one command may take (half of this machine's); {advice}")


def free_disk(folder) -> int:
    """Bytes free for this user on the disk holding ``folder`` (or its nearest existing parent)."""
    import shutil
    from pathlib import Path

    existing = next(p for p in (Path(folder).absolute(), *Path(folder).absolute().parents) if p.exists())
    return shutil.disk_usage(existing).free


def check_disk(folder, nbytes, what, advice) -> None:
    """Refuse work that will write about ``nbytes`` into ``folder`` when its disk has less free.

    Raises
    ------
    ParamsError
        Naming the folder, the space free and the space needed.
    """
    free = free_disk(folder)
    if free < nbytes:
        raise ParamsError(f"{folder}: {size_text(free)} free on its disk, and {what} needs about "
                          f"{size_text(nbytes)}; {advice}")
