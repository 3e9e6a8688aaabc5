"""Hand-computed values, and the points central differences cannot check: kinks
(relu and abs at 0), max ties, and pow at a zero or negative base, against PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from micrograd_nn import Value
from micrograd_nn.engine import apply
from oracles import grads as grads_of
from oracles import torch_grads


# ---------------------------------------------------------------- hand values


def test_hand_karpathy_neuron() -> None:
    """micrograd's tanh neuron: o = tanh(x1*w1 + x2*w2 + b)."""
    x1, x2, w1, w2 = Value(2.0), Value(0.0), Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    assert o.data == pytest.approx(math.sqrt(0.5))
    assert [x1.grad, w1.grad, x2.grad, w2.grad] == pytest.approx([-1.5, 1.0, 0.5, 0.0])
    assert b.grad == pytest.approx(0.5)


@pytest.mark.parametrize("path", ["scalar", "tensor"])
@pytest.mark.parametrize("name, x, value, grad", [
    ("exp", 0.0, 1.0, 1.0),
    ("log", 2.0, math.log(2.0), 0.5),
    ("sqrt", 4.0, 2.0, 0.25),
    ("tanh", 0.0, 0.0, 1.0),
    ("sigmoid", 0.0, 0.5, 0.25),
    ("softplus", 0.0, math.log(2.0), 0.5),
    ("relu", 3.0, 3.0, 1.0),
    ("relu", -3.0, 0.0, 0.0),
    ("abs", -3.0, 3.0, -1.0),
])
def test_hand_unary_value_and_grad(path: str, name: str, x: float, value: float,
                                   grad: float) -> None:
    data = x if path == "scalar" else np.array([x])
    v, (g,) = grads_of(lambda a: getattr(a, name)(), data)
    assert np.ravel(v)[0] == pytest.approx(value, rel=1e-15)
    assert np.ravel(g)[0] == pytest.approx(grad, rel=1e-15)


def test_hand_binary_grads() -> None:
    _, (ga, gb) = grads_of(lambda a, b: a * b + a, 2.0, -3.0)
    assert (ga, gb) == (-2.0, 2.0)
    _, (ga, gb) = grads_of(lambda a, b: a / b, 1.0, 4.0)
    assert (ga, gb) == (0.25, -1 / 16)
    v, (ga, gb) = grads_of(lambda a, b: a ** b, 2.0, 3.0)
    assert (v, ga) == (8.0, 12.0) and gb == pytest.approx(8 * math.log(2))
    _, (ga, gb) = grads_of(lambda a, b: a - b, 5.0, 1.0)
    assert (ga, gb) == (1.0, -1.0)


def test_hand_reductions_and_fused() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert grads_of(lambda a: a.mean(), x)[1][0].tolist() == [0.25] * 4
    assert grads_of(lambda a: a.sum(), x)[1][0].tolist() == [1.0] * 4
    v, (g,) = grads_of(lambda a: a.log_softmax(), np.array([0.0, 0.0]))
    assert v.tolist() == pytest.approx([-math.log(2)] * 2) and g.tolist() == [0.0, 0.0]
    v, (gp, gt) = grads_of(lambda p, t: apply("mse", p, t), np.array([1.0, 2.0]), np.zeros(2))
    assert v == 2.5 and gp.tolist() == [1.0, 2.0] and gt.tolist() == [-1.0, -2.0]
    v, (ga, gb) = grads_of(lambda a, b: a @ b, np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones(2))
    assert v.tolist() == [3.0, 7.0]
    assert ga.tolist() == [[1.0, 1.0], [1.0, 1.0]] and gb.tolist() == [4.0, 6.0]


def test_hand_getitem_repeated_indices_add_up() -> None:
    _, (g,) = grads_of(lambda a: a[[0, 2, 0, 0]], np.zeros(3))
    assert g.tolist() == [3.0, 0.0, 1.0]
    _, (g,) = grads_of(lambda a: a[np.array([1, 1]), np.array([0, 0])], np.zeros((2, 2)))
    assert g.tolist() == [[0.0, 0.0], [2.0, 0.0]]


# ---------------------------------------------------------------- kinks


@pytest.mark.parametrize("data", [0.0, np.zeros(3)], ids=["scalar", "tensor"])
def test_kink_relu_grad_at_zero_is_zero(data) -> None:
    v, (g,) = grads_of(lambda a: a.relu(), data)
    assert np.all(np.asarray(v) == 0) and np.all(np.asarray(g) == 0)


@pytest.mark.parametrize("data", [0.0, np.zeros(3)], ids=["scalar", "tensor"])
def test_kink_abs_grad_at_zero_is_zero(data) -> None:
    v, (g,) = grads_of(lambda a: a.abs(), data)
    assert np.all(np.asarray(v) == 0) and np.all(np.asarray(g) == 0)


def test_kink_relu_abs_mixed_signs() -> None:
    x = np.array([-2.0, 0.0, 3.0])
    assert grads_of(lambda a: a.relu(), x)[1][0].tolist() == [0.0, 0.0, 1.0]
    assert grads_of(lambda a: a.abs(), x)[1][0].tolist() == [-1.0, 0.0, 1.0]


