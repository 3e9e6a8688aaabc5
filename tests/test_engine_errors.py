"""Errors: shape mismatches are ValueErrors naming both shapes as ``(2, 3)``; unsupported
operands and indices are TypeErrors."""

from __future__ import annotations

import operator
import re

import numpy as np
import pytest

from micrograd_nn import Value
from micrograd_nn.engine import apply


def names_both(a: str, b: str) -> str:
    return rf"(?s){re.escape(a)}.*{re.escape(b)}"


@pytest.mark.parametrize("f", [operator.add, operator.sub, operator.mul, operator.truediv,
                               operator.pow], ids=["add", "sub", "mul", "div", "pow"])
def test_error_broadcast_mismatch_names_both_shapes(f) -> None:
    a, b = Value(np.ones((2, 3))), Value(np.ones((4, 5)))
    with pytest.raises(ValueError, match=names_both("(2, 3)", "(4, 5)")) as e:
        f(a, b)
    assert f.__name__.replace("truediv", "div") in str(e.value)
    with pytest.raises(ValueError, match=names_both("(2, 3)", "(4, 5)")):
        f(a, np.ones((4, 5)))
    with pytest.raises(ValueError, match=names_both("(4, 5)", "(2, 3)")):
        f(np.ones((4, 5)), a)


def test_error_matmul_mismatch_names_both_shapes() -> None:
    with pytest.raises(ValueError, match=names_both("(3, 4)", "(5, 2)")) as e:
        Value(np.ones((3, 4))) @ Value(np.ones((5, 2)))
    assert "matmul" in str(e.value) and "4 (" in str(e.value)
    with pytest.raises(ValueError, match=names_both("(3,)", "(4,)")):
        Value(np.ones(3)) @ np.ones(4)


def test_error_matmul_batch_mismatch_says_batch() -> None:
    with pytest.raises(ValueError, match=names_both("(2, 3, 4)", "(5, 4, 2)")) as e:
        Value(np.ones((2, 3, 4))) @ Value(np.ones((5, 4, 2)))
    msg = str(e.value)
    assert "batch" in msg and "(2,)" in msg and "(5,)" in msg and "4 != 4" not in msg


def test_error_matmul_of_scalars() -> None:
    with pytest.raises(ValueError, match="matmul"):
        Value(2.0) @ Value(3.0)


def test_error_linear_mismatch_names_both_shapes() -> None:
    with pytest.raises(ValueError, match=names_both("(4, 3)", "(2, 5)")):
        apply("linear", Value(np.ones((4, 3))), Value(np.ones((2, 5))), None)


@pytest.mark.parametrize("bias", [(5,), (3, 2)])
def test_error_linear_bias_mismatch_blames_the_bias(bias) -> None:
    """x @ W is fine here: the message names the bias and the output it must fit."""
    x, w = Value(np.ones((4, 3))), Value(np.ones((3, 2)))
    with pytest.raises(ValueError, match=names_both(f"bias {bias}", "(4, 2)")) as e:
        apply("linear", x, w, Value(np.ones(bias)))
    assert "batch" not in str(e.value)


def test_error_backward_seed_wrong_shape() -> None:
    y = Value(np.ones((2, 3))).exp()
    with pytest.raises(ValueError, match=names_both("(3,)", "(2, 3)")):
        y.backward(np.ones(3))
    s = Value(2.0) * 3.0
    with pytest.raises(ValueError, match=names_both("(2,)", "()")):
        s.backward(np.ones(2))


def test_error_backward_missing_seed_for_non_scalar_root() -> None:
    x = Value(np.ones((2, 3)))
    y = x * 2.0
    with pytest.raises(ValueError, match=names_both("(2, 3)", "()")):
        y.backward()
    y.backward(np.ones((2, 3)))  # the failed call left nothing behind
    assert x.grad.tolist() == [[2.0] * 3] * 2


@pytest.mark.parametrize("bad", ["abc", {"a": 1}, None, object(), {1.0}, 1 + 2j],
                         ids=["str", "dict", "None", "object", "set", "complex"])
@pytest.mark.parametrize("f", [operator.add, operator.sub, operator.mul, operator.truediv,
                               operator.pow, operator.matmul],
                         ids=["add", "sub", "mul", "div", "pow", "matmul"])
def test_error_unsupported_operand_type(f, bad) -> None:
    for v in (Value(2.0), Value(np.ones(2))):
        with pytest.raises(TypeError):
            f(v, bad)
        with pytest.raises(TypeError):
            f(bad, v)


@pytest.mark.parametrize("bad", [np.array([1j, 2j]), np.array([1.0, 2.0], dtype=object),
                                 np.array(["a", "b"]), np.array(["2020-01-01"] * 2, "M8[D]")],
                         ids=["complex", "object", "str", "datetime"])
def test_error_unsupported_array_dtype(bad) -> None:
    """An array operand must hold real numbers: no complex or object Value comes out."""
    for v in (Value(2.0), Value(np.ones(2))):
        for f in (operator.add, operator.mul, operator.pow):
            with pytest.raises(TypeError, match=re.escape(str(bad.dtype))):
                f(v, bad)
            with pytest.raises(TypeError, match=re.escape(str(bad.dtype))):
                f(bad, v)
    with pytest.raises(TypeError, match=re.escape(str(bad.dtype))):
        apply("add", Value(np.ones(2)), bad)


def test_error_unsupported_data_type() -> None:
    for bad in ("abc", {"a": 1}, None, ["a", "b"], np.array(["x"]), 1 + 2j):
        with pytest.raises(TypeError):
            Value(bad)
    with pytest.raises(TypeError):
        Value(Value(1.0))


def test_error_ragged_data_is_value_error() -> None:
    with pytest.raises(ValueError):
        Value([[1.0, 2.0], [3.0]])


def test_error_indexing_scalar_value() -> None:
    with pytest.raises(TypeError, match="index"):
        Value(2.0)[0]


def test_error_value_as_index() -> None:
    t = Value(np.arange(4.0))
    with pytest.raises(TypeError, match="Value"):
        t[Value(1.0)]
    with pytest.raises(TypeError, match="Value"):
        t.reshape(2, 2)[1, Value(0.0)]


def test_error_index_out_of_range_names_shape() -> None:
    with pytest.raises(IndexError, match=re.escape("(4,)")):
        Value(np.arange(4.0))[7]


def test_error_bad_axis_type() -> None:
    with pytest.raises(TypeError):
        Value(np.ones((2, 2))).sum(axis="rows")
    with pytest.raises(ValueError):
        Value(np.ones((2, 2))).sum(axis=5)


def test_error_reshape_size_mismatch() -> None:
    with pytest.raises(ValueError, match=re.escape("(2, 3)")):
        Value(np.ones((2, 3))).reshape(4, 2)


def test_error_apply_wrong_number_of_inputs() -> None:
    with pytest.raises(TypeError, match="add"):
        apply("add", Value(1.0))
    with pytest.raises(TypeError):
        apply("add", Value(1.0), "x")
