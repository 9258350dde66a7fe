"""Configuration: load config/config.yaml (+ overrides) and validate it against the schemas.

The schema is modular: ``workflow/schemas/config.schema.yaml`` holds the global keys and
``workflow/schemas/<study>.schema.yaml`` each study's section. Any unknown key, wrong type or
out-of-range value raises :class:`ConfigError` naming the key path.
"""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import yaml

REPO = Path(__file__).resolve().parent.parent
SCHEMA_DIR = REPO / "workflow" / "schemas"


class ConfigError(ValueError):
    """A configuration value is missing, unknown, of the wrong type or out of range."""


def load_schema(schema_dir: Path = SCHEMA_DIR) -> dict:
    schema_dir = Path(schema_dir)
    top = yaml.safe_load((schema_dir / "config.schema.yaml").read_text())
    props = top.setdefault("properties", {})
    for f in sorted(schema_dir.glob("*.schema.yaml")):
        if f.name == "config.schema.yaml":
            continue
        study = f.name[: -len(".schema.yaml")]
        props[study] = yaml.safe_load(f.read_text())
        top.setdefault("required", []).append(study)
    return top


def validate(config: dict, schema_dir: Path = SCHEMA_DIR) -> dict:
    """Validate ``config``; raise ConfigError with every problem, each naming its key."""
    schema = load_schema(schema_dir)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        lines = []
        for e in errors:
            key = ".".join(str(p) for p in e.absolute_path) or "<top level>"
            lines.append(f"config key '{key}': {e.message}")
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


def load_config(*files) -> dict:
    """Load and merge YAML config files (later ones override), then validate."""
    cfg: dict = {}
    for f in files or (REPO / "config" / "config.yaml",):
        f = Path(f)
        if not f.exists():
            raise ConfigError(f"config file not found: {f}")
        data = yaml.safe_load(f.read_text()) or {}
        if not isinstance(data, dict):
            raise ConfigError(f"{f}: the top level must be a mapping")
        cfg = deep_update(cfg, data)
    return validate(cfg)


def study_params(config: dict, study: str) -> dict:
    """A study's section with the global seed folded in (what the rule passes as params)."""
    if study not in config:
        raise ConfigError(f"config has no section '{study}'")
    params = copy.deepcopy(config[study])
    params.setdefault("seed", config.get("seed", 0))
    return params
