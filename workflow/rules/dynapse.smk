register_study(
    "dynapse",
    [
        "results/dynapse/comparison.csv",
        "results/dynapse/provenance.json",
        "results/dynapse/figures/datasheet.png",
    ],
)


rule dynapse:
    """DYNAP-SE1 emulator characterisation: PSCs, τ vs bias, f-I, adaptation, NMDA gating,
    inhibition, mismatch, aliasing, temperature and dt convergence."""
    output:
        comparison="results/dynapse/comparison.csv",
        provenance="results/dynapse/provenance.json",
        figure="results/dynapse/figures/datasheet.png",
    params:
        study=params_of("dynapse"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/dynapse.log",
    benchmark:
        "results/timings/dynapse.tsv"
    threads: 1
    priority: priority_of("dynapse")
    script:
        "../scripts/run_study.py"
