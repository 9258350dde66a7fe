register_study(
    "spike_codes",
    [
        "results/spike_codes/comparison.csv",
        "results/spike_codes/provenance.json",
        "results/spike_codes/figures/capacity.png",
    ],
)


rule spike_codes:
    """Capacity of the talk's spike codes: closed forms, enumeration, decoding under jitter on the core."""
    output:
        comparison="results/spike_codes/comparison.csv",
        provenance="results/spike_codes/provenance.json",
        figure="results/spike_codes/figures/capacity.png",
    params:
        study=params_of("spike_codes"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/spike_codes.log",
    benchmark:
        "results/timings/spike_codes.tsv"
    threads: 1
    priority: priority_of("spike_codes")
    script:
        "../scripts/run_study.py"
