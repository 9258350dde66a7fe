"""``neurobench``: the suite's command line, for work outside Snakemake.

    neurobench list [--json]                     studies, their declared outputs, their results
    neurobench run STUDY [--config FILE]... [--set KEY=VALUE]... [--outdir DIR]
                   [--corpus DIR] [--dataset DIR]
    neurobench compare RESULTS_A RESULTS_B [--rtol R] [--atol A] [--csv FILE]
    neurobench info [--json]                     versions, GPU, build flags

``run`` merges config/config.yaml with each ``--config`` file in order (as Snakemake's
``--configfile`` does), then applies each ``--set`` to the study's section (KEY is a dotted path
inside the section, VALUE is YAML: ``--set duration_s=0.5 --set trace_neurons=[1,2]``),
validates the result against the schemas and calls the study's ``run(params, outdir)``.
``compare`` exits with status 1 when the trees differ, so it can gate a CI job.

Errors: one line on stderr naming the file or key, exit status 2 for bad input or usage (a
config value, a data file, an output folder that is not the study's), 1 when a study fails for
another reason; ``--debug`` shows the traceback (``--log FILE`` always holds it).
"""

from __future__ import annotations

import argparse
import ast
import copy
import inspect
import json
import os
import platform
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

import yaml

from neurobench.config import (REPO, ConfigError, key_origins, read_config_file, deep_update,
                               study_params, validate)
from neurobench.errors import DatasetError

DEFAULT_CONFIG = REPO / "config" / "config.yaml"


# -- list ---------------------------------------------------------------------------------------
def declared_outputs(snakefile: Path = REPO / "Snakefile") -> dict[str, list[str]]:
    """The study registry of the workflow, ``study → [outputs]``, as Snakemake itself loads it
    (its API parses the Snakefile and every rule file; the registry is ``STUDIES``)."""
    import logging

    from snakemake.api import SnakemakeApi
    from snakemake.exceptions import WorkflowError
    from snakemake.settings.types import OutputSettings, Quietness, ResourceSettings

    snakefile = Path(snakefile).resolve()
    quiet = logging.getLogger("snakemake").level
    try:
        with SnakemakeApi(OutputSettings(quiet={Quietness.ALL})) as api:
            wf = api.workflow(resource_settings=ResourceSettings(), snakefile=snakefile,
                              workdir=snakefile.parent)
            workflow = wf._workflow  # the loaded workflow (the API's list_rules only prints)
            registry = workflow.globals.get("STUDIES", {})
            rules = {r.name for r in workflow.rules}
    except WorkflowError as exc:
        raise ConfigError(f"{snakefile}: the workflow does not load: "
                          f"{str(exc).strip().splitlines()[0]}") from None
    finally:
        logging.getLogger("snakemake").setLevel(quiet)
    return {name: [str(o) for o in outs] for name, outs in sorted(registry.items()) if name in rules}


def read_comparison(path: Path):
    """A study's comparison.csv; a malformed one is a DatasetError naming the file."""
    import pandas as pd

    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DatasetError(path, None, f"not a readable CSV table ({str(exc).splitlines()[0]})") from None
    except OSError as exc:
        raise DatasetError(path, None, f"cannot read ({exc.strerror})") from None
    if "status" not in df.columns:
        raise DatasetError(path, "status", "column missing (not a comparison.csv of this suite)")
    return df


def study_table(results: Path) -> list[dict]:
    from neurobench import studies
    from neurobench.report.claims import STATUSES

    results = Path(results)
    if results.exists() and not results.is_dir():
        raise DatasetError(results, None, "not a results folder")
    declared = declared_outputs()
    rows = []
    for name in sorted(set(studies.available()) | set(declared)):
        row = {"study": name, "module": name in studies.available(),
               "workflow_rule": name in declared, "outputs": declared.get(name, []),
               "results": None}
        comp = results / name / "comparison.csv"
        if comp.exists():
            try:  # one unreadable study does not hide the others: its row carries the error
                st = read_comparison(comp)["status"].value_counts().to_dict()
            except DatasetError as exc:
                row["error"] = str(exc)
            else:
                row["results"] = {s: int(st.get(s, 0)) for s in STATUSES}
        rows.append(row)
    return rows


