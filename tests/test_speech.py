"""Speech data: the espeak-ng corpus and the loaders of Speech Commands v2 and TIDIGITS
(tiny files written here in each format)."""

from __future__ import annotations

import shutil
import wave

import numpy as np
import pytest

from neurobench.data import speech
from neurobench.data.speech import DatasetError
from neurobench.data.speech_commands import load_speech_commands
from neurobench.data.tidigits import load_tidigits, parse_sphere_header, read_sphere

HAVE_ESPEAK = shutil.which("espeak-ng") is not None


def small_corpus_params(**kw):
    p = dict(words=["one", "yes"], accents=["en-us", "en-gb"], variants=["m1", "f2"],
             rate_wpm=[140, 180], pitch=[30, 70], rate_jitter=0.1, pitch_jitter=5, repetitions=1,
             snr_db=[None, 10], noise=["white", "pink"], validation_fraction=0.25, test_variants=["m8"],
             test_seed=11, sample_rate_hz=8000, clip_s=0.8)
    p.update(kw)
    return p


# -- corpus pieces ----------------------------------------------------------------------------
def test_fit_clip_places_and_crops():
    x = np.arange(1, 4, dtype=np.float32)
    assert fit_list(speech.fit_clip(x, 7, 2)) == [0, 0, 1, 2, 3, 0, 0]
    assert fit_list(speech.fit_clip(x, 7)) == [0, 0, 1, 2, 3, 0, 0]           # centred
    assert fit_list(speech.fit_clip(np.arange(10.0), 4)) == [3, 4, 5, 6]      # centre crop


def fit_list(a):
    return [int(v) for v in a]


@pytest.mark.parametrize("snr", [20.0, 5.0, -3.0])
def test_add_noise_reaches_the_requested_snr(snr):
    rng = np.random.default_rng(1)
    x = np.zeros(20000, np.float32)
    x[5000:15000] = 0.3 * np.sign(np.sin(np.arange(10000) / 3.0) + 1e-9)   # |x| = 0.3 where voiced
    y = speech.add_noise(x, snr, "white", rng)
    # the SNR is defined over the non-silent part: P_signal = 0.09, noise over the whole clip
    measured = 10 * np.log10(0.09 / np.mean((y - x) ** 2))
    assert measured == pytest.approx(snr, abs=1e-3)


def test_pink_noise_has_a_one_over_f_spectrum():
    w = speech.noise("pink", 2 ** 16, np.random.default_rng(0))
    f = np.fft.rfftfreq(w.size)
    p = np.abs(np.fft.rfft(w)) ** 2
    band = (f > 1e-3) & (f < 0.4)
    slope = np.polyfit(np.log(f[band]), np.log(p[band]), 1)[0]
    assert slope == pytest.approx(-1.0, abs=0.1)
    with pytest.raises(ValueError, match="noise kind"):
        speech.noise("brown", 10, np.random.default_rng(0))


def test_plan_is_deterministic_and_split_by_speaker():
    p = small_corpus_params(accents=["en-us", "en-gb", "en-029"], variants=["m1", "f2", "m3"],
                            test_variants=["m8", "f5"])
    a, b = speech.plan_corpus(p, 7), speech.plan_corpus(p, 7)
    assert a.equals(b)
    assert not a.equals(speech.plan_corpus(p, 8))
    per_speaker = a.groupby("speaker").split.nunique()
    assert (per_speaker == 1).all()
    assert a.groupby("split").speaker.nunique().to_dict() == {"train": 7, "validation": 2, "test": 6}
    assert len(a) == (3 * 3 + 3 * 2) * 2
    # the test speakers are voices outside train and validation: every accent × a test variant
    test = a[a.split == "test"]
    assert set(test.variant) == {"m8", "f5"} and not set(test.variant) & set(a.variant[a.split != "test"])
    assert list(a.split.iloc[-len(test):]) == ["test"] * len(test)     # appended after the others
    with pytest.raises(ValueError, match="corpus.words"):
        speech.plan_corpus(small_corpus_params(words=["one", "banana"]), 0)


