register_study(
    "lif_fi",
    [
        "results/lif_fi/comparison.csv",
        "results/lif_fi/provenance.json",
        "results/lif_fi/figures/fi_curve.png",
    ],
)


rule lif_fi:
    """The talk's LIF f-I study: Brian2, the Cython core and the analytic rate."""
    output:
        comparison="results/lif_fi/comparison.csv",
        provenance="results/lif_fi/provenance.json",
        figure="results/lif_fi/figures/fi_curve.png",
    params:
        study=params_of("lif_fi"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/lif_fi.log",
    benchmark:
        "results/timings/lif_fi.tsv"
    threads: 1
    priority: priority_of("lif_fi")
    script:
        "../scripts/run_study.py"
