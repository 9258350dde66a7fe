"""A keyword-spotting SNN trained within the DYNAP-SE1's limits (time-major inputs ``[T, B, F]``).

The hidden layer is the chip's neuron as a discrete current-based LIF with two synaptic DPI
currents (step ``dt``, threshold 1, floor 0)::

    q_e ← β_e q_e + (1 − β_e) · (W_e x_t + R_e s_{t−1})         excitatory DPI (AMPA)
    q_i ← β_i q_i + (1 − β_i) · (W_i x_t + R_i s_{t−1})         inhibitory DPI (GABA_B, subtractive)
    v   ← max(α v + q_e − q_i, 0)                               I_mem cannot fall below I_0
    s_t = H(v − 1),  v ← 0 after a spike and for ``refractory_steps`` steps

with α = e^{−dt/τ_mem}, β = e^{−dt/τ_syn}. A weight is the total charge one event delivers, in
units of the threshold charge; the DPI's response to an event integrates to I_g I_w t_pulse / I_τ
(:mod:`neurobench.dynapse.circuits`), so the charge is linear in the base weight I_w and in the
CAM multiplicity. The class score is a linear readout of the hidden spike counts, computed off
chip from the AER events (the chip has no readout of its own).

Known differences from the emulated chip (measured by the kws study on an ideal chip): a
recurrent spike reaches its targets a few ms after the input events of the same step on the chip,
one step later here; the chip's membrane is a current-mode circuit, linear only well above its
gain current; so the chip fires somewhat fewer spikes than the model at the same weights.

Modes (:class:`ChipAwareKWS`):

- ``"float"`` — the same neurons with unconstrained real weights (the plain float network);
- ``"chip"`` — every weight is an integer CAM multiplicity m ≥ 0 times one base weight per
  synapse type of the core (b_e for AMPA, b_i for GABA_B; the sign picks the synapse type), and
  each neuron's multiplicities of input and recurrent connections sum to at most
  ``cam_entries`` (64). The forward pass projects the latent real weights onto that set
  (row-wise scaling to the CAM budget, then rounding, floor where rounding would overflow) and
  the backward pass goes straight through the rounding (Bengio, Léonard & Courville 2013);
- ``mismatch_cv > 0`` — during training each sample sees another chip: per neuron and synapse
  type the efficacy is multiplied by the product of the lognormal factors of the five bias
  currents it depends on (I_g of the membrane, I_g, I_w and 1/I_τ of the DPI, 1/I_pulse), each of
  coefficient of variation ``mismatch_cv`` as in :mod:`neurobench.dynapse.mismatch`, and the
  time constants by 1/factor of their leak currents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from neurobench.dynapse.routing import CAM_ENTRIES  # per neuron on DYNAP-SE1
from neurobench.nn.stack import ModelStack
from neurobench.nn.surrogate import spike



@dataclass(frozen=True)
class DPIParameters:
    """Discrete chip neuron: step ``dt_ms`` (ms), membrane and synaptic time constants (ms),
    refractory period in steps; threshold 1 (charge units), reset and floor 0."""

    dt_ms: float = 5.0
    tau_mem_ms: float = 100.0
    tau_exc_ms: float = 5.0
    tau_inh_ms: float = 5.0
    refractory_steps: int = 3
    surrogate: str = "atan"

    def __post_init__(self):
        for k in ("dt_ms", "tau_mem_ms", "tau_exc_ms", "tau_inh_ms"):
            v = getattr(self, k)
            if not (math.isfinite(v) and v > 0):
                raise ValueError(f"DPIParameters.{k} must be > 0, got {v!r}")
        if int(self.refractory_steps) != self.refractory_steps or self.refractory_steps < 0:
            raise ValueError(f"refractory_steps must be an integer ≥ 0, got {self.refractory_steps!r}")

    def decay(self, tau_ms) -> torch.Tensor:
        return torch.exp(-self.dt_ms / torch.as_tensor(tau_ms, dtype=torch.float32))

    @property
    def refractory_ms(self) -> float:
        return self.refractory_steps * self.dt_ms


def impulse_peak(p: DPIParameters, synapse: str = "exc", n_steps: int = 400) -> float:
    """Peak of v after one event of weight 1 at rest (no threshold): the charge-to-peak factor
    K of the discrete neuron (K < 1 because the membrane leaks while the DPI delivers)."""
    a = math.exp(-p.dt_ms / p.tau_mem_ms)
    b = math.exp(-p.dt_ms / (p.tau_exc_ms if synapse == "exc" else p.tau_inh_ms))
    q, v, peak = 0.0, 0.0, 0.0
    for t in range(n_steps):
        q = b * q + (1 - b) * (1.0 if t == 0 else 0.0)
        v = a * v + q
        peak = max(peak, v)
    return peak


def _lognormal(gen: torch.Generator, cv: float, shape) -> torch.Tensor:
    s = math.sqrt(math.log1p(cv * cv))
    return torch.exp(s * torch.randn(shape, generator=gen) - 0.5 * s * s)


def round_ste(x: torch.Tensor) -> torch.Tensor:
    """round(x) forward, identity backward."""
    return x + (torch.round(x) - x).detach()


def project_to_cam(a_exc: torch.Tensor, a_inh: torch.Tensor, cam_entries: int):
    """Integer multiplicities (STE) from non-negative real ones [post, pre]: each row is scaled
    down to the CAM budget, then rounded (floored where rounding would overflow the budget)."""
    total = (a_exc + a_inh).sum(dim=1, keepdim=True)
    scale = torch.clamp(cam_entries / total.clamp_min(1e-12), max=1.0).detach()
    a_exc, a_inh = a_exc * scale, a_inh * scale
    m_exc, m_inh = round_ste(a_exc), round_ste(a_inh)
    over = ((m_exc + m_inh).sum(dim=1, keepdim=True) > cam_entries).detach()
    if bool(over.any()):
        floor_e = a_exc + (torch.floor(a_exc) - a_exc).detach()
        floor_i = a_inh + (torch.floor(a_inh) - a_inh).detach()
        m_exc = torch.where(over, floor_e, m_exc)
        m_inh = torch.where(over, floor_i, m_inh)
    return m_exc, m_inh


class ChipAwareKWS(nn.Module):
    """``n_hidden`` chip neurons (input + recurrent CAM connections) and an off-chip linear
    readout of their spike counts; ``forward`` returns class scores [B, K].

    Inputs are binary spike rasters at ``substeps`` × the model step (one event per channel and
    input bin, played at the bin's first step, as the spike generator does)."""

    def __init__(self, n_in: int, n_hidden: int, n_classes: int, params: DPIParameters,
                 substeps: int = 1, mode: str = "chip", cam_entries: int = CAM_ENTRIES,
                 mismatch_cv: float = 0.0, seed: int = 0, init_base: float = 0.1,
                 init_std: float = 0.15):
        super().__init__()
        if mode not in ("float", "chip"):
            raise ValueError(f"mode must be 'float' or 'chip', got {mode!r}")
        if substeps < 1:
            raise ValueError(f"substeps must be ≥ 1, got {substeps}")
        self.p, self.mode, self.substeps = params, mode, int(substeps)
        self.n_in, self.n_hidden = n_in, n_hidden
        self.cam_entries, self.mismatch_cv = int(cam_entries), float(mismatch_cv)
        g = torch.Generator().manual_seed(int(seed))
        self.w = nn.Parameter(torch.randn(n_hidden, n_in + n_hidden, generator=g) * init_std)
        self.log_base = nn.Parameter(torch.full((2,), math.log(init_base)))   # (exc, inh)
        self.readout = nn.Linear(n_hidden, n_classes)
        self._gen = torch.Generator().manual_seed(int(seed) + 7919)
        self.floor = True
        self.same_step_recurrence = False
        self.steps_per_clip = 1
        self.last_spikes: torch.Tensor | None = None

    # -- weights --------------------------------------------------------------------------------
    @property
    def base(self) -> torch.Tensor:
        return torch.exp(self.log_base)

    def multiplicities(self):
        """(m_exc, m_inh) [H, F + H] (STE tensors) in chip mode."""
        b = self.base
        return project_to_cam(torch.relu(self.w) / b[0], torch.relu(-self.w) / b[1], self.cam_entries)

    def effective_weights(self):
        """(W_exc, W_inh) ≥ 0 [H, F + H], charge per event in threshold units."""
        if self.mode == "float":
            return torch.relu(self.w), torch.relu(-self.w)
        m_e, m_i = self.multiplicities()
        b = self.base
        return m_e * b[0], m_i * b[1]

    def chip_network(self) -> dict:
        """The trained network as the chip needs it (numpy): integer multiplicities of input and
        recurrent connections, base weights, time constants and the off-chip readout."""
        if self.mode != "chip":
            raise ValueError("only a chip-mode network maps to CAM multiplicities")
        with torch.no_grad():
            m_e, m_i = (m.round().to(torch.int64).numpy() for m in self.multiplicities())
            b = self.base.numpy().astype(float)
        F = self.n_in
        p = self.p
        return dict(m_exc_in=m_e[:, :F], m_inh_in=m_i[:, :F], m_exc_rec=m_e[:, F:],
                    m_inh_rec=m_i[:, F:], base_exc=float(b[0]), base_inh=float(b[1]),
                    tau_mem_s=p.tau_mem_ms * 1e-3, tau_exc_s=p.tau_exc_ms * 1e-3,
                    tau_inh_s=p.tau_inh_ms * 1e-3,
                    # the readout sees the mean spike count per step: counts / steps
                    readout_w=self.readout.weight.detach().numpy().astype(float) / self.steps_per_clip,
                    readout_b=self.readout.bias.detach().numpy().astype(float),
                    impulse_peak_exc=impulse_peak(p, "exc"), impulse_peak_inh=impulse_peak(p, "inh"))

    # -- dynamics -------------------------------------------------------------------------------
    def _mismatch(self, batch: int):
        """Per sample and neuron: efficacy factors (exc, inh) and leak factors (mem, exc, inh)."""
        H, cv = self.n_hidden, self.mismatch_cv
        if not (self.training and cv > 0):
            return None
        f = lambda: _lognormal(self._gen, cv, (batch, H))  # noqa: E731 - one draw per bias
        g_mem, pulse, leak_mem = f(), f(), f()
        g, w, leak = [f(), f()], [f(), f()], [f(), f()]          # (exc, inh) DPI biases
        # efficacy ∝ I_g,mem · I_g · I_w / (I_τ · I_pulse); τ ∝ 1 / I_τ
        eff = [g_mem * g[k] * w[k] / (leak[k] * pulse) for k in range(2)]
        return eff[0], eff[1], leak_mem, leak[0], leak[1]

    def _decays(self, batch: int, dev):
        """Membrane and synaptic decays and efficacy factors of this forward pass: nominal, or
        per sample and neuron under the mismatch drawn for it (training with ``mismatch_cv``)."""
        p, H = self.p, self.n_hidden
        mm = self._mismatch(batch)
        if mm is None:
            e_e = e_i = torch.ones(1, H, device=dev)
            a = p.decay(p.tau_mem_ms).to(dev)
            b_e, b_i = p.decay(p.tau_exc_ms).to(dev), p.decay(p.tau_inh_ms).to(dev)
        else:
            e_e, e_i, l_m, l_e, l_i = (t.to(dev) for t in mm)
            a = p.decay(p.tau_mem_ms / l_m).to(dev)
            b_e, b_i = p.decay(p.tau_exc_ms / l_e).to(dev), p.decay(p.tau_inh_ms / l_i).to(dev)
        return a, b_e, b_i, e_e, e_i

    def _charges(self, x: torch.Tensor):
        """The input charges (exc, inh) [T, B, H] of time-major x [T, B, F] and the recurrent
        weights (exc, inh) [H, H] of this forward pass; sets ``steps_per_clip``."""
        self.steps_per_clip = x.shape[0] * self.substeps
        w_e, w_i = self.effective_weights()
        F = self.n_in
        return (torch.einsum("tbf,hf->tbh", x, w_e[:, :F]),
                torch.einsum("tbf,hf->tbh", x, w_i[:, :F]), w_e[:, F:].t(), w_i[:, F:].t())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B = x.shape[1]
        in_e, in_i, rec_e, rec_i = self._charges(x)
        S = dpi_dynamics(in_e, in_i, lambda s: (s @ rec_e, s @ rec_i), self._decays(B, x.device), self.p,
                         self.substeps, self.floor, self.same_step_recurrence)
        self.last_spikes = S.detach()
        return self.readout(S.mean(dim=0))


def dpi_dynamics(in_e: torch.Tensor, in_i: torch.Tensor, recurrent, decays, p: DPIParameters,
                 substeps: int = 1, floor: bool = True, same_step_recurrence: bool = False) -> torch.Tensor:
    """Hidden spikes [T·substeps, ..., H] of the chip neurons: input charges in_e, in_i
    [T, ..., H] (played at the first step of each input bin), ``recurrent(s)`` → the charges
    (exc, inh) that spikes s [..., H] deliver, ``decays`` = (α, β_e, β_i, efficacy_e,
    efficacy_i) broadcastable to [..., H]. Element-wise only besides ``recurrent``, so that
    networks stacked along a leading dimension compute exactly what each computes alone."""
    a, b_e, b_i, e_e, e_i = decays
    T = in_e.shape[0]
    zero = torch.zeros_like(in_e[0])
    q_e, q_i, v, late, ref = zero, zero, zero, zero, zero
    refractory = p.refractory_steps > 0              # else no neuron is ever held
    spikes = []
    for t in range(T):
        for k in range(substeps):
            d_e, d_i = recurrent(late)                # recurrent input not yet delivered
            if k == 0:
                d_e = d_e + in_e[t]
                d_i = d_i + in_i[t]
            q_e = b_e * q_e + (1 - b_e) * d_e * e_e
            q_i = b_i * q_i + (1 - b_i) * d_i * e_i
            v = a * v + q_e - q_i
            if floor:
                v = torch.relu(v)
            if refractory:
                v = torch.where(ref > 0, zero, v)
            s = spike(v - 1.0, p.surrogate)
            v = v * (1 - s.detach())                  # no gradient through the reset
            if same_step_recurrence:
                # on the chip a spike reaches its targets within the same step: one round
                # of recurrent input, neurons that spiked stay refractory until the step ends
                r_e, r_i = recurrent(s)
                v = torch.relu(v + (r_e * e_e - r_i * e_i)) * (1 - s.detach())
                late = spike(v - 1.0, p.surrogate) * (1 - s.detach())
                v = v * (1 - late.detach())
                s = s + late
            else:
                late = s
            if refractory:
                ref = torch.where(s.detach() > 0, torch.full_like(ref, p.refractory_steps),
                                  torch.clamp(ref - 1, min=0))
            spikes.append(s)
    return torch.stack(spikes)


class ChipAwareStack(ModelStack):
    """G chip-aware networks of one size and neuron, each with its own mode, mismatch CV and
    mismatch generator: ``forward`` on x [T, G, B, F] returns scores [G, B, K]
    (:mod:`neurobench.nn.stack`), each network's products on the same tensors as alone. (Batching
    the recurrent products would be 1.6–1.7× faster, but the last-bit differences change single
    networks' accuracies by up to 0.25 and moved ``on_chip_accuracy_drop`` across its bar.)"""

    def __init__(self, models: list[ChipAwareKWS]):
        super().__init__(models)
        self.same("neuron or steps", lambda m: (m.n_in, m.n_hidden, m.p, m.substeps, m.floor,
                                                          m.same_step_recurrence))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B = x.shape[2]
        m0 = self.members[0]
        H = m0.n_hidden
        ch = [m._charges(xg) for m, xg in zip(self.members, self.inputs(x))]   # as alone
        in_e = torch.stack([c[0] for c in ch], dim=1)
        in_i = torch.stack([c[1] for c in ch], dim=1)
        rec = [(c[2], c[3]) for c in ch]

        def recurrent(s):                              # per network, as alone
            return (torch.stack([s[g] @ r_e for g, (r_e, _) in enumerate(rec)]),
                    torch.stack([s[g] @ r_i for g, (_, r_i) in enumerate(rec)]))

        per = [m._decays(B, x.device) for m in self.members]
        decays = [torch.stack([d[j].expand(B, H) for d in per]) for j in range(5)]
        S = dpi_dynamics(in_e, in_i, recurrent, decays, m0.p, m0.substeps, m0.floor, m0.same_step_recurrence)
        return torch.stack([m.readout(S[:, g].contiguous().mean(dim=0)) for g, m in enumerate(self.members)])


def spike_counts(model: ChipAwareKWS, x: torch.Tensor, batch_size: int = 256) -> np.ndarray:
    """Hidden spike counts [N, H] of the nominal network (eval mode) on time-major x."""
    model.eval()
    out = []
    with torch.no_grad():
        for s in range(0, x.shape[1], batch_size):
            model(x[:, s:s + batch_size])
            out.append(model.last_spikes.sum(dim=0).cpu().numpy())
    return np.concatenate(out)
