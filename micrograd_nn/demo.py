"""`micrograd-nn demo`: train the article's XOR network the article's way, then draw it.

The network is the article's 2-2-1 sigmoid net plus bias neurons; training is
stochastic (one update per sample) with the article's rule
`Δw = E·GRAD + α·Δw_prev`, E = 0.7, α = 0.3. GRAD is `−∂(½·SE)/∂w` and, for one
output and one sample, `∂MSE/∂w = 2·∂(½·SE)/∂w`; so minimising the article's error,
the MSE, with `lr = E/2` takes exactly the article's steps, and every error printed
(progress, diagnosis) is the article's MSE.
For comparison the same run without bias neurons is reported in one line.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any, cast

import numpy as np

from .data import xor
from .diagnose import diagnose
from .engine import Value
from .losses import mse
from .neurons import NeuronNet
from .nn import MLP
from .notation import ARTICLE_ALPHA, ARTICLE_E, lr_for
from .report import Snapshots, write_report
from .train import Callback, fit, predict
from .viz import draw_graph, draw_network, render

E, ALPHA, TARGET_MSE = ARTICLE_E, ARTICLE_ALPHA, 0.01


class _Progress(Callback):
    """Print the article's error every `every` epochs (to stdout, TTY or not)."""

    def __init__(self, every: int) -> None:
        self.every = every

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        if epoch == 1 or epoch % self.every == 0:
            print(f"  epoch {epoch:5d}   error (MSE) {logs['loss']:.6f}")


def _train(model: Any, X: np.ndarray, y: np.ndarray, epochs: int, seed: int,
           callbacks: tuple = ()) -> Any:
    return fit(model, X, y, loss="mse", lr=lr_for(E), momentum=ALPHA, epochs=epochs,
               batch_size=1, seed=seed, target_error=TARGET_MSE, callbacks=callbacks,
               verbose=0)


def run_demo(out: Path, epochs: int = 3000, seed: int = 0, fmt: str = "png",
             verbose: bool = True) -> dict[str, Path]:
    """Train, diagnose and draw; return the paths written (graph, network, loss curve,
    each as `fmt`: "png", "svg" or "pdf"; and report.html, the live report)."""
    say = print if verbose else (lambda *a, **k: None)
    X, y = xor()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    say("The article's XOR network: 2 inputs, 2 hidden sigmoid neurons, 1 sigmoid output,")
    say(f"with bias neurons; stochastic training, E={E}, α={ALPHA}, until MSE < {TARGET_MSE}.")
    model = MLP(2, [2], 1, activation="sigmoid", output_activation="sigmoid", bias=True,
                seed=seed)
    snaps = Snapshots(model, max_snapshots=40)  # the weights as they learn, for the report
    hist = _train(model, X, y, epochs, seed, ((_Progress(100),) if verbose else ()) + (snaps,))
    print(f"trained in {hist.epochs} epochs ({hist.stop_reason}): error (MSE) "
          f"{hist.loss[-1]:.6f}")
    for x, o, t in zip(X, predict(model, X), y, strict=True):
        say(f"  {int(x[0])} xor {int(x[1])} = {o[0]:.4f}   (ideal {int(t[0])})")
    say("Diagnosis:")
    say("  " + str(diagnose(hist, model=model, X=X)).replace("\n", "\n  "))

    plain = NeuronNet.article_xor().to_mlp()  # the article's own weights, no bias neurons
    h0 = _train(plain, X, y, epochs, seed)
    say(f"Without bias neurons (the article's own start weights): error (MSE) "
        f"{h0.loss[-1]:.6f} after {h0.epochs} epochs -- bias neurons are a hyperparameter "
        "worth trying.")

    written = {}
    h = Value(X[1:3], "x: samples 0,1 and 1,0", requires_grad=False)
    for k, name in enumerate(("hidden layer input", "hidden layer output",
                              "output layer input", "output O1")):
        h = model[k](h)
        h.label = name
    loss = mse(h, y[1:3])
    loss.label = "error (MSE)"
    loss.backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        written["graph"] = render(draw_graph(loss), out / f"computation_graph.{fmt}")
        written["network"] = render(draw_network(model, x=X[2]), out / f"network.{fmt}")
    for w in caught[:1]:
        print(str(w.message), file=sys.stderr)
    try:
        from .plots import plot_history

        fig = plot_history(hist, path=out / f"loss_curve.{fmt}")
        written["loss_curve"] = out / f"loss_curve.{fmt}"
        _close(fig)
    except ImportError as e:
        print(f"loss curve skipped: {e}", file=sys.stderr)
    # the article's sample 1, 0 (X[2]) in the report's backprop stepper
    page = write_report(out / "report.html", model, hist, X, y, sample=2, snapshots=snaps)
    written["report"] = cast(Path, page.path)  # not None: the report was given a path
    for kind, path in written.items():
        print(f"wrote {path}  ({kind.replace('_', ' ')})")
    return written


def _close(fig: Any) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)
