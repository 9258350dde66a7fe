"""Run a command and write the peak resident memory of that process alone (``ru_maxrss``, KiB)
to a file: the memory of Brian2's compiled simulation without the compiler's.

    python -m neurobench.benchmarks.peak_rss OUT_FILE COMMAND [ARGS ...]

The exit status is the command's. ``wrap`` builds that command line around another with a
fresh temporary file, ``read_mib`` reads the file back (and removes it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile


def wrap(command: list[str]) -> tuple[list[str], str]:
    """``command`` run under this module, and the file its peak memory will be written to."""
    out = tempfile.NamedTemporaryFile(prefix="nb_rss_", suffix=".txt", delete=False).name
    return [sys.executable, "-m", "neurobench.benchmarks.peak_rss", out, *command], out


def read_mib(out: str) -> float:
    """The peak resident memory written to ``out`` by a wrapped command (MiB); removes ``out``."""
    with open(out) as f:
        kib = int(f.read())
    os.unlink(out)
    return kib / 1024.0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 2:
        raise SystemExit("usage: python -m neurobench.benchmarks.peak_rss OUT_FILE COMMAND [ARGS ...]")
    out, cmd = argv[0], argv[1:]
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    with open(out, "w") as f:
        f.write(f"{usage.ru_maxrss}\n")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
