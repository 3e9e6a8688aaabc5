"""Op-table section: the core ops (arithmetic, the activations, the reductions, shapes
and selections the engine and the VJPs need, the fused ops).

VJPs are written once for both orders. In the ordinary backward pass they see raw
data; under `backward(create_graph=True)` they see Values (`g`, `ans` and the
differentiable inputs), and because they use only operators, `call` of
other table ops and `raw` for what is not differentiated (masks,
indices), the gradient they return records its own graph. Fast raw-data branches
(`type(x) is float` / `ndarray`) come first, so first-order speed is unchanged.
The one table of every op is `micrograd_nn.ops.OPS`.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from .opdef import (BROADCAST_TO, NAN, RESHAPE, SUM, Op, call, expand, op, raw, safe_div,
                    safe_exp, safe_log, safe_pow, shape_of, unary)

ndarray = np.ndarray



# ---------------------------------------------------------------- generic helpers
# Each takes the raw-data branch first (the first-order hot path) and otherwise calls a
# table op, so a VJP written with them is differentiable again.


def _dv(x: Any, y: Any) -> Any:
    """x / y following numpy at 0 (inf/nan, no exception), on raw data or Values."""
    tx, ty = type(x), type(y)
    if (tx is float or tx is ndarray) and (ty is float or ty is ndarray):
        return safe_div(x, y)
    return call(DIV, x, y)


def _pw(x: Any, y: Any) -> Any:
    tx, ty = type(x), type(y)
    if (tx is float or tx is ndarray) and (ty is float or ty is ndarray):
        return safe_pow(x, y)
    return call(POW, x, y)


def _where(cond: Any, x: Any, y: Any) -> Any:
    """`np.where(cond, x, y)` with a constant `cond`; `x`, `y` may be Values."""
    return call(WHERE, x, y, params=(raw(cond),))


def _sigmoid(x: Any) -> Any:
    """1 / (1 + exp(-x)), exact at both tails (exp(1000) -> inf -> 0, no warning)."""
    if type(x) is float:
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)  # underflows to 0.0 quietly; NaN stays NaN
        return e / (1.0 + e)
    if type(x) is not ndarray:
        return call(SIGMOID, x)
    with np.errstate(over="ignore"):
        t = np.negative(x)
        np.exp(t, out=t)
        t += 1
        np.reciprocal(t, out=t)
    return t


def _sigmoid_vjp(g: Any, ans: Any, x: Any) -> Any:
    """g * s * (1 - s), with one temporary array instead of three."""
    if type(ans) is not ndarray or type(g) is not ndarray:
        return g * ans * (1 - ans)
    t = 1 - ans
    t *= ans
    return np.multiply(t, g, out=t) if g.shape == t.shape else t * g


def _softplus(x: Any) -> Any:
    """log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|))."""
    if type(x) is float:
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _sqrt(x: Any) -> Any:
    if type(x) is float:
        return math.sqrt(x) if x >= 0 else NAN
    with np.errstate(invalid="ignore"):
        return np.sqrt(x)


def _tanh(x: Any) -> Any:
    return math.tanh(x) if type(x) is float else np.tanh(x)


def _relu(x: Any) -> Any:
    if type(x) is float:
        return 0.0 if x <= 0 else x  # NaN stays NaN, as np.maximum
    return np.maximum(x, 0)


def _step(x: Any) -> Any:
    """d relu / dx, with 0 at x == 0 (as PyTorch): a constant, from the data."""
    if type(x) is float:
        return 1.0 if x > 0 else 0.0
    if type(x) is not ndarray:
        return _step(x.data)
    return (x > 0).astype(x.dtype)


def sign(x: Any) -> Any:
    """-1, 0 or 1 (NaN stays NaN): d|x|/dx, a constant taken from the data."""
    if type(x) is float:
        return (x > 0) - (x < 0) + 0.0 if x == x else NAN
    if type(x) is not ndarray:
        return sign(x.data)
    return np.sign(x)


def _pow_vjp_x(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d/dx x**y = y * x**(y - 1), and 0 where y == 0 (as PyTorch), even at x == 0."""
    ry = raw(y)
    if type(ry) is not ndarray:
        return g * y * _pw(x, y - 1) if ry else g * 0.0
    with np.errstate(invalid="ignore"):  # 0 * inf where y == 0 is masked
        return _where(ry == 0, 0.0, g * y * _pw(x, y - 1))


def _pow_vjp_y(g: Any, ans: Any, x: Any, y: Any) -> Any:
    """d/dy x**y = x**y * log x: NaN for a negative base; 0 at x == 0 <= y (as PyTorch)."""
    rx, ry = raw(x), raw(y)
    if type(rx) is not ndarray and type(ry) is not ndarray:
        return g * 0.0 if rx == 0 and ry >= 0 else g * ans * _log_any(x)
    with np.errstate(invalid="ignore"):
        return _where((rx == 0) & (ry >= 0), 0.0, g * ans * _log_any(x))


