"""Op-table section: numpy's elementwise maths, reductions and `einsum`.

Entries follow the contract of `micrograd_nn.opdef`: forward on raw data (a float
path through `math`, quiet numpy on arrays, numpy's inf/nan at the edges), VJPs
that run on raw data and, under `create_graph=True`, on Values. Functions numpy builds
from these (`var`, `std`, `dot`, `tensordot`, `cross`, ...) are composed in
`micrograd_nn.numpy_math`, not given primitives of their own.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from . import ops_core as core
from .opdef import NAN, RESHAPE, Op, call, expand, op, raw, safe_div, shape_of, unary

ndarray = np.ndarray
LN2, LN10 = math.log(2.0), math.log(10.0)
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_exp2 = getattr(math, "exp2", lambda x: 2.0 ** x)  # math.exp2/cbrt are Python 3.11+
_cbrt = getattr(math, "cbrt", lambda x: float(np.cbrt(x)))

# ---------------------------------------------------------------- helpers


def _quiet(f: Callable, *xs: Any) -> Any:
    with np.errstate(all="ignore"):
        return f(*xs)


def _f(r: Any) -> Any:
    """A numpy result as the engine keeps it: a 0-d array or numpy scalar -> float."""
    return r if type(r) is ndarray and r.ndim else float(r)


def _ew(mf: Callable[[float], float], nf: Callable) -> Callable[[Any], Any]:
    """Elementwise forward: `mf` on a float (numpy's inf/nan where `math` raises),
    `nf` on arrays, without warnings."""
    def fwd(x: Any) -> Any:
        if type(x) is float:
            try:
                return mf(x)
            except (ValueError, OverflowError):
                return float(_quiet(nf, x))
        return _quiet(nf, x)
    return fwd


def _ew2(pf: Callable[[float, float], float], nf: Callable) -> Callable[[Any, Any], Any]:
    """Binary elementwise forward: `pf` on two floats, `nf` otherwise (broadcasting)."""
    def fwd(x: Any, y: Any) -> Any:
        if type(x) is float and type(y) is float:
            try:
                return pf(x, y)
            except (ValueError, OverflowError, ZeroDivisionError):
                return float(_quiet(nf, x, y))
        return _quiet(nf, x, y)
    return fwd


def _div(x: Any, y: Any) -> Any:
    """x / y with numpy's inf/nan at 0, on raw data or Values."""
    tx, ty = type(x), type(y)
    if (tx is float or tx is ndarray) and (ty is float or ty is ndarray):
        return safe_div(x, y)
    return call(core.DIV, x, y)


def _sqrt(x: Any) -> Any:
    return call(core.SQRT, x)


def _zero(g: Any, ans: Any, *args: Any) -> Any:
    """The VJP of a step function: zeros (a Value of zeros under `create_graph`)."""
    t = type(g)
    if t is float:
        return 0.0
    return np.zeros_like(g) if t is ndarray else g * 0.0


def _num(mask: Any, like: Any) -> Any:
    """A mask (bool or float, scalar or array) as numbers of `like`'s dtype."""
    if type(mask) is ndarray:
        return mask.astype(like.dtype if type(like) is ndarray else np.float64)
    return float(mask)


# ---------------------------------------------------------------- elementwise


def _round(x: Any, decimals: int) -> Any:
    """numpy's rounding: scale by 10**decimals, round half to even, scale back. Python's
    round() of a float rounds half to even too, so floats stay off numpy."""
    if type(x) is not float:
        return np.round(x, decimals)
    p = 10.0 ** abs(decimals)
    y = x * p if decimals >= 0 else x / p
    if not math.isfinite(y):
        return x if not math.isfinite(x) else _f(np.round(x, decimals))  # huge x: numpy
    r = float(round(y))
    r = r / p if decimals >= 0 else r * p
    return math.copysign(r, x) if r == 0 else r  # -0.4 rounds to -0.0, as numpy


def _step(mf: Callable[[float], int], nf: Callable) -> Callable[[Any], Any]:
    """Forward of a rounding step: `math` on floats (its int result made a float,
    keeping the sign of a zero as numpy does), `nf` on arrays."""
    def fwd(x: Any) -> Any:
        if type(x) is not float:
            return nf(x)
        if not math.isfinite(x):
            return x
        r = float(mf(x))
        return math.copysign(r, x) if r == 0 else r
    return fwd


def _logaddexp(x: float, y: float) -> float:
    if x == y:  # also +-inf, where x - y is nan
        return x + LN2
    d = x - y
    return NAN if d != d else max(x, y) + math.log1p(math.exp(-abs(d)))


def _logaddexp2(x: float, y: float) -> float:
    if x == y:
        return x + 1.0
    d = x - y
    return NAN if d != d else max(x, y) + math.log1p(2.0 ** -abs(d)) / LN2


def _max2(x: float, y: float) -> float:  # NaN wins, as np.maximum
    return x if x >= y or x != x else y


def _min2(x: float, y: float) -> float:
    return x if x <= y or x != x else y


def _fmax2(x: float, y: float) -> float:  # NaN loses, as np.fmax
    return x if x >= y or y != y else y


def _fmin2(x: float, y: float) -> float:
    return x if x <= y or y != y else y


def _share(g: Any, ans: Any, x: Any, y: Any, lo: bool, fm: bool) -> Any:
    """The part of `g` that goes to `x` in maximum(x, y) (minimum if `lo`): all of
    it where x wins, half at a tie (as torch); for fmax/fmin (`fm`) also all of it where
    only y is NaN. NaN inputs of maximum/minimum take none."""
    rx, ry = raw(x), raw(y)
    s: float | ndarray
    if type(rx) is float and type(ry) is float:  # the scalar path, off numpy
        s = (rx < ry if lo else rx > ry) + 0.5 * (rx == ry)
        return g * (1.0 if fm and ry != ry and rx == rx else float(s))
    with np.errstate(invalid="ignore"):
        s = (rx < ry if lo else rx > ry) + 0.5 * (rx == ry)
        if fm:
            s = np.where((ry != ry) & (rx == rx), 1.0, s)
    return g * _num(s if type(s) is ndarray and s.ndim else float(s), raw(ans))


def _quotient(x: Any, ans: Any, y: Any) -> Any:
    """(x - ans) / y rounded: the integer quotient behind `ans = mod(x, y)` or fmod,
    taken from the data (a constant of the VJP)."""
    rx, ra, ry = raw(x), raw(ans), raw(y)
    if type(rx) is float and type(ry) is float:
        q = safe_div(rx - ra, ry)
        return float(round(q)) if math.isfinite(q) else q
    with np.errstate(all="ignore"):
        q = np.round((rx - ra) / ry)
    return float(q) if type(q) is not ndarray else q


def _clip(x: Any, lo: Any, hi: Any) -> Any:
    if type(x) is float and type(lo) in (float, type(None)) and type(hi) in (float, type(None)):
        if lo is not None and x < lo:
            x = lo
        if hi is not None and x > hi:
            x = hi
        return x
    return np.clip(x, lo, hi)


def _clip_vjp(g: Any, ans: Any, x: Any, lo: Any, hi: Any) -> Any:
    """g where lo <= x <= hi (bounds included, as torch.clamp), else 0."""
    rx = raw(x)
    m = rx == rx
    if lo is not None:
        m = m & (rx >= lo)
    if hi is not None:
        m = m & (rx <= hi)
    return g * _num(m, raw(ans))


# ---------------------------------------------------------------- reductions


def _to_last(x: Any, axes: tuple[int, ...]) -> tuple[Any, tuple[int, ...]]:
    """`x` with `axes` moved to the end and merged into one: shape (..., n)."""
    shape = shape_of(x)
    keep = [a for a in range(len(shape)) if a not in axes]
    perm = (*keep, *axes)
    if perm != tuple(range(len(shape))):
        x = call(core.TRANSPOSE, x, params=(perm,))
    n = math.prod(shape[a] for a in axes)
    return call(RESHAPE, x, params=((*(shape[a] for a in keep), n),)), perm


def _from_last(t: Any, shape: tuple[int, ...], perm: tuple[int, ...]) -> Any:
    """The inverse of `_to_last`."""
    t = call(RESHAPE, t, params=(tuple(shape[a] for a in perm),))
    if perm == tuple(range(len(shape))):
        return t
    return call(core.TRANSPOSE, t, params=(tuple(np.argsort(perm).tolist()),))


def _axes(axis: Any, nd: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(nd))
    return tuple(sorted(a % nd for a in ((axis,) if type(axis) is int else axis)))


def _others(x: Any, axes: tuple[int, ...]) -> Any:
    """For each element, the product of the other elements it is reduced with."""
    t, perm = _to_last(x, axes)
    n = shape_of(t)[-1]
    if type(t) is ndarray:  # exclusive products from both sides: no division by x
        one = np.ones((*t.shape[:-1], 1), t.dtype)
        left = np.cumprod(np.concatenate([one, t[..., :-1]], -1), -1)
        right = np.cumprod(np.concatenate([one, t[..., :0:-1]], -1), -1)[..., ::-1]
        o = left * right if n else t
    else:  # row i of an (..., n, n) stack holds x with x_i set to 1: differentiable again
        t = call(RESHAPE, t, params=((*shape_of(t)[:-1], 1, n),))
        rows = call(core.WHERE, 1.0, t, params=(np.eye(n, dtype=bool),))
        o = call(PROD, rows, params=(-1, False))
    return _from_last(o, shape_of(x), perm)


def _prod_vjp(g: Any, ans: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """g times the product of the other elements (zero-safe: never ans / x)."""
    if type(raw(x)) is float:
        return g
    shape = shape_of(x)
    return expand(g, shape, axis, keepdims) * _others(x, _axes(axis, len(shape)))


def _flip(x: Any, ax: int) -> Any:
    if type(x) is ndarray:
        return np.flip(x, ax)
    return call(core.GETITEM, x, params=((slice(None),) * ax + (slice(None, None, -1),),))


def _scan_vjp(vjp: Callable) -> Callable:
    """A cumsum/cumprod VJP along an axis; `axis=None` scans the flattened input."""
    def scan(g: Any, ans: Any, x: Any, axis: Any) -> Any:
        if axis is not None:
            return vjp(g, ans, x, axis % len(shape_of(x)))
        flat = call(RESHAPE, x, params=((-1,),))
        return call(RESHAPE, vjp(g, ans, flat, 0), params=(shape_of(x),))
    return scan


def _cumsum_vjp(g: Any, ans: Any, x: Any, ax: int) -> Any:
    """The reversed cumulative sum of g."""
    return _flip(call(CUMSUM, _flip(g, ax), params=(ax,)), ax)


def _cumprod_vjp(g: Any, ans: Any, x: Any, ax: int) -> Any:
    """d x_i = sum over k >= i of g_k * prod(x_j for j <= k, j != i), zero-safe."""
    t, perm = _to_last(x, (ax,))
    gt = _to_last(g, (ax,))[0]
    n = shape_of(t)[-1]
    if type(t) is ndarray and type(gt) is ndarray:
        out = _cumprod_raw(gt, _to_last(raw(ans), (ax,))[0], t)
    else:  # O(n^2), only when differentiating again: rows with x_i set to 1, cumprod
        t = call(RESHAPE, t, params=((*shape_of(t)[:-1], 1, n),))
        rows = call(core.WHERE, 1.0, t, params=(np.eye(n, dtype=bool),))
        upper = np.triu(np.ones((n, n), raw(t).dtype))  # k >= i
        gt = call(RESHAPE, gt, params=((*shape_of(gt)[:-1], 1, n),))
        out = call(core.SUM, call(CUMPROD, rows, params=(-1,)) * upper * gt, params=(-1, False))
    return _from_last(out, shape_of(x), perm)


def _cumprod_raw(g: ndarray, y: ndarray, x: ndarray) -> ndarray:
    """`_cumprod_vjp` on arrays, along the last axis, in O(n): before a line's first
    zero the usual revcumsum(g * y) / x; at it, a product around it; after it, 0."""
    n = x.shape[-1]
    z = x == 0
    first = np.where(z.any(-1), z.argmax(-1), n)[..., None]
    i = np.arange(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(i < first, np.flip(np.cumsum(np.flip(g * y, -1), -1), -1) / x, 0.0)
    left = np.prod(np.where(i < first, x, 1), -1, keepdims=True)
    after = np.cumprod(np.where(i <= first, 1, x), -1)  # prod x_j, first < j <= k
    at = left * np.sum(np.where(i >= first, g * after, 0.0), -1, keepdims=True)
    return np.where(i == first, at, out).astype(x.dtype, copy=False)


# ---------------------------------------------------------------- einsum
# One primitive for every product: ``subscripts`` arrive explicit ("ij,jk->ik", no
# "..."; numpy_math writes them so), and operand i's VJP is the einsum of the output
# gradient with the other operands, written to operand i's subscripts.


def _einsum(*args: Any) -> Any:
    *xs, subs = args
    if float in map(type, xs) and ndarray in map(type, xs):
        # a float operand takes the arrays' dtype, as in 2.0 * x (einsum alone would
        # make it float64)
        dt = np.result_type(*xs)
        xs = [np.asarray(x, dt) if type(x) is float else x for x in xs]
    return _f(np.einsum(subs, *xs))


@functools.lru_cache(maxsize=1024)
def _einsum_plan(subs: str, i: int) -> tuple[str, tuple[str, ...]]:
    """The VJP of operand `i`: its einsum subscripts and those of the constants it
    needs: `ones` for an index only operand i has (its gradient is the same along
    it), `eye` for an index repeated within operand i (the gradient is diagonal)."""
    lhs, out = subs.split("->")
    ins = lhs.split(",")
    others = ins[:i] + ins[i + 1:]
    have = set(out).union(*others)
    fresh = (c for c in LETTERS if c not in subs)
    target, consts, seen = [], [], set()
    for c in ins[i]:
        if c in seen:
            f = next(fresh, None)
            if f is None:
                raise ValueError("einsum: too many indices to differentiate a repeated one")
            consts.append(c + f)
            target.append(f)
            continue
        seen.add(c)
        target.append(c)
        if c not in have:
            consts.append(c)
    return ",".join([out, *others, *consts]) + "->" + "".join(target), tuple(consts)


def _einsum_vjp(i: int) -> Callable:
    def vjp(g: Any, ans: Any, *args: Any) -> Any:
        *xs, subs = args
        gsubs, consts = _einsum_plan(subs, i)
        mine, shape = subs.split("->")[0].split(",")[i], shape_of(xs[i])
        rg = raw(g)
        dt = rg.dtype if type(rg) is ndarray else np.dtype(np.float64)
        cs = [np.ones(shape[mine.index(s)], dt) if len(s) == 1
              else np.eye(shape[mine.index(s[0])], dtype=dt) for s in consts]
        others = xs[:i] + xs[i + 1:]
        return call(einsum_op(1 + len(others) + len(cs)), g, *others, *cs, params=(gsubs,))
    return vjp


@functools.lru_cache(maxsize=64)
def einsum_op(n: int) -> Op:
    """The `einsum` op of `n` operands: args `(*operands, subscripts)`."""
    return op("einsum", _einsum, tuple(_einsum_vjp(i) for i in range(n)), "product")


# ---------------------------------------------------------------- the table

SIN = unary("sin", _ew(math.sin, np.sin), lambda g, ans, x: g * call(COS, x))
COS: Op = unary("cos", _ew(math.cos, np.cos), lambda g, ans, x: -g * call(SIN, x))
TAN = unary("tan", _ew(math.tan, np.tan), lambda g, ans, x: g * (1 + ans * ans))
ARCSIN = unary("arcsin", _ew(math.asin, np.arcsin),
               lambda g, ans, x: _div(g, _sqrt(1 - x * x)))
ARCCOS = unary("arccos", _ew(math.acos, np.arccos),
               lambda g, ans, x: _div(-g, _sqrt(1 - x * x)))
ARCTAN = unary("arctan", _ew(math.atan, np.arctan), lambda g, ans, x: _div(g, 1 + x * x))
SINH = unary("sinh", _ew(math.sinh, np.sinh), lambda g, ans, x: g * call(COSH, x))
COSH: Op = unary("cosh", _ew(math.cosh, np.cosh), lambda g, ans, x: g * call(SINH, x))
ARCSINH = unary("arcsinh", _ew(math.asinh, np.arcsinh),
                lambda g, ans, x: _div(g, _sqrt(x * x + 1)))
ARCCOSH = unary("arccosh", _ew(math.acosh, np.arccosh),
                lambda g, ans, x: _div(g, _sqrt(x * x - 1)))
ARCTANH = unary("arctanh", _ew(math.atanh, np.arctanh), lambda g, ans, x: _div(g, 1 - x * x))
EXP2 = unary("exp2", _ew(_exp2, np.exp2), lambda g, ans, x: g * ans * LN2)
EXPM1 = unary("expm1", _ew(math.expm1, np.expm1), lambda g, ans, x: g * (ans + 1))
LOG2 = unary("log2", _ew(math.log2, np.log2), lambda g, ans, x: _div(g, x * LN2))
LOG10 = unary("log10", _ew(math.log10, np.log10), lambda g, ans, x: _div(g, x * LN10))
LOG1P = unary("log1p", _ew(math.log1p, np.log1p), lambda g, ans, x: _div(g, 1 + x))
SQUARE = unary("square", _ew(lambda x: x * x, np.square), lambda g, ans, x: g * (2 * x))
CBRT = unary("cbrt", _ew(_cbrt, np.cbrt), lambda g, ans, x: _div(g, 3 * ans * ans))
RECIPROCAL = unary("reciprocal", _ew(lambda x: safe_div(1.0, x), np.reciprocal),
                   lambda g, ans, x: -g * ans * ans)
# steps: gradient 0 (as numpy's and torch's rules)
SIGN = unary("sign", lambda x: core.sign(x), _zero)
FLOOR = unary("floor", _step(math.floor, np.floor), _zero)
CEIL = unary("ceil", _step(math.ceil, np.ceil), _zero)
TRUNC = unary("trunc", _step(math.trunc, np.trunc), _zero)
ROUND = unary("round", _round, _zero, "param")  # args (x, decimals); rint is decimals=0
# binary, broadcasting (the engine sums each gradient back to its input's shape)
LOGADDEXP = op("logaddexp", _ew2(_logaddexp, np.logaddexp),
               (lambda g, ans, x, y: g * call(core.EXP, x - ans),
                lambda g, ans, x, y: g * call(core.EXP, y - ans)), "binary")
LOGADDEXP2 = op("logaddexp2", _ew2(_logaddexp2, np.logaddexp2),
                (lambda g, ans, x, y: g * call(EXP2, x - ans),
                 lambda g, ans, x, y: g * call(EXP2, y - ans)), "binary")
def _extremum(name: str, pf: Callable[[float, float], float], nf: Callable, lo: bool,
              fm: bool) -> Op:
    """maximum/minimum (``lo``) and fmax/fmin (``fm``: NaN loses): the gradient goes to
    the winner, half each at a tie (see ``_share``)."""
    return op(name, _ew2(pf, nf),
              (lambda g, ans, x, y: _share(g, ans, x, y, lo, fm),
               lambda g, ans, x, y: _share(g, ans, y, x, lo, fm)), "binary")


MAXIMUM = _extremum("maximum", _max2, np.maximum, False, False)
MINIMUM = _extremum("minimum", _min2, np.minimum, True, False)
FMAX = _extremum("fmax", _fmax2, np.fmax, False, True)
FMIN = _extremum("fmin", _fmin2, np.fmin, True, True)
HYPOT = op("hypot", _ew2(math.hypot, np.hypot),
           (lambda g, ans, x, y: _div(g * x, ans), lambda g, ans, x, y: _div(g * y, ans)),
           "binary")
ARCTAN2 = op("arctan2", _ew2(math.atan2, np.arctan2),
             (lambda g, ans, y, x: _div(g * x, x * x + y * y),
              lambda g, ans, y, x: _div(-g * y, x * x + y * y)), "binary")
MOD = op("mod", _ew2(lambda x, y: x % y, np.mod),  # Python's float % is numpy's mod
         (lambda g, ans, x, y: g, lambda g, ans, x, y: -g * _quotient(x, ans, y)), "binary")
FMOD = op("fmod", _ew2(math.fmod, np.fmod),
          (lambda g, ans, x, y: g, lambda g, ans, x, y: -g * _quotient(x, ans, y)), "binary")
CLIP = unary("clip", _clip, _clip_vjp, "param")  # args (x, lo, hi); a bound may be None
# reductions: args (x, axis, keepdims); scans: args (x, axis), axis None = flattened
MIN = unary("min", lambda x, axis, keepdims: _f(np.min(x, axis=axis, keepdims=keepdims)),
            core.max_vjp, "reduce")  # the same tie rule as max
PROD = unary("prod", lambda x, axis, keepdims: _f(np.prod(x, axis=axis, keepdims=keepdims)),
             _prod_vjp, "reduce")
CUMSUM = unary("cumsum", lambda x, axis: np.cumsum(x, axis=axis), _scan_vjp(_cumsum_vjp),
               "reduce")
CUMPROD = unary("cumprod", lambda x, axis: np.cumprod(x, axis=axis), _scan_vjp(_cumprod_vjp),
                "reduce")
EINSUM = einsum_op(2)

OPS_MATH: tuple[Op, ...] = (
    SIN, COS, TAN, ARCSIN, ARCCOS, ARCTAN, SINH, COSH, ARCSINH, ARCCOSH, ARCTANH, EXP2, EXPM1,
    LOG2, LOG10, LOG1P, SQUARE, CBRT, RECIPROCAL, SIGN, FLOOR, CEIL, TRUNC, ROUND, LOGADDEXP,
    LOGADDEXP2, MAXIMUM, MINIMUM, FMAX, FMIN, HYPOT, ARCTAN2, MOD, FMOD, CLIP, MIN, PROD,
    CUMSUM, CUMPROD, EINSUM)
