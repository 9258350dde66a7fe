"""The discretised LIF (torch) against closed forms."""

import math

import numpy as np
import pytest
import torch

from neurobench.nn import LIF, LIFParameters, LIFReadout, RecurrentLIF, alpha_from_tau, spike


def test_heaviside_forward_and_atan_surrogate_gradient():
    x = torch.tensor([-1.0, 0.0, 0.5], requires_grad=True)
    s = spike(x, "atan", alpha=2.0)
    assert s.tolist() == [0.0, 0.0, 1.0]
    s.sum().backward()
    expected = [1.0 / (1 + (math.pi * v) ** 2) for v in (-1.0, 0.0, 0.5)]
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)


def test_fast_sigmoid_gradient():
    x = torch.tensor([0.1], requires_grad=True)
    spike(x, "fast_sigmoid", alpha=25.0).sum().backward()
    assert x.grad.item() == pytest.approx(1 / (1 + 2.5) ** 2)


def test_subthreshold_relaxation_is_geometric():
    p = LIFParameters(alpha=0.8, beta=1.0, u_thr=100.0)
    x = torch.zeros(10, 1, 1)
    x[0] = 1.0
    _, u = LIF(p)(x, return_u=True)
    np.testing.assert_allclose(u[:, 0, 0].numpy(), 0.8 ** np.arange(10), rtol=1e-6)


def test_exact_alpha_matches_continuous_charging():
    # τ dv/dt = −v + RI with RI = 0.5 θ: v(t) = 0.5 (1 − e^{−t/τ}); u = v/θ, β = 1 − α
    tau, dt = 20.0, 1.0
    a = alpha_from_tau(tau, dt)
    p = LIFParameters(alpha=a, beta=1 - a, u_thr=10.0)
    x = torch.full((50, 1, 1), 0.5)
    _, u = LIF(p)(x, return_u=True)
    t = dt * np.arange(1, 51)
    np.testing.assert_allclose(u[:, 0, 0].numpy(), 0.5 * (1 - np.exp(-t / tau)), rtol=1e-5)


def test_reset_modes():
    x = torch.full((3, 1, 1), 1.5)
    s0, u0 = LIF(LIFParameters(alpha=0.0, u_thr=1.0, reset="zero"))(x, return_u=True)
    s1, u1 = LIF(LIFParameters(alpha=0.0, u_thr=1.0, reset="subtract"))(x, return_u=True)
    assert s0.flatten().tolist() == [1, 1, 1]
    assert u0.flatten().tolist() == [0, 0, 0]
    assert u1.flatten().tolist() == pytest.approx([0.5, 0.5, 0.5])


def test_recurrent_network_trains_with_bptt():
    torch.manual_seed(0)
    net = RecurrentLIF(2, 8)
    read = LIFReadout(8, 2)
    # class 0: input on channel 0 early; class 1: channel 1 early
    x = torch.zeros(20, 32, 2)
    y = torch.arange(32) % 2
    x[:5, y == 0, 0] = 2.0
    x[:5, y == 1, 1] = 2.0
    opt = torch.optim.Adam(list(net.parameters()) + list(read.parameters()), lr=0.05)
    losses = []
    for _ in range(40):
        out = read(net(x)).max(0).values
        loss = torch.nn.functional.cross_entropy(out, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match="reset"):
        LIFParameters(reset="soft")
    with pytest.raises(ValueError, match="alpha"):
        LIFParameters(alpha=1.5)
    with pytest.raises(ValueError, match="surrogate"):
        spike(torch.zeros(1), "relu")
    with pytest.raises(ValueError, match="tau"):
        alpha_from_tau(0.0, 1.0)
    with pytest.raises(ValueError, match="T, batch"):
        LIF()(torch.zeros(3, 2))
