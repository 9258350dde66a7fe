"""Published measurements of DYNAP-SE1 silicon, the references of the emulator's literature claims.

Every entry names its paper and the figure, section or page it was read from, and says whether
the number was read in the source (``verified``) in this project. Studies compare the emulator
with these numbers (``dynapse``: mismatch and thermal drift; ``disynaptic`` and the selectivity
studies: delay ranges; keyword spotting on chip: energy per event) and take their tolerances from
the spread each source reports. Numbers that could not be found are listed in
:data:`NOT_FOUND` and in ``neurobench/dynapse/SILICON.md`` — never filled in from memory.

Sources
-------
ZENDRIKOV
    D. Zendrikov, S. Solinas & G. Indiveri, "Brain-inspired methods for achieving robust
    computation in heterogeneous mixed-signal neuromorphic processing systems",
    Neuromorph. Comput. Eng. 3:034002 (2023), doi 10.1088/2634-4386/ace64c, §2.2; read in the
    form its first author adapted into his dissertation (University of Zurich, 2024), chapter 2,
    section "Mismatch and variability in analog neuron circuits" (LaTeX source public in the
    GitHub repository dzenn/phd-thesis-zendrikov, ``chapters/2_intro_to_neuromorphic.tex``).
    One DYNAP-SE1 core of 256 neurons sharing one bias set, measured with an automated
    oscilloscope.
SANDIN_NILSSON
    F. Sandin & M. Nilsson, "Synaptic Delays for Insect-Inspired Temporal Feature Detection in
    Dynamic Neuromorphic Processors", Front. Neurosci. 14:150 (2020), doi 10.3389/fnins.2020.00150,
    abstract; preprint arXiv 1906.12282, abstract.
NILSSON_IJCNN
    M. Nilsson, M. Liwicki & F. Sandin, "Synaptic Integration of Spatiotemporal Features with a
    Dynamic Neuromorphic Processor", IJCNN 2020, arXiv 2002.04924, abstract.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ZENDRIKOV = ("Zendrikov, Solinas & Indiveri, Neuromorph. Comput. Eng. 3:034002 (2023) §2.2, "
             "as adapted in Zendrikov's dissertation (UZH 2024) ch. 2, 'Waveform capture and "
             "analysis'")
SANDIN_NILSSON = ("Sandin & Nilsson, Front. Neurosci. 14:150 (2020), abstract; arXiv 1906.12282 "
                  "(abstract)")
NILSSON_IJCNN = "Nilsson, Liwicki & Sandin, IJCNN 2020 (arXiv 2002.04924), abstract"


@dataclass(frozen=True)
class SiliconMeasurement:
    """One published measurement of DYNAP-SE1 silicon.

    Attributes
    ----------
    quantity : what was measured, in the paper's words
    low, high : the published value, or the published range (low == high for a single value),
        in ``unit``
    unit : unit of ``low``/``high`` ("" for a coefficient of variation)
    n_circuits : how many circuits the number was measured over (None when not stated); sets
        the sampling error of a published CV
    method : how the paper measured it (so that the emulator can be measured the same way)
    source : citation with figure / section / page
    verified : True when the number was read in the source in this project
    """

    quantity: str
    low: float
    high: float
    unit: str
    n_circuits: int | None
    method: str
    source: str
    verified: bool

    def __post_init__(self):
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low <= self.high):
            raise ValueError(f"{self.quantity}: need finite low ≤ high, got {self.low}, {self.high}")

    @property
    def value(self) -> float:
        """The single published value, or the middle of the published range."""
        return 0.5 * (self.low + self.high)

    @property
    def half_range(self) -> float:
        """Half the width of the published range (0 for a single value)."""
        return 0.5 * (self.high - self.low)


#: Mismatch over one DYNAP-SE1 core (coefficients of variation, std/mean, of circuit
#: parameters that share one bias set), and the drift of a time constant with temperature.
MEASURED: dict[str, SiliconMeasurement] = {
    "cv_membrane_tau": SiliconMeasurement(
        "CV of the neuron (membrane) time constant", 0.18, 0.18, "", 256,
        "exponential fit to the decay of the sub-threshold membrane response after a small "
        "DC step input is removed", ZENDRIKOV, True),
    "cv_refractory": SiliconMeasurement(
        "CV of the refractory period", 0.08, 0.08, "", 256,
        "regular firing under constant DC input; time from the reset until the membrane "
        "voltage rises above 20 % of its resting value", ZENDRIKOV, True),
    "cv_synaptic_tau": SiliconMeasurement(
        "CV of the synaptic time constant (7 % to 10 % depending on the type, NMDA or AMPA)",
        0.07, 0.10, "", 256,
        "exponential fit to the PSP decay between the spikes of a 20 Hz input train, with a "
        "very short neuron time constant so that the membrane follows the synaptic current",
        ZENDRIKOV, True),
    "cv_synaptic_weight": SiliconMeasurement(
        "CV of the synaptic weight (14 % to 30 %)", 0.14, 0.30, "", 256,
        "PSP amplitude at the onset of an input spike (the neuron circuit's own variability "
        "overlays the synapse's)", ZENDRIKOV, True),
    "cv_time_to_first_spike": SiliconMeasurement(
        "CV of the time to first spike of 256 neurons of a core after a common DC step", 0.09,
        0.09, "", 256, "aligned membrane recordings after one DC step input (the drive is not "
        "stated)", ZENDRIKOV + ", figure 'Neuron and synapse variability' (c)", True),
    "cv_response_typical": SiliconMeasurement(
        "typical CVs of response properties of circuits of one chip", 0.10, 0.20, "", None,
        "distributions of response properties across circuits sharing parameters",
        ZENDRIKOV + ", end of the section", True),
    "thermal_tau_shift": SiliconMeasurement(
        "relative shift of a core's neuron time constants between day and night: a requested "
        "30 ms became 25 ms (almost one σ) for a temperature change not recorded but "
        "not above 10–15 °C", 5.0 / 30.0, 5.0 / 30.0, "", 256,
        "the same time-constant measurement repeated by day and by night",
        "Zendrikov's dissertation (UZH 2024) ch. 2, 'Discussion: temperature-induced "
        "variability' and its figure of time-constant distributions vs temperature", True),
}

#: Largest temperature change (K) the thermal shift above can have come from (the source:
#: "not more than 10–15 °C").
THERMAL_SHIFT_MAX_DELTA_K = 15.0

#: Disynaptic delays measured on chip (for the disynaptic and selectivity studies).
DELAYS: dict[str, SiliconMeasurement] = {
    "disynaptic_delay_range": SiliconMeasurement(
        "configurable delay of the delayed excitation of a disynaptic (inhibitory–excitatory) "
        "delay element: of order 10–100 ms (preprint), up to 100 ms (journal)", 10.0, 100.0,
        "ms", None, "DYNAP-SE, subtractive inhibitory synapse + slow excitatory synapse driven "
        "by the same presynaptic spike", SANDIN_NILSSON, True),
    "epsp_delay_variability": SiliconMeasurement(
        "variability of EPSP delays obtained by choosing synapse combinations (mismatch): of "
        "order 10 ms per neuron", 10.0, 10.0, "ms", None,
        "several E–I pairs per neuron, one inhibitory synapse shared by several excitatory ones",
        NILSSON_IJCNN, True),
}

#: Quantities looked for and not found in a reachable primary source (see SILICON.md).
NOT_FOUND: dict[str, str] = {
    "energy_per_event": (
        "Moradi et al., IEEE TBioCAS 12(1):106 (2018), arXiv 1708.04198: the energy per spike and "
        "per synaptic event of DYNAP-SE were not read in the paper here. The values commonly "
        "quoted (883 pJ per spike generated, 324 pJ per synaptic pulse extension) are kept in "
        "neurobench/data/energy/published.yaml with verified: false; a study that uses them "
        "must say so."),
    "latency": "Moradi et al. 2018: routing latencies, not read in the paper here.",
    "time_constant_range": (
        "the achievable range of DPI synaptic and membrane time constants on DYNAP-SE1 silicon: no "
        "primary source read here gives it (Chicca et al., Proc. IEEE 102:1367, 2014 describes the "
        "circuits; the chip's range is not stated in the parts read)."),
    "buechel_mismatch": (
        "Büchel, Zendrikov, Solinas, Indiveri & Muir, Sci. Rep. (2021), doi "
        "10.1038/s41598-021-02779-x: the abstract and introduction read here describe "
        "mismatch as frozen parameter noise; no measured CV of DYNAP-SE parameters was found in "
        "the parts read."),
    "disynaptic_delay_spread": (
        "Sandin & Nilsson 2020: the distribution of delays over mismatched synapses is shown in "
        "the paper's figures, but its mean and spread were not read here."),
}


def cv_sampling_error(cv: float, n: int) -> float:
    """Standard error of a sample coefficient of variation of ``n`` normal samples,
    cv·sqrt((1 + 2 cv²)/(2n)) (McKay's normal approximation)."""
    if n < 2:
        raise ValueError(f"a CV needs at least 2 samples, got {n}")
    return cv * math.sqrt((1.0 + 2.0 * cv * cv) / (2.0 * n))


def cv_tolerance(published: SiliconMeasurement, n_reproduced: int, n_se: float) -> float:
    """Acceptance half-width around a published CV (or CV range): half the published range plus
    ``n_se`` combined sampling standard errors of a CV equal to the published one, measured over
    the paper's ``n_circuits`` and over the emulator's ``n_reproduced`` circuits. It depends on
    the sample sizes only, so it is fixed before the emulator is measured."""
    cv = published.high
    se2 = cv_sampling_error(cv, n_reproduced) ** 2
    if published.n_circuits:
        se2 += cv_sampling_error(cv, published.n_circuits) ** 2
    return published.half_range + n_se * math.sqrt(se2)
