"""The learning rate: too small, about right, too large, on XOR, each diagnosed.

The same 2-3-1 sigmoid net (same seed, same start) is trained the article's way
(stochastic, momentum 0.3, 500 epochs) with three learning rates:

* 0.01 -- too small: each step barely moves the weights, the error hardly falls;
* 0.7  -- about right (the article suggests 0.3-0.7 for XOR): the error falls to ~0;
* 30   -- too large: the first steps overshoot and throw the output neuron into
  saturation (every output 1.00), where the sigmoid's slope (1 - out)·out is ~0:
  the error climbs to 0.5 and no gradient is left to bring it back.

``diagnose(history)`` reads each error curve the way the article asks (falling?
jumping? frozen?) and prints its finding and first advice.

Run: ``python examples/learning_rates.py [out]`` (figure in ``out/``, default ./out).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from micrograd_nn.data import xor
from micrograd_nn.diagnose import diagnose
from micrograd_nn.nn import MLP
from micrograd_nn.train import History, fit, predict

try:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
except ImportError:  # figures are optional
    Figure = None

RATES = {0.01: "too small", 0.7: "about right", 30.0: "too large"}
SEED, EPOCHS = 0, 500


def train(lr: float) -> tuple[MLP, History]:
    """A fresh 2-3-1 sigmoid net (always the same start) trained on XOR with ``lr``."""
    X, y = xor()
    net = MLP(2, [3], 1, seed=SEED, init="uniform")
    hist = fit(net, X, y, lr=lr, momentum=0.3, epochs=EPOCHS, batch_size=1, seed=SEED,
               verbose=0)
    return net, hist


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="out", help="folder for the figure")
    out = Path(parser.parse_args(argv).out)
    X, _ = xor()
    print(f"XOR, 2-3-1 sigmoid net (seed {SEED}), stochastic, momentum 0.3, {EPOCHS} epochs\n")
    runs = {}
    for lr, what in RATES.items():
        net, h = train(lr)
        runs[lr] = h
        finding = diagnose(h).findings[0]
        biggest = max(float(np.abs(p.data).max()) for p in net.parameters())
        outs = " ".join(f"{v:.2f}" for v in predict(net, X).ravel())
        print(f"lr={lr:g} ({what}): error {h.initial_loss:.4f} -> {h.loss[-1]:.4f}, "
              f"largest |weight| {biggest:.1f}, outputs {outs} (targets 0 1 1 0)")
        print(f"  diagnosis: {finding.kind}: {finding.message}")
        print(f"  advice:    {finding.advice[0]}\n")
    print("Too small a rate is frozen (stalled), a good one converges, too large a one "
          "diverges (here: the output sigmoid saturates at 1 for every sample, its slope "
          "is ~0 and the error stays at 0.5). Pick the largest rate that still converges.")

    if Figure is None:
        print("matplotlib is not installed: skipping the figure (pip install matplotlib)")
        return
    fig = Figure(figsize=(7.5, 4.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for (lr, what), colour in zip(RATES.items(), ("#fab005", "#2f9e44", "#e03131"),
                                  strict=True):
        h = runs[lr]
        kind = diagnose(h).kinds[0]
        ax.plot(range(len(h.loss) + 1), [h.initial_loss] + h.loss, color=colour, lw=2,
                label=f"lr={lr:g} ({what}): {kind}")
    ax.set_yscale("log")
    ax.set(xlabel="epoch", ylabel="error (MSE over the 4 samples)",
           title="XOR with three learning rates, same start")
    ax.grid(True, alpha=0.3, which="both")
    ax.legend()
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / "learning_rates.png", dpi=110)
    print(f"figure: {out / 'learning_rates.png'}")


if __name__ == "__main__":
    main()
