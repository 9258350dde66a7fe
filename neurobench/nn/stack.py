"""Many small networks trained as one model.

Small recurrent networks train far faster together than one by one: the time loop's Python
overhead, not the arithmetic, costs. A :class:`ModelStack` holds G independent networks of one
architecture (their own modules and parameters); a subclass's forward pass runs them side by side
on inputs ``[T, G, batch, features]`` and returns scores ``[G, batch, classes]``, with every
element-wise operation done once on the stacked tensors and every product, sum or transcendental
function per network on the same tensors as alone. :func:`train_stacked` trains them: network g
on its own training set, in the mini-batches of its own seeded permutation, on its own loss; the
summed loss gives each network exactly its own gradient and Adam steps each parameter tensor as
alone, so each network is trained as :func:`neurobench.nn.kws.train_classifier` trains it alone,
to the last bit where the element-wise kernels are exact (IEEE +, −, ×, ÷, comparisons). A
subclass may trade exactness for speed with batched products (the GRU stack does, and says so).
"""

from __future__ import annotations

import logging

import numpy as np
import torch
from torch import nn

log = logging.getLogger("neurobench")


class ModelStack(nn.Module):
    """G networks of one architecture, registered as ``members`` (their parameters are the
    stack's); subclasses write ``forward`` on x [T, G, B, F] → scores [G, B, K]."""

    def __init__(self, models: list[nn.Module]):
        super().__init__()
        if not models:
            raise ValueError("a stack needs at least one network")
        shapes = {tuple(tuple(q.shape) for q in m.parameters()) for m in models}
        if len(shapes) != 1:
            raise ValueError(f"the networks of a {type(self).__name__} differ in shape: {sorted(shapes)}")
        self.members = nn.ModuleList(models)

    def same(self, what: str, value) -> None:
        """Refuse networks that differ in ``value(network)`` (settings the forward pass shares)."""
        if len({repr(value(m)) for m in self.members}) != 1:
            raise ValueError(f"the networks of a {type(self).__name__} differ in {what}")

    @staticmethod
    def inputs(x: torch.Tensor) -> list[torch.Tensor]:
        """Each network's inputs [T, B, F] of x [T, G, B, F], laid out as when it runs alone."""
        return [x[:, g].contiguous() for g in range(x.shape[1])]


def train_stacked(stack: ModelStack, x: torch.Tensor, y: torch.Tensor, train_idx, *, epochs: int,
                  lr: float, batch_size: int, seeds, progress: str | None = None) -> np.ndarray:
    """Train the G networks of ``stack`` with Adam on the cross-entropy (cosine schedule):
    network g on the samples ``train_idx[g]`` of time-major x [T, N, F] (labels y [N]), in the
    mini-batches of a permutation seeded by ``seeds[g]``, drawn per epoch. The networks are
    trained in place; returns the mean training loss per network and epoch [G, epochs]."""
    idx = torch.as_tensor(np.stack([np.asarray(i) for i in train_idx]), dtype=torch.long)
    if idx.shape[0] != len(seeds) or idx.shape[0] != len(stack.members):
        raise ValueError(f"{idx.shape[0]} training sets and {len(seeds)} seeds for {len(stack.members)} networks")
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be ≥ 1, got {epochs}, {batch_size}")
    G, n = idx.shape
    gens = [torch.Generator().manual_seed(int(s)) for s in seeds]
    opt = torch.optim.Adam(stack.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    loss_fn = nn.CrossEntropyLoss()
    losses = np.zeros((G, epochs))
    stack.train()
    for epoch in range(epochs):
        perm = torch.stack([torch.randperm(n, generator=g) for g in gens])
        order = torch.gather(idx, 1, perm).to(x.device)
        total = np.zeros(G)
        for start in range(0, n, batch_size):
            b = order[:, start:start + batch_size]                       # [G, b]
            opt.zero_grad()
            scores = stack(x[:, b])
            loss = torch.stack([loss_fn(scores[g], y[b[g]]) for g in range(G)])
            loss.sum().backward()
            opt.step()
            total += loss.detach().cpu().numpy().astype(float) * b.shape[1]
        sched.step()
        losses[:, epoch] = total / n
        if progress and (epoch + 1) % max(1, epochs // 4) == 0:
            log.info("%s: epoch %d/%d, mean loss %.4f", progress, epoch + 1, epochs, losses[:, epoch].mean())
    stack.eval()
    return losses
