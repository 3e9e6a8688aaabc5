"""numpy's functions on Values: the dispatch behind `__array_ufunc__` and
`__array_function__`.

One table maps each numpy ufunc or function to a handler that builds the result from
the op table ([`micrograd_nn.ops`][]), so `np.sin(v)`, `np.concatenate([a, b])`
and `arr + v` give Values with exact gradients; plain arrays beside Values are
constants. The handlers live in `micrograd_nn.numpy_math` (elementwise maths,
reductions, products) and `micrograd_nn.numpy_array` (shapes, joining, selecting);
the ufuncs behind Python's operators are here. A numpy function without a handler
raises a TypeError naming it, never an object array or numpy's own message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import numpy_array, numpy_math
from .engine import Value, apply
from .ops import OPS


def _op(name: str) -> Callable[..., Value]:
    op = OPS[name]
    return lambda *xs: apply(op, *xs)


_OPERATOR_UFUNCS: dict[Any, Callable[..., Any]] = {
    np.add: _op("add"), np.subtract: _op("sub"), np.multiply: _op("mul"),
    np.true_divide: _op("div"), np.power: _op("pow"), np.matmul: _op("matmul"),
    np.negative: _op("neg"), np.positive: lambda x: x * 1.0, np.exp: _op("exp"),
    np.log: _op("log"), np.tanh: _op("tanh"), np.sqrt: _op("sqrt"),
    np.absolute: _op("abs"),
    # comparisons give plain bools / bool arrays: no gradient, as numpy
    **{u: numpy_math.on_data(u) for u in (np.less, np.less_equal, np.greater,
                                          np.greater_equal, np.equal, np.not_equal)},
}

UFUNCS: dict[Any, Callable[..., Any]] = {**numpy_math.UFUNCS, **_OPERATOR_UFUNCS}
FUNCTIONS: dict[Any, Callable[..., Any]] = {**numpy_math.FUNCTIONS, **numpy_array.FUNCTIONS}


def _name(f: Any) -> str:
    mod = getattr(f, "__module__", None) or "numpy"
    mod = "numpy" if mod.startswith("numpy._core") or mod == "numpy.core" else mod
    return f"{mod}.{getattr(f, '__name__', repr(f))}"


def array_ufunc(ufunc: Any, method: str, inputs: tuple, kwargs: dict) -> Any:
    """`Value.__array_ufunc__`: `ufunc(*inputs)` through the op table."""
    name = f"numpy.{ufunc.__name__}"
    if method != "__call__":
        raise TypeError(f"{name}.{method} has no gradient rule in micrograd_nn; use the "
                        f"function form (e.g. np.sum(v) rather than np.add.reduce(v))")
    if kwargs.get("out") is not None:
        raise TypeError(f"{name}(..., out=...): Values are not written in place; use the "
                        "returned Value")
    handler = UFUNCS.get(ufunc)
    if handler is None:
        raise TypeError(f"{name} has no gradient rule in micrograd_nn")
    extra = {k: v for k, v in kwargs.items() if k != "out"}
    if extra and ufunc in _OPERATOR_UFUNCS and ufunc not in (np.less, np.less_equal,
                                                             np.greater, np.greater_equal,
                                                             np.equal, np.not_equal):
        raise TypeError(f"{name}: keyword arguments {sorted(extra)} are not supported on "
                        "Values")
    return handler(*inputs, **extra)


def array_function(func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
    """`Value.__array_function__`: numpy's function `func` through the op table."""
    handler = FUNCTIONS.get(func)
    if handler is None:
        raise TypeError(f"{_name(func)} has no gradient rule in micrograd_nn")
    return handler(*args, **kwargs)
