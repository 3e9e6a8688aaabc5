"""numpy handlers: elementwise maths, reductions and products on Values.

`UFUNCS` maps a numpy ufunc to `handler(*inputs, **kwargs)` and
`FUNCTIONS` a numpy function to `handler(*args, **kwargs)`, called with what
numpy received; `micrograd_nn.numpy_api` routes `np.sin(v)`, `np.sum(v, axis=0)`
or `np.einsum("ij,jk->ik", a, b)` here. A handler returns a Value built from the op
table (plain arrays beside Values are constants), or, for what has no gradient
(`isnan`, `signbit`, ...), numpy's own result on the data. Functions numpy defines by
others are composed here: `var` from `mean`, every product from `einsum`.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable
from typing import Any

import numpy as np

from . import ops_math as om
from .engine import Value, apply
from .ops import ABS, MAX, MEAN, MUL, SQRT, SUM, TRANSPOSE, WHERE
from .opdef import RESHAPE

ndarray = np.ndarray
# the ufunc keywords that may be given at their default values (anything else is refused)
_UFUNC_DEFAULTS = {"where": True, "casting": "same_kind", "order": "K", "dtype": None,
                   "subok": True, "signature": None}


# ---------------------------------------------------------------- helpers


def _d(x: Any) -> Any:
    """The data of a Value, anything else as it is."""
    return x.data if isinstance(x, Value) else x


def _shape(x: Any) -> tuple[int, ...]:
    return x.shape if isinstance(x, Value) else np.shape(x)


def _plain(x: Any) -> Any:
    """An operand that is not a Value, as the op table takes constants."""
    if isinstance(x, Value) or type(x) is float:
        return x
    return float(x) if isinstance(x, (int, float, np.number)) else np.asarray(x)


def _ufunc_kwargs(name: str, kw: dict) -> None:
    bad = [k for k, v in kw.items() if k not in _UFUNC_DEFAULTS or not (
        v is _UFUNC_DEFAULTS[k] or isinstance(v, str) and v == _UFUNC_DEFAULTS[k])]
    if bad:
        raise TypeError(f"numpy.{name}: {', '.join(k + '=' for k in sorted(bad))} not "
                        "supported on Values; call it without (cast or mask the result instead)")


def _unsupported(name: str, a: Any = None, **kw: Any) -> None:
    """Refuse `out=`, `where=`, `initial=`... ; `dtype=` only as the data's dtype."""
    for k, v in kw.items():
        if v is None or (k == "dtype" and a is not None and np.dtype(v) == _dtype(a)):
            continue
        fix = "cast with v.astype(...) first" if k == "dtype" else "Values are not written in " \
            "place; use the returned Value" if k == "out" else "select or mask the input first"
        raise TypeError(f"numpy.{name}: {k}= is not supported on Values; {fix}")


def _dtype(x: Any) -> np.dtype:
    return x.dtype if isinstance(x, (Value, ndarray)) else np.dtype(np.float64)


def _axis(name: str, a: Any, axis: Any, multi: bool = True) -> Any:
    """`axis` checked against `a`'s shape: None, an int or (`multi`) a tuple, as
    non-negative ints."""
    if axis is None:
        return None
    shape = _shape(a)
    nd = len(shape)
    many = isinstance(axis, (tuple, list))
    if many and not multi:
        raise TypeError(f"numpy.{name}: axis must be None or an int, not a {type(axis).__name__}")
    out = []
    for ax in (axis if many else (axis,)):
        if isinstance(ax, bool) or not isinstance(ax, (int, np.integer)):
            raise TypeError(f"numpy.{name}: axis must be None, an int or a tuple of ints, "
                            f"not {type(ax).__name__}")
        if not -nd <= ax < nd:
            fix = "use axis=None" if nd == 0 else f"use {-nd} <= axis < {nd}"
            raise ValueError(f"numpy.{name}: axis {ax} is out of bounds for a Value of shape "
                             f"{shape} ({nd} dimensions); {fix}")
        out.append(int(ax) % nd)
    if len(set(out)) != len(out):
        raise ValueError(f"numpy.{name}: axis {axis} names an axis twice")
    return tuple(out) if many else out[0]


def _count(a: Any, axis: Any) -> int:
    shape = _shape(a)
    axes = range(len(shape)) if axis is None else axis if type(axis) is tuple else (axis,)
    return math.prod(shape[i] for i in axes)


# ---------------------------------------------------------------- elementwise


def _ufunc(name: str, op: Any, *params: Any) -> Callable[..., Value]:
    """A ufunc as table op `op` (with static `params`, e.g. rint's 0 decimals)."""
    def handler(*xs: Any, **kw: Any) -> Value:
        _ufunc_kwargs(name, kw)
        return apply(op, *xs, params=params)
    return handler


