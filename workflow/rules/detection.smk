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
    script:
        "../scripts/detection_dataset.py"


rule detection:
    """Hybrid SNN-ANN vs ANN object detection: mAP, operations, energy, bandwidth."""
    input:
        manifest=DETECTION_DATA if params_of("detection")["data_source"] == "synthetic" else [],
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
    threads: params_of("detection")["torch_threads"]   # the study uses exactly these
    script:
        "../scripts/detection.py"
