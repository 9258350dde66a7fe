register_study(
    "cricket",
    [
        "results/cricket/comparison.csv",
        "results/cricket/provenance.json",
        "results/cricket/figures/tuning_curve.png",
    ],
)


rule cricket_chip:
    """One emulated chip (mismatch seed) of cricket: tuning search and evaluation."""
    output:
        "results/_work/cricket/chip{chip}.pkl",
    wildcard_constraints:
        chip=r"\d+",
    params:
        study=params_of("cricket"),
        name="cricket",
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/cricket_chip{chip}.log",
    benchmark:
        "results/timings/cricket_chip{chip}.tsv"
    threads: 1
    script:
        "../scripts/selectivity_chip.py"


rule cricket:
    """The cricket auditory feature detector (AN1, LN2, LN3, LN4) on the DYNAP-SE emulator."""
    input:
        chips=expand(
            "results/_work/cricket/chip{chip}.pkl",
            chip=range(params_of("cricket")["n_seeds"]),
        ),
    output:
        comparison="results/cricket/comparison.csv",
        provenance="results/cricket/provenance.json",
        figure="results/cricket/figures/tuning_curve.png",
    params:
        study=params_of("cricket"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/cricket.log",
    benchmark:
        "results/timings/cricket.tsv"
    threads: 1
    script:
        "../scripts/selectivity_gather.py"
