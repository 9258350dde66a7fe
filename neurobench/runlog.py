"""Logging set-up shared by the workflow scripts and the CLI."""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path


def _without_tracebacks(record: logging.LogRecord) -> bool:
    """Stderr filter of the CLI without --debug: the failure line is printed by the CLI, the
    traceback goes only to the log file."""
    return not record.exc_info


@contextlib.contextmanager
def log_to(path=None, level=logging.INFO, tracebacks: bool = True):
    """Send the ``neurobench`` logger to stderr and (optionally) to a log file. A failure is
    logged with its traceback (to stderr only when ``tracebacks``)."""
    logger = logging.getLogger("neurobench")
    logger.setLevel(level)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S")
    handlers = []
    if path:  # first: it must see the traceback before the stderr filter drops the record
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(path, mode="w"))
    stderr = logging.StreamHandler(sys.stderr)
    if not tracebacks:
        stderr.addFilter(_without_tracebacks)
    handlers.append(stderr)
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
