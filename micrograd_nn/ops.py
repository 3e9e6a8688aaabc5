"""The one home of derivatives: every primitive's forward and VJPs, side by side.

An :class:`Op` holds ``fwd(*args) -> ans`` and one vector-Jacobian product per
differentiable input, ``vjp_i(g, ans, *args) -> gradient of input i``. ``args`` are
the inputs' data (a Python ``float`` or an ``ndarray``) followed by any static
parameters (an axis, a shape, an index). A VJP may return a gradient in the
*broadcast* shape; :func:`unbroadcast` sums it back to the input's shape.

Every function here works on both kinds of data: scalars take the ``math`` path
after one ``type(x) is float`` test, arrays take numpy's. Nothing imports the engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

ndarray = np.ndarray
_inf, _nan = math.inf, math.nan


class Op(NamedTuple):
    """A primitive: its name, forward, one VJP per differentiable input, ``kind``
    (groups ops for tests and drawings) and ``nin``, the number of those inputs."""

    name: str
    fwd: Callable[..., Any]
    vjps: tuple[Callable[..., Any], ...]
    kind: str
    nin: int


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` down to ``shape``: the reverse of numpy broadcasting.

    >>> unbroadcast(np.ones((4, 2, 3)), (2, 1)).tolist()
    [[12.0], [12.0]]
    """
    gshape = np.shape(g)
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    if lead > 0:
        g = np.sum(g, axis=tuple(range(lead)))
    keep = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if keep:
        g = np.sum(g, axis=keep, keepdims=True)
    return g


def _shape(x: Any) -> tuple[int, ...]:
    return x.shape if type(x) is ndarray else ()


# ---------------------------------------------------------------- safe scalar math
# Python's float ops raise where numpy (and PyTorch) return inf or nan; the scalar
# path follows numpy so both kinds of Value agree, with no exception or warning.


def _sdiv(x: float, y: float) -> float:
    try:
        return x / y
    except ZeroDivisionError:
        return _nan if x == 0 or x != x else math.copysign(_inf, x) * math.copysign(1.0, y)


def _spow(x: float, y: float) -> float:
    try:
        r = x**y
    except ZeroDivisionError:  # (+-0.0) ** negative
        return math.copysign(_inf, x) if y.is_integer() and int(y) % 2 else _inf
    except OverflowError:
        if x > 0:
            return _inf
        if not y.is_integer():
            return _nan  # a negative base to a fractional power
        return -_inf if int(y) % 2 else _inf
    return _nan if type(r) is complex else r


def _div(x: Any, y: Any) -> Any:
    if type(x) is float and type(y) is float:
        return _sdiv(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.divide(x, y)


def _pow(x: Any, y: Any) -> Any:
    if type(x) is not ndarray and type(y) is not ndarray:
        return _spow(float(x), float(y))
    with np.errstate(all="ignore"):
        return np.power(x, y)


def _exp(x: Any) -> Any:
    if type(x) is float:
        try:
            return math.exp(x)
        except OverflowError:
            return _inf
    with np.errstate(over="ignore"):
        return np.exp(x)


def _log(x: Any) -> Any:
    if type(x) is float:
        if x > 0:
            return math.log(x)
        return -_inf if x == 0 else _nan
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x)


def _sigmoid(x: Any) -> Any:
    """1 / (1 + exp(-x)), exact at both tails (exp(1000) -> inf -> 0, no warning)."""
    if type(x) is float:
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)  # underflows to 0.0 quietly; NaN stays NaN
        return e / (1.0 + e)
    with np.errstate(over="ignore"):
        t = np.negative(x)
        np.exp(t, out=t)
        t += 1
        np.reciprocal(t, out=t)
    return t


def _sigmoid_vjp(g: Any, ans: Any, x: Any) -> Any:
    """g * s * (1 - s), with one temporary array instead of three."""
    if type(ans) is float:
        return g * ans * (1 - ans)
    t = 1 - ans
    t *= ans
    return np.multiply(t, g, out=t) if np.shape(g) == t.shape else t * g


def _softplus(x: Any) -> Any:
    """log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|))."""
    if type(x) is float:
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _sqrt(x: Any) -> Any:
    if type(x) is float:
        return math.sqrt(x) if x >= 0 else _nan
    with np.errstate(invalid="ignore"):
        return np.sqrt(x)


def _tanh(x: Any) -> Any:
    return math.tanh(x) if type(x) is float else np.tanh(x)


def _relu(x: Any) -> Any:
    if type(x) is float:
        return 0.0 if x <= 0 else x  # NaN stays NaN, as np.maximum
    return np.maximum(x, 0)


