"""Test configuration: strict JAX, a headless matplotlib."""

import os

import jax
import matplotlib

# Silent broadcasting between arrays of different rank is a bug here.
jax.config.update("jax_numpy_rank_promotion", "raise")
matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")
