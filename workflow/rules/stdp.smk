register_study(
    "stdp",
    [
        "results/stdp/comparison.csv",
        "results/stdp/provenance.json",
        "results/stdp/figures/song_weights.png",
    ],
)


rule stdp:
    """STDP window (eq. 19.10) and Song, Miller & Abbott 2000 on the core and Brian2."""
    output:
        comparison="results/stdp/comparison.csv",
        provenance="results/stdp/provenance.json",
        figure="results/stdp/figures/song_weights.png",
    params:
        study=params_of("stdp"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/stdp.log",
    benchmark:
        "results/timings/stdp.tsv"
    threads: 1
    priority: priority_of("stdp")
    script:
        "../scripts/run_study.py"
