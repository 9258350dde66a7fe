"""The partial results of a study split into several workflow jobs (one tuning chip, one held-out
chip, one training seed, ...): each job pickles its result for the job that gathers them.

The files are written atomically (a temporary name, then a rename), so a killed job leaves no
partial file behind. Nothing here imports the rest of the package, so every layer may use it.
"""

from __future__ import annotations

import pickle
from pathlib import Path


def write_chunk(result, path) -> None:
    """Save one job's result for the gathering job."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(result, fh)
    tmp.replace(path)


def read_chunks(paths) -> list:
    """The results saved by :func:`write_chunk`, in the order of ``paths``."""
    out = []
    for f in paths:
        with open(f, "rb") as fh:
            out.append(pickle.load(fh))
    return out
