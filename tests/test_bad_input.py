"""A campaign of bad inputs and faults, as a new user would make them: every case ends in a clear
refusal (the suite's error type or a non-zero exit, one line naming the culprit, no traceback) and
nothing is lost (no file the command did not write is deleted; a failed run leaves the previous
complete results or none)."""

from __future__ import annotations

import errno
import io
import json
import os
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from neurobench import cli
from neurobench.errors import ConfigError, DatasetError, OutputError
from neurobench.report.writer import RECORD, StudyWriter, publishing

REPO = Path(__file__).resolve().parent.parent


# -- the CLI: one line naming the culprit, exit status 2 for bad input ---------------------------
def _files(tmp: Path) -> dict:
    (tmp / "bad.yaml").write_text("lif_fi:\n  duration_s: [1.0\n")
    (tmp / "list.yaml").write_text("- lif_fi\n")
    (tmp / "latin1.yaml").write_bytes(b"lif_fi: {note: \xe9t\xe9}\n")
    (tmp / "foreign").mkdir()
    (tmp / "foreign" / "thesis.tex").write_text("months of work")
    (tmp / "a_file").write_text("x")
    return {"tmp": str(tmp)}


CLI_CASES = [
    # (id, argv with {tmp}, exit status, text the message must hold)
    ("study as a path", ["run", "../lif_fi"], 2, "unknown study '../lif_fi'; name the study"),
    ("unknown study", ["run", "lif_fy"], 2, "unknown study 'lif_fy'"),
    ("NaN duration", ["run", "lif_fi", "--set", "duration_s=.nan"], 2,
     "'lif_fi.duration_s' (set in --set): nan is not a finite number"),
    ("decreasing range", ["run", "lif_fi", "--set", "rheobase_sweep_pA=[175.0, 160.0]"], 2,
     "'lif_fi.rheobase_sweep_pA' (set in --set): [175.0, 160.0] must increase"),
    ("threshold below rest", ["run", "lif_fi", "--set", "v_th_mV=-70"], 2,
     "'lif_fi.v_th_mV' (set in --set): -70 must be above v_rest_mV = -65.0"),
    ("trace neuron beyond n", ["run", "lif_fi", "--set", "trace_neurons=[500]"], 2,
     "'lif_fi.trace_neurons' (set in --set): index 500 is out of range"),
    ("lists of different lengths", ["run", "pair_selectivity", "--set", "tau_e_ms=[30.0]"], 2,
     "'pair_selectivity.tau_e_ms' (set in --set): has 1 item(s) but target_intervals_ms has 4"),
    ("index beyond a list", ["run", "synapses", "--set", "stp_trace_rate_index=9"], 2,
     "'synapses.stp_trace_rate_index' (set in --set): index 9 is out of range"),
    ("real dataset without a path", ["run", "kws", "--set", "dataset=tidigits"], 2,
     "'kws.data_path' (set in config/config.yaml): must name the data folder"),
    ("wrong type", ["run", "lif_fi", "--set", "n_neurons=many"], 2,
     "'lif_fi.n_neurons' (set in --set): 'many' is not of type 'integer'"),
    ("malformed --set", ["run", "lif_fi", "--set", "duration_s"], 2, "--set 'duration_s': expected KEY=VALUE"),
    ("malformed YAML", ["run", "lif_fi", "--config", "{tmp}/bad.yaml"], 2,
     "bad.yaml: not valid YAML at line 3"),
    ("config not a mapping", ["run", "lif_fi", "--config", "{tmp}/list.yaml"], 2,
     "list.yaml: the top level must be a mapping"),
    ("config not UTF-8", ["run", "lif_fi", "--config", "{tmp}/latin1.yaml"], 2, "latin1.yaml: not UTF-8"),
    ("config missing", ["run", "lif_fi", "--config", "{tmp}/nope.yaml"], 2, "config file not found"),
    ("config is a folder", ["run", "lif_fi", "--config", "{tmp}"], 2, "not a file"),
    ("--outdir holds other files", ["run", "lif_fi", "--outdir", "{tmp}/foreign"], 2,
     "foreign: not empty and does not hold the results of lif_fi (it has thesis.tex)"),
    ("--outdir is the results tree", ["run", "lif_fi", "--outdir", str(REPO / "results")], 2,
     "does not hold the results of lif_fi"),
    ("--outdir is a file", ["run", "lif_fi", "--outdir", "{tmp}/a_file"], 2, "exists and is not a folder"),
    ("--corpus for a study without one", ["run", "lif_fi", "--corpus", "{tmp}"], 2,
     "--corpus: lif_fi reads no corpus folder (it is for kws)"),
    ("--corpus missing", ["run", "kws", "--corpus", "{tmp}/nowhere"], 2, "nowhere: --corpus: no such folder"),
    ("--dataset missing", ["run", "detection", "--dataset", "{tmp}/nowhere"], 2, "--dataset: no such folder"),
    ("--corpus without a corpus", ["run", "kws", "--corpus", "{tmp}/foreign"], 2,
     "foreign/audio.npy is missing from the synthetic corpus (build it with `snakemake --cores 2 kws_corpus`)"),
    ("--dataset without a dataset", ["run", "detection", "--dataset", "{tmp}/foreign"], 2,
     "foreign/manifest.json is missing: not a dataset written by the detection_dataset rule"),
    ("unknown option", ["run", "lif_fi", "--outdri", "x"], 2, "unrecognized arguments: --outdri"),
    ("no command", [], 2, "the following arguments are required: command"),
    ("compare a missing tree", ["compare", "{tmp}/nowhere", "{tmp}"], 2, "results directory not found"),
    ("compare negative tolerance", ["compare", "{tmp}", "{tmp}", "--rtol", "-1"], 2, "tolerances must be ≥ 0"),
    ("compare bad regex", ["compare", "{tmp}", "{tmp}", "--ignore-columns", "("], 2, "invalid regular expression"),
    ("list of a file", ["list", "--results", "{tmp}/a_file"], 2, "a_file: not a results folder"),
]


