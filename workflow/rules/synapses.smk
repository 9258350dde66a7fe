register_study(
    "synapses",
    [
        "results/synapses/comparison.csv",
        "results/synapses/provenance.json",
        "results/synapses/figures/stp.png",
    ],
)


rule synapses:
    """PSC/PSP of current- and conductance-based synapses; Tsodyks-Markram STP."""
    output:
        comparison="results/synapses/comparison.csv",
        provenance="results/synapses/provenance.json",
        figure="results/synapses/figures/stp.png",
    params:
        study=params_of("synapses"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/synapses.log",
    benchmark:
        "results/timings/synapses.tsv"
    threads: 1
    priority: priority_of("synapses")
    script:
        "../scripts/run_study.py"
