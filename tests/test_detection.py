"""Hybrid SNN–ANN detection: metrics (COCO mAP via pycocotools, energy, bandwidth), models,
target encoding/decoding, operation counts, the Gen1 data path of the study, and the study's
outputs in the quick workflow."""

import math

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import claims_of
from neurobench.data import gen1
from neurobench.metrics import detection as M
from neurobench.metrics.synops import SynapticOperations
from neurobench.nn import detection as D
from neurobench.studies import detection as S


# -- metrics -----------------------------------------------------------------------------------
def test_coco_map_perfect_and_shifted_boxes():
    gt = [np.array([[10, 10, 10, 10, 0]], float), np.array([[30, 5, 10, 10, 1]], float)]
    perfect = [(g[:, :4], np.ones(1), g[:, 4].astype(int)) for g in gt]
    assert M.coco_map(gt, perfect, 2, 48, 64) == pytest.approx({"map": 1.0, "map50": 1.0, "map75": 1.0})
    # a 2 px shift of a 10×10 box: IoU = 80/120 = 0.667 ≥ 0.50, 0.55, 0.60, 0.65 only → 4/10
    shifted = [(g[:, :4] + [2, 0, 0, 0], np.ones(1), g[:, 4].astype(int)) for g in gt]
    r = M.coco_map(gt, shifted, 2, 48, 64)
    assert r["map50"] == pytest.approx(1.0) and r["map75"] == 0.0
    assert r["map"] == pytest.approx(0.4)
    wrong_class = [(g[:, :4], np.ones(1), 1 - g[:, 4].astype(int)) for g in gt]
    assert M.coco_map(gt, wrong_class, 2, 48, 64)["map50"] == 0.0
    with pytest.raises(ValueError, match="no ground-truth"):
        M.coco_map([np.zeros((0, 5))], [(np.zeros((0, 4)), [], [])], 2, 48, 64)


def test_energy_and_bandwidth_formulas():
    assert M.energy_joules(1e12, 0) == pytest.approx(0.9)       # Horowitz 2014: 0.9 pJ / add
    assert M.energy_joules(0, 1e12) == pytest.approx(4.6)       # 0.9 + 3.7 pJ / MAC
    with pytest.raises(ValueError):
        M.energy_joules(-1, 0)
    assert M.aer_bits_per_s(100, 1024, 0.05) == pytest.approx(100 * 10 / 0.05)
    assert M.dense_bits_per_s(1024, 5, 0.05) == pytest.approx(1024 * 3 / 0.05)


# -- targets, decoding, NMS ----------------------------------------------------------------------
GRID = D.GridSpec(stride=8, anchor_px=12.0, rows=6, cols=8)


def _logits_from_targets(tgt, n_classes):
    """Head outputs that decode exactly to the encoded targets."""
    B, _, R, C = tgt.shape
    out = torch.full((B, 5 + n_classes, R, C), -20.0)
    obj = tgt[:, 0] > 0
    out[:, 0][obj] = 20.0
    off = tgt[:, 1:3].clamp(1e-6, 1 - 1e-6)
    out[:, 1:3] = torch.log(off / (1 - off))
    out[:, 3:5] = tgt[:, 3:5]
    for k in range(n_classes):
        out[:, 5 + k] = torch.where(tgt[:, 5] == k, 20.0, -20.0)
    return out


