"""The emulator benchmark: its workload is the issue's (full board, 64 CAM entries each) and its
quick-workflow outputs exist."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import claims_of

from neurobench.studies.dynapse_benchmark import build_board

PARAMS = dict(seed=3, cv_circuit=0.1, dc=[2, 60], weight_exc=[2, 40], weight_inh=[2, 60],
              n_exc=48)


def test_benchmark_board_is_the_full_workload():
    b = build_board(PARAMS, 1000.0)
    assert b.n_neurons == 4096
    assert np.all(b.cam_usage() == 64)
    # sources stay on their chip: one SRAM entry each, so no cross-chip aliasing
    assert all(len(b.sram(g)) <= 1 for g in range(0, 4096, 97))
    assert b.aliasing() == []


def test_dynapse_benchmark_workflow(quick_results):
    table = pd.read_csv(quick_results / "benchmarks" / "dynapse.csv")
    assert (quick_results / "benchmarks" / "dynapse.md").exists()
    assert list(table["simulator"]) == ["neurobench.dynapse", "neurobench.dynapse",
                                        "rockpool DynapSim"]
    assert np.all(table["realtime_factor"].iloc[:2] > 0)
    claims = claims_of(quick_results, "dynapse_benchmark").set_index("claim_id")
    assert claims.loc["realtime_factor", "status"] in ("PASS", "FAIL")
    rate = claims.loc["mean_rate", "reproduced"]
    assert 5.0 < rate < 60.0, rate
