register_study(
    "lif_coincidence",
    [
        "results/lif_coincidence/comparison.csv",
        "results/lif_coincidence/provenance.json",
        "results/lif_coincidence/figures/coincidence.png",
    ],
)


rule lif_coincidence:
    """The talk's LIF coincidence example: two 20 Hz inputs, three outcomes."""
    output:
        comparison="results/lif_coincidence/comparison.csv",
        provenance="results/lif_coincidence/provenance.json",
        figure="results/lif_coincidence/figures/coincidence.png",
    params:
        study=params_of("lif_coincidence"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/lif_coincidence.log",
    benchmark:
        "results/timings/lif_coincidence.tsv"
    threads: 1
    priority: priority_of("lif_coincidence")
    script:
        "../scripts/run_study.py"
