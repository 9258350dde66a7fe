"""The emulator benchmark: its workload is the full board (64 CAM entries each), it writes only its
own results folder, declares its claims with their kinds, and says why rockpool was not run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import claims_of

from neurobench.studies import dynapse_benchmark
from neurobench.studies.dynapse_benchmark import build_board, declared_claims

PARAMS = dict(seed=3, cv_circuit=0.1, dc=[2, 60], weight_exc=[2, 40], weight_inh=[2, 60],
              n_exc=48)


def test_benchmark_board_is_the_full_workload():
    b = build_board(PARAMS, 1000.0)
    assert b.n_neurons == 4096
    assert np.all(b.cam_usage() == 64)
    # sources stay on their chip: one SRAM entry each, so no cross-chip aliasing
    assert all(len(b.sram(g)) <= 1 for g in range(0, 4096, 97))
    assert b.aliasing() == []


def check_claims(claims: pd.DataFrame, rockpool_reason: str):
    claims = claims.set_index("claim_id")
    assert dict(claims["kind"]) == declared_claims({})
    assert claims.loc["deterministic_per_seed", "status"] == "PASS"
    assert claims.loc["deterministic_per_seed", "reproduced"] == 0.0
    rtf = claims.loc["realtime_factor"]
    assert np.isfinite(rtf["reproduced"]) and rtf["reproduced"] > 0
    assert rtf["status"] == ("PASS" if rtf["reproduced"] >= 10.0 else "FAIL")
    assert claims.loc["realtime_factor_coarse", "status"] == "INFO"
    assert claims.loc["wall_factor_two_threads", "status"] == "INFO"
    # two equal halves of the board: each thread carries about half of the one-thread work, so the
    # factor is above 1 (the second thread takes part of the work) and below 3; on a 2-vCPU VM
    # two threads running at once each run slower than one alone (shared host core resources),
    # so on 0.2 s of chip time the factor has been seen anywhere from 1.25 to 2.1
    assert 1.0 < claims.loc["wall_factor_two_threads", "reproduced"] < 3.0
    assert 5.0 < claims.loc["mean_rate", "reproduced"] < 60.0
    for cid in ("speedup_vs_rockpool_study_dt", "speedup_vs_rockpool_same_dt"):
        assert claims.loc[cid, "status"] == "NOT_RUN"
        assert rockpool_reason in claims.loc[cid, "tolerance"]


@pytest.mark.parametrize("rockpool", ["skipped", "missing"])
def test_study_writes_only_its_folder_and_not_run_rows(tmp_path, monkeypatch, rockpool):
    params = dict(PARAMS, dt_us=100.0, chip_s=0.2, coarse_dt_us=1000.0, coarse_chip_s=0.05,
                  rockpool_chip_s=0.0, repeats=2)
    reason = "rockpool_chip_s = 0"
    if rockpool == "missing":
        import builtins
        real_import = builtins.__import__

        def no_rockpool(name, *args, **kwargs):
            if name.startswith("rockpool"):
                raise ModuleNotFoundError(f"No module named {name!r}")
            return real_import(name, *args, **kwargs)
        monkeypatch.setattr(builtins, "__import__", no_rockpool)
        params["rockpool_chip_s"] = 0.01
        reason = "rockpool not importable"
    dynapse_benchmark.run(params, tmp_path / "dynapse_benchmark")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dynapse_benchmark"]
    table = pd.read_csv(tmp_path / "dynapse_benchmark" / "tables" / "dynapse_benchmark.csv")
    assert list(table["simulator"]) == ["neurobench.dynapse"] * 3 + ["rockpool DynapSim"]
    assert list(table["threads"].iloc[:3]) == [1, 1, 2]
    assert table["identical_runs"].iloc[:3].all()
    assert table["digest"].iloc[0] == table["digest"].iloc[2]
    check_claims(claims_of(tmp_path, "dynapse_benchmark"), reason)


def test_dynapse_benchmark_workflow(quick_results):
    assert not (quick_results / "benchmarks" / "dynapse.csv").exists()
    table = pd.read_csv(quick_results / "dynapse_benchmark" / "tables" / "dynapse_benchmark.csv")
    assert list(table["simulator"]) == ["neurobench.dynapse"] * 3 + ["rockpool DynapSim"]
    check_claims(claims_of(quick_results, "dynapse_benchmark"), "rockpool_chip_s = 0")
