"""Keyword spotting with few (~10) neurons: temporal encoders, tiny trained SNNs and baselines.

Sources: F. Sandin, talk "Temporal Dynamics in Neuromorphic Computing", slide "Keyword Spotting
with Few (~10) Neurons"; Nilsson, Pina, Khacef, Liwicki, Chicca & Sandin, "A Comparison of
Temporal Encoders for Neuromorphic Keyword Spotting with Few Neurons", arXiv 2301.09962 (formants
of TIDIGITS digits; binary keyword-vs-rest tasks; TDE vs disynaptic E–I encoder; logistic
regression; "both encoders … enable a complete binary classification [of the training data] …
they show no clear improvements on the test set"); Pequeño-Zurro, Khacef, Panzeri & Chicca,
arXiv 2503.15402 (recurrent CuBa-LIF 91 % on TIDIGITS formants); NeuroBench (Yik et al., Nat.
Commun. 16:1545, 2025) for the cost metrics.

On the chip: the ~10-neuron network is trained within the DYNAP-SE1's limits
(:mod:`neurobench.nn.chip_aware`: integer CAM multiplicities × one base weight per synapse type,
≤ 64 CAM entries per neuron, AMPA / GABA_B by sign, one spike-generator event per input channel
and bin), plain float, chip-aware, and chip-aware with the emulator's mismatch drawn per sample,
side by side; its time constants, threshold charge and base weights become DPI biases by a fit
against the emulator's measured responses (:mod:`neurobench.dynapse.mapping`; the bias file is
``kws_dynapse_biases.yaml``), and every test clip is played into copies of the network on the
emulated board (DPI neurons and synapses, CAM routing, mismatch on), scored on held-out chips
(mismatch seeds used nowhere else). Energy per inference would multiply the emulator's event
counts by the DYNAP-SE's published energies per event, which the suite does not hold yet.

Data: the espeak-ng corpus of :mod:`neurobench.data.speech` (rule ``kws_corpus``), or Speech
Commands / TIDIGITS when ``dataset`` and ``data_path`` name them. Three speaker splits: ``train``
(the only clips trained on, and the only ones whose statistics standardise the filterbank
energies), ``validation`` (speakers held out of training whose scores were looked at while this
study's hyperparameters were chosen: reported beside test, no claim rests on it; Speech Commands'
own validation list; empty for TIDIGITS) and ``test`` (speakers no one trained or tuned on: every
claim, and every on-chip run).

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
and a 1-D CNN, on the (non-spiking) filterbank energies. (f) the chip-aware networks above, for
``chip.sweep_neurons``, and their runs on the emulated chips. Tasks: binary ``keyword`` vs the other
words, and the 11 digits. Every model is trained for each of ``seeds``; tables give the mean and
the 95 % t-interval over seeds. Costs per sample on the test set: NeuroBench synaptic operations
(effective ACs, effective MACs, dense), activation sparsity, footprint.

Training: the recurrent networks of one kind, size and task (its seeds, and for (f) its three
variants) are trained as one stacked model (:mod:`neurobench.nn.stack`): each keeps its own
initialisation, training set, seeded data order and mismatch draws. The spiking networks' products
run on the same tensors as alone, so each is, to the last bit, the network it would be if trained
alone; the GRU stacks batch their recurrent products and match their one-by-one training up to
the last bits of those sums (the GRU rows are context: no claim rests on their accuracy).
Training these networks is chaotic: a last-bit change moves single seeds by up to 0.25 of
balanced accuracy (seen in development on the LIF and chip-aware networks), so the per-seed
numbers are one draw of that noise. ``workers`` processes share the work: the front end's
clips, then the logistic regressions, the training groups and the bias fit (longest first), then
the on-chip runs. ``tables/timing`` gives each stage's wall time and CPU time.
"""

from __future__ import annotations

import logging
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from neurobench.data import frontend
from neurobench.data import temporal_encoders as te
from neurobench.data.speech import SPLITS, TIDIGITS_WORDS, DatasetError, SpeechCorpus, load_corpus
from neurobench.report import Claim, StudyWriter, claim_at_least, claim_at_most, claim_info

log = logging.getLogger("neurobench")

PAPER = "Nilsson et al. 2023, arXiv 2301.09962 (abstract)"
TALK = "Sandin, talk 'Temporal Dynamics in Neuromorphic Computing', slide 'Keyword Spotting with Few (~10) Neurons'"
PEQUENO = "Pequeño-Zurro et al. 2025, arXiv 2503.15402 (abstract): recurrent CuBa-LIF 91 % on TIDIGITS"
CORPUS_DIR = "resources/kws_corpus"          # written by the rule kws_corpus
NEUROBENCH_GSC = "NeuroBench (Yik et al. 2025) Google Speech Commands SNN example: accuracy 0.856"


