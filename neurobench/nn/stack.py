"""Many small networks trained as one model.

Small recurrent networks train far faster together than one by one: the time loop, not the
arithmetic, costs. :class:`ModelStack` holds G independent networks of one architecture with each
parameter stacked along a new leading dimension (subclasses write the batched forward pass on
inputs ``[T, G, batch, features]``, returning scores ``[G, batch, classes]``), and
:func:`train_stacked` trains them: network g sees its own training set in the mini-batches of its
own seeded permutation. The summed loss gives each network exactly its own gradient, and Adam
acts element-wise, so each network is trained as :func:`neurobench.nn.kws.train_classifier` would
train it alone, up to the order of floating-point sums. :meth:`ModelStack.write_back` copies the
trained parameters into the networks, which are then evaluated one by one as before.
"""

from __future__ import annotations

import logging

import numpy as np
import torch
from torch import nn

log = logging.getLogger("neurobench")


class ModelStack(nn.Module):
    """G networks of one architecture; ``PARTS`` names the parameters that are stacked (the
    stacked tensors are ``self.stacked``, in that order)."""

    PARTS: tuple[str, ...] = ()

    def __init__(self, models: list[nn.Module]):
        super().__init__()
        if not models:
            raise ValueError("a stack needs at least one network")
        shapes = [tuple(m.get_parameter(n).shape for n in self.PARTS) for m in models]
        if len(set(shapes)) != 1:
            raise ValueError(f"the networks of a {type(self).__name__} differ in shape: {sorted(set(shapes))}")
        self.members = tuple(models)             # a tuple: not registered as submodules
        self.stacked = nn.ParameterList(
            nn.Parameter(torch.stack([m.get_parameter(n).detach().clone() for m in models]))
            for n in self.PARTS)

    def same(self, what: str, value) -> None:
        """Refuse networks that differ in ``value(network)`` (a setting the forward pass shares)."""
        if len({repr(value(m)) for m in self.members}) != 1:
            raise ValueError(f"the networks of a {type(self).__name__} differ in {what}")

    @torch.no_grad()
    def write_back(self) -> list[nn.Module]:
        """Copy the trained parameters into the networks; returns them."""
        for g, m in enumerate(self.members):
            for name, stacked in zip(self.PARTS, self.stacked):
                m.get_parameter(name).copy_(stacked[g])
        return list(self.members)


def train_stacked(stack: ModelStack, x: torch.Tensor, y: torch.Tensor, train_idx, *, epochs: int,
                  lr: float, batch_size: int, seeds, progress: str | None = None) -> np.ndarray:
    """Train the G networks of ``stack`` with Adam on the cross-entropy (cosine schedule):
    network g on the samples ``train_idx[g]`` of time-major x [T, N, F] (labels y [N]), in the
    mini-batches of a permutation seeded by ``seeds[g]``, drawn per epoch. Returns the mean
    training loss per network and epoch [G, epochs]."""
    idx = torch.as_tensor(np.stack([np.asarray(i) for i in train_idx]), dtype=torch.long)
    if idx.shape[0] != len(seeds) or idx.shape[0] != len(stack.members):
        raise ValueError(f"{idx.shape[0]} training sets and {len(seeds)} seeds for {len(stack.members)} networks")
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be ≥ 1, got {epochs}, {batch_size}")
    G, n = idx.shape
    gens = [torch.Generator().manual_seed(int(s)) for s in seeds]
    opt = torch.optim.Adam(stack.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    losses = np.zeros((G, epochs))
    stack.train()
    for epoch in range(epochs):
        perm = torch.stack([torch.randperm(n, generator=g) for g in gens])
        order = torch.gather(idx, 1, perm).to(x.device)
        total = torch.zeros(G, device=x.device)
        for start in range(0, n, batch_size):
            b = order[:, start:start + batch_size]                       # [G, b]
            opt.zero_grad()
            scores = stack(x[:, b])
            loss = nn.functional.cross_entropy(scores.flatten(0, 1), y[b].flatten(),
                                               reduction="none").view(G, -1).mean(dim=1)
            loss.sum().backward()
            opt.step()
            total += loss.detach() * b.shape[1]
        sched.step()
        losses[:, epoch] = total.cpu().numpy() / n
        if progress and (epoch + 1) % max(1, epochs // 4) == 0:
            log.info("%s: epoch %d/%d, mean loss %.4f", progress, epoch + 1, epochs, losses[:, epoch].mean())
    stack.eval()
    return losses
