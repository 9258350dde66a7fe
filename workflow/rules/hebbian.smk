register_study(
    "hebbian",
    [
        "results/hebbian/comparison.csv",
        "results/hebbian/provenance.json",
        "results/hebbian/figures/hebb_oja.png",
    ],
)


rule hebbian:
    """Naive Hebb grows without bound; Oja's rule finds the principal eigenvector."""
    output:
        comparison="results/hebbian/comparison.csv",
        provenance="results/hebbian/provenance.json",
        figure="results/hebbian/figures/hebb_oja.png",
    params:
        study=params_of("hebbian"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/hebbian.log",
    benchmark:
        "results/timings/hebbian.tsv"
    threads: 1
    priority: priority_of("hebbian")
    script:
        "../scripts/run_study.py"
