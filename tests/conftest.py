"""Test configuration: strict JAX, shared compilations, a headless matplotlib, tests/ importable."""

import getpass
import os
import tempfile

import jax
import matplotlib

# Silent broadcasting between arrays of different rank is a bug here.
jax.config.update("jax_numpy_rank_promotion", "raise")
# Many tests build new closures over the same math, and jit then compiles the same program again;
# a persistent compilation cache shared by the test processes (and kept for the next run) compiles
# it once. The cache keys on the program, the XLA flags and the jaxlib build, never on a closure.
jax.config.update("jax_compilation_cache_dir", os.environ.get("LESSON_LIB_TEST_JAX_CACHE") or os.path.join(
    tempfile.gettempdir(), f"lesson-lib-test-jax-{getpass.getuser()}"))
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
