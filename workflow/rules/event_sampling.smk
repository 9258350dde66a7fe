register_study(
    "event_sampling",
    [
        "results/event_sampling/comparison.csv",
        "results/event_sampling/provenance.json",
        "results/event_sampling/figures/sampling_comparison.png",
    ],
)

# Speech envelopes only when the config names the keyword corpus (built by the kws_corpus rule).
_speech_dir = params_of("event_sampling")["speech_corpus"]
SPEECH_CORPUS = [f"{_speech_dir}/audio.npy", f"{_speech_dir}/corpus.json"] if _speech_dir else []


rule event_sampling:
    """Level-crossing vs uniform sampling; event-triggered vs periodic impulse control."""
    input:
        speech=SPEECH_CORPUS,
    output:
        comparison="results/event_sampling/comparison.csv",
        provenance="results/event_sampling/provenance.json",
        figure="results/event_sampling/figures/sampling_comparison.png",
    params:
        study=params_of("event_sampling"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/event_sampling.log",
    benchmark:
        "results/timings/event_sampling.tsv"
    threads: 1
    priority: priority_of("event_sampling")
    script:
        "../scripts/run_study.py"
