"""W3 tensor: MLP 64-128-64-10 on sklearn's 8x8 digits, one shuffled epoch per sample.

Sigmoid hidden, linear output, MSE on one-hot targets, float32, SGD momentum 0.9,
lr 0.1; batch 32 and batch 256 (the last, partial batch included). Every
implementation sees the same permutations, in the same order.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from common import check_losses, measure, ratio, table, target
from tensor_mlp import Step, init_params, make_all

SIZES = [64, 128, 64, 10]
LR, MOMENTUM = 0.1, 0.9
LIMITS = {32: 1.5, 256: 1.3}  # micrograd_nn / numpy floor


def data() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = (digits.data / 16.0).astype(np.float32)
    T = np.eye(10, dtype=np.float32)[digits.target]
    return X, T


def epochs(step: Step, X: np.ndarray, T: np.ndarray, bs: int) -> Callable[[], list[float]]:
    """A function running one more shuffled epoch; returns the batch losses."""
    rng = np.random.default_rng(0)  # one per implementation: the same shuffles for all

    def epoch() -> list[float]:
        perm = rng.permutation(len(X))
        return [step(X[idx], T[idx]) for idx in (perm[i:i + bs] for i in range(0, len(X), bs))]

    return epoch


def run(quick: bool) -> list[str]:
    X, T = data()
    params = init_params(SIZES)
    lines = []
    for bs, limit in LIMITS.items():
        runs = {name: epochs(s, X, T, bs) for name, s in make_all(params, LR, MOMENTUM).items()}
        # Correctness (and warm-up): the first epoch's batch losses must agree.
        if not check_losses(f"W3 batch {bs}", {n: e() for n, e in runs.items()}, rtol=1e-4):
            lines.append(f"W3 batch {bs}: LOSS MISMATCH")
        times = measure(runs, repeats=5 if quick else 15, number=1 if quick else 2, warmup=0)
        table(f"W3 tensor: one epoch of digits (1,797 x 64), MLP 64-128-64-10, batch {bs}",
              times, "numpy, hand backprop")
        for name in times:
            if name.startswith("micrograd_nn"):
                lines.append(target(f"W3 batch {bs} {name} / numpy floor",
                                    ratio(times[name], times["numpy, hand backprop"]), limit))
    return lines
