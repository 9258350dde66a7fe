"""Energy model of spiking systems: measured power → per-neuron, per-spike, per-event costs.

Definitions (Ostrau, Klarhorst, Thies & Rückert, "Benchmarking Neuromorphic Hardware and Its
Energy Expenditure", Front. Neurosci. 16:873935, 2022; the model of SNABSuite's
``energy_utils.cpp``, re-derived here from its equations, not its code).

A benchmark ``b`` runs ``N_b`` neurons for a hardware wall time ``T_b`` (ms) that simulates a
biological time ``B_b`` (ms) and is measured at mean power ``P_b`` (W); ``P_idle`` is the power
of the powered, idle system. Energies above idle, ``E_b = (P_b − P_idle)·T_b``, are split into

* housekeeping power per neuron (W, biological time) — the idle power shared by the neurons of
  the largest silent benchmark and rescaled from hardware to biological time:
  ``p_hk = P_idle · (T/B)_silent / N_silent``
* resting power per neuron (W, biological time), from the silent recorded benchmark:
  ``p_rest = (P_silent − P_idle) · (T/B)_silent / N_silent``
* energy per action potential (J), from the benchmark where every neuron fires:
  ``E_AP = (E_spiking − p_rest · N · B) / n_spikes``
* energy per synaptic event (J), from random connections carrying ``n_src`` source spikes to
  ``c`` synapses each, with ``n_tar`` target spikes:
  ``E_tx = (E_random − p_rest · N · B − E_AP · (n_src + n_tar)) / (n_src · c)``

``T/B`` is the hardware-to-biological time ratio (10⁻⁴ for the accelerated Spikey, ≈ 1 for
real-time SpiNNaker, measured per run for GPU/CPU simulators). Energies per event do not depend
on the time base; powers are quoted in biological time so that a neuron of any system is
compared with a neuron of the brain.

Single neuron and full brain::

    P_neuron = p_hk + p_rest + r · (E_AP + S · E_tx)        [W]
    P_brain  = N_brain · P_neuron                            [W]

with mean rate ``r`` (Hz) and ``S`` synaptic events per spike.

Brain column from an ATP budget (Attwell & Laughlin, J. Cereb. Blood Flow Metab. 21:1133, 2001):
a neuron at rate ``r₀`` uses ``A`` ATP/s for signalling, split into shares for action
potentials, postsynaptic currents, presynaptic release, transmitter recycling and the resting
potential; housekeeping is a share ``h`` of the *total* use. With ``ε`` J per ATP::

    E_AP = share_AP · A / r₀ · ε            E_tx = share_syn · A / (r₀ S) · ε
    p_rest = share_rest · A · ε             p_hk = h / (1 − h) · A · ε

Worked example (tests/test_energy.py): a system with P_idle = 1 W, a silent benchmark of 10
neurons at 1.1 W for 1 ms of hardware time simulating 10 ms, gives p_hk = 1·0.1/10 = 0.01 W and
p_rest = 0.1·0.1/10 = 0.001 W per neuron in biological time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "energy"
ROWS = ("housekeeping", "resting_potential", "action_potential", "spike_transmission",
        "single_neuron", "full_brain")
ROW_UNITS = {"housekeeping": "W/neuron", "resting_potential": "W/neuron",
             "action_potential": "J/spike", "spike_transmission": "J/event",
             "single_neuron": "W", "full_brain": "W"}
_BENCHMARKS = ("non_spiking_rec", "full_spiking_rec", "inter_random")


# -- records ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Benchmark:
    """One measured benchmark run (means over repetitions).

    Attributes
    ----------
    power_w : mean wall power during the run (W)
    n_neurons : neurons simulated
    runtime_ms : hardware wall time (ms)
    bioruntime_ms : simulated biological time (ms)
    n_spikes : spikes of the (source) neurons, 0 if not counted
    n_spikes_target : spikes of target neurons (connection benchmarks), 0 otherwise
    connections : synapses per source spike (connection benchmarks), 0 otherwise
    """

    power_w: float
    n_neurons: float
    runtime_ms: float
    bioruntime_ms: float
    n_spikes: float = 0.0
    n_spikes_target: float = 0.0
    connections: float = 0.0

    @property
    def time_ratio(self) -> float:
        """Hardware time per biological time, T/B (dimensionless)."""
        return self.runtime_ms / self.bioruntime_ms


@dataclass(frozen=True)
class SystemMeasurement:
    """Measured benchmarks of one system (a row source of the table)."""

    key: str
    name: str
    idle_power_w: float
    silent: Benchmark
    spiking: Benchmark
    random: Benchmark
    source: str
    snabsuite_coefficients: dict


@dataclass(frozen=True)
class Coefficients:
    """The four per-neuron / per-event costs of the energy model.

    Attributes
    ----------
    housekeeping_w : idle power per neuron, biological time (W)
    resting_w : power of a silent simulated neuron above idle, biological time (W)
    action_potential_j : energy per spike (J)
    spike_transmission_j : energy per synaptic event (J)
    """

    housekeeping_w: float
    resting_w: float
    action_potential_j: float
    spike_transmission_j: float

    def single_neuron_w(self, rate_hz: float, events_per_spike: float) -> float:
        return single_neuron_power(self.housekeeping_w, self.resting_w, self.action_potential_j,
                                   self.spike_transmission_j, rate_hz, events_per_spike)


# -- the model --------------------------------------------------------------------------------
def _positive(name, value):
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return value


def coefficients(m: SystemMeasurement) -> Coefficients:
    """Housekeeping, resting, per-spike and per-event costs of a measured system (see module)."""
    idle = _positive(f"{m.key}.idle_power_w", m.idle_power_w)
    s, f, r = m.silent, m.spiking, m.random
    housekeeping = idle * s.time_ratio / s.n_neurons
    resting = (s.power_w - idle) * s.time_ratio / s.n_neurons
    # Energies above idle in J: W × ms × 1e-3.
    e_spiking = (f.power_w - idle) * f.runtime_ms * 1e-3
    e_ap = (e_spiking - resting * f.n_neurons * f.bioruntime_ms * 1e-3) / _positive(
        f"{m.key}.full_spiking_rec.n_spikes", f.n_spikes)
    e_random = (r.power_w - idle) * r.runtime_ms * 1e-3
    e_random -= resting * r.n_neurons * r.bioruntime_ms * 1e-3
    e_random -= e_ap * (r.n_spikes + r.n_spikes_target)
    events = _positive(f"{m.key}.inter_random.n_spikes", r.n_spikes) * _positive(
        f"{m.key}.inter_random.connections", r.connections)
    return Coefficients(housekeeping, resting, e_ap, e_random / events)


def single_neuron_power(housekeeping_w, resting_w, action_potential_j, spike_transmission_j,
                        rate_hz, events_per_spike):
    """P = housekeeping + resting + r·(E_AP + S·E_tx) in W (numpy-broadcastable in r and S)."""
    return housekeeping_w + resting_w + rate_hz * (action_potential_j
                                                   + events_per_spike * spike_transmission_j)


def full_brain_power(single_neuron_w, n_neurons):
    """Full brain = neuron count × single neuron (W)."""
    return n_neurons * single_neuron_w


def atp_energy_j(kj_per_mol: float, avogadro: float) -> float:
    """Free energy of one ATP hydrolysis (J) from a molar value (kJ/mol)."""
    return _positive("atp_free_energy_kj_per_mol", kj_per_mol) * 1e3 / _positive("avogadro", avogadro)


def brain_from_atp_budget(total_atp_per_s, rate_hz, share_ap, share_synaptic, share_rest,
                          events_per_spike, housekeeping_share, atp_j) -> Coefficients:
    """The brain's four costs from a signalling ATP budget (Attwell & Laughlin 2001; module doc).

    ``share_synaptic`` is everything spent per released vesicle (postsynaptic currents,
    presynaptic Ca²⁺ extrusion and transmitter recycling); ``housekeeping_share`` is the share of
    the total (signalling + housekeeping) energy not used for signalling.
    """
    total = _positive("total_atp_per_s", total_atp_per_s)
    rate = _positive("rate_hz", rate_hz)
    s = _positive("events_per_spike", events_per_spike)
    h = float(housekeeping_share)
    if not 0 <= h < 1:
        raise ValueError(f"housekeeping_share must lie in [0, 1), got {h}")
    shares = share_ap + share_synaptic + share_rest
    if not 0.99 <= shares <= 1.01:
        raise ValueError(f"signalling shares must sum to 1, got {shares:.3f}")
    return Coefficients(
        housekeeping_w=h / (1 - h) * total * atp_j,
        resting_w=share_rest * total * atp_j,
        action_potential_j=share_ap * total / rate * atp_j,
        spike_transmission_j=share_synaptic * total / (rate * s) * atp_j,
    )


def round_sig(x: float, digits: int = 2) -> float:
    """``x`` rounded to ``digits`` significant digits (as the talk prints its table)."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))


