"""Operands on either side of every operator: Values, Python numbers, numpy scalars,
ndarrays (on the left too: a Value, never an object array), lists and tuples."""

from __future__ import annotations

import operator

import numpy as np
import pytest

from micrograd_nn import Value

OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
             "**": operator.pow}
X = np.array([[0.5, 1.5], [2.0, 1.25]])  # positive: a valid base for **
C = np.array([[1.5, 0.75], [0.5, 2.0]])


def _const_kinds(arr: np.ndarray) -> dict:
    return {"ndarray": arr, "list": arr.tolist(), "tuple": tuple(map(tuple, arr.tolist())),
            "int": 2, "float": 1.5, "np.float64": np.float64(1.5), "np.float32": np.float32(1.5),
            "np.int64": np.int64(2)}


_KINDS = sorted(_const_kinds(C))


@pytest.mark.parametrize("sym", sorted(OPERATORS))
@pytest.mark.parametrize("kind", _KINDS)
def test_operand_constant_on_the_right(sym: str, kind: str) -> None:
    const = _const_kinds(C)[kind]
    v = Value(X)
    out = OPERATORS[sym](v, const)
    assert type(out) is Value
    assert out.data.dtype == np.float64 and type(out.data) is np.ndarray
    want = OPERATORS[sym](X, np.asarray(const, dtype=np.float64))
    np.testing.assert_allclose(out.data, want, rtol=1e-15)
    assert out.parents == (v,)
    out.backward(np.ones_like(X))
    assert v.grad.shape == X.shape


@pytest.mark.parametrize("sym", sorted(OPERATORS))
@pytest.mark.parametrize("kind", _KINDS)
def test_operand_constant_on_the_left(sym: str, kind: str) -> None:
    const = _const_kinds(C)[kind]
    v = Value(X)
    out = OPERATORS[sym](const, v)
    assert type(out) is Value, f"{kind} {sym} Value gave {type(out).__name__}"
    want = OPERATORS[sym](np.asarray(const, dtype=np.float64), X)
    np.testing.assert_allclose(out.data, want, rtol=1e-15)
    assert out.parents == (v,)


@pytest.mark.parametrize("sym", sorted(OPERATORS))
def test_operand_number_either_side_scalar_path(sym: str) -> None:
    f = OPERATORS[sym]
    for const in (2, 1.5, np.float64(1.5)):
        a, b = Value(1.25), Value(1.25)
        left, right = f(const, a), f(b, const)
        assert type(left.data) is float and type(right.data) is float
        assert left.data == pytest.approx(f(float(const), 1.25))
        assert right.data == pytest.approx(f(1.25, float(const)))
        left.backward()
        right.backward()
        assert type(a.grad) is float and type(b.grad) is float


def test_operand_scalar_value_with_tensor_value() -> None:
    s, t = Value(2.0), Value(np.array([1.0, 2.0, 3.0]))
    y = (s * t + t / s - s).sum()
    y.backward()
    assert type(s.grad) is float
    assert s.grad == pytest.approx(6.0 - 6.0 / 4.0 - 3.0)
    np.testing.assert_allclose(t.grad, [2.5] * 3)


def test_operand_ndarray_left_matmul_gives_value() -> None:
    a = np.arange(6.0).reshape(2, 3)
    v = Value(np.ones((3, 2)))
    out = a @ v
    assert type(out) is Value
    np.testing.assert_array_equal(out.data, a @ np.ones((3, 2)))
    out.backward(np.ones((2, 2)))
    np.testing.assert_array_equal(v.grad, a.T @ np.ones((2, 2)))
    lst = [1.0, 2.0, 3.0] @ Value(np.eye(3))
    assert type(lst) is Value and lst.data.tolist() == [1.0, 2.0, 3.0]
    assert type(Value(np.eye(3)) @ [1.0, 2.0, 3.0]) is Value


def test_operand_inplace_operators() -> None:
    """``v += c`` rebinds to a new Value node; an ndarray cannot hold a Value in place."""
    v = Value(np.array([1.0, 2.0]))
    w = v
    w += 1.0
    w *= 2.0
    assert type(w) is Value and w is not v and v.data.tolist() == [1.0, 2.0]
    w.backward(np.ones(2))
    assert v.grad.tolist() == [2.0, 2.0]
    a = np.ones(2)
    with pytest.raises(TypeError):
        a += Value(np.array([1.0, 2.0]))
    assert a.tolist() == [1.0, 1.0]


def test_operand_unary_neg_and_abs() -> None:
    v = Value(np.array([-1.0, 2.0]))
    assert (-v).data.tolist() == [1.0, -2.0] and abs(v).data.tolist() == [1.0, 2.0]
    s = Value(-3.0)
    assert (-s).data == 3.0 and abs(s).data == 3.0


def test_operand_list_data_makes_tensor() -> None:
    for data in ([1, 2, 3], (1.0, 2.0, 3.0), [[1], [2]], [True, False]):
        v = Value(data)
        assert type(v.data) is np.ndarray and v.data.dtype == np.float64
    assert type(Value(3).data) is float and type(Value(np.float32(3.0)).data) is float
    assert type(Value(np.array(3.0)).data) is float and Value(np.array(3.0)).shape == ()



@pytest.mark.parametrize("path", ["scalar", "tensor"])
@pytest.mark.parametrize("flag", [True, False, np.True_, np.False_],
                         ids=["True", "False", "np.True_", "np.False_"])
def test_operand_bools_are_numbers(path: str, flag) -> None:
    """``True``/``False`` (Python's or numpy's) are numbers on either side, as in numpy and
    PyTorch: ``v * (x > 0)`` with a bool."""
    data = 1.5 if path == "scalar" else np.array([1.5, -2.0])
    v = Value(data)
    outs = [(f(v, flag), f(data, float(flag))) for f in (operator.add, operator.sub,
                                                          operator.mul, operator.pow)]
    outs += [(f(flag, v), f(float(flag), data)) for f in (operator.add, operator.sub,
                                                          operator.mul)]
    for out, want in outs:
        assert type(out) is Value and out.parents == (v,)
        assert type(out.data) is type(v.data)
        np.testing.assert_array_equal(out.data, want)
