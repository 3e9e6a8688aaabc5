"""Overfitting, and two cures: early stopping and L2 weight decay.

Ten noisy samples of sin(x) (noise σ = 0.3) and a network far too big for them:
1-32-32-1 (tanh hidden layers, linear output, ~1,100 weights). A second, independent
noisy sample of 41 points is the validation set: the network never trains on it.
Trained long enough (1,500 batch epochs of SGD, lr=0.05, momentum 0.9) the network
memorises the noise: the training error falls towards 0 while the validation error
rises again, and between the training points the fitted curve wiggles (the
article's "red apples only" network). Two fixes, each from the same start:

* early stopping: ``fit(..., callbacks=[EarlyStopping(patience=50)])`` stops once
  the validation error has not improved for 50 epochs and puts back the weights of
  its best epoch;
* L2 weight decay: ``SGD(..., weight_decay=0.01)`` adds ``0.01·w`` to every gradient,
  pulling the weights towards 0, so the curve stays smooth.

Run: ``python examples/overfitting.py [out]`` (figure in ``out/``, default ./out).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from micrograd_nn.data import sine
from micrograd_nn.diagnose import diagnose
from micrograd_nn.nn import MLP
from micrograd_nn.optim import SGD
from micrograd_nn.train import EarlyStopping, History, evaluate, fit, predict

try:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
except ImportError:  # figures are optional
    Figure = None

SEED, EPOCHS = 5, 1500
X, Y = sine(n=10, noise=0.3, seed=15)  # training: 10 noisy points
XV, YV = sine(n=41, noise=0.3, seed=25)  # validation: 41 other noisy points
XC = np.linspace(-np.pi, np.pi, 301).reshape(-1, 1)  # to compare with the true sin(x)
RUNS = {"plain": {}, "early stopping": {"early_stopping": 50},
        "weight decay 0.01": {"weight_decay": 0.01}}


def train(early_stopping: int = 0, weight_decay: float = 0.0) -> tuple[MLP, History]:
    """The big net from seed SEED, trained on (X, Y), validated on (XV, YV);
    ``early_stopping``: a patience in epochs (0: none)."""
    net = MLP(1, [32, 32], 1, activation="tanh", output_activation=None, seed=SEED)
    opt = SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=weight_decay)
    stop = [EarlyStopping(patience=early_stopping)] if early_stopping else []
    hist = fit(net, X, Y, optimizer=opt, epochs=EPOCHS, batch_size=None,
               validation_data=(XV, YV), callbacks=stop, seed=SEED, verbose=0)
    return net, hist


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="out", help="folder for the figure")
    out = Path(parser.parse_args(argv).out)
    n_weights = sum(np.size(p.data) for p in MLP(1, [32, 32], 1).parameters())
    print(f"{len(X)} noisy training points of sin(x), {len(XV)} validation points; "
          f"a 1-32-32-1 tanh net ({n_weights} weights)\n")
    print(f"{'run':<19}{'epochs':>7}{'train error':>13}{'val error':>11}"
          f"{'error vs sin(x)':>17}   diagnosis")
    print("(errors of each final model, MSE; 'error vs sin(x)': against the noise-free curve "
          "over [-π, π])")
    runs = {}
    for name, kw in RUNS.items():
        net, h = train(**kw)
        runs[name] = (net, h)
        # the errors of the model as it ends (early stopping: the restored best weights)
        true_err = float(np.mean((predict(net, XC) - np.sin(XC)) ** 2))
        print(f"{name:<19}{h.epochs:>7}{evaluate(net, X, Y):>13.4f}{evaluate(net, XV, YV):>11.4f}"
              f"{true_err:>17.4f}   {', '.join(diagnose(h).kinds)}")
    plain, stopped = runs["plain"][1], runs["early stopping"][1]
    print(f"\nplain run: {diagnose(plain).get('overfitting')[0]}")
    print(f"\nearly stopping: stopped at epoch {stopped.epochs} and restored the weights of "
          f"epoch {stopped.best_epoch} (restored={stopped.restored}); its diagnosis reads "
          "the whole recorded curve, whose training error was still falling.")
    print("weight decay: trains all the epochs, but the validation error no longer rises "
          "much and the curve stays close to sin(x).")
    print("\nThe noise floor: even sin(x) itself has a validation error of "
          f"{float(np.mean((np.sin(XV) - YV) ** 2)):.4f} on these noisy points.")

    if Figure is None:
        print("matplotlib is not installed: skipping the figure (pip install matplotlib)")
        return
    fig = Figure(figsize=(12, 7.5), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 3, sharey="row")
    for col, (name, (net, h)) in enumerate(runs.items()):
        top, bottom = axes[0, col], axes[1, col]
        epochs = range(len(h.loss) + 1)
        top.plot(epochs, [h.initial_loss] + h.loss, color="#1c7ed6", lw=1.8, label="training")
        top.plot(epochs, [h.initial_val_loss] + h.val_loss, color="#e8590c", lw=1.8, ls="--",
                 label="validation")
        best = int(np.argmin(h.val_loss)) + 1
        top.axvline(best, color="gray", ls=":", lw=1)
        top.text(best, 0.9, f" best val: epoch {best}", transform=top.get_xaxis_transform(),
                 fontsize=8, color="gray")
        title = (f"{name} at epoch {h.epochs} (epoch {h.best_epoch} restored)" if h.restored
                 else f"{name}: {', '.join(diagnose(h).kinds)}")
        top.set(yscale="log", xlabel="epoch")
        top.set_title(title, fontsize=10)
        top.grid(True, alpha=0.3, which="both")
        bottom.plot(XC, np.sin(XC), color="#343a40", lw=1.5, ls=":", label="true sin(x)")
        bottom.plot(XC, predict(net, XC), color="#2f9e44", lw=2, label="network")
        bottom.scatter(XV, YV, s=14, color="#e8590c", alpha=0.6, label="validation points")
        bottom.scatter(X, Y, s=50, color="#1c7ed6", edgecolors="black", zorder=3,
                       label="training points")
        bottom.set(xlabel="x", ylim=(-2.2, 2.2),
                   title="the restored best epoch" if h.restored else f"after {h.epochs} epochs")
        bottom.grid(True, alpha=0.3)
    axes[0, 0].set_ylabel("error (MSE)")
    axes[1, 0].set_ylabel("y")
    axes[0, 0].legend()
    axes[1, 0].legend(fontsize=8, loc="lower right")
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / "overfitting.png", dpi=100)
    print(f"figure: {out / 'overfitting.png'}")


if __name__ == "__main__":
    main()
