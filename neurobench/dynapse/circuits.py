"""Circuit equations of the DYNAP-SE1 neuron and its DPI synapses, and bias currents → parameters.

Sources: Moradi, Qiao, Stefanini & Indiveri, IEEE TBCAS 12(1):106, 2018 (the chip);
Chicca, Stefanini, Bartolozzi & Indiveri, Proc. IEEE 102(9):1367, 2014 (DPI synapse and neuron);
the structure of the membrane equation as in the Brian2 DYNAP-SE simulator of Demirag et al.
(``YigitDemirag/dynapse-simulator``) and rockpool's SE1 model (read for facts). Constants marked
"rockpool" are the defaults of rockpool's ``dynapse1_simconfig`` (2021), which are layout guesses
there, not measurements; "model choice" marks our own calibration. None is verified on silicon.

DPI synapse x ∈ {AMPA, NMDA, GABA_A, GABA_B} and the adaptation (AHP) DPI — linear in the
large-signal regime, so it is integrated exactly::

    τ_x dI_x/dt = −I_x + (I_g,x I_w,x / I_τ,x) · p_x(t),     τ_x = C_x U_T / (κ I_τ,x)

where p_x(t) = 1 while the pulse extender is on. Each input event adds m · t_pulse of pulse (m the
CAM multiplicity of the connection, t_pulse = Q_pulse / I_PULSE_PWLK_P); several events extend
the pulse. The response to one event from rest, with I_∞ = I_g I_w / I_τ, is (:func:`dpi_psc`)::

    I(t) = I_∞ (1 − e^{−t/τ})                          0 ≤ t ≤ t_pulse
    I(t) = I_∞ (1 − e^{−t_pulse/τ}) e^{−(t − t_pulse)/τ}  t > t_pulse

Its peak, I_∞ (1 − e^{−t_pulse/τ}) ≈ I_g I_w t_pulse κ / (C U_T) for t_pulse ≪ τ, does not depend
on I_τ. The AHP DPI is driven by the neuron's own spikes with a pulse fpulse_ahp · t_pulse.

Membrane (current mode, I_mem ≥ I_0)::

    I_in  = I_dc + I_AMPA + I_NMDA / (1 + I_f,nmda / I_mem) − I_GABA_B        (NMDA gate)
    I_Σ   = I_τ + I_ahp + I_GABA_A − I_pfb                    (GABA_A shunts: adds to the leak)
    I_pfb = I_pfb,gain / (1 + exp(−(I_mem − I_pfb,th) / I_pfb,norm))       (positive feedback)
    τ (1 + I_g / I_mem) dI_mem/dt = α (I_in − I_Σ) − (I_Σ − I_0) I_mem / I_τ,
    τ = C_mem U_T / (κ I_τ),  α = I_g / I_τ

with I_τ the neuron's selected leak (IF_TAU1_N or IF_TAU2_N) and I_g from IF_THR_N. Below the
feedback onset and above I_g the membrane relaxes to I_mem,∞ = α I_τ (I_in − I_Σ) / (I_Σ − I_0)
(:func:`membrane_steady_state`). A spike is emitted when I_mem reaches I_spk (a circuit constant
on SE1, not a bias); I_mem is reset to I_reset and held there for t_ref = Q_ref / I_RFR.

Temperature enters through the thermal voltage U_T = k T / q (every τ ∝ U_T, every PSC peak
∝ 1/U_T); bias currents are taken as temperature independent. Units: SI (A, s, F, V, K).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from neurobench.dynapse.biases import BIAS_INDEX, DARK_CURRENT_A

BOLTZMANN = 1.380649e-23      # J/K (SI, exact)
ELEMENTARY_CHARGE = 1.602176634e-19  # C (SI, exact)

#: The synapse types in the emulator's order (also the CAM ``synapse`` codes 0–3).
SYNAPSE_TYPES = ("AMPA", "NMDA", "GABA_A", "GABA_B")
SYNAPSE_INDEX = {s: i for i, s in enumerate(SYNAPSE_TYPES)}
#: The five DPI circuits of a neuron: the four synapses and the adaptation (AHP) circuit.
DPI_CIRCUITS = SYNAPSE_TYPES + ("AHP",)
#: Biases of each DPI circuit: (leak I_τ, gain I_g, weight I_w).
DPI_BIASES = {
    "AMPA": ("NPDPIE_TAU_F_P", "NPDPIE_THR_F_P", "PS_WEIGHT_EXC_F_N"),
    "NMDA": ("NPDPIE_TAU_S_P", "NPDPIE_THR_S_P", "PS_WEIGHT_EXC_S_N"),
    "GABA_A": ("NPDPII_TAU_F_P", "NPDPII_THR_F_P", "PS_WEIGHT_INH_F_N"),
    "GABA_B": ("NPDPII_TAU_S_P", "NPDPII_THR_S_P", "PS_WEIGHT_INH_S_N"),
    "AHP": ("IF_AHTAU_N", "IF_AHTHR_N", "IF_AHW_P"),
}


def thermal_voltage(temperature_K: float) -> float:
    """U_T = k T / q in V (25.85 mV at 300 K)."""
    t = float(temperature_K)
    if not math.isfinite(t) or t <= 0:
        raise ValueError(f"temperature_K must be > 0, got {temperature_K}")
    return BOLTZMANN * t / ELEMENTARY_CHARGE


@dataclass(frozen=True)
class CircuitConstants:
    """Layout and device constants of the SE1 neuron core (SI units).

    Attributes
    ----------
    temperature_K : chip temperature T (K); U_T = kT/q. Default 300 K.
    kappa_n, kappa_p : subthreshold slope factors (rockpool 0.75, 0.66); time constants use
        their mean κ (as rockpool does).
    dark_current_A : I_0, the leakage floor of every current (rockpool 0.5 pA).
    c_mem_F : membrane capacitance C_mem (rockpool 3.2 pF).
    c_ampa_F, c_nmda_F, c_gaba_a_F, c_gaba_b_F : synaptic capacitances (rockpool SE1 simconfig:
        2, 20, 2, 20 pF: fast and slow DPIs).
    c_ahp_F : adaptation capacitance (rockpool 10 pF).
    spike_threshold_A : I_spk, the I_mem at which a spike is emitted (rockpool 1 nA).
    reset_A : I_reset after a spike (rockpool: I_0).
    pfb_gain_A, pfb_threshold_A, pfb_norm_A : positive-feedback sigmoid (rockpool 50 pA,
        500 pA, 10 pA; heuristic there).
    pulse_charge_C : Q_pulse, t_pulse = Q_pulse / I_PULSE_PWLK_P (model choice: 31.4 fC, so that
        the real chip's PULSE_PWLK_P (3, 123) gives rockpool's default t_pulse = 10 µs).
    refractory_charge_C : Q_ref, t_ref = Q_ref / I_IF_RFR_N (model choice: 0.32 pC =
        0.1·C_mem (rockpool's C_ref) × 1 V swing).
    fpulse_ahp : AHP pulse width as a fraction of t_pulse (rockpool 0.1).
    """

    temperature_K: float = 300.0
    kappa_n: float = 0.75
    kappa_p: float = 0.66
    dark_current_A: float = DARK_CURRENT_A
    c_mem_F: float = 3.2e-12
    c_ampa_F: float = 2e-12
    c_nmda_F: float = 20e-12
    c_gaba_a_F: float = 2e-12
    c_gaba_b_F: float = 20e-12
    c_ahp_F: float = 10e-12
    spike_threshold_A: float = 1e-9
    reset_A: float = DARK_CURRENT_A
    pfb_gain_A: float = 50e-12
    pfb_threshold_A: float = 500e-12
    pfb_norm_A: float = 10e-12
    pulse_charge_C: float = 3.1358e-14
    refractory_charge_C: float = 0.32e-12
    fpulse_ahp: float = 0.1

    def __post_init__(self):
        for k, v in self.__dict__.items():
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ValueError(f"CircuitConstants.{k} must be a positive finite number, got {v!r}")
        if self.reset_A >= self.spike_threshold_A:
            raise ValueError("CircuitConstants.reset_A must be below spike_threshold_A")

    @property
    def u_t(self) -> float:
        """Thermal voltage U_T (V)."""
        return thermal_voltage(self.temperature_K)

    @property
    def kappa(self) -> float:
        return 0.5 * (self.kappa_n + self.kappa_p)

    def capacitance(self, circuit: str) -> float:
        """Capacitance (F) of a DPI circuit ('AMPA', …, 'AHP') or 'MEM'."""
        key = {"MEM": "c_mem_F", "AMPA": "c_ampa_F", "NMDA": "c_nmda_F", "GABA_A": "c_gaba_a_F",
               "GABA_B": "c_gaba_b_F", "AHP": "c_ahp_F"}.get(circuit)
        if key is None:
            raise ValueError(f"unknown circuit {circuit!r}; expected MEM or one of {DPI_CIRCUITS}")
        return getattr(self, key)

    def with_temperature(self, temperature_K: float) -> "CircuitConstants":
        return replace(self, temperature_K=float(temperature_K))


def time_constant(i_tau_A, c_F, constants: CircuitConstants):
    """τ = C U_T / (κ I_τ) in s (array-friendly)."""
    return c_F * constants.u_t / (constants.kappa * np.asarray(i_tau_A, dtype=float))


def leak_for_time_constant(tau_s, c_F, constants: CircuitConstants):
    """The leak current I_τ (A) that gives time constant ``tau_s``: I_τ = C U_T / (κ τ)."""
    return c_F * constants.u_t / (constants.kappa * np.asarray(tau_s, dtype=float))


def pulse_width(i_pulse_A, constants: CircuitConstants):
    """Pulse-extender width t_pulse = Q_pulse / I_PULSE_PWLK_P (s)."""
    return constants.pulse_charge_C / np.asarray(i_pulse_A, dtype=float)


def refractory_period(i_rfr_A, constants: CircuitConstants):
    """Refractory period t_ref = Q_ref / I_IF_RFR_N (s)."""
    return constants.refractory_charge_C / np.asarray(i_rfr_A, dtype=float)


def dpi_psc(t_s, i_tau_A, i_g_A, i_w_A, t_pulse_s, c_F, constants: CircuitConstants, count=1):
    """Closed-form DPI response (A) to ``count`` events at t = 0 from rest (pulse count·t_pulse)."""
    t = np.asarray(t_s, dtype=float)
    tau = time_constant(i_tau_A, c_F, constants)
    i_inf = i_g_A * i_w_A / i_tau_A
    tp = count * t_pulse_s
    rise = i_inf * (1.0 - np.exp(-np.clip(t, 0, None) / tau))
    peak = i_inf * (1.0 - math.exp(-tp / tau))
    fall = peak * np.exp(-(t - tp) / tau)
    return np.where(t < 0, 0.0, np.where(t <= tp, rise, fall))


def dpi_peak(i_g_A, i_w_A, t_pulse_s, c_F, i_tau_A, constants: CircuitConstants, count=1):
    """Peak of the DPI response to ``count`` events: I_∞ (1 − e^{−count·t_pulse/τ}) (A)."""
    tau = time_constant(i_tau_A, c_F, constants)
    return np.asarray(i_g_A) * i_w_A / i_tau_A * (1.0 - np.exp(-count * np.asarray(t_pulse_s) / tau))


def membrane_steady_state(i_in_A, i_tau_A, i_g_A, constants: CircuitConstants, i_shunt_A=0.0):
    """Sub-threshold fixed point I_mem,∞ = α I_τ (I_in − I_Σ)/(I_Σ − I_0), I_Σ = I_τ + I_shunt
    (positive feedback neglected; valid for I_mem ≫ I_g and well below the feedback onset)."""
    i_sigma = np.asarray(i_tau_A) + i_shunt_A
    alpha = np.asarray(i_g_A) / i_tau_A
    val = alpha * i_tau_A * (np.asarray(i_in_A) - i_sigma) / (i_sigma - constants.dark_current_A)
    return np.maximum(val, constants.dark_current_A)


def membrane_derivative(i_mem, i_in, i_sigma_passive, i_tau, i_g, constants: CircuitConstants):
    """dI_mem/dt (A/s) of the membrane equation (used by the independent ODE reference).

    ``i_sigma_passive`` is I_τ + I_ahp + I_GABA_A (the feedback is added here)."""
    c = constants
    pfb = c.pfb_gain_A / (1.0 + np.exp(-(i_mem - c.pfb_threshold_A) / c.pfb_norm_A))
    i_sigma = i_sigma_passive - pfb
    tau = time_constant(i_tau, c.c_mem_F, c)
    alpha = i_g / i_tau
    return (alpha * (i_in - i_sigma) - (i_sigma - c.dark_current_A) * i_mem / i_tau) / (
        tau * (1.0 + i_g / i_mem))


def core_parameters(currents: np.ndarray, constants: CircuitConstants) -> dict:
    """Circuit parameters from bias currents.

    ``currents`` has shape (..., 25) in :data:`~neurobench.dynapse.biases.BIAS_NAMES` order
    (one row per neuron once mismatch is applied). Returns a dict of arrays of shape (...)
    (membrane) and (5, ...) (the DPI circuits in :data:`DPI_CIRCUITS` order), SI units.
    """
    cur = np.asarray(currents, dtype=float)
    get = (lambda name: cur[..., BIAS_INDEX[name]])
    c = constants
    i_tau = np.stack([get(DPI_BIASES[x][0]) for x in DPI_CIRCUITS])
    i_g = np.stack([get(DPI_BIASES[x][1]) for x in DPI_CIRCUITS])
    i_w = np.stack([get(DPI_BIASES[x][2]) for x in DPI_CIRCUITS])
    caps = np.array([c.capacitance(x) for x in DPI_CIRCUITS]).reshape((5,) + (1,) * (cur.ndim - 1))
    t_pulse = np.broadcast_to(pulse_width(get("PULSE_PWLK_P"), c), i_tau.shape[1:])
    t_pulse = np.stack([t_pulse] * 4 + [c.fpulse_ahp * t_pulse])
    return dict(
        leak1_A=get("IF_TAU1_N"), leak2_A=get("IF_TAU2_N"), gain_A=get("IF_THR_N"),
        dc_A=get("IF_DC_P"), nmda_gate_A=get("IF_NMDA_N"),
        t_ref_s=refractory_period(get("IF_RFR_N"), c),
        syn_tau_s=time_constant(i_tau, caps, c), syn_itau_A=i_tau, syn_gain_A=i_g,
        syn_weight_A=i_w, syn_iinf_A=i_g * i_w / i_tau, syn_pulse_s=t_pulse,
    )
