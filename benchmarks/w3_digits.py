"""W3 tensor: MLP 64-128-64-10 on sklearn's 8x8 digits, one shuffled epoch per call.

Sigmoid hidden, linear output, MSE on one-hot targets, float32, SGD momentum 0.9,
lr 0.1; batch 32 and batch 256 (the last, partial batch included). Every
implementation sees the same permutations, in the same order.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from common import Target
from tensor_mlp import Step, tensor_bench

SIZES = [64, 128, 64, 10]
LR, MOMENTUM = 0.1, 0.9
# time / numpy floor, per batch size: the raw engine and what a user writes
LIMITS = {32: (1.5, 1.3), 256: (1.2, 1.15)}


def data(quick: bool) -> dict[str, np.ndarray]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = (digits.data / 16.0).astype(np.float32)
    T = np.eye(10, dtype=np.float32)[digits.target]
    return {"X": X, "T": T}


def epochs(step: Step, X: np.ndarray, T: np.ndarray, bs: int) -> Callable[[], list[float]]:
    """A function running one more shuffled epoch; returns the batch losses."""
    rng = np.random.default_rng(0)  # one per implementation: the same shuffles for all

    def epoch() -> list[float]:
        perm = rng.permutation(len(X))
        return [step(X[idx], T[idx]) for idx in (perm[i:i + bs] for i in range(0, len(X), bs))]

    return epoch


BENCHES = [tensor_bench(
    f"W3 b{bs}", f"W3 tensor: one epoch of digits (1,797 x 64), MLP 64-128-64-10, batch {bs}",
    "epoch", SIZES, LR, MOMENTUM, lambda step, d, quick, bs=bs: epochs(step, d["X"], d["T"], bs),
    raw=Target(raw), nn=Target(nn), number=4, repeat=3, data=data)
    for bs, (raw, nn) in LIMITS.items()]
