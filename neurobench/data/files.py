"""Reading numpy ``.npy`` files of datasets without trusting them.

``numpy.load`` reports a damaged file in many ways (``ValueError``, ``OSError``, ``EOFError``, the
``SyntaxError`` or ``tokenize.TokenError`` of its header parser, ``UnicodeDecodeError``); :func:`load_npy` turns each into a
:class:`~neurobench.errors.DatasetError` naming the file, and never unpickles objects.
"""

from __future__ import annotations

import tokenize
from pathlib import Path

import numpy as np

from neurobench.errors import DatasetError


def load_npy(path, what: str = "numpy array file") -> np.ndarray:
    """The array stored in ``path`` (no pickled objects)."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(path, None, f"no such {what}")
    try:
        arr = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, SyntaxError, tokenize.TokenError, TypeError,
            MemoryError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DatasetError(path, None, f"not a readable {what} ({reason})") from None
    if not isinstance(arr, np.ndarray):  # an .npz archive
        raise DatasetError(path, None, f"not a {what} (an archive of several arrays)")
    return arr
