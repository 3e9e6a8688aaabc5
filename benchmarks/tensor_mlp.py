"""One tensor-MLP training step in each framework, shared by W3 and W4.

Sigmoid hidden layers, linear output, MSE (mean over every element) against one-hot
targets, SGD with momentum ``v = m * v - lr * g; w += v`` (PyTorch's
``b = m * b + g; w -= lr * b`` is the same for a constant lr). Each ``make_*``
takes the initial weights ``[(W (nin, nout), b (nout,)), ...]`` as float32 arrays,
copies them, and returns ``step(x, t) -> loss`` for float32 ``x`` (batch, nin) and
``t`` (batch, nout); or None when that framework is not installed.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

import numpy as np
from common import Bench, Maker, Target, peer

Params = list[tuple[np.ndarray, np.ndarray]]
Step = Callable[[np.ndarray, np.ndarray], float]


def init_params(sizes: list[int], seed: int = 0) -> Params:
    """PyTorch's default Linear init, U(-1/sqrt(nin), 1/sqrt(nin)), as float32."""
    rng = np.random.default_rng(seed)
    out = []
    for a, b in pairwise(sizes):
        s = 1 / np.sqrt(a)
        out.append((rng.uniform(-s, s, (a, b)).astype(np.float32),
                    rng.uniform(-s, s, b).astype(np.float32)))
    return out


# ---------------------------------------------------------------- the floor


def _sigmoid_(z: np.ndarray) -> np.ndarray:
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1
    return np.reciprocal(z, out=z)


def make_numpy(params: Params, lr: float, m: float) -> Step:
    """Hand-written forward and backprop in numpy: in place wherever possible."""
    layers = [(W.copy(), b.copy()) for W, b in params]
    vel = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    last = len(layers) - 1

    def step(x: np.ndarray, t: np.ndarray) -> float:
        acts = [x]  # acts[k]: input of layer k
        for k, (W, b) in enumerate(layers):
            z = acts[-1] @ W
            z += b
            acts.append(_sigmoid_(z) if k < last else z)
        g = acts.pop()
        g -= t
        loss = float(np.vdot(g, g)) / g.size
        g *= 2.0 / g.size  # d loss / d output
        for k in range(last, -1, -1):
            (W, b), (vW, vb), a = layers[k], vel[k], acts[k]
            gW, gb = a.T @ g, g.sum(axis=0)
            if k:  # d loss / d (pre-sigmoid of layer k - 1) = g W^T * a * (1 - a)
                g = g @ W.T
                g *= a
                np.subtract(1, a, out=a)
                g *= a
            for p, v, gp in ((W, vW, gW), (b, vb, gb)):
                v *= m
                gp *= lr
                v -= gp
                p += v
        return loss

    return step


def optimizer_step(loss_of: Callable[[np.ndarray, np.ndarray], Any], opt: Any) -> Step:
    """A step through an optimizer object with PyTorch's interface (micrograd_nn's too)."""

    def step(x: np.ndarray, t: np.ndarray) -> float:
        loss = loss_of(x, t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return step


# ---------------------------------------------------------------- micrograd_nn


def make_micrograd_nn_raw(params: Params, lr: float, m: float) -> Step:
    """The raw engine: fused ``linear`` and ``mse`` ops, a momentum update on ``.data``."""
    from micrograd_nn import Value
    from micrograd_nn.engine import apply

    ps = [Value(a.copy()) for W, b in params for a in (W, b)]
    vel = [np.zeros_like(p.data) for p in ps]
    last = len(params) - 1

    def step(x: np.ndarray, t: np.ndarray) -> float:
        h = x
        for k in range(last + 1):
            h = apply("linear", h, ps[2 * k], ps[2 * k + 1])
            if k < last:
                h = h.sigmoid()
        loss = apply("mse", h, t)
        loss.backward()
        for p, v in zip(ps, vel, strict=True):
            v *= m
            v -= lr * p.grad
            p.data += v
            p.grad = None
        return loss.item()

    return step


def make_micrograd_nn_nn(params: Params, lr: float, m: float) -> Step | None:
    """What a user writes: ``nn.MLP``, ``losses.mse``, ``optim.SGD``."""
    try:
        from micrograd_nn.losses import mse
        from micrograd_nn.nn import MLP
        from micrograd_nn.optim import SGD
    except ImportError:
        return None
    sizes = [params[0][0].shape[0]] + [W.shape[1] for W, _ in params]
    model = MLP(sizes[0], sizes[1:-1], sizes[-1], activation="sigmoid",
                output_activation="identity", dtype=np.float32)
    for lin, (W, b) in zip(model.linears, params, strict=True):
        lin.weight.data = W.copy()
        lin.bias.data = b.copy()
    return optimizer_step(lambda x, t: mse(model(x), t),
                          SGD(model.parameters(), lr=lr, momentum=m))


# ---------------------------------------------------------------- peers


def make_torch(params: Params, lr: float, m: float) -> Step | None:
    torch = peer("torch")
    if torch is None:
        return None
    mods: list = []
    for k, (W, b) in enumerate(params):
        lin = torch.nn.Linear(*W.shape)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T))
            lin.bias.copy_(torch.from_numpy(b))
        mods += [lin, torch.nn.Sigmoid()] if k < len(params) - 1 else [lin]
    model = torch.nn.Sequential(*mods)
    mse_loss = torch.nn.functional.mse_loss
    return optimizer_step(lambda x, t: mse_loss(model(torch.from_numpy(x)), torch.from_numpy(t)),
                          torch.optim.SGD(model.parameters(), lr=lr, momentum=m))


