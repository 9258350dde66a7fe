"""Keyword spotting with few (~10) neurons: temporal encoders, tiny trained SNNs and baselines.

Sources: F. Sandin, talk "Temporal Dynamics in Neuromorphic Computing", slide "Keyword Spotting
with Few (~10) Neurons"; Nilsson, Pina, Khacef, Liwicki, Chicca & Sandin, "A Comparison of
Temporal Encoders for Neuromorphic Keyword Spotting with Few Neurons", arXiv 2301.09962 (formants
of TIDIGITS digits; binary keyword-vs-rest tasks; TDE vs disynaptic E–I encoder; logistic
regression; "both encoders … enable a complete binary classification [of the training data] …
they show no clear improvements on the test set"); Pequeño-Zurro, Khacef, Panzeri & Chicca,
arXiv 2503.15402 (recurrent CuBa-LIF 91 % on TIDIGITS formants); NeuroBench (Yik et al., Nat.
Commun. 16:1545, 2025) for the cost metrics.

Deployment: the trained ~10-neuron binary networks get DYNAP-SE1 weights (integer CAM
multiplicities × one base weight per synapse type and core; ≤ 64 CAM entries per neuron, checked
on the :class:`neurobench.dynapse.Board`) and the emulator's frozen lognormal mismatch on the
synaptic efficacy; accuracy vs weight resolution and mismatch CV. The neuron dynamics stay the
trained discrete LIF (the DPI circuits are not simulated here).

Data: the espeak-ng corpus of :mod:`neurobench.data.speech` (rule ``kws_corpus``), or Speech
Commands / TIDIGITS when ``dataset`` and ``data_path`` name them.

Methods
-------
Front end (:mod:`neurobench.data.frontend`): F1–F3 by LPC every ``hop_ms``; log2 F_k is encoded
by level crossing with δ = ``formant_delta_octaves`` (ON/OFF: 6 spike trains, binned at
``encoder_dt_ms``). A gammatone/ERB filterbank of ``cochlea_channels`` bands (dB) is encoded
with δ = ``cochlea_delta_db`` (2·C spike trains binned at ``snn_dt_ms``: the SNN input).

(a) TDE + logistic regression, (b) disynaptic E–I + logistic regression: one encoder neuron per
ordered pair of formant spike trains of equal polarity (:mod:`neurobench.data.temporal_encoders`);
features are the encoder spike counts in ``n_bins`` equal parts of the voiced span. (c) logistic
regression on the raw features: the mean log2 F1–F3 in the same parts. Binary tasks: each digit
vs the rest, balanced by drawing as many negatives as positives (per seed); balanced accuracy.

(d) ``n_hidden`` recurrent LIF neurons (α = ``lif_alpha`` per step, zero reset, atan surrogate)
and a leaky readout, trained with Adam on the cross-entropy (:mod:`neurobench.nn.kws`); the
neuron-count sweep repeats it for ``sweep_neurons``. (e) a GRU of the same size and a larger one,
and a 1-D CNN, on the (non-spiking) filterbank energies. Tasks: binary ``keyword`` vs the other
words, and the 11 digits. Every model is trained for each of ``seeds``; tables give the mean and
the 95 % t-interval over seeds. Costs per sample on the test set: NeuroBench synaptic operations
(effective ACs, effective MACs, dense), activation sparsity, footprint.
"""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from neurobench.data import frontend
from neurobench.data import temporal_encoders as te
from neurobench.data.speech import TIDIGITS_WORDS, DatasetError, SpeechCorpus, load_corpus
from neurobench.report import Claim, StudyWriter, claim_at_least, claim_at_most

log = logging.getLogger("neurobench")

PAPER = "Nilsson et al. 2023, arXiv 2301.09962 (abstract)"
PEQUENO = "Pequeño-Zurro et al. 2025, arXiv 2503.15402 (abstract): recurrent CuBa-LIF 91 % on TIDIGITS"
CORPUS_DIR = "resources/kws_corpus"          # written by the rule kws_corpus
NEUROBENCH_GSC = "NeuroBench (Yik et al. 2025) Google Speech Commands SNN example: accuracy 0.856"


# -- statistics -----------------------------------------------------------------------------
def mean_ci(x, level: float = 0.95) -> tuple[float, float]:
    """Mean and half-width of the two-sided t confidence interval (0 for one value)."""
    from scipy.stats import t as student

    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return np.nan, np.nan
    if x.size == 1:
        return float(x[0]), 0.0
    half = student.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
    return float(x.mean()), float(half)


