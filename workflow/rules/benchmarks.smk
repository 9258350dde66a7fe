register_study(
    "benchmarks",
    [
        "results/benchmarks/comparison.csv",
        "results/benchmarks/provenance.json",
        "results/benchmarks/figures/scaling.png",
        "results/benchmarks/tables/benchmarks.csv",
    ],
)

BENCHMARKS_BUILD = "results/_work/benchmarks/build.json"


rule benchmarks_build:
    """Brian2's code of the benchmark cases generated and compiled ahead (C++ standalone projects,
    the cython extension cache): not timed by any claim, so it runs on one core beside the other
    single-thread rules instead of inside the exclusive timed rule."""
    output:
        BENCHMARKS_BUILD,
    params:
        study=params_of("benchmarks"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/benchmarks_build.log",
    benchmark:
        "results/timings/benchmarks_build.tsv"
    threads: 1
    priority: priority_of("benchmarks_build")
    script:
        "../scripts/benchmarks_build.py"


rule benchmarks:
    """Speed of the core vs Brian2 (cython, cpp_standalone) and NEST: CUBA, COBA, STDP, scaling."""
    input:
        build=BENCHMARKS_BUILD,
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
        "../scripts/benchmarks.py"