def make_dezero(params: Params, lr: float, m: float) -> Step | None:
    dezero = peer("dezero")
    if dezero is None:
        return None
    import dezero.functions as F
    import dezero.layers as L

    class Net(dezero.Model):
        def __init__(self) -> None:
            super().__init__()
            self.fcs = []
            for k, (W, b) in enumerate(params):
                fc = L.Linear(W.shape[1], in_size=W.shape[0])
                fc.W.data, fc.b.data = W.copy(), b.copy()
                setattr(self, f"fc{k}", fc)  # registers its parameters
                self.fcs.append(fc)

        def forward(self, x):  # noqa: ANN001, ANN202
            for fc in self.fcs[:-1]:
                x = F.sigmoid(fc(x))
            return self.fcs[-1](x)

    model = Net()
    opt = dezero.optimizers.MomentumSGD(lr=lr, momentum=m).setup(model)
    n_out = np.float32(params[-1][0].shape[1])

    # Under numpy 2 (NEP 50) the Python-number constants inside DeZero 0.0.13's own
    # backward rules (e.g. sigmoid's 1 - y) become float64 0-d arrays, so its gradients
    # come out float64; weights, activations and loss stay float32.
    def step(x: np.ndarray, t: np.ndarray) -> float:
        # DeZero's mean_squared_error divides by the batch size only.
        loss = F.mean_squared_error(model(x), t) / n_out
        model.cleargrads()
        loss.backward()
        opt.update()
        return float(loss.data)

    return step


def make_mygrad(params: Params, lr: float, m: float) -> Step | None:
    mg = peer("mygrad")
    if mg is None:
        return None
    from mygrad.nnet.activations import sigmoid

    ps = [mg.tensor(a.copy()) for W, b in params for a in (W, b)]
    vel = [np.zeros_like(p.data) for p in ps]
    last = len(params) - 1

    def step(x: np.ndarray, t: np.ndarray) -> float:
        h = x
        for k in range(last + 1):
            h = mg.matmul(h, ps[2 * k]) + ps[2 * k + 1]
            if k < last:
                h = sigmoid(h)
        loss = mg.mean((h - t) ** 2)
        loss.backward()  # a leaf's .grad is replaced, not accumulated, by each backward
        for p, v in zip(ps, vel, strict=True):
            v *= m
            v -= lr * p.grad
            p.data += v
        return loss.item()

    return step


MAKERS = {
    "numpy, hand backprop": make_numpy,
    "micrograd_nn (nn/optim)": make_micrograd_nn_nn,
    "micrograd_nn (raw engine)": make_micrograd_nn_raw,
    "PyTorch": make_torch,
    "DeZero": make_dezero,
    "MyGrad": make_mygrad,
}


def tensor_bench(key: str, title: str, unit: str, sizes: list[int], lr: float, m: float,
                 runner: Callable[[Step, dict, bool], Callable[[], list[float]]],
                 raw: Target, nn: Target, **kw: Any) -> Bench:
    """W3's and W4's table: every framework's step from the same initial weights, made
    into one timed call by ``runner(step, data, quick)``; timed against the numpy floor
    with targets for the raw engine and for nn/optim."""

    def maker(make_step: Callable[[Params, float, float], Step | None]) -> Maker:
        def make(data: dict, quick: bool) -> Callable[[], list[float]] | None:
            step = make_step(init_params(sizes), lr, m)
            return None if step is None else runner(step, data, quick)

        return make

    return Bench(key, title, unit, baseline="numpy, hand backprop",
                 makers={name: maker(mk) for name, mk in MAKERS.items()},
                 targets={"micrograd_nn (raw engine)": raw, "micrograd_nn (nn/optim)": nn},
                 rtol=1e-4, **kw)
