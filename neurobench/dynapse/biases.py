"""The 25 biases of a DYNAP-SE1 core: (coarse, fine) → current, bias sets and bias files.

Every analog parameter of a core is a current from an on-chip bias generator, set by an integer
*coarse* value c ∈ {0 … 7} and an integer *fine* value f ∈ {0 … 255}::

    I_bias = s_name · (f / 255) · I_max(c) + I_0

with I_max(c) = 15 pA, 105 pA, 820 pA, 6.5 nA, 50 nA, 400 nA, 3.2 µA, 24 µA (the coarse table of
rockpool's ``BiasGen``, Cakal & Muir 2021, read for facts), I_0 the transistor dark current that
flows even at f = 0 (default 0.5 pA, rockpool's ``Io``), and s_name a per-bias scale: 1 for every
bias except IF_TAU1_N, a low-current bias, which rockpool scales by 1e-4 (its own words: "neither
experimental nor theoretical"; unverified on silicon). The suffix _N / _P names the transistor type.
libcaer bit-reverses the 3-bit coarse value on the wire (:func:`coarse_wire_code`); bias files here
store the logical coarse value, as samna does.

A :class:`BiasSet` maps each of the 25 names of samna's ``Dynapse1Parameter`` to (coarse, fine).
Bias files are YAML or JSON ``{name: [coarse, fine]}``; :func:`from_samna` imports samna-style
dictionaries whose values are ``(coarse, fine)`` tuples, ``{"coarse_value": c, "fine_value": f}``
mappings or objects with ``coarse_value``/``fine_value`` attributes. Unknown names, missing names
and out-of-range values raise ``ValueError`` naming the bias; a bias file that cannot be used
raises :class:`~neurobench.errors.DatasetError` (a ``ValueError``) naming the file and the bias.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neurobench.errors import DatasetError

#: The 25 bias names of a DYNAP-SE1 core (samna ``Dynapse1Parameter`` names), in a fixed order.
BIAS_NAMES = (
    "IF_AHTAU_N", "IF_AHTHR_N", "IF_AHW_P", "IF_BUF_P", "IF_CASC_N", "IF_DC_P", "IF_NMDA_N",
    "IF_RFR_N", "IF_TAU1_N", "IF_TAU2_N", "IF_THR_N",
    "NPDPIE_TAU_F_P", "NPDPIE_TAU_S_P", "NPDPIE_THR_F_P", "NPDPIE_THR_S_P",
    "NPDPII_TAU_F_P", "NPDPII_TAU_S_P", "NPDPII_THR_F_P", "NPDPII_THR_S_P",
    "PS_WEIGHT_EXC_F_N", "PS_WEIGHT_EXC_S_N", "PS_WEIGHT_INH_F_N", "PS_WEIGHT_INH_S_N",
    "PULSE_PWLK_P", "R2R_P",
)
BIAS_INDEX = {name: i for i, name in enumerate(BIAS_NAMES)}

#: I_max(coarse) in A for coarse 0 … 7 (rockpool ``BiasGen.coarse_base``).
COARSE_MAX_A = np.array([15e-12, 105e-12, 820e-12, 6.5e-9, 50e-9, 400e-9, 3.2e-6, 24e-6])
FINE_MAX = 255
#: Per-bias scale s_name (rockpool ``scaling_factor_se1``: IF_TAU1_N is a low-current bias).
BIAS_SCALE = {name: (1e-4 if name == "IF_TAU1_N" else 1.0) for name in BIAS_NAMES}
#: Dark current I_0 (A) added to every bias current (rockpool ``DynapSE1Layout.Io``).
DARK_CURRENT_A = 0.5e-12

#: What each bias does in the emulator (the circuit it feeds); "none" = no effect on dynamics.
BIAS_ROLE = {
    "IF_AHTAU_N": "adaptation leak I_τ,ahp", "IF_AHTHR_N": "adaptation gain I_g,ahp",
    "IF_AHW_P": "adaptation weight I_w,ahp", "IF_BUF_P": "none (output buffer)",
    "IF_CASC_N": "none (cascode)", "IF_DC_P": "constant input I_dc",
    "IF_NMDA_N": "NMDA gate I_f,nmda", "IF_RFR_N": "refractory period current",
    "IF_TAU1_N": "membrane leak I_τ (leak 1)", "IF_TAU2_N": "membrane leak I_τ (leak 2)",
    "IF_THR_N": "membrane gain I_g", "NPDPIE_TAU_F_P": "AMPA leak I_τ",
    "NPDPIE_TAU_S_P": "NMDA leak I_τ", "NPDPIE_THR_F_P": "AMPA gain I_g",
    "NPDPIE_THR_S_P": "NMDA gain I_g", "NPDPII_TAU_F_P": "GABA_A leak I_τ",
    "NPDPII_TAU_S_P": "GABA_B leak I_τ", "NPDPII_THR_F_P": "GABA_A gain I_g",
    "NPDPII_THR_S_P": "GABA_B gain I_g", "PS_WEIGHT_EXC_F_N": "AMPA base weight I_w",
    "PS_WEIGHT_EXC_S_N": "NMDA base weight I_w", "PS_WEIGHT_INH_F_N": "GABA_A base weight I_w",
    "PS_WEIGHT_INH_S_N": "GABA_B base weight I_w", "PULSE_PWLK_P": "pulse-extender current",
    "R2R_P": "none (R2R ladder)",
}


def _check_name(name) -> str:
    if name not in BIAS_INDEX:
        raise ValueError(f"unknown bias name {name!r}; expected one of the 25 DYNAP-SE1 biases "
                         f"({', '.join(BIAS_NAMES)})")
    return name


def _check_coarse_fine(name, coarse, fine) -> tuple[int, int]:
    if isinstance(coarse, bool) or isinstance(fine, bool):  # YAML's yes/no are not bias values
        raise ValueError(f"bias {name}: coarse and fine must be integers, got ({coarse!r}, {fine!r})")
    try:
        c, f = int(coarse), int(fine)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"bias {name}: coarse and fine must be integers, got "
                         f"({coarse!r}, {fine!r})") from None
    if c != coarse or f != fine:
        raise ValueError(f"bias {name}: coarse and fine must be integers, got ({coarse!r}, {fine!r})")
    if not 0 <= c <= 7:
        raise ValueError(f"bias {name}: coarse value {c} out of range 0–7")
    if not 0 <= f <= FINE_MAX:
        raise ValueError(f"bias {name}: fine value {f} out of range 0–{FINE_MAX}")
    return c, f


def bias_current(name: str, coarse: int, fine: int, dark_current_A: float = DARK_CURRENT_A) -> float:
    """Current (A) of bias ``name`` at (coarse, fine): s·f/255·I_max(c) + I_0."""
    _check_name(name)
    c, f = _check_coarse_fine(name, coarse, fine)
    return BIAS_SCALE[name] * f / FINE_MAX * COARSE_MAX_A[c] + dark_current_A


def coarse_fine_for(name: str, current_A: float, dark_current_A: float = DARK_CURRENT_A) -> tuple[int, int]:
    """The (coarse, fine) whose current is closest to ``current_A`` (smallest coarse on ties,
    i.e. the finest resolution). Raises ValueError when the current is out of the bias range."""
    _check_name(name)
    target = (float(current_A) - dark_current_A) / BIAS_SCALE[name]
    top = COARSE_MAX_A[-1]
    if not np.isfinite(target) or target < 0 or target > top * (1 + 1e-12):
        lo = dark_current_A
        hi = BIAS_SCALE[name] * top + dark_current_A
        raise ValueError(f"bias {name}: current {current_A:.4g} A outside the generator range "
                         f"[{lo:.3g}, {hi:.3g}] A")
    best = None
    for c, imax in enumerate(COARSE_MAX_A):
        if target > imax * (1 + 1e-12):
            continue
        f = int(np.clip(np.rint(target / imax * FINE_MAX), 0, FINE_MAX))
        err = abs(f / FINE_MAX * imax - target)
        if best is None or err < best[0] * (1 - 1e-9):
            best = (err, c, f)
    return best[1], best[2]


def coarse_wire_code(coarse: int) -> int:
    """The 3-bit coarse value as libcaer sends it to the chip (bits reversed)."""
    c = int(coarse)
    if not 0 <= c <= 7:
        raise ValueError(f"coarse value {c} out of range 0–7")
    return ((c & 1) << 2) | (c & 2) | ((c >> 2) & 1)


@dataclass(frozen=True)
class BiasSet(Mapping):
    """The 25 biases of one core: an immutable mapping name → (coarse, fine).

    Build one with :meth:`from_dict` (all 25 names required), :meth:`load` (YAML/JSON file),
    :func:`from_samna` or ``BiasSet.default().replace(IF_DC_P=(1, 40))``.
    """

    values: tuple  # ((coarse, fine), …) in BIAS_NAMES order

    def __post_init__(self):
        if len(self.values) != len(BIAS_NAMES):
            raise ValueError(f"a bias set needs {len(BIAS_NAMES)} values, got {len(self.values)}")
        checked = tuple(_check_coarse_fine(n, *v) for n, v in zip(BIAS_NAMES, self.values))
        object.__setattr__(self, "values", checked)

    # -- Mapping ----------------------------------------------------------------------------
    def __getitem__(self, name):
        return self.values[BIAS_INDEX[_check_name(name)]]

    def __iter__(self):
        return iter(BIAS_NAMES)

    def __len__(self):
        return len(BIAS_NAMES)

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def from_dict(cls, d: Mapping, source: str = "bias set") -> "BiasSet":
        """From ``{name: (coarse, fine)}`` with exactly the 25 names."""
        if not isinstance(d, Mapping):
            raise ValueError(f"{source}: expected a mapping name → (coarse, fine), got {type(d).__name__}")
        unknown = sorted(str(k) for k in set(d) - set(BIAS_NAMES))
        if unknown:
            raise ValueError(f"{source}: unknown bias name(s) {unknown}")
        missing = [n for n in BIAS_NAMES if n not in d]
        if missing:
            raise ValueError(f"{source}: missing bias(es) {missing}")
        vals = []
        for n in BIAS_NAMES:
            v = d[n]
            if isinstance(v, Mapping):
                v = (v.get("coarse"), v.get("fine"))
            if not isinstance(v, (tuple, list)) or len(v) != 2:
                raise ValueError(f"{source}: bias {n} must be (coarse, fine), got {v!r}")
            try:
                vals.append(_check_coarse_fine(n, v[0], v[1]))
            except ValueError as exc:
                raise ValueError(f"{source}: {exc}") from None
        return cls(tuple(vals))

    @classmethod
    def default(cls) -> "BiasSet":
        """The emulator's reference bias set (:data:`DEFAULT_BIASES`)."""
        return cls.from_dict(DEFAULT_BIASES, "DEFAULT_BIASES")

    def replace(self, **changes) -> "BiasSet":
        """A copy with some biases changed: ``bs.replace(IF_DC_P=(1, 40))``."""
        d = dict(self.items())
        for n, v in changes.items():
            _check_name(n)
            d[n] = v
        return BiasSet.from_dict(d)

    def currents(self, dark_current_A: float = DARK_CURRENT_A) -> np.ndarray:
        """The 25 currents (A) in :data:`BIAS_NAMES` order."""
        return np.array([bias_current(n, c, f, dark_current_A) for n, (c, f) in zip(BIAS_NAMES, self.values)])

    def current(self, name: str, dark_current_A: float = DARK_CURRENT_A) -> float:
        """The current (A) of one bias."""
        return bias_current(name, *self[name], dark_current_A)

    def to_dict(self) -> dict:
        return {n: [c, f] for n, (c, f) in zip(BIAS_NAMES, self.values)}

    # -- files ------------------------------------------------------------------------------
    def save(self, path) -> Path:
        """Write a YAML (.yaml/.yml) or JSON (.json) bias file ``{name: [coarse, fine]}``."""
        path = Path(path)
        kind = _file_kind(path)
        if kind == "json":
            path.write_text(json.dumps(self.to_dict(), indent=1) + "\n")
        else:
            import yaml
            lines = ["# DYNAP-SE1 core biases: name: [coarse 0-7, fine 0-255]"]
            lines += [f"{n}: [{c}, {f}]" for n, (c, f) in zip(BIAS_NAMES, self.values)]
            path.write_text("\n".join(lines) + "\n")
            yaml.safe_load(path.read_text())  # round-trip check
        return path

    @classmethod
    def load(cls, path) -> "BiasSet":
        """Read a YAML or JSON bias file written by :meth:`save` (or by hand). Any problem —
        missing, unreadable, malformed, a name or value out of range — is a
        :class:`~neurobench.errors.DatasetError` naming the file and the bias."""
        path = Path(path)
        data = read_bias_file(path)
        try:
            return cls.from_dict(data, f"bias file {path}")
        except ValueError as exc:
            raise DatasetError(str(exc)) from None