def sig_tolerance(printed: float, digits: int = 2) -> float:
    """Half a unit in the last printed digit: |x − printed| ≤ this ⇔ x prints as ``printed``."""
    printed = float(printed)
    return 0.5 * 10 ** (math.floor(math.log10(abs(printed))) - (digits - 1))


# -- input files ------------------------------------------------------------------------------
def _load_yaml(name: str, data_dir: Path | None = None) -> dict:
    path = Path(data_dir or DATA_DIR) / name
    if not path.is_file():
        raise ValueError(f"energy data file not found: {path}")
    with open(path) as fh:
        doc = yaml.safe_load(fh)
    if not isinstance(doc, dict) or not doc.get("source"):
        raise ValueError(f"{path}: the file must be a mapping with a top-level 'source'")
    return doc


def _benchmark(system, name, entry, speedup):
    if not isinstance(entry, dict):
        raise ValueError(f"{system}: benchmark {name!r} missing")
    for key in ("power_w", "n_neurons", "bioruntime_ms"):
        if key not in entry:
            raise ValueError(f"{system}.{name}: key {key!r} missing")
    runtime = entry.get("runtime_ms")
    if runtime is None:
        if speedup is None:
            raise ValueError(f"{system}.{name}: runtime_ms missing and no other benchmark "
                             "gives the hardware speed-up")
        runtime = entry["bioruntime_ms"] / speedup
    fields = {k: float(entry.get(k, 0.0)) for k in
              ("power_w", "n_neurons", "bioruntime_ms", "n_spikes", "n_spikes_target", "connections")}
    return Benchmark(runtime_ms=float(runtime), **fields)


