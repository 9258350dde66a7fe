register_study(
    "discrete_lif",
    [
        "results/discrete_lif/comparison.csv",
        "results/discrete_lif/provenance.json",
        "results/discrete_lif/figures/discrete_lif.png",
    ],
)


rule discrete_lif:
    """The talk's discrete LIF (torch): equivalence with the continuous LIF, BPTT training."""
    output:
        comparison="results/discrete_lif/comparison.csv",
        provenance="results/discrete_lif/provenance.json",
        figure="results/discrete_lif/figures/discrete_lif.png",
    params:
        study=params_of("discrete_lif"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/discrete_lif.log",
    benchmark:
        "results/timings/discrete_lif.tsv"
    threads: 1
    priority: priority_of("discrete_lif")
    script:
        "../scripts/run_study.py"
