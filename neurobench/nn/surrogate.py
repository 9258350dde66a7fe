"""Spike nonlinearity with surrogate gradients (Neftci, Mostafa & Zenke, IEEE SPM 2019).

Forward: the Heaviside step H(x) (x = u − u_thr). Backward: the derivative of a smooth stand-in:

- ``atan``:          ∂S/∂x ≈ (α/2) / (1 + (π α x / 2)²)            (α = 2 by default)
- ``fast_sigmoid``:  ∂S/∂x ≈ 1 / (1 + α |x|)²                       (α = 25 by default, "slope")
"""

from __future__ import annotations

import math

import torch


class _Spike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, kind: int, alpha: float):
        ctx.save_for_backward(x)
        ctx.kind = kind
        ctx.alpha = alpha
        return (x > 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        a = ctx.alpha
        if ctx.kind == 0:
            grad = (a / 2) / (1 + (math.pi * a * x / 2) ** 2)
        else:
            grad = 1.0 / (1 + a * x.abs()) ** 2
        return grad_out * grad, None, None


SURROGATES = {"atan": (0, 2.0), "fast_sigmoid": (1, 25.0)}


def spike(x: torch.Tensor, surrogate: str = "atan", alpha: float | None = None) -> torch.Tensor:
    """H(x) with the named surrogate derivative; ``alpha`` overrides its default sharpness."""
    if surrogate not in SURROGATES:
        raise ValueError(f"surrogate must be one of {list(SURROGATES)}, got {surrogate!r}")
    kind, default = SURROGATES[surrogate]
    return _Spike.apply(x, kind, float(default if alpha is None else alpha))