def load_measurements(data_dir: Path | None = None) -> dict[str, SystemMeasurement]:
    """The measured systems of ``snabsuite_measurements.yaml``, keyed by system id.

    A benchmark without a stored hardware run time (Spikey's silent run) takes it from the
    system's biological/hardware time ratio in its other benchmarks (the fixed speed-up of an
    accelerated system).
    """
    doc = _load_yaml("snabsuite_measurements.yaml", data_dir)
    out = {}
    for key, sysd in doc["systems"].items():
        if not sysd.get("source"):
            raise ValueError(f"system {key!r}: every system needs a 'source'")
        benches = sysd.get("benchmarks", {})
        speeds = [b["bioruntime_ms"] / b["runtime_ms"] for b in benches.values() if "runtime_ms" in b]
        speedup = speeds[0] if speeds else None
        parsed = [_benchmark(key, b, benches.get(b), speedup) for b in _BENCHMARKS]
        out[key] = SystemMeasurement(key, sysd["name"], float(sysd["idle_power_w"]), *parsed,
                                     source=sysd["source"],
                                     snabsuite_coefficients=dict(sysd.get("snabsuite_coefficients", {})))
    return out


def load_brain_inputs(data_dir: Path | None = None) -> dict:
    """``brain.yaml``: nested mapping of {value, unit, source, verified} entries."""
    return _load_yaml("brain.yaml", data_dir)


def load_talk_table(data_dir: Path | None = None) -> dict:
    """``talk_table.yaml``: the talk's printed table, row → {brain, technology, chip, worse_by}."""
    doc = _load_yaml("talk_table.yaml", data_dir)
    missing = set(ROWS) - set(doc["rows"])
    if missing:
        raise ValueError(f"talk_table.yaml: rows missing: {sorted(missing)}")
    return doc


def load_published(data_dir: Path | None = None) -> dict:
    """``published.yaml``: per-event energies from the literature with citations."""
    return _load_yaml("published.yaml", data_dir)


def input_entries(doc, path=()):
    """Yield (path, entry) for every leaf entry carrying a ``value`` in a brain-style document."""
    if isinstance(doc, dict):
        if "value" in doc:
            yield path, doc
            return
        for k, v in doc.items():
            yield from input_entries(v, path + (k,))
