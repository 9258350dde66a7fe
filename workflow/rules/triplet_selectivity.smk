register_study(
    "triplet_selectivity",
    [
        "results/triplet_selectivity/comparison.csv",
        "results/triplet_selectivity/provenance.json",
        "results/triplet_selectivity/figures/triplet_map.png",
        "results/triplet_selectivity/tables/held_out_chips.csv",
    ],
)


rule triplet_selectivity_tuning:
    """The tuning search of triplet_selectivity on its tuning chip (bias file and CAM configuration)."""
    output:
        "results/_work/triplet_selectivity/tuning.pkl",
    params:
        study=params_of("triplet_selectivity"),
        name="triplet_selectivity",
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/triplet_selectivity_tuning.log",
    benchmark:
        "results/timings/triplet_selectivity_tuning.tsv"
    threads: 1
    priority: priority_of("triplet_selectivity_tuning")
    script:
        "../scripts/selectivity_tuning.py"


rule triplet_selectivity_chip:
    """One held-out emulated chip (mismatch seed) of triplet_selectivity, with the tuning chip's configuration."""
    input:
        tuning="results/_work/triplet_selectivity/tuning.pkl",
    output:
        "results/_work/triplet_selectivity/chip{chip}.pkl",
    wildcard_constraints:
        chip=r"\d+",
    params:
        study=params_of("triplet_selectivity"),
        name="triplet_selectivity",
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/triplet_selectivity_chip{chip}.log",
    benchmark:
        "results/timings/triplet_selectivity_chip{chip}.tsv"
    threads: 1
    priority: priority_of("triplet_selectivity_chip")
    script:
        "../scripts/selectivity_chip.py"


rule triplet_selectivity:
    """Spike-triplet selectivity (tuned on one chip) and 5-D receptive fields of single DYNAP-SE neurons, scored on held-out chips."""
    input:
        tuning="results/_work/triplet_selectivity/tuning.pkl",
        chips=expand(
            "results/_work/triplet_selectivity/chip{chip}.pkl",
            chip=range(1, params_of("triplet_selectivity")["held_out_chips"] + 1),
        ),
    output:
        comparison="results/triplet_selectivity/comparison.csv",
        provenance="results/triplet_selectivity/provenance.json",
        figure="results/triplet_selectivity/figures/triplet_map.png",
        held_out="results/triplet_selectivity/tables/held_out_chips.csv",
    params:
        study=params_of("triplet_selectivity"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/triplet_selectivity.log",
    benchmark:
        "results/timings/triplet_selectivity.tsv"
    threads: 1
    priority: priority_of("triplet_selectivity")
    script:
        "../scripts/selectivity_gather.py"
