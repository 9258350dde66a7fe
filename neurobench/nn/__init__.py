"""Torch spiking layers: the talk's discretised LIF as a recurrent ANN, trained with surrogate
gradients.

    u[t+1] = α u[t] + β I[t] + μ,      S[t+1] = H(u[t+1] − u_thr),      u → u_reset where S = 1

``surrogate`` holds the spike nonlinearity (Heaviside forward, smooth derivative backward),
``functional`` the pure step functions, ``modules`` the ``nn.Module`` wrappers.
"""

from neurobench.nn.surrogate import spike, SURROGATES
from neurobench.nn.functional import LIFParameters, LIFState, lif_step, alpha_from_tau
from neurobench.nn.modules import LIF, RecurrentLIF, LIFReadout

__all__ = ["spike", "SURROGATES", "LIFParameters", "LIFState", "lif_step", "alpha_from_tau",
           "LIF", "RecurrentLIF", "LIFReadout"]
