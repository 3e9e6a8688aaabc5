"""Second order for every op of the table: Hessian-vector products of every case.

For each case of test_ops_table.py, ``f(xs) = sum(w * op(xs))`` with a fixed
non-uniform ``w``. Its Hessian-vector product ``H v`` comes from our engine by double
backprop (``grad(f, xs, create_graph=True)``, then the gradient of ``Σ g_i · v_i``)
and is compared with: float64 central differences of our own first-order gradient
along ``v`` (whose first order the table already proves), PyTorch's
``torch.autograd.functional.hvp``, and HIPS autograd's gradient of ``∇f · v``.
"""

from __future__ import annotations

from typing import Any

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from micrograd_nn import Value, grad
from opcases import Case
from oracles import torch_hvp
from test_ops_table import CASES, upstream

_IDS = [c.id for c in CASES]


def _direction(c: Case) -> list[Any]:
    r = np.random.default_rng(len(c.id) + 7)
    return [float(r.normal()) if type(x) is float else r.normal(size=x.shape)
            for x in c.inputs]


def _f(c: Case, xs: list[Value], w: Any) -> Value:
    out = c.mg(*xs)
    return (out * w).sum() if out.shape else out * w


def _first(c: Case, inputs: list[Any], w: Any) -> list[Any]:
    xs = [Value(x) for x in inputs]
    return [np.asarray(g, dtype=float) for g in grad(_f(c, xs, w), xs)]


def hvp(c: Case, inputs: tuple, w: Any, v: list[Any]) -> list[Any]:
    """H v by double backprop through our engine."""
    xs = [Value(x) for x in inputs]
    gs = grad(_f(c, xs, w), xs, create_graph=True)
    s = sum(((g * vi).sum() if g.shape else g * vi) for g, vi in zip(gs, v, strict=True))
    if not (isinstance(s, Value) and s.requires_grad):  # f is linear: H = 0
        return [np.zeros(np.shape(x)) for x in inputs]
    return [np.asarray(getattr(h, "data", h), dtype=float) for h in grad(s, xs)]


def _check(got: list[Any], want: list[Any], **tol: float) -> None:
    for i, (g, wnt) in enumerate(zip(got, want, strict=True)):
        np.testing.assert_allclose(g, wnt, err_msg=f"H v, input {i}", **tol)


@pytest.mark.parametrize("c", CASES, ids=_IDS)
def test_hvp_matches_central_difference_of_gradient(c: Case) -> None:
    w, v, eps = upstream(c), _direction(c), 1e-5
    plus = [x + eps * d for x, d in zip(c.inputs, v, strict=True)]
    minus = [x - eps * d for x, d in zip(c.inputs, v, strict=True)]
    want = [(p - m) / (2 * eps) for p, m in zip(_first(c, plus, w), _first(c, minus, w),
                                                strict=True)]
    _check(hvp(c, c.inputs, w, v), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("c", CASES, ids=_IDS)
def test_hvp_matches_torch(c: Case) -> None:
    torch = pytest.importorskip("torch")
    w, v = upstream(c), _direction(c)
    wt = torch.tensor(w, dtype=torch.float64)

    def f(*ts: Any) -> Any:
        return (c.th(torch, *ts) * wt).sum()

    _check(hvp(c, c.inputs, w, v), torch_hvp(f, c.inputs, v), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("c", CASES, ids=_IDS)
def test_hvp_matches_autograd(c: Case) -> None:
    w, v = upstream(c), _direction(c)
    n = len(c.inputs)

    def f(*xs: Any) -> Any:
        return anp.sum(c.ref(*xs) * w)

    def gv(*xs: Any) -> Any:  # ∇f · v, whose gradient is H v
        return sum(anp.sum(autograd.grad(f, i)(*xs) * v[i]) for i in range(n))

    want = [autograd.grad(gv, i)(*c.inputs) for i in range(n)]
    _check(hvp(c, c.inputs, w, v), want, rtol=1e-9, atol=1e-11)
