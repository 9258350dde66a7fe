register_study(
    "detection",
    [
        "results/detection/comparison.csv",
        "results/detection/provenance.json",
        "results/detection/figures/map_vs_energy.png",
    ],
)

DETECTION_DATA = "resources/detection_events/manifest.json"


rule detection_dataset:
    """Emulated event-camera recordings with boxes, in the Prophesee Gen1 layout."""
    output:
        manifest=DETECTION_DATA,
    params:
        dataset=params_of("detection")["dataset"],
        seed=params_of("detection")["seed"],
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/detection_dataset.log",
    benchmark:
        "results/timings/detection_dataset.tsv"
    threads: 1
    priority: priority_of("detection_dataset")
    script:
        "../scripts/detection_dataset.py"


rule detection_seed:
    """Both models of one training seed of detection (detector and classifier)."""
    input:
        manifest=DETECTION_DATA if params_of("detection")["data_source"] == "synthetic" else [],
    output:
        "results/_work/detection/seed{seed}.pkl",
    wildcard_constraints:
        seed=r"\d+",
    params:
        study=params_of("detection"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/detection_seed{seed}.log",
    benchmark:
        "results/timings/detection_seed{seed}.tsv"
    threads: params_of("detection")["torch_threads"]   # the study uses exactly these
    priority: priority_of("detection_seed")
    script:
        "../scripts/detection_seed.py"


rule detection:
    """Hybrid SNN-ANN vs ANN object detection: mAP, operations, energy, bandwidth."""
    input:
        manifest=DETECTION_DATA if params_of("detection")["data_source"] == "synthetic" else [],
        seeds=expand("results/_work/detection/seed{seed}.pkl", seed=params_of("detection")["seeds"]),
    output:
        comparison="results/detection/comparison.csv",
        provenance="results/detection/provenance.json",
        figure="results/detection/figures/map_vs_energy.png",
    params:
        study=params_of("detection"),
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/detection.log",
    benchmark:
        "results/timings/detection.tsv"
    threads: 1
    priority: priority_of("detection")
    script:
        "../scripts/detection.py"
