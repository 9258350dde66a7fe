rule scorecard:
    """Gather every study's comparison.csv into results/scorecard.{csv,md}."""
    input:
        comparison_files(),
    output:
        csv="results/scorecard.csv",
        md="results/scorecard.md",
    conda:
        "../envs/neurobench.yaml"
    log:
        "results/logs/scorecard.log",
    script:
        "../scripts/scorecard.py"
