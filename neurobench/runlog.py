"""Logging set-up shared by the workflow scripts and the CLI."""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path


@contextlib.contextmanager
def log_to(path=None, level=logging.INFO):
    """Send the ``neurobench`` logger to stderr and (optionally) to a log file."""
    logger = logging.getLogger("neurobench")
    logger.setLevel(level)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S")
    handlers = [logging.StreamHandler(sys.stderr)]
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(path, mode="w"))
    for h in handlers:
        h.setFormatter(fmt)
        logger.addHandler(h)
    try:
        yield logger
    except BaseException:
        logger.exception("failed")
        raise
    finally:
        for h in handlers:
            logger.removeHandler(h)
            h.close()
