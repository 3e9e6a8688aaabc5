"""W4 large: MLP 784-512-512-10, batch 128, 50 steps on random float32 data.

Sigmoid hidden (as W3), linear output, MSE on one-hot targets, SGD momentum 0.9,
lr 0.01. Big matrix products: overheads should vanish next to the GEMMs.
"""

from __future__ import annotations

import numpy as np
from common import check_losses, measure, ratio, table, target
from tensor_mlp import init_params, make_all

SIZES = [784, 512, 512, 10]
BATCH, STEPS = 128, 50
LR, MOMENTUM = 0.01, 0.9
LIMIT = 1.1  # micrograd_nn / numpy floor


def run(quick: bool) -> list[str]:
    steps_n = 10 if quick else STEPS
    rng = np.random.default_rng(1)
    X = rng.standard_normal((steps_n, BATCH, SIZES[0]), dtype=np.float32)
    T = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], (steps_n, BATCH))]
    params = init_params(SIZES)
    runs = {name: (lambda s=s: [s(x, t) for x, t in zip(X, T, strict=True)])
            for name, s in make_all(params, LR, MOMENTUM).items()}
    lines = []
    # Correctness (and warm-up): the losses of the first run must agree.
    if not check_losses("W4", {n: r() for n, r in runs.items()}, rtol=1e-4):
        lines.append("W4: LOSS MISMATCH")
    times = measure(runs, repeats=3 if quick else 7, warmup=0)
    table(f"W4 large: {steps_n} steps, MLP 784-512-512-10, batch {BATCH}",
          times, "numpy, hand backprop")
    for name in times:
        if name.startswith("micrograd_nn"):
            lines.append(target(f"W4 {name} / numpy floor",
                                ratio(times[name], times["numpy, hand backprop"]), LIMIT))
    return lines
