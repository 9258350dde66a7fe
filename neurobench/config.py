"""Configuration: load config/config.yaml (+ overrides) and validate it against the schemas.

The schema is modular: ``workflow/schemas/config.schema.yaml`` holds the global keys and
``workflow/schemas/<study>.schema.yaml`` each study's section. What a JSON schema cannot say
(lists whose lengths must match, thresholds above rest, indices within a size) is checked by
:mod:`neurobench.config_checks`. Any unknown key, wrong type, out-of-range or inconsistent value
raises :class:`ConfigError` naming the key path and the config file that set it.
"""

from __future__ import annotations

import copy
import functools
import math
from pathlib import Path

import jsonschema
import yaml

from neurobench.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent
SCHEMA_DIR = REPO / "workflow" / "schemas"

__all__ = ["REPO", "SCHEMA_DIR", "ConfigError", "load_schema", "validate", "deep_update",
           "read_config_file", "key_origins", "load_config", "study_params"]


def load_schema(schema_dir: Path = SCHEMA_DIR) -> dict:
    """The merged schema of the whole configuration (a fresh copy)."""
    schema_dir = Path(schema_dir)
    stamp = tuple((f.name, f.stat().st_mtime_ns) for f in sorted(schema_dir.glob("*.schema.yaml")))
    return copy.deepcopy(_merged_schema(str(schema_dir), stamp))


@functools.lru_cache(maxsize=4)
def _merged_schema(schema_dir: str, stamp: tuple) -> dict:
    """Parsed once per set of schema files (``stamp``: names and modification times)."""
    schema_dir = Path(schema_dir)
    top = read_yaml(schema_dir / "config.schema.yaml", "schema")
    props = top.setdefault("properties", {})
    for f in sorted(schema_dir.glob("*.schema.yaml")):
        if f.name == "config.schema.yaml":
            continue
        study = f.name[: -len(".schema.yaml")]
        props[study] = read_yaml(f, "schema")
        top.setdefault("required", []).append(study)
    return top


def _non_finite(node, path=()):
    """Key paths of NaN/±inf numbers (YAML's .nan, .inf): no study parameter may be one."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _non_finite(v, (*path, str(k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _non_finite(v, (*path, str(i)))
    elif isinstance(node, float) and not math.isfinite(node):
        yield ".".join(path), node


def _where(key: str, origins: dict | None, files) -> str:
    """' (set in FILE)' for a key path, from the most specific origin known."""
    if origins:
        parts = key.split(".")
        for n in range(len(parts), 0, -1):
            src = origins.get(".".join(parts[:n]))
            if src:
                return f" (set in {src})"
    if files:
        return f" (config: {', '.join(shown(f) for f in files)})"
    return ""


def validate(config: dict, schema_dir: Path = SCHEMA_DIR, origins: dict | None = None,
             files=None) -> dict:
    """Validate ``config``; raise ConfigError with every problem, each naming its key and the
    file that set it (``origins``: key path → file, as from :func:`key_origins`; ``files``: the
    config files, named when a key has no origin, e.g. a required key that is missing)."""
    from neurobench.config_checks import check_config

    validator = jsonschema.Draft202012Validator(load_schema(schema_dir))
    errors = sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path])
    problems = [(".".join(str(p) for p in e.absolute_path) or "<top level>", e.message)
                for e in errors]
    problems += [(k, f"{v} is not a finite number") for k, v in _non_finite(config)]
    # cross-key rules assume the types the schema guarantees: only sections without problems
    broken = {k.split(".")[0] for k, _ in problems}
    problems += check_config(config, skip=broken)
    if problems:
        lines = [f"config key '{k}'{_where(k, origins, files)}: {m}" for k, m in problems]
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines))
    return config


def deep_update(base: dict, override: dict) -> dict:
    """Recursive dict update (the way Snakemake merges --configfile overrides)."""
    out = copy.deepcopy(base)
    for k, v in override.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_update(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def read_yaml(path, what: str = "config file"):
    """Parse one YAML file; any problem is a ConfigError naming the file (and line)."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{what} not found: {path}")
    if not path.is_file():
        raise ConfigError(f"{what} {path}: not a file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{what} {path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{what} {path}: cannot read ({exc.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{what} {path}: not valid YAML{at}: {problem}") from None


def read_config_file(path) -> dict:
    """One config file as a mapping (an empty file is an empty mapping)."""
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path}: the top level must be a mapping of sections, "
                          f"got {type(data).__name__}")
    return data


def shown(path) -> str:
    """A path as messages show it: relative to the working directory when inside it."""
    p = Path(path)
    try:
        return str(p.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(p)


def key_origins(files, extra=()) -> dict[str, str]:
    """Key path → the last source that sets it (later sources win, as in the merge): each of
    ``files`` in order, then each ``(label, mapping)`` of ``extra`` (e.g. ``("--set", {...})``)."""
    origins: dict[str, str] = {}

    def walk(node, path, src):
        for k, v in node.items():
            key = f"{path}.{k}" if path else str(k)
            origins[key] = src
            if isinstance(v, dict):
                walk(v, key, src)

    for f in files:
        try:
            data = read_config_file(f)
        except ConfigError:
            continue  # the loader reports it
        walk(data, "", shown(f))
    for label, mapping in extra:
        walk(dict(mapping), "", label)
    return origins


def load_config(*files) -> dict:
    """Load and merge YAML config files (later ones override), then validate."""
    files = [Path(f) for f in (files or (REPO / "config" / "config.yaml",))]
    cfg: dict = {}
    for f in files:
        cfg = deep_update(cfg, read_config_file(f))
    return validate(cfg, origins=key_origins(files), files=files)


def study_params(config: dict, study: str) -> dict:
    """A study's section with the global seed folded in (what the rule passes as params)."""
    if study not in config:
        raise ConfigError(f"config has no section '{study}'")
    params = copy.deepcopy(config[study])
    params.setdefault("seed", config.get("seed", 0))
    return params
