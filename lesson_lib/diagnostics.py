"""The old home of lesson 03's and lesson 07's diagnostics; the names now live in three modules.

- `lesson_lib.curvature`: `sharpness`, `max_stable_lr` (and `hessian`);
- `lesson_lib.range_test`: `lr_range_test`, `LRRangeResult`, `DIVERGENCE_FACTOR`;
- `lesson_lib.curves`: `smoothed_losses`, `diagnose`, `Diagnosis`,
  `sweep_outcomes`, `Outcomes`, `boundaries`, `Boundaries`.

They are re-exported here so that older callers keep working; new code imports
them from their homes.
"""

from lesson_lib.curvature import max_stable_lr, sharpness
from lesson_lib.curves import (
    Boundaries,
    Diagnosis,
    Outcomes,
    boundaries,
    diagnose,
    smoothed_losses,
    sweep_outcomes,
)
from lesson_lib.range_test import DIVERGENCE_FACTOR, LRRangeResult, lr_range_test

__all__ = [
    "sharpness",
    "max_stable_lr",
    "DIVERGENCE_FACTOR",
    "LRRangeResult",
    "smoothed_losses",
    "lr_range_test",
    "Diagnosis",
    "diagnose",
    "Outcomes",
    "sweep_outcomes",
    "Boundaries",
    "boundaries",
]
