"""Every op of ``micrograd_nn.ops.OPS``, driven by one table of cases.

Each :class:`Case` runs an expression on micrograd Values (``mg``), on HIPS autograd's
numpy (``ref``: also the forward oracle, since autograd.numpy works on plain arrays)
and on PyTorch (``th``). Every case is checked for: forward values and the kind of
``.data``; gradients against float64 central differences of our own forward, against
autograd and against PyTorch; float32 staying float32; and, on the scalar path, that
floats and one-element arrays agree. ``test_every_op_has_cases`` fails when an op is
added to ``OPS`` without cases here. Inputs keep away from kinks (relu/abs at 0, max
ties); those are checked by hand values in test_ops_kinks.py.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from micrograd_nn import Value, no_grad
from micrograd_nn.engine import apply
from micrograd_nn.ops import OPS

# ops that need at least one dimension: a scalar Value is rejected (test below)
NO_SCALAR = {"matmul", "transpose", "getitem", "log_softmax", "linear"}

_R = np.random.default_rng(20240601)


def N(*shape: int) -> Any:
    """Standard normal; a Python float for no shape."""
    x = _R.normal(size=shape)
    return float(x) if not shape else x


def P(*shape: int) -> Any:
    """Positive, in [0.5, 2): for log, sqrt and pow bases."""
    x = _R.uniform(0.5, 2.0, size=shape)
    return float(x) if not shape else x


def K(*shape: int) -> Any:
    """Away from 0 (|x| >= 0.2): for relu, abs and divisors."""
    x = _R.uniform(0.2, 2.0, size=shape) * _R.choice([-1.0, 1.0], size=shape)
    return float(x) if not shape else x


def D(*shape: int) -> np.ndarray:
    """All entries distinct, at least 0.2 apart: for max without ties."""
    n = int(np.prod(shape))
    return (_R.permutation(n) * 0.25 + _R.uniform(0, 0.05, size=n) - n / 8).reshape(shape)


@dataclass(frozen=True)
class Case:
    op: str  # key of OPS that the case exercises
    tag: str
    inputs: tuple  # one Value each: floats (scalar path) or float64 arrays
    mg: Callable[..., Value]  # (*Values) -> Value
    ref: Callable[..., Any]  # (*arrays) -> array, with autograd.numpy
    th: Callable[..., Any]  # (torch, *tensors) -> tensor

    @property
    def id(self) -> str:
        return f"{self.op}-{self.tag}"

    @property
    def scalar(self) -> bool:
        return all(type(x) is float for x in self.inputs)


CASES: list[Case] = []


def case(op: str, tag: str, inputs: tuple, mg: Callable, ref: Callable, th: Callable) -> None:
    CASES.append(Case(op, tag, tuple(inputs), mg, ref, th))


def same(f: Callable) -> tuple[Callable, Callable, Callable]:
    """One expression written with operators serves all three frameworks."""
    return f, f, lambda T, *xs: f(*xs)


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

_IDS = [c.id for c in CASES]
_SCALAR = [c for c in CASES if c.scalar]
_TENSOR = [c for c in CASES if not c.scalar]


# ---------------------------------------------------------------- helpers


def run(c: Case, inputs: tuple, seed: Any = None) -> tuple[Any, list[Any]]:
    """Forward and backward (seeded by ``seed``, or 1); the output data and each grad."""
    xs = [Value(x) for x in inputs]
    out = c.mg(*xs)
    out.backward(seed)
    return out.data, [x.grad for x in xs]


def upstream(c: Case) -> Any:
    """A fixed non-uniform upstream gradient of the case's output shape."""
    shape = np.shape(c.ref(*c.inputs))
    w = np.random.default_rng(len(c.id)).uniform(0.5, 1.5, size=shape)
    return float(w) if not shape else w


def central_difference(f: Callable[..., float], inputs: tuple, eps: float = 1e-6) -> list[Any]:
    """d f / d input_i for each input, by (f(x + eps) - f(x - eps)) / (2 eps), float64."""
    grads = []
    for i, x in enumerate(inputs):
        def at(xi: Any, i: int = i) -> float:
            return f(*inputs[:i], xi, *inputs[i + 1:])
        if type(x) is float:
            grads.append((at(x + eps) - at(x - eps)) / (2 * eps))
            continue
        g = np.zeros_like(x)
        for j in np.ndindex(x.shape):
            hi, lo = x.copy(), x.copy()
            hi[j] += eps
            lo[j] -= eps
            g[j] = (at(hi) - at(lo)) / (2 * eps)
        grads.append(g)
    return grads


def graph_ops(root: Value) -> set[str]:
    ops, stack, seen = set(), [root], set()
    while stack:
        n = stack.pop()
        ops.add(n.op)
        for p in n.parents:
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return ops


def assert_grads(got: list[Any], want: list[Any], inputs: tuple, **tol: float) -> None:
    for i, (g, w, x) in enumerate(zip(got, want, inputs, strict=True)):
        assert type(g) is type(x), f"grad {i}: {type(g).__name__} for a {type(x).__name__} input"
        assert np.shape(g) == np.shape(x), f"grad {i}: shape {np.shape(g)} != {np.shape(x)}"
        np.testing.assert_allclose(g, w, err_msg=f"grad of input {i}", **tol)