def balanced_accuracy(y_true, y_pred) -> float:
    """Mean over classes of the recall (chance = 1/K)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return float(np.mean([np.mean(y_pred[y_true == k] == k) for k in np.unique(y_true)]))


# -- data -------------------------------------------------------------------------------------
def load_dataset(p: dict, corpus_dir) -> SpeechCorpus:
    """The synthetic corpus, or the real dataset named by ``dataset``/``data_path``."""
    kind = p["dataset"]
    if kind == "synthetic":
        return load_corpus(corpus_dir)
    if not p["data_path"]:
        raise DatasetError(f"kws.dataset is {kind!r} but kws.data_path is empty")
    rate, clip = p["corpus"]["sample_rate_hz"], p["corpus"]["clip_s"]
    if kind == "speech_commands":
        from neurobench.data.speech_commands import load_speech_commands
        c = load_speech_commands(p["data_path"], sample_rate=rate, clip_s=clip)
        c.meta["split"] = c.meta["split"].replace({"validation": "train"})
        return c
    if kind == "tidigits":
        from neurobench.data.tidigits import load_tidigits
        return load_tidigits(p["data_path"], sample_rate=rate, clip_s=clip)
    raise ValueError(f"kws.dataset must be synthetic, speech_commands or tidigits, got {kind!r}")


def span_bins(x: np.ndarray, voiced: np.ndarray, n_bins: int, mean: bool) -> np.ndarray:
    """Sum (or mean) of x [N, S, F] over ``n_bins`` equal parts of each clip's voiced span
    (voiced [N, T] on the frame grid; S = k·T steps) → [N, n_bins·F]."""
    N, S, F = x.shape
    T = voiced.shape[1]
    first = np.argmax(voiced, axis=1)
    last = T - np.argmax(voiced[:, ::-1], axis=1)
    scale = S / T
    edges = np.round(first[:, None] * scale + (last - first)[:, None] * scale
                     * np.linspace(0, 1, n_bins + 1)[None, :]).astype(np.int64)
    edges = np.clip(edges, 0, S)
    cs = np.concatenate([np.zeros((N, 1, F)), np.cumsum(x, axis=1, dtype=float)], axis=1)
    lo = np.take_along_axis(cs, edges[:, :-1, None], axis=1)
    hi = np.take_along_axis(cs, edges[:, 1:, None], axis=1)
    out = hi - lo
    if mean:
        width = np.maximum(edges[:, 1:] - edges[:, :-1], 1)[:, :, None]
        # an empty part takes the value at its start
        out = np.where(edges[:, 1:, None] > edges[:, :-1, None], out / width,
                       np.take_along_axis(x, np.minimum(edges[:, :-1], S - 1)[:, :, None], axis=1))
    return out.reshape(N, n_bins * F)


def front_end(c: SpeechCorpus, p: dict) -> dict:
    """Formant tracks and spikes, encoder outputs, filterbank energies and spikes."""
    fe = p["frontend"]
    hop_s = fe["hop_ms"] * 1e-3
    t0 = time.perf_counter()
    tracks, voiced = frontend.formant_tracks(
        c.audio, c.sample_rate, frame_ms=fe["frame_ms"], hop_ms=fe["hop_ms"], lpc_order=fe["lpc_order"],
        max_formant_hz=fe["max_formant_hz"], silence_db=fe["silence_db"], median_frames=fe["median_frames"])
    log2f = np.log2(tracks)
    duration = tracks.shape[1] * hop_s
    f_spikes = frontend.spike_raster(log2f, fe["formant_delta_octaves"], hop_s,
                                     p["encoder_dt_ms"] * 1e-3, duration, binary=False)
    log.info("kws: formants and formant spikes of %d clips in %.1f s (%.1f spikes/clip)",
             len(c.meta), time.perf_counter() - t0, f_spikes.sum((1, 2)).mean())
    n_f = tracks.shape[2]
    pairs = te.channel_pairs(2 * n_f, [list(range(n_f)), list(range(n_f, 2 * n_f))])
    t0 = time.perf_counter()
    tde_out = te.tde(f_spikes, pairs, te.TDEParameters(**p["tde"]), p["encoder_dt_ms"])
    ei_out = te.disynaptic(f_spikes, pairs, te.DisynapticParameters(**p["disynaptic"]), p["encoder_dt_ms"])
    log.info("kws: %d TDE and %d E–I neurons in %.1f s", len(pairs), len(pairs), time.perf_counter() - t0)
    cg = frontend.cochleagram(c.audio, c.sample_rate, n_channels=fe["cochlea_channels"],
                              f_min_hz=fe["f_min_hz"], f_max_hz=fe["f_max_hz"],
                              frame_ms=fe["frame_ms"], hop_ms=fe["hop_ms"])
    c_spikes = frontend.spike_raster(cg, fe["cochlea_delta_db"], hop_s, p["snn_dt_ms"] * 1e-3, duration)
    nb = p["n_bins"]
    return dict(
        tracks=tracks, voiced=voiced, formant_spikes=f_spikes, pairs=pairs,
        tde=tde_out, ei=ei_out, cochleagram=cg, cochlea_spikes=c_spikes,
        lr_features={"raw formants (c)": span_bins(log2f, voiced, nb, mean=True),
                     "TDE (a)": span_bins(tde_out, voiced, nb, mean=False),
                     "disynaptic E–I (b)": span_bins(ei_out, voiced, nb, mean=False)})


def binary_indices(words: np.ndarray, split: np.ndarray, keyword: str, rest: np.ndarray,
                   rng: np.random.Generator) -> dict:
    """Balanced keyword-vs-rest sets per split: all keyword clips + as many drawn rest clips."""
    out = {}
    for s in ("train", "test"):
        pos = np.flatnonzero((words == keyword) & (split == s))
        neg = np.flatnonzero(np.isin(words, rest) & (words != keyword) & (split == s))
        if pos.size == 0 or neg.size == 0:
            raise DatasetError(f"kws: the {s} split has no clip of {keyword!r} or of the rest")
        neg = rng.choice(neg, min(pos.size, neg.size), replace=False)
        out[s] = np.concatenate([pos, neg])
    return out


# -- (a)(b)(c): encoders + logistic regression -------------------------------------------------
def logistic_regression_study(feats: dict, meta: pd.DataFrame, p: dict, seeds) -> pd.DataFrame:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    words, split = meta.word.to_numpy(), meta.split.to_numpy()
    digits = [w for w in TIDIGITS_WORDS if w in set(words)]
    rows = []
    for seed in seeds:
        for kw in digits:
            idx = binary_indices(words, split, kw, np.array(digits), np.random.default_rng([seed, digits.index(kw)]))
            tr, ts = idx["train"], idx["test"]
            for name, X in feats.items():
                clf = make_pipeline(StandardScaler(), LogisticRegression(C=p["lr_C"], max_iter=p["lr_max_iter"]))
                y = (words == kw).astype(int)
                clf.fit(X[tr], y[tr])
                rows.append(dict(features=name, keyword=kw, seed=seed, n_features=X.shape[1],
                                 train_accuracy=balanced_accuracy(y[tr], clf.predict(X[tr])),
                                 test_accuracy=balanced_accuracy(y[ts], clf.predict(X[ts]))))
    return pd.DataFrame(rows)


# -- (d)(e): trained networks ---------------------------------------------------------------
_DATA: dict = {}


def _set_data(data):
    _DATA.clear()
    _DATA.update(data)


def _train_job(job: dict) -> dict:
    """Train one model (runs in a worker process; data in the module global)."""
    import torch

    from neurobench.metrics.synops import SynapticOperations, activation_sparsity, footprint_bytes
    from neurobench.nn import LIFParameters
    from neurobench.nn.kws import build_model, predict, train_classifier

    torch.set_num_threads(1)
    threadpool_limits(limits=1)
    p = _DATA["params"]
    device = _DATA["device"]
    t0 = time.perf_counter()
    x = _DATA["spikes"] if job["kind"] == "snn" else _DATA["energies"]
    tr, ts, y = _DATA[job["task"]][job["seed"]]
    xt = torch.as_tensor(x).permute(1, 0, 2).contiguous().to(device)
    yt = torch.as_tensor(y, dtype=torch.long, device=device)
    torch.manual_seed(job["seed"])
    lif = LIFParameters(alpha=p["lif_alpha"], beta=1.0, surrogate="atan")
    model = build_model(job["kind"], x.shape[2], job["n_hidden"], int(y.max()) + 1, lif,
                        p["readout_alpha"]).to(device)
    epochs = p["epochs_binary"] if job["task"] == "binary" else p["epochs_digits"]
    train_classifier(model, xt[:, tr], yt[tr], epochs=epochs, lr=p["lr"], batch_size=p["batch_size"],
                     seed=job["seed"])
    pred_tr = predict(model, xt[:, tr])
    with SynapticOperations(model) as ops:
        pred = predict(model, xt[:, ts], batch_size=len(ts))
    res = dict(job, train_accuracy=balanced_accuracy(y[tr], pred_tr),
               test_accuracy=balanced_accuracy(y[ts], pred), footprint_bytes=footprint_bytes(model),
               **ops.result(len(ts)).as_dict(), wall_s=time.perf_counter() - t0,
               y_test=y[ts], pred_test=pred)
    if job["kind"] == "snn":
        res["activation_sparsity"] = activation_sparsity(model.last_spikes)
        res["spikes_per_sample"] = float(model.last_spikes.sum() / len(ts))
        res["state_dict"] = {k: v.cpu().numpy() for k, v in model.state_dict().items()}
    return res


def training_jobs(p: dict) -> list[dict]:
    jobs = []
    for seed in p["seeds"]:
        for n in p["sweep_neurons"]:
            jobs.append(dict(kind="snn", n_hidden=n, task="binary", seed=seed))
        for task in ("binary", "digits"):
            if task == "digits":
                jobs.append(dict(kind="snn", n_hidden=p["n_hidden"], task=task, seed=seed))
            for n in p["gru_hidden"]:
                jobs.append(dict(kind="gru", n_hidden=n, task=task, seed=seed))
            jobs.append(dict(kind="cnn", n_hidden=p["cnn_channels"], task=task, seed=seed))
    seen, out = set(), []
    for j in jobs:
        key = tuple(sorted(j.items()))
        if key not in seen:
            seen.add(key)
            out.append(j)
    return out


def run_training(data: dict, jobs: list[dict], workers: int) -> list[dict]:
    from tqdm.auto import tqdm

    _set_data(data)
    if workers <= 1 or data["device"] != "cpu":
        return [_train_job(j) for j in tqdm(jobs, desc="kws training", mininterval=2.0)]
    import multiprocessing as mp

    with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
        return list(tqdm(pool.map(_train_job, jobs), total=len(jobs), desc="kws training", mininterval=2.0))


def task_data(meta: pd.DataFrame, p: dict) -> dict:
    """Per task and seed: (train indices, test indices, labels of all clips)."""
    words, split = meta.word.to_numpy(), meta.split.to_numpy()
    digits = [w for w in TIDIGITS_WORDS if w in set(words)]
    if p["keyword"] not in set(words):
        raise DatasetError(f"kws.keyword {p['keyword']!r} is not in the dataset's words")
    if len(digits) < 2:
        raise DatasetError(f"kws: the digits task needs ≥ 2 TIDIGITS words, the dataset has {digits}")
    y_bin = (words == p["keyword"]).astype(np.int64)
    y_dig = np.array([digits.index(w) if w in digits else -1 for w in words])
    out = {"binary": {}, "digits": {}, "digit_names": digits}
    for seed in p["seeds"]:
        idx = binary_indices(words, split, p["keyword"], np.unique(words), np.random.default_rng([seed, 99]))
        out["binary"][seed] = (idx["train"], idx["test"], y_bin)
        out["digits"][seed] = (np.flatnonzero((y_dig >= 0) & (split == "train")),
                               np.flatnonzero((y_dig >= 0) & (split == "test")), y_dig)
    return out


def model_name(r) -> str:
    return {"snn": "recurrent LIF (d)", "gru": "GRU (e)", "cnn": "CNN (e)"}[r["kind"]] + f" {r['n_hidden']}"


# -- the study ------------------------------------------------------------------------------
def run(params: dict, outdir: Path, corpus_dir=None) -> None:
    import torch

    p = dict(params)
    outdir = Path(outdir)
    corpus_dir = Path(corpus_dir or CORPUS_DIR)
    seeds = list(p["seeds"])
    torch.set_num_threads(1)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    timing = {}
    # One BLAS/OpenMP thread: the matrices are small, and spinning BLAS threads on a busy
    # machine made the logistic regressions 50× slower; the training runs in worker processes.
    with threadpool_limits(limits=1), StudyWriter(outdir, params, seed=p["seed"]) as out:
        t0 = time.perf_counter()
        c = load_dataset(p, corpus_dir)
        meta = c.meta
        summary = meta.groupby("split").agg(clips=("word", "size"), speakers=("speaker", "nunique"),
                                            words=("word", "nunique")).reset_index()
        out.table(summary, "dataset")
        overlap = set(meta.speaker[meta.split == "train"]) & set(meta.speaker[meta.split == "test"])
        out.claim(claim_at_most("speaker_split", "no speaker has clips in both training and test set",
                                "speakers in both splits", 0, len(overlap), unit="speakers",
                                source="issue 6 data requirement (split by speaker)"))
        f = front_end(c, p)
        timing["front end"] = time.perf_counter() - t0

        # (a)(b)(c)
        t0 = time.perf_counter()
        lr = logistic_regression_study(f["lr_features"], meta, p, seeds)
        timing["logistic regression (a)(b)(c)"] = time.perf_counter() - t0
        out.table(lr, "encoders_lr_runs")
        lr_summary = _lr_summary(lr)
        out.table(lr_summary, "encoders_lr", latex=True,
                  caption="Logistic regression on encoder spike counts vs raw formants, binary "
                          "digit-vs-rest (balanced accuracy, mean ± 95 % CI over keywords × seeds)")
        _lr_claims(out, lr)

        # (d)(e)
        t0 = time.perf_counter()
        energies = f["cochleagram"]
        energies = (energies - energies.mean()) / energies.std()
        data = dict(params=p, device=device, spikes=f["cochlea_spikes"],
                    energies=energies.astype(np.float32), **task_data(meta, p))
        jobs = training_jobs(p)
        log.info("kws: %d training runs on %s with %d worker(s)", len(jobs), device, p["workers"])
        results = run_training(data, jobs, p["workers"])
        timing["training (d)(e)"] = time.perf_counter() - t0
        runs = pd.DataFrame([{k: v for k, v in r.items() if k not in ("y_test", "pred_test", "state_dict")}
                             for r in results])
        runs.insert(0, "model", [model_name(r) for r in results])
        out.table(runs, "model_runs")
        models = _model_summary(runs)
        out.table(models, "models", latex=True,
                  caption="Accuracy and cost per test sample (mean over seeds; 95 % CI)")
        sweep = models[(models.kind == "snn") & (models.task == "binary")].sort_values("n_hidden")
        out.table(sweep, "neuron_sweep")
        _model_claims(out, p, runs)
        conf = _confusions(out, results, p, data["digit_names"])

        t0 = time.perf_counter()
        deployment = _deployment(out, p, results, data)
        timing["deployment (DYNAP-SE weights, mismatch)"] = time.perf_counter() - t0
        out.table(pd.DataFrame({"stage": list(timing), "wall_s": list(timing.values())}), "timing")
        _figures(out, c, f, lr_summary, sweep, conf, p, deployment)


def _lr_summary(lr: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for name, g in lr.groupby("features", sort=False):
        tr, tr_ci = mean_ci(g.train_accuracy)
        ts, ts_ci = mean_ci(g.test_accuracy)
        rows.append(dict(features=name, n_features=int(g.n_features.iloc[0]), train_accuracy=tr,
                         train_ci95=tr_ci, fully_separable_fraction=float((g.train_accuracy == 1.0).mean()),
                         test_accuracy=ts, test_ci95=ts_ci))
    return pd.DataFrame(rows)


def _paired(lr: pd.DataFrame, enc: str, col: str) -> np.ndarray:
    key = ["keyword", "seed"]
    a = lr[lr.features == enc].set_index(key)[col]
    b = lr[lr.features == "raw formants (c)"].set_index(key)[col]
    return (a - b.loc[a.index]).to_numpy()


def _lr_claims(out, lr: pd.DataFrame):
    for enc, cid in (("TDE (a)", "tde"), ("disynaptic E–I (b)", "ei")):
        g = lr[lr.features == enc]
        out.claim(claim_at_least(
            f"{cid}_train_separable", f"{enc} + logistic regression separates the training set "
            "completely (paper: 'enabling a complete binary classification')",
            "mean balanced training accuracy over keywords × seeds", 1.0, g.train_accuracy.mean(),
            source=PAPER))
        m, h = mean_ci(_paired(lr, enc, "train_accuracy"))
        out.claim(claim_at_least(
            f"{cid}_improves_train", f"{enc} improves the training accuracy over the raw formants",
            "lower end of the 95 % CI of the paired gain (encoder − raw), training set", 0.0, m - h,
            source=PAPER))
        m, h = mean_ci(_paired(lr, enc, "test_accuracy"))
        out.claim(claim_at_most(
            f"{cid}_no_clear_test_gain", f"{enc} gives no clear improvement on the test set",
            "lower end of the 95 % CI of the paired gain (encoder − raw), test set", 0.0, m - h,
            source=PAPER, note="clear = the whole 95 % CI above 0"))


def _model_summary(runs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (model, task), g in runs.groupby(["model", "task"], sort=False):
        acc, ci = mean_ci(g.test_accuracy)
        row = dict(model=model, task=task, kind=g.kind.iloc[0], n_hidden=int(g.n_hidden.iloc[0]),
                   seeds=len(g), test_accuracy=acc, test_ci95=ci,
                   train_accuracy=g.train_accuracy.mean(), effective_acs=g.effective_acs.mean(),
                   effective_macs=g.effective_macs.mean(), dense_ops=g.dense.mean(),
                   footprint_bytes=int(g.footprint_bytes.iloc[0]))
        if "activation_sparsity" in g:
            row["activation_sparsity"] = g.activation_sparsity.mean()
        rows.append(row)
    return pd.DataFrame(rows)


def _model_claims(out, p: dict, runs: pd.DataFrame):
    n = p["n_hidden"]
    snn = runs[(runs.kind == "snn") & (runs.n_hidden == n)]
    b = snn[snn.task == "binary"]
    m, h = mean_ci(b.test_accuracy)
    out.claim(claim_at_least(
        "snn_few_neurons_binary", f"{n} recurrent LIF neurons spot the keyword '{p['keyword']}' "
        f"(binary, balanced) with test accuracy ≥ {p['binary_accuracy_min']:g}",
        f"mean balanced test accuracy over {len(b)} seeds (95 % CI ±{h:.3f})",
        p["binary_accuracy_min"], m,
        source="target of issue 6 (config kws.binary_accuracy_min); context: " + PEQUENO))
    d = snn[snn.task == "digits"]
    m, h = mean_ci(d.test_accuracy)
    out.claim(Claim("snn_few_neurons_digits", f"{n} recurrent LIF neurons on the 11 digits "
                    "(context: the talk's work-in-progress; reference on real TIDIGITS, other net size)",
                    f"mean test accuracy over {len(d)} seeds (95 % CI ±{h:.3f})", 0.91, m, "–", "",
                    "INFO", PEQUENO))
    # Synaptic operations: the SNN's accumulates against the same-size GRU's multiply-accumulates.
    g = runs[(runs.kind == "gru") & (runs.n_hidden == n) & (runs.task == "binary")]
    if len(g) and len(b):
        ratio = (b.effective_acs.mean() + b.effective_macs.mean()) / (g.effective_macs.mean() + g.effective_acs.mean())
        out.claim(claim_at_most(
            "snn_fewer_ops_than_gru", f"the {n}-neuron SNN needs fewer synaptic operations per "
            f"sample than a GRU of {n} units (event-driven accumulates vs dense MACs)",
            "effective ops SNN / effective ops GRU (NeuroBench SynapticOperations)", 1.0, ratio,
            source="GRU of the same size trained in the same job"))
    for model, gm in runs[runs.task == "digits"].groupby("model"):
        m, h = mean_ci(gm.test_accuracy)
        out.claim(Claim(f"digits_{model.split(' (')[0].replace(' ', '_').lower()}_{int(gm.n_hidden.iloc[0])}",
                        f"{model} on the 11 digits (accuracy/ops table, context)",
                        f"mean test accuracy ({len(gm)} seeds, ±{h:.3f})", 0.856, m, "–", "", "INFO",
                        NEUROBENCH_GSC + " (different data set)"))


def _confusions(out, results: list[dict], p: dict, digit_names) -> dict:
    conf = {}
    for (kind, n, task) in (("snn", p["n_hidden"], "binary"), ("snn", p["n_hidden"], "digits"),
                            ("gru", max(p["gru_hidden"]), "digits")):
        sel = [r for r in results if r["kind"] == kind and r["n_hidden"] == n and r["task"] == task]
        if not sel:
            continue
        labels = ["rest", p["keyword"]] if task == "binary" else digit_names
        K = len(labels)
        m = np.zeros((K, K), int)
        for r in sel:
            np.add.at(m, (r["y_test"], r["pred_test"]), 1)
        name = f"confusion_{kind}{n}_{task}"
        out.table(pd.DataFrame(m, index=labels, columns=labels).rename_axis("true").reset_index(), name)
        conf[name] = (labels, m)
    return conf


# -- deployment on the DYNAP-SE emulator's synapse model ------------------------------------------
# The hidden layer sits on one core. A core has one base weight per synapse type; a connection of
# multiplicity m takes m of the post neuron's 64 CAM entries and has efficacy m × base. Positive
# weights use the fast excitatory synapse (AMPA), negative ones the subtractive inhibitory one
# (GABA_B; Sandin & Nilsson 2020 use it for the same reason). The DPI synapse's efficacy scales as
# I_w·I_g/I_τ (Chicca et al., Proc. IEEE 102:1367, 2014), so its mismatch is the product of the
# emulator's frozen factors of those three biases, one per (post neuron, synapse type).
DPI_EFFICACY_BIASES = {"AMPA": ("PS_WEIGHT_EXC_F_N", "NPDPIE_THR_F_P", "NPDPIE_TAU_F_P"),
                       "GABA_B": ("PS_WEIGHT_INH_S_N", "NPDPII_THR_S_P", "NPDPII_TAU_S_P")}


def cam_multiplicities(w: np.ndarray, levels: int, cam_entries: int):
    """Integer multiplicities of a signed weight matrix w [post, pre].

    base_± = max|w_±| / levels, m = round(|w| / base); if a post neuron would need more than
    ``cam_entries`` entries the base weights grow (coarser resolution) until every row fits.
    Returns (m_exc, m_inh, base_exc, base_inh).
    """
    if levels < 1:
        raise ValueError(f"levels must be ≥ 1, got {levels}")
    pos, neg = np.clip(w, 0, None), np.clip(-w, 0, None)
    base = [max(a.max(), 1e-12) / levels for a in (pos, neg)]
    while True:
        m = [np.rint(a / b).astype(np.int64) for a, b in zip((pos, neg), base)]
        if (m[0] + m[1]).sum(axis=1).max() <= cam_entries:
            return m[0], m[1], base[0], base[1]
        base = [b * 1.05 for b in base]


def _efficacy_factors(n_neurons: int, cv: float, seed: int) -> dict:
    from neurobench.dynapse import MismatchConfig, mismatch_factors
    from neurobench.dynapse.biases import BIAS_INDEX

    f = mismatch_factors(MismatchConfig(enabled=cv > 0, cv_circuit=cv, seed=seed), n_chips=1)
    gids = 256 + np.arange(n_neurons)                      # core 1 of chip 0
    return {syn: f[gids, BIAS_INDEX[w]] * f[gids, BIAS_INDEX[g]] / f[gids, BIAS_INDEX[t]]
            for syn, (w, g, t) in DPI_EFFICACY_BIASES.items()}


def check_cam_on_board(m_in, m_rec) -> int:
    """Write the connections into an emulator Board (which enforces the 64-entry CAM and SRAM
    limits and aliasing) and return the largest number of CAM entries a hidden neuron uses."""
    from neurobench.dynapse import Board, MismatchConfig

    board = Board(n_chips=1, mismatch=MismatchConfig.off(), aliasing="error")
    H, n_in = m_in[0].shape
    hidden = board.core_neurons(0, 1)[:H]
    inputs = board.add_spike_generator([], [], n_channels=n_in, name="cochlea spikes")
    for (m_e, m_i), pre in ((m_in, inputs.ids), (m_rec, hidden)):
        for syn, m in (("AMPA", m_e), ("GABA_B", m_i)):
            post_i, pre_j = np.nonzero(m)
            if post_i.size:
                board.connect(pre[pre_j], hidden[post_i], syn, m[post_i, pre_j])
    return int(board.cam_usage()[hidden].max())


def deployed_weights(w: np.ndarray, levels: int, factors: dict | None, cam_entries: int):
    m_e, m_i, b_e, b_i = cam_multiplicities(w, levels, cam_entries)
    f_e = 1.0 if factors is None else factors["AMPA"][:, None]
    f_i = 1.0 if factors is None else factors["GABA_B"][:, None]
    return b_e * m_e * f_e - b_i * m_i * f_i, (m_e, m_i)


def _cam_needed(runs, levels: int) -> int:
    """Largest row sum of the multiplicities round(|w|/base), base = max|w_±|/levels (no CAM cap)."""
    need = 0
    for r in runs:
        w = np.concatenate([r["state_dict"]["hidden.w_in.weight"], r["state_dict"]["hidden.w_rec.weight"]], 1)
        m_e, m_i, _, _ = cam_multiplicities(w, levels, cam_entries=np.iinfo(np.int64).max)
        need = max(need, int((m_e + m_i).sum(axis=1).max()))
    return need


def _deployment(out, p: dict, results, data):
    """Accuracy of the trained ~10-neuron binary networks with DYNAP-SE weights and mismatch."""
    import torch

    from neurobench.dynapse import CAM_ENTRIES
    from neurobench.nn import LIFParameters
    from neurobench.nn.kws import SpikingKWS, predict

    d = p["deployment"]
    sel = [r for r in results if r["kind"] == "snn" and r["n_hidden"] == p["n_hidden"] and r["task"] == "binary"]
    x = torch.as_tensor(data["spikes"]).permute(1, 0, 2).contiguous()
    rows, max_cam = [], 0
    for r in sel:
        _, ts, y = data["binary"][r["seed"]]
        sd = {k: torch.as_tensor(v) for k, v in r["state_dict"].items()}
        w_in, w_rec = sd["hidden.w_in.weight"].numpy(), sd["hidden.w_rec.weight"].numpy()
        w_all = np.concatenate([w_in, w_rec], axis=1)          # one CAM per post neuron
        H = w_in.shape[0]
        model = SpikingKWS(w_in.shape[1], H, 2, LIFParameters(alpha=p["lif_alpha"], beta=1.0), p["readout_alpha"])
        for levels in d["levels"]:
            _, m = deployed_weights(w_all, levels, None, CAM_ENTRIES)
            max_cam = max(max_cam, check_cam_on_board((m[0][:, :-H], m[1][:, :-H]), (m[0][:, -H:], m[1][:, -H:])))
            for cv in d["mismatch_cv"]:
                for ms in range(d["mismatch_seeds"] if cv > 0 else 1):
                    fac = _efficacy_factors(H, cv, seed=1000 * r["seed"] + ms) if cv > 0 else None
                    w_q, _ = deployed_weights(w_all, levels, fac, CAM_ENTRIES)
                    sd_q = dict(sd)
                    sd_q["hidden.w_in.weight"] = torch.as_tensor(w_q[:, :-H], dtype=torch.float32)
                    sd_q["hidden.w_rec.weight"] = torch.as_tensor(w_q[:, -H:], dtype=torch.float32)
                    model.load_state_dict(sd_q)
                    acc = balanced_accuracy(y[ts], predict(model, x[:, ts]))
                    rows.append(dict(train_seed=r["seed"], levels=levels, mismatch_cv=cv, chip_seed=ms,
                                     test_accuracy=acc, float_accuracy=r["test_accuracy"]))
    runs = pd.DataFrame(rows)
    out.table(runs, "deployment_runs")
    table = (runs.groupby(["levels", "mismatch_cv"]).agg(test_accuracy=("test_accuracy", "mean"),
                                                         float_accuracy=("float_accuracy", "mean"))
             .reset_index())
    out.table(table, "deployment", latex=True,
              caption="~10-neuron SNN with DYNAP-SE CAM multiplicities and mismatch (balanced accuracy)")
    # CAM entries the nominal resolution needs before any coarsening of the base weights.
    need = _cam_needed(sel, d["nominal_levels"])
    out.claim(claim_at_most(
        "dynapse_cam_fits", f"the ~{p['n_hidden']}-neuron network fits the DYNAP-SE CAM at "
        f"{d['nominal_levels']} weight levels without coarsening",
        "CAM entries the busiest hidden neuron needs (largest over trained seeds)", CAM_ENTRIES, need,
        unit="entries", source="DYNAP-SE1 CAM size, 64 per neuron (neurobench.dynapse.routing.CAM_ENTRIES)"))
    out.claim(Claim("dynapse_board_cam_usage", "CAM entries used on the emulator board after mapping "
                    "(coarsened where needed; the Board enforces the limit)", "largest CAM usage",
                    CAM_ENTRIES, max_cam, "–", "entries", "INFO", "neurobench.dynapse.Board"))
    nominal = runs[(runs.levels == d["nominal_levels"]) & (runs.mismatch_cv == d["nominal_cv"])]
    drop = float(nominal.float_accuracy.mean() - nominal.test_accuracy.mean())
    out.claim(claim_at_most(
        "dynapse_accuracy_drop", f"with {d['nominal_levels']} weight levels and {d['nominal_cv']:g} "
        "mismatch CV the accuracy stays within the stated drop of the float network",
        "float accuracy − deployed accuracy (mean over seeds and chips)", d["max_accuracy_drop"], drop,
        source="the float network of the same job; drop bar from config kws.deployment.max_accuracy_drop"))
    return table


def _figures(out, c, f, lr_summary, sweep, conf, p, deployment):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(19, 4.2))
    ax = axes[0]
    xs = np.arange(len(lr_summary))
    ax.bar(xs - 0.2, lr_summary.train_accuracy, 0.4, yerr=lr_summary.train_ci95, label="train")
    ax.bar(xs + 0.2, lr_summary.test_accuracy, 0.4, yerr=lr_summary.test_ci95, label="test")
    ax.set_xticks(xs, lr_summary.features, rotation=15)
    ax.set(ylim=(0.4, 1.02), ylabel="balanced accuracy", title="Encoders + logistic regression")
    ax.axhline(1.0, color="k", lw=0.5)
    ax.legend(frameon=False)
    ax = axes[1]
    ax.errorbar(sweep.n_hidden, sweep.test_accuracy, yerr=sweep.test_ci95, fmt="o-", capsize=3)
    ax.axvline(p["n_hidden"], color="0.6", ls=":")
    ax.set(xscale="log", xlabel="recurrent LIF neurons", ylabel="balanced test accuracy",
           title=f"'{p['keyword']}' vs rest: neuron sweep")
    ax = axes[2]
    ax.plot(sweep.n_hidden, sweep.effective_acs, "s-", color="C3", label="effective ACs")
    ax.plot(sweep.n_hidden, sweep.dense_ops, "^--", color="0.4", label="dense ops")
    ax.plot(sweep.n_hidden, sweep.footprint_bytes, "o:", color="C2", label="footprint (bytes)")
    ax.set(xscale="log", yscale="log", xlabel="recurrent LIF neurons", ylabel="per sample / bytes",
           title="NeuroBench operations and footprint")
    ax.legend(frameon=False)
    for a in axes[1:3]:
        a.set_xticks(sweep.n_hidden.tolist(), [str(n) for n in sweep.n_hidden])
        a.minorticks_off()
    ax = axes[3]
    key = f"confusion_snn{p['n_hidden']}_digits"
    if key in conf:
        labels, m = conf[key]
        ax.imshow(m / np.maximum(m.sum(1, keepdims=True), 1), cmap="Blues", vmin=0, vmax=1)
        ax.set_xticks(range(len(labels)), labels, rotation=90)
        ax.set_yticks(range(len(labels)), labels)
        ax.set(xlabel="predicted", ylabel="true", title=f"{p['n_hidden']} LIF neurons, 11 digits")
    out.figure(fig, "kws_overview")

    fig, ax = plt.subplots(figsize=(6, 4))
    for levels, g in deployment.groupby("levels"):
        ax.plot(g.mismatch_cv, g.test_accuracy, "o-", label=f"{levels} levels")
    ax.axhline(deployment.float_accuracy.mean(), color="k", ls=":", label="float weights")
    ax.set(xlabel="mismatch CV of each DPI bias current", ylabel="balanced test accuracy",
           title=f"{p['n_hidden']} neurons on the DYNAP-SE synapse model")
    ax.legend(frameon=False, fontsize=8)
    out.figure(fig, "deployment")

    # One clip through the front end: formants, their spikes, encoder outputs, filterbank spikes.
    i = int(np.flatnonzero(c.meta.word.to_numpy() == p["keyword"])[0])
    hop = p["frontend"]["hop_ms"]
    fig, axes = plt.subplots(4, 1, figsize=(9, 9), sharex=True)
    t = np.arange(f["tracks"].shape[1]) * hop
    axes[0].plot(t, f["tracks"][i])
    axes[0].set(ylabel="F1–F3 (Hz)", title=f"'{c.meta.word[i]}', {c.meta.speaker[i]}")
    dt = p["encoder_dt_ms"]
    for ax, arr, step, lab in ((axes[1], f["formant_spikes"][i], dt, "formant ON/OFF"),
                               (axes[2], np.concatenate([f["tde"][i], f["ei"][i]], 1), dt, "TDE | E–I"),
                               (axes[3], f["cochlea_spikes"][i], p["snn_dt_ms"], "filterbank ON/OFF")):
        ts, ch = np.nonzero(arr)
        ax.plot(ts * step, ch, "|", ms=4)
        ax.set(ylabel=lab)
    axes[-1].set(xlabel="time (ms)")
    out.figure(fig, "front_end")