def cmd_list(args) -> int:
    """Every study with its outputs and result counts; exit status 2 when a results file could
    not be read (each named on stderr, after the whole list)."""
    rows = study_table(Path(args.results))
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            res = r["results"]
            status = ("unreadable results" if "error" in r else
                      ", ".join(f"{n} {s}" for s, n in res.items()) if res else "no results yet")
            where = [] if r["module"] else ["no module"]
            where += [] if r["workflow_rule"] else ["no workflow rule"]
            print(f"{r['study']}  ({status}{'; ' + ', '.join(where) if where else ''})")
            for o in r["outputs"]:
                print(f"    {o}")
    errors = [r["error"] for r in rows if "error" in r]
    for e in errors:
        _error(args, e)
    return 2 if errors else 0


# -- run ----------------------------------------------------------------------------------------
def parse_set(items: list[str]) -> list[tuple[list[str], object]]:
    """``KEY=VALUE`` strings → (key path, YAML-parsed value)."""
    out = []
    for item in items or []:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key or any(not p for p in key.split(".")):
            raise ValueError(f"--set {item!r}: expected KEY=VALUE (KEY a dotted path, e.g. duration_s=0.5)")
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise ValueError(f"--set {item!r}: the value is not valid YAML: {exc}") from exc
        out.append((key.split("."), value))
    return out


def study_config(study: str, config_files=(), sets=()) -> dict:
    """The validated study section (with the seed folded in), as the workflow would pass it."""
    files = [DEFAULT_CONFIG, *[Path(f) for f in config_files]]
    config: dict = {}
    for f in files:
        config = deep_update(config, read_config_file(f))
    if study not in config:
        raise ConfigError(f"config has no section '{study}' (studies: "
                          f"{', '.join(k for k, v in config.items() if isinstance(v, dict))})")
    config = copy.deepcopy(config)
    sets = parse_set(list(sets))
    for path, value in sets:
        node = config[study]
        for p in path[:-1]:
            if not isinstance(node.get(p), dict):
                raise ConfigError(f"--set: config key '{study}.{'.'.join(path)}': "
                                  f"'{p}' is not a section")
            node = node[p]
        node[path[-1]] = value
    over = {study: {}}
    for path, value in sets:
        node = over[study]
        for p in path[:-1]:
            node = node.setdefault(p, {})
        node[path[-1]] = value
    validate(config, origins=key_origins(files, [("--set", over)]), files=files)
    return study_params(config, study)


#: Data folders a study's ``run`` takes besides its parameters: CLI option → keyword argument.
DATA_OPTIONS = {"corpus": "corpus_dir", "dataset": "data_dir"}


def study_module(name: str):
    """The module of a study named as the workflow names it (not a path)."""
    from neurobench import studies

    if name not in studies.available():
        hint = ""
        if "/" in name or name.startswith("."):
            hint = f"; name the study, not a folder (e.g. {Path(name).name!r})"
        raise ConfigError(f"unknown study {name!r}{hint} (studies: {', '.join(studies.available())})")
    return studies.get(name)


def data_arguments(module, study: str, args) -> dict:
    """Keyword arguments of the data folders given on the command line, checked against what
    the study's ``run`` takes and whether they exist."""
    takes = inspect.signature(module.run).parameters
    kwargs = {}
    for opt, kw in DATA_OPTIONS.items():
        value = getattr(args, opt, None)
        if value is None:
            continue
        if kw not in takes:
            users = [s for s, k in (("kws", "corpus_dir"), ("detection", "data_dir")) if k == kw]
            raise ConfigError(f"--{opt}: {study} reads no {opt} folder (it is for {', '.join(users)})")
        if not Path(value).is_dir():
            raise DatasetError(value, None, f"--{opt}: no such folder")
        kwargs[kw] = Path(value)
    if "corpus_dir" in takes and args.params.get("dataset") == "synthetic":
        from neurobench.data.speech import read_corpus_info

        kwargs.setdefault("corpus_dir", REPO / "resources" / "kws_corpus")
        read_corpus_info(kwargs["corpus_dir"])  # refuse a missing or broken corpus before running
    if "data_dir" in kwargs:
        from neurobench.data.event_camera import read_manifest

        read_manifest(kwargs["data_dir"])
    return kwargs