def read_bias_file(path) -> object:
    """The parsed content of a YAML or JSON bias file; a missing, unreadable or malformed file is
    a :class:`~neurobench.errors.DatasetError` naming it (and the line, for syntax errors)."""
    path = Path(path)
    try:
        kind = _file_kind(path)
    except ValueError as exc:
        raise DatasetError(str(exc)) from None
    if not path.is_file():
        raise DatasetError(path, None, "bias file not found" if not path.exists() else "not a file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DatasetError(path, None, f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise DatasetError(path, None, f"cannot read ({exc.strerror})") from None
    import yaml

    try:
        data = json.loads(text) if kind == "json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise DatasetError(path, None, f"not valid JSON at line {exc.lineno}, column "
                           f"{exc.colno}: {exc.msg}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise DatasetError(path, None, f"not valid YAML{at}: "
                           f"{getattr(exc, 'problem', None) or exc}") from None
    return data


def _file_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    raise ValueError(f"bias file {path}: unknown extension {suffix!r} (use .yaml, .yml or .json)")


def from_samna(params: Mapping, source: str = "samna parameters") -> BiasSet:
    """Import a samna-style ``{name: (coarse, fine)}`` dictionary of one core.

    Values may be ``(coarse, fine)``, ``{"coarse_value": c, "fine_value": f}`` (samna's JSON
    export) or objects with ``coarse_value`` and ``fine_value`` attributes
    (``samna.dynapse1.Dynapse1Parameter``). Names may carry samna's core prefix ``C0_``–``C3_``.
    """
    if not isinstance(params, Mapping):
        raise ValueError(f"{source}: expected a mapping name → (coarse, fine)")
    out = {}
    for key, v in params.items():
        name = str(key)
        if len(name) > 3 and name[0] == "C" and name[1].isdigit() and name[2] == "_":
            name = name[3:]
        if hasattr(v, "coarse_value") and hasattr(v, "fine_value"):
            v = (v.coarse_value, v.fine_value)
        elif isinstance(v, Mapping):
            if "coarse_value" not in v or "fine_value" not in v:
                raise ValueError(f"{source}: bias {name} needs coarse_value and fine_value, got {dict(v)}")
            v = (v["coarse_value"], v["fine_value"])
        if name in out:
            raise ValueError(f"{source}: bias {name} given twice")
        out[name] = v
    return BiasSet.from_dict(out, source)


