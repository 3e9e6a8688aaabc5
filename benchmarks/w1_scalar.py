"""W1 scalar: micrograd's demo network, one full-batch training step on scalar Values.

MLP 2-16-16-1 (ReLU hidden, linear output) on 100 two-moons points; SVM hinge loss
mean(relu(1 - y * score)) + 1e-4 * sum(p * p); backward; SGD. As in micrograd's
demo.ipynb, every weight is its own scalar node and the graph is rebuilt each step.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from operator import mul
from typing import Any

import numpy as np
from common import check_losses, measure, peer, ratio, table, target

SIZES = [2, 16, 16, 1]
ALPHA = 1e-4  # L2 regularisation
LR = 0.1


def data() -> tuple[list[list[float]], list[float]]:
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=100, noise=0.1, random_state=1)
    return X.tolist(), (y * 2.0 - 1.0).tolist()  # labels -1 / +1


def init_weights(seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per layer W of shape (nin, nout) (column j = neuron j's weights) and b (nout,)."""
    rng = np.random.default_rng(seed)
    return [(rng.uniform(-1, 1, (a, b)), rng.uniform(-1, 1, b)) for a, b in pairwise(SIZES)]


def svm_loss(scores: list, ys: list[float], params: list) -> Any:
    """micrograd's demo loss, written once for any scalar Value class."""
    losses = [(1 - yi * s).relu() for yi, s in zip(ys, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in params)
    return data_loss + reg_loss


# ---------------------------------------------------------------- micrograd_nn


class ScalarMLP:
    """micrograd's MLP built on micrograd_nn scalar Values: one Value per weight."""

    def __init__(self, weights: list[tuple[np.ndarray, np.ndarray]]) -> None:
        from micrograd_nn import Value

        self.layers = [([[Value(float(w)) for w in col] for col in W.T],
                        [Value(float(v)) for v in b]) for W, b in weights]

    def parameters(self) -> list:
        return [p for ws, bs in self.layers
                for row, b in zip(ws, bs, strict=True) for p in (*row, b)]

    def __call__(self, x: list) -> Any:
        last = len(self.layers) - 1
        for k, (ws, bs) in enumerate(self.layers):
            out = []
            for row, act in zip(ws, bs, strict=True):
                for w, xi in zip(row, x, strict=True):
                    act = act + w * xi
                out.append(act.relu() if k < last else act)
            x = out
        return x[0]


def make_micrograd_nn(weights: list, X: list, Y: list) -> Callable[[], float]:
    model = ScalarMLP(weights)
    params = model.parameters()

    def step() -> float:
        loss = svm_loss([model(x) for x in X], Y, params)
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        return loss.data

    return step


def make_neuron_net(weights: list, X: list, Y: list) -> Callable[[], float] | None:
    """The package's own neuron-level network, ``micrograd_nn.neurons.NeuronNet``."""
    try:
        from micrograd_nn.neurons import NeuronNet
    except ImportError:
        return None
    model = NeuronNet(SIZES[0], SIZES[1:-1], SIZES[-1], activation="relu",
                      output_activation="identity", weights=weights)
    params = model.parameters()

    def step() -> float:
        loss = svm_loss([model(x)[0] for x in X], Y, params)
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        return loss.data

    return step


# ---------------------------------------------------------------- peers


def make_micrograd(weights: list, X: list, Y: list) -> Callable[[], float] | None:
    if peer("micrograd") is None:
        return None
    from micrograd.engine import Value
    from micrograd.nn import MLP

    model = MLP(SIZES[0], SIZES[1:])
    for layer, (W, b) in zip(model.layers, weights, strict=True):
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate(neuron.w):
                w.data = float(W[i, j])
            neuron.b.data = float(b[j])
    params = model.parameters()

    def step() -> float:  # demo.ipynb's loss() and update, with a fixed lr
        inputs = [list(map(Value, row)) for row in X]
        loss = svm_loss(list(map(model, inputs)), Y, params)
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        return loss.data

    return step


def make_floats(weights: list, X: list, Y: list) -> Callable[[], float]:
    """The same step on Python floats with a hand-derived backward: the floor."""
    layers = [([list(map(float, col)) for col in W.T], list(map(float, b))) for W, b in weights]
    last, n = len(layers) - 1, len(X)

    def step() -> float:
        grads = [([[0.0] * len(row) for row in ws], [0.0] * len(bs)) for ws, bs in layers]
        data_loss = 0.0
        for x, yi in zip(X, Y, strict=True):
            acts = [x]  # acts[k]: input of layer k
            for k, (ws, bs) in enumerate(layers):
                z = [sum(map(mul, row, acts[-1]), b) for row, b in zip(ws, bs, strict=True)]
                acts.append([v if v > 0 else 0.0 for v in z] if k < last else z)
            margin = 1.0 - yi * acts[-1][0]
            if margin <= 0:  # relu(margin) = 0: no loss, no gradient
                continue
            data_loss += margin
            g = [-yi / n]  # d loss / d score
            for k in range(last, -1, -1):
                ws, _ = layers[k]
                gws, gbs = grads[k]
                if k < last:  # through the ReLU: its output > 0 where its input was
                    g = [gj if h > 0 else 0.0 for gj, h in zip(g, acts[k + 1], strict=True)]
                a = acts[k]
                for j, gj in enumerate(g):
                    if gj:
                        gbs[j] += gj
                        gws[j] = [gw + gj * ai for gw, ai in zip(gws[j], a, strict=True)]
                if k:
                    g = [sum(map(mul, g, col)) for col in zip(*ws, strict=True)]
        reg = 0.0
        for (ws, bs), (gws, gbs) in zip(layers, grads, strict=True):
            for p, gp in (*zip(ws, gws, strict=True), (bs, gbs)):
                reg += sum(map(mul, p, p))
                p[:] = [w - LR * (gw + 2 * ALPHA * w) for w, gw in zip(p, gp, strict=True)]
        return data_loss / n + ALPHA * reg

    return step


# ---------------------------------------------------------------- the workload


def run(quick: bool) -> list[str]:
    X, Y = data()
    weights = init_weights()
    makers = {"micrograd_nn (scalar Values)": make_micrograd_nn,
              "micrograd_nn (NeuronNet)": make_neuron_net, "micrograd": make_micrograd,
              "Python floats, hand backward": make_floats}
    steps = {name: mk(weights, X, Y) for name, mk in makers.items()}
    steps = {name: s for name, s in steps.items() if s is not None}
    # Correctness: from the same weights, 3 steps each must give the same losses.
    ok = check_losses("W1", {name: [s() for _ in range(3)] for name, s in steps.items()},
                      rtol=1e-9)
    times = measure(steps, repeats=3 if quick else 7, number=3)
    table("W1 scalar: one training step of micrograd's demo MLP (2-16-16-1, 100 points)",
          times, "Python floats, hand backward")
    lines = [] if ok else ["W1: LOSS MISMATCH"]
    if "micrograd" in times:
        lines.append(target("W1 micrograd / micrograd_nn", ratio(
            times["micrograd"], times["micrograd_nn (scalar Values)"]), 5.0, below=False))
    return lines