def test_encode_decode_round_trip_scores_map_one():
    gt = [np.array([[3, 4, 10, 14, 0], [30, 20, 16, 8, 2]], float), np.array([[50, 30, 9, 9, 1]], float)]
    tgt = D.encode_targets(gt, GRID, 3)
    assert tgt[:, 0].sum() == 3
    assert tgt[0, 0, (4 + 7) // 8, (3 + 5) // 8] == 1
    dets = D.decode(_logits_from_targets(tgt, 3), GRID, score_min=0.5)
    for g, (boxes, scores, cls) in zip(gt, dets):
        order = np.argsort(cls)
        np.testing.assert_allclose(boxes[order], g[np.argsort(g[:, 4]), :4], atol=1e-3)
    assert M.coco_map(gt, dets, 3, 48, 64)["map"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="class id"):
        D.encode_targets([np.array([[0, 0, 4, 4, 5]])], GRID, 3)


def test_iou_and_nms():
    a = np.array([[0, 0, 10, 10], [2, 0, 10, 10], [50, 50, 5, 5]], float)
    iou = D.box_iou(a, a)
    assert iou[0, 1] == pytest.approx(80 / 120) and iou[0, 2] == 0 and iou[2, 2] == 1
    assert D.nms(a, np.array([0.9, 0.95, 0.1]), iou_max=0.5) == [1, 2]
    assert D.nms(a, np.array([0.9, 0.95, 0.1]), iou_max=0.7) == [1, 0, 2]


# -- models and costs ------------------------------------------------------------------------------
def _input(T=4, B=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(T, B, 2, 48, 64, generator=g) < 0.1).float()


def test_hybrid_spikes_are_binary_and_gradients_reach_the_first_layer():
    torch.manual_seed(0)
    net = D.build("detection", spiking=True, n_classes=3)
    out, acts, feats = net(_input(), record=True)
    assert out.shape == (3, 8, 6, 8) and feats.shape == (3, 32, 6, 8)
    assert all(bool(((a == 0) | (a == 1)).all()) for a in acts)
    assert 0 < float(acts[0].mean()) < 1
    net(_input()).square().mean().backward()
    assert float(net.backbone.convs[0].weight.grad.abs().sum()) > 0      # surrogate gradient
    ann = D.build("detection", spiking=False, n_classes=3)
    _, acts_ann, _ = ann(_input(), record=True)
    assert not bool(((acts_ann[1] == 0) | (acts_ann[1] == 1)).all())
    assert D.build("classification", True, 3)(_input()).shape == (3, 3)
    with pytest.raises(ValueError, match="multiples of 8"):
        net(torch.zeros(2, 1, 2, 20, 64))
    with pytest.raises(ValueError, match="task"):
        D.build("segmentation", True, 3)


def test_operations_split_into_backbone_acs_and_head_macs():
    torch.manual_seed(0)
    x = _input(B=2)
    hybrid = D.build("detection", True, 3).eval()
    ann = D.build("detection", False, 3).eval()
    with torch.no_grad():
        with SynapticOperations(hybrid.backbone) as hb, SynapticOperations(hybrid.head) as hh:
            hybrid(x)
        with SynapticOperations(ann.backbone) as ab:
            ann(x)
    hb, hh, ab = hb.result(2), hh.result(2), ab.result(2)
    assert hb.effective_acs > 0 and hb.effective_macs == 0      # every backbone input is a spike
    assert hh.effective_macs > 0                                # accumulated counts are not binary
    assert ab.effective_macs > 0                                # ReLU outputs feed layers 2, 3
    # dense operations are identical (same graph): conv1 2→8 on 24×32, 8→16 on 12×16, 16→32 on 6×8
    dense_conv = 4 * (24 * 32 * 8 * 2 * 9 + 12 * 16 * 16 * 8 * 9 + 6 * 8 * 32 * 16 * 9)
    assert ab.dense == hb.dense and hb.dense < dense_conv + 1     # ≤ (padding removes some)
    assert hb.dense > 0.8 * dense_conv


def test_blob_detector_finds_a_square_of_events():
    X = torch.zeros(1, 3, 2, 48, 64, dtype=torch.uint8)
    X[0, 1, 1, 10:20, 30:36] = 1
    boxes, scores, cls = S.blob_detector(X, class_prior=np.array([1.0, 3.0]))[0]
    # one component, dilated by one pixel, proposed once per class with the prior as score
    np.testing.assert_allclose(boxes, [[29, 9, 8, 12]] * 2)
    np.testing.assert_allclose(scores, [0.25, 0.75])
    assert cls.tolist() == [0, 1]


# -- the study's data path ---------------------------------------------------------------------------
def _tiny_gen1(root, h=48, w=64):
    rng = np.random.default_rng(0)
    for split in ("train", "val"):
        (root / split).mkdir(parents=True)
        ev = np.zeros(400, dtype=gen1.EVENT_DTYPE)
        ev["t"] = np.sort(rng.integers(0, 900_000, 400))
        ev["x"], ev["y"], ev["p"] = rng.integers(0, w, 400), rng.integers(0, h, 400), rng.integers(0, 2, 400)
        gen1.write_dat(root / split / f"rec_{split}_td.dat", ev, h, w)
        b = np.zeros(3, dtype=gen1.BBOX_DTYPE)
        b["t"] = [600_000, 700_000, 800_000]
        b["x"], b["y"], b["w"], b["h"], b["class_id"] = 5, 6, 30, 25, [0, 1, 0]
        gen1.write_bbox(root / split / f"rec_{split}_bbox.npy", b)


PARAMS = {"data_source": "gen1", "gen1_dir": "", "val_split": "val", "gen1_min_diag_px": 30.0,
          "gen1_skip_ms": 500.0, "max_windows_per_recording": 2, "window_ms": 50.0, "n_bins": 5}


def test_study_reads_gen1_layout(tmp_path):
    _tiny_gen1(tmp_path)
    Xtr, Ttr, Xva, Tva, size, classes, _ = S.load_data(dict(PARAMS, gen1_dir=str(tmp_path)), None)
    assert classes == list(gen1.GEN1_CLASSES) and size == (48, 64)
    assert Xtr.shape == (2, 5, 2, 48, 64) and Xtr.dtype == torch.uint8      # capped at 2 windows
    assert [t[0, 4] for t in Ttr] == [0, 0]          # first and last label time (evenly spaced)
    with pytest.raises(ValueError, match="gen1_dir"):
        S.load_data(PARAMS, None)
    with pytest.raises(ValueError, match="does not exist"):
        S.load_data(dict(PARAMS, gen1_dir=str(tmp_path / "nope")), None)


# -- the quick workflow ----------------------------------------------------------------------------
QUICK_STATUS = {"hybrid_map_vs_ann": "PASS", "hybrid_energy_vs_ann": "PASS",
                "hybrid_classification_vs_ann": "NOT_RUN", "hybrid_beats_blobs": "PASS",
                "ann_beats_blobs": "PASS", "neurobench_map_ratio": "INFO",
                "neurobench_energy_ratio": "INFO", "bandwidth_aer_vs_dense": "INFO"}


def test_ratio_claim_is_not_run_when_the_ann_scores_zero(tmp_path):
    from neurobench.report import StudyWriter
    declared = {"hybrid_map_vs_ann": "literature"}
    for den, status in ((0.0, "NOT_RUN"), (0.5, "PASS")):
        with StudyWriter(tmp_path / "det", {}, seed=0, claims=declared) as out:
            S._ratio_claim(out, "hybrid_map_vs_ann", "c", "q", 0.8, 0.45, den, "mAP", source="s")
        row = pd.read_csv(tmp_path / "det" / "comparison.csv").iloc[0]
        assert row.status == status and row.kind == "literature"
    assert row.reproduced == pytest.approx(0.9)


def test_detection_outputs_and_claims(quick_results):
    d = quick_results / "detection"
    for name in ("map_vs_energy", "learning_curves", "example_detections"):
        assert (d / "figures" / f"{name}.png").stat().st_size > 1000
        assert (d / "figures" / f"{name}.pdf").stat().st_size > 1000
    for name in ("runs", "learning_curves", "summary", "blob_baseline", "bandwidth",
                 "neurobench_context"):
        assert (d / "tables" / f"{name}.csv").exists() and (d / "tables" / f"{name}.md").exists()
    assert (d / "tables" / "summary.tex").exists()
    assert (quick_results.parent / "resources/detection_events/train/seq_0000_td.dat").exists()
    claims = claims_of(quick_results, "detection").set_index("claim_id")
    kinds = S.declared_claims({})
    assert sorted(claims.index) == sorted(kinds) == sorted(QUICK_STATUS)
    for cid, status in QUICK_STATUS.items():
        assert claims.loc[cid, "status"] == status, (cid, claims.loc[cid].to_dict())
        assert claims.loc[cid, "kind"] == kinds[cid], cid
    # sparse spikes make the hybrid cheaper than the ANN even after two epochs
    assert claims.loc["hybrid_energy_vs_ann", "reproduced"] < 0.05
    assert claims.loc["neurobench_map_ratio", "reference"] == pytest.approx(0.271 / 0.429)
    # one classification epoch leaves the quick ANN classifier at accuracy 0: no ratio
    assert "accuracy is 0" in claims.loc["hybrid_classification_vs_ann", "tolerance"]
    runs = pd.read_csv(d / "tables" / "runs.csv")
    hyb = runs[runs.model == "hybrid"].iloc[0]
    assert hyb.backbone_macs == 0 and hyb.head_macs > 0
    assert math.isclose(hyb.energy_j, M.energy_joules(hyb.effective_acs, hyb.effective_macs))


def test_study_generates_its_data_when_run_without_a_dataset_folder(tmp_path, monkeypatch):
    import yaml
    from conftest import REPO
    p = yaml.safe_load((REPO / "config/config.yaml").read_text())["detection"]
    p.update(seed=5, epochs=1, classification_epochs=1, seeds=[3], n_examples=1,
             channels=[4, 8, 8], head_hidden=8)
    p["dataset"] = dict(p["dataset"], width_px=32, height_px=24, duration_s=0.25, size_px=[6, 8],
                        n_train=2, n_val=1)
    monkeypatch.setattr(S, "_figures", lambda *a, **k: None)    # drawing is the workflow test's
    S.run(p, tmp_path / "detection")
    runs = pd.read_csv(tmp_path / "detection" / "tables" / "runs.csv")
    assert set(runs.model) == {"hybrid", "ann"} and (runs.energy_j > 0).all()


def test_training_is_deterministic_in_the_seed():
    g = torch.Generator().manual_seed(1)
    X = (torch.rand(12, 3, 2, 24, 32, generator=g) < 0.1).to(torch.uint8)
    T = [np.array([[2.0 + k, 3.0, 8.0, 6.0, k % 2]]) for k in range(12)]
    grid = D.GridSpec(8, 8.0, 3, 4)
    p = {"lr": 0.01, "batch_size": 4, "hflip": True, "score_min": 0.01, "nms_iou": 0.5}
    weights, curves = [], []
    for _ in range(2):
        torch.manual_seed(7)
        m = D.build("detection", True, 2, channels=[4, 8, 8], head_hidden=8)
        curves.append(S.train(m, "detection", X, T, X, T, grid, p, seed=7,
                              device=torch.device("cpu"), epochs=2, label="hybrid"))
        weights.append(m.head.out.weight.detach().clone())
    assert [c["train_loss"] for c in curves[0]] == [c["train_loss"] for c in curves[1]]
    assert torch.equal(weights[0], weights[1])


def test_coco_map_equals_the_full_cocoeval_summary():
    """coco_map evaluates only the "all" size range at 100 detections; the numbers are those of
    COCOeval's complete summary (stats[0:3]) on random detections."""
    import contextlib
    import io
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    rng = np.random.default_rng(4)
    gt = [np.column_stack([rng.uniform(0, 40, (n, 2)), rng.uniform(4, 20, (n, 2)),
                           rng.integers(0, 3, n)]) for n in rng.integers(0, 4, 30)]
    dets = []
    for g in gt:
        m = int(rng.integers(0, 120))
        boxes = np.vstack([g[:, :4] + rng.normal(0, 2, (len(g), 4)),
                           np.column_stack([rng.uniform(0, 40, (m, 2)), rng.uniform(2, 20, (m, 2))])])
        scores = np.concatenate([rng.uniform(0.5, 1, len(g)), rng.uniform(0, 0.6, m)])
        dets.append((boxes, scores, np.concatenate([g[:, 4], rng.integers(0, 3, m)]).astype(int)))
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = {"images": [{"id": i, "height": 48, "width": 64} for i in range(len(gt))],
                        "annotations": [{"id": k + 1, "image_id": i, "category_id": int(c),
                                         "bbox": [x, y, w, h], "area": w * h, "iscrowd": 0}
                                        for k, (i, (x, y, w, h, c)) in enumerate(
                                            (i, r) for i, g in enumerate(gt) for r in g)],
                        "categories": [{"id": k, "name": str(k)} for k in range(3)]}
        coco.createIndex()
        dt = coco.loadRes([{"image_id": i, "category_id": int(c), "bbox": [float(v) for v in b],
                            "score": float(s)} for i, (bb, ss, cc) in enumerate(dets)
                           for b, s, c in zip(bb, ss, cc)])
        ev = COCOeval(coco, dt, iouType="bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    full = dict(zip(("map", "map50", "map75"), (max(float(v), 0.0) for v in ev.stats[:3])))
    assert full["map"] > 0.05
    assert M.coco_map(gt, dets, 3, 48, 64) == full          # exactly, not approximately


@pytest.mark.parametrize("manifest,needle", [
    ("{", "manifest.json: not readable JSON"),
    ('{"height": 48, "width": 64, "splits": {"train": 1}}', "manifest.json: classes: must be a non-empty list"),
    ('{"classes": ["car"], "height": 48, "width": 64, "splits": {"train": 1, "val": 1}}',
     "manifest.json: splits.val: names the folder"),
])
def test_study_reads_its_manifest_through_the_checked_loader(tmp_path, manifest, needle):
    from neurobench.errors import DatasetError
    (tmp_path / "train").mkdir()
    (tmp_path / "manifest.json").write_text(manifest)
    p = dict(PARAMS, data_source="synthetic")
    with pytest.raises(DatasetError) as err:
        S.load_data(p, tmp_path)
    assert str(tmp_path / "manifest.json") in str(err.value) and needle in str(err.value)


def test_seed_jobs_gathered_equal_the_study_run_in_one_process(tmp_path, monkeypatch):
    """The workflow trains each seed in a job of its own (train_seed → a chunk file) and gathers
    them; the tables are those of the whole study run in one process."""
    import yaml
    from conftest import REPO
    from neurobench.chunks import write_chunk
    from neurobench.data.event_camera import write_dataset_from_config
    p = yaml.safe_load((REPO / "config/config.yaml").read_text())["detection"]
    p.update(seed=5, epochs=1, classification_epochs=1, seeds=[3, 4], n_examples=1,
             channels=[4, 8, 8], head_hidden=8)
    p["dataset"] = dict(p["dataset"], width_px=32, height_px=24, duration_s=0.25, size_px=[6, 8],
                        n_train=2, n_val=1)
    monkeypatch.setattr(S, "_figures", lambda *a, **k: None)
    data = tmp_path / "data"
    write_dataset_from_config(p["dataset"], data, p["seed"])
    chunks = []
    for seed in p["seeds"]:
        chunks.append(tmp_path / f"seed{seed}.pkl")
        write_chunk(S.train_seed(p, seed, data), chunks[-1])
    S.run(p, tmp_path / "gathered", data, chunks=chunks)
    S.run(p, tmp_path / "one", data)
    for name in ("runs", "learning_curves", "summary", "blob_baseline"):
        a, b = (pd.read_csv(tmp_path / d / "tables" / f"{name}.csv") for d in ("gathered", "one"))
        timing = [c for c in a.columns if c.startswith(("train_s", "train_cpu_s", "epoch_s"))]
        pd.testing.assert_frame_equal(a.drop(columns=timing), b.drop(columns=timing))
    assert len(pd.read_csv(tmp_path / "one" / "tables" / "runs.csv")) == 4      # 2 seeds × 2 models
    with pytest.raises(ValueError, match="seed jobs trained seeds"):
        S.run(dict(p, seeds=[4, 3]), tmp_path / "mixed", data, chunks=chunks)
