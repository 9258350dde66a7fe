register_study(
    "membrane",
    [
        "results/membrane/comparison.csv",
        "results/membrane/provenance.json",
        "results/membrane/figures/action_potential.png",
    ],
)


rule membrane:
    """Nernst/GHK potentials, the Hodgkin-Huxley action potential (Brian2) and the LIF spike approximation."""
    output:
        comparison="results/membrane/comparison.csv",
        provenance="results/membrane/provenance.json",
        figure="results/membrane/figures/action_potential.png",
    params:
        study=params_of("membrane"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/membrane.log",
    benchmark:
        "results/timings/membrane.tsv"
    threads: 1
    priority: priority_of("membrane")
    script:
        "../scripts/run_study.py"