def declared_claims(params: dict) -> dict[str, str]:
    """Every claim of the study and its kind (ids of the digits context rows follow the config)."""
    n = params["n_hidden"]
    kinds = {"speaker_split": "verification"}
    for enc in ("tde", "ei"):
        for finding in ("train_separable", "improves_train", "no_clear_test_gain"):
            kinds[f"{enc}_{finding}"] = "literature"          # Nilsson et al. 2023's findings
    kinds.update(snn_few_neurons_binary="literature", snn_few_neurons_digits="literature",
                 snn_fewer_ops_than_gru="verification")
    digits = ([f"digits_recurrent_lif_{n}", f"digits_cnn_{params['cnn_channels']}"]
              + [f"digits_gru_{g}" for g in params["gru_hidden"]])
    kinds.update({d: "literature" for d in digits})           # context: NeuroBench's GSC baseline
    kinds.update(dynapse_cam_fits="verification", dynapse_board_cam_usage="verification",
                 on_chip_balanced_accuracy="literature", on_chip_accuracy_drop="verification",
                 on_chip_energy_per_inference="literature", on_chip_digits="literature",
                 on_chip_wall_time="design_target")
    return kinds


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
    """Mean over classes of the recall (chance = 1/K); NaN for no samples (a split the dataset
    lacks, e.g. TIDIGITS's validation)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.size == 0:
        return float("nan")
    return float(np.mean([np.mean(y_pred[y_true == k] == k) for k in np.unique(y_true)]))


class StageTimes:
    """Wall time and CPU time of the study's stages; CPU time counts this process and its worker
    processes (those of a stage's pool are joined when it ends), so that a stage's cost can be
    read on a shared machine."""

    def __init__(self):
        self.rows: list[dict] = []
        self._t0 = (0.0, 0.0)

    @staticmethod
    def _cpu() -> float:
        import resource

        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    def start(self):
        self._t0 = (time.perf_counter(), self._cpu())

    def stop(self, stage: str):
        wall, cpu = time.perf_counter() - self._t0[0], self._cpu() - self._t0[1]
        self.rows.append(dict(stage=stage, wall_s=wall, cpu_s=cpu))
        log.info("kws: %s in %.1f s (%.1f s CPU)", stage, wall, cpu)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)


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
        return load_speech_commands(p["data_path"], sample_rate=rate, clip_s=clip)
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


def front_end(c: SpeechCorpus, p: dict, workers: int = 1) -> dict:
    """Formant tracks and spikes, encoder outputs, filterbank energies and spikes. Every clip is
    processed on its own, so the clips are shared among ``workers`` processes."""
    parts = run_parallel(dict(audio=c.audio, sample_rate=c.sample_rate, params=p, device="cpu"),
                         [("front end", idx) for idx in np.array_split(np.arange(len(c.meta)), workers)],
                         workers, "kws front end")
    f = {k: np.concatenate([q[k] for q in parts]) for k in parts[0] if k not in ("pairs", "lr_features")}
    f["pairs"] = parts[0]["pairs"]
    f["lr_features"] = {name: np.concatenate([q["lr_features"][name] for q in parts])
                        for name in parts[0]["lr_features"]}
    log.info("kws: front end of %d clips: %.1f formant spikes/clip, %d TDE and %d E–I neurons",
             len(c.meta), f["formant_spikes"].sum((1, 2)).mean(), len(f["pairs"]), len(f["pairs"]))
    return f


def _front_end_part(idx: np.ndarray) -> dict:
    """The front end of the clips ``idx`` (worker process; audio in the module global)."""
    p, rate = _DATA["params"], _DATA["sample_rate"]
    audio = _DATA["audio"][idx]
    fe = p["frontend"]
    hop_s = fe["hop_ms"] * 1e-3
    tracks, voiced = frontend.formant_tracks(
        audio, rate, frame_ms=fe["frame_ms"], hop_ms=fe["hop_ms"], lpc_order=fe["lpc_order"],
        max_formant_hz=fe["max_formant_hz"], silence_db=fe["silence_db"], median_frames=fe["median_frames"])
    log2f = np.log2(tracks)
    duration = tracks.shape[1] * hop_s
    f_spikes = frontend.spike_raster(log2f, fe["formant_delta_octaves"], hop_s,
                                     p["encoder_dt_ms"] * 1e-3, duration, binary=False)
    n_f = tracks.shape[2]
    pairs = te.channel_pairs(2 * n_f, [list(range(n_f)), list(range(n_f, 2 * n_f))])
    tde_out = te.tde(f_spikes, pairs, te.TDEParameters(**p["tde"]), p["encoder_dt_ms"])
    ei_out = te.disynaptic(f_spikes, pairs, te.DisynapticParameters(**p["disynaptic"]), p["encoder_dt_ms"])
    cg = frontend.cochleagram(audio, rate, n_channels=fe["cochlea_channels"],
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
    """Balanced keyword-vs-rest sets per split (train, validation, test; drawn in this order):
    all keyword clips + as many drawn rest clips. A dataset without validation clips (TIDIGITS)
    gets an empty validation set."""
    out = {}
    for s in SPLITS:
        pos = np.flatnonzero((words == keyword) & (split == s))
        neg = np.flatnonzero(np.isin(words, rest) & (words != keyword) & (split == s))
        if s == "validation" and not (split == s).any():
            out[s] = np.empty(0, np.int64)
            continue
        if pos.size == 0 or neg.size == 0:
            raise DatasetError(f"kws: the {s} split has no clip of {keyword!r} or of the rest")
        neg = rng.choice(neg, min(pos.size, neg.size), replace=False)
        out[s] = np.concatenate([pos, neg])
    return out


# -- (a)(b)(c): encoders + logistic regression -------------------------------------------------
def lr_tasks(meta: pd.DataFrame, seeds) -> list[tuple[int, str]]:
    """(seed, keyword) of every binary digit-vs-rest logistic regression."""
    words = set(meta.word)
    return [(seed, kw) for seed in seeds for kw in TIDIGITS_WORDS if kw in words]


def _lr_task(task: tuple[int, str]) -> list[dict]:
    """Logistic regression on each feature set for one seed and keyword (worker process; the
    features, words and splits in the module global)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    seed, kw = task
    p, words, split = _DATA["params"], _DATA["words"], _DATA["split"]
    threadpool_limits(limits=1)
    digits = [w for w in TIDIGITS_WORDS if w in set(words)]
    idx = binary_indices(words, split, kw, np.array(digits), np.random.default_rng([seed, digits.index(kw)]))
    tr = idx["train"]
    y = (words == kw).astype(int)
    rows = []
    for name, X in _DATA["lr_features"].items():
        clf = make_pipeline(StandardScaler(), LogisticRegression(C=p["lr_C"], max_iter=p["lr_max_iter"]))
        clf.fit(X[tr], y[tr])
        # validation and test predicted together: the predictions are per clip
        held = np.concatenate([idx["validation"], idx["test"]])
        pred = np.split(clf.predict(X[held]), [idx["validation"].size])
        rows.append(dict(features=name, keyword=kw, seed=seed, n_features=X.shape[1],
                         train_accuracy=balanced_accuracy(y[tr], clf.predict(X[tr])),
                         validation_accuracy=balanced_accuracy(y[idx["validation"]], pred[0]),
                         test_accuracy=balanced_accuracy(y[idx["test"]], pred[1])))
    return rows


# -- (d)(e): trained networks ---------------------------------------------------------------
_DATA: dict = {}


def _set_data(data):
    _DATA.clear()
    _DATA.update(data)


def _inputs(key: str, device: str):
    """One thread in this worker; the time-major inputs [T, N, F] of every clip on ``device``."""
    import torch

    torch.set_num_threads(1)
    threadpool_limits(limits=1)
    return torch.as_tensor(_DATA[key]).permute(1, 0, 2).contiguous().to(device)


def _fit(jobs: list[dict], models: list, x, y, splits, *, epochs: int, lr: float, stack=None) -> None:
    """Train the models of ``jobs`` on their training sets: as one stacked model (``stack``, a
    class of :mod:`neurobench.nn` holding networks of one size) or, without one, one by one."""
    from neurobench.nn.kws import train_classifier
    from neurobench.nn.stack import train_stacked

    p = _DATA["params"]
    if stack is not None and len(models) > 1:
        train_stacked(stack(models).to(x.device), x, y, [sp[0] for sp in splits], epochs=epochs, lr=lr,
                      batch_size=p["batch_size"], seeds=[j["seed"] for j in jobs])
        return
    for model, job, (tr, *_) in zip(models, jobs, splits):
        train_classifier(model, x[:, tr], y[tr], epochs=epochs, lr=lr, batch_size=p["batch_size"],
                         seed=job["seed"])


def _score(jobs: list[dict], models: list, x, splits, t0: float, c0: float, count_ops: bool = False) -> list[dict]:
    """Each trained network of one group on its train, validation and test clips (``splits``: per
    job (train, validation, test indices, labels of every clip)): balanced accuracies, spikes per
    test sample, the test labels and predictions, and its wall and CPU time (the group's training
    since ``t0``/``c0`` shared equally among its networks, plus its own scoring). With
    ``count_ops``, the NeuroBench synaptic operations and footprint on the test clips, in one
    batch."""
    from contextlib import nullcontext

    from neurobench.metrics.synops import SynapticOperations, footprint_bytes
    from neurobench.nn.kws import predict

    train_s, train_cpu = (time.perf_counter() - t0) / len(jobs), (time.process_time() - c0) / len(jobs)
    out = []
    for job, model, (tr, va, ts, y) in zip(jobs, models, splits):
        t1, c1 = time.perf_counter(), time.process_time()
        pred_tr = predict(model, x[:, tr])
        pred_va = predict(model, x[:, va]) if va.size else np.empty(0, np.int64)
        with SynapticOperations(model) if count_ops else nullcontext() as ops:
            pred = predict(model, x[:, ts], batch_size=len(ts))
        res = dict(job, train_accuracy=balanced_accuracy(y[tr], pred_tr),
                   validation_accuracy=balanced_accuracy(y[va], pred_va),
                   test_accuracy=balanced_accuracy(y[ts], pred), y_test=y[ts], pred_test=pred)
        if count_ops:
            res.update(footprint_bytes=footprint_bytes(model), **ops.result(len(ts)).as_dict())
        if getattr(model, "last_spikes", None) is not None:     # the spiking networks' test run
            res["spikes_per_sample"] = float(model.last_spikes.sum() / len(ts))
        res.update(wall_s=train_s + time.perf_counter() - t1, cpu_s=train_cpu + time.process_time() - c1)
        out.append(res)
    return out


def _train_job(jobs: list[dict]) -> list[dict]:
    """Train the models of one group (:func:`training_groups`; runs in a worker process, data in
    the module global) and score each on its test set."""
    import torch

    from neurobench.metrics.synops import activation_sparsity
    from neurobench.nn import LIFParameters
    from neurobench.nn.kws import STACKS, build_model

    t0, c0 = time.perf_counter(), time.process_time()
    p, device = _DATA["params"], _DATA["device"]
    kind, task = jobs[0]["kind"], jobs[0]["task"]
    xt = _inputs("spikes" if kind == "snn" else "energies", device)
    splits = [_DATA[j["task"]][j["seed"]] for j in jobs]
    y = splits[0][-1]                                 # labels of every clip (one per task)
    yt = torch.as_tensor(y, dtype=torch.long, device=device)
    lif = LIFParameters(alpha=p["lif_alpha"], beta=1.0, surrogate="atan")
    models = []
    for job in jobs:
        torch.manual_seed(job["seed"])
        models.append(build_model(kind, xt.shape[2], job["n_hidden"], int(y.max()) + 1, lif,
                                  p["readout_alpha"]).to(device))
    _fit(jobs, models, xt, yt, splits, epochs=p["epochs_binary"] if task == "binary" else p["epochs_digits"],
         lr=p["lr"], stack=STACKS.get(kind))
    out = _score(jobs, models, xt, splits, t0, c0, count_ops=True)
    for res, model in zip(out, models):
        if kind == "snn":
            res["activation_sparsity"] = activation_sparsity(model.last_spikes)
            res["state_dict"] = {k: v.cpu().numpy() for k, v in model.state_dict().items()}
    return out


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


STACKED = ("snn", "gru", "dpi")   # model kinds whose networks of one size train as one stacked model


def training_groups(jobs: list[dict]) -> list[list[dict]]:
    """The jobs that train together: the recurrent networks (LIF, GRU, chip-aware) of one kind,
    size and task form one group (one stacked model; seeds and variants are its networks); a CNN
    trains alone. Groups in the order of their first job."""
    groups: dict = {}
    for j in jobs:
        key = (j["kind"], j["n_hidden"], j["task"]) if j["kind"] in STACKED else tuple(sorted(j.items()))
        groups.setdefault(key, []).append(j)
    return list(groups.values())


def work_items(jobs: list[dict], chip: list[dict], lr: list) -> list[tuple[str, object]]:
    """The work of stages (a)–(f) for one pool, roughly the longest first so that neither process
    idles at the end: the chip-aware groups (9 networks of 100 epochs; larger first), the GRU
    groups (twice the time steps of the LIF networks), the LIF groups (the digits task, 5× the
    clips, first; larger first), the CNNs, the bias fit, then the short logistic regressions."""
    order = {"gru": 0, "snn": 1, "cnn": 2}
    nets = sorted(training_groups(jobs), key=lambda g: (order[g[0]["kind"]], g[0]["task"] != "digits",
                                                        -g[0]["n_hidden"]))
    chips = sorted(training_groups(chip), key=lambda g: (-len(g), -g[0]["n_hidden"]))
    return ([("chip-aware network", g) for g in chips] + [("network", g) for g in nets]
            + [("bias fit", None)] + [("logistic regression", t) for t in lr])


def _in_job_order(jobs: list[dict], groups: list[list[dict]], results: list[list[dict]]) -> list[dict]:
    """One result per job, in the order of ``jobs``, from the results of their groups."""
    by_job = {id(j): r for g, rs in zip(groups, results) for j, r in zip(g, rs)}
    return [by_job[id(j)] for j in jobs]


WORK = {"front end": "_front_end_part", "logistic regression": "_lr_task", "network": "_train_job",
        "chip-aware network": "_train_chip_job", "bias fit": "_bias_fit", "on chip": "_board_run"}


def _work(item: tuple[str, object]):
    kind, arg = item
    return globals()[WORK[kind]](arg)


def run_parallel(data: dict, items: list[tuple[str, object]], workers: int, desc: str) -> list:
    """Run the study's work items (kind, argument) in ``workers`` processes forked after ``data``
    is in the module global (one item at a time per process, in the order given: the longest
    first keeps both processes busy to the end), or here with one worker or on a GPU. Returns
    the results in the order of ``items``."""
    from tqdm.auto import tqdm

    _set_data(data)
    if workers <= 1 or data["device"] != "cpu" or len(items) <= 1:
        return [_work(i) for i in tqdm(items, desc=desc, mininterval=2.0)]
    import multiprocessing as mp

    with ProcessPoolExecutor(min(workers, len(items)), mp_context=mp.get_context("fork")) as pool:
        return list(tqdm(pool.map(_work, items), total=len(items), desc=desc, mininterval=2.0))


def task_data(meta: pd.DataFrame, p: dict) -> dict:
    """Per task and seed: (train, validation, test indices, labels of all clips); the validation
    indices are empty for a dataset without a validation split."""
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
        out["binary"][seed] = (idx["train"], idx["validation"], idx["test"], y_bin)
        out["digits"][seed] = tuple(np.flatnonzero((y_dig >= 0) & (split == s)) for s in SPLITS) + (y_dig,)
    return out


PER_CLIP = ("y_test", "pred_test", "state_dict", "net")    # result entries that are not table columns


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
    timing = StageTimes()
    # One BLAS/OpenMP thread: the matrices are small, and spinning BLAS threads on a busy
    # machine made the logistic regressions 50× slower; the training runs in worker processes.
    with threadpool_limits(limits=1), StudyWriter(outdir, params, seed=p["seed"],
                                                          claims=declared_claims(p)) as out:
        timing.start()
        c = load_dataset(p, corpus_dir)
        meta = c.meta
        summary = meta.groupby("split").agg(clips=("word", "size"), speakers=("speaker", "nunique"),
                                            words=("word", "nunique")).reset_index()
        out.table(summary, "dataset")
        shared = int((meta.groupby("speaker").split.nunique() > 1).sum())
        out.claim(claim_at_most(
            "speaker_split", "no speaker has clips in two of the train, validation and test splits",
            "speakers in more than one split", 0, shared, unit="speakers",
            source="the corpus's speaker split (validation: held out of training, looked at while the "
                   "hyperparameters were chosen; test: speakers no one trained or tuned on)"))
        f = front_end(c, p, p["workers"])
        timing.stop("front end")

        # (a)–(f): the logistic regressions and every network, in one pool of worker processes
        timing.start()
        # standardised with the training clips' statistics: no held-out clip informs the training
        energies = f["cochleagram"]
        train_energies = energies[meta.split.to_numpy() == "train"]
        energies = (energies - train_energies.mean()) / train_energies.std()
        data = dict(params=p, device=device, spikes=f["cochlea_spikes"],
                    energies=energies.astype(np.float32), lr_features=f["lr_features"],
                    words=meta.word.to_numpy(), split=meta.split.to_numpy(), **task_data(meta, p))
        jobs, chip = training_jobs(p), chip_jobs(p)
        lrs = lr_tasks(meta, seeds)
        items = work_items(jobs, chip, lrs)
        log.info("kws: %d logistic regressions, %d networks and %d chip-aware networks (%d work items) on %s "
                 "with %d worker(s)", len(lrs), len(jobs), len(chip), len(items), device,
                 p["workers"])
        done = run_parallel(data, items, p["workers"], "kws training")
        timing.stop("logistic regressions and training (a)–(f)")
        by_kind = {k: [r for (kind, _), r in zip(items, done) if kind == k] for k in WORK}
        lr = pd.DataFrame([row for rows in by_kind["logistic regression"] for row in rows])
        out.table(lr, "encoders_lr_runs")
        lr_summary = _lr_summary(lr)
        out.table(lr_summary, "encoders_lr", latex=True,
                  caption="Logistic regression on encoder spike counts vs raw formants, binary "
                          "digit-vs-rest (balanced accuracy, mean ± 95 % CI over keywords × seeds)")
        _lr_claims(out, lr)

        # (d)(e)
        results = _in_job_order(jobs, [g for kind, g in items if kind == "network"], by_kind["network"])
        runs = pd.DataFrame([{k: v for k, v in r.items() if k not in PER_CLIP} for r in results])
        runs.insert(0, "model", [model_name(r) for r in results])
        out.table(runs, "model_runs")
        models = _model_summary(runs)
        out.table(models, "models", latex=True,
                  caption="Accuracy and cost per test sample (mean over seeds; 95 % CI)")
        sweep = models[(models.kind == "snn") & (models.task == "binary")].sort_values("n_hidden")
        out.table(sweep, "neuron_sweep")
        _model_claims(out, p, runs)
        conf = _confusions(out, results, p, data["digit_names"])

        # (f) chip-aware networks, biases, held-out emulated chips
        chip_results = _in_job_order(chip, [g for kind, g in items if kind == "chip-aware network"],
                                     by_kind["chip-aware network"])
        fit = by_kind["bias fit"][0]
        timing.rows.append(dict(stage="bias fit on the emulator (one worker, beside the training)",
                                wall_s=fit["wall_s"], cpu_s=fit["cpu_s"]))
        timing.start()
        on_chip = _on_chip(out, p, chip_results, data, fit["fit"])
        timing.stop("on-chip runs (emulator)")
        nums = _chip_tables(out, p, chip_results, on_chip, runs)
        _chip_claims(out, p, nums, on_chip, chip_results)
        out.table(timing.table(), "timing", caption="Wall time and CPU time (this process and its "
                  "worker processes) per stage; the machine may be shared")
        _figures(out, c, f, lr_summary, sweep, conf, p)
        _chip_figure(out, p, nums)


def _lr_summary(lr: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for name, g in lr.groupby("features", sort=False):
        tr, tr_ci = mean_ci(g.train_accuracy)
        va, va_ci = mean_ci(g.validation_accuracy)
        ts, ts_ci = mean_ci(g.test_accuracy)
        rows.append(dict(features=name, n_features=int(g.n_features.iloc[0]), train_accuracy=tr,
                         train_ci95=tr_ci, fully_separable_fraction=float((g.train_accuracy == 1.0).mean()),
                         validation_accuracy=va, validation_ci95=va_ci, test_accuracy=ts, test_ci95=ts_ci))
    return pd.DataFrame(rows)


def validation_note(x, what: str = "") -> str:
    """The mean of ``x``, a quantity's value on the validation speakers, for the claim's quantity
    column (``what`` names the model when the claim's quantity is not of the same model)."""
    x = np.asarray(x, float)
    if not np.isfinite(x).any():
        return "; no validation split in this dataset"
    return f"; {what}on the validation speakers, which the hyperparameters were chosen on: {np.nanmean(x):.3f}"


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
        mv, hv = mean_ci(_paired(lr, enc, "validation_accuracy"))
        out.claim(claim_at_most(
            f"{cid}_no_clear_test_gain", f"{enc} gives no clear improvement on the test set",
            "lower end of the 95 % CI of the paired gain (encoder − raw), test set"
            + validation_note(np.array([mv - hv])), 0.0, m - h,
            source=PAPER, note="clear = the whole 95 % CI above 0"))


def _model_summary(runs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (model, task), g in runs.groupby(["model", "task"], sort=False):
        acc, ci = mean_ci(g.test_accuracy)
        va, va_ci = mean_ci(g.validation_accuracy)
        row = dict(model=model, task=task, kind=g.kind.iloc[0], n_hidden=int(g.n_hidden.iloc[0]),
                   seeds=len(g), validation_accuracy=va, validation_ci95=va_ci, test_accuracy=acc, test_ci95=ci,
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
        f"mean balanced test accuracy over {len(b)} seeds (95 % CI ±{h:.3f}"
        f"{validation_note(b.validation_accuracy)})", p["binary_accuracy_min"], m,
        source=f"{TALK} (bar: config kws.binary_accuracy_min); context: {PEQUENO}"))
    d = snn[snn.task == "digits"]
    m, h = mean_ci(d.test_accuracy)
    out.claim(Claim("snn_few_neurons_digits", f"{n} recurrent LIF neurons on the 11 digits "
                    "(context: the talk's work-in-progress; reference on real TIDIGITS, other net size)",
                    f"mean test accuracy over {len(d)} seeds (95 % CI ±{h:.3f}"
                    f"{validation_note(d.validation_accuracy)})", 0.91, m, "–", "",
                    "INFO", PEQUENO))
    # Synaptic operations: the SNN's accumulates against the same-size GRU's multiply-accumulates.
    g = runs[(runs.kind == "gru") & (runs.n_hidden == n) & (runs.task == "binary")]
    claim = (f"the {n}-neuron SNN needs fewer synaptic operations per sample than a GRU of {n} units "
             "(event-driven accumulates vs dense MACs)")
    quantity = "effective ops SNN / effective ops GRU (NeuroBench SynapticOperations)"
    if len(g):
        ratio = (b.effective_acs.mean() + b.effective_macs.mean()) / (g.effective_macs.mean() + g.effective_acs.mean())
        out.claim(claim_at_most("snn_fewer_ops_than_gru", claim, quantity, 1.0, ratio,
                                source="GRU of the same size trained in the same job"))
    else:
        out.not_run("snn_fewer_ops_than_gru", claim, quantity, reference=1.0,
                    reason=f"no GRU of {n} units in kws.gru_hidden", source="GRU of the same size")
    for model, gm in runs[runs.task == "digits"].groupby("model"):
        m, h = mean_ci(gm.test_accuracy)
        out.claim(Claim(f"digits_{model.split(' (')[0].replace(' ', '_').lower()}_{int(gm.n_hidden.iloc[0])}",
                        f"{model} on the 11 digits (accuracy/ops table, context)",
                        f"mean test accuracy ({len(gm)} seeds, ±{h:.3f}{validation_note(gm.validation_accuracy)})",
                        0.856, m, "–", "", "INFO",
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


# -- the ~10-neuron network trained within the DYNAP-SE1's limits and run on the emulated chip ----
# Three variants of the same chip neuron (neurobench.nn.chip_aware) are trained side by side:
# plain float weights, chip-aware (CAM multiplicities × one base weight per synapse type, ≤ 64
# entries per neuron), and chip-aware with the emulator's mismatch drawn anew for every sample.
# The chip-aware networks get biases fitted on an ideal emulated chip (neurobench.dynapse.mapping)
# and are scored on held-out emulated chips (mismatch seeds ``chip.chip_seeds``, used nowhere else).
CHIP_VARIANTS = ("float", "chip", "chip + mismatch")
ON_CHIP = "chip + mismatch"            # the variant meant for the chip


def dpi_parameters(p: dict):
    """The chip neuron of the chip-aware networks (:class:`neurobench.nn.chip_aware.DPIParameters`)
    and the number of its steps per input bin."""
    from neurobench.nn.chip_aware import DPIParameters

    c = p["chip"]
    substeps = p["snn_dt_ms"] / c["dt_ms"]
    if abs(substeps - round(substeps)) > 1e-9:
        raise ValueError(f"kws.chip.dt_ms ({c['dt_ms']}) must divide kws.snn_dt_ms ({p['snn_dt_ms']})")
    # the model holds a neuron for the whole steps within t_ref; with t_ref < dt a chip neuron
    # fires at most once per step, as the model's does
    ref = int(math.floor(c["refractory_ms"] / c["dt_ms"] + 1e-9))
    return DPIParameters(dt_ms=c["dt_ms"], tau_mem_ms=c["tau_mem_ms"], tau_exc_ms=c["tau_syn_ms"],
                         tau_inh_ms=c["tau_syn_ms"], refractory_steps=ref), int(round(substeps))


def chip_jobs(p: dict) -> list[dict]:
    sizes = sorted(set(p["chip"]["sweep_neurons"]) | {p["n_hidden"]})
    jobs = [dict(kind="dpi", variant=v, n_hidden=n, task="binary", seed=s)
            for s in p["seeds"] for n in sizes for v in CHIP_VARIANTS]
    jobs += [dict(kind="dpi", variant=ON_CHIP, n_hidden=p["n_hidden"], task="digits", seed=s) for s in p["seeds"]]
    return jobs


def _train_chip_job(jobs: list[dict]) -> list[dict]:
    """Train one group of chip-aware networks (one size and task; worker process, data in the
    module global) as one stacked model and score each on its test set."""
    import torch

    from neurobench.nn.chip_aware import ChipAwareKWS, ChipAwareStack

    t0, c0 = time.perf_counter(), time.process_time()
    p = _DATA["params"]
    c = p["chip"]
    x = _inputs("spikes", "cpu")                      # the chip-aware networks train on the CPU
    splits = [_DATA[j["task"]][j["seed"]] for j in jobs]
    y = splits[0][-1]
    yt = torch.as_tensor(y, dtype=torch.long)
    dpi, substeps = dpi_parameters(p)
    models = []
    for job in jobs:
        torch.manual_seed(job["seed"])
        model = ChipAwareKWS(x.shape[2], job["n_hidden"], int(y.max()) + 1, dpi, substeps=substeps,
                             mode="float" if job["variant"] == "float" else "chip",
                             mismatch_cv=c["mismatch_cv"] if job["variant"] == ON_CHIP else 0.0,
                             seed=job["seed"], init_base=c["init_base_weight"], init_std=c["init_weight_std"])
        model.same_step_recurrence = c["same_step_recurrence"]
        models.append(model)
    _fit(jobs, models, x, yt, splits, epochs=c["epochs"] if jobs[0]["task"] == "binary" else p["epochs_digits"],
         lr=c["lr"], stack=ChipAwareStack)
    out = _score(jobs, models, x, splits, t0, c0)
    for res, model in zip(out, models):
        if model.mode == "chip":
            res["net"] = model.chip_network()
            net = res["net"]
            res["cam_entries"] = int(((net["m_exc_in"] + net["m_inh_in"]).sum(1)
                                      + (net["m_exc_rec"] + net["m_inh_rec"]).sum(1)).max())
    return out


def _board_run(work: tuple[int, int]) -> tuple[list[dict], float]:
    """Play the test set of one chip-aware network (index into the module global's
    ``chip_results``) on the chips of one held-out board (worker process); returns one row per
    chip and the wall time of the emulator run."""
    from neurobench.dynapse.mapping import network_biases, run_on_board

    i, board_seed = work
    p, r = _DATA["params"], _DATA["chip_results"][i]
    c = p["chip"]
    threadpool_limits(limits=1)
    bs_r, _ = network_biases(_DATA["fit"], r["net"])
    *_, ts, y = _DATA[r["task"]][r["seed"]]      # the test clips only: no claim reads validation on chip
    t1 = time.perf_counter()
    res = run_on_board(r["net"], bs_r, _DATA["spikes"][ts], p["snn_dt_ms"] * 1e-3, board_seed,
                       n_chips=c["chips_per_board"], gap_s=c["gap_ms"] * 1e-3, dt_us=c["dt_us"])
    wall = time.perf_counter() - t1
    scores = res["counts"] @ r["net"]["readout_w"].T + r["net"]["readout_b"]
    rows = [dict(task=r["task"], variant=r["variant"], n_hidden=r["n_hidden"], seed=r["seed"],
                 board_seed=board_seed, chip=chip, chip_id=f"{board_seed}.{chip}",
                 test_accuracy=balanced_accuracy(y[ts], scores[chip].argmax(-1)),
                 model_accuracy=r["test_accuracy"], test_clips=len(ts),
                 spikes_per_inference=float(res["counts"][chip].sum() / len(ts)),
                 synaptic_events_per_inference=float(res["synaptic_events"][chip].mean()),
                 input_events_per_inference=float(res["input_events"].mean()),
                 cam_usage=res["cam_usage"], rounds=res["rounds"], chip_time_s=res["board_s"])
            for chip in range(c["chips_per_board"])]
    return rows, wall


def _bias_fit(_=None) -> dict:
    """Fit the hidden core's biases against the emulator's measured responses (worker process;
    it needs the chip neuron's parameters only, so it runs beside the training)."""
    from neurobench.dynapse.mapping import FitSettings, fit_core

    p = _DATA["params"]
    c = p["chip"]
    dpi, _ = dpi_parameters(p)
    t0, cpu0 = time.perf_counter(), time.process_time()
    fit = fit_core(dpi.tau_mem_ms * 1e-3, dpi.tau_exc_ms * 1e-3, dpi.tau_inh_ms * 1e-3, c["refractory_ms"] * 1e-3,
                   FitSettings(membrane_gain_A=c["membrane_gain_pA"] * 1e-12, syn_gain=c["syn_gain"],
                               calibration_multiplicity=c["calibration_multiplicity"],
                               iterations=c["fit_iterations"], dt_us=c["dt_us"]))
    return dict(fit=fit, wall_s=time.perf_counter() - t0, cpu_s=time.process_time() - cpu0)


def _on_chip(out, p: dict, chip_results: list[dict], data: dict, fit) -> dict:
    """Write the bias file (biases fitted by :func:`_bias_fit`) and the CAM table, run every
    chip-aware network's test set on the held-out chips; returns the per-chip runs and timings."""
    from neurobench.dynapse import Board, MismatchConfig
    from neurobench.dynapse.mapping import network_biases

    c = p["chip"]
    main = [r for r in chip_results if r["variant"] == ON_CHIP and r["n_hidden"] == p["n_hidden"]
            and r["task"] == "binary"]
    bs, rows = network_biases(fit, main[0]["net"])
    out.table(pd.DataFrame(fit.record + rows), "bias_fit", latex=True,
              caption="DYNAP-SE1 biases of the hidden core fitted against the emulator's measured responses")
    board = Board(n_chips=1, mismatch=MismatchConfig.off())
    board.set_biases(bs)
    board.save_biases(out.path / "kws_dynapse_biases.yaml")
    net = main[0]["net"]
    cam = []
    for key, pre, syn in (("m_exc_in", "input", "AMPA"), ("m_inh_in", "input", "GABA_B"),
                          ("m_exc_rec", "hidden", "AMPA"), ("m_inh_rec", "hidden", "GABA_B")):
        post_i, pre_j = np.nonzero(net[key])
        cam += [dict(post_neuron=int(i), pre=f"{pre} {int(j)}", synapse=syn, multiplicity=int(net[key][i, j]))
                for i, j in zip(post_i, pre_j)]
    out.table(pd.DataFrame(cam), "on_chip_network")
    work = [(i, board_seed) for i, r in enumerate(chip_results)
            if not (r["variant"] == "float" or (r["variant"] == "chip" and r["n_hidden"] != p["n_hidden"]))
            for board_seed in c["chip_seeds"]]
    # the runs are independent: one board per worker process, each on one core; the longest
    # (most test clips) first, so that neither process idles at the end
    clips = [len(data[chip_results[i]["task"]][chip_results[i]["seed"]][2]) for i, _ in work]
    order = sorted(range(len(work)), key=lambda k: -clips[k])
    ran = run_parallel(dict(data, params=p, device="cpu", fit=fit, chip_results=chip_results),
                       [("on chip", work[k]) for k in order], p["workers"], "kws on chip")
    done = [None] * len(work)
    for k, r in zip(order, ran):
        done[k] = r
    rows, walls = [], {}
    for (i, _), (run_rows, wall) in zip(work, done):
        r = chip_results[i]
        rows += run_rows
        key = (r["task"], r["variant"], r["n_hidden"])
        walls[key] = walls.get(key, 0.0) + wall
    return dict(runs=pd.DataFrame(rows), walls=walls, biases=bs)


def _chip_tables(out, p: dict, chip_results: list[dict], on_chip: dict, runs: pd.DataFrame) -> dict:
    """Tables of the chip-aware training and the on-chip runs; returns the numbers the claims use."""
    trained = pd.DataFrame([{k: v for k, v in r.items() if k not in PER_CLIP} for r in chip_results])
    out.table(trained, "chip_aware_runs")
    oc = on_chip["runs"]
    out.table(oc, "on_chip_runs")
    n = p["n_hidden"]
    sel = lambda df, v, task="binary", size=n: df[(df.variant == v) & (df.task == task) & (df.n_hidden == size)]  # noqa: E731
    main = sel(oc, ON_CHIP)
    per_chip = (main.groupby(["chip_id", "board_seed", "chip"], sort=False)
                .agg(balanced_accuracy=("test_accuracy", "mean"), trained_networks=("seed", "nunique"),
                     test_clips=("test_clips", "sum"), spikes_per_inference=("spikes_per_inference", "mean"),
                     synaptic_events_per_inference=("synaptic_events_per_inference", "mean"),
                     input_events_per_inference=("input_events_per_inference", "mean"))
                .reset_index())
    out.table(per_chip, "on_chip", caption=f"{n} DPI neurons on held-out emulated DYNAP-SE1 chips (one row per chip)")
    sweep = []
    for (size, v), g in trained[trained.task == "binary"].groupby(["n_hidden", "variant"]):
        m, h = mean_ci(g.test_accuracy)
        row = dict(n_hidden=size, variant=v, model_validation_accuracy=g.validation_accuracy.mean(),
                   model_accuracy=m, model_ci95=h)
        o = sel(oc, v, size=size)
        if len(o):
            chips = o.groupby("chip_id").test_accuracy.mean()
            row.update(on_chip_accuracy=chips.mean(), on_chip_min=chips.min(), on_chip_max=chips.max(),
                       on_chip_std=chips.std(ddof=1) if len(chips) > 1 else 0.0, chips=len(chips))
        sweep.append(row)
    sweep = pd.DataFrame(sweep)
    out.table(sweep, "chip_sweep", latex=True,
              caption="Balanced test accuracy vs neurons: float, chip-aware (nominal model) and on held-out "
                      "emulated chips; the models' accuracy on the validation speakers beside it")
    # cost per inference on the chip beside the NeuroBench operation counts of the trained models
    cost = [dict(model=f"{n} DPI neurons on the emulated DYNAP-SE1", spikes=main.spikes_per_inference.mean(),
                 synaptic_events=main.synaptic_events_per_inference.mean(),
                 input_events=main.input_events_per_inference.mean(), effective_acs=np.nan, effective_macs=np.nan)]
    for model, g in runs[runs.task == "binary"].groupby("model", sort=False):
        cost.append(dict(model=model, spikes=g.get("spikes_per_sample", pd.Series([np.nan])).mean(),
                         synaptic_events=np.nan, input_events=np.nan, effective_acs=g.effective_acs.mean(),
                         effective_macs=g.effective_macs.mean()))
    out.table(pd.DataFrame(cost), "cost_per_inference", latex=True,
              caption="Events per inference on the emulated chip and NeuroBench operations of the float models")
    float_acc = sel(trained, "float").test_accuracy.mean()
    return dict(per_chip=per_chip, sweep=sweep, float_accuracy=float_acc,
                float_validation_accuracy=sel(trained, "float").validation_accuracy.mean(),
                model_validation_accuracy=sel(trained, ON_CHIP).validation_accuracy.mean(),
                digits=sel(oc, ON_CHIP, task="digits"), main=main)


def _chip_claims(out, p: dict, nums: dict, on_chip: dict, chip_results: list[dict]):
    from neurobench.dynapse import CAM_ENTRIES

    c, n, kw = p["chip"], p["n_hidden"], p["keyword"]
    cam = max(r["cam_entries"] for r in chip_results if "cam_entries" in r)
    out.claim(claim_at_most(
        "dynapse_cam_fits", f"every chip-aware network ({', '.join(map(str, sorted(set(c['sweep_neurons']) | {n})))} "
        "neurons) fits the DYNAP-SE1 CAM as trained, without rounding or coarsening afterwards",
        "CAM entries (counted with multiplicity) of the busiest neuron over all chip-aware networks",
        CAM_ENTRIES, cam, unit="entries",
        source="DYNAP-SE1: 64 CAM entries per neuron (Moradi et al. 2018, IEEE TBioCAS 12:106; "
               "neurobench.dynapse.routing.CAM_ENTRIES)"))
    out.claim(claim_info(
        "dynapse_board_cam_usage", "CAM entries in use on the emulated boards (the Board refuses more than 64)",
        "largest CAM usage of any neuron over all on-chip runs", CAM_ENTRIES, on_chip["runs"].cam_usage.max(),
        unit="entries", source="neurobench.dynapse.Board"))
    chips = nums["per_chip"]
    acc = chips.balanced_accuracy
    spread = f"chips {acc.min():.3f}–{acc.max():.3f}, sd {acc.std(ddof=1) if len(acc) > 1 else 0.0:.3f}"
    out.claim(claim_at_least(
        "on_chip_balanced_accuracy", f"{n} DPI neurons on the emulated DYNAP-SE1 spot '{kw}' vs the rest "
        f"with balanced accuracy ≥ {c['on_chip_accuracy_min']:g} on held-out chips",
        f"mean over {len(chips)} held-out chips of the balanced test accuracy "
        f"({nums['main'].seed.nunique()} trained networks; {spread}"
        f"{validation_note(nums['model_validation_accuracy'], 'the chip-aware model (not run on chip) ')})",
        c["on_chip_accuracy_min"], acc.mean(),
        source=f"{TALK} (bar: config kws.chip.on_chip_accuracy_min); context: {PEQUENO}"))
    out.claim(claim_at_most(
        "on_chip_accuracy_drop", f"running on the emulated chip costs at most {c['max_accuracy_drop']:g} of "
        "balanced accuracy against the float network of the same neurons",
        "float-model accuracy − on-chip accuracy (test clips; means over seeds and held-out chips"
        f"{validation_note(nums['float_validation_accuracy'], 'the float model ')})",
        c["max_accuracy_drop"], nums["float_accuracy"] - acc.mean(),
        source="the float network trained in the same job; bar from config kws.chip.max_accuracy_drop"))
    out.not_run(
        "on_chip_energy_per_inference", "energy per inference on the DYNAP-SE1 = published energies per "
        "spike and per synaptic event × the events the emulator counts",
        "energy per inference (J)",
        reason="the per-event energies of Moradi et al. 2018 are not among the suite's verified references; "
               "the events per inference are in tables/cost_per_inference.csv",
        source="Moradi, Qiao, Stefanini & Indiveri 2018, IEEE TBioCAS 12(1):106", unit="J")
    d = nums["digits"]
    dm = d.groupby("chip_id").test_accuracy.mean()
    out.claim(claim_info(
        "on_chip_digits", f"{n} DPI neurons on the emulated chip on the 11 digits (context)",
        f"mean balanced accuracy over {len(dm)} held-out chips (chance {1 / 11:.3f})", 0.91, dm.mean(),
        source=PEQUENO + " (real TIDIGITS, larger recurrent network)"))
    wall = on_chip["walls"][("binary", ON_CHIP, n)]
    out.claim(claim_at_most(
        "on_chip_wall_time", f"the on-chip evaluation of the test sets of the {n}-neuron networks on "
        f"{len(chips)} chips takes at most {c['max_wall_s']:g} s",
        f"wall time of the emulator runs ({len(p['seeds'])} networks × {len(chips)} chips, one core, shared machine)",
        c["max_wall_s"], wall, unit="s",
        source="the suite's speed target for the on-chip evaluation (config kws.chip.max_wall_s)"))


def _chip_figure(out, p: dict, nums: dict):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sw = nums["sweep"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    ax = axes[0]
    for v, fmt in (("float", "o-"), ("chip", "s--"), (ON_CHIP, "^-")):
        g = sw[sw.variant == v].sort_values("n_hidden")
        ax.errorbar(g.n_hidden, g.model_accuracy, yerr=g.model_ci95, fmt=fmt, capsize=3, label=f"{v} (model)")
    g = sw[(sw.variant == ON_CHIP) & sw.get("on_chip_accuracy", pd.Series(dtype=float)).notna()].sort_values("n_hidden")
    ax.plot(g.n_hidden, g.on_chip_accuracy, "D-", color="C3", label="on emulated chips (mean)")
    ax.fill_between(g.n_hidden, g.on_chip_min, g.on_chip_max, color="C3", alpha=0.2, label="range over chips")
    ax.axhline(p["chip"]["on_chip_accuracy_min"], color="0.5", ls=":")
    ax.set(xscale="log", xlabel="DPI neurons", ylabel="balanced test accuracy", ylim=(0.4, 1.02),
           title=f"'{p['keyword']}' vs rest within the DYNAP-SE1's limits")
    ax.set_xticks(sorted(sw.n_hidden.unique()), [str(k) for k in sorted(sw.n_hidden.unique())])
    ax.minorticks_off()
    ax.legend(frameon=False, fontsize=8)
    ax = axes[1]
    pc = nums["per_chip"]
    ax.bar(range(len(pc)), pc.balanced_accuracy, color="C3")
    ax.axhline(nums["float_accuracy"], color="k", ls=":", label="float model")
    ax.axhline(p["chip"]["on_chip_accuracy_min"], color="0.5", ls="--", label="bar")
    ax.set_xticks(range(len(pc)), pc.chip_id, rotation=45)
    ax.set(ylim=(0.4, 1.02), xlabel="held-out chip (board seed.chip)", ylabel="balanced test accuracy",
           title=f"{p['n_hidden']} neurons per held-out chip")
    ax.legend(frameon=False, fontsize=8)
    out.figure(fig, "on_chip")


def _figures(out, c, f, lr_summary, sweep, conf, p):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(19, 4.2))
    ax = axes[0]
    xs = np.arange(len(lr_summary))
    for k, split in enumerate(("train", "validation", "test")):
        ax.bar(xs + 0.27 * (k - 1), lr_summary[f"{split}_accuracy"], 0.27, yerr=lr_summary[f"{split}_ci95"],
               label=split)
    ax.set_xticks(xs, lr_summary.features, rotation=15)
    ax.set(ylim=(0.4, 1.02), ylabel="balanced accuracy", title="Encoders + logistic regression")
    ax.axhline(1.0, color="k", lw=0.5)
    ax.legend(frameon=False)
    ax = axes[1]
    ax.errorbar(sweep.n_hidden, sweep.test_accuracy, yerr=sweep.test_ci95, fmt="o-", capsize=3, label="test")
    ax.plot(sweep.n_hidden, sweep.validation_accuracy, "s:", color="0.5", label="validation")
    ax.axvline(p["n_hidden"], color="0.6", ls=":")
    ax.legend(frameon=False)
    ax.set(xscale="log", xlabel="recurrent LIF neurons", ylabel="balanced accuracy",
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