def cmd_run(args) -> int:
    from neurobench.report.writer import check_destination, publishing
    from neurobench.runlog import log_to

    module = study_module(args.study)
    args.params = params = study_config(args.study, args.config, args.set)
    data = data_arguments(module, args.study, args)
    outdir = Path(args.outdir) if args.outdir else Path(args.results) / args.study
    check_destination(outdir, args.study)
    with log_to(args.log, tracebacks=args.debug), publishing(outdir, args.study):
        module.run(params, outdir, **data)
    comp = outdir / "comparison.csv"
    if comp.exists():
        from neurobench.report.claims import STATUSES

        df = read_comparison(comp)
        counts = df["status"].value_counts().to_dict()
        print(f"{args.study}: {len(df)} claims, " + ", ".join(
            f"{counts.get(s, 0)} {s}" for s in STATUSES) + f" → {outdir}")
    return 0


# -- compare ------------------------------------------------------------------------------------
def cmd_compare(args) -> int:
    from neurobench.report.manifest import TIMING_NAMES, compare_trees

    ignore = TIMING_NAMES if args.ignore_columns is None else args.ignore_columns
    diff = compare_trees(args.results_a, args.results_b, rtol=args.rtol, atol=args.atol,
                         ignore_columns=ignore)
    if args.csv:
        diff.to_csv(args.csv, index=False)
    if diff.empty:
        print(f"no differences beyond rtol={args.rtol:g}, atol={args.atol:g} "
              f"between {args.results_a} and {args.results_b}")
        return 0
    print(f"{len(diff)} difference(s) beyond rtol={args.rtol:g}, atol={args.atol:g} "
          f"(A = {args.results_a}, B = {args.results_b}):")
    print(diff.to_markdown(index=False, floatfmt=".6g"))
    return 1


# -- info ---------------------------------------------------------------------------------------
_PACKAGES = ("neurobench-temporal", "numpy", "scipy", "pandas", "matplotlib", "Cython", "Brian2",
             "torch", "snakemake", "snakemake-executor-plugin-slurm", "playwright", "nest-simulator")


def _setup_compile_args() -> dict:
    """extra_compile_args / extra_link_args / define_macros of each Extension in setup.py
    (read from its syntax tree, not run: names and ``+`` of lists are resolved)."""
    setup_py = REPO / "setup.py"
    if not setup_py.exists():
        return {}
    tree = ast.parse(setup_py.read_text())
    consts: dict = {}

    def value(node):
        if isinstance(node, ast.Name):
            return consts.get(node.id, "?")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = value(node.left), value(node.right)
            return left + right if isinstance(left, list) and isinstance(right, list) else "?"
        try:
            return ast.literal_eval(node)
        except ValueError:
            return "?"

    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            consts[node.targets[0].id] = value(node.value)
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Extension" and node.args:
            name = value(node.args[0])
            out[name] = {kw.arg: value(kw.value) for kw in node.keywords
                         if kw.arg in ("extra_compile_args", "extra_link_args", "define_macros")}
    return out


def _extensions() -> list[dict]:
    """The compiled modules of the package, with the flags they were built with."""
    import importlib

    flags = _setup_compile_args()
    rows = []
    pkg = REPO / "neurobench"
    for so in sorted(pkg.rglob("*.so")):
        mod = ".".join(so.relative_to(REPO).with_suffix("").parts).split(".cpython")[0]
        try:
            importlib.import_module(mod)
            ok = "ok"
        except Exception as exc:  # report, do not fail: info is a diagnostic
            ok = f"import failed: {exc}"
        rows.append({"module": mod, "file": str(so.relative_to(REPO)), "import": ok,
                     **flags.get(mod, {})})
    return rows


def _gpu() -> dict:
    try:
        import torch
    except Exception as exc:  # torch missing or broken
        return {"torch": f"unavailable ({exc})"}
    info = {"torch": torch.__version__, "cuda_available": torch.cuda.is_available(),
            "cuda_version": torch.version.cuda, "devices": []}
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            p = torch.cuda.get_device_properties(i)
            info["devices"].append({"name": p.name, "memory_gib": round(p.total_memory / 2**30, 1),
                                    "capability": f"{p.major}.{p.minor}"})
    info["mps_available"] = bool(getattr(torch.backends, "mps", None)
                                 and torch.backends.mps.is_available())
    return info


def gather_info() -> dict:
    from neurobench.report.provenance import _cpu, _git_commit

    versions = {}
    for pkg in _PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    import numpy as np

    try:
        blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
        blas = {k: blas.get(k) for k in ("name", "version")}
    except Exception:  # older numpy without mode="dicts"
        blas = {}
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": _cpu(),
        "cpu_count": os.cpu_count(),
        "git_commit": _git_commit(),
        "repository": str(REPO),
        "versions": versions,
        "gpu": _gpu(),
        "build": {
            "python_cflags": sysconfig.get_config_var("CFLAGS"),
            "cc": sysconfig.get_config_var("CC"),
            "numpy_blas": blas,
            "extensions": _extensions(),
            "env": {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_CORETYPE",
                                                 "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
                    if k in os.environ},
        },
    }


