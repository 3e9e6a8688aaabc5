"""The oracles the tests share: a function's value and gradients on our engine, the same
replayed in PyTorch (float64), and float64 central differences.

A plain module the tests import (as ``opcases``). The comparisons and their tolerances
stay in each test; these helpers only compute the two sides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

from micrograd_nn import Value


def grads(f: Callable[..., Any], *inputs: Any, upstream: Any = None) -> tuple[Any, list[Any]]:
    """Our engine: ``f``'s output data and, for each input (one Value each), the gradient
    of ``sum(upstream * f)``; ``upstream`` defaults to ones of the output's shape and dtype."""
    xs = [Value(x) for x in inputs]
    out = f(*xs)
    if upstream is None and out.size != 1:
        upstream = np.ones(out.shape, out.dtype)
    out.backward(upstream)
    return out.data, [x.grad for x in xs]


def torch_grads(f: Callable[..., Any], *inputs: Any,
                upstream: Any = None) -> tuple[Any, list[Any]]:
    """The same in PyTorch: ``f`` on float64 tensors (leaves), its output (a float for a
    0-d one, else an ndarray) and the gradient of ``sum(upstream * f)`` for each input."""
    torch = pytest.importorskip("torch")
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    out = f(*ts)
    out.backward(torch.ones_like(out) if upstream is None
                 else torch.tensor(upstream, dtype=torch.float64))
    data = out.item() if out.dim() == 0 else out.detach().numpy()
    return data, [t.grad.numpy() for t in ts]


def torch_dense(x: Any, params: Sequence[Any], acts: Sequence[Any]) -> Any:
    """A dense net in PyTorch: ``h = act_i(h @ W_i + b_i)`` from ``h = x``, with
    ``params = [W0, b0, W1, b1, ...]`` (tensors) and one torch function or None
    (identity) per layer."""
    torch = pytest.importorskip("torch")
    h = x if isinstance(x, torch.Tensor) else torch.tensor(x)
    for i, act in enumerate(acts):
        h = h @ params[2 * i] + params[2 * i + 1]
        h = h if act is None else act(h)
    return h


def torch_hvp(f: Callable[..., Any], inputs: Sequence[Any], v: Sequence[Any]) -> list[Any]:
    """PyTorch's Hessian-vector product ``H v`` of the scalar ``f`` at ``inputs`` (float64
    tensors), one ndarray per input."""
    torch = pytest.importorskip("torch")
    ts = tuple(torch.tensor(x, dtype=torch.float64) for x in inputs)
    vs = tuple(torch.tensor(d, dtype=torch.float64) for d in v)
    _, hv = torch.autograd.functional.hvp(f, ts, vs)
    return [t.numpy() for t in (hv if isinstance(hv, tuple) else (hv,))]


def central_difference(f: Callable[..., float], inputs: tuple, eps: float = 1e-6) -> list[Any]:
    """d f / d input_i for each input, by (f(x + eps) - f(x - eps)) / (2 eps), float64."""
    ds = []
    for i, x in enumerate(inputs):
        def at(xi: Any, i: int = i) -> float:
            return f(*inputs[:i], xi, *inputs[i + 1:])
        if type(x) is float:
            ds.append((at(x + eps) - at(x - eps)) / (2 * eps))
            continue
        g = np.zeros_like(x)
        for j in np.ndindex(x.shape):
            hi, lo = x.copy(), x.copy()
            hi[j] += eps
            lo[j] -= eps
            g[j] = (at(hi) - at(lo)) / (2 * eps)
        ds.append(g)
    return ds
