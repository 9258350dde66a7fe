"""DYNAP-SE1 emulator: a board of 4 chips × 4 cores × 256 DPI neurons with 4 DPI synapse types.

Layers (each module documents its equations, units and sources):

- :mod:`~neurobench.dynapse.biases` — the 25 biases of a core, (coarse, fine) → current,
  bias sets, YAML/JSON bias files and the samna-style importer;
- :mod:`~neurobench.dynapse.circuits` — circuit constants (capacitances, U_T = kT/q), currents →
  time constants and gains, closed-form DPI responses;
- :mod:`~neurobench.dynapse.mismatch` — frozen hierarchical lognormal mismatch from a seed;
- :mod:`~neurobench.dynapse.routing` — CAM/SRAM limits and aliasing across chips;
- :mod:`~neurobench.dynapse.board` — the :class:`Board` (connect, inputs, probes, AER output,
  run), whose whole simulation runs in one ``nogil`` Cython call (``_kernel.pyx``);
- :mod:`~neurobench.dynapse.selectivity` — disynaptic delay elements and temporal-feature
  circuits on a board: the analytic delay law, trial layout, response measurement, the
  bias/weight tuning search and the tuning-chip / held-out-chip split (import it as a module);
- :mod:`~neurobench.dynapse.silicon` — published measurements of DYNAP-SE1 silicon (mismatch,
  thermal drift, disynaptic delays) with their sources, and what was not found (``SILICON.md``).

Numpy and Cython only (no torch, no brian2).
"""

from neurobench.dynapse.biases import (BIAS_NAMES, DEFAULT_BIASES, EXAMPLE_CHIP_BIASES, BiasSet,
                                       bias_current, coarse_fine_for, from_samna)
from neurobench.dynapse.board import (DEFAULT_DT_US, AEREvents, AliasingWarning, Board,
                                      InputGroup, Probe)
from neurobench.dynapse.circuits import (DPI_CIRCUITS, SYNAPSE_TYPES, CircuitConstants, dpi_peak,
                                         dpi_psc, membrane_steady_state, thermal_voltage,
                                         time_constant)
from neurobench.dynapse.mismatch import MismatchConfig, mismatch_factors
from neurobench.dynapse.routing import AliasedEntry, CAM_ENTRIES, MAX_TARGET_CHIPS

__all__ = [
    "AEREvents", "AliasedEntry", "AliasingWarning", "BIAS_NAMES", "BiasSet", "Board",
    "CAM_ENTRIES", "CircuitConstants", "DEFAULT_BIASES", "DEFAULT_DT_US", "DPI_CIRCUITS",
    "EXAMPLE_CHIP_BIASES", "InputGroup", "MAX_TARGET_CHIPS", "MismatchConfig", "Probe",
    "SYNAPSE_TYPES", "bias_current", "coarse_fine_for", "dpi_peak", "dpi_psc", "from_samna",
    "membrane_steady_state", "mismatch_factors", "thermal_voltage", "time_constant",
]
