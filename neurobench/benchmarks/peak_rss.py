"""Run a command and write the peak resident memory of that process alone (``ru_maxrss``, KiB)
to a file: the memory of Brian2's compiled simulation without the compiler's.

    python -m neurobench.benchmarks.peak_rss OUT_FILE COMMAND [ARGS ...]

The exit status is the command's.
"""

from __future__ import annotations

import os
import subprocess
import sys


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
