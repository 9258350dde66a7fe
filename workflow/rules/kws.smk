register_study(
    "kws",
    [
        "results/kws/comparison.csv",
        "results/kws/provenance.json",
        "results/kws/figures/kws_overview.png",
        "results/kws/tables/on_chip.csv",
        "results/kws/kws_dynapse_biases.yaml",
    ],
)

KWS_CORPUS = ["resources/kws_corpus/audio.npy", "resources/kws_corpus/manifest.csv",
              "resources/kws_corpus/corpus.json"]


rule kws_corpus:
    """Synthesise the offline spoken-word corpus with espeak-ng: train, validation and test speakers
    (the test speakers from their own seed and voice variants), noise."""
    output:
        audio="resources/kws_corpus/audio.npy",
        manifest="resources/kws_corpus/manifest.csv",
        info="resources/kws_corpus/corpus.json",
    params:
        corpus=params_of("kws")["corpus"],
        seed=params_of("kws")["seed"],
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/kws_corpus.log",
    benchmark:
        "results/timings/kws_corpus.tsv"
    threads: 2
    priority: priority_of("kws_corpus")
    script:
        "../scripts/kws_corpus.py"


rule kws:
    """Keyword spotting with ~10 neurons: temporal encoders, tiny SNNs, baselines, costs, and the
    network trained within the DYNAP-SE1's limits run on held-out emulated chips."""
    input:
        corpus=KWS_CORPUS if params_of("kws")["dataset"] == "synthetic" else [],
    output:
        comparison="results/kws/comparison.csv",
        provenance="results/kws/provenance.json",
        figure="results/kws/figures/kws_overview.png",
        on_chip="results/kws/tables/on_chip.csv",
        biases="results/kws/kws_dynapse_biases.yaml",
    params:
        study=params_of("kws"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/kws.log",
    benchmark:
        "results/timings/kws.tsv"
    threads: 2
    script:
        "../scripts/run_study.py"