def cmd_info(args) -> int:
    info = gather_info()
    if args.json:
        print(json.dumps(info, indent=2, default=str))
        return 0
    print(f"neurobench {info['versions'].get('neurobench-temporal')}  ({info['repository']}, "
          f"commit {info['git_commit']})")
    print(f"python {info['python']} on {info['platform']}; {info['cpu']} × {info['cpu_count']}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v))
    g = info["gpu"]
    devices = ", ".join(f"{d['name']} ({d['memory_gib']} GiB)" for d in g.get("devices", []))
    print(f"GPU: {devices or 'none'} (torch {g.get('torch')}, CUDA {g.get('cuda_version')})")
    b = info["build"]
    print(f"build: CC={b['cc']}  CFLAGS={b['python_cflags']}")
    for e in b["extensions"]:
        print(f"  {e['module']}: {e['import']}; extra_compile_args={e.get('extra_compile_args')}")
    if b["numpy_blas"]:
        print(f"numpy BLAS: {b['numpy_blas'].get('name')} {b['numpy_blas'].get('version')}")
    return 0


# -- entry point --------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """Usage errors in one line (exit status 2), pointing at --help."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true",
                        help="show the traceback of an error (default: one line)")
    ap = _Parser(prog="neurobench", description=__doc__.split("\n\n")[0], parents=[common],
                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("list", help="studies and their outputs", parents=[common])
    p.add_argument("--results", default="results", help="results directory (default: results)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("run", help="run one study outside Snakemake", parents=[common])
    p.add_argument("study")
    p.add_argument("--config", action="append", default=[], metavar="FILE",
                   help="YAML overriding config/config.yaml (repeatable, applied in order)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override one key of the study's section (repeatable)")
    p.add_argument("--results", default="results", help="results directory (default: results)")
    p.add_argument("--outdir", help="write here instead of RESULTS/STUDY (an empty or new folder, "
                                    "or one holding this study's earlier results)")
    p.add_argument("--corpus", metavar="DIR", help="kws: the espeak-ng corpus folder (default: "
                                                   "resources/kws_corpus, built by the kws_corpus rule)")
    p.add_argument("--dataset", metavar="DIR", help="detection: the emulated recordings folder "
                                                    "(default: generated into a temporary folder)")
    p.add_argument("--log", help="also log to this file (with the traceback of a failure)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("compare", help="numbers that differ between two results trees",
                       parents=[common])
    p.add_argument("results_a")
    p.add_argument("results_b")
    p.add_argument("--rtol", type=float, default=1e-9, help="relative tolerance (default 1e-9)")
    p.add_argument("--atol", type=float, default=0.0, help="absolute tolerance (default 0)")
    p.add_argument("--ignore-columns", default=None, metavar="REGEX",
                   help="skip columns/keys matching REGEX (default: wall-clock timing names; '' "
                        "compares everything)")
    p.add_argument("--csv", help="also write the differences to this CSV file")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("info", help="versions, GPU, build flags", parents=[common])
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_info)
    return ap


def _error(args, message: str) -> None:
    lines = str(message).strip().splitlines() or [type(message).__name__]
    print(f"neurobench {args.command}: error: {lines[0]}", file=sys.stderr)
    for line in lines[1:]:
        print(f"    {line.strip()}", file=sys.stderr)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # output piped into `head`
        sys.stderr.close()
        return 0
    except Exception as exc:
        if args.debug:
            raise
        if isinstance(exc, ValueError):  # bad input (NeurobenchError is a ValueError)
            _error(args, exc)
            return 2
        if isinstance(exc, OSError):
            what = f"{exc.filename}: " if exc.filename else ""
            _error(args, f"{what}{exc.strerror or exc}")
            return 1
        study = f"{args.study} failed: " if args.command == "run" else ""
        log = f"; the log {args.log} has it" if getattr(args, "log", None) else ""
        _error(args, f"{study}{type(exc).__name__}: {exc} (--debug shows the traceback{log})")
        return 1
    except KeyboardInterrupt:
        if args.debug:
            raise
        _error(args, "interrupted; results published before are unchanged")
        return 130


if __name__ == "__main__":
    sys.exit(main())
