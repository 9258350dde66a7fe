"""NeuroBench metric definitions on worked examples."""

import pytest
import torch
from torch import nn

from neurobench.metrics.synops import (SynapticOperations, activation_sparsity,
                                       connection_sparsity, footprint_bytes)


def _layer():
    layer = nn.Linear(3, 3, bias=False)
    with torch.no_grad():
        layer.weight[:] = torch.tensor([[1.0, 0, 2], [0, 0, 3], [4, 5, 0]])
    return layer


def test_effective_acs_worked_example():
    layer = _layer()
    with SynapticOperations(layer) as ops:
        layer(torch.tensor([[1.0, 0, 1]]))
    r = ops.result(1)
    assert (r.effective_acs, r.effective_macs, r.dense) == (4.0, 0.0, 9.0)


def test_non_binary_input_counts_macs_and_per_sample_average():
    layer = _layer()
    with SynapticOperations(layer) as ops:
        layer(torch.tensor([[0.5, 0, 2.0], [0.5, 0, 2.0]]))   # 2 samples, 4 ops each
        layer(torch.tensor([[0.0, 0, 0.0], [0.0, 0, 0.0]]))   # a second time step: 0 ops
    r = ops.result(2)
    assert (r.effective_acs, r.effective_macs, r.dense) == (0.0, 4.0, 18.0)  # dense: both steps


def test_conv_ops_match_hand_count():
    conv = nn.Conv1d(1, 1, kernel_size=2, bias=False)
    with torch.no_grad():
        conv.weight[:] = torch.tensor([[[1.0, 0.0]]])
    x = torch.tensor([[[1.0, 1.0, 0.0, 1.0]]])     # 3 output positions, weight tap 0 only
    with SynapticOperations(conv) as ops:
        conv(x)
    r = ops.result(1)
    assert r.effective_acs == 2.0   # x[0], x[1] non-zero under tap 0; x[2] = 0
    assert r.dense == 6.0           # 3 positions × 2 taps


def test_sparsity_and_footprint():
    layer = _layer()
    assert connection_sparsity(layer) == pytest.approx(4 / 9)
    assert activation_sparsity([torch.tensor([0.0, 1.0, 0.0, 0.0])]) == 0.75
    assert footprint_bytes(layer) == 9 * 4
    with pytest.raises(ValueError):
        activation_sparsity([])
