register_study(
    "event_sampling",
    [
        "results/event_sampling/comparison.csv",
        "results/event_sampling/provenance.json",
        "results/event_sampling/figures/sampling_comparison.png",
    ],
)


rule event_sampling:
    """Level-crossing vs uniform sampling; event-triggered vs periodic impulse control."""
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
        "results/benchmarks/rules/event_sampling.tsv"
    threads: 1
    script:
        "../scripts/run_study.py"
