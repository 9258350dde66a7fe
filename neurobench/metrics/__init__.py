"""Metrics: synaptic operations, sparsity, footprint (NeuroBench definitions), energy models,
detection scores. Import the submodules directly (``neurobench.metrics.synops``)."""
