register_study(
    "dynapse_benchmark",
    [
        "results/dynapse_benchmark/comparison.csv",
        "results/dynapse_benchmark/provenance.json",
    ],
)


rule dynapse_benchmark:
    """Speed of the DYNAP-SE1 emulator on a full board (4096 neurons x 64 CAM entries, ~20 Hz),
    with rockpool's DynapSim side by side; writes only results/dynapse_benchmark/. Runs after
    the core benchmarks so that the two timing rules never share the machine; two threads for
    its two-thread case."""
    input:
        "results/benchmarks/comparison.csv",
    output:
        comparison="results/dynapse_benchmark/comparison.csv",
        provenance="results/dynapse_benchmark/provenance.json",
    params:
        study=params_of("dynapse_benchmark"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/dynapse_benchmark.log",
    benchmark:
        "results/timings/dynapse_benchmark.tsv"
    threads: 2
    script:
        "../scripts/run_study.py"
