register_study(
    "triplet_selectivity",
    [
        "results/triplet_selectivity/comparison.csv",
        "results/triplet_selectivity/provenance.json",
        "results/triplet_selectivity/figures/triplet_map.png",
    ],
)


rule triplet_selectivity:
    """Spike-triplet selectivity and 5-D receptive fields of single DYNAP-SE neurons."""
    output:
        comparison="results/triplet_selectivity/comparison.csv",
        provenance="results/triplet_selectivity/provenance.json",
        figure="results/triplet_selectivity/figures/triplet_map.png",
    params:
        study=params_of("triplet_selectivity"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/triplet_selectivity.log",
    benchmark:
        "results/timings/triplet_selectivity.tsv"
    threads: 1
    script:
        "../scripts/run_study.py"
