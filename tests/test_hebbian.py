"""Hebbian study: Oja's fixed point and naive Hebb's growth on hand-made inputs, and its workflow."""

import numpy as np
import pytest

from conftest import claims_of
from neurobench.studies import hebbian


def test_oja_finds_principal_axis_of_known_inputs():
    """Inputs with variance 9 along (1, 1)/√2 and 1 along (1, −1)/√2: Oja → ±(1, 1)/√2, |w| = 1."""
    rng = np.random.default_rng(0)
    z = rng.standard_normal((20000, 2)) * [3.0, 1.0]
    rot = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    x = z @ rot
    traj = hebbian.train(x, np.array([0.3, -0.1]), 0.002, "oja", 1000)
    w = traj[-1]
    assert np.linalg.norm(w) == pytest.approx(1.0, abs=0.03)
    assert abs(w @ rot[0]) == pytest.approx(1.0, abs=0.01)


def test_naive_hebb_grows_at_mean_field_rate():
    """One input with E[x²] = 4: the mean weight grows as (1 + 4γ)^t."""
    rng = np.random.default_rng(1)
    x = rng.choice([-2.0, 2.0], size=(500, 1))      # x² = 4 exactly: growth is deterministic
    traj = hebbian.train(x, np.array([0.5]), 0.01, "hebb", 1)
    np.testing.assert_allclose(np.abs(traj[:, 0]), 0.5 * 1.04 ** np.arange(501), rtol=1e-9)


def test_input_rates_bad_components():
    with pytest.raises(ValueError, match="component_sd_hz"):
        hebbian.input_rates(dict(n_inputs=2, n_samples=5, component_sd_hz=[1, 1, 1],
                                 mean_rate_hz=0.0, noise_sd_hz=0.1), np.random.default_rng(0))


@pytest.mark.slow
def test_hebbian_workflow(quick_results):
    d = quick_results / "hebbian"
    for f in ("comparison.csv", "provenance.json", "figures/hebb_oja.png",
              "tables/oja_trajectory.csv"):
        assert (d / f).is_file(), f
    claims = claims_of(quick_results, "hebbian")
    assert dict(zip(claims.claim_id, zip(claims.kind, claims.status))) == {
        "hebb_unbounded": ("literature", "PASS"),
        "hebb_growth_rate": ("closed_form", "PASS"),
        "oja_principal_eigenvector": ("closed_form", "PASS"),
        "oja_unit_norm": ("closed_form", "PASS"),
    }
