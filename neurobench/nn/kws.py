"""Keyword-spotting models and their training loop (time-major inputs ``[T, batch, features]``).

- :class:`SpikingKWS` — the talk's "keyword spotting with few (~10) neurons": a recurrent layer of
  ``n_hidden`` LIF neurons (:class:`neurobench.nn.RecurrentLIF`) read out by non-spiking leaky
  integrators (:class:`neurobench.nn.LIFReadout`); the class score is the time average of the
  readout. Trained end to end with surrogate gradients (Neftci, Mostafa & Zenke 2019).
- :class:`GRUKWS` — a GRU (Cho et al. 2014) written with ``nn.Linear`` gates so that
  :class:`neurobench.metrics.SynapticOperations` counts its multiply-accumulates:

      r = σ(W_ir x + W_hr h),  z = σ(W_iz x + W_hz h),  n = tanh(W_in x + r ⊙ (W_hn h)),
      h ← (1 − z) ⊙ n + z ⊙ h;      score = W_out h_T

- :class:`CNNKWS` — a small 1-D convolutional network over time (two Conv1d + ReLU layers,
  global average pooling, a linear layer), the usual non-recurrent KWS baseline.

:class:`SpikingKWSStack` and :class:`GRUKWSStack` hold G networks of one size as one model
(:mod:`neurobench.nn.stack`), so that the networks of one size and task train together.
"""

from __future__ import annotations

import logging

import numpy as np
import torch
from torch import nn

from neurobench.nn.functional import LIFParameters, LIFState, leaky_integrate, lif_scan, lif_step
from neurobench.nn.modules import LIFReadout, RecurrentLIF
from neurobench.nn.stack import ModelStack

log = logging.getLogger("neurobench")


class SpikingKWS(nn.Module):
    """Recurrent LIF layer + leaky readout; ``forward`` returns class scores [B, K]."""

    def __init__(self, n_in: int, n_hidden: int, n_classes: int, params: LIFParameters,
                 readout_alpha: float = 0.9):
        super().__init__()
        self.hidden = RecurrentLIF(n_in, n_hidden, params)
        self.readout = LIFReadout(n_hidden, n_classes, alpha=readout_alpha)
        self.last_spikes: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.hidden(x)
        self.last_spikes = s.detach()
        return self.readout(s).mean(dim=0)


