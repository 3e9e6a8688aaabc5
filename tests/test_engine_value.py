"""A Value's own surface: what ``repr`` says, its attributes (shape, ndim, size, dtype,
op, inputs, params, parents, ``len``), and gradients of a kind a VJP may return."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_nn import Value, no_grad
from micrograd_nn.engine import apply
from micrograd_nn.ops import Op


def test_repr_says_what_it_is() -> None:
    x = Value(2.0, label="x")
    assert repr(x) == "Value(label='x', data=2)"
    y = x * 3.0
    y.backward()
    assert repr(y) == "Value(data=6, grad=1, op=mul)"
    t = Value(np.ones((2, 3), dtype=np.float32), requires_grad=False)
    assert repr(t) == "Value(shape=(2, 3), dtype=float32, requires_grad=False)"
    assert repr(t.sum(axis=0)) == "Value(shape=(3,), dtype=float32, requires_grad=False)"
    assert repr(Value(np.ones(3)).sum(axis=0, keepdims=True)) == (
        "Value(shape=(1,), dtype=float64, op=sum)")


def test_attributes_of_scalar_and_tensor() -> None:
    s, t = Value(1.5), Value(np.zeros((2, 3, 4), dtype=np.float32))
    assert (s.shape, s.ndim, s.size, s.dtype) == ((), 0, 1, np.float64)
    assert (t.shape, t.ndim, t.size, t.dtype) == ((2, 3, 4), 3, 24, np.float32)
    assert len(t) == 2
    with pytest.raises(TypeError, match="len"):
        len(s)
    assert (s.op, s.inputs, s.params, s.parents) == ("", (), (), ())


def test_graph_attributes_name_inputs_and_params() -> None:
    t = Value(np.ones((2, 3)))
    r = 2.0 - t  # a plain number is a constant input, not a parent
    assert r.op == "sub" and r.inputs == (2.0, t) and r.parents == (t,) and r.params == ()
    m = t.max(axis=np.int64(-1), keepdims=True)  # a numpy integer axis is an int
    assert m.op == "max" and m.params == (-1, True) and type(m.params[0]) is int
    w, b = Value(np.ones((3, 2))), Value(np.zeros(2))
    y = apply("linear", t, w, b)
    assert y.inputs == (t, w, b) and y.params == () and y.parents == (t, w, b)
    y0 = apply("linear", t, w, None)
    assert y0.inputs == (t, w, None) and y0.parents == (t, w)


@pytest.mark.parametrize("vjp, want", [
    (lambda g, ans, x: 0.0, 0.0),  # a number: e.g. a piecewise-constant op
    (lambda g, ans, x: np.full((1, 1), 2.0), 2.0),  # a size-1 array for a larger input
], ids=["number", "size-1-array"])
def test_vjp_output_is_fitted_to_its_input(vjp, want) -> None:
    """A VJP may return less than a full array: the input still gets a gradient of its
    own shape and dtype, and a leaf owns it (writable, not a broadcast view)."""
    op = Op("test_op", lambda x: x * 1.0, (vjp,), "test", 1)
    x = Value(np.ones((2, 3), dtype=np.float32))
    apply(op, x).backward(np.ones((2, 3)))  # straight into the leaf
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [[want] * 3] * 2
    assert x.grad.flags.writeable
    h = x * 1.0
    apply(op, h).backward(np.ones((2, 3)))  # through an intermediate
    assert h.grad.dtype == np.float32 and h.grad.tolist() == [[want] * 3] * 2
    assert x.grad.tolist() == [[2 * want] * 3] * 2


def test_no_grad_nests_reuses_one_instance_and_decorates() -> None:
    ng = no_grad()
    with ng:
        with ng:
            assert not (Value(1.0) * 2).requires_grad
        assert not (Value(1.0) * 2).requires_grad
    assert (Value(1.0) * 2).requires_grad

    @no_grad()
    def predict(v: Value) -> Value:
        return v * 3

    assert not predict(Value(1.0)).requires_grad
    assert (Value(1.0) * 3).requires_grad
