"""Speech front end of the keyword-spotting study: formant tracks, a cochlea-like filterbank, and
level-crossing (send-on-delta) spikes of both.

Formants (as Nilsson et al. 2023, arXiv 2301.09962, who classify F1–F3 of TIDIGITS digits) come
from linear prediction (autocorrelation method; Makhoul, Proc. IEEE 63:561, 1975): per frame the
all-pole model 1/A(z), A(z) = 1 + Σ_k a_k z^{−k}, is fitted by Levinson–Durbin; each complex root
z = r e^{iθ} of A is a resonance at F = θ·f_s/2π with bandwidth B = −ln(r)·f_s/π. The formants
are the lowest resonances with F > 90 Hz and B < 400 Hz (the usual heuristic, e.g. Praat's
"Burg" tracker keeps roots the same way). The signal is first resampled to 2·``max_formant_hz``
so that the model spends its poles below that frequency (Praat's convention, 5500 Hz for
adult voices). Frames quieter than ``silence_db`` below the loudest frame have no formants; the
tracks hold their last value there (so a level-crossing encoder stays silent) and are median
filtered over ``median_frames``.

The cochlea-like filterbank: the short-time power spectrum weighted by 4th-order gammatone
magnitude responses |H(f)| = [1 + ((f − f_c)/b)²]^{−2}, b = 1.019·ERB(f_c), with centre
frequencies equally spaced on the ERB-number scale (Glasberg & Moore, Hear. Res. 47:103, 1990:
ERB(f) = 24.7·(4.37 f/1000 + 1) Hz, ERB-number = 21.4·log10(4.37 f/1000 + 1)); output in dB.

Spikes: :func:`neurobench.data.level_crossing.encode` (the talk's event-triggered sampling) on
log2 formant frequency (δ in octaves) or on filterbank level (δ in dB); each channel gives an
ON (+δ) and an OFF (−δ) spike train.
"""

from __future__ import annotations

import numpy as np

from neurobench.data import level_crossing
from neurobench.data.speech import resample


# -- framing ----------------------------------------------------------------------------------
def frame_signal(x: np.ndarray, frame_len: int, hop: int) -> np.ndarray:
    """[..., L] → [..., n_frames, frame_len] strided view (n_frames = 1 + (L − frame_len)//hop)."""
    if frame_len < 2 or hop < 1:
        raise ValueError(f"frame_len must be ≥ 2 and hop ≥ 1, got {frame_len}, {hop}")
    if x.shape[-1] < frame_len:
        raise ValueError(f"signal of {x.shape[-1]} samples is shorter than a frame ({frame_len})")
    win = np.lib.stride_tricks.sliding_window_view(x, frame_len, axis=-1)
    return win[..., ::hop, :]


def n_frames(n_samples: int, sample_rate: int, frame_ms: float, hop_ms: float) -> int:
    fl, hop = int(round(frame_ms * 1e-3 * sample_rate)), int(round(hop_ms * 1e-3 * sample_rate))
    return 1 + (n_samples - fl) // hop


# -- linear prediction and formants -----------------------------------------------------------
def levinson(r: np.ndarray, order: int) -> np.ndarray:
    """Levinson–Durbin recursion on autocorrelations r [..., ≥ order+1] → a [..., order+1]
    with a[..., 0] = 1 (prediction-error filter A(z)). Vectorised over the leading axes."""
    r = np.asarray(r, float)
    shape = r.shape[:-1]
    a = np.zeros(shape + (order + 1,))
    a[..., 0] = 1.0
    err = r[..., 0].copy()
    err[err <= 0] = 1e-12
    for i in range(1, order + 1):
        acc = r[..., i] + np.einsum("...j,...j->...", a[..., 1:i], r[..., i - 1:0:-1])
        k = -acc / err
        a_prev = a[..., 1:i].copy()
        a[..., 1:i] = a_prev + k[..., None] * a_prev[..., ::-1]
        a[..., i] = k
        err = err * (1.0 - k ** 2)
        err[err <= 1e-12] = 1e-12
    return a