def _scale(name: str, c: float) -> Callable[..., Value]:
    """deg2rad and friends: x times a constant, as numpy computes them."""
    return lambda x, **kw: _ufunc(name, MUL)(x, c, **kw)


def on_data(f: Callable) -> Callable[..., Any]:
    """Tests and logic have no gradient: numpy's own result on the data."""
    return lambda *xs, **kw: f(*(_d(x) for x in xs), **kw)


def _round(a: Any, decimals: int = 0, out: Any = None) -> Value:
    _unsupported("round", out=out)
    return apply(om.ROUND, a, params=(int(decimals),))


def _fix(x: Any, out: Any = None) -> Value:
    _unsupported("fix", out=out)
    return apply(om.TRUNC, x)


def _clip(a: Any, a_min: Any = None, a_max: Any = None, out: Any = None, *, min: Any = None,
          max: Any = None, **kw: Any) -> Value:  # noqa: A002 (numpy's names)
    """np.clip: a gradient where a_min <= a <= a_max (bounds included, as torch.clamp)."""
    _unsupported("clip", out=out, **kw)
    if (a_min is not None and min is not None) or (a_max is not None and max is not None):
        raise TypeError("numpy.clip: give a_min or min (a_max or max), not both")
    lo, hi = (min if a_min is None else a_min), (max if a_max is None else a_max)
    if isinstance(lo, Value) or isinstance(hi, Value):
        # a bound that is a Value takes a gradient too: clip as numpy defines it
        r = a if lo is None else apply(om.MAXIMUM, a, lo)
        return r if hi is None else apply(om.MINIMUM, r, hi)
    return apply(om.CLIP, a, params=tuple(None if b is None else _plain(b) for b in (lo, hi)))


def _where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """np.where(cond, x, y) with the condition taken from the data (no gradient)."""
    c = _d(condition)
    if x is None and y is None:
        return np.where(c)
    if x is None or y is None:
        raise ValueError("numpy.where: give both x and y (or neither, for the indices where "
                         "the condition holds)")
    if not (isinstance(x, Value) or isinstance(y, Value)):
        return np.where(c, x, y)
    return apply(WHERE, x, y, params=(np.asarray(c).astype(bool),))


# ---------------------------------------------------------------- reductions


def _nonempty(name: str, a: Any, axis: Any, what: str) -> None:
    if _count(a, axis) == 0 and math.prod(_shape(a)) == 0:
        raise ValueError(f"numpy.{name}: a Value of shape {_shape(a)} has no elements along "
                         f"axis {axis} to take the {what} of; reduce over non-empty axes")


def _reduce(name: str, op: Any) -> Callable[..., Value]:
    """np.sum / np.prod / np.mean: (a, axis, dtype, out, keepdims, ...)."""
    def handler(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
                keepdims: bool = False, initial: Any = None, where: Any = None) -> Value:
        _unsupported(name, a, dtype=dtype, out=out, initial=initial, where=where)
        return apply(op, a, params=(_axis(name, a, axis), bool(keepdims)))
    return handler


def _extreme(name: str, op: Any, what: str) -> Callable[..., Value]:
    """np.max / np.min and aliases: (a, axis, out, keepdims, ...); ties share equally."""
    def handler(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False,
                initial: Any = None, where: Any = None) -> Value:
        _unsupported(name, out=out, initial=initial, where=where)
        ax = _axis(name, a, axis)
        _nonempty(name, a, ax, what)
        return apply(op, a, params=(ax, bool(keepdims)))
    return handler