class GRUKWS(nn.Module):
    """GRU of ``n_hidden`` units with Linear gates, linear readout of the last state."""

    def __init__(self, n_in: int, n_hidden: int, n_classes: int):
        super().__init__()
        self.n_hidden = n_hidden
        self.w_x = nn.Linear(n_in, 3 * n_hidden)
        self.w_h = nn.Linear(n_hidden, 3 * n_hidden)
        self.out = nn.Linear(n_hidden, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.zeros(x.shape[1], self.n_hidden, dtype=x.dtype, device=x.device)
        # unbind/chunk (not x[t] slicing): their backward is one stack/cat, not a full-size
        # zero gradient per time step
        for gx in self.w_x(x).unbind(0):
            xr, xz, xn = gx.chunk(3, dim=1)
            hr, hz, hn = self.w_h(h).chunk(3, dim=1)
            r = torch.sigmoid(xr + hr)
            z = torch.sigmoid(xz + hz)
            n = torch.tanh(xn + r * hn)
            h = (1 - z) * n + z * h
        return self.out(h)


class CNNKWS(nn.Module):
    """Conv1d(k) → ReLU → Conv1d(k, stride 2) → ReLU → mean over time → Linear."""

    def __init__(self, n_in: int, channels: int, n_classes: int, kernel: int = 5):
        super().__init__()
        pad = kernel // 2
        self.c1 = nn.Conv1d(n_in, channels, kernel, padding=pad, stride=2)
        self.c2 = nn.Conv1d(channels, channels, kernel, padding=pad, stride=2)
        self.out = nn.Linear(channels, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x.permute(1, 2, 0)                       # [B, F, T]
        h = torch.relu(self.c2(torch.relu(self.c1(h))))
        return self.out(h.mean(dim=-1))


class SpikingKWSStack(ModelStack):
    """G :class:`SpikingKWS` networks of one size: ``forward`` on x [T, G, B, F] returns [G, B, K],
    each network's scores exactly as it computes them alone."""

    def __init__(self, models: list[SpikingKWS]):
        super().__init__(models)
        self.same("neuron and readout", lambda m: (m.hidden.p, m.readout.alpha))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ms = self.members
        p, alpha = ms[0].hidden.p, ms[0].readout.alpha
        drive = torch.stack([m.hidden.w_in(xg) for m, xg in zip(ms, self.inputs(x))], dim=1)
        S = lif_scan(drive, p, lambda s: torch.stack([m.hidden.w_rec(s[g])
                                                      for g, m in enumerate(ms)]))
        # the leaky readout (LIFReadout) of every network, its time average per network
        drive = torch.stack([m.readout.w(S[:, g].contiguous()) for g, m in enumerate(ms)], dim=1)
        Y = leaky_integrate(drive, alpha)
        return torch.stack([Y[:, g].contiguous().mean(dim=0) for g in range(len(ms))])


class GRUKWSStack(ModelStack):
    """G :class:`GRUKWS` networks of one size: ``forward`` on x [T, G, B, F] returns [G, B, K].
    The recurrent products are one batched product and σ, tanh act on the stacked tensors, so a
    network's scores may differ from its own in the last bit (the products' order of sums; the
    vectorised and scalar kernels of σ and tanh)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ms = self.members
        G = len(ms)
        gxs = torch.stack([m.w_x(xg) for m, xg in zip(ms, self.inputs(x))], dim=1)
        h = torch.zeros(G, x.shape[2], ms[0].n_hidden, dtype=x.dtype, device=x.device)
        w_h = torch.stack([m.w_h.weight.t() for m in ms])
        b_h = torch.stack([m.w_h.bias for m in ms])[:, None]
        for gx in gxs.unbind(0):
            xr, xz, xn = gx.chunk(3, dim=-1)
            hr, hz, hn = torch.baddbmm(b_h, h, w_h).chunk(3, dim=-1)
            r = torch.sigmoid(xr + hr)
            z = torch.sigmoid(xz + hz)
            n = torch.tanh(xn + r * hn)
            h = (1 - z) * n + z * h
        return torch.stack([m.out(h[g]) for g, m in enumerate(ms)])


STACKS = {"snn": SpikingKWSStack, "gru": GRUKWSStack}


def build_model(kind: str, n_in: int, n_hidden: int, n_classes: int, lif: LIFParameters | None = None,
                readout_alpha: float = 0.9) -> nn.Module:
    """'snn' (SpikingKWS), 'gru' (GRUKWS) or 'cnn' (CNNKWS; n_hidden = channels)."""
    if kind == "snn":
        return SpikingKWS(n_in, n_hidden, n_classes, lif or LIFParameters(), readout_alpha)
    if kind == "gru":
        return GRUKWS(n_in, n_hidden, n_classes)
    if kind == "cnn":
        return CNNKWS(n_in, n_hidden, n_classes)
    raise ValueError(f"model kind must be 'snn', 'gru' or 'cnn', got {kind!r}")


def train_classifier(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, epochs: int, lr: float,
                     batch_size: int, seed: int, weight_decay: float = 0.0,
                     progress: str | None = None) -> list[float]:
    """Adam on the cross-entropy, mini-batches of a seeded permutation; x time-major [T, N, F].
    Returns the mean training loss per epoch."""
    if x.shape[1] != y.shape[0]:
        raise ValueError(f"x has {x.shape[1]} samples, y has {y.shape[0]}")
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be ≥ 1, got {epochs}, {batch_size}")
    gen = torch.Generator().manual_seed(int(seed))
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    loss_fn = nn.CrossEntropyLoss()
    n = x.shape[1]
    losses = []
    model.train()
    for epoch in range(epochs):
        perm = torch.randperm(n, generator=gen).to(x.device)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = perm[start:start + batch_size]
            opt.zero_grad()
            loss = loss_fn(model(x[:, idx]), y[idx])
            loss.backward()
            opt.step()
            total += float(loss.detach()) * idx.numel()
        sched.step()
        losses.append(total / n)
        if progress and (epoch + 1) % max(1, epochs // 4) == 0:
            log.info("%s: epoch %d/%d, loss %.4f", progress, epoch + 1, epochs, losses[-1])
    model.eval()
    return losses


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 512) -> np.ndarray:
    """Predicted class per sample of time-major x [T, N, F]."""
    model.eval()
    out = [model(x[:, s:s + batch_size]).argmax(dim=1) for s in range(0, x.shape[1], batch_size)]
    return torch.cat(out).cpu().numpy()