# ---------------------------------------------------------------- coverage


def test_every_op_has_cases() -> None:
    names = {c.op for c in CASES}
    assert set(OPS) - names == set(), "ops without cases in test_ops_table.py"
    assert names - set(OPS) == set(), "cases for ops that are not in OPS"
    scalar_ops = {c.op for c in _SCALAR}
    assert set(OPS) - NO_SCALAR - scalar_ops == set(), "ops without a scalar-path case"
    assert NO_SCALAR & scalar_ops == set()
    assert {c.op for c in _TENSOR} == set(OPS), "ops without a tensor-path case"
    assert len(set(_IDS)) == len(_IDS), "duplicate case ids"


_SCALAR_USE = {
    "matmul": lambda a, b: a @ b,
    "transpose": lambda a, b: a.transpose(),
    "getitem": lambda a, b: a[0],
    "log_softmax": lambda a, b: a.log_softmax(),
    "linear": lambda a, b: apply("linear", a, b, None),
}


@pytest.mark.parametrize("name", sorted(NO_SCALAR))
def test_op_without_scalar_path_rejects_scalars(name: str) -> None:
    with pytest.raises((TypeError, ValueError), match=name.replace("getitem", "index")):
        _SCALAR_USE[name](Value(2.0), Value(3.0))


# ---------------------------------------------------------------- per case


@pytest.mark.parametrize("c", CASES, ids=_IDS)
def test_op_forward_matches_numpy(c: Case) -> None:
    out = c.mg(*(Value(x) for x in c.inputs))
    want = c.ref(*c.inputs)
    assert c.op in graph_ops(out), f"the case never runs op {c.op!r}"
    assert out.shape == np.shape(want)
    if np.ndim(want) == 0:
        assert type(out.data) is float  # never a 0-d array or np.float64
    else:
        assert type(out.data) is np.ndarray and out.data.dtype == np.float64
    np.testing.assert_allclose(out.data, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("c", CASES, ids=_IDS)
def test_op_gradient_matches_central_difference(c: Case) -> None:
    w = upstream(c)

    def f(*xs: Any) -> float:
        with no_grad():
            return float(np.sum(c.mg(*(Value(x) for x in xs)).data * w))

    _, grads = run(c, c.inputs, w)
    assert_grads(grads, central_difference(f, c.inputs), c.inputs, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("c", CASES, ids=_IDS)
def test_op_gradient_matches_autograd(c: Case) -> None:
    w = upstream(c)

    def loss(*xs: Any) -> Any:
        return anp.sum(c.ref(*xs) * w)

    want = [autograd.grad(loss, i)(*c.inputs) for i in range(len(c.inputs))]
    _, grads = run(c, c.inputs, w)
    assert_grads(grads, want, c.inputs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("c", CASES, ids=_IDS)
def test_op_matches_torch(c: Case) -> None:
    torch = pytest.importorskip("torch")
    w = upstream(c)
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in c.inputs]
    out = c.th(torch, *ts)
    (out * torch.tensor(w, dtype=torch.float64)).sum().backward()
    data, grads = run(c, c.inputs, w)
    np.testing.assert_allclose(data, out.detach().numpy(), rtol=1e-12, atol=1e-14)
    assert_grads(grads, [t.grad.numpy() for t in ts], c.inputs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("c", _SCALAR, ids=[c.id for c in _SCALAR])
def test_op_scalar_path_matches_one_element_tensor(c: Case) -> None:
    data, grads = run(c, c.inputs)
    assert all(type(g) is float for g in grads)
    tdata, tgrads = run(c, tuple(np.array([x]) for x in c.inputs))
    assert type(tdata) is float or type(tdata) is np.ndarray and tdata.size == 1
    assert np.ravel(tdata)[0] == pytest.approx(data, rel=1e-14, abs=1e-15)
    for g, tg in zip(grads, tgrads, strict=True):
        assert tg.shape == (1,)
        assert tg[0] == pytest.approx(g, rel=1e-14, abs=1e-15)


@pytest.mark.parametrize("c", _TENSOR, ids=[c.id for c in _TENSOR])
def test_op_float32_stays_float32(c: Case) -> None:
    inputs = tuple(np.float32(x) if type(x) is float else x.astype(np.float32) for x in c.inputs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy's own float32 reference may overflow nowhere
        want = c.ref(*(np.asarray(x) for x in inputs))
    xs = [Value(np.asarray(x)) for x in inputs]
    out = c.mg(*xs)
    if np.ndim(want) == 0:
        assert type(out.data) is float
    else:  # numpy's promotion: float64 only where a float64 constant takes part
        assert out.data.dtype == np.asarray(want).dtype
    out.backward(None if out.size == 1 else np.ones(out.shape, dtype=out.dtype))
    for x in xs:
        assert type(x.grad) is float if x.shape == () else x.grad.dtype == np.float32
    np.testing.assert_allclose(out.data, want, rtol=1e-5, atol=1e-6)
