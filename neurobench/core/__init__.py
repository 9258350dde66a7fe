"""The Cython LIF engine: populations, projections, inputs and monitors.

>>> from neurobench.core import Network, LIFParameters
>>> net = Network(dt_ms=0.1)
>>> pop = net.add_lif(10, LIFParameters(tau_m_ms=20.0), name="exc")
>>> pop.i_const_pA[:] = 500.0
>>> net.record_spikes(pop)
>>> net.run(100.0)

The kernel is compiled; there is no pure-Python fallback.
"""

try:
    from neurobench.core import _engine  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only on a broken install
    raise ImportError(
        "neurobench.core: the compiled kernel neurobench.core._engine is missing or broken "
        f"({exc}). Build it with `pip install -e .` (or `make env`)."
    ) from exc

from neurobench.core.network import (  # noqa: E402
    LIFParameters, Network, Population, SpikeSource, Projection, SpikeRecord, StateRecord,
    WeightRecord,
)
from neurobench.core.plasticity import STDP, TsodyksMarkram  # noqa: E402

__all__ = ["LIFParameters", "Network", "Population", "SpikeSource", "Projection",
           "SpikeRecord", "StateRecord", "WeightRecord", "STDP", "TsodyksMarkram"]