def test_test_speakers_leave_train_and_validation_unchanged():
    """The test speakers come from their own seed: the train and validation rows do not depend on
    them, and another test seed draws other test utterances only."""
    p = small_corpus_params(accents=["en-us", "en-gb", "en-029"], variants=["m1", "f2", "m3"])
    a = speech.plan_corpus(p, 7)
    b = speech.plan_corpus(dict(p, test_seed=12, test_variants=["m8", "f5"]), 7)
    dev = (a.split != "test").to_numpy()
    assert a[dev].equals(b[: dev.sum()])
    ta, tb = a[~dev].reset_index(drop=True), b[b.split == "test"].reset_index(drop=True)
    assert not ta.rate_wpm.equals(tb.rate_wpm.iloc[: len(ta)])
    with pytest.raises(ValueError, match="also in corpus.variants"):
        speech.plan_corpus(dict(p, test_variants=["m8", "f2"]), 7)
    with pytest.raises(ValueError, match="test_seed must differ"):
        speech.plan_corpus(dict(p, test_seed=7), 7)


def test_read_wav_rejects_garbage():
    with pytest.raises(DatasetError, match="not a readable WAV"):
        speech.read_wav(b"RIFFxxxxnot a wave file at all")


def test_load_corpus_names_the_missing_file(tmp_path):
    with pytest.raises(DatasetError, match="audio.npy is missing"):
        speech.load_corpus(tmp_path)


@pytest.mark.skipif(not HAVE_ESPEAK, reason="espeak-ng (Debian package) not installed")
def test_build_corpus_is_deterministic(tmp_path):
    p = small_corpus_params()
    c1 = speech.build_corpus(p, 3, tmp_path / "a", threads=2, progress=False)
    c2 = speech.build_corpus(p, 3, tmp_path / "b", threads=1, progress=False)
    assert c1.audio.shape == (12, 6400)                # 4 train/validation + 2 test speakers × 2 words
    np.testing.assert_array_equal(c1.audio, c2.audio)
    loaded = speech.load_corpus(tmp_path / "a")
    np.testing.assert_allclose(loaded.audio, c1.audio, atol=1 / 32767)
    assert list(loaded.meta.word) == list(c1.meta.word)
    assert np.all(np.abs(c1.audio).max(axis=1) > 0.1)          # every clip holds a word


@pytest.mark.skipif(not HAVE_ESPEAK, reason="espeak-ng (Debian package) not installed")
def test_speak_validates_and_reports_espeak_errors():
    with pytest.raises(ValueError, match="rate_wpm"):
        speech.speak("one", "en-us", 20, 50)
    x, rate = speech.speak("one", "en-us", 160, 50)
    assert rate == speech.ESPEAK_RATE_HZ and x.size > 0.1 * rate


# -- Speech Commands v2 -----------------------------------------------------------------------
def write_wav(path, x, rate=16000):
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.asarray(x) * 32767).astype("<i2").tobytes())


def make_gsc(root):
    tone = 0.25 * np.sin(np.arange(8000) / 5.0)
    for word in ("yes", "no"):
        for spk in ("aaaa1111", "bbbb2222", "cccc3333"):
            write_wav(root / word / f"{spk}_nohash_0.wav", tone)
    write_wav(root / "_background_noise_" / "white_noise.wav", tone)
    (root / "validation_list.txt").write_text("yes/bbbb2222_nohash_0.wav\nno/bbbb2222_nohash_0.wav\n")
    (root / "testing_list.txt").write_text("yes/cccc3333_nohash_0.wav\nno/cccc3333_nohash_0.wav\n")


def test_speech_commands_layout_and_splits(tmp_path):
    make_gsc(tmp_path)
    c = load_speech_commands(tmp_path)
    assert c.audio.shape == (6, 16000)                 # 0.5 s padded to 1 s
    assert sorted(set(c.meta.word)) == ["no", "yes"]   # _background_noise_ skipped
    split = dict(zip(c.meta.utterance, c.meta.split))
    assert split["yes/cccc3333_nohash_0.wav"] == "test"
    assert split["no/bbbb2222_nohash_0.wav"] == "validation"
    assert split["yes/aaaa1111_nohash_0.wav"] == "train"
    assert set(c.meta.speaker) == {"aaaa1111", "bbbb2222", "cccc3333"}
    np.testing.assert_allclose(c.audio[0, 4000:12000], 0.25 * np.sin(np.arange(8000) / 5.0), atol=1e-4)


