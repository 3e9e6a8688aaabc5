"""Broadcasting in the binary ops, on hypothesis-drawn shape pairs: each operand's
gradient is summed back to its own shape and equals HIPS autograd's."""

from __future__ import annotations

import operator

import autograd
import autograd.numpy as anp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from micrograd_nn import Value
from micrograd_nn.ops import OPS, unbroadcast

BINARY = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
          "div": operator.truediv, "pow": operator.pow}
_SHAPES = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3)
_SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None)


def _operands(name: str, sa: tuple, sb: tuple, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    if name == "pow":  # positive base
        return rng.uniform(0.5, 2.0, size=sa), rng.uniform(-2.0, 2.0, size=sb)
    b = rng.normal(size=sb)
    if name in ("div", "mod", "fmod"):  # divisor away from 0
        b = np.where(b < 0, -1.0, 1.0) * (np.abs(b) + 0.5)
    return rng.normal(size=sa), b


# numpy's binary functions, on Values (ours) and through autograd.numpy (the oracle);
# fmod's oracle is mod with the divisor's sign flipped where needed: autograd has no fmod VJP
NUMPY_BINARY = {n: (getattr(np, n), getattr(anp, n)) for n in
                ("maximum", "minimum", "fmax", "fmin", "hypot", "arctan2", "mod",
                 "logaddexp", "logaddexp2")}
NUMPY_BINARY["fmod"] = (np.fmod, lambda x, y: x - anp.trunc(x / y) * y)


def test_broadcast_covers_every_binary_op() -> None:
    assert {n for n, op in OPS.items() if op.kind == "binary"} == set(BINARY) | set(NUMPY_BINARY)


def _check(name: str, shapes, seed: int) -> None:
    sa, sb = shapes.input_shapes
    a, b = _operands(name, sa, sb, seed)
    f, ref = (BINARY[name], BINARY[name]) if name in BINARY else NUMPY_BINARY[name]
    w = np.random.default_rng(seed + 1).uniform(0.5, 1.5, size=shapes.result_shape)
    va, vb = Value(a), Value(b)
    out = f(va, vb)
    want = ref(a, b)
    assert out.shape == np.shape(want) == shapes.result_shape
    np.testing.assert_allclose(out.data, want, rtol=1e-13)
    out.backward(float(w) if w.ndim == 0 else w)

    def loss(x, y):
        return anp.sum(ref(x, y) * w)

    for v, shape, i in ((va, sa, 0), (vb, sb, 1)):
        assert np.shape(v.grad) == shape, f"{name}: grad shape {np.shape(v.grad)} != {shape}"
        assert type(v.grad) is (float if shape == () else np.ndarray)
        np.testing.assert_allclose(v.grad, autograd.grad(loss, i)(a, b), rtol=1e-10,
                                   atol=1e-12)


@_SETTINGS
@given(shapes=_SHAPES, seed=st.integers(0, 2**16))
def test_broadcast_add(shapes, seed) -> None:
    _check("add", shapes, seed)


@_SETTINGS
@given(shapes=_SHAPES, seed=st.integers(0, 2**16))
def test_broadcast_sub(shapes, seed) -> None:
    _check("sub", shapes, seed)


@_SETTINGS
@given(shapes=_SHAPES, seed=st.integers(0, 2**16))
def test_broadcast_mul(shapes, seed) -> None:
    _check("mul", shapes, seed)


@_SETTINGS
@given(shapes=_SHAPES, seed=st.integers(0, 2**16))
def test_broadcast_div(shapes, seed) -> None:
    _check("div", shapes, seed)


@_SETTINGS
@given(shapes=_SHAPES, seed=st.integers(0, 2**16))
def test_broadcast_pow(shapes, seed) -> None:
    _check("pow", shapes, seed)


@_SETTINGS
@given(shapes=_SHAPES, seed=st.integers(0, 2**16))
def test_broadcast_unbroadcast_is_sum_to(shapes, seed) -> None:
    """``unbroadcast(g, shape)`` equals summing g over every broadcast axis."""
    shape = shapes.input_shapes[0]
    g = np.random.default_rng(seed).normal(size=shapes.result_shape)
    got = unbroadcast(g, shape)
    lead = g.ndim - len(shape)
    want = g.sum(axis=tuple(range(lead))) if lead else g
    want = want.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)
    assert np.shape(got) == shape
    np.testing.assert_allclose(got, want.reshape(shape), rtol=1e-12)


@_SETTINGS
@given(shapes=_SHAPES, seed=st.integers(0, 2**16), name=st.sampled_from(sorted(NUMPY_BINARY)))
def test_broadcast_numpy_binary(shapes, seed, name) -> None:
    _check(name, shapes, seed)
