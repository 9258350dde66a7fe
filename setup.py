"""Build of the compiled kernels (the rest of the metadata is in pyproject.toml)."""

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

COMPILE_ARGS = ["-O3"]  # no -ffast-math: results must match Brian2 to rounding

extensions = [
    Extension(
        "neurobench.core._engine",
        ["neurobench/core/_engine.pyx"],
        include_dirs=[np.get_include()],
        extra_compile_args=COMPILE_ARGS,
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    ),
    Extension(
        "neurobench.data._level_crossing",
        ["neurobench/data/_level_crossing.pyx"],
        include_dirs=[np.get_include()],
        extra_compile_args=COMPILE_ARGS,
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    ),
]

setup(ext_modules=cythonize(extensions, compiler_directives={"language_level": "3"}))
