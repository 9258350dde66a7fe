"""Hybrid SNN–ANN object detection on event-camera data (talk: "Example: Optimization of Hybrid
SNN-ANN").

Sources: Kugele, Pfeil, Pfeiffer & Chicca, "Hybrid SNN-ANN: Energy-Efficient Classification and
Object Detection for Event-Based Vision", GCPR 2021, arXiv 2112.03423 — a spiking backbone,
accumulated features, an ANN head, trained end to end with surrogate gradients; "highly accurate
networks that are substantially more computationally efficient than their ANN counterparts"
(abstract); only the head changes between classification and detection; the SNN→ANN bandwidth is
analysed. O. Johansson, MSc thesis, LTU 2021 (not found online). Context: NeuroBench (Yik et al.,
Nat. Commun. 16:1545, 2025) event-camera detection on Prophesee 1 Mpx, RED ANN mAP 0.429 vs hybrid
mAP 0.271, with their effective MAC/AC counts.

Methods.
1. Data: the event-camera emulator (:mod:`neurobench.data.event_camera`) renders moving objects
   of three classes over textured backgrounds with occlusions, and turns log intensity into DVS
   events (per-pixel threshold mismatch, refractory period, background noise); sequences are
   written as Prophesee Gen1 ``_td.dat`` + ``_bbox.npy`` and read back by the Gen1 reader (the
   same path reads the real Gen1 dataset when ``data_source: gen1``).
2. Samples: for every label time t the events of [t − window, t) in ``n_bins`` time bins, two
   polarities, binary (event present) — a spike tensor x[t] ∈ {0, 1}^{2×H×W}.
3. Models (:mod:`neurobench.nn.detection`): the hybrid (LIF backbone → accumulated spike counts →
   ANN head) and the ANN baseline (the same graph with ReLU instead of LIF), the detection head
   (YOLO-style, one box per cell) and a classification head (class of the largest object).
   Adam with a one-cycle learning-rate schedule, horizontal flips; one run per seed.
4. Metrics: COCO mAP@[.5:.95] and mAP@.5 (pycocotools); NeuroBench effective ACs (binary inputs)
   and MACs per sample, split into backbone and head; energy E = N_AC·0.9 pJ + N_MAC·4.6 pJ
   (Horowitz, ISSCC 2014); activation sparsity; SNN→ANN bandwidth (address events vs dense).
5. A non-learned reference detector in the same job: connected components of the window's event
   image (:func:`blob_detector`) labelled with the most frequent training class.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy import ndimage

from neurobench.chunks import read_chunks
from neurobench.data import gen1
from neurobench.data.event_camera import read_manifest, write_dataset_from_config
from neurobench.data.event_repr import labelled_windows
from neurobench.metrics.detection import (ENERGY_SOURCE, aer_bits_per_s, coco_map,
                                          dense_bits_per_s, energy_joules)
from neurobench.metrics.synops import (SynapticOperations, activation_sparsity,
                                       footprint_bytes)
from neurobench.nn import detection as D
from neurobench.report import StudyWriter, claim_at_least, claim_at_most, claim_info

log = logging.getLogger("neurobench")

KUGELE = "Kugele et al., GCPR 2021 (arXiv 2112.03423), abstract"
NEUROBENCH = "NeuroBench v1.0 leaderboard (Yik et al., Nat. Commun. 16:1545, 2025), Prophesee 1 Mpx"
# NeuroBench event-camera detection baselines (shared/reference/harness.md): mAP, eff. MACs, eff. ACs
NEUROBENCH_ROWS = {"RED ANN": (0.429, 2.48e11, 0.0), "hybrid ANN/SNN": (0.271, 3.76e10, 5.60e8)}
MODELS = ("hybrid", "ann")


def declared_claims(params: dict) -> dict[str, str]:
    """Every claim of the study and its kind: Kugele et al.'s findings and NeuroBench's numbers
    are literature; beating the suite's own non-learned baseline and the bandwidth formulas are
    verification of the training and of the interface accounting."""
    literature = ["hybrid_map_vs_ann", "hybrid_energy_vs_ann", "hybrid_classification_vs_ann",
                  "neurobench_map_ratio", "neurobench_energy_ratio"]
    verification = [f"{m}_beats_blobs" for m in MODELS] + ["bandwidth_aer_vs_dense"]
    return {**{c: "literature" for c in literature}, **{c: "verification" for c in verification}}


# -- data ---------------------------------------------------------------------------------------
def load_split(root: Path, p: dict, classes, gen1_filter: bool):
    """Windows of every recording under ``root`` → (X uint8 [N, T, 2, H, W], targets, (H, W))."""
    window_us = p["window_ms"] * 1e3
    xs, targets, size = [], [], None
    for rec in gen1.find_recordings(root):
        ev, boxes, h, w = rec.load()
        if gen1_filter:
            boxes = gen1.filter_boxes(boxes, p["gen1_min_diag_px"], int(p["gen1_skip_ms"] * 1e3))
        if size is None:
            size = (h, w)
        elif size != (h, w):
            raise ValueError(f"{rec.events_path}: sensor {h}×{w} differs from {size}")
        if boxes.size and boxes["class_id"].max() >= len(classes):
            raise ValueError(f"{rec.boxes_path}: class id {boxes['class_id'].max()} outside "
                             f"0..{len(classes) - 1}")
        X, tg, _ = labelled_windows(ev, boxes, window_us, p["n_bins"], h, w, binary=True,
                                    max_windows=p["max_windows_per_recording"])
        xs.append(X.astype(np.uint8))
        targets += tg
    if not targets:
        raise ValueError(f"{root}: no labelled windows (labels later than window_ms)")
    return torch.from_numpy(np.concatenate(xs)), targets, size


def load_data(p: dict, data_dir: Path | None):
    if p["data_source"] == "synthetic":
        manifest = read_manifest(data_dir)
        root, classes, filt = Path(data_dir), manifest["classes"], False
    else:
        if not p["gen1_dir"]:
            raise ValueError("detection.gen1_dir: give the Gen1 root for data_source 'gen1'")
        root, classes, filt, manifest = Path(p["gen1_dir"]), list(gen1.GEN1_CLASSES), True, {}
    Xtr, Ttr, size = load_split(root / "train", p, classes, filt)
    Xva, Tva, size_va = load_split(root / p["val_split"], p, classes, filt)
    if size != size_va:
        raise ValueError(f"train ({size}) and {p['val_split']} ({size_va}) sensor sizes differ")
    return Xtr, Ttr, Xva, Tva, size, classes, manifest


# -- training -----------------------------------------------------------------------------------
def _batches(n, batch, gen):
    perm = torch.randperm(n, generator=gen)
    return [perm[i:i + batch] for i in range(0, n, batch)]


def _flip(x, targets, width):
    """Mirror windows left–right (and their boxes)."""
    x = torch.flip(x, dims=[-1])
    out = []
    for t in targets:
        t = t.copy()
        t[:, 0] = width - t[:, 0] - t[:, 2]
        out.append(t)
    return x, out


def predict(model, X, batch, device):
    model.eval()
    outs = []
    with torch.no_grad():
        for i in range(0, len(X), batch):
            outs.append(model(X[i:i + batch].to(device).float().transpose(0, 1)).cpu())
    return torch.cat(outs)


def train(model, task, Xtr, Ttr, Xva, Tva, grid, p, seed, device, epochs, label):
    """Train ``model`` in place; returns the learning curve (one row per epoch)."""
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=p["lr"])
    n_batches = (len(Xtr) + p["batch_size"] - 1) // p["batch_size"]
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, p["lr"], total_steps=max(1, epochs * n_batches))
    width = Xtr.shape[-1]
    ytr_cls = torch.tensor([_largest_class(t) for t in Ttr])
    curve = []
    for ep in range(epochs):
        model.train()
        total, t0 = 0.0, time.perf_counter()
        for idx in _batches(len(Xtr), p["batch_size"], gen):
            x, tg = Xtr[idx].float(), [Ttr[i] for i in idx]
            if p["hflip"] and bool(torch.rand(1, generator=gen) < 0.5):
                x, tg = _flip(x, tg, width)
            out = model(x.to(device).transpose(0, 1))
            if task == "detection":
                loss = D.detection_loss(out, D.encode_targets(tg, grid, out.shape[1] - 5).to(device))
            else:
                loss = torch.nn.functional.cross_entropy(out, ytr_cls[idx].to(device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        score = evaluate(model, task, Xva, Tva, grid, p, device)
        curve.append({"model": label, "seed": seed, "epoch": ep + 1, "train_loss": total / len(Xtr),
                      **score, "epoch_s": time.perf_counter() - t0})
        log.info("%s %s seed %d epoch %d/%d: loss %.3f %s", task, label, seed, ep + 1, epochs,
                 total / len(Xtr), " ".join(f"{k} {v:.3f}" for k, v in score.items()))
    return curve


def _largest_class(t: np.ndarray) -> int:
    return int(t[np.argmax(t[:, 2] * t[:, 3]), 4])


def evaluate(model, task, X, T, grid, p, device) -> dict:
    out = predict(model, X, p["batch_size"], device)
    if task == "detection":
        dets = D.decode(out, grid, p["score_min"], p["nms_iou"])
        return coco_map(T, dets, out.shape[1] - 5, X.shape[-2], X.shape[-1])
    y = torch.tensor([_largest_class(t) for t in T])
    return {"accuracy": float((out.argmax(1) == y).float().mean())}


def costs(model, X, p, device) -> dict:
    """NeuroBench operations per sample (backbone and head), energy, sparsity, bandwidth."""
    model.eval()
    acts_all, spikes_last, n_samples = [], 0.0, len(X)
    with torch.no_grad(), SynapticOperations(model.backbone) as ob, \
            SynapticOperations(model.head) as oh:
        for i in range(0, len(X), p["batch_size"]):
            _, acts, _ = model(X[i:i + p["batch_size"]].to(device).float().transpose(0, 1),
                               record=True)
            acts_all += [a.cpu() for a in acts]
            spikes_last += float(acts[-1].sum())
    bb, hd = ob.result(n_samples), oh.result(n_samples)
    acs = bb.effective_acs + hd.effective_acs
    macs = bb.effective_macs + hd.effective_macs
    last = acts_all[-1]
    n_neurons = int(np.prod(last.shape[2:]))
    window_s = p["window_ms"] * 1e-3
    return {"backbone_acs": bb.effective_acs, "backbone_macs": bb.effective_macs,
            "head_acs": hd.effective_acs, "head_macs": hd.effective_macs,
            "effective_acs": acs, "effective_macs": macs, "dense_ops": bb.dense + hd.dense,
            "energy_j": energy_joules(acs, macs),
            "activation_sparsity": activation_sparsity(acts_all),
            "interface_neurons": n_neurons,
            "interface_events_per_sample": spikes_last / n_samples,
            "footprint_bytes": footprint_bytes(model),
            "bandwidth_aer_bps": aer_bits_per_s(spikes_last / n_samples, n_neurons, window_s),
            "bandwidth_dense_counts_bps": dense_bits_per_s(n_neurons, p["n_bins"], window_s),
            "bandwidth_dense_float32_bps": n_neurons * 32 / window_s}


# -- the non-learned reference ------------------------------------------------------------------
def blob_detector(X: torch.Tensor, class_prior: np.ndarray, min_events: int = 3):
    """Non-learned detector: boxes of the 8-connected components of each window's event image
    (dilated once); every box is proposed once per class k with score
    (event count / largest count in the window) · prior_k (class frequencies of the training set)."""
    dets = []
    struct = np.ones((3, 3), bool)
    prior = np.asarray(class_prior, float) / np.sum(class_prior)
    K = len(prior)
    for x in X.numpy():
        img = x.sum(axis=(0, 1))
        lab, _ = ndimage.label(ndimage.binary_dilation(img > 0, struct), struct)
        boxes, scores = [], []
        for k, sl in enumerate(ndimage.find_objects(lab), start=1):
            count = float(img[sl][lab[sl] == k].sum())
            if count >= min_events:
                boxes.append([sl[1].start, sl[0].start, sl[1].stop - sl[1].start,
                              sl[0].stop - sl[0].start])
                scores.append(count)
        s = np.asarray(scores) / (max(scores) if scores else 1.0)
        dets.append((np.repeat(np.asarray(boxes, float).reshape(-1, 4), K, axis=0),
                     (s[:, None] * prior[None, :]).ravel(), np.tile(np.arange(K), len(s))))
    return dets


# -- the study ----------------------------------------------------------------------------------
SCORES = ("map", "map50", "map75")


def prepare(p: dict, data_dir: Path | None) -> dict:
    """The windows of both splits (float tensors, converted once), their boxes and the grid."""
    t0 = time.perf_counter()
    Xtr, Ttr, Xva, Tva, (H, W), classes, manifest = load_data(p, data_dir)
    stride = 2 ** len(p["channels"])
    if H % stride or W % stride:
        raise ValueError(f"sensor {H}×{W} must be a multiple of 2^len(channels) = {stride}")
    return {"Xtr": Xtr.float(), "Ttr": Ttr, "Xva": Xva.float(), "Tva": Tva, "H": H, "W": W,
            "classes": classes, "manifest": manifest, "load_s": time.perf_counter() - t0,
            "grid": D.GridSpec(stride, p["anchor_px"], H // stride, W // stride)}


def train_seed(params: dict, seed: int, data_dir: Path | None = None, data: dict | None = None) -> dict:
    """Both models of one seed (one workflow job per seed): the detector (learning curve, scores
    and costs on the evaluation split, example detections for the first seed) and the
    classifier. torch runs on ``torch_threads`` threads whatever the cores granted: its CPU
    results depend on the thread count (reductions split differently; ~1e-7 differences that
    training amplifies), and the same config must give the same tables."""
    p = dict(params)
    torch.set_num_threads(int(p["torch_threads"]))
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if data is None:
        if p["data_source"] == "synthetic" and data_dir is None:
            raise ValueError("detection: train_seed needs the emulated recordings (data_dir)")
        data = prepare(p, data_dir)
    Xtr, Ttr, Xva, Tva, grid = data["Xtr"], data["Ttr"], data["Xva"], data["Tva"], data["grid"]
    K = len(data["classes"])
    log.info("detection seed %d: %d train / %d val windows, %d×%d px, %d bins, %d classes, "
             "device %s, %d torch threads", seed, len(Xtr), len(Xva), data["W"], data["H"],
             p["n_bins"], K, device, torch.get_num_threads())
    result = {"seed": int(seed), "rows": [], "curves": [], "cls_rows": [], "examples": {}}
    t_seed, cpu_seed = time.perf_counter(), time.process_time()
    for name in MODELS:
        torch.manual_seed(seed)
        model = D.build("detection", name == "hybrid", K, p["channels"], p["head_hidden"],
                        p["lif_alpha"]).to(device)
        t0, c0 = time.perf_counter(), time.process_time()
        curve = train(model, "detection", Xtr, Ttr, Xva, Tva, grid, p, seed, device,
                      p["epochs"], name)
        train_s, train_cpu_s = time.perf_counter() - t0, time.process_time() - c0
        result["curves"] += curve
        # the scores of the trained model are those of its last epoch's evaluation (same weights)
        score = {k: curve[-1][k] for k in SCORES}
        result["rows"].append({"model": name, "seed": seed, **score,
                               **costs(model, Xva, p, device),
                               "train_s": train_s, "train_cpu_s": train_cpu_s})
        if seed == p["seeds"][0]:
            n_ex = min(p["n_examples"], len(Xva))
            result["examples"][name] = D.decode(predict(model, Xva[:n_ex], p["batch_size"], device),
                                                grid, p["score_min"], p["nms_iou"])
        torch.manual_seed(seed)
        clf = D.build("classification", name == "hybrid", K, p["channels"],
                      p["head_hidden"], p["lif_alpha"]).to(device)
        cls_curve = train(clf, "classification", Xtr, Ttr, Xva, Tva, grid, p, seed, device,
                          p["classification_epochs"], name)
        result["cls_rows"].append({"model": name, "seed": seed,
                                   "accuracy": cls_curve[-1]["accuracy"]})
    result.update(wall_s=time.perf_counter() - t_seed, cpu_s=time.process_time() - cpu_seed,
                  device=str(device), threads=torch.get_num_threads())
    return result


def run(params: dict, outdir: Path, data_dir: Path | None = None, chunks=None) -> None:
    """The study. ``data_dir``: the emulated recordings (rule ``detection_dataset``); when it is
    not given and ``data_source`` is synthetic they are generated into a temporary folder.
    ``chunks``: the files of the per-seed jobs (:func:`train_seed`); when None every seed is
    trained here, one after another."""
    if params["data_source"] == "synthetic" and data_dir is None:
        with tempfile.TemporaryDirectory() as tmp:
            write_dataset_from_config(params["dataset"], tmp, params["seed"])
            return run(params, outdir, Path(tmp), chunks)
    p = dict(params)
    with StudyWriter(outdir, params, seed=p["seed"], claims=declared_claims(p)) as out:
        data = prepare(p, data_dir)
        Xva, Tva, classes = data["Xva"], data["Tva"], data["classes"]
        K, H, W = len(classes), data["H"], data["W"]
        counts = np.bincount(np.concatenate([t[:, 4] for t in data["Ttr"]]).astype(int), minlength=K)
        blob = coco_map(Tva, blob_detector(Xva, counts + 1), K, H, W)

        seeds = (read_chunks(chunks) if chunks is not None
                 else [train_seed(p, seed, data=data) for seed in p["seeds"]])
        if [s["seed"] for s in seeds] != list(p["seeds"]):
            raise ValueError(f"detection: the seed jobs trained seeds {[s['seed'] for s in seeds]}, "
                             f"the config names {p['seeds']}")
        res = pd.DataFrame([r for s in seeds for r in s["rows"]])
        curves = pd.DataFrame([r for s in seeds for r in s["curves"]])
        cls = pd.DataFrame([r for s in seeds for r in s["cls_rows"]])
        summary = _summary(res, cls)
        out.table(res, "runs")
        out.table(curves, "learning_curves")
        out.table(summary, "summary", latex=True,
                  caption="Hybrid SNN-ANN vs ANN: mAP, operations, energy (mean ± s.d. over seeds)")
        out.table(pd.DataFrame([{"detector": "event blobs (non-learned)", **blob}]), "blob_baseline")
        out.table(_bandwidth_table(res), "bandwidth")
        out.table(_neurobench_table(res), "neurobench_context")
        timing = {"device": seeds[0]["device"], "threads": seeds[0]["threads"],
                  "data_load_s": data["load_s"],
                  "train_and_eval_s": sum(s["wall_s"] for s in seeds),
                  "train_and_eval_cpu_s": sum(s["cpu_s"] for s in seeds),
                  "n_train": len(data["Xtr"]), "n_val": len(Xva),
                  "dataset": data["manifest"].get("splits", p["data_source"])}
        out.json(timing, "timing")

        _figures(out, res, curves, Xva, Tva, seeds[0]["examples"], classes, blob)
        _claims(out, p, res, cls, blob)


def _mean(res, model, col):
    return float(res.loc[res.model == model, col].mean())


def _summary(res, cls):
    rows = []
    for m in MODELS:
        r = res[res.model == m]
        row = {"model": m, "seeds": len(r)}
        for c in ("map", "map50", "effective_acs", "effective_macs", "energy_j",
                  "activation_sparsity", "train_s"):
            row[c] = r[c].mean()
            row[c + "_sd"] = r[c].std(ddof=0)
        row["classification_accuracy"] = cls.loc[cls.model == m, "accuracy"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def _bandwidth_table(res):
    r = res[res.model == "hybrid"]
    return pd.DataFrame([
        {"interface": "hybrid, address events (spikes × ⌈log2 N⌉ bits)",
         "bits_per_s": r.bandwidth_aer_bps.mean()},
        {"interface": "hybrid, dense spike counts (N × ⌈log2(T+1)⌉ bits)",
         "bits_per_s": r.bandwidth_dense_counts_bps.mean()},
        {"interface": "ANN, dense float32 features (N × 32 bits)",
         "bits_per_s": res[res.model == "ann"].bandwidth_dense_float32_bps.mean()}])


def _neurobench_table(res):
    rows = [{"source": NEUROBENCH, "model": k, "map": v[0], "effective_macs": v[1],
             "effective_acs": v[2], "energy_j": _neurobench_energy(k)}
            for k, v in NEUROBENCH_ROWS.items()]
    for m in MODELS:
        rows.append({"source": "this study (synthetic events)", "model": m,
                     "map": _mean(res, m, "map"), "effective_macs": _mean(res, m, "effective_macs"),
                     "effective_acs": _mean(res, m, "effective_acs"),
                     "energy_j": _mean(res, m, "energy_j")})
    return pd.DataFrame(rows)


def _neurobench_energy(model: str) -> float:
    _, macs, acs = NEUROBENCH_ROWS[model]
    return energy_joules(acs, macs)


def _ratio_claim(out, claim_id, claim, quantity, bar, num, den, what, **kw):
    """hybrid / ANN ≥ bar, or NOT_RUN when the ANN scored 0 (the ratio is undefined)."""
    if den > 0:
        out.claim(claim_at_least(claim_id, claim, quantity, bar, num / den, **kw))
    else:
        out.not_run(claim_id, claim, quantity, reference=bar, source=kw["source"],
                    reason=f"the ANN's {what} is 0 (hybrid {num:.3g}) after this run's training: "
                           "the ratio is undefined")


def _claims(out, p, res, cls, blob):
    map_h, map_a = _mean(res, "hybrid", "map"), _mean(res, "ann", "map")
    e_h, e_a = _mean(res, "hybrid", "energy_j"), _mean(res, "ann", "energy_j")
    _ratio_claim(out, "hybrid_map_vs_ann", "the hybrid SNN-ANN detects about as accurately as its "
                 "ANN counterpart", "mAP@[.5:.95] hybrid / ANN (mean over seeds)",
                 p["map_ratio_min"], map_h, map_a, "mAP", source=KUGELE + "; bar: config map_ratio_min",
                 note="'highly accurate'")
    out.claim(claim_at_most(
        "hybrid_energy_vs_ann", "the hybrid needs substantially less energy than the ANN",
        "estimated energy per sample hybrid / ANN", p["energy_ratio_max"], e_h / e_a,
        source=f"{KUGELE}; energies {ENERGY_SOURCE}; bar: config energy_ratio_max"))
    cls_h = float(cls.loc[cls.model == "hybrid", "accuracy"].mean())
    cls_a = float(cls.loc[cls.model == "ann", "accuracy"].mean())
    _ratio_claim(out, "hybrid_classification_vs_ann", "only the head changes: the hybrid "
                 "classifier is about as accurate as the ANN classifier",
                 "accuracy hybrid / ANN (mean over seeds)", p["map_ratio_min"], cls_h, cls_a,
                 "classification accuracy", source=KUGELE + "; bar: config map_ratio_min")
    for m in MODELS:
        out.claim(claim_at_least(
            f"{m}_beats_blobs", f"the trained {m} detector beats a non-learned event-blob detector",
            "mAP@.5 (mean over seeds)", blob["map50"], _mean(res, m, "map50"),
            source="connected components of the event image, same validation windows, same job"))
    nb_map = NEUROBENCH_ROWS["hybrid ANN/SNN"][0] / NEUROBENCH_ROWS["RED ANN"][0]
    nb_claim = "context: NeuroBench's hybrid reaches 0.63 of the RED ANN's mAP on real 1 Mpx data"
    if map_a > 0:
        out.claim(claim_info("neurobench_map_ratio", nb_claim, "mAP hybrid / ANN", nb_map,
                             map_h / map_a, note="none (different data and models)",
                             source=NEUROBENCH))
    else:
        out.not_run("neurobench_map_ratio", nb_claim, "mAP hybrid / ANN", reference=nb_map,
                    source=NEUROBENCH, reason="the ANN's mAP is 0 after this run's training")
    nb_e = _neurobench_energy("hybrid ANN/SNN") / _neurobench_energy("RED ANN")
    out.claim(claim_info("neurobench_energy_ratio", "context: energy ratio hybrid / ANN from "
                         "NeuroBench's operation counts", "energy hybrid / ANN", nb_e, e_h / e_a,
                         note="none (different data and models)",
                         source=f"{NEUROBENCH}; energies {ENERGY_SOURCE}"))
    bw = _bandwidth_table(res)
    out.claim(claim_info("bandwidth_aer_vs_dense", "address-event transfer of the backbone's "
                         "spikes vs dense spike counts",
                         "bits/s: dense counts (reference) vs AER (reproduced)",
                         float(bw.bits_per_s[1]), float(bw.bits_per_s[0]), unit="bit/s",
                         note="none", source="formulas in neurobench.metrics.detection; Kugele et "
                                             "al. analyse this bandwidth"))


# -- figures ------------------------------------------------------------------------------------
COLORS = {"hybrid": "tab:orange", "ann": "tab:blue"}


def _figures(out, res, curves, Xva, Tva, examples, classes, blob):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Trade-off: mAP vs energy, with NeuroBench as context.
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for m in MODELS:
        r = res[res.model == m]
        ax.scatter(r.energy_j, r["map"], color=COLORS[m], alpha=0.5, s=18)
        ax.scatter(r.energy_j.mean(), r["map"].mean(), color=COLORS[m], s=70, edgecolor="k",
                   label=f"{m} (this study, mean of {len(r)} seeds)")
    for (k, (mp, _, _)), mk in zip(NEUROBENCH_ROWS.items(), ("s", "D")):
        ax.scatter(_neurobench_energy(k), mp, marker=mk, color="grey", s=60,
                   label=f"NeuroBench 1 Mpx {k} (context)")
    ax.axhline(blob["map"], color="k", ls=":", lw=1, label="event blobs (non-learned)")
    ax.set_xscale("log")
    ax.set_xlabel("estimated energy per sample (J; 0.9 pJ/AC, 4.6 pJ/MAC)")
    ax.set_ylabel("mAP@[.5:.95]")
    ax.legend(fontsize=7, loc="best")
    ax.set_title("accuracy vs energy")
    out.figure(fig, "map_vs_energy")

    # Learning curves.
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    for (m, seed), c in curves.groupby(["model", "seed"]):
        axes[0].plot(c.epoch, c.train_loss, color=COLORS[m], alpha=0.7, label=f"{m} seed {seed}")
        axes[1].plot(c.epoch, c.map50, color=COLORS[m], alpha=0.7)
    axes[0].set_ylabel("training loss")
    axes[1].set_ylabel("validation mAP@.5")
    for a in axes:
        a.set_xlabel("epoch")
    axes[0].legend(fontsize=7)
    out.figure(fig, "learning_curves")

    # Example detections on event frames.
    n = len(next(iter(examples.values())))
    fig, axes = plt.subplots(len(MODELS), n, figsize=(2.6 * n, 2.2 * len(MODELS)), squeeze=False)
    for r, m in enumerate(MODELS):
        for j in range(n):
            ax = axes[r, j]
            x = Xva[j].float().sum(0).numpy()
            ax.imshow(x[1] - x[0], cmap="bwr", vmin=-3, vmax=3, interpolation="nearest")
            for bx, by, bw, bh, c in Tva[j]:
                ax.add_patch(plt.Rectangle((bx - 0.5, by - 0.5), bw, bh, fill=False, color="g", lw=1.5))
            boxes, scores, cl = examples[m][j]
            for (bx, by, bw, bh), s, c in zip(boxes, scores, cl):
                if s >= 0.3:
                    ax.add_patch(plt.Rectangle((bx - 0.5, by - 0.5), bw, bh, fill=False,
                                               color="k", ls="--", lw=1))
                    ax.text(bx, by - 1, f"{classes[c][:4]} {s:.2f}", fontsize=5)
            ax.set_xticks([])
            ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(m)
    fig.suptitle("events (red ON, blue OFF), ground truth (green), detections ≥ 0.3 (dashed)",
                 fontsize=8)
    out.figure(fig, "example_detections")
