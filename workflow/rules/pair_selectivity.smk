register_study(
    "pair_selectivity",
    [
        "results/pair_selectivity/comparison.csv",
        "results/pair_selectivity/provenance.json",
        "results/pair_selectivity/figures/pair_response.png",
        "results/pair_selectivity/tables/held_out_chips.csv",
    ],
)


rule pair_selectivity_tuning:
    """The tuning search of pair_selectivity on its tuning chip (bias file and CAM configuration)."""
    output:
        "results/_work/pair_selectivity/tuning.pkl",
    params:
        study=params_of("pair_selectivity"),
        name="pair_selectivity",
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/pair_selectivity_tuning.log",
    benchmark:
        "results/timings/pair_selectivity_tuning.tsv"
    threads: 1
    priority: priority_of("pair_selectivity_tuning")
    script:
        "../scripts/selectivity_tuning.py"


rule pair_selectivity_chip:
    """One held-out emulated chip (mismatch seed) of pair_selectivity, with the tuning chip's configuration."""
    input:
        tuning="results/_work/pair_selectivity/tuning.pkl",
    output:
        "results/_work/pair_selectivity/chip{chip}.pkl",
    wildcard_constraints:
        chip=r"\d+",
    params:
        study=params_of("pair_selectivity"),
        name="pair_selectivity",
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/pair_selectivity_chip{chip}.log",
    benchmark:
        "results/timings/pair_selectivity_chip{chip}.tsv"
    threads: 1
    priority: priority_of("pair_selectivity_chip")
    script:
        "../scripts/selectivity_chip.py"


rule pair_selectivity:
    """One DYNAP-SE neuron tuned to a spike-pair interval on a tuning chip, scored on held-out chips."""
    input:
        tuning="results/_work/pair_selectivity/tuning.pkl",
        chips=expand(
            "results/_work/pair_selectivity/chip{chip}.pkl",
            chip=range(1, params_of("pair_selectivity")["held_out_chips"] + 1),
        ),
    output:
        comparison="results/pair_selectivity/comparison.csv",
        provenance="results/pair_selectivity/provenance.json",
        figure="results/pair_selectivity/figures/pair_response.png",
        held_out="results/pair_selectivity/tables/held_out_chips.csv",
    params:
        study=params_of("pair_selectivity"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/pair_selectivity.log",
    benchmark:
        "results/timings/pair_selectivity.tsv"
    threads: 1
    priority: priority_of("pair_selectivity")
    script:
        "../scripts/selectivity_gather.py"