#: The emulator's reference bias set (model choice, not a chip's), at 300 K with the default
#: :class:`~neurobench.dynapse.circuits.CircuitConstants`: τ_mem ≈ 20 ms (leak 1) or 5 ms
#: (leak 2), membrane gain α ≈ 4; τ_AMPA ≈ τ_GABA_A ≈ 10 ms, τ_NMDA ≈ τ_GABA_B ≈ 100 ms, every
#: synaptic gain ≈ 4 I_τ, one-event PSC peak ≈ 20 pA (fast) and 5 pA (slow); adaptation
#: τ ≈ 200 ms with weight off; no DC input; pulse ≈ 10 µs; refractory ≈ 2 ms. Each value is
#: the nearest (coarse, fine) to its target current (:func:`coarse_fine_for`).
DEFAULT_BIASES = {
    "IF_AHTAU_N": (0, 23), "IF_AHTHR_N": (0, 118), "IF_AHW_P": (0, 0), "IF_BUF_P": (4, 80),
    "IF_CASC_N": (0, 0), "IF_DC_P": (0, 0), "IF_NMDA_N": (0, 0), "IF_RFR_N": (2, 50),
    "IF_TAU1_N": (5, 34), "IF_TAU2_N": (1, 56), "IF_THR_N": (1, 55),
    "NPDPIE_TAU_F_P": (0, 116), "NPDPIE_TAU_S_P": (0, 116), "NPDPIE_THR_F_P": (1, 70),
    "NPDPIE_THR_S_P": (1, 70), "NPDPII_TAU_F_P": (0, 116), "NPDPII_TAU_S_P": (0, 116),
    "NPDPII_THR_F_P": (1, 70), "NPDPII_THR_S_P": (1, 70),
    "PS_WEIGHT_EXC_F_N": (3, 196), "PS_WEIGHT_EXC_S_N": (4, 64),
    "PS_WEIGHT_INH_F_N": (3, 196), "PS_WEIGHT_INH_S_N": (4, 64),
    "PULSE_PWLK_P": (3, 123), "R2R_P": (3, 85),
}

