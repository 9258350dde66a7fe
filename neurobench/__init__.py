"""neurobench: a reproducibility suite for temporal dynamics in neuromorphic computing.

Every study of F. Sandin's talk "Temporal Dynamics in Neuromorphic Computing" is re-run
end to end and each claim is checked against a named reference (see ``neurobench.studies``).

Note: the NeuroBench harness (Yik et al. 2025) is also published on PyPI as ``neurobench``;
never install both into one environment.
"""

__version__ = "0.1.0"
