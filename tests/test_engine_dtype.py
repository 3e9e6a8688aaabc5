"""dtypes and the kind of ``.data``: float32 stays float32 through ops and gradients;
a scalar's data is a Python float, never a 0-d array or a numpy scalar.
(Every op's float32 behaviour is also checked case by case in test_ops_table.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_nn import Value
from micrograd_nn.engine import apply

f32 = np.float32


def test_dtype_float32_times_python_float() -> None:
    x = Value(np.array([1.0, 2.0], dtype=f32))
    y = x * 2.0 + 1 - 0.5 / (x + 3)
    assert y.data.dtype == f32
    y.backward(np.ones(2, dtype=f32))
    assert x.grad.dtype == f32


def test_dtype_float32_through_a_layer() -> None:
    rng = np.random.default_rng(0)
    x = Value(rng.normal(size=(4, 3)).astype(f32))
    w = Value(rng.normal(size=(3, 2)).astype(f32))
    b = Value(np.zeros(2, dtype=f32))
    t = Value(rng.normal(size=(4, 2)).astype(f32), requires_grad=False)
    h = apply("linear", x, w, b).sigmoid()
    assert h.data.dtype == f32
    h2 = (x @ w + b).tanh().relu().softplus().log_softmax()
    assert h2.data.dtype == f32
    loss = apply("mse", h, t) + h2.mean() + (h * h).sum(axis=0).max()
    assert type(loss.data) is float
    loss.backward()
    for v in (x, w, b):
        assert v.grad.dtype == f32, v
    assert t.grad.dtype == f32 and not t.grad.any()


def test_dtype_float32_scalar_value_mixes_weakly() -> None:
    """A scalar Value holds a Python float, which numpy treats as a weak scalar."""
    s = Value(3.0)
    x = Value(np.ones(2, dtype=f32))
    y = (s * x + s).sum()
    assert (s * x).data.dtype == f32
    y.backward()
    assert type(s.grad) is float and s.grad == 4.0 and x.grad.dtype == f32


def test_dtype_promotion_follows_numpy() -> None:
    x32 = Value(np.ones(2, dtype=f32))
    x64 = Value(np.ones(2))
    y = x32 * x64
    assert y.data.dtype == np.float64
    y.backward(np.ones(2))
    assert x32.grad.dtype == f32 and x64.grad.dtype == np.float64  # each in its own dtype
    assert Value(np.ones(2, dtype=np.float16)).data.dtype == np.float16
    assert Value(np.array([1, 2])).data.dtype == np.float64  # ints become float64


def test_dtype_fused_linear_promotes_as_unfused() -> None:
    """``apply("linear", x, W, b)`` gives the dtype of ``x @ W + b``: numpy's promotion."""
    for dx, dw, db in [(f32, f32, np.float64), (f32, np.float64, f32), (np.float64, f32, f32),
                       (f32, f32, f32)]:
        x = Value(np.ones((4, 3), dtype=dx))
        w, b = Value(np.ones((3, 2), dtype=dw)), Value(np.ones(2, dtype=db))
        y = apply("linear", x, w, b)
        assert y.data.dtype == (x @ w + b).data.dtype == np.result_type(dx, dw, db)
        y.backward(np.ones((4, 2)))
        assert (x.grad.dtype, w.grad.dtype, b.grad.dtype) == (dx, dw, db)


def test_dtype_seed_cast_to_root_dtype() -> None:
    x = Value(np.ones(3, dtype=f32))
    y = x * 2.0
    y.backward(np.ones(3))  # a float64 seed
    assert x.grad.dtype == f32 and y.grad.dtype == f32


def test_dtype_grad_setter_keeps_value_dtype() -> None:
    x = Value(np.ones(2, dtype=f32))
    x.grad = np.array([1.0, 2.0])
    assert x.grad.dtype == f32


@pytest.mark.parametrize("make", [
    lambda: Value(np.ones((2, 3))).sum(),
    lambda: Value(np.ones((2, 3), dtype=f32)).sum(),
    lambda: Value(np.ones((2, 3), dtype=f32)).mean(),
    lambda: Value(np.ones(3)).max(),
    lambda: Value(np.ones((1, 1))).reshape(()),
    lambda: Value(np.ones((1, 1))).reshape(),
    lambda: Value(np.arange(3.0))[1],
    lambda: Value(np.ones((2, 2)))[0, 1],
    lambda: Value(np.ones(3)) @ Value(np.ones(3)),
    lambda: Value(np.ones(3, dtype=f32)) @ Value(np.ones(3, dtype=f32)),
    lambda: apply("mse", Value(np.ones(2)), np.zeros(2)),
    lambda: Value(np.float64(2.0)) * 2,
    lambda: Value(np.array(2.0)).exp(),
    lambda: Value(2.0) * np.float64(2.0),
    lambda: np.float32(2.0) * Value(2.0),
    lambda: Value(2.0) ** np.int64(2),
], ids=["sum", "sum-f32", "mean-f32", "max", "reshape-0d", "reshape-noargs", "index-1d",
        "index-2d", "dot", "dot-f32", "mse", "np.float64-data", "0d-array", "np.float64-right",
        "np.float32-left", "np.int64-exponent"])
def test_dtype_scalar_data_is_python_float(make) -> None:
    v = make()
    assert type(v.data) is float and v.shape == ()
    v.backward()
    for p in v.parents:
        assert type(p.grad) is type(p.data)


def test_dtype_scalar_grad_is_python_float() -> None:
    x = Value(2.0)
    assert type(x.grad) is float and x.grad == 0.0
    t = Value(np.ones(3))
    y = (x * t).sum()
    y.backward()
    assert type(x.grad) is float and x.grad == 3.0
