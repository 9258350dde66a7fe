register_study(
    "benchmarks",
    [
        "results/benchmarks/comparison.csv",
        "results/benchmarks/provenance.json",
        "results/benchmarks/figures/scaling.png",
        "results/benchmarks/tables/benchmarks.csv",
    ],
)


rule benchmarks:
    """Speed of the core vs Brian2 (cython, cpp_standalone) and NEST: CUBA, COBA, STDP, scaling."""
    output:
        comparison="results/benchmarks/comparison.csv",
        provenance="results/benchmarks/provenance.json",
        figure="results/benchmarks/figures/scaling.png",
        table="results/benchmarks/tables/benchmarks.csv",
    params:
        study=params_of("benchmarks"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/benchmarks.log",
    benchmark:
        "results/timings/benchmarks.tsv"
    threads: 2
    script:
        "../scripts/run_study.py"
