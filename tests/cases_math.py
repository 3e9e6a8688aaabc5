"""Cases for the ops of ops_math.py (see opcases.py for the case type).

The micrograd side goes through numpy's own functions (``np.sin(x)``, ``np.einsum(...)``)
so that the dispatch of numpy_math is exercised with the op. Where HIPS autograd has no
VJP (cbrt, fmod, cumprod, ptp, vdot, repeated einsum indices) or divides by the input
(prod with zeros), the reference is written from its primitives instead.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from typing import Any

import autograd.numpy as anp
import numpy as np

from opcases import CASES as _ALL, D, K, N, P, case

_START = len(_ALL)


def U(*shape: int) -> Any:
    """Inside (-1, 1), away from the ends: for arcsin, arccos, arctanh, tan."""
    return (P(*shape) - 1.25) / 0.8


def A(*shape: int) -> Any:
    """Above 1.5: for arccosh."""
    return P(*shape) + 1.0


# ---------------------------------------------------------------- elementwise
_UNARY = {  # name: (input maker, numpy function, autograd, torch)
    "sin": (N, np.sin, anp.sin, lambda T, x: T.sin(x)),
    "cos": (N, np.cos, anp.cos, lambda T, x: T.cos(x)),
    "tan": (U, np.tan, anp.tan, lambda T, x: T.tan(x)),
    "arcsin": (U, np.arcsin, anp.arcsin, lambda T, x: T.asin(x)),
    "arccos": (U, np.arccos, anp.arccos, lambda T, x: T.acos(x)),
    "arctan": (N, np.arctan, anp.arctan, lambda T, x: T.atan(x)),
    "sinh": (N, np.sinh, anp.sinh, lambda T, x: T.sinh(x)),
    "cosh": (N, np.cosh, anp.cosh, lambda T, x: T.cosh(x)),
    "arcsinh": (N, np.arcsinh, anp.arcsinh, lambda T, x: T.asinh(x)),
    "arccosh": (A, np.arccosh, anp.arccosh, lambda T, x: T.acosh(x)),
    "arctanh": (U, np.arctanh, anp.arctanh, lambda T, x: T.atanh(x)),
    "exp2": (N, np.exp2, anp.exp2, lambda T, x: T.exp2(x)),
    "expm1": (N, np.expm1, anp.expm1, lambda T, x: T.expm1(x)),
    "log2": (P, np.log2, anp.log2, lambda T, x: T.log2(x)),
    "log10": (P, np.log10, anp.log10, lambda T, x: T.log10(x)),
    "log1p": (P, np.log1p, anp.log1p, lambda T, x: T.log1p(x)),
    "square": (N, np.square, anp.square, lambda T, x: T.square(x)),
    "cbrt": (K, np.cbrt, lambda x: anp.sign(x) * anp.abs(x) ** (1 / 3),
             lambda T, x: T.sign(x) * x.abs() ** (1 / 3)),
    "reciprocal": (K, np.reciprocal, anp.reciprocal, lambda T, x: T.reciprocal(x)),
    # steps: gradient 0 away from the jumps (random inputs are never at one)
    "sign": (K, np.sign, anp.sign, lambda T, x: T.sign(x)),
    "floor": (N, np.floor, anp.floor, lambda T, x: T.floor(x)),
    "ceil": (N, np.ceil, anp.ceil, lambda T, x: T.ceil(x)),
    "trunc": (N, np.trunc, anp.trunc, lambda T, x: T.trunc(x)),
    "round": (N, np.round, anp.round, lambda T, x: T.round(x)),
}
for _name, (_make, _np, _ref, _th) in _UNARY.items():
    case(_name, "scalar", (_make(),), _np, _ref, _th)
    case(_name, "tensor", (_make(3, 4),), _np, _ref, _th)
case("round", "decimals", (N(3, 4) * 10,), lambda x: np.round(x, 1),
     lambda x: anp.round(x, 1), lambda T, x: T.round(x, decimals=1))
case("round", "around", (N(5),), lambda x: np.around(x), anp.around, lambda T, x: T.round(x))
case("round", "rint", (N(5),), np.rint, anp.rint, lambda T, x: T.round(x))
case("round", "method", (N(5),), lambda x: x.round(2), lambda x: anp.round(x, 2),
     lambda T, x: T.round(x, decimals=2))
case("trunc", "fix", (N(5),), np.fix, anp.fix, lambda T, x: T.fix(x))
case("trunc", "fix-scalar", (N(),), np.fix, anp.fix, lambda T, x: T.fix(x))

_BINARY = {  # name: (maker x, maker y, numpy function, autograd, torch)
    "logaddexp": (N, N, np.logaddexp, anp.logaddexp, lambda T, x, y: T.logaddexp(x, y)),
    "logaddexp2": (N, N, np.logaddexp2, anp.logaddexp2, lambda T, x, y: T.logaddexp2(x, y)),
    "maximum": (N, N, np.maximum, anp.maximum, lambda T, x, y: T.maximum(x, y)),
    "minimum": (N, N, np.minimum, anp.minimum, lambda T, x, y: T.minimum(x, y)),
    "fmax": (N, N, np.fmax, anp.fmax, lambda T, x, y: T.fmax(x, y)),
    "fmin": (N, N, np.fmin, anp.fmin, lambda T, x, y: T.fmin(x, y)),
    "hypot": (N, N, np.hypot, anp.hypot, lambda T, x, y: T.hypot(x, y)),
    "arctan2": (N, N, np.arctan2, anp.arctan2, lambda T, x, y: T.atan2(x, y)),
    "mod": (N, K, np.mod, anp.mod, lambda T, x, y: T.remainder(x, y)),
    "fmod": (N, K, np.fmod, lambda x, y: x - anp.trunc(x / y) * y,
             lambda T, x, y: T.fmod(x, y)),
}
for _name, (_mx, _my, _np, _ref, _th) in _BINARY.items():
    for _tag, _sa, _sb in [("scalar", (), ()), ("same", (2, 3), (2, 3)), ("bcast", (2, 3), (3,)),
                           ("scalar-tensor", (), (2, 3))]:
        case(_name, _tag, (_mx(*_sa), _my(*_sb)), _np, _ref, _th)
    _C = _my(3)  # a plain array beside a Value is a constant, on either side
    case(_name, "const", (_mx(2, 3),), lambda x, f=_np, c=_C: f(x, c),
         lambda x, f=_ref, c=_C: f(x, c), lambda T, x, f=_th, c=_C: f(T, x, T.tensor(c)))
    _C = _mx(3)
    case(_name, "rconst", (_my(2, 3),), lambda y, f=_np, c=_C: f(c, y),
         lambda y, f=_ref, c=_C: f(c, y), lambda T, y, f=_th, c=_C: f(T, T.tensor(c), y))
case("mod", "remainder", (N(4), K(4)), np.remainder, anp.remainder,
     lambda T, x, y: T.remainder(x, y))

_LO, _HI = np.array([-0.5, -0.2, 0.1, -1.0]), np.array([[0.3], [0.9], [1.5]])
for _tag, _args, _tlo, _thi in [("both", (-0.5, 0.5), -0.5, 0.5),
                                ("min-only", (-0.3, None), -0.3, None),
                                ("max-only", (None, 0.2), None, 0.2),
                                ("int-bounds", (-1, 1), -1, 1)]:
    case("clip", _tag, (N(3, 4),), lambda x, a=_args: np.clip(x, *a),
         lambda x, a=_args: anp.minimum(anp.maximum(x, -np.inf if a[0] is None else a[0]),
                                        np.inf if a[1] is None else a[1]),
         lambda T, x, lo=_tlo, hi=_thi: T.clamp(x, lo, hi))
case("clip", "scalar", (0.3,), lambda x: np.clip(x, -0.5, 0.5), lambda x: anp.clip(x, -0.5, 0.5),
     lambda T, x: T.clamp(x, -0.5, 0.5))
case("clip", "array-bounds", (N(3, 4),), lambda x: np.clip(x, _LO, _HI),
     lambda x: anp.minimum(anp.maximum(x, _LO), _HI),
     lambda T, x: T.minimum(T.maximum(x, T.tensor(_LO)), T.tensor(_HI)))
case("clip", "bounds-broadcast-x", (N(4),), lambda x: np.clip(x, _LO.min(), _HI),
     lambda x: anp.minimum(anp.maximum(x, _LO.min()), _HI),
     lambda T, x: T.minimum(T.clamp(x, min=float(_LO.min())), T.tensor(_HI)))
case("clip", "keywords", (N(3, 4),), lambda x: np.clip(x, min=-0.4, max=0.6),
     lambda x: anp.clip(x, -0.4, 0.6), lambda T, x: T.clamp(x, -0.4, 0.6))
case("clip", "method", (N(3, 4),), lambda x: x.clip(-0.4, 0.6),
     lambda x: anp.clip(x, -0.4, 0.6), lambda T, x: T.clamp(x, -0.4, 0.6))


# ---------------------------------------------------------------- reductions


def _dims(axis: Any, ndim: int) -> tuple[int, ...]:
    return tuple(range(ndim)) if axis is None else (axis if type(axis) is tuple else (axis,))


def _tprod(T: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """torch.prod takes one dim: one at a time (zero-safe in torch)."""
    dims = sorted((d % x.ndim for d in _dims(axis, x.ndim)), reverse=True)
    for d in dims:
        x = x.prod(dim=d, keepdim=True)
    return x if keepdims else x.reshape([n for i, n in enumerate(x.shape) if i not in dims])


_TORCH = {"min": lambda T, x, a, k: T.amin(x, dim=_dims(a, x.ndim), keepdim=k), "prod": _tprod}
_AXES = [(None, False), (None, True), (0, False), (1, True), (-1, False), ((0, 2), False),
         ((0, 2), True), ((-1, 0), False)]
for _name, _make in (("min", D), ("prod", P)):
    _np, _ref, _th = getattr(np, _name), getattr(anp, _name), _TORCH[_name]
    case(_name, "scalar", (N(),), _np, _ref, lambda T, x, f=_th: f(T, x, None, False))
    for _axis, _kd in _AXES:
        case(_name, f"axis={_axis}-keepdims={_kd}", (_make(2, 3, 4),),
             lambda x, f=_np, a=_axis, k=_kd: f(x, axis=a, keepdims=k),
             lambda x, f=_ref, a=_axis, k=_kd: f(x, axis=a, keepdims=k),
             lambda T, x, f=_th, a=_axis, k=_kd: f(T, x, a, k))
case("min", "amin", (D(3, 4),), lambda x: np.amin(x, 1), lambda x: anp.amin(x, 1),
     lambda T, x: T.amin(x, 1))
case("min", "method", (D(3, 4),), lambda x: x.min(axis=0), lambda x: anp.min(x, 0),
     lambda T, x: T.amin(x, 0))
case("min", "ptp", (D(3, 4),), lambda x: np.ptp(x, axis=1), lambda x: anp.max(x, 1) - anp.min(x, 1),
     lambda T, x: T.amax(x, 1) - T.amin(x, 1))


def _chain(xs: list) -> Any:
    return reduce(lambda a, b: a * b, xs)


_Z = np.array([[1.5, 0.0, -2.0, 0.7], [0.0, 0.0, 1.2, -0.5], [0.9, 1.1, -1.3, 0.8]])
case("prod", "zeros-last-axis", (_Z,), lambda x: np.prod(x, axis=-1),
     lambda x: _chain([x[:, k] for k in range(4)]), lambda T, x: T.prod(x, -1))
case("prod", "zeros-axis-0", (_Z,), lambda x: np.prod(x, axis=0, keepdims=True),
     lambda x: _chain([x[k:k + 1] for k in range(3)]), lambda T, x: T.prod(x, 0, keepdim=True))
case("prod", "one-zero-all", (_Z[2:] * np.array([1.0, 0.0, 1.0, 1.0]),), np.prod,
     lambda x: _chain([x[0, k] for k in range(4)]), lambda T, x: T.prod(x))
case("prod", "method", (P(3, 2),), lambda x: x.prod(axis=1), lambda x: anp.prod(x, 1),
     lambda T, x: T.prod(x, 1))


def _anp_cumprod(x: Any, axis: Any) -> Any:
    """Running products by multiplication only (autograd has no cumprod VJP)."""
    if axis is None:
        x, axis = anp.ravel(x), 0
    x = anp.moveaxis(x, axis, 0)
    out = [x[0]]
    for k in range(1, x.shape[0]):
        out.append(out[-1] * x[k])
    return anp.moveaxis(anp.stack(out), 0, axis)


def _tscan(f: str) -> Callable:
    return lambda T, x, a: getattr(T, f)(x.reshape(-1), 0) if a is None else getattr(T, f)(x, a)


for _name, _ref in (("cumsum", lambda x, a: anp.cumsum(x, axis=a)), ("cumprod", _anp_cumprod)):
    _np, _th = getattr(np, _name), _tscan(_name)
    case(_name, "scalar", (N(),), lambda x, f=_np: f(x)[0], lambda x: x * 1.0,
         lambda T, x, t=_th: t(T, x, None)[0])
    for _tag, _shape, _axis in [("1d", (5,), None), ("flat", (2, 3), None), ("axis0", (3, 4), 0),
                                ("axis-1", (3, 4), -1), ("3d-axis1", (2, 3, 2), 1)]:
        case(_name, _tag, (N(*_shape),), lambda x, f=_np, a=_axis: f(x, axis=a),
             lambda x, r=_ref, a=_axis: r(x, a), lambda T, x, t=_th, a=_axis: t(T, x, a))
    case(_name, "method", (N(2, 3),), lambda x, f=_name: getattr(x, f)(axis=1),
         lambda x, r=_ref: r(x, 1), lambda T, x, t=_th: t(T, x, 1))
_Z2 = np.array([[0.0, 1.5, -2.0, 0.7, 1.1], [1.3, 0.8, 0.0, -0.5, 0.0], [0.9, 1.1, -1.3, 0.8, 0.0]])
case("cumprod", "zeros", (_Z2,), lambda x: np.cumprod(x, axis=1),
     lambda x: _anp_cumprod(x, 1), lambda T, x: T.cumprod(x, 1))
case("cumprod", "zeros-flat", (_Z2[1:],), np.cumprod, lambda x: _anp_cumprod(x, None),
     lambda T, x: T.cumprod(x.reshape(-1), 0))

# var / std are composed from mean (the op these cases run through)
for _tag, _axis, _ddof, _kd in [("all", None, 0, False), ("axis0-ddof1-keepdims", 0, 1, True),
                                ("axis-1", -1, 0, False), ("axes-ddof2", (0, 2), 2, False)]:
    case("mean", f"np.var-{_tag}", (N(3, 4, 2) if _axis == (0, 2) else N(3, 4),),
         lambda x, a=_axis, d=_ddof, k=_kd: np.var(x, axis=a, ddof=d, keepdims=k),
         lambda x, a=_axis, d=_ddof, k=_kd: anp.var(x, axis=a, ddof=d, keepdims=k),
         lambda T, x, a=_axis, d=_ddof, k=_kd: T.var(x, dim=a, correction=d, keepdim=k))
    case("mean", f"np.std-{_tag}", (N(3, 4, 2) if _axis == (0, 2) else N(3, 4),),
         lambda x, a=_axis, d=_ddof, k=_kd: np.std(x, axis=a, ddof=d, keepdims=k),
         lambda x, a=_axis, d=_ddof, k=_kd: anp.std(x, axis=a, ddof=d, keepdims=k),
         lambda T, x, a=_axis, d=_ddof, k=_kd: T.std(x, dim=a, correction=d, keepdim=k))

# ---------------------------------------------------------------- products (all one einsum)
_E = N(3, 4)


def _es(subs: str) -> tuple[Callable, Callable, Callable]:
    """np.einsum, autograd's einsum and torch's einsum on the same subscripts."""
    return (lambda *xs: np.einsum(subs, *xs), lambda *xs: anp.einsum(subs, *xs),
            lambda T, *xs: T.einsum(subs, *xs))


for _tag, _subs, _shapes in [
    ("matmul", "ij,jk->ik", [(2, 3), (3, 4)]), ("implicit", "ij,jk", [(2, 3), (3, 4)]),
    ("implicit-transpose", "ba,cb", [(3, 2), (4, 3)]),
    ("contract-all", "ij,ij->", [(2, 3), (2, 3)]),
    ("outer", "i,j->ij", [(3,), (2,)]), ("batched", "bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("permuted-out", "ij,jk->ki", [(2, 3), (3, 4)]), ("scalar-tensor", ",ij->ij", [(), (2, 3)]),
    ("one-operand-index", "ij,k->ik", [(2, 3), (4,)]),
]:
    case("einsum", _tag, tuple(N(*s) for s in _shapes), *_es(_subs))
# '...' covers no axes of a float and one of a one-element array (the scalar-path check)
case("einsum", "scalar", (N(), N()), lambda a, b: np.einsum("...,...", a, b), lambda a, b: a * b,
     lambda T, a, b: a * b)
case("einsum", "ellipsis-broadcast", (N(2, 1, 2, 3), N(4, 3, 5)),
     lambda a, b: np.einsum("...ij,...jk->...ik", a, b), anp.matmul, lambda T, a, b: a @ b)
case("einsum", "size-1-index", (N(2, 1), N(3, 4)), lambda a, b: np.einsum("ij,jk->ik", a, b),
     lambda a, b: anp.dot(a, anp.sum(b, 0, keepdims=True)),
     lambda T, a, b: a @ b.sum(0, keepdim=True))
case("einsum", "interleaved", (N(2, 3), N(3, 4)),
     lambda a, b: np.einsum(a, [0, 1], b, [1, 2], [0, 2]), anp.dot, lambda T, a, b: a @ b)
case("einsum", "const", (N(2, 3),), lambda a: np.einsum("ij,jk->ik", a, _E),
     lambda a: anp.dot(a, _E), lambda T, a: a @ T.tensor(_E))
# one operand (einsum_op(1)); repeated indices (diagonals, traces)
case("einsum", "1-transpose", (N(2, 3),), *_es("ij->ji"))
case("einsum", "1-sum", (N(2, 3),), *_es("ij->"))
_I3 = np.eye(3)
case("einsum", "1-diagonal", (N(3, 3),), lambda x: np.einsum("ii->i", x),
     lambda x: anp.sum(x * _I3.astype(x.dtype), 1), lambda T, x: T.einsum("ii->i", x))
case("einsum", "1-trace", (N(3, 3),), lambda x: np.einsum("ii", x),
     lambda x: anp.sum(x * _I3.astype(x.dtype)), lambda T, x: T.einsum("ii", x))
case("einsum", "1-repeated-and-free", (N(3, 3, 2),), lambda x: np.einsum("iij->j", x),
     lambda x: anp.sum(x * _I3[:, :, None].astype(x.dtype), (0, 1)),
     lambda T, x: T.einsum("iij->j", x))
case("einsum", "2-repeated", (N(3, 3), N(3)), lambda x, v: np.einsum("ii,i->i", x, v),
     lambda x, v: anp.sum(x * _I3.astype(x.dtype), 1) * v,
     lambda T, x, v: T.einsum("ii,i->i", x, v))
# three operands (einsum_op(3))
case("einsum", "3-chain", (N(2, 3), N(3, 4), N(4, 2)), *_es("ij,jk,kl->il"))
case("einsum", "3-contract-all", (N(4), N(4), N(4)), *_es("i,i,i->"))
case("einsum", "3-scalar", (N(), N(), N()), lambda a, b, c: np.einsum("...,...,...->...", a, b, c),
     lambda a, b, c: a * b * c, lambda T, a, b, c: a * b * c)
# numpy's products, composed from einsum
for _tag, _sa, _sb in [("1d-1d", (3,), (3,)), ("2d-1d", (2, 3), (3,)), ("1d-2d", (3,), (3, 4)),
                       ("2d-2d", (2, 3), (3, 4))]:
    case("einsum", f"np.dot-{_tag}", (N(*_sa), N(*_sb)), np.dot, anp.dot,
         lambda T, a, b: a @ b)
case("einsum", "np.dot-3d", (N(2, 3, 4), N(5, 4, 2)), np.dot, anp.dot,
     lambda T, a, b: T.tensordot(a, b, dims=([2], [1])))
case("einsum", "method-dot", (N(2, 3), N(3,)), lambda a, b: a.dot(b), anp.dot,
     lambda T, a, b: a @ b)
case("mul", "np.dot-scalars", (N(), N()), np.dot, lambda a, b: a * b, lambda T, a, b: a * b)
case("einsum", "np.vdot", (N(2, 3), N(6)), np.vdot, lambda a, b: anp.sum(anp.ravel(a) * b),
     lambda T, a, b: (a.reshape(-1) * b).sum())
case("einsum", "np.inner", (N(2, 3), N(4, 3)), np.inner, anp.inner, lambda T, a, b: T.inner(a, b))
case("einsum", "np.outer", (N(3), N(2, 2)), np.outer, lambda a, b: anp.outer(a, anp.ravel(b)),
     lambda T, a, b: T.outer(a, b.reshape(-1)))
for _tag, _sa, _sb, _axes in [("int1", (2, 3), (3, 4), 1), ("int2", (2, 3, 4), (3, 4, 2), 2),
                              ("pairs", (3, 2, 4), (2, 3), ([1, 0], [0, 1])),
                              ("outer-0", (2,), (3,), 0)]:
    case("einsum", f"np.tensordot-{_tag}", (N(*_sa), N(*_sb)),
         lambda a, b, x=_axes: np.tensordot(a, b, x), lambda a, b, x=_axes: anp.tensordot(a, b, x),
         lambda T, a, b, x=_axes: T.tensordot(a, b, dims=x))
for _tag, _sa, _sb in [("2d", (2, 3), (2, 2)), ("1d-2d", (3,), (2, 2))]:
    case("einsum", f"np.kron-{_tag}", (N(*_sa), N(*_sb)), np.kron, anp.kron,
         lambda T, a, b: T.kron(a, b))
case("einsum", "np.cross", (N(3), N(3)), np.cross, anp.cross, lambda T, a, b: T.linalg.cross(a, b))
case("einsum", "np.cross-broadcast", (N(4, 3), N(3)), np.cross,
     lambda a, b: anp.cross(a, b * np.ones((4, 1), b.dtype)),  # autograd: no unbroadcast
     lambda T, a, b: T.linalg.cross(a, b.expand(4, 3)))
case("einsum", "np.cross-axis0", (N(3, 2), N(3, 2)), lambda a, b: np.cross(a, b, axis=0),
     lambda a, b: anp.cross(a, b, axis=0), lambda T, a, b: T.linalg.cross(a, b, dim=0))

CASES = _ALL[_START:]