def _log_any(x: Any) -> Any:
    t = type(x)
    return safe_log(x) if t is float or t is ndarray else call(LOG, x)


# ---------------------------------------------------------------- reductions & shapes


def _count(shape: tuple[int, ...], axis: Any) -> int:
    if axis is None:
        return math.prod(shape)
    axes = (axis,) if isinstance(axis, int) else axis
    return math.prod(shape[a] for a in axes)


def _mean(x: Any, axis: Any, keepdims: bool) -> Any:
    """np.mean's value (the same pairwise sum, divided by the count) without its Python
    overhead, which is several times the work on a small array; 0/0 is numpy's nan,
    without its warning."""
    if type(x) is float:
        return x
    s = x.sum(axis=axis, keepdims=keepdims)
    n = _count(x.shape, axis)
    return s / n if n else np.full(np.shape(s), NAN, x.dtype)


def _mean_vjp(g: Any, ans: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    n = _count(shape_of(x), axis)
    return expand(g * (1.0 / n if n else NAN), shape_of(x), axis, keepdims)


def max_vjp(g: Any, ans: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """Ties split the gradient equally (as `torch.amax`)."""
    x, a = raw(x), raw(ans)
    if type(x) is float:
        return g
    if not (keepdims or axis is None):
        a = np.expand_dims(a, axis)
    mask = (x == a).astype(x.dtype)
    with np.errstate(invalid="ignore"):  # a NaN maximum matches nothing: 0/0, NaN as torch
        mask /= mask.sum(axis=axis, keepdims=True)
    return expand(g, x.shape, axis, keepdims) * mask


def _transpose_vjp(g: Any, ans: Any, x: Any, axes: Any) -> Any:
    n = len(shape_of(g))
    back = None if axes is None else tuple(np.argsort([a % n for a in axes]).tolist())
    return call(TRANSPOSE, g, params=(back,))


def _is_basic(idx: Any) -> bool:
    parts = idx if type(idx) is tuple else (idx,)
    return all(p is None or p is Ellipsis or type(p) in (int, slice) for p in parts)


def _scatter(g: Any, shape: tuple[int, ...], dtype: Any, idx: Any) -> ndarray:
    """Zeros of `shape` with `g` added at `idx`: the adjoint of `x[idx]`."""
    out = np.zeros(shape, dtype)
    if _is_basic(idx):
        out[idx] = g
    else:  # repeated integer indices must add up
        np.add.at(out, idx, g)
    return out


def _getitem_vjp(g: Any, ans: Any, x: Any, idx: Any) -> Any:
    rx = raw(x)
    return call(SCATTER, g, params=(rx.shape, rx.dtype, idx))


def _cast(x: Any, dtype: Any) -> Any:
    return x.astype(dtype) if type(x) is ndarray else float(x)


# ---------------------------------------------------------------- matrix products


def _mT(x: Any) -> Any:
    """Swap the last two axes."""
    if type(x) is ndarray:
        return x.T if x.ndim == 2 else x.swapaxes(-1, -2)  # methods: no numpy wrapper
    n = len(shape_of(x))
    return call(TRANSPOSE, x, params=((*range(n - 2), n - 1, n - 2),))


def _mm_vjp_a(g: Any, ans: Any, a: Any, b: Any) -> Any:
    na, nb = len(shape_of(a)), len(shape_of(b))
    if nb == 1:  # (..., n, k) @ (k,) -> (..., n)
        return g[..., None] * b if na > 1 else g * b
    if na == 1:  # (k,) @ (..., k, m) -> (..., m)
        return (g[..., None, :] @ _mT(b))[..., 0, :]
    return g @ _mT(b)


def _mm_vjp_b(g: Any, ans: Any, a: Any, b: Any) -> Any:
    na, nb = len(shape_of(a)), len(shape_of(b))
    if na == 1:  # (k,) @ (..., k, m) -> (..., m)
        return g * a if nb == 1 else a[:, None] * g[..., None, :]
    if nb == 1:  # (..., n, k) @ (k,) -> (..., n)
        return (_mT(a) @ g[..., None])[..., 0]
    return _mT(a) @ g


def _linear(x: ndarray, w: ndarray, b: ndarray | None) -> ndarray:
    ans = np.matmul(x, w)  # a ValueError (not @'s TypeError) for scalar operands
    if b is not None:
        if type(b) is ndarray and b.dtype is not ans.dtype:  # promote as x @ w + b does
            ans = ans.astype(np.result_type(ans, b), copy=False)
        ans += b
    return ans


def _linear_vjp_x(g: Any, ans: Any, x: Any, w: Any, b: Any) -> Any:
    return g @ _mT(w)


def _linear_vjp_w(g: Any, ans: Any, x: Any, w: Any, b: Any) -> Any:
    nx = len(shape_of(x))
    if nx == 2:
        return _mT(x) @ g
    if nx == 1:
        return x[:, None] * g
    # (..., nin) inputs: sum over every leading axis
    nin, nout = shape_of(x)[-1], shape_of(g)[-1]
    return _mT(call(RESHAPE, x, params=((-1, nin),))) @ call(RESHAPE, g, params=((-1, nout),))


def _linear_vjp_b(g: Any, ans: Any, x: Any, w: Any, b: Any) -> Any:
    return g  # the engine sums it down to the bias's shape


# ---------------------------------------------------------------- fused losses


def _mse(p: Any, t: Any) -> Any:
    d = p - t
    if type(d) is float:
        return d * d
    if d.size == 0:
        return NAN
    return float(np.vdot(d, d)) / d.size


def _mse_vjp(g: Any, ans: Any, p: Any, t: Any) -> Any:
    d = p - t
    if type(d) is float:
        return d * (2.0 * g)
    n = d.size
    return d * (2.0 * g / n) if n else d * NAN


def _log_softmax(x: ndarray, axis: int) -> ndarray:
    z = x - x.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def _log_softmax_vjp(g: Any, ans: Any, x: Any, axis: int) -> Any:
    return g - call(EXP, ans) * call(SUM, g, params=(axis, True))


# ---------------------------------------------------------------- the table

# add, sub, mul: Python's C-level operator functions, cheaper to call than lambdas
ADD = op("add", operator.add, (lambda g, ans, x, y: g, lambda g, ans, x, y: g), "binary")
SUB = op("sub", operator.sub, (lambda g, ans, x, y: g, lambda g, ans, x, y: -g), "binary")
MUL = op("mul", operator.mul,
         (lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x), "binary")
DIV = op("div", safe_div, (lambda g, ans, x, y: _dv(g, y),
                           lambda g, ans, x, y: -g * _dv(ans, y)), "binary")
POW = op("pow", safe_pow, (_pow_vjp_x, _pow_vjp_y), "binary")
MATMUL = op("matmul", np.matmul, (_mm_vjp_a, _mm_vjp_b), "matmul")
NEG = unary("neg", lambda x: -x, lambda g, ans, x: -g)
# elementwise functions
EXP = unary("exp", safe_exp, lambda g, ans, x: g * ans)
LOG = unary("log", safe_log, lambda g, ans, x: _dv(g, x))
TANH = unary("tanh", _tanh, lambda g, ans, x: g * (1 - ans * ans))
SIGMOID = unary("sigmoid", _sigmoid, _sigmoid_vjp)
RELU = unary("relu", _relu, lambda g, ans, x: g * _step(x))
ABS = unary("abs", abs, lambda g, ans, x: g * sign(x))
SQRT = unary("sqrt", _sqrt, lambda g, ans, x: _dv(g, 2 * ans))
SOFTPLUS = unary("softplus", _softplus, lambda g, ans, x: g * _sigmoid(x))
# where(cond, x, y) with a constant cond: args (x, y, cond)
WHERE = op("where", lambda x, y, cond: np.where(cond, x, y),
           (lambda g, ans, x, y, cond: _where(cond, g, 0.0),
            lambda g, ans, x, y, cond: _where(cond, 0.0, g)), "select")
# reductions: args (x, axis, keepdims); SUM is in opdef (unbroadcast needs it)
MEAN = unary("mean", _mean, _mean_vjp, "reduce")
MAX = unary("max", lambda x, axis, keepdims: x if type(x) is float and not keepdims and
            axis is None else np.max(x, axis=axis, keepdims=keepdims),
            max_vjp, "reduce")
# shapes: args (x, param); RESHAPE and BROADCAST_TO are in opdef
TRANSPOSE = unary("transpose", lambda x, axes: np.transpose(x, axes), _transpose_vjp, "shape")
GETITEM = unary("getitem", lambda x, idx: x[idx], _getitem_vjp, "shape")
SCATTER = unary("scatter", _scatter,
                lambda g, ans, x, shape, dtype, idx: call(GETITEM, g, params=(idx,)), "shape")
CAST: Op = unary("cast", _cast, lambda g, ans, x, dtype: call(CAST, g, params=(raw(x).dtype,))
                 if type(raw(x)) is ndarray else g, "shape")
# fused for speed or stability
LINEAR = op("linear", _linear, (_linear_vjp_x, _linear_vjp_w, _linear_vjp_b), "fused")
MSE = op("mse", _mse, (_mse_vjp, lambda g, ans, p, t: -_mse_vjp(g, ans, p, t)), "fused")
LOG_SOFTMAX = unary("log_softmax", _log_softmax, _log_softmax_vjp, "fused")

CORE: tuple[Op, ...] = (ADD, SUB, MUL, DIV, POW, MATMUL, NEG, EXP, LOG, TANH, SIGMOID, RELU,
                        ABS, SQRT, SOFTPLUS, WHERE, SUM, MEAN, MAX, RESHAPE, TRANSPOSE,
                        BROADCAST_TO, GETITEM, SCATTER, CAST, LINEAR, MSE, LOG_SOFTMAX)
