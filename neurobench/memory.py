"""Refusing, before allocating, what the machine's memory cannot hold.

The core and the emulator allocate arrays whose size follows from their arguments (neurons,
synapses, the longest delay, recorded samples). An absurd argument would otherwise end in numpy's
bare ``MemoryError`` (or the kernel's OOM killer) long after the call that caused it; instead the
entry point estimates the bytes and raises ``ValueError`` naming the estimate, the memory available
and the argument to change.
"""

from __future__ import annotations

import os


def available_bytes() -> int | None:
    """Memory the machine can still give (Linux MemAvailable), None where it cannot be read."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


def check_memory(what: str, n_bytes: float, argument: str) -> None:
    """Raise ValueError when ``n_bytes`` (the estimate for ``what``) exceeds the available
    memory; the message names ``argument``, the one to reduce."""
    avail = available_bytes()
    if avail is not None and n_bytes > avail:
        raise ValueError(f"{argument}: {what} needs about {n_bytes / 2**30:.3g} GiB, more than the "
                         f"{avail / 2**30:.3g} GiB this machine has available; reduce {argument}")
