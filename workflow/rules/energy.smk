register_study(
    "energy",
    [
        "results/energy/comparison.csv",
        "results/energy/provenance.json",
        "results/energy/figures/efficiency_gap.png",
    ],
)


rule energy:
    """The talk's energy-efficiency table, recomputed from measurements, then extended."""
    input:
        data=expand(
            "neurobench/data/energy/{name}.yaml",
            name=["snabsuite_measurements", "brain", "talk_table", "published"],
        ),
    output:
        comparison="results/energy/comparison.csv",
        provenance="results/energy/provenance.json",
        figure="results/energy/figures/efficiency_gap.png",
    params:
        study=params_of("energy"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/energy.log",
    benchmark:
        "results/timings/energy.tsv"
    threads: 1
    priority: priority_of("energy")
    script:
        "../scripts/run_study.py"
