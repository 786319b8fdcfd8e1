"""One BLAS thread for llmtutor's numpy, unless the learner asked for more.

numpy's wheels bring OpenBLAS, which starts a thread per core and hands every matrix product to
them. llmtutor's products are tiny (a 2 × 2 Hessian, a 6-parameter moment map, a model of a
few thousand weights), so the hand-off is all the threads add, and in `learn` they take the
second core from the event loop while a playground computes. Measured on the 2-core
development machine, lesson 22's playground (300 SGD steps and the exact moments): 18.1 ms
with OpenBLAS's threads, 10.9 ms with one; the capstone's training the same within noise.

`one_thread()` sets OPENBLAS_NUM_THREADS (and MKL's and OpenMP's, for other builds) to 1 where
the environment does not set them; it must run before numpy is imported, which is why the
entry point (`tutor.cli.app.main`) calls it first (no command imports numpy before it).
"""

from __future__ import annotations

import os

VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def one_thread() -> None:
    """BLAS on one thread, for the numpy this process will import (a value already set wins)."""
    for name in VARIABLES:
        os.environ.setdefault(name, "1")
