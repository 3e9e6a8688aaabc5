"""A custom model from raw Value operations: a radial-basis-function (RBF) network.

Not an MLP: each of K hidden units has a centre ``c_k`` (a point in the plane) and a
width ``s_k``, and responds to how close the input is to its centre:

    φ_k(x) = exp(−|x − c_k|² / (2·s_k²)),    y = σ(Σ_k w_k·φ_k(x) + b)

The model is a ``Module`` subclass whose parameters are plain Values (centres, log of
the widths, output weights, bias) and whose forward pass is written with ordinary
Value operations (broadcasting, ``sum``, ``exp``, ``@``, ``sigmoid``). Autodiff
gives the gradients of all four, including the centres: training moves the
centres to where they are useful. The script

1. checks those gradients against central differences (``gradcheck``),
2. trains the model on ``data.circles`` (a ring around a disc) with ``optim.Adam``
   in a hand-written loop, printing error and accuracy,
3. draws the computation graph of the loss on four samples (``viz.draw_graph``)
   and the learned decision boundary with the centres.

Run: ``python examples/custom_model.py [out]`` (figures in ``out/``, default ./out).
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np

from micrograd_nn import Value
from micrograd_nn.data import circles
from micrograd_nn.gradcheck import gradcheck
from micrograd_nn.losses import mse
from micrograd_nn.nn import Module
from micrograd_nn.optim import Adam
from micrograd_nn.plots import PlotDependencyError, plot_decision_boundary
from micrograd_nn.train import predict
from micrograd_nn.viz import draw_graph, render


def rbf(x: np.ndarray, centres: Value, log_width: Value, weight: Value,
        bias: Value) -> Value:
    """x: shape (n, d); centres (K, d); log_width (K,); weight (K, 1); bias scalar
    -> shape (n, 1). Written as a plain function of its parameters so that
    gradcheck can call it with perturbed copies."""
    diff = x[:, None, :] - centres  # (n, 1, d) - (K, d) -> (n, K, d)
    sq = (diff * diff).sum(axis=2)  # squared distances, (n, K)
    phi = (-sq / ((log_width * 2.0).exp() * 2.0)).exp()  # exp(-|x-c|² / 2s²), (n, K)
    return (phi @ weight + bias).sigmoid()  # (n, 1)


class RBFNet(Module):
    """An RBF network with ``k`` units on ``nin`` inputs; parameters are Values, so
    ``parameters()``, ``zero_grad()``, optimizers and ``train.predict`` all work."""

    def __init__(self, k: int, nin: int = 2, seed: int = 0) -> None:
        super().__init__()
        rng = np.random.default_rng(seed)
        self.centres = Value(rng.uniform(-1, 1, (k, nin)), "centres")
        self.log_width = Value(np.full(k, np.log(0.5)), "log_width")  # widths start at 0.5
        self.weight = Value(rng.normal(0.0, 1.0, (k, 1)), "weight")
        self.bias = Value(0.0, "bias")

    def forward(self, x: np.ndarray) -> Value:
        x = np.asarray(x, dtype=np.float64).reshape(-1, self.centres.shape[1])
        return rbf(x, self.centres, self.log_width, self.weight, self.bias)


def accuracy(model: RBFNet, X: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((predict(model, X) > 0.5) == (y > 0.5)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="out", help="folder for the figures")
    out = Path(parser.parse_args(argv).out)
    X, y = circles(n=120, noise=0.08, factor=0.5, seed=0)
    model = RBFNet(k=4, seed=0)
    print(f"RBF network, 4 units, {sum(np.size(p.data) for p in model.parameters())} "
          f"parameters: {', '.join(n for n, _ in model.named_parameters())}")

    # 1. gradients of the loss on a few samples, all parameters, against central differences
    report = gradcheck(lambda c, s, w, b: mse(rbf(X[:8], c, s, w, b), y[:8]),
                       *model.parameters())
    print(report)

    # 2. train: the usual loop, nothing model-specific in it
    opt = Adam(model.parameters(), lr=0.05)
    print(f"\ncircles: {len(X)} points, class 1 = the inner disc; Adam lr=0.05, batch mode")
    print(f"{'step':>5}{'error':>9}{'accuracy':>10}")
    for step in range(301):
        opt.zero_grad()
        loss = mse(model(X), y)
        loss.backward()
        if step % 50 == 0:
            print(f"{step:>5}{loss.item():>9.4f}{accuracy(model, X, y):>10.1%}")
        opt.step()
    print("learned centres:", np.round(model.centres.data, 2).tolist())
    print("learned widths: ", np.round(np.exp(model.log_width.data), 2).tolist())
    print("learned weights:", np.round(model.weight.data.ravel(), 2).tolist(),
          f"bias {model.bias.data:.2f}")
    print("A unit with a large positive weight sits on the inner disc; negative ones "
          "push the ring towards class 0.")

    # 3. pictures: the graph of one loss, then the boundary with the centres
    model.zero_grad()
    small = mse(model(X[:4]), y[:4])
    small.label = "loss (4 samples)"
    small.backward()
    with warnings.catch_warnings(record=True) as caught:  # no `dot`: a .dot file instead
        warnings.simplefilter("always")
        path = render(draw_graph(small, rankdir="TB"), out / "custom_model_graph.png")
    print(f"\ncomputation graph: {path}" + "".join(f" ({w.message})" for w in caught))
    try:
        fig = plot_decision_boundary(model, X, y, margin=0.8, title="RBF network on circles "
                                     f"(accuracy {accuracy(model, X, y):.0%})")
    except PlotDependencyError:
        print("matplotlib is not installed: skipping the figure (pip install matplotlib)")
        return
    ax = fig.axes[0]
    c = model.centres.data
    ax.scatter(c[:, 0], c[:, 1], marker="X", s=220, color="#fab005", edgecolors="black",
               zorder=5, label="learned centres")
    ax.legend(loc="upper right", fontsize=8)
    fig.savefig(out / "custom_model.png", dpi=120)
    print(f"figure: {out / 'custom_model.png'}")


if __name__ == "__main__":
    main()
