"""Device mismatch: frozen, hierarchical, multiplicative, lognormal factors on bias currents.

Every current a bias delivers to a circuit differs from its nominal value because transistors
differ. The emulator multiplies each of the 25 bias currents of each neuron (hence of each of its
DPI circuits) by a factor::

    I[g, b] = I_nominal[core(g), b] · F_chip[chip(g), b] · F_core[core(g), b] · F_neuron[g]
                                    · F_circuit[g, b]

Each F is lognormal with mean 1 and coefficient of variation cv_level:
F = exp(σ Z − σ²/2), σ² = ln(1 + cv²), Z ~ N(0, 1). Lognormal keeps every current positive; the
product of the levels is lognormal with σ² = Σ σ²_level. ``cv_neuron`` is shared by all biases of
a neuron (e.g. its local supply), ``cv_circuit`` independent per neuron and bias.

The factors of the whole board (4 chips × 1024 neurons × 25 biases) are drawn at once from
``numpy.random.default_rng(seed)`` in a fixed order, so a seed is a chip: the same seed gives the
same board whatever part of it a network uses. Defaults: cv_circuit = 0.1 (rockpool's 10 %,
read for facts); VirtualDynapse and teili use 20 %. CVs measured on a DYNAP-SE1 core
(:mod:`neurobench.dynapse.silicon`) differ per circuit (membrane τ 18 %, refractory period 8 %,
synaptic τ 7–10 %, weight 14–30 %); the ``dynapse`` study compares this default with them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from neurobench.dynapse.biases import BIAS_NAMES


@dataclass(frozen=True)
class MismatchConfig:
    """Coefficients of variation per level (dimensionless, ≥ 0) and a switch.

    Attributes
    ----------
    enabled : apply mismatch at all (False → every factor is exactly 1)
    cv_chip : shared by the 1024 neurons of a chip (per bias)
    cv_core : shared by the 256 neurons of a core (per bias)
    cv_neuron : shared by all biases of one neuron
    cv_circuit : independent per neuron and bias (default 0.1)
    seed : seed of the frozen draw (a seed is a chip)
    """

    enabled: bool = True
    cv_chip: float = 0.0
    cv_core: float = 0.0
    cv_neuron: float = 0.0
    cv_circuit: float = 0.1
    seed: int = 0

    def __post_init__(self):
        for k in ("cv_chip", "cv_core", "cv_neuron", "cv_circuit"):
            v = getattr(self, k)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and 0 <= v <= 2):
                raise ValueError(f"MismatchConfig.{k} must lie in [0, 2], got {v!r}")
        if int(self.seed) != self.seed or self.seed < 0:
            raise ValueError(f"MismatchConfig.seed must be a non-negative integer, got {self.seed!r}")

    @classmethod
    def off(cls) -> "MismatchConfig":
        return cls(enabled=False)

    def total_cv(self) -> float:
        """CV of the product of all levels (one current of one circuit)."""
        s2 = sum(math.log1p(cv * cv) for cv in (self.cv_chip, self.cv_core, self.cv_neuron,
                                                 self.cv_circuit))
        return math.sqrt(math.expm1(s2)) if self.enabled else 0.0


def lognormal_sigma(cv: float) -> float:
    """σ of the log of a mean-one lognormal with coefficient of variation ``cv``."""
    return math.sqrt(math.log1p(cv * cv))


def product_cv(cv: float, k: int) -> float:
    """CV of the product of ``k`` independent mean-one lognormals of CV ``cv`` each."""
    return math.sqrt(math.expm1(k * math.log1p(cv * cv)))


def _lognormal(rng, cv, shape):
    z = rng.standard_normal(shape)
    if cv == 0:
        return np.ones(shape)
    s = lognormal_sigma(cv)
    return np.exp(s * z - 0.5 * s * s)


def mismatch_factors(config: MismatchConfig, n_chips: int = 4, n_cores: int = 4,
                     n_neurons: int = 256) -> np.ndarray:
    """Factors of shape (n_chips·n_cores·n_neurons, 25), global neuron id × bias.

    The draws happen for every level whatever its CV (zero CV → factor 1), so changing one CV
    leaves the other levels' factors unchanged.
    """
    nb = len(BIAS_NAMES)
    total = n_chips * n_cores * n_neurons
    if not config.enabled:
        return np.ones((total, nb))
    rng = np.random.default_rng(int(config.seed))
    chip = _lognormal(rng, config.cv_chip, (n_chips, nb))
    core = _lognormal(rng, config.cv_core, (n_chips * n_cores, nb))
    neuron = _lognormal(rng, config.cv_neuron, (total, 1))
    circuit = _lognormal(rng, config.cv_circuit, (total, nb))
    gid = np.arange(total)
    return (chip[gid // (n_cores * n_neurons)] * core[gid // n_neurons] * neuron * circuit)
