"""One module per study of the talk; each exposes ``run(params: dict, outdir: Path) -> None``.

Studies compose the lower layers (report → metrics → data → nn → dynapse → core) and never
import one another.
"""

import importlib
import pkgutil


def available() -> list[str]:
    """Names of every study module in this package."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def get(name: str):
    """The module of study ``name`` (raises ValueError for an unknown study)."""
    try:
        return importlib.import_module(f"neurobench.studies.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"neurobench.studies.{name}":
            raise ValueError(f"unknown study {name!r}") from exc
        raise
