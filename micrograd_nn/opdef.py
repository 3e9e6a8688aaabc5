"""The building blocks of the op table: `Op`, `unbroadcast`, and scalar
maths that follows numpy (inf/nan, never an exception or a warning).

The table itself is [`micrograd_nn.ops`][]; the modules holding its sections
(`ops_math`, `ops_array`, ...) build their entries from what is here. Nothing here
imports the engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

ndarray = np.ndarray
INF, NAN = math.inf, math.nan


class Op(NamedTuple):
    """A primitive: its name, forward, one VJP per differentiable input, `kind`
    (groups ops for tests and drawings) and `nin`, the number of those inputs."""

    name: str
    fwd: Callable[..., Any]
    vjps: tuple[Callable[..., Any], ...]
    kind: str
    nin: int


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of a float (`()`), an ndarray or a Value."""
    t = type(x)
    return () if t is float else x.shape


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum `g` down to `shape`: the reverse of numpy broadcasting. Works on raw
    data and on Values (through the `sum` op).

    ```pycon
    >>> unbroadcast(np.ones((4, 2, 3)), (2, 1)).tolist()
    [[12.0], [12.0]]

    ```
    """
    gshape = shape_of(g)
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    raw_g = type(g) is ndarray  # the first-order path: sum directly, no call()
    if lead > 0:
        axes = tuple(range(lead))
        g = g.sum(axis=axes) if raw_g else call(SUM, g, params=(axes, False))
    keep = tuple(i for i, n in enumerate(shape) if n == 1 and shape_of(g)[i] != 1)
    if keep:
        g = g.sum(axis=keep, keepdims=True) if raw_g else call(SUM, g, params=(keep, True))
    return g


# ---------------------------------------------------------------- safe scalar math
# Python's float ops raise where numpy (and PyTorch) return inf or nan; the scalar
# path follows numpy so both kinds of Value agree, with no exception or warning.


def _sdiv(x: float, y: float) -> float:
    try:
        return x / y
    except ZeroDivisionError:
        return NAN if x == 0 or x != x else math.copysign(INF, x) * math.copysign(1.0, y)


def _spow(x: float, y: float) -> float:
    try:
        r = x**y
    except ZeroDivisionError:  # (+-0.0) ** negative
        return math.copysign(INF, x) if y.is_integer() and int(y) % 2 else INF
    except OverflowError:
        if x > 0:
            return INF
        if not y.is_integer():
            return NAN  # a negative base to a fractional power
        return -INF if int(y) % 2 else INF
    return NAN if type(r) is complex else r


def safe_div(x: Any, y: Any) -> Any:
    if type(x) is float and type(y) is float:
        return _sdiv(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.divide(x, y)


def safe_pow(x: Any, y: Any) -> Any:
    if type(x) is not ndarray and type(y) is not ndarray:
        return _spow(float(x), float(y))
    with np.errstate(all="ignore"):
        # ``**`` rather than np.power: ndarray's operator turns a scalar exponent of 2,
        # 0.5, 1 or -1 into square/sqrt/copy/reciprocal (``x ** 2`` of a small array costs
        # a tenth of np.power's general pow)
        return x ** y


def safe_exp(x: Any) -> Any:
    if type(x) is float:
        try:
            return math.exp(x)
        except OverflowError:
            return INF
    with np.errstate(over="ignore"):
        return np.exp(x)


def safe_log(x: Any) -> Any:
    if type(x) is float:
        if x > 0:
            return math.log(x)
        return -INF if x == 0 else NAN
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x)


def raw(x: Any) -> Any:
    """The data of `x`: itself for a float or ndarray, `x.data` for a Value.

    VJPs use it for what is not differentiated (masks, indices, shapes), so that the
    same VJP runs on raw data and, under `create_graph=True`, on Values."""
    t = type(x)
    if t is float or t is ndarray:
        return x
    return x.data if hasattr(t, "__apply_op__") else x


def call(op: Op, *inputs: Any, params: tuple = ()) -> Any:
    """Apply table op `op` inside a VJP.

    On raw data (the first-order backward pass) this is just `op.fwd`. When a VJP runs
    under `backward(create_graph=True)` its arguments are Values, and a Value records
    the op on the graph through its `__apply_op__` protocol, so the VJP is itself
    differentiable (the way second derivatives come for free).
    """
    for x in inputs:
        t = type(x)
        if t is not float and t is not ndarray and hasattr(t, "__apply_op__"):
            return x.__apply_op__(op, inputs, params)
    return op.fwd(*inputs, *params)


def op(name: str, fwd: Callable, vjps: tuple[Callable, ...], kind: str) -> Op:
    """A table entry: `nin` is the number of VJPs (differentiable inputs)."""
    return Op(name, fwd, vjps, kind, len(vjps))


def unary(name: str, fwd: Callable, vjp: Callable, kind: str = "unary") -> Op:
    return op(name, fwd, (vjp,), kind)


def _sum(x: Any, axis: Any, keepdims: bool) -> Any:
    # ndarray's method, not np.sum: the same reduction without np.sum's Python wrapper,
    # which costs more than the work on a small array (W3)
    if type(x) is float:
        return x if axis is None and not keepdims else np.sum(x, axis=axis, keepdims=keepdims)
    return x.sum(axis=axis, keepdims=keepdims)


SUM = unary("sum", _sum,
            lambda g, ans, x, axis, keepdims: _sum_vjp(g, x, axis, keepdims), "reduce")
"""`sum` lives here (not in `ops`) because `unbroadcast` needs it."""


def expand(g: Any, shape: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
    """Broadcast the gradient of a reduction back to the reduced input's `shape`."""
    if axis is not None and not keepdims:
        axes = (axis,) if type(axis) is int else axis
        gs = list(shape_of(g))
        for a in sorted(ax % len(shape) for ax in axes):
            gs.insert(a, 1)
        g = call(RESHAPE, g, params=(tuple(gs),))
    if type(g) is float:
        return np.full(shape, g)
    return call(BROADCAST_TO, g, params=(shape,))


def _sum_vjp(g: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    return expand(g, shape_of(x), axis, keepdims)


def _reshape(x: Any, shape: tuple[int, ...]) -> Any:
    ans = np.reshape(x, shape)
    return float(ans) if ans.ndim == 0 else ans


RESHAPE: Op = unary("reshape", _reshape,
                    lambda g, ans, x, shape: call(RESHAPE, g, params=(shape_of(x),)), "shape")
BROADCAST_TO = unary("broadcast_to", lambda x, shape: np.broadcast_to(x, shape),
                     lambda g, ans, x, shape: unbroadcast(g, shape_of(x)), "shape")
