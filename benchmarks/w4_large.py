"""W4 large: MLP 784-512-512-10, batch 128, 50 steps on random float32 data per call.

Sigmoid hidden (as W3), linear output, MSE on one-hot targets, SGD momentum 0.9,
lr 0.01. Big matrix products: overheads should vanish next to the GEMMs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from common import Target
from tensor_mlp import Step, tensor_bench

SIZES = [784, 512, 512, 10]
BATCH, STEPS = 128, 50  # --quick: 10 steps
LR, MOMENTUM = 0.01, 0.9


def steps(step: Step, d: dict, quick: bool) -> Callable[[], list[float]]:
    """A function running the same batches again (random data, made in the child)."""
    n = 10 if quick else STEPS
    rng = np.random.default_rng(1)
    X = rng.standard_normal((n, BATCH, SIZES[0]), dtype=np.float32)
    T = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], (n, BATCH))]
    return lambda: [step(x, t) for x, t in zip(X, T, strict=True)]


BENCHES = [tensor_bench(
    "W4", f"W4 large: {STEPS} steps (--quick 10), MLP 784-512-512-10, batch {BATCH}",
    f"{STEPS} steps", SIZES, LR, MOMENTUM, steps,
    raw=Target(1.1), nn=Target(1.1), number=1, repeat=3)]
