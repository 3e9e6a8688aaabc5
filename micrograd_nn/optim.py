"""Optimizers (SGD with the article's momentum, Rprop, Adam) and gradient clipping.

Each optimizer keeps its per-parameter state in lists aligned with `self.params`
(never keyed by `id`). A step updates tensor parameters in place (`p.data -= ...`)
and scalar parameters by rebinding the float. Parameters whose gradient is unset
(`None`: no backward reached them since `zero_grad()`) are skipped, state included.

Typical loop:

```python
opt = SGD(net.parameters(), lr=0.7, momentum=0.3)
for x, y in data:
    opt.zero_grad()
    loss = mse(net(x), y)
    loss.backward()
    opt.step()
```

L1/L2 regularisation penalties are in [`micrograd_nn.losses`][]; `weight_decay=λ`
here adds `λ·w` to the gradient, the same as adding `λ/2·Σw²` (`λ/2 ·
l2_penalty`) to the loss.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from .engine import Value
from .ops_core import sign


def _has_grad(p: Value) -> bool:
    # Value.grad reads as zeros when unset; the optimizer must tell "unset" apart.
    return p.has_grad


def _grad_data(p: Value) -> Any:
    """The stored gradient as data, or None when unset (a `create_graph` gradient is
    a Value: the step uses its data)."""
    if not p.has_grad:
        return None
    g = p.grad
    return g.data if isinstance(g, Value) else g


class Optimizer(abc.ABC):
    """Base: holds `params` (a list of Values) and clears their gradients.

    `params`: an iterable of Values or a Module (its `parameters()`); each must
    require grad and appear once. Subclasses define `step()`.
    """

    def __init__(self, params: Any) -> None:
        if hasattr(params, "parameters") and callable(params.parameters):
            params = params.parameters()
        if isinstance(params, Value) or not isinstance(params, Iterable):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of Values "
                            f"(e.g. net.parameters()), got {type(params).__name__}")
        ps = list(params)
        if not ps:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        seen: set[int] = set()
        for i, p in enumerate(ps):
            if type(p) is not Value:
                raise TypeError(f"{type(self).__name__}: params[{i}] is a "
                                f"{type(p).__name__}, not a Value")
            if not p.requires_grad:
                raise ValueError(f"{type(self).__name__}: params[{i}] ({p!r}) has "
                                 "requires_grad=False; it would never be updated")
            if id(p) in seen:  # validation only; state is kept in lists
                raise ValueError(f"{type(self).__name__}: params[{i}] appears twice")
            seen.add(id(p))
        self.params: list[Value] = ps

    def zero_grad(self) -> None:
        """Unset every parameter's gradient (`p.grad = None`)."""
        for p in self.params:
            p.grad = None

    def _with_grads(self, wd: float = 0.0) -> Iterator[tuple[int, Value, Any, Any]]:
        # (i, p, g, w) for each parameter with a gradient g (plus wd * w), its data w
        for i, p in enumerate(self.params):
            g = _grad_data(p)
            if g is None:
                continue
            w = p.data
            yield i, p, (g + wd * w if wd else g), w

    @abc.abstractmethod
    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""

    def __repr__(self) -> str:
        hp = ", ".join(f"{k}={v!r}" for k, v in vars(self).items()
                       if k != "params" and not k.startswith("_"))
        return f"{type(self).__name__}({len(self.params)} params, {hp})"


def _check(who: str, name: str, v: float, low: float = 0.0) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float, np.number)) or not v >= low:
        raise ValueError(f"{who}: {name} must be a number >= {low}, got {v!r}")
    return float(v)


class SGD(Optimizer):
    """Gradient descent with momentum, the article's rule.

    `dw = −lr·grad + momentum·dw_prev;  w += dw`  (`dw_prev = 0` on the first
    step; the article writes `Δw = E·GRAD + α·Δw_prev` with `GRAD = −grad`).

    PyTorch writes `b = momentum·b + grad;  w −= lr·b`. With `dw = −lr·b` the two
    are the same recurrence, so for a constant lr (and dampening 0) they give the same
    weights; they differ only if lr changes between steps (here the old `dw` keeps
    its old lr). `nesterov=True`: `w += momentum·dw − lr·grad` (the new `dw`),
    equal to PyTorch's `w −= lr·(grad + momentum·b)`. `weight_decay`: `grad +=
    weight_decay·w` first, as PyTorch.
    """

    def __init__(self, params: Any, lr: float, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params)
        self.lr = _check("SGD", "lr", lr)
        self.momentum = _check("SGD", "momentum", momentum)
        self.nesterov = bool(nesterov)
        self.weight_decay = _check("SGD", "weight_decay", weight_decay)
        if self.nesterov and self.momentum == 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0")
        self._dw: list[Any] = [None] * len(self.params)  # the previous step's dw

    def step(self) -> None:
        lr, m, wd = self.lr, self.momentum, self.weight_decay
        dws = self._dw
        for i, p, g, w in self._with_grads(wd):
            if type(w) is float:
                if not m:
                    p.data = w - lr * g
                    continue
                dw = -lr * g if dws[i] is None else m * dws[i] - lr * g
                dws[i] = dw
                p.data = w + (m * dw - lr * g if self.nesterov else dw)
            elif not m:
                w -= lr * g
            else:
                dw = dws[i]
                if dw is None:
                    dw = dws[i] = -lr * g
                else:
                    dw *= m
                    dw -= lr * g
                if self.nesterov:
                    w += m * dw - lr * g
                else:
                    w += dw


