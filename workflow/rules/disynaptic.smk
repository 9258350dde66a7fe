register_study(
    "disynaptic",
    [
        "results/disynaptic/comparison.csv",
        "results/disynaptic/provenance.json",
        "results/disynaptic/figures/delay_maps.png",
    ],
)


rule disynaptic:
    """Disynaptic delay elements on the DYNAP-SE emulator: latency/amplitude maps, mismatch, temperature, noise."""
    output:
        comparison="results/disynaptic/comparison.csv",
        provenance="results/disynaptic/provenance.json",
        figure="results/disynaptic/figures/delay_maps.png",
    params:
        study=params_of("disynaptic"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/disynaptic.log",
    benchmark:
        "results/timings/disynaptic.tsv"
    threads: 1
    priority: priority_of("disynaptic")
    script:
        "../scripts/run_study.py"
