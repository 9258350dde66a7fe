"""Every command line of README.md and config/README.md works as written.

Each ```bash block line is run in a sandbox (a folder that links the repository's files, with
the ``my.yaml`` / ``my_changes.yaml`` the text talks about and an empty ``results/``): Snakemake
commands as a dry run (``-n``) whose planned jobs must be the target's, ``make`` commands as
``make -n``, the ``neurobench`` commands for real. Each ```python block runs as a script there.
Placeholders written ``<like this>`` are filled with a dummy word. A command that stops working,
or that does something else than it says (a target read as a config file), fails here.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCS = [REPO / "README.md", REPO / "config" / "README.md"]
LINKED = ["Snakefile", "config", "workflow", "neurobench", "Makefile", "setup.py",
          "pyproject.toml", "requirements", "tests"]
OVERRIDE = "lif_fi: {tau_m_ms: 20.0}\n"   # the README's example of my.yaml


def documented(path: Path) -> list[tuple[str, int, str]]:
    """(language, line number, command) of every bash command line and python block."""
    out, lang, start, block = [], None, 0, []
    for no, line in enumerate(path.read_text().splitlines(), 1):
        fence = re.match(r"^```(\w*)\s*$", line)
        if fence and lang is None:
            lang, start, block = fence.group(1), no, []
            continue
        if fence:
            if lang == "python":
                out.append(("python", start, "\n".join(block)))
            elif lang == "bash":
                joined = "\n".join(block).replace("\\\n", " ")
                for i, cmd in enumerate(joined.splitlines()):
                    cmd = re.sub(r"\s#\s.*$", "", cmd).strip()
                    if cmd and not cmd.startswith("#"):
                        out.append(("bash", start + 1 + i, cmd))
            lang = None
            continue
        if lang is not None:
            block.append(line)
    return out


COMMANDS = [(f"{p.relative_to(REPO)}:{no}", lang, cmd) for p in DOCS for lang, no, cmd in documented(p)]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    box = tmp_path_factory.mktemp("docs")
    for name in LINKED:
        (box / name).symlink_to(REPO / name)
    (box / ".venv").symlink_to(Path(sys.prefix))
    (box / "results").mkdir()
    (box / "my.yaml").write_text(OVERRIDE)
    (box / "my_changes.yaml").write_text(OVERRIDE)
    return box


def _env() -> dict:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = f"{REPO}{os.pathsep}{env.get('PYTHONPATH', '')}".rstrip(os.pathsep)
    return env


def _run(argv, cwd, timeout=600, **kw):
    return subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=timeout, **kw)


def _planned_jobs(stdout: str) -> set[str]:
    """Rule names of the 'Job stats' table of a dry run."""
    jobs, table = set(), False
    for line in stdout.splitlines():
        if line.startswith("Job stats"):
            table = True
        elif table and re.match(r"^\w+\s+\d+$", line.strip()):
            name = line.split()[0]
            if name != "total":
                jobs.add(name)
        elif table and not line.strip() and jobs:
            break
    return jobs


def snakemake_targets(words: list[str]) -> list[str]:
    """The targets Snakemake reads from a command line. A line that names a study but whose
    targets Snakemake reads as none (a list option such as --configfile or --forcerun swallowed
    the target) is an error."""
    from snakemake.cli import get_argument_parser

    from neurobench import studies

    targets = get_argument_parser().parse_args(words[1:]).targets or []
    named = [w for w in words[1:] if w in studies.available() or w.startswith("results/")]
    assert targets or not named, (f"{' '.join(words)}: Snakemake reads no target, although the "
                                  f"line names {named} (a list option before it took it); name "
                                  "the target first or end the list with --")
    return targets


def _snakemake(words: list[str], box: Path):
    targets = snakemake_targets(words)
    r = _run([words[0], "-n", *words[1:]], box)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    jobs = _planned_jobs(r.stdout)
    assert jobs, r.stdout[-2000:]
    if not targets:
        assert "all" in jobs
        return
    assert "all" not in jobs, f"{words}: a one-study command would run everything: {sorted(jobs)}"
    for t in targets:
        study = t.split("/")[1] if t.startswith("results/") else t
        assert study in jobs, f"{words}: target {t} not planned ({sorted(jobs)})"


@pytest.mark.parametrize("cmd", ["snakemake --cores 2 --configfile config/config.yaml my.yaml lif_fi",
                                 "snakemake --cores 2 --forcerun lif_fi lif_fi"])
def test_a_target_swallowed_by_a_list_option_is_caught(cmd):
    with pytest.raises(AssertionError, match="reads no target"):
        snakemake_targets(cmd.split())


def test_the_docs_have_commands():
    langs = {lang for _, lang, _ in COMMANDS}
    assert {"bash", "python"} <= langs and len(COMMANDS) >= 15


@pytest.mark.parametrize("where,lang,cmd", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_documented_command_works(where, lang, cmd, sandbox):
    if lang == "python":
        r = _run([sys.executable, "-c", cmd], sandbox)
        assert r.returncode == 0, r.stderr[-3000:]
        return
    words = shlex.split(re.sub(r"<[^<>\s][^<>]*>", "placeholder", cmd))
    prog = Path(words[0]).name
    if words[0] == "source":
        assert (sandbox / words[1]).is_file()
    elif prog == "snakemake":
        _snakemake(words, sandbox)
    elif prog == "make":
        r = _run(["make", "-n", *words[1:]], sandbox)
        assert r.returncode == 0, r.stderr[-2000:]
    elif prog == "neurobench":
        if words[1] == "compare":  # two trees the text assumes: the results and a copy of them
            other = sandbox / Path(words[3])
            shutil.rmtree(other, ignore_errors=True)
            shutil.copytree(sandbox / words[2], other)
        r = _run(words, sandbox)
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
        assert "Traceback" not in r.stderr
    else:
        pytest.fail(f"{where}: no rule to check the documented command {cmd!r}")
