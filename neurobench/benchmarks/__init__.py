"""Speed benchmarks of the core against Brian2 (cython runtime, C++ standalone) and NEST.

``networks`` specifies the networks once (Brette et al. 2007 CUBA/COBA, Song et al. 2000 STDP);
``engines`` builds and runs them on each simulator; ``runner`` runs one case in a fresh process
(so that peak memory and compilation are measured per case) and gathers the table.
"""
