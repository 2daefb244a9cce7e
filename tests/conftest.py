"""Test configuration: strict JAX, a headless matplotlib, tests/ importable."""

import os

import jax
import matplotlib

# Silent broadcasting between arrays of different rank is a bug here.
jax.config.update("jax_numpy_rank_promotion", "raise")
matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