@pytest.mark.parametrize("x, kwargs, want", [
    ([1.0, 3.0, 3.0], {}, [0.0, 0.5, 0.5]),
    ([2.0, 2.0, 2.0, 2.0], {}, [0.25] * 4),
    ([[2.0, 2.0, 1.0], [0.0, 5.0, 5.0]], {"axis": 1}, [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]]),
    ([[2.0, 2.0, 1.0], [0.0, 5.0, 5.0]], {"axis": 0, "keepdims": True},
     [[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]]),
    ([[7.0, 1.0], [7.0, 7.0]], {}, [[1 / 3, 0.0], [1 / 3, 1 / 3]]),
])
def test_kink_max_ties_split_gradient_equally(x, kwargs, want) -> None:
    _, (g,) = grads_of(lambda a: a.max(**kwargs), np.array(x))
    np.testing.assert_allclose(g, want, rtol=1e-15)


@pytest.mark.parametrize("kwargs", [{}, {"axis": 1}, {"axis": (0, 1), "keepdims": True}])
def test_kink_max_with_nan_matches_torch(kwargs, strict_warnings) -> None:
    """A NaN maximum gives NaN gradients to its row (as torch.amax), without a warning."""
    torch = pytest.importorskip("torch")
    x = np.array([[1.0, math.nan, 2.0], [3.0, 3.0, 0.0]])
    v, (g,) = grads_of(lambda a: a.max(**kwargs), x)
    dim = {"axis": "dim", "keepdims": "keepdim"}
    tv, (tg,) = torch_grads(lambda t: torch.amax(t, **{dim[k]: w for k, w in kwargs.items()}), x)
    np.testing.assert_array_equal(v, tv)
    np.testing.assert_array_equal(g, tg)


def test_kink_semantics_match_torch() -> None:
    torch = pytest.importorskip("torch")
    x = np.array([[0.0, -1.0, 2.0, 2.0], [0.0, 0.0, -3.0, -3.0]])
    exprs = [
        (lambda a: a.relu(), torch.relu),
        (lambda a: a.abs(), torch.abs),
        (lambda a: a.max(), torch.amax),
        (lambda a: a.max(axis=1), lambda t: torch.amax(t, dim=1)),
        (lambda a: a.max(axis=0, keepdims=True), lambda t: torch.amax(t, dim=0, keepdim=True)),
        (lambda a: a.abs().max(), lambda t: torch.max(torch.abs(t))),  # ties split as amax
    ]
    for mg, th in exprs:
        v, (g,) = grads_of(mg, x)
        tv, (tg,) = torch_grads(th, x)
        np.testing.assert_array_equal(v, tv)
        np.testing.assert_allclose(g, tg, rtol=1e-15)


# ---------------------------------------------------------------- pow at 0 and below


@pytest.mark.parametrize("path", ["scalar", "tensor"])
def test_pow_negative_base_value_exponent_nan_grad(path: str, strict_warnings) -> None:
    wrap = (lambda z: z) if path == "scalar" else (lambda z: np.array([z]))
    v, (gx, gy) = grads_of(lambda a, b: a ** b, wrap(-2.0), wrap(2.0))
    assert np.ravel(v)[0] == 4.0
    assert np.ravel(gx)[0] == -4.0  # d/dx x**2 = 2x is fine for a negative base
    assert math.isnan(np.ravel(gy)[0])  # d/dy = x**y log x, and log(-2) is NaN


_POW_POINTS = [(-2.0, 2.0), (-2.0, 3.0), (-2.0, 0.5), (0.0, 2.0), (0.0, 0.0), (0.0, -1.0),
               (0.0, 0.5), (2.0, 0.0), (3.0, -1.5)]


@pytest.mark.parametrize("path", ["scalar", "tensor"])
def test_pow_special_points_match_torch(path: str, strict_warnings) -> None:
    base, expo = (np.array(c) for c in zip(*_POW_POINTS, strict=True))
    tv, (tgx, tgy) = torch_grads(lambda a, b: a ** b, base, expo)
    if path == "tensor":
        v, (gx, gy) = grads_of(lambda a, b: a ** b, base, expo)
    else:
        got = [grads_of(lambda a, b: a ** b, float(x), float(y)) for x, y in _POW_POINTS]
        v = np.array([r[0] for r in got])
        gx, gy = (np.array([r[1][i] for r in got]) for i in (0, 1))
    np.testing.assert_allclose(v, tv, rtol=1e-15)
    np.testing.assert_allclose(gx, tgx, rtol=1e-15)
    np.testing.assert_allclose(gy, tgy, rtol=1e-15)


def test_pow_zero_base_grads_by_hand() -> None:
    """0**y is 0 for every y > 0, so d/dy is 0; x**0 is 1 everywhere, so d/dx is 0."""
    _, (gx, gy) = grads_of(lambda a, b: a ** b, 0.0, 2.0)
    assert (gx, gy) == (0.0, 0.0)
    _, (gx,) = grads_of(lambda a: a ** 0, 0.0)
    assert gx == 0.0
    _, (gx,) = grads_of(lambda a: a ** 0.0, np.zeros(2))
    assert gx.tolist() == [0.0, 0.0]
