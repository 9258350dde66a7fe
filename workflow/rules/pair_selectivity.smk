register_study(
    "pair_selectivity",
    [
        "results/pair_selectivity/comparison.csv",
        "results/pair_selectivity/provenance.json",
        "results/pair_selectivity/figures/pair_response.png",
    ],
)


rule pair_selectivity_chip:
    """One emulated chip (mismatch seed) of pair_selectivity: tuning search and evaluation."""
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
    script:
        "../scripts/selectivity_chip.py"


rule pair_selectivity:
    """One DYNAP-SE neuron tuned to a spike-pair interval by the automatic bias/weight search."""
    input:
        chips=expand(
            "results/_work/pair_selectivity/chip{chip}.pkl",
            chip=range(params_of("pair_selectivity")["n_seeds"]),
        ),
    output:
        comparison="results/pair_selectivity/comparison.csv",
        provenance="results/pair_selectivity/provenance.json",
        figure="results/pair_selectivity/figures/pair_response.png",
    params:
        study=params_of("pair_selectivity"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/pair_selectivity.log",
    benchmark:
        "results/timings/pair_selectivity.tsv"
    threads: 1
    script:
        "../scripts/selectivity_gather.py"
