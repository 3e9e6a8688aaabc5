"""Numerical stability at extreme inputs: no OverflowError, no RuntimeWarning, no NaN
where the true answer is finite, on the scalar path and the tensor path alike."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from micrograd_nn import Value
from oracles import torch_grads

# name: {x: (value, grad)} at +-1000; exact where floats can be exact
EXTREMES = {
    "sigmoid": {1000.0: (1.0, 0.0), -1000.0: (0.0, 0.0)},
    "tanh": {1000.0: (1.0, 0.0), -1000.0: (-1.0, 0.0)},
    "exp": {1000.0: (math.inf, math.inf), -1000.0: (0.0, 0.0)},
    "log": {1000.0: (math.log(1000.0), 1e-3), -1000.0: (math.nan, -1e-3)},
    "softplus": {1000.0: (1000.0, 1.0), -1000.0: (0.0, 0.0)},
}
_POINTS = [(n, x) for n, d in EXTREMES.items() for x in d]


def _first(x):
    return float(np.ravel(x)[0])


@pytest.mark.parametrize("path", ["scalar", "tensor"])
@pytest.mark.parametrize("name, x", _POINTS, ids=[f"{n}({x:g})" for n, x in _POINTS])
def test_stable_unary_at_extremes(name: str, x: float, path: str, strict_warnings) -> None:
    v = Value(x if path == "scalar" else np.array([x, x]))
    y = getattr(v, name)()
    y.sum().backward()
    value, grad = EXTREMES[name][x]
    for got, want in ((y.data, value), (v.grad, grad)):
        assert type(got) is (float if path == "scalar" else np.ndarray)
        if math.isnan(want):
            assert math.isnan(_first(got))
        else:
            assert _first(got) == pytest.approx(want, rel=1e-15, abs=0)


@pytest.mark.parametrize("x", [1000.0, -1000.0])
def test_stable_sigmoid_grad_exactly_zero(x: float) -> None:
    for data in (x, np.array([x]), np.array([x], dtype=np.float32)):
        v = Value(data)
        v.sigmoid().sum().backward()
        assert _first(v.grad) == 0.0


@pytest.mark.parametrize("name", sorted(EXTREMES))
def test_stable_unary_at_extremes_match_torch(name: str, strict_warnings) -> None:
    torch = pytest.importorskip("torch")
    x = np.array([1000.0, -1000.0, 80.0, -80.0, 745.0, -745.0, 1e-300])
    th = {"softplus": torch.nn.functional.softplus}.get(name, getattr(torch, name, None))
    tdata, (tgrad,) = torch_grads(th, x)
    for path in ("scalar", "tensor"):
        if path == "tensor":
            v = Value(x)
            y = getattr(v, name)()
            y.sum().backward()
            data, grad = y.data, v.grad
        else:
            vs = [Value(float(e)) for e in x]
            ys = [getattr(e, name)() for e in vs]
            for y in ys:
                y.backward()
            data, grad = np.array([y.data for y in ys]), np.array([e.grad for e in vs])
        # atol: exp(-745) is the denormal 5e-324 or 0, depending on the formula
        np.testing.assert_allclose(data, tdata, rtol=1e-13, atol=1e-300, err_msg=path)
        np.testing.assert_allclose(grad, tgrad, rtol=1e-13, atol=1e-300, err_msg=path)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_stable_log_softmax_at_extremes(dtype, strict_warnings) -> None:
    x = Value(np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]], dtype=dtype))
    y = x.log_softmax(axis=1)
    y.backward(np.array([[1.0, 2.0, 3.0], [1.0, 0.0, 0.0]], dtype=dtype))
    np.testing.assert_allclose(y.data, [[0.0, -2000.0, -1000.0], [-math.log(3)] * 3], rtol=1e-6)
    np.testing.assert_allclose(x.grad, [[-5.0, 2.0, 3.0], [2 / 3, -1 / 3, -1 / 3]], rtol=1e-6)
    assert y.data.dtype == dtype and x.grad.dtype == dtype


def test_stable_float32_sigmoid_tails(strict_warnings) -> None:
    """float32's exp overflows past 88: the tails still come out 0 and 1, warning-free."""
    v = Value(np.array([-200.0, -100.0, -90.0, 100.0, 200.0], dtype=np.float32))
    s = v.sigmoid()
    s.sum().backward()
    assert s.data.dtype == np.float32 and v.grad.dtype == np.float32
    np.testing.assert_allclose(s.data, [0.0, 0.0, 0.0, 1.0, 1.0], atol=1e-38, rtol=0)
    np.testing.assert_allclose(v.grad, [0.0] * 5, atol=1e-38, rtol=0)


@pytest.mark.parametrize("expr", [
    lambda a: a ** 400.0, lambda a: (-a) ** 401.0, lambda a: (a * 0.1) ** -400.0,
    lambda a: a / 0.0, lambda a: -a / 0.0, lambda a: (a - a) / 0.0, lambda a: (a - a) ** -1.0,
    lambda a: (-a) ** 0.5, lambda a: (a * 1e3).exp(), lambda a: (a - a).log(),
    lambda a: (-a).log(), lambda a: (-a).sqrt(), lambda a: (a * 1e4).softplus(),
], ids=["pow-overflow", "odd-pow-overflow", "pow-neg-overflow", "div0", "neg-div0", "0/0", "0**-1",
        "neg**0.5", "exp-overflow", "log0", "log-neg", "sqrt-neg", "softplus-big"])
def test_stable_scalar_and_tensor_agree_beyond_range(expr) -> None:
    """Python's float ops raise where numpy returns inf/nan: the scalar path follows numpy.
    The forward is warning-free; backward may add inf to -inf, where numpy warns."""
    s, t = Value(10.0), Value(np.array([10.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ys, yt = expr(s), expr(t)
    assert type(ys.data) is float
    np.testing.assert_array_equal(ys.data, yt.data[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ys.backward()
        yt.backward(np.ones(1))
    np.testing.assert_array_equal(s.grad, t.grad[0])


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "exp", "softplus", "relu", "abs", "sqrt",
                                  "log"])
def test_stable_nan_propagates_on_both_paths(name: str, strict_warnings) -> None:
    for data in (math.nan, np.array([math.nan])):
        y = getattr(Value(data), name)()
        assert math.isnan(_first(y.data)), f"{name}(nan) on {type(data).__name__}"