def test_kws_study_keeps_the_speech_commands_validation_split(tmp_path):
    """The study trains on the train list only: validation stays its own split."""
    from neurobench.studies import kws

    make_gsc(tmp_path)
    p = {"dataset": "speech_commands", "data_path": str(tmp_path),
         "corpus": {"sample_rate_hz": 16000, "clip_s": 1.0}}
    c = kws.load_dataset(p, tmp_path)
    assert c.meta.groupby("split").speaker.unique().map(list).to_dict() == {
        "test": ["cccc3333"], "train": ["aaaa1111"], "validation": ["bbbb2222"]}


def test_speech_commands_errors(tmp_path):
    with pytest.raises(DatasetError, match="root not found"):
        load_speech_commands(tmp_path / "nowhere")
    make_gsc(tmp_path)
    with pytest.raises(DatasetError, match="no folder for word"):
        load_speech_commands(tmp_path, words=["yes", "maybe"])
    (tmp_path / "testing_list.txt").write_text("not a path\n")
    with pytest.raises(DatasetError, match="malformed line"):
        load_speech_commands(tmp_path)
    (tmp_path / "testing_list.txt").unlink()
    with pytest.raises(DatasetError, match="testing_list.txt is missing"):
        load_speech_commands(tmp_path)


# -- TIDIGITS (NIST SPHERE) -------------------------------------------------------------------
def sphere_bytes(samples: np.ndarray, rate=20000, byte_format="01", coding="pcm", n=None):
    order = "<i2" if byte_format == "01" else ">i2"
    fields = [f"sample_count -i {len(samples) if n is None else n}", f"sample_rate -i {rate}",
              "channel_count -i 1", "sample_n_bytes -i 2", f"sample_byte_format -s2 {byte_format}",
              f"sample_coding -s{len(coding)} {coding}", "speaker_id -s2 ae", "end_head"]
    head = ("NIST_1A\n   1024\n" + "\n".join(fields) + "\n").encode()
    head += b" " * (1024 - len(head))
    return head + np.asarray(samples, order).tobytes()


@pytest.mark.parametrize("byte_format", ["01", "10"])
def test_read_sphere_both_byte_orders(tmp_path, byte_format):
    s = np.array([0, 1000, -1000, 32767, -32768], np.int16)
    f = tmp_path / "1a.wav"
    f.write_bytes(sphere_bytes(s, byte_format=byte_format))
    x, rate = read_sphere(f)
    assert rate == 20000
    np.testing.assert_array_equal(np.round(x * 32768).astype(int), s.astype(int))
    h, size = parse_sphere_header(f.read_bytes())
    assert size == 1024 and h["speaker_id"] == "ae" and h["sample_rate"] == 20000


def test_read_sphere_errors(tmp_path):
    f = tmp_path / "x.wav"
    f.write_bytes(b"RIFF....")
    with pytest.raises(DatasetError, match="not a NIST SPHERE"):
        read_sphere(f)
    f.write_bytes(sphere_bytes(np.zeros(4, np.int16), coding="pcm,embedded-shorten-v2.00"))
    with pytest.raises(DatasetError, match="sph2pipe"):
        read_sphere(f)
    f.write_bytes(sphere_bytes(np.zeros(4, np.int16), n=100))
    with pytest.raises(DatasetError, match="truncated"):
        read_sphere(f)
    with pytest.raises(DatasetError, match="not found"):
        read_sphere(tmp_path / "missing.wav")


def test_load_tidigits_isolated_digits(tmp_path):
    tone = (3000 * np.sin(np.arange(10000) / 7.0)).astype(np.int16)
    for split, group, spk in (("train", "man", "ae"), ("test", "woman", "bf")):
        d = tmp_path / split / group / spk
        d.mkdir(parents=True)
        for stem in ("za", "ob", "7a", "z9z6531a"):            # the last is a digit string: skipped
            (d / f"{stem}.wav").write_bytes(sphere_bytes(tone))
    c = load_tidigits(tmp_path, sample_rate=16000)
    assert len(c.meta) == 6
    assert sorted(set(c.meta.word)) == ["oh", "seven", "zero"]
    assert set(c.meta.speaker[c.meta.split == "train"]) == {"man/ae"}
    assert c.audio.shape == (6, 16000)
    with pytest.raises(DatasetError, match="test is missing"):
        shutil.rmtree(tmp_path / "test")
        load_tidigits(tmp_path)
    with pytest.raises(DatasetError, match="root not found"):
        load_tidigits(tmp_path / "nope")