def _ptp(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Value:
    _unsupported("ptp", out=out)
    ax = _axis("ptp", a, axis)
    _nonempty("ptp", a, ax, "range")
    p = (ax, bool(keepdims))
    return apply(MAX, a, params=p) - apply(om.MIN, a, params=p)


def _var(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: float = 0,
         keepdims: bool = False, *, where: Any = None, mean: Any = None,
         correction: Any = None, name: str = "var") -> Value:
    """sum((a - mean(a))**2) / (n - ddof): inf or nan, quietly, once n <= ddof."""
    _unsupported(name, a, dtype=dtype, out=out, where=where, mean=mean)
    if correction is not None and ddof:
        raise TypeError(f"numpy.{name}: give ddof or correction, not both")
    ddof = ddof if correction is None else correction
    ax = _axis(name, a, axis)
    d = a - apply(MEAN, a, params=(ax, True))
    return apply(SUM, d * d, params=(ax, bool(keepdims))) / float(max(_count(a, ax) - ddof, 0))


def _std(*args: Any, **kw: Any) -> Value:
    """sqrt(var), with gradient 0 where var is 0 (as torch) rather than 0 * inf."""
    v = _var(*args, name="std", **kw)
    zero = v.data == 0
    if not np.any(zero):
        return apply(SQRT, v)
    # sqrt of 1 there (no inf in any order of derivative), then masked to 0
    keep = 0.0 if zero is True else (~zero).astype(v.dtype)
    return apply(SQRT, apply(WHERE, 1.0, v, params=(zero,))) * keep


def _scan(name: str, op: Any) -> Callable[..., Value]:
    def handler(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Value:
        _unsupported(name, a, dtype=dtype, out=out)
        return apply(op, a, params=(_axis(name, a, axis, multi=False),))
    return handler


# ---------------------------------------------------------------- products
# Each is one einsum (a primitive with exact VJPs), written by the helpers below.

_CHARS = set(om.LETTERS)
_LABELS = string.ascii_uppercase + string.ascii_lowercase  # numpy's order for int labels
_EPS = np.zeros((3, 3, 3))  # the Levi-Civita symbol: cross(a, b)_i = eps_ijk a_j b_k
_EPS[[0, 1, 2], [1, 2, 0], [2, 0, 1]], _EPS[[0, 2, 1], [2, 1, 0], [1, 0, 2]] = 1, -1


def _einsum_args(args: tuple) -> tuple[str, list]:
    """The subscripts string and operands, from either of numpy's two call forms."""
    if args and isinstance(args[0], str):
        return args[0], list(args[1:])
    subs = []
    for k, sub in enumerate(args[1::2] + args[len(args) - len(args) % 2:]):
        try:
            subs.append("".join("..." if i is Ellipsis else _LABELS[i] for i in sub))
        except (TypeError, IndexError):
            raise ValueError(f"einsum: sublist {k} must hold ints in [0, 52) or Ellipsis, "
                             f"got {sub!r}") from None
    ops = list(args[0:len(args) - len(args) % 2:2])
    out = subs.pop() if len(args) % 2 else None
    return ",".join(subs) + ("" if out is None else "->" + out), ops


def _explicit(subs: str, shapes: list) -> str:
    """`subs` with the output written out and '...' replaced by letters (aligned from
    the right, so numpy's broadcasting of those axes carries over); checked against the
    operands' shapes."""
    subs = subs.replace(" ", "")
    lhs, arrow, out = subs.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum: subscripts {subs!r} name {len(ins)} operands but "
                         f"{len(shapes)} were given")
    for s in [*ins, out]:
        if set(s.replace("...", "")) - _CHARS or s.count("...") > 1:
            raise ValueError(f"einsum: bad subscripts {s!r} in {subs!r}: use letters a-z, A-Z "
                             "and at most one '...' per operand")
    ell, width = [], 0
    for k, (s, sh) in enumerate(zip(ins, shapes, strict=True)):
        n = len(s.replace("...", ""))
        if len(sh) != n and not ("..." in s and len(sh) > n):
            raise ValueError(f"einsum: operand {k} has shape {sh} but subscripts {s!r} name "
                             f"{n} axes; give one letter per axis (or '...' for the rest)")
        ell.append(len(sh) - n)
        width = max(width, len(sh) - n)
    free = "".join(c for c in om.LETTERS if c not in subs)[:width]  # numpy: <= 64 axes
    ins = [s.replace("...", free[width - e:]) for s, e in zip(ins, ell, strict=True)]
    if not arrow:  # numpy's implicit output: the '...' axes, then letters used once, sorted
        once = sorted(c for c in set(lhs) & _CHARS if lhs.count(c) == 1)
        out = free + "".join(once)
    elif "..." in out:
        out = out.replace("...", free)
    elif width:
        raise ValueError(f"einsum: output {out!r} has no '...' for the operands' '...' axes; "
                         f"add it (e.g. '...{out}')")
    if len(set(out)) != len(out) or set(out) - set("".join(ins)):
        raise ValueError(f"einsum: each output letter of {subs!r} must appear once, and in "
                         "an operand")
    sizes: dict[str, tuple[int, int]] = {}
    for k, (s, sh) in enumerate(zip(ins, shapes, strict=True)):
        for c, n in zip(s, sh, strict=True):
            m, j = sizes.get(c, (1, k))
            if n != m and 1 not in (n, m):
                raise ValueError(f"einsum: operand {k} has shape {sh} but its index {c!r} "
                                 f"has size {n} where operand {j} gives it size {m} "
                                 f"(subscripts {subs!r}); make those axes equal (or 1)")
            if m == 1:
                sizes[c] = (n, k)
    return ",".join(ins) + "->" + out


def _einsum(*args: Any, out: Any = None, dtype: Any = None, optimize: Any = False,
            order: str = "K", casting: str = "safe") -> Value:
    """np.einsum (either call form): one einsum op of as many operands."""
    _unsupported("einsum", dtype=dtype, out=out)
    subs, ops = _einsum_args(args)
    ops = [_plain(x) for x in ops]
    subs = _explicit(subs, [_shape(x) for x in ops])
    return apply(om.einsum_op(len(ops)), *ops, params=(subs,))


def _product(a: Any, b: Any, sa: str, sb: str, out: str) -> Value:
    return apply(om.EINSUM, a, b, params=(f"{sa},{sb}->{out}",))


def _flat(x: Any) -> Any:
    return _reshape(x, (math.prod(_shape(x)),))


def _reshape(x: Any, shape: tuple[int, ...]) -> Any:
    if _shape(x) == shape:
        return x
    return apply(RESHAPE, x, params=(shape,)) if isinstance(x, Value) else np.reshape(x, shape)


def _moveaxis(x: Any, src: int, dst: int) -> Any:
    nd = len(_shape(x))
    perm = [i for i in range(nd) if i != src % nd]
    perm.insert(dst % nd, src % nd)
    if perm == sorted(perm):
        return x
    return apply(TRANSPOSE, x, params=(tuple(perm),)) if isinstance(x, Value) \
        else np.transpose(x, perm)


def _tensordot(a: Any, b: Any, axes: Any = 2, name: str = "tensordot") -> Value:
    """Sum over `axes` of a (paired with those of b); a's other axes, then b's."""
    a, b = _plain(a), _plain(b)
    sha, shb = _shape(a), _shape(b)
    aa: list[Any]
    bb: list[Any]
    if isinstance(axes, (int, np.integer)):
        if not 0 <= axes <= min(len(sha), len(shb)):
            raise ValueError(f"numpy.{name}: axes={axes} for shapes {sha} and {shb}; at most "
                             f"{min(len(sha), len(shb))}")
        aa, bb = list(range(len(sha) - axes, len(sha))), list(range(axes))
    else:
        aa, bb = ([x] if isinstance(x, (int, np.integer)) else list(x) for x in axes)
    if len(aa) != len(bb) or not all(-len(sha) <= i < len(sha) for i in aa) \
            or not all(-len(shb) <= j < len(shb) for j in bb):
        raise ValueError(f"numpy.{name}: axes {aa} of a {sha} and {bb} of b {shb} must be as "
                         "many, and within each operand's dimensions")
    la, lb = list(om.LETTERS[:len(sha)]), list(om.LETTERS[len(sha):len(sha) + len(shb)])
    for i, j in zip(aa, bb, strict=True):
        if sha[i] != shb[j]:
            raise ValueError(f"numpy.{name}: shapes {sha} and {shb} not aligned: {sha[i]} "
                             f"(axis {i % len(sha)} of the first) != {shb[j]} (axis "
                             f"{j % len(shb)} of the second); transpose an operand or pick "
                             "other axes")
        lb[j] = la[i]
    keep_a = "".join(c for k, c in enumerate(la) if k not in {i % len(sha) for i in aa})
    keep_b = "".join(c for k, c in enumerate(lb) if k not in {j % len(shb) for j in bb})
    return _product(a, b, "".join(la), "".join(lb), keep_a + keep_b)


def _dot(a: Any, b: Any, out: Any = None, name: str = "dot") -> Value:
    """np.dot (np.inner): a * b if either is a scalar, else a's last axis with b's
    second-to-last (its only one for a vector; inner: its last)."""
    _unsupported(name, out=out)
    na, nb = len(_shape(a)), len(_shape(b))
    if na == 0 or nb == 0:
        return apply(MUL, a, b)
    jb = max(nb - 2, 0) if name == "dot" else nb - 1
    return _tensordot(a, b, ([na - 1], [jb]), name=name)


def _vdot(a: Any, b: Any) -> Value:
    """np.vdot: the dot product of the flattened operands (real numbers)."""
    a, b = _flat(_plain(a)), _flat(_plain(b))
    if _shape(a) != _shape(b):
        raise ValueError(f"numpy.vdot: operands of {_shape(a)[0]} and {_shape(b)[0]} elements; "
                         "vdot needs the same number")
    return _product(a, b, "a", "a", "")


def _outer(a: Any, b: Any, out: Any = None) -> Value:
    _unsupported("outer", out=out)
    return _product(_flat(_plain(a)), _flat(_plain(b)), "a", "b", "ab")


def _kron(a: Any, b: Any) -> Value:
    """np.kron: the block product, as einsum 'ab,cd->acbd' then a reshape."""
    a, b = _plain(a), _plain(b)
    sha, shb = _shape(a), _shape(b)
    nd = max(len(sha), len(shb))  # 0 for two scalars: einsum ',->'
    sha, shb = (1,) * (nd - len(sha)) + sha, (1,) * (nd - len(shb)) + shb
    la, lb = om.LETTERS[:nd], om.LETTERS[nd:2 * nd]
    r = _product(_reshape(a, sha), _reshape(b, shb), la, lb,
                 "".join(x + y for x, y in zip(la, lb, strict=True)))
    return apply(RESHAPE, r, params=(tuple(x * y for x, y in zip(sha, shb, strict=True)),))


def _cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1,
           axis: Any = None) -> Value:
    """np.cross of 3-vectors: einsum with the Levi-Civita symbol, vector axes moved last."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = _plain(a), _plain(b)
    for who, x, ax in (("a", a, axisa), ("b", b, axisb)):
        sh = _shape(x)
        if not sh or not -len(sh) <= ax < len(sh) or sh[ax] != 3:
            raise ValueError(f"numpy.cross: {who} has shape {sh} and axis{who}={ax}; Values "
                             "take 3-vectors along that axis (pad 2-vectors with a 0)")
    a, b = _moveaxis(a, axisa, -1), _moveaxis(b, axisb, -1)
    try:
        np.broadcast_shapes(_shape(a)[:-1], _shape(b)[:-1])
    except ValueError:
        raise ValueError(f"numpy.cross: the other axes of a {_shape(a)[:-1]} and of b "
                         f"{_shape(b)[:-1]} do not broadcast") from None
    eps = _EPS.astype(np.result_type(_dtype(a), _dtype(b)))
    ops = [eps, a, b]
    subs = _explicit("ijk,...j,...k->...i", [_shape(x) for x in ops])
    r = apply(om.einsum_op(3), *ops, params=(subs,))
    return r if r.ndim == 1 else _moveaxis(r, -1, axisc)


# ---------------------------------------------------------------- the tables

UFUNCS: dict[Any, Callable[..., Any]] = {
    **{getattr(np, o.name): _ufunc(o.name, o) for o in (  # the ufuncs named as their op
        om.SIN, om.COS, om.TAN, om.ARCSIN, om.ARCCOS, om.ARCTAN, om.SINH, om.COSH,
        om.ARCSINH, om.ARCCOSH, om.ARCTANH, om.EXP2, om.EXPM1, om.LOG2, om.LOG10, om.LOG1P,
        om.SQUARE, om.CBRT, om.RECIPROCAL, om.SIGN, om.FLOOR, om.CEIL, om.TRUNC,
        om.LOGADDEXP, om.LOGADDEXP2, om.MAXIMUM, om.MINIMUM, om.FMAX, om.FMIN, om.HYPOT,
        om.ARCTAN2, om.MOD, om.FMOD)},
    np.rint: _ufunc("rint", om.ROUND, 0), np.fabs: _ufunc("fabs", ABS),
    np.deg2rad: _scale("deg2rad", math.pi / 180), np.rad2deg: _scale("rad2deg", 180 / math.pi),
    np.radians: _scale("radians", math.pi / 180), np.degrees: _scale("degrees", 180 / math.pi),
    **{u: on_data(u) for u in (np.isfinite, np.isnan, np.isinf, np.signbit, np.logical_and,
                                np.logical_or, np.logical_xor, np.logical_not)},
}

FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.round: _round, np.around: _round, np.fix: _fix, np.clip: _clip, np.where: _where,
    np.sum: _reduce("sum", SUM), np.prod: _reduce("prod", om.PROD),
    np.mean: _reduce("mean", MEAN),
    **{getattr(np, n): _extreme(n, MAX, "maximum") for n in ("max", "amax")},
    **{getattr(np, n): _extreme(n, om.MIN, "minimum") for n in ("min", "amin")}, np.ptp: _ptp,
    np.var: _var, np.std: _std,
    np.cumsum: _scan("cumsum", om.CUMSUM), np.cumprod: _scan("cumprod", om.CUMPROD),
    np.einsum: _einsum, np.dot: _dot, np.vdot: _vdot, np.outer: _outer,
    np.inner: lambda a, b: _dot(a, b, name="inner"), np.tensordot: _tensordot, np.kron: _kron,
    np.cross: _cross,
}