def lpc(frames: np.ndarray, order: int) -> np.ndarray:
    """LPC coefficients (autocorrelation method, Hamming window) of frames [..., N]."""
    n = frames.shape[-1]
    if order >= n:
        raise ValueError(f"lpc order {order} must be < frame length {n}")
    w = frames * np.hamming(n)
    r = np.stack([np.einsum("...i,...i->...", w[..., :n - k], w[..., k:]) for k in range(order + 1)],
                 axis=-1)
    r[..., 0] *= 1.0 + 1e-9              # white-noise correction keeps the recursion stable
    return levinson(r, order)


def resonances(a: np.ndarray, sample_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Frequencies and bandwidths (Hz) of the roots of A(z) in the upper half plane,
    [..., order] each (NaN where a root is real or in the lower half plane)."""
    order = a.shape[-1] - 1
    comp = np.zeros(a.shape[:-1] + (order, order))
    comp[..., 0, :] = -a[..., 1:]
    comp[..., np.arange(1, order), np.arange(order - 1)] = 1.0
    roots = np.linalg.eigvals(comp)
    upper = roots.imag > 1e-9
    freq = np.where(upper, np.angle(roots) * sample_rate / (2 * np.pi), np.nan)
    bw = np.where(upper, -np.log(np.abs(roots) + 1e-300) * sample_rate / np.pi, np.nan)
    return freq, bw


def formant_tracks(audio: np.ndarray, sample_rate: int, *, n_formants: int = 3, frame_ms: float = 25.0,
                   hop_ms: float = 10.0, lpc_order: int = 10, max_formant_hz: float = 5500.0,
                   silence_db: float = 35.0, median_frames: int = 5,
                   min_hz: float = 90.0, max_bw_hz: float = 400.0):
    """F1…F_n (Hz) per frame for clips ``audio`` [N, L]; returns (tracks [N, T, n], voiced [N, T]).

    Unvoiced/silent frames hold the previous value (the first frames take the first voiced
    value); an utterance with no voiced frame at all gets NaN tracks and raises ValueError.
    """
    audio = np.atleast_2d(np.asarray(audio, float))
    fs = 2.0 * max_formant_hz
    if fs > sample_rate:
        raise ValueError(f"max_formant_hz={max_formant_hz} needs a sample rate ≥ {fs:g} Hz, "
                         f"got {sample_rate}")
    x = resample(audio, sample_rate, int(fs)).astype(float)
    x = np.concatenate([x[:, :1], x[:, 1:] - 0.97 * x[:, :-1]], axis=1)      # pre-emphasis
    fl, hop = int(round(frame_ms * 1e-3 * fs)), int(round(hop_ms * 1e-3 * fs))
    frames = frame_signal(x, fl, hop)                                     # [N, T, fl]
    energy = 10 * np.log10(np.mean(frames ** 2, axis=-1) + 1e-12)
    voiced = (energy > energy.max(axis=1, keepdims=True) - silence_db) & (energy > -100.0)  # −100 dB: digital silence
    tracks = np.full(voiced.shape + (n_formants,), np.nan)
    idx = np.nonzero(voiced)
    if idx[0].size:
        a = lpc(frames[idx], lpc_order)
        freq, bw = resonances(a, fs)
        ok = (freq > min_hz) & (bw < max_bw_hz) & (freq < max_formant_hz)
        freq = np.sort(np.where(ok, freq, np.inf), axis=-1)[:, :n_formants]
        tracks[idx] = np.where(np.isfinite(freq), freq, np.nan)
    bad = ~voiced.any(axis=1)
    if bad.any():
        raise ValueError(f"formant_tracks: no voiced frame in clip(s) {np.flatnonzero(bad)[:5].tolist()}")
    tracks = _hold(tracks)
    # A formant never found in a clip takes the neutral-tube value (2k − 1)·500 Hz
    # (uniform 17.5 cm vocal tract, F_k = (2k − 1)·c/4L), so it emits no spikes.
    tracks = np.where(np.isnan(tracks), 500.0 * (2 * np.arange(n_formants) + 1), tracks)
    if median_frames > 1:
        from scipy.ndimage import median_filter
        tracks = median_filter(tracks, size=(1, median_frames, 1), mode="nearest")
    return tracks, voiced


def _hold(tracks: np.ndarray) -> np.ndarray:
    """Forward-fill NaN along time (axis 1), then back-fill the leading NaN (a formant missing
    in a whole clip stays NaN)."""
    N, T, F = tracks.shape
    valid = ~np.isnan(tracks)
    idx = np.where(valid, np.arange(T)[None, :, None], 0)
    np.maximum.accumulate(idx, axis=1, out=idx)
    out = np.take_along_axis(tracks, idx, axis=1)
    first = np.argmax(valid, axis=1)                                     # [N, F]
    lead = np.arange(T)[None, :, None] < first[:, None, :]
    first_val = np.take_along_axis(tracks, first[:, None, :], axis=1)
    out = np.where(lead, first_val, out)
    return out


# -- cochlea-like filterbank ------------------------------------------------------------------
def erb_hz(f) -> np.ndarray:
    """Equivalent rectangular bandwidth (Glasberg & Moore 1990), Hz."""
    return 24.7 * (4.37 * np.asarray(f, float) / 1000 + 1)


def erb_space(f_min: float, f_max: float, n: int) -> np.ndarray:
    """n centre frequencies equally spaced on the ERB-number scale between f_min and f_max."""
    if not 0 < f_min < f_max:
        raise ValueError(f"need 0 < f_min < f_max, got {f_min}, {f_max}")
    e = np.linspace(*(21.4 * np.log10(4.37 * np.array([f_min, f_max]) / 1000 + 1)), n)
    return (10 ** (e / 21.4) - 1) * 1000 / 4.37


def gammatone_weights(freqs: np.ndarray, centres: np.ndarray, order: int = 4) -> np.ndarray:
    """Power response |H(f)|² of gammatone filters, [len(freqs), len(centres)], peak 1."""
    b = 1.019 * erb_hz(centres)
    return (1 + ((freqs[:, None] - centres[None, :]) / b[None, :]) ** 2) ** (-order)


def cochleagram(audio: np.ndarray, sample_rate: int, *, n_channels: int = 16, f_min_hz: float = 100.0,
                f_max_hz: float = 6000.0, frame_ms: float = 25.0, hop_ms: float = 10.0,
                floor_db: float = -80.0) -> np.ndarray:
    """Log band energies (dB re full scale) [N, T, n_channels] of clips [N, L]."""
    if f_max_hz >= sample_rate / 2:
        raise ValueError(f"f_max_hz={f_max_hz} must be below Nyquist ({sample_rate / 2} Hz)")
    audio = np.atleast_2d(np.asarray(audio, float))
    fl, hop = int(round(frame_ms * 1e-3 * sample_rate)), int(round(hop_ms * 1e-3 * sample_rate))
    frames = frame_signal(audio, fl, hop) * np.hanning(fl)
    nfft = 1 << int(np.ceil(np.log2(fl)))
    power = np.abs(np.fft.rfft(frames, nfft, axis=-1)) ** 2 / fl
    freqs = np.fft.rfftfreq(nfft, 1.0 / sample_rate)
    w = gammatone_weights(freqs, erb_space(f_min_hz, f_max_hz, n_channels))
    w /= w.sum(axis=0, keepdims=True)
    return np.maximum(10 * np.log10(power @ w + 1e-12), floor_db)


# -- level-crossing spikes --------------------------------------------------------------------
def level_crossing_events(signal: np.ndarray, delta, hop_s: float):
    """Send-on-delta events of one clip's tracks [T, C] sampled every hop_s seconds."""
    t = np.arange(signal.shape[0]) * hop_s
    return level_crossing.encode(signal, delta, t=t)


def spike_raster(signals: np.ndarray, delta, hop_s: float, dt_s: float, duration_s: float,
                 binary: bool = True) -> np.ndarray:
    """ON/OFF level-crossing spikes of tracks [N, T, C] binned at dt_s → float32 [N, S, 2C]
    (channel c: ON events of track c; channel C + c: OFF events). ``binary`` clips counts at 1
    (a spike per bin, as a neuron's refractory period would)."""
    N, _, C = signals.shape
    n_steps = int(round(duration_s / dt_s))
    out = np.zeros((N, n_steps, 2 * C), np.float32)
    for n in range(N):
        ev = level_crossing_events(signals[n], delta, hop_s)
        step = np.minimum((ev.t / dt_s).astype(np.int64), n_steps - 1)
        chan = ev.channel + C * (ev.polarity < 0)
        np.add.at(out[n], (step, chan), 1.0)
    if binary:
        np.minimum(out, 1.0, out=out)
    return out