@pytest.mark.parametrize("argv,code,needle", [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES])
def test_cli_refuses_bad_input_in_one_line(argv, code, needle, tmp_path, capsys):
    subs = _files(tmp_path)
    argv = [a.format(**subs) for a in argv]
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    try:
        rc = cli.main(argv)
    except SystemExit as exc:  # argparse's usage errors
        rc = exc.code
    err = capsys.readouterr().err
    assert rc == code, err
    assert needle in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2, err
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing lost
    assert (tmp_path / "foreign" / "thesis.tex").read_text() == "months of work"


def _corrupt_tree(root: Path, content: bytes) -> Path:
    (root / "lif_fi").mkdir(parents=True)
    (root / "lif_fi" / "comparison.csv").write_bytes(content)
    return root


@pytest.mark.parametrize("content,needle", [(b"", "No columns to parse"),
                                            (b"\xff\xfe\x00garbage", "not a readable CSV"),
                                            (b"a,b\n1,2\n", "status: column missing")])
def test_list_and_compare_name_a_corrupt_results_file(tmp_path, capsys, content, needle):
    bad = _corrupt_tree(tmp_path / "bad", content)
    good = tmp_path / "good" / "lif_fi"
    good.mkdir(parents=True)
    (good / "comparison.csv").write_text("claim_id,status\nc1,PASS\n")
    assert cli.main(["list", "--results", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "lif_fi/comparison.csv" in err and needle in err and "Traceback" not in err
    if needle != "status: column missing":  # compare reads any CSV; list needs a status column
        assert cli.main(["compare", str(bad), str(tmp_path / "good")]) == 2
        err = capsys.readouterr().err
        assert "lif_fi/comparison.csv" in err and "Traceback" not in err


def test_list_reports_an_unreadable_results_file_and_goes_on(tmp_path, capsys):
    root = _corrupt_tree(tmp_path / "tree", b"\xff\xfe\x00garbage")          # lif_fi: unreadable
    (root / "membrane").mkdir()
    (root / "membrane" / "comparison.csv").write_text("claim_id,status\nc1,PASS\nc2,FAIL\n")
    assert cli.main(["list", "--results", str(root)]) == 2
    out, err = capsys.readouterr()
    lines = {ln.split("  ")[0]: ln for ln in out.splitlines() if not ln.startswith(" ")}
    assert "unreadable results" in lines["lif_fi"]
    assert "1 PASS, 1 FAIL" in lines["membrane"]                   # the studies after it are listed
    assert "lif_fi/comparison.csv: not a readable CSV" in err and "Traceback" not in err
    assert cli.main(["list", "--json", "--results", str(root)]) == 2
    rows = {r["study"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["lif_fi"]["results"] is None and "not a readable CSV" in rows["lif_fi"]["error"]
    assert rows["membrane"]["results"]["PASS"] == 1 and "error" not in rows["membrane"]


def test_a_failing_study_is_one_line_or_a_traceback_with_debug(monkeypatch, tmp_path, capsys):
    from neurobench.studies import lif_fi

    def broken(params, outdir):
        raise RuntimeError("the solver diverged")

    monkeypatch.setattr(lif_fi, "run", broken)
    out = str(tmp_path / "lif_fi")
    assert cli.main(["run", "lif_fi", "--outdir", out, "--log", str(tmp_path / "run.log")]) == 1
    err = capsys.readouterr().err
    assert "lif_fi failed: RuntimeError: the solver diverged (--debug shows the traceback" in err
    assert "Traceback" not in err
    assert "Traceback" in (tmp_path / "run.log").read_text()  # the log keeps it
    with pytest.raises(RuntimeError, match="diverged"):
        cli.main(["run", "lif_fi", "--outdir", out, "--debug"])


def test_console_script_prints_no_traceback():
    exe = Path(sys.executable).parent / "neurobench"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    r = subprocess.run([str(exe), "run", "../lif_fi"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr


def test_snakemake_names_the_key_and_the_file(tmp_path):
    over = tmp_path / "my.yaml"
    over.write_text("lif_fi: {v_th_mV: -70.0}\n")
    r = subprocess.run([str(Path(sys.executable).parent / "snakemake"), "-n", "--cores", "1",
                        "lif_fi", "--configfile", "config/config.yaml", str(over)],
                       cwd=REPO, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": str(REPO)})
    assert r.returncode != 0
    assert f"config key 'lif_fi.v_th_mV' (set in {over}): -70.0 must be above v_rest_mV" in r.stdout + r.stderr


# -- nothing lost: the atomic writer -------------------------------------------------------------
def _publish(out: Path, value: str, fail: bool = False, study: str = "toy"):
    with publishing(out, study), StudyWriter(out, {"v": value}, seed=1) as w:
        (w.path / "tables" / "t.csv").write_text(f"x\n{value}\n")
        if fail:
            raise RuntimeError("the study failed")


def test_failed_rerun_keeps_the_complete_previous_version(tmp_path):
    out = tmp_path / "toy"
    _publish(out, "1")
    with pytest.raises(RuntimeError):
        _publish(out, "2", fail=True)
    assert (out / "tables" / "t.csv").read_text() == "x\n1\n"
    assert sorted(json.loads((out / RECORD).read_text())["files"]) == [
        "comparison.csv", "provenance.json", "tables/t.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["toy"]  # no temporary folder left


def test_failed_rerun_after_snakemake_removed_outputs_leaves_no_mix(tmp_path):
    out = tmp_path / "toy"
    _publish(out, "1")
    (out / "notes.md").write_text("my notes")         # the user's file
    for f in ("comparison.csv", "provenance.json"):   # Snakemake removes declared outputs first
        (out / f).unlink()
    with pytest.raises(RuntimeError):
        _publish(out, "2", fail=True)
    assert not (out / "tables").exists()               # the rest of the old version is gone ...
    assert (out / "notes.md").read_text() == "my notes"  # ... the user's file is not
    _publish(out, "3")                                 # and the folder is usable again
    assert (out / "notes.md").exists() and (out / "tables" / "t.csv").read_text() == "x\n3\n"


def test_failure_with_nothing_to_keep_leaves_no_folder(tmp_path):
    out = tmp_path / "toy"
    (out / "figures").mkdir(parents=True)              # Snakemake makes the outputs' folders
    with pytest.raises(RuntimeError):
        _publish(out, "1", fail=True)
    assert not out.exists()


def test_snakemake_leftovers_of_an_earlier_suite_version_are_not_a_mix(tmp_path):
    out = tmp_path / "toy"                             # no record: written before it existed
    (out / "tables").mkdir(parents=True)
    (out / "tables" / "stale.csv").write_text("x\n0\n")  # what Snakemake left
    with pytest.raises(RuntimeError):
        _publish(out, "2", fail=True)
    assert not out.exists()
    (out / "figures").mkdir(parents=True)
    _publish(out, "3")                                 # a first run into Snakemake's empty folders
    assert (out / "tables" / "t.csv").exists()


def test_files_the_study_did_not_write_are_carried_over(tmp_path):
    out = tmp_path / "toy"
    _publish(out, "1")
    (out / "tables" / "mine.csv").write_text("kept")
    _publish(out, "2")
    assert (out / "tables" / "mine.csv").read_text() == "kept"
    assert "tables/mine.csv" not in json.loads((out / RECORD).read_text())["files"]


def test_leftovers_of_killed_runs_are_removed_and_reported(tmp_path, caplog):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / f".toy.tmp-{dead.pid}" / "tables").mkdir(parents=True)
    (tmp_path / f".other.old-{dead.pid}").mkdir()
    alive = tmp_path / f".toy.tmp-{os.getppid()}"     # a run that is still going
    alive.mkdir()
    with caplog.at_level("WARNING", logger="neurobench"):
        _publish(tmp_path / "toy", "1")
    assert sorted(p.name for p in tmp_path.iterdir()) == [alive.name, "toy"]
    assert f"left by a killed run (process {dead.pid} is gone)" in caplog.text
    assert f"process {os.getppid()} still runs" in caplog.text


def test_a_terminated_run_leaves_the_previous_version_and_no_leftover(tmp_path):
    out = tmp_path / "toy"
    _publish(out, "1")
    script = (f"import os, signal, sys; sys.path.insert(0, {str(REPO)!r})\n"
              "from pathlib import Path\n"
              "from neurobench.report.writer import StudyWriter, publishing\n"
              f"out = Path({str(out)!r})\n"
              "with publishing(out, 'toy'), StudyWriter(out, {}, seed=1) as w:\n"
              "    (w.path / 'tables' / 't.csv').write_text('x\\n2\\n')\n"
              "    os.kill(os.getpid(), signal.SIGTERM)\n")
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert r.returncode == 128 + 15, r.stderr
    assert (out / "tables" / "t.csv").read_text() == "x\n1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["toy"]


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_full_or_read_only_destination_is_one_line_and_loses_nothing(tmp_path, monkeypatch, code):
    out = tmp_path / "toy"
    _publish(out, "1")

    def refuse(*a, **k):
        raise OSError(code, os.strerror(code), str(out))

    monkeypatch.setattr(os, "rename", refuse)
    with pytest.raises(OutputError, match=f"cannot write \\({os.strerror(code)}\\); the previous "
                                          "results are unchanged"):
        _publish(out, "2")
    monkeypatch.undo()
    assert (out / "tables" / "t.csv").read_text() == "x\n1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["toy"]


def test_cli_run_refuses_an_outdir_of_another_study(tmp_path, capsys):
    _publish(tmp_path / "energy", "1", study="energy")
    assert cli.main(["run", "lif_fi", "--outdir", str(tmp_path / "energy")]) == 2
    assert "does not hold the results of lif_fi" in capsys.readouterr().err
    assert (tmp_path / "energy" / "tables" / "t.csv").exists()


# -- loaders: the suite's error naming the file and the field -----------------------------------
def _wav(n_frames: int) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x01\x00" * n_frames)
    return buf.getvalue()


def test_empty_wav_is_refused_not_a_silent_clip(tmp_path):
    from neurobench.data.speech import read_wav

    f = tmp_path / "yes" / "a_nohash_0.wav"
    f.parent.mkdir()
    f.write_bytes(_wav(0))
    with pytest.raises(DatasetError, match=r"a_nohash_0.wav: frames: no samples \(0 frames\)"):
        read_wav(f)
    f.write_bytes(_wav(100)[:-50])
    with pytest.raises(DatasetError, match="frames: truncated: the header says 100 frames"):
        read_wav(f)


@pytest.mark.parametrize("out,needle", [(b"", "header: not the 44-byte WAV header espeak-ng writes"),
                                        (b"espeak-ng: voice not found\n", "header"),
                                        (_wav(0), "no samples")])
def test_espeak_output_that_is_not_audio_names_espeak(out, needle):
    from neurobench.data.speech import parse_espeak_wav

    with pytest.raises(DatasetError, match="espeak-ng output") as err:
        parse_espeak_wav(out)
    assert needle in str(err.value)


def _sphere(fields: str, n: int = 10) -> bytes:
    head = f"NIST_1A\n   1024\n{fields}end_head\n".encode().ljust(1024, b" ")
    return head + b"\x01\x00" * n


@pytest.mark.parametrize("fields,needle", [
    ("sample_rate -i 0\nsample_n_bytes -i 2\n", "sample_rate: must be an integer ≥ 1, got 0"),
    ("sample_rate -i 16000\nsample_n_bytes -i 2\nchannel_count -i 0\n", "channel_count: must be an integer ≥ 1"),
    ("sample_rate -i 16k\nsample_n_bytes -i 2\n", "sample_rate: '16k' is not an integer (type -i)"),
    ("sample_rate -i 16000\nsample_n_bytes -i 2\nsample_count -i 99\n", "sample_count: truncated"),
    ("sample_n_bytes -i 2\n", "sample_rate: missing from the SPHERE header"),
    ("sample_rate -i 16000\nsample_n_bytes -i 2\nsample_coding -s13 pcm,embedded-shorten-v2.00\n",
     "convert it first"),
])
def test_sphere_fields_are_checked(tmp_path, fields, needle):
    from neurobench.data.tidigits import read_sphere

    f = tmp_path / "7a.wav"
    f.write_bytes(_sphere(fields))
    with pytest.raises(DatasetError, match="7a.wav") as err:
        read_sphere(f)
    assert needle in str(err.value)


def test_boxes_with_nan_or_negative_size_are_refused_not_dropped(tmp_path):
    from neurobench.data import gen1

    boxes = np.zeros(2, dtype=gen1.BBOX_DTYPE)
    boxes["w"], boxes["h"] = [10.0, np.nan], [10.0, 5.0]
    np.save(tmp_path / "r_bbox.npy", boxes)
    with pytest.raises(DatasetError, match=r"r_bbox.npy: w of box 1: nan \(must be finite and ≥ 0\)"):
        gen1.read_bbox(tmp_path / "r_bbox.npy")


def test_gen1_header_size_zero_is_refused(tmp_path):
    from neurobench.data import gen1

    f = tmp_path / "r_td.dat"
    f.write_bytes(b"% Height 0\n% Width 304\n\x00\x08")
    with pytest.raises(DatasetError, match=r"r_td.dat: Height: 0 px is outside 1..16384"):
        gen1.read_dat(f)


@pytest.mark.parametrize("text,needle", [
    ("IF_DC_P: [2, 60\n", "not valid YAML at line 2"),
    ("IF_DC_P: yes\n", "missing bias(es)"),
    ("- 1\n- 2\n", "expected a mapping"),
])
def test_bias_files_name_the_file(tmp_path, text, needle):
    from neurobench.dynapse import BiasSet

    f = tmp_path / "core.yaml"
    f.write_text(text)
    with pytest.raises(DatasetError, match="core.yaml") as err:
        BiasSet.load(f)
    assert needle in str(err.value)


def test_bias_value_that_is_a_boolean_is_refused(tmp_path):
    from neurobench.dynapse import BiasSet

    d = BiasSet.default().to_dict()
    d["IF_DC_P"] = [True, 60]
    f = tmp_path / "core.json"
    f.write_text(json.dumps(d))
    with pytest.raises(DatasetError, match=r"core.json: bias IF_DC_P: coarse and fine must be integers"):
        BiasSet.load(f)


def test_corpus_with_a_broken_info_file_is_named(tmp_path):
    from neurobench.data.speech import load_corpus

    np.save(tmp_path / "audio.npy", np.zeros((1, 10), np.int16))
    (tmp_path / "manifest.csv").write_text("utterance,word,speaker,split\na,yes,s,train\n")
    (tmp_path / "corpus.json").write_text('{"sample_rate_hz": "16k"}')
    with pytest.raises(DatasetError, match="corpus.json: sample_rate_hz: must be a positive integer"):
        load_corpus(tmp_path)


# -- APIs: integers, foreign objects by name, memory before allocation -----------------------------
def test_core_refuses_non_integer_sizes_and_indices():
    from neurobench.core import Network

    net = Network()
    with pytest.raises(ValueError, match="n must be an integer, got 2.5"):
        net.add_lif(2.5)
    net.add_lif(2)
    with pytest.raises(ValueError, match="indices: indices must be integers, got float64"):
        net.add_spike_generator(2, [0.5, 1.7], [1.0, 2.0])


def test_core_refuses_a_population_of_another_network_by_name():
    from neurobench.core import Network

    net, other = Network(), Network()
    net.add_lif(2)
    src = net.add_poisson(2, 10.0)
    theirs = other.add_lif(3, name="their_exc")
    with pytest.raises(ValueError, match="target: Population 'their_exc' belongs to another network"):
        net.connect(src, theirs, "exc", p=0.5)
    with pytest.raises(ValueError, match="population: Population 'their_exc' belongs to another"):
        net.record_spikes(theirs)


def test_core_refuses_what_memory_cannot_hold_before_allocating():
    from neurobench.core import Network

    net = Network()
    with pytest.raises(ValueError, match=r"^n: 10000000000000 LIF neurons needs about .* GiB, more "
                                         r"than the .* GiB this machine has available; reduce n$"):
        net.add_lif(10**13)
    exc = net.add_lif(10_000)
    src = net.add_poisson(10, 10.0)
    with pytest.raises(ValueError, match="delay_ms: a delay of 1e\\+09 ms .* reduce delay_ms"):
        net.connect(src, exc, "exc", p=0.5, delay_ms=1e9)


def test_board_refuses_non_integers_foreign_groups_and_huge_runs():
    from neurobench.dynapse import Board

    board = Board(n_chips=1)
    with pytest.raises(ValueError, match="n_channels must be an integer, got 2.5"):
        board.add_spike_generator([0.0], [0], n_channels=2.5)
    theirs = Board(n_chips=1).add_spike_generator([0.0], [0], name="their_gen")
    with pytest.raises(ValueError, match="pre: input group 'their_gen' belongs to another board"):
        board.connect(theirs, board.gid(0, 0, 1), "AMPA")
    board.probe(np.arange(1024))
    with pytest.raises(ValueError, match="duration_ms: probing 1024 neurons .* reduce duration_ms"):
        board.run(1e9)


def test_config_error_is_the_suites_error_type():
    assert issubclass(ConfigError, ValueError) and issubclass(DatasetError, ValueError)


def test_every_cross_key_rule_applies_to_the_shipped_config():
    """A rule whose keys were renamed would be skipped silently: each must find its keys."""
    from neurobench.config import load_config
    from neurobench.config_checks import RULES

    for files in (["config.yaml"], ["config.yaml", "quick.yaml"]):
        cfg = load_config(*[REPO / "config" / f for f in files])
        for study, rules in RULES.items():
            for rule in rules:
                assert rule(cfg[study]) == []  # raises KeyError if a key is gone
