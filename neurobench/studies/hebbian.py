"""Hebbian learning: the naive rule grows without bound, Oja's rule finds the principal component.

Sources: Sandin's talk, slides "Synapses and learning"; Gerstner, Kistler, Naud & Paninski,
*Neuronal Dynamics* (2014), ch. 19: eq. 19.3 (naive Hebb) and eq. 19.7 (Oja's rule); Oja,
"A simplified neuron model as a principal component analyzer", J. Math. Biol. 15:267 (1982).

A linear rate neuron ν_post = w·ν_pre receives input rates ν_pre (N channels) drawn i.i.d. from a
distribution with correlation matrix C = ⟨ν_pre ν_preᵀ⟩ (positive mean rate plus correlated
fluctuations along chosen directions). With learning rate γ, one update per input sample:

    naive Hebb (eq. 19.3):  Δw = γ ν_post ν_pre            ⟨Δw⟩ = γ C w: |w| grows exponentially
    Oja (eq. 19.7):         Δw = γ (ν_post ν_pre − ν_post² w)

Oja's rule converges to ±e₁, the unit principal eigenvector of C (Oja 1982). The reference
eigenvector is computed from the empirical correlation matrix of the same samples (numpy
``eigh``); the growth rate of the naive rule is compared with its mean-field prediction
|w_t| ≈ |w_0|·(1 + γλ₁)^t once w is aligned with e₁.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from neurobench.report import StudyWriter, claim_at_least, claim_within

log = logging.getLogger("neurobench")

EQ_19_3 = "Gerstner et al., Neuronal Dynamics (2014) eq. 19.3 (naive Hebb, unbounded growth)"
OJA = "Oja 1982, J. Math. Biol. 15:267; Neuronal Dynamics eq. 19.7; e₁ from numpy eigh of the input correlation"


def declared_claims(params: dict) -> dict[str, str]:
    """The claims of this study, claim_id → kind of reference (see ``neurobench.report.claims``).

    Unbounded growth is the published finding of eq. 19.3; its mean-field rate, the principal
    eigenvector and the unit norm are analytic results (Oja 1982) whose numbers come from numpy's
    eigendecomposition of the inputs, not from the learning loop under test.
    """
    return {
        "hebb_unbounded": "literature",
        "hebb_growth_rate": "closed_form",
        "oja_principal_eigenvector": "closed_form",
        "oja_unit_norm": "closed_form",
    }


def input_rates(p, rng) -> np.ndarray:
    """Samples [T, N] of input rates: mean rate plus Gaussian fluctuations with covariance
    Σ = Σ_k s_k² d_k d_kᵀ + σ₀² I along random orthonormal directions d_k."""
    n, t = p["n_inputs"], p["n_samples"]
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    scales = np.asarray(p["component_sd_hz"], float)
    k = scales.size
    if k > n:
        raise ValueError(f"component_sd_hz: {k} components for only {n} inputs")
    z = rng.standard_normal((t, k)) * scales
    x = p["mean_rate_hz"] + z @ q[:, :k].T + p["noise_sd_hz"] * rng.standard_normal((t, n))
    return x


def train(x: np.ndarray, w0: np.ndarray, gamma: float, rule: str, every: int):
    """Sequential updates over the samples; returns the weight trajectory (every ``every``)."""
    w = w0.copy()
    traj = [w.copy()]
    for t in range(x.shape[0]):
        xt = x[t]
        y = w @ xt
        if rule == "hebb":
            w += gamma * y * xt
        else:
            w += gamma * (y * xt - y * y * w)
        if not np.all(np.isfinite(w)):
            break
        if (t + 1) % every == 0:
            traj.append(w.copy())
    return np.array(traj)


def run(params: dict, outdir: Path) -> None:
    p = dict(params)
    rng = np.random.default_rng(p["seed"])
    with StudyWriter(outdir, p, seed=p["seed"], claims=declared_claims(p)) as out:
        x = input_rates(p, rng)
        corr = x.T @ x / x.shape[0]
        evals, evecs = np.linalg.eigh(corr)
        e1, lam1 = evecs[:, -1], evals[-1]
        w0 = rng.uniform(0, p["w0_max"], p["n_inputs"])
        hebb = train(x[: p["hebb_samples"]], w0, p["gamma_hebb"], "hebb", 1)
        oja = train(x, w0, p["gamma_oja"], "oja", p["record_every"])
        norm_h = np.linalg.norm(hebb, axis=1)
        norm_o = np.linalg.norm(oja, axis=1)
        cos_o = np.abs(oja @ e1) / norm_o
        cos_h = np.abs(hebb @ e1) / norm_h
        # mean-field growth per sample of the naive rule once aligned: (1 + γ λ₁)
        late = slice(len(norm_h) // 2, None)
        growth = np.exp(np.mean(np.diff(np.log(norm_h[late]))))
        out.table(pd.DataFrame(dict(sample=np.arange(len(norm_h)), hebb_norm=norm_h,
                                    hebb_cos_e1=cos_h)), "hebb_trajectory")
        out.table(pd.DataFrame(dict(sample=np.arange(len(norm_o)) * p["record_every"],
                                    oja_norm=norm_o, oja_cos_e1=cos_o)), "oja_trajectory")
        out.table(pd.DataFrame(dict(eigenvalue=evals[::-1][:5])), "input_correlation_spectrum")
        out.claim(claim_at_least(
            "hebb_unbounded", "naive Hebb: the weight vector grows without bound",
            f"|w| after {p['hebb_samples']} samples / |w_0|", p["hebb_growth_min"],
            norm_h[-1] / norm_h[0], unit="×", source=EQ_19_3))
        out.claim(claim_within(
            "hebb_growth_rate", "naive Hebb grows at the mean-field rate: |w| × (1 + γλ₁) per sample",
            "measured relative growth per sample (second half)", p["gamma_hebb"] * lam1,
            growth - 1, rel_tol=p["growth_rel_tol"], unit="", source=EQ_19_3 + "; λ₁ from eigh"))
        out.claim(claim_at_least(
            "oja_principal_eigenvector", "Oja's rule converges to the principal eigenvector of "
            "the input correlation matrix", "|cos(w, e₁)| at the end", p["cosine_min"], cos_o[-1],
            unit="", source=OJA))
        out.claim(claim_within(
            "oja_unit_norm", "Oja's rule normalises the weights: |w| → 1", "|w| at the end", 1.0,
            norm_o[-1], abs_tol=p["norm_tol"], unit="", source=OJA))
        _figure(out, norm_h, cos_h, norm_o, cos_o, p)


def _figure(out, norm_h, cos_h, norm_o, cos_o, p):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    axes[0].semilogy(norm_h, label="|w| naive Hebb")
    axes[0].set_xlabel("sample")
    axes[0].set_ylabel("|w|")
    axes[0].legend(fontsize=8)
    s = np.arange(len(norm_o)) * p["record_every"]
    axes[1].plot(s, norm_o, label="|w| Oja")
    axes[1].plot(s, cos_o, label="|cos(w, e₁)| Oja")
    axes[1].axhline(1.0, color="0.6", lw=0.5)
    axes[1].set_xlabel("sample")
    axes[1].legend(fontsize=8)
    out.figure(fig, "hebb_oja")
