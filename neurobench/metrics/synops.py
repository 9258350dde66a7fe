"""Cost metrics of a model, as NeuroBench defines them (Yik et al., Nature Communications 16:1545,
2025; the definitions of its ``neurobench.metrics`` package, docs/metrics).

- **Footprint**: bytes of all parameters and buffers of the model.
- **Connection sparsity**: zero weights / all weights, over Linear and Conv layers.
- **Activation sparsity**: zero activations / all neuron outputs, over layers, time steps and
  samples (pass the recorded spike/activation tensors).
- **Synaptic operations**, per sample: each connection layer (Linear, Conv1d, Conv2d) is re-run on
  every call with *binarised* weights (w ≠ 0 → 1) and binarised inputs (x ≠ 0 → 1); the sum of the
  output is the number of operations actually needed. If the layer's input is binary (spikes:
  every entry 0 or 1) these are **effective ACs** (accumulates), otherwise **effective MACs**
  (multiply-accumulates). **Dense** counts every weight × input as if all were non-zero
  (all-ones weights and inputs). Totals over every call (all time steps) are divided by the number
  of samples.

Worked example (tested): W = [[1, 0, 2], [0, 0, 3], [4, 5, 0]], x = [1, 0, 1] (binary) →
binarised W·x = [2, 1, 1] → 4 effective ACs; dense = 9.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
import torch.nn.functional as F

_CONN = (nn.Linear, nn.Conv1d, nn.Conv2d)


def footprint_bytes(model: nn.Module) -> int:
    """Bytes of every parameter and buffer."""
    return int(sum(t.numel() * t.element_size() for t in list(model.parameters()) + list(model.buffers())))


def connection_sparsity(model: nn.Module) -> float:
    """Fraction of zero weights over the Linear/Conv layers (biases excluded)."""
    zeros = total = 0
    for m in model.modules():
        if isinstance(m, _CONN):
            zeros += int((m.weight == 0).sum())
            total += m.weight.numel()
    if total == 0:
        raise ValueError("the model has no Linear/Conv layer")
    return zeros / total


def activation_sparsity(activations) -> float:
    """Fraction of zero entries over a list of activation tensors (spikes or ANN activations)."""
    acts = [activations] if isinstance(activations, torch.Tensor) else list(activations)
    if not acts:
        raise ValueError("no activations given")
    zeros = sum(int((a == 0).sum()) for a in acts)
    total = sum(a.numel() for a in acts)
    return zeros / total


@dataclass
class SynopsResult:
    """Synaptic operations per sample."""

    effective_acs: float
    effective_macs: float
    dense: float

    def as_dict(self):
        return {"effective_acs": self.effective_acs, "effective_macs": self.effective_macs,
                "dense": self.dense}


def _binary(x: torch.Tensor) -> bool:
    return bool(((x == 0) | (x == 1)).all())


def layer_ops(layer: nn.Module, x: torch.Tensor) -> tuple[float, float, bool]:
    """(effective ops, dense ops, input is binary) of one call of a Linear/Conv layer on x."""
    wb = (layer.weight != 0).to(x.dtype)
    xb = (x != 0).to(x.dtype)
    ones_w = torch.ones_like(layer.weight, dtype=x.dtype)
    ones_x = torch.ones_like(x)
    if isinstance(layer, nn.Linear):
        eff = F.linear(xb, wb).sum()
        dense = F.linear(ones_x, ones_w).sum()
    else:
        conv = F.conv1d if isinstance(layer, nn.Conv1d) else F.conv2d
        kw = dict(stride=layer.stride, padding=layer.padding, dilation=layer.dilation,
                  groups=layer.groups)
        if isinstance(layer.padding, str) or layer.padding_mode != "zeros":
            raise ValueError(f"{layer}: only zero padding with explicit sizes is supported")
        eff = conv(xb, wb, **kw).sum()
        dense = conv(ones_x, ones_w, **kw).sum()
    return float(eff), float(dense), _binary(x)


class SynapticOperations:
    """Count synaptic operations of every Linear/Conv layer while a model runs.

    >>> with SynapticOperations(model) as ops:          # doctest: +SKIP
    ...     model(x)                                     # any number of calls / time steps
    >>> ops.result(n_samples=x.shape[1]).effective_acs   # doctest: +SKIP
    """

    def __init__(self, model: nn.Module):
        self.model = model
        self._handles = []
        self.acs = self.macs = self.dense = 0.0

    def _hook(self, layer, inputs, output):
        eff, dense, binary = layer_ops(layer, inputs[0].detach())
        if binary:
            self.acs += eff
        else:
            self.macs += eff
        self.dense += dense

    def __enter__(self):
        layers = [m for m in self.model.modules() if isinstance(m, _CONN)]
        if not layers:
            raise ValueError("the model has no Linear/Conv layer to count")
        self._handles = [m.register_forward_hook(self._hook) for m in layers]
        return self

    def __exit__(self, *exc):
        for h in self._handles:
            h.remove()
        self._handles = []
        return False

    def result(self, n_samples: int) -> SynopsResult:
        if n_samples < 1:
            raise ValueError(f"n_samples must be ≥ 1, got {n_samples}")
        return SynopsResult(self.acs / n_samples, self.macs / n_samples, self.dense / n_samples)
