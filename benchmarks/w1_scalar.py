"""W1 scalar: micrograd's demo network, one full-batch training step on scalar Values.

MLP 2-16-16-1 (ReLU hidden, linear output) on 100 two-moons points; SVM hinge loss
mean(relu(1 - y * score)) + 1e-4 * sum(p * p); backward; SGD. As in micrograd's
demo.ipynb, every weight and every input is its own scalar node and the graph is
rebuilt each step.
"""

from __future__ import annotations

import cProfile
import io
import pstats
from collections.abc import Callable
from itertools import pairwise
from operator import mul
from typing import Any

import numpy as np
from common import Bench, GCClock, Target, clock, scalar_leaf

SIZES = [2, 16, 16, 1]
ALPHA = 1e-4  # L2 regularisation
LR = 0.1
Parts = tuple[Callable[[], Any], Callable[[Any], float]]  # forward(), backward(loss)


def data(quick: bool) -> dict[str, np.ndarray]:
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=100, noise=0.1, random_state=1)
    return {"X": X, "Y": y * 2.0 - 1.0}  # labels -1 / +1


def init_weights(seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per layer W of shape (nin, nout) (column j = neuron j's weights) and b (nout,)."""
    rng = np.random.default_rng(seed)
    return [(rng.uniform(-1, 1, (a, b)), rng.uniform(-1, 1, b)) for a, b in pairwise(SIZES)]


def svm_loss(scores: list, ys: list[float], params: list) -> Any:
    """micrograd's demo loss, written once for any scalar node class."""
    losses = [(1 - yi * s).relu() for yi, s in zip(ys, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in params)
    return data_loss + reg_loss


class ScalarMLP:
    """micrograd's MLP on any scalar node class (``leaf(float)`` makes a weight), built
    as micrograd builds it: ``act = b; act = act + w * x``."""

    def __init__(self, weights: list[tuple[np.ndarray, np.ndarray]],
                 leaf: Callable[[float], Any]) -> None:
        self.layers = [([[leaf(float(w)) for w in col] for col in W.T],
                        [leaf(float(v)) for v in b]) for W, b in weights]

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


def scalar_parts(predict: Callable[[list[float]], Any], params: list, X: list,
                 Y: list) -> Parts:
    """The demo's step in two halves: forward (the loss node) and backward + SGD."""

    def forward() -> Any:
        return svm_loss([predict(x) for x in X], Y, params)

    def backward(loss: Any) -> float:
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        return loss.data

    return forward, backward


def parts_micrograd_nn(X: list, Y: list) -> Parts:
    """Bare scalar Values, inputs wrapped in Values as micrograd's demo wraps them."""
    from micrograd_nn import Value

    model = ScalarMLP(init_weights(), Value)
    return scalar_parts(lambda x: model(list(map(Value, x))), model.parameters(), X, Y)


def parts_neuron_net(X: list, Y: list) -> Parts:
    """The package's own neuron-level network (it labels every sum and wraps inputs)."""
    from micrograd_nn.neurons import NeuronNet

    net = NeuronNet(SIZES[0], SIZES[1:-1], SIZES[-1], activation="relu",
                    output_activation="identity", weights=init_weights())
    return scalar_parts(lambda x: net(x)[0], net.parameters(), X, Y)


def parts_micrograd(X: list, Y: list) -> Parts | None:
    """micrograd 0.1.0's own ``nn.MLP`` and demo loop (inputs wrapped in Values)."""
    Value = scalar_leaf("micrograd")
    if Value is None:
        return None
    from micrograd.nn import MLP

    model = MLP(SIZES[0], SIZES[1:])
    for layer, (W, b) in zip(model.layers, init_weights(), strict=True):
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate(neuron.w):
                w.data = float(W[i, j])
            neuron.b.data = float(b[j])
    return scalar_parts(lambda x: model(list(map(Value, x))), model.parameters(), X, Y)


def floats_step(X: list, Y: list) -> Callable[[], float]:
    """The same step on Python floats with a hand-derived backward: the floor."""
    layers = [([list(map(float, col)) for col in W.T], list(map(float, b)))
              for W, b in init_weights()]
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


def _steps(parts: Callable[[list, list], Parts | None]) -> Callable[[dict, bool], Any]:
    """A Bench maker: one timed call is one training step."""

    def make(data: dict, quick: bool) -> Callable[[], list[float]] | None:
        p = parts(data["X"].tolist(), data["Y"].tolist())
        if p is None:
            return None
        forward, backward = p
        return lambda: [backward(forward())]

    return make


def _floats(data: dict, quick: bool) -> Callable[[], list[float]]:
    step = floats_step(data["X"].tolist(), data["Y"].tolist())
    return lambda: [step()]


FASTER = Target(0.25, stretch=0.2, label=">= 4x faster (<= 0.25), stretch 5x (<= 0.20)")
BENCHES = [Bench(
    "W1", "W1 scalar: one training step of micrograd's demo MLP (2-16-16-1, 100 points)",
    unit="step", baseline="micrograd",
    makers={"micrograd_nn (scalar Values)": _steps(parts_micrograd_nn),
            "micrograd_nn (NeuronNet)": _steps(parts_neuron_net),
            "micrograd": _steps(parts_micrograd),
            "Python floats, hand backward": _floats},
    targets={"micrograd_nn (scalar Values)": FASTER, "micrograd_nn (NeuronNet)": FASTER},
    rtol=1e-9, number=3, repeat=3, data=data)]

PROFILED = {"micrograd_nn (scalar Values)": parts_micrograd_nn,
            "micrograd_nn (NeuronNet)": parts_neuron_net}


def _timed(fn: Callable, *args: Any) -> tuple[Any, float, float]:
    """fn(*args), its CPU seconds, and the part spent in garbage collections."""
    with GCClock() as gcc:
        t0 = clock()
        out = fn(*args)
        return out, clock() - t0, gcc.total


def profile(data: dict, quick: bool, top: int = 20) -> str:
    """micrograd_nn's W1 step, forward and backward (+ SGD) apart: CPU time and GC time
    of each half without the profiler, then cProfile's ``top`` functions by own time."""
    steps = 2 if quick else 5
    out = io.StringIO()
    for name, make in PROFILED.items():
        forward, backward = make(data["X"].tolist(), data["Y"].tolist())
        backward(forward())  # warm-up
        cpu, in_gc = [0.0, 0.0], [0.0, 0.0]
        for _ in range(steps):
            loss, t, g = _timed(forward)
            _, t2, g2 = _timed(backward, loss)
            del loss  # as in the timed step: no graph outlives its step
            cpu, in_gc = [cpu[0] + t, cpu[1] + t2], [in_gc[0] + g, in_gc[1] + g2]
        profs = cProfile.Profile(), cProfile.Profile()
        for _ in range(steps):
            profs[1].runcall(backward, profs[0].runcall(forward))
        for half, prof, t, g in zip(("forward", "backward + SGD"), profs, cpu, in_gc,
                                    strict=True):
            out.write(f"\n## {name}: {half}: {t / steps * 1e3:.1f} ms a step (mean of {steps}"
                      f", no profiler), of which GC {g / steps * 1e3:.1f} ms\n")
            pstats.Stats(prof, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
    return out.getvalue()
