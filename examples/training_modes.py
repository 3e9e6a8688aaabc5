"""Stochastic, batch and mini-batch training on XOR, side by side.

The article's three ways to apply Δw (its "Stochastic, batch, mini-batch" section):

* stochastic (online): ``batch_size=1`` -- update after every sample (4 per epoch);
* batch: ``batch_size=None`` -- one update per epoch from all 4 samples;
* mini-batch: ``batch_size=2`` -- the *samples* are split into groups of 2 (the
  article says "weights", a slip) and the weights are updated once per group.

All use the article's hyperparameters (E=0.7, α=0.3), the same 2-4-1 sigmoid net and
seed, and ``reduction="sum"``: a batch's step is the *sum* of its samples' Δw, as
in the article (``reduction="mean"`` would divide it by the batch size). With the
mse, the article's E is ``lr = lr_for(0.7, reduction="sum") = 0.35``. Each run
stops when the error (mean squared error over the 4 samples) is below 0.01.
Run: ``python examples/training_modes.py``.
"""

from __future__ import annotations

import time

from micrograd_nn.data import xor
from micrograd_nn.diagnose import diagnose
from micrograd_nn.nn import MLP
from micrograd_nn.notation import lr_for
from micrograd_nn.train import History, fit, predict

MODES = {"stochastic": 1, "batch": None, "mini-batch": 2}
TARGET = 0.01


def run(mode: str, seed: int = 0, epochs: int = 3000, lr: float = lr_for(0.7, reduction="sum"),
        momentum: float = 0.3) -> tuple[MLP, History]:
    """Train a fresh 2-4-1 sigmoid net on XOR in one mode; returns (net, history)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {list(MODES)}, got {mode!r}")
    X, y = xor()
    net = MLP(2, [4], 1, seed=seed, init="uniform")
    hist = fit(net, X, y, loss="mse", lr=lr, momentum=momentum, epochs=epochs,
               batch_size=MODES[mode], reduction="sum", seed=seed, target_error=TARGET,
               verbose=0)
    return net, hist


def main() -> None:
    X, y = xor()
    print(f"XOR, 2-4-1 sigmoid net, E=0.7, α=0.3, stop at error < {TARGET}\n")
    print(f"{'mode':<12}{'epochs':>7}{'updates':>9}{'error':>11}{'seconds':>9}   outputs")
    for mode, bs in MODES.items():
        t = time.perf_counter()
        net, h = run(mode)
        secs = time.perf_counter() - t
        per_epoch = 4 if bs == 1 else 1 if bs is None else 4 // bs
        outs = " ".join(f"{v:.2f}" for v in predict(net, X).ravel())
        print(f"{mode:<12}{h.epochs:>7}{h.epochs * per_epoch:>9}{h.loss[-1]:>11.6f}"
              f"{secs:>9.2f}   {outs}   ({h.stop_reason}; {diagnose(h).kinds[0]})")
    print(f"\ntargets: {' '.join(f'{v:.2f}' for v in y.ravel())}")


if __name__ == "__main__":
    main()