class Rprop(Optimizer):
    """Resilient propagation: per-weight step sizes from the sign of the gradient only.

    The variant of `torch.optim.Rprop`: Rprop without weight-backtracking in its
    "iRprop−" form. For each weight, with `s = grad·grad_prev`:

    * `s > 0`: `step = min(step·eta_plus, step_max)`; `w −= sign(grad)·step`
    * `s < 0`: `step = max(step·eta_minus, step_min)`; no update, and
      `grad_prev = 0` so the next step counts as `s = 0`
    * `s = 0`: `step` unchanged; `w −= sign(grad)·step`

    `step` starts at `lr` and `grad_prev` at 0. `etas = (eta_minus, eta_plus)`
    with `0 < eta_minus < 1 < eta_plus`; `step_sizes = (step_min, step_max)`.
    Meant for full-batch training (it ignores the gradient's size).
    """

    def __init__(self, params: Any, lr: float = 0.01, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50)) -> None:
        super().__init__(params)
        self.lr = _check("Rprop", "lr", lr)
        em, ep = etas
        if not 0.0 < em < 1.0 < ep:
            raise ValueError(f"Rprop: etas must be (eta_minus, eta_plus) with "
                             f"0 < eta_minus < 1 < eta_plus, got {etas!r}")
        lo, hi = step_sizes
        if not 0.0 <= lo <= hi:
            raise ValueError(f"Rprop: step_sizes must be (min, max) with 0 <= min <= max, "
                             f"got {step_sizes!r}")
        self.etas, self.step_sizes = (float(em), float(ep)), (float(lo), float(hi))
        self._prev: list[Any] = [None] * len(self.params)
        self._step: list[Any] = [None] * len(self.params)

    def step(self) -> None:
        em, ep = self.etas
        lo, hi = self.step_sizes
        for i, p, g, w in self._with_grads():
            if type(w) is float:
                prev = 0.0 if self._prev[i] is None else self._prev[i]
                size = self.lr if self._step[i] is None else self._step[i]
                s = g * prev
                if s > 0:
                    size = min(max(size * ep, lo), hi)
                elif s < 0:
                    size = min(max(size * em, lo), hi)
                    g = 0.0
                else:
                    size = min(max(size, lo), hi)
                self._step[i], self._prev[i] = size, g
                p.data = w - (sign(g) if g == g else 0.0) * size  # NaN grad: no step
                continue
            if self._prev[i] is None:
                self._prev[i] = np.zeros_like(w)
                self._step[i] = np.full_like(w, self.lr)
            prev, size = self._prev[i], self._step[i]
            s = g * prev
            up, down = s > 0, s < 0
            size[up] *= ep
            size[down] *= em
            np.clip(size, lo, hi, out=size)
            np.copyto(prev, g)
            prev[down] = 0.0
            w -= np.sign(prev) * size


class Adam(Optimizer):
    """Adam (Kingma & Ba), as `torch.optim.Adam` (not AdamW: `weight_decay` adds
    `wd·w` to the gradient).

    `m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²;  t += 1`
    `w −= lr/(1 − β1^t) · m / (sqrt(v)/sqrt(1 − β2^t) + eps)`
    """

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params)
        self.lr = _check("Adam", "lr", lr)
        b1, b2 = betas
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"Adam: betas must be in [0, 1), got {betas!r}")
        self.betas = (float(b1), float(b2))
        self.eps = _check("Adam", "eps", eps)
        self.weight_decay = _check("Adam", "weight_decay", weight_decay)
        n = len(self.params)
        self._m: list[Any] = [None] * n
        self._v: list[Any] = [None] * n
        self._t: list[int] = [0] * n

    def step(self) -> None:
        b1, b2 = self.betas
        lr, eps, wd = self.lr, self.eps, self.weight_decay
        for i, p, g, w in self._with_grads(wd):
            t = self._t[i] = self._t[i] + 1
            step = lr / (1.0 - b1 ** t)
            c2 = math.sqrt(1.0 - b2 ** t)
            if type(w) is float:
                m = self._m[i] = b1 * (self._m[i] or 0.0) + (1.0 - b1) * g
                v = self._v[i] = b2 * (self._v[i] or 0.0) + (1.0 - b2) * g * g
                p.data = w - step * m / (math.sqrt(v) / c2 + eps)
                continue
            if self._m[i] is None:
                self._m[i], self._v[i] = np.zeros_like(w), np.zeros_like(w)
            m, v = self._m[i], self._v[i]
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * (g * g)
            denom = np.sqrt(v)
            denom /= c2
            denom += eps
            w -= step * m / denom


def clip_grad_norm(params: Any, max_norm: float) -> float:
    """Scale all gradients by `min(1, max_norm / (total + 1e-6))` where `total` is
    the 2-norm of all gradients taken together; returns `total` (before clipping).

    As `torch.nn.utils.clip_grad_norm_`; unset gradients are ignored.
    """
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()
    ps = [params] if isinstance(params, Value) else list(params)
    max_norm = _check("clip_grad_norm", "max_norm", max_norm)
    for i, p in enumerate(ps):
        if type(p) is not Value:
            raise TypeError(f"clip_grad_norm: params[{i}] is a {type(p).__name__}, "
                            "not a Value")
    with_grad = [p for p in ps if _has_grad(p)]
    sq = 0.0
    for p in with_grad:
        g = _grad_data(p)
        sq += g * g if type(g) is float else float(np.vdot(g, g))
    total = math.sqrt(sq)
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for p in with_grad:
            p.grad = _grad_data(p) * coef
    return total
