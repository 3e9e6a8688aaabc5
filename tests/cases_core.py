"""Cases for the core ops (ops.py): arithmetic, activations, reductions, shapes, fused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import autograd.numpy as anp
import numpy as np

from micrograd_nn.engine import apply
from opcases import CASES as _ALL, D, K, N, P, case, same

_START = len(_ALL)

# ---------------------------------------------------------------- arithmetic
_ARITH = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b,
}
_LEFT = {"pow": P}  # positive base
_RIGHT = {"div": K}  # divisor away from 0
for _name, _f in _ARITH.items():
    _a, _b = _LEFT.get(_name, N), _RIGHT.get(_name, N)
    for _tag, _sa, _sb in [("scalar", (), ()), ("same", (2, 3), (2, 3)), ("bcast", (2, 3), (3,)),
                           ("bcast-both", (4, 1, 3), (2, 1)), ("scalar-tensor", (), (2, 3)),
                           ("tensor-scalar", (2, 3), ())]:
        case(_name, _tag, (_a(*_sa), _b(*_sb)), *same(_f))
case("add", "const", (N(2, 3),), *same(lambda a: 1.5 + a + 2))
case("add", "const-scalar", (N(),), *same(lambda a: 1.5 + a + 2))
case("sub", "const", (N(2, 3),), *same(lambda a: (2.5 - a) - 1))
case("sub", "const-scalar", (N(),), *same(lambda a: (2.5 - a) - 1))
case("mul", "self", (N(3),), *same(lambda a: a * a))
case("mul", "const-scalar", (N(),), *same(lambda a: 3 * a * 0.5))
case("div", "rconst", (K(2, 3),), *same(lambda a: 2.0 / a))
case("div", "rconst-scalar", (K(),), *same(lambda a: 2 / a / 4))
case("pow", "int-exponent", (N(2, 3),), *same(lambda a: a ** 3))
case("pow", "int-exponent-scalar", (N(),), *same(lambda a: a ** 3))
case("pow", "half-exponent", (P(4),), *same(lambda a: a ** 0.5))
case("pow", "rpow", (N(2, 3),), *same(lambda b: 2.0 ** b))
case("pow", "rpow-scalar", (N(),), *same(lambda b: 3 ** b))
case("neg", "tensor", (N(2, 3),), *same(lambda a: -a))
case("neg", "scalar", (N(),), *same(lambda a: -a))

for _tag, _sa, _sb in [("1d-1d", (3,), (3,)), ("2d-1d", (2, 3), (3,)), ("1d-2d", (3,), (3, 4)),
                       ("2d-2d", (2, 3), (3, 4)), ("batched-2d", (5, 2, 3), (3, 4)),
                       ("1d-batched", (3,), (5, 3, 4)), ("batched-1d", (5, 2, 3), (3,)),
                       ("batched", (5, 2, 3), (5, 3, 4)), ("bcast-batch", (2, 1, 2, 3), (3, 3, 2))]:
    case("matmul", _tag, (N(*_sa), N(*_sb)), *same(lambda a, b: a @ b))
_C = np.arange(6.0).reshape(2, 3)
case("matmul", "const-left", (N(3, 2),), lambda b: _C @ b, lambda b: anp.matmul(_C, b),
     lambda T, b: T.tensor(_C) @ b)

# ---------------------------------------------------------------- elementwise
_UNARY = {  # name: (input maker, micrograd, autograd, torch)
    "exp": (N, lambda x: x.exp(), anp.exp, lambda T, x: T.exp(x)),
    "log": (P, lambda x: x.log(), anp.log, lambda T, x: T.log(x)),
    "tanh": (N, lambda x: x.tanh(), anp.tanh, lambda T, x: T.tanh(x)),
    "sigmoid": (N, lambda x: x.sigmoid(), lambda x: 1 / (1 + anp.exp(-x)),
                lambda T, x: T.sigmoid(x)),
    "relu": (K, lambda x: x.relu(), lambda x: anp.maximum(x, 0.0), lambda T, x: T.relu(x)),
    "abs": (K, lambda x: x.abs(), anp.abs, lambda T, x: T.abs(x)),
    "sqrt": (P, lambda x: x.sqrt(), anp.sqrt, lambda T, x: T.sqrt(x)),
    "softplus": (N, lambda x: x.softplus(), lambda x: anp.logaddexp(0.0, x),
                 lambda T, x: T.nn.functional.softplus(x)),
}
for _name, (_make, _mg, _ref, _th) in _UNARY.items():
    case(_name, "scalar", (_make(),), _mg, _ref, _th)
    case(_name, "tensor", (_make(3, 4),), _mg, _ref, _th)
case("abs", "builtin", (K(5),), abs, anp.abs, lambda T, x: abs(x))

# ---------------------------------------------------------------- reductions


def _dims(axis: Any, ndim: int) -> tuple[int, ...]:
    return tuple(range(ndim)) if axis is None else (axis if type(axis) is tuple else (axis,))


_TORCH_REDUCE = {"sum": "sum", "mean": "mean", "max": "amax"}


def _reduction(name: str, axis: Any, keepdims: bool) -> tuple[Callable, Callable, Callable]:
    return (lambda x: getattr(x, name)(axis=axis, keepdims=keepdims),
            lambda x: getattr(anp, name)(x, axis=axis, keepdims=keepdims),
            lambda T, x: getattr(T, _TORCH_REDUCE[name])(x, dim=_dims(axis, x.ndim),
                                                          keepdim=keepdims))


for _name in ("sum", "mean", "max"):
    case(_name, "scalar", (N(),), *_reduction(_name, None, False))
    for _axis, _kd in [(None, False), (None, True), (0, False), (1, True), (-1, False),
                       ((0, 2), False), ((0, 2), True), ((-1, 0), False)]:
        case(_name, f"axis={_axis}-keepdims={_kd}", (D(2, 3, 4),), *_reduction(_name, _axis, _kd))
case("sum", "default", (N(2, 3),), lambda x: x.sum(), anp.sum, lambda T, x: x.sum())
case("mean", "default", (N(2, 3),), lambda x: x.mean(), anp.mean, lambda T, x: x.mean())
case("max", "default", (D(2, 3),), lambda x: x.max(), anp.max, lambda T, x: x.amax())

# ---------------------------------------------------------------- shapes


def _reshape(shape: Any) -> tuple[Callable, Callable, Callable]:
    return (lambda x: x.reshape(shape), lambda x: anp.reshape(x, shape),
            lambda T, x: T.reshape(x, shape))


for _tag, _shape in [("merge", (6, 4)), ("flat", (-1,)), ("infer", (4, -1, 2)), ("row", (1, 24))]:
    case("reshape", _tag, (N(2, 3, 4),), *_reshape(_shape))
case("reshape", "to-0d", (N(1, 1),), *_reshape(()))
case("reshape", "scalar-to-2d", (N(),), *_reshape((1, 1)))
case("reshape", "varargs", (N(2, 3),), lambda x: x.reshape(3, 2), lambda x: anp.reshape(x, (3, 2)),
     lambda T, x: x.reshape(3, 2))

case("transpose", "T", (N(3, 4),), lambda x: x.T, anp.transpose, lambda T, x: x.T)
case("transpose", "default-3d", (N(2, 3, 4),), lambda x: x.transpose(), anp.transpose,
     lambda T, x: x.permute(2, 1, 0))
for _axes in [(1, 0, 2), (2, 0, 1), (-1, 0, 1), (-1, -3, -2)]:
    # autograd's own transpose VJP mishandles negative axes: give it them normalised
    case("transpose", f"axes={_axes}", (N(2, 3, 4),), lambda x, a=_axes: x.transpose(*a),
         lambda x, a=_axes: anp.transpose(x, [i % 3 for i in a]),
         lambda T, x, a=_axes: x.permute(*a))
case("transpose", "axes-tuple", (N(2, 3, 4),), lambda x: x.transpose((1, 2, 0)),
     lambda x: anp.transpose(x, (1, 2, 0)), lambda T, x: x.permute(1, 2, 0))

_I, _J = np.array([0, 1, 1, 3]), np.array([2, 2, 0, 4])
_MASK = np.array([True, False, True, True])
for _tag, _idx, _tidx in [
    ("int", 1, 1), ("int-pair", (-1, 2), (-1, 2)), ("slice", np.s_[:, 1:4], np.s_[:, 1:4]),
    ("newaxis-ellipsis", np.s_[..., None, 0], np.s_[..., None, 0]),
    ("int-array-repeats", [0, 2, 0, 0], [0, 2, 0, 0]),
    ("two-int-arrays", (_I, _J), (_I.tolist(), _J.tolist())),
    ("slice-and-int-array", np.s_[:, [1, 1, 3]], np.s_[:, [1, 1, 3]]),
    ("bool-mask", _MASK, _MASK.tolist()),
]:
    case("getitem", _tag, (N(4, 5),), lambda x, i=_idx: x[i], lambda x, i=_idx: x[i],
         lambda T, x, i=_tidx: x[T.tensor(i) if type(i) is list else i])
case("getitem", "negative-step", (N(4, 5),), lambda x: x[::-2], lambda x: x[::-2],
     lambda T, x: T.flip(x, [0])[::2])
case("getitem", "1d-int-to-float", (N(6),), lambda x: x[2], lambda x: x[2], lambda T, x: x[2])
case("getitem", "1d-2d-int-array", (N(6),), lambda x: x[np.array([[0, 5], [5, 5]])],
     lambda x: x[np.array([[0, 5], [5, 5]])], lambda T, x: x[T.tensor([[0, 5], [5, 5]])])

# ---------------------------------------------------------------- fused


def _anp_log_softmax(x: Any, axis: int) -> Any:
    m = anp.max(x, axis=axis, keepdims=True)
    return x - m - anp.log(anp.sum(anp.exp(x - m), axis=axis, keepdims=True))


for _tag, _shape, _axis in [("last", (3, 5), -1), ("first", (3, 5), 0), ("3d-middle", (2, 3, 4), 1),
                            ("1d", (5,), 0)]:
    case("log_softmax", _tag, (N(*_shape) * 3,), lambda x, a=_axis: x.log_softmax(a),
         lambda x, a=_axis: _anp_log_softmax(x, a), lambda T, x, a=_axis: T.log_softmax(x, a))
case("log_softmax", "default-axis", (N(2, 4),), lambda x: x.log_softmax(),
     lambda x: _anp_log_softmax(x, -1), lambda T, x: T.log_softmax(x, -1))

_X = N(4, 3)
case("linear", "bias", (N(4, 3), N(3, 2), N(2)), lambda x, w, b: apply("linear", x, w, b),
     lambda x, w, b: anp.dot(x, w) + b, lambda T, x, w, b: x @ w + b)
case("linear", "no-bias", (N(4, 3), N(3, 2)), lambda x, w: apply("linear", x, w, None),
     lambda x, w: anp.dot(x, w), lambda T, x, w: x @ w)
case("linear", "1d-input", (N(3), N(3, 2), N(2)), lambda x, w, b: apply("linear", x, w, b),
     lambda x, w, b: anp.dot(x, w) + b, lambda T, x, w, b: x @ w + b)
case("linear", "3d-input", (N(2, 4, 3), N(3, 2), N(2)), lambda x, w, b: apply("linear", x, w, b),
     lambda x, w, b: anp.matmul(x, w) + b, lambda T, x, w, b: x @ w + b)
case("linear", "const-input", (N(3, 2), N(2)), lambda w, b: apply("linear", _X, w, b),
     lambda w, b: anp.dot(_X, w) + b, lambda T, w, b: T.tensor(_X) @ w + b)

_TGT = N(4, 2)
case("mse", "both", (N(5), N(5)), lambda p, t: apply("mse", p, t),
     lambda p, t: anp.mean((p - t) ** 2), lambda T, p, t: T.mean((p - t) ** 2))
case("mse", "const-target", (N(4, 2),), lambda p: apply("mse", p, _TGT),
     lambda p: anp.mean((p - _TGT) ** 2), lambda T, p: T.mean((p - T.tensor(_TGT)) ** 2))
case("mse", "scalar", (N(), N()), lambda p, t: apply("mse", p, t),
     lambda p, t: (p - t) ** 2, lambda T, p, t: (p - t) ** 2)


# ---------------------------------------------------------------- engine-internal ops
# where (a constant condition), scatter (getitem's adjoint), broadcast_to and cast serve
# the VJPs themselves (second order needs them differentiable) and numpy's functions.
_COND = np.array([[True, False, True], [False, False, True]])
case("where", "tensor", (N(2, 3), N(2, 3)), lambda a, b: apply("where", a, b, params=(_COND,)),
     lambda a, b: anp.where(_COND, a, b), lambda T, a, b: T.where(T.tensor(_COND), a, b))
_ONES = np.ones((2, 3), dtype=bool)  # autograd's own where VJP does not unbroadcast
case("where", "bcast", (N(3), N(2, 1)), lambda a, b: apply("where", a, b, params=(_COND,)),
     lambda a, b: anp.where(_COND, a * _ONES, b * _ONES),
     lambda T, a, b: T.where(T.tensor(_COND), a, b))
case("where", "scalar", (N(), N()), lambda a, b: apply("where", a, b, params=(True,)),
     lambda a, b: anp.where(True, a, b) + 0.0, lambda T, a, b: T.where(T.tensor(True), a, b))
_SIDX = np.array([0, 2, 2])
case("scatter", "int-array-repeats", (N(3),),
     lambda g: apply("scatter", g, params=((4,), np.float64, _SIDX)),
     lambda g: anp.dot(np.eye(4)[_SIDX].T, g),
     lambda T, g: T.zeros(4, dtype=T.float64).index_add(0, T.tensor(_SIDX), g))
case("scatter", "slice", (N(2, 2),),
     lambda g: apply("scatter", g, params=((3, 2), np.float64, np.s_[1:])),
     lambda g: anp.concatenate([np.zeros((1, 2)), g]),
     lambda T, g: T.cat([T.zeros(1, 2, dtype=T.float64), g]))
case("scatter", "scalar", (N(),),
     lambda g: apply("scatter", g, params=((3,), np.float64, np.s_[1:2])).sum(),
     lambda g: g + 0.0, lambda T, g: g + 0.0)
case("broadcast_to", "tensor", (N(3),), lambda x: apply("broadcast_to", x, params=((2, 3),)),
     lambda x: x * np.ones((2, 3), dtype=bool), lambda T, x: x.expand(2, 3))
case("broadcast_to", "scalar", (N(),),
     lambda x: apply("broadcast_to", x, params=((2, 2),)).sum(),
     lambda x: anp.sum(x * np.ones((2, 2))), lambda T, x: x.expand(2, 2).sum())
case("cast", "tensor", (N(2, 3),), lambda x: apply("cast", x, params=(np.float64,)),
     lambda x: x * np.float64(1.0), lambda T, x: x + 0.0)
case("cast", "scalar", (N(),), lambda x: apply("cast", x, params=(np.float64,)),
     lambda x: x + 0.0, lambda T, x: x + 0.0)

CASES = _ALL[_START:]
