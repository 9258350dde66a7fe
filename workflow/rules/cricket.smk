register_study(
    "cricket",
    [
        "results/cricket/comparison.csv",
        "results/cricket/provenance.json",
        "results/cricket/figures/tuning_curve.png",
        "results/cricket/tables/held_out_chips.csv",
    ],
)


rule cricket_tuning:
    """The tuning search of cricket on its tuning chip (bias file and CAM configuration)."""
    output:
        "results/_work/cricket/tuning.pkl",
    params:
        study=params_of("cricket"),
        name="cricket",
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/cricket_tuning.log",
    benchmark:
        "results/timings/cricket_tuning.tsv"
    threads: 1
    priority: priority_of("cricket_tuning")
    script:
        "../scripts/selectivity_tuning.py"


rule cricket_chip:
    """One held-out emulated chip (mismatch seed) of cricket, with the tuning chip's configuration."""
    input:
        tuning="results/_work/cricket/tuning.pkl",
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
    priority: priority_of("cricket_chip")
    script:
        "../scripts/selectivity_chip.py"


rule cricket:
    """The cricket auditory feature detector (AN1, LN2, LN3, LN4) on the DYNAP-SE emulator, scored on held-out chips."""
    input:
        tuning="results/_work/cricket/tuning.pkl",
        chips=expand(
            "results/_work/cricket/chip{chip}.pkl",
            chip=range(1, params_of("cricket")["held_out_chips"] + 1),
        ),
    output:
        comparison="results/cricket/comparison.csv",
        provenance="results/cricket/provenance.json",
        figure="results/cricket/figures/tuning_curve.png",
        held_out="results/cricket/tables/held_out_chips.csv",
    params:
        study=params_of("cricket"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/cricket.log",
    benchmark:
        "results/timings/cricket.tsv"
    threads: 1
    priority: priority_of("cricket")
    script:
        "../scripts/selectivity_gather.py"
