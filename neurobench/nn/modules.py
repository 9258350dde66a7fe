"""``nn.Module`` wrappers over :mod:`neurobench.nn.functional`. Inputs are time-major:
``[T, batch, features]``; outputs ``[T, batch, neurons]``."""

from __future__ import annotations

import torch
from torch import nn

from neurobench.nn.functional import (LIFParameters, LIFState, initial_state, leaky_integrate,
                                      lif_scan, lif_step)


class LIF(nn.Module):
    """A layer of LIF neurons driven by already-weighted input currents ``x[T, B, N]``.

    Returns spikes ``[T, B, N]``; with ``return_u=True`` also the membrane trace.
    """

    def __init__(self, params: LIFParameters = LIFParameters()):
        super().__init__()
        self.p = params

    def forward(self, x: torch.Tensor, state: LIFState | None = None, return_u: bool = False):
        if x.dim() != 3:
            raise ValueError(f"LIF expects input [T, batch, neurons], got shape {tuple(x.shape)}")
        state = state or initial_state(x.shape[1], x.shape[2], self.p, x)
        spikes, us = [], []
        for x_t in x.unbind(0):      # unbind: backward does not build a full-size zero per step
            s, state = lif_step(x_t, state, self.p)
            spikes.append(s)
            if return_u:
                us.append(state.u)
        out = torch.stack(spikes)
        return (out, torch.stack(us)) if return_u else out


class RecurrentLIF(nn.Module):
    """``n_hidden`` LIF neurons with input weights and recurrent weights (spikes of t−1 feed t):

        x_in[t] = W_in · x[t] + W_rec · S[t−1] + b
    """

    def __init__(self, n_in: int, n_hidden: int, params: LIFParameters = LIFParameters(),
                 recurrent: bool = True, bias: bool = True):
        super().__init__()
        if n_in < 1 or n_hidden < 1:
            raise ValueError(f"n_in and n_hidden must be ≥ 1, got {n_in}, {n_hidden}")
        self.p = params
        self.n_hidden = n_hidden
        self.w_in = nn.Linear(n_in, n_hidden, bias=bias)
        self.w_rec = nn.Linear(n_hidden, n_hidden, bias=False) if recurrent else None

    def forward(self, x: torch.Tensor, return_u: bool = False):
        if x.dim() != 3:
            raise ValueError(f"RecurrentLIF expects [T, batch, features], got {tuple(x.shape)}")
        # all time steps' input at once, then the recurrence
        return lif_scan(self.w_in(x), self.p, self.w_rec, return_u)


class LIFReadout(nn.Module):
    """Non-spiking leaky integrator readout: y[t] = α y[t−1] + W · S[t]; returns ``[T, B, K]``.

    Classification usually takes the maximum or the mean over time of y.
    """

    def __init__(self, n_in: int, n_out: int, alpha: float = 0.9):
        super().__init__()
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
        self.alpha = alpha
        self.w = nn.Linear(n_in, n_out)

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        return leaky_integrate(self.w(s), self.alpha)