#: Biases of core 0 of a real DYNAP-SE1 (from the project's reference notes on existing bias
#: files); used as an import example. Its currents are what the chip was set to; how the emulator's
#: capacitances turn them into time constants is the emulator's model (unverified on silicon).
EXAMPLE_CHIP_BIASES = {
    "IF_AHTAU_N": (7, 253), "IF_AHTHR_N": (4, 80), "IF_AHW_P": (0, 0), "IF_DC_P": (0, 0),
    "IF_NMDA_N": (0, 0), "IF_RFR_N": (3, 50), "IF_TAU1_N": (1, 121), "IF_TAU2_N": (5, 125),
    "IF_THR_N": (1, 145), "NPDPIE_TAU_F_P": (2, 96), "NPDPIE_TAU_S_P": (1, 148),
    "NPDPIE_THR_F_P": (2, 176), "NPDPIE_THR_S_P": (1, 211), "NPDPII_TAU_F_P": (2, 104),
    "NPDPII_TAU_S_P": (2, 24), "NPDPII_THR_F_P": (2, 212), "NPDPII_THR_S_P": (2, 42),
    "PS_WEIGHT_EXC_F_N": (7, 138), "PS_WEIGHT_EXC_S_N": (7, 195), "PS_WEIGHT_INH_F_N": (7, 187),
    "PS_WEIGHT_INH_S_N": (7, 124), "PULSE_PWLK_P": (3, 123), "IF_BUF_P": (4, 80),
    "IF_CASC_N": (0, 0), "R2R_P": (3, 85),
}
