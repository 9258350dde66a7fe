"""The emulator's kernel on several threads (parts of whole chips) gives the same results as on one."""

from __future__ import annotations

import numpy as np
import pytest

from neurobench.dynapse import BiasSet, Board, MismatchConfig


def run_board(threads: int, cross_chip: bool):
    b = Board(n_chips=2, seed=7, mismatch=MismatchConfig(seed=7), aliasing="allow")
    b.set_biases(BiasSet.default().replace(IF_DC_P=(2, 60), IF_AHW_P=(5, 160)))
    rng = np.random.default_rng(7)
    post = np.repeat(np.arange(b.n_neurons), 8)
    src = (post // 1024) * 1024 + rng.integers(0, 1024, post.size)    # within each chip
    b.connect(src, post, "AMPA")
    pois = b.add_poisson(np.full(8, 200.0), tags=np.arange(8))
    b.connect(pois.ids, np.arange(8) * 250, "NMDA", multiplicity=4)     # inputs reach both chips
    if cross_chip:
        b.connect(3, 1500, "GABA_A")                                    # chip 0 → chip 1
    probe = b.probe([5, 1029, 2000], every_us=500.0)
    b.threads = threads
    b.run(60.0)
    b.run(40.0)                                 # a second segment continues the state
    return b.events(), probe, b.kernel_stats.copy()


@pytest.mark.parametrize("cross_chip", [False, True])
def test_two_threads_give_the_same_spikes_state_and_probes(cross_chip):
    ev1, pr1, st1 = run_board(1, cross_chip)
    ev2, pr2, st2 = run_board(2, cross_chip)
    assert len(ev1) > 1000
    np.testing.assert_array_equal(ev1.gid, ev2.gid)
    np.testing.assert_array_equal(ev1.t_us, ev2.t_us)
    np.testing.assert_array_equal(pr1.imem, pr2.imem)
    np.testing.assert_array_equal(pr1.isyn("NMDA"), pr2.isyn("NMDA"))
    np.testing.assert_array_equal(st1, st2)