def _step(x: Any) -> Any:
    """d relu / dx, with 0 at x == 0 (as PyTorch)."""
    if type(x) is float:
        return 1.0 if x > 0 else 0.0
    return (x > 0).astype(x.dtype)


def _sign(x: Any) -> Any:
    if type(x) is float:
        return (x > 0) - (x < 0) + 0.0
    return np.sign(x)


def _pow_vjp_x(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d/dx x**y = y * x**(y - 1), and 0 where y == 0 (as PyTorch), even at x == 0."""
    if type(y) is not ndarray:
        return g * y * _pow(x, y - 1) if y else g * 0.0
    with np.errstate(invalid="ignore"):  # 0 * inf where y == 0 is masked
        return np.where(y == 0, 0.0, g * y * _pow(x, y - 1))


def _pow_vjp_y(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d/dy x**y = x**y * log x: NaN for a negative base; 0 at x == 0 <= y (as PyTorch)."""
    if type(x) is not ndarray and type(y) is not ndarray:
        return g * 0.0 if x == 0 and y >= 0 else g * ans * _log(x)
    with np.errstate(invalid="ignore"):
        return np.where((x == 0) & (y >= 0), 0.0, g * ans * _log(x))


# ---------------------------------------------------------------- reductions & shapes


def _expand(g: Any, shape: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
    """Broadcast the gradient of a reduction back to the reduced input's shape."""
    if type(g) is not ndarray:
        g = np.asarray(g)
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


def _count(shape: tuple[int, ...], axis: Any) -> int:
    if axis is None:
        return math.prod(shape)
    axes = (axis,) if isinstance(axis, int) else axis
    return math.prod(shape[a] for a in axes)


def _max_vjp(g: Any, ans: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """Ties split the gradient equally (as ``torch.amax``)."""
    if type(x) is float:
        return g
    a = ans if keepdims or axis is None else np.expand_dims(ans, axis)
    mask = (x == a).astype(x.dtype)
    with np.errstate(invalid="ignore"):  # a NaN maximum matches nothing: 0/0, NaN as torch
        mask /= mask.sum(axis=axis, keepdims=True)
    return _expand(g, x.shape, axis, keepdims) * mask


def _transpose_vjp(g: Any, ans: Any, x: Any, axes: Any) -> Any:
    return np.transpose(g, None if axes is None else np.argsort([a % g.ndim for a in axes]))


def _is_basic(idx: Any) -> bool:
    parts = idx if type(idx) is tuple else (idx,)
    return all(p is None or p is Ellipsis or type(p) in (int, slice) for p in parts)


def _getitem_vjp(g: Any, ans: Any, x: Any, idx: Any) -> Any:
    out = np.zeros_like(x)
    if _is_basic(idx):
        out[idx] = g
    else:  # repeated integer indices must add up
        np.add.at(out, idx, g)
    return out


# ---------------------------------------------------------------- matrix products


def _mm_vjp_a(g: Any, ans: Any, a: ndarray, b: ndarray) -> Any:
    if b.ndim == 1:  # (..., n, k) @ (k,) -> (..., n)
        return np.multiply.outer(g, b) if a.ndim > 1 else g * b
    gb = np.swapaxes(b, -1, -2)
    if a.ndim == 1:  # (k,) @ (..., k, m) -> (..., m)
        return (g[..., None, :] @ gb)[..., 0, :]
    return g @ gb


def _mm_vjp_b(g: Any, ans: Any, a: ndarray, b: ndarray) -> Any:
    if a.ndim == 1:  # (k,) @ (..., k, m) -> (..., m)
        return g * a if b.ndim == 1 else a[:, None] * g[..., None, :]
    at = np.swapaxes(a, -1, -2)
    if b.ndim == 1:  # (..., n, k) @ (k,) -> (..., n)
        return (at @ g[..., None])[..., 0]
    return at @ g


def _linear(x: ndarray, w: ndarray, b: ndarray | None) -> ndarray:
    ans = np.matmul(x, w)  # a ValueError (not @'s TypeError) for scalar operands
    if b is not None:
        if type(b) is ndarray and b.dtype is not ans.dtype:  # promote as x @ w + b does
            ans = ans.astype(np.result_type(ans, b), copy=False)
        ans += b
    return ans


def _linear_vjp_x(g: ndarray, ans: Any, x: ndarray, w: ndarray, b: Any) -> ndarray:
    return g @ w.T


def _linear_vjp_w(g: ndarray, ans: Any, x: ndarray, w: ndarray, b: Any) -> ndarray:
    if x.ndim == 2:
        return x.T @ g
    if x.ndim == 1:
        return np.multiply.outer(x, g)
    lead = tuple(range(x.ndim - 1))  # (..., nin) inputs: sum over every leading axis
    return np.tensordot(x, g, axes=(lead, lead))


def _linear_vjp_b(g: ndarray, ans: Any, x: ndarray, w: ndarray, b: Any) -> ndarray:
    return g.sum(axis=0) if g.ndim == 2 else g


# ---------------------------------------------------------------- fused losses


def _mse(p: Any, t: Any) -> Any:
    d = p - t
    if type(d) is float:
        return d * d
    return float(np.vdot(d, d)) / d.size


def _mse_vjp(g: Any, ans: Any, p: Any, t: Any) -> Any:
    d = p - t
    return d * (2.0 * g) if type(d) is float else d * (2.0 * g / d.size)


def _log_softmax(x: ndarray, axis: int) -> ndarray:
    z = x - x.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def _log_softmax_vjp(g: ndarray, ans: ndarray, x: ndarray, axis: int) -> ndarray:
    return g - np.exp(ans) * g.sum(axis=axis, keepdims=True)


# ---------------------------------------------------------------- the table


def _op(name: str, fwd: Callable, vjps: tuple[Callable, ...], kind: str) -> Op:
    return Op(name, fwd, vjps, kind, len(vjps))


def _u(name: str, fwd: Callable, vjp: Callable, kind: str = "unary") -> Op:
    return _op(name, fwd, (vjp,), kind)


OPS: dict[str, Op] = {
    op.name: op
    for op in (
        # arithmetic (broadcasting; unbroadcast happens in the engine)
        _op("add", lambda x, y: x + y, (lambda g, ans, x, y: g, lambda g, ans, x, y: g), "binary"),
        _op("sub", lambda x, y: x - y, (lambda g, ans, x, y: g, lambda g, ans, x, y: -g), "binary"),
        _op("mul", lambda x, y: x * y,
           (lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x), "binary"),
        _op("div", _div, (lambda g, ans, x, y: _div(g, y),
                         lambda g, ans, x, y: -g * _div(ans, y)), "binary"),
        _op("pow", _pow, (_pow_vjp_x, _pow_vjp_y), "binary"),
        _op("matmul", np.matmul, (_mm_vjp_a, _mm_vjp_b), "matmul"),
        _u("neg", lambda x: -x, lambda g, ans, x: -g),
        # elementwise functions
        _u("exp", _exp, lambda g, ans, x: g * ans),
        _u("log", _log, lambda g, ans, x: _div(g, x)),
        _u("tanh", _tanh, lambda g, ans, x: g * (1 - ans * ans)),
        _u("sigmoid", _sigmoid, _sigmoid_vjp),
        _u("relu", _relu, lambda g, ans, x: g * _step(x)),
        _u("abs", abs, lambda g, ans, x: g * _sign(x)),
        _u("sqrt", _sqrt, lambda g, ans, x: _div(g, 2 * ans)),
        _u("softplus", _softplus, lambda g, ans, x: g * _sigmoid(x)),
        # reductions: args (x, axis, keepdims)
        _u("sum", lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims),
           lambda g, ans, x, axis, keepdims: _expand(g, _shape(x), axis, keepdims), "reduce"),
        _u("mean", lambda x, axis, keepdims: np.mean(x, axis=axis, keepdims=keepdims),
           lambda g, ans, x, axis, keepdims:
           _expand(g / _count(_shape(x), axis), _shape(x), axis, keepdims), "reduce"),
        _u("max", lambda x, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims),
           _max_vjp, "reduce"),
        # shapes: args (x, param)
        _u("reshape", lambda x, shape: np.reshape(x, shape),
           lambda g, ans, x, shape: np.reshape(g, _shape(x)), "shape"),
        _u("transpose", lambda x, axes: np.transpose(x, axes), _transpose_vjp, "shape"),
        _u("getitem", lambda x, idx: x[idx], _getitem_vjp, "shape"),
        # fused for speed or stability
        _op("linear", _linear, (_linear_vjp_x, _linear_vjp_w, _linear_vjp_b), "fused"),
        _op("mse", _mse, (_mse_vjp, lambda g, ans, p, t: -_mse_vjp(g, ans, p, t)), "fused"),
        _u("log_softmax", _log_softmax, _log_softmax_vjp, "fused"),
    )
}
