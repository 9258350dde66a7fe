"""Build of the compiled kernels (the rest of the metadata is in pyproject.toml)."""

import os
import platform

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

NPY_RANDOM_LIB = os.path.join(os.path.dirname(np.__file__), "random", "lib")
COMPILE_ARGS = ["-O3"]  # no -ffast-math: results must match Brian2 to rounding
# The LIF core: OpenMP for its threaded membrane update; no FMA contraction (bitwise results);
# -fno-trapping-math lets the compiler vectorise the branch-free updates (no result changes).
# -march=native (x86-64: AVX2 vectors; set NEUROBENCH_PORTABLE=1 for a portable build).
CORE_ARGS = COMPILE_ARGS + ["-fopenmp", "-ffp-contract=off", "-fno-trapping-math"]
if platform.machine() in ("x86_64", "AMD64") and not os.environ.get("NEUROBENCH_PORTABLE"):
    CORE_ARGS.append("-march=native")

extensions = [
    Extension(
        "neurobench.core._engine",
        ["neurobench/core/_engine.pyx"],
        include_dirs=[np.get_include(), "neurobench/core"],
        # numpy's random distributions (C API): Poisson sources drawn in compiled code
        library_dirs=[NPY_RANDOM_LIB],
        libraries=["npyrandom"],
        extra_compile_args=CORE_ARGS,
        extra_link_args=["-fopenmp"],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    ),
    Extension(
        "neurobench.benchmarks._probe",
        ["neurobench/benchmarks/_probe.pyx"],
        include_dirs=[np.get_include()],
        library_dirs=[NPY_RANDOM_LIB],       # the exponential draw of the Poisson probe
        libraries=["npyrandom"],
        extra_compile_args=CORE_ARGS,
        extra_link_args=["-fopenmp"],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    ),
    Extension(
        "neurobench.data._level_crossing",
        ["neurobench/data/_level_crossing.pyx"],
        include_dirs=[np.get_include()],
        extra_compile_args=COMPILE_ARGS,
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    ),
    Extension(
        "neurobench.dynapse._kernel",
        ["neurobench/dynapse/_kernel.pyx"],
        include_dirs=[np.get_include(), "neurobench/dynapse"],
        depends=["neurobench/dynapse/_dynapse_kernels.h"],
        # vector passes as for the LIF core: no FMA contraction (a neuron's result does not
        # depend on the path or build that computed it), selects permitted, native vectors;
        # OpenMP for the chips run on parallel threads (Board.threads)
        extra_compile_args=CORE_ARGS,
        extra_link_args=["-fopenmp"],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    ),
]

setup(ext_modules=cythonize(extensions, compiler_directives={"language_level": "3"}))
