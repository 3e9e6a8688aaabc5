"""numpy's maths on Values beyond the op table: keyword arguments, plain arrays as
constants, error messages, kinks (ties, bounds, zeros), extreme inputs with warnings as
errors, second derivatives at the points the table avoids, and the kind of results
(Values with float data for scalars, plain numpy results where there is no gradient).
The table (test_ops_table.py, test_ops_order2.py) checks the smooth cases."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_nn import Value, grad
from micrograd_nn.numpy_math import FUNCTIONS, UFUNCS
from micrograd_nn.ops_math import OPS_MATH, einsum_op
from oracles import grads, torch_grads

torch = pytest.importorskip("torch")
R = np.random.default_rng(7)


def hessian(f: Any, x: Any) -> np.ndarray:
    """d^2 sum(f) / dx^2 of a 1-D input, one row per double-backprop pass."""
    v = Value(x)
    (g,) = grad(f(v).sum(), v, create_graph=True)
    return np.array([grad(g[i], v)[0] for i in range(len(x))])


# ---------------------------------------------------------------- the tables


def test_every_ufunc_and_function_is_a_numpy_one() -> None:
    assert all(isinstance(u, np.ufunc) for u in UFUNCS)
    assert all(callable(f) and not isinstance(f, np.ufunc) for f in FUNCTIONS)
    lead = {np.add, np.subtract, np.multiply, np.true_divide, np.power, np.matmul,
            np.negative, np.positive, np.exp, np.log, np.tanh, np.sqrt, np.absolute}
    assert not lead & set(UFUNCS), "operator ufuncs belong to numpy_api"


def test_einsum_ops_share_a_name_and_count_operands() -> None:
    assert einsum_op(2) in OPS_MATH and einsum_op(3) is einsum_op(3)
    assert {einsum_op(n).name for n in (1, 2, 5)} == {"einsum"}
    assert [einsum_op(n).nin for n in (1, 2, 5)] == [1, 2, 5]


# ---------------------------------------------------------------- keyword arguments


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), (-1, 0), [2, 1]])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name", ["sum", "mean", "max", "amax", "min", "amin", "prod", "ptp"])
def test_reduction_axis_and_keepdims(name: str, axis: Any, keepdims: bool) -> None:
    x = R.permutation(24).reshape(2, 3, 4) * 0.1 + 0.5  # distinct: no ties
    f = getattr(np, name)
    out, (g,) = grads(lambda v: f(v, axis=axis, keepdims=keepdims), x)
    want = f(x, axis=tuple(axis) if isinstance(axis, list) else axis, keepdims=keepdims)
    np.testing.assert_allclose(out, want, rtol=1e-13)
    assert np.shape(out) == np.shape(want)
    th = {"sum": "sum", "mean": "mean", "max": "amax", "amax": "amax", "min": "amin",
          "amin": "amin", "prod": None, "ptp": None}[name]
    if th:
        dims = tuple(range(3)) if axis is None else axis
        tg = torch_grads(lambda t: getattr(torch, th)(t, dim=dims, keepdim=keepdims), x)[1][0]
        np.testing.assert_allclose(g, tg, rtol=1e-12)


def test_reduction_positional_arguments() -> None:
    x = R.normal(size=(3, 4))
    v = Value(x)
    np.testing.assert_allclose(np.sum(v, 0).data, x.sum(0))
    np.testing.assert_allclose(np.max(v, 1, None, True).data, x.max(1, keepdims=True))
    np.testing.assert_allclose(np.var(v, 0, None, None, 1).data, x.var(0, ddof=1))
    np.testing.assert_allclose(np.cumsum(v, 1).data, x.cumsum(1))


@pytest.mark.parametrize("ddof", [0, 1, 2])
@pytest.mark.parametrize("axis", [None, 0, (0, 1)])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_ddof_against_torch(name: str, axis: Any, ddof: int) -> None:
    x = R.normal(size=(3, 4, 2))
    out, (g,) = grads(lambda v: getattr(np, name)(v, axis=axis, ddof=ddof), x)
    np.testing.assert_allclose(out, getattr(np, name)(x, axis=axis, ddof=ddof), rtol=1e-13)
    tg = torch_grads(lambda t: getattr(torch, name)(t, dim=axis, correction=ddof), x)[1][0]
    np.testing.assert_allclose(g, tg, rtol=1e-11)


def test_var_correction_keyword_and_method() -> None:
    x = R.normal(size=(4, 3))
    v = Value(x)
    np.testing.assert_allclose(np.var(v, axis=0, correction=1).data, np.var(x, axis=0, ddof=1))
    np.testing.assert_allclose(v.std(axis=1, ddof=1).data, x.std(axis=1, ddof=1))
    with pytest.raises(TypeError, match="ddof or correction"):
        np.var(v, ddof=1, correction=1)


def test_var_with_too_few_values_is_quietly_inf_or_nan(strict_warnings) -> None:
    v = Value(np.array([1.0, 2.0]))
    assert np.var(v, ddof=2).data == math.inf
    assert math.isnan(np.var(Value(np.array([3.0, 3.0])), ddof=5).data)


def test_dtype_keyword_only_as_the_datas_own() -> None:
    v = Value(np.ones(3))
    assert np.sum(v, dtype=np.float64).data == 3.0
    with pytest.raises(TypeError, match=r"numpy.sum: dtype= .*astype"):
        np.sum(v, dtype=np.float32)


@pytest.mark.parametrize("call, what", [
    (lambda v: np.sum(v, where=np.array([True, False, True])), "where="),
    (lambda v: np.max(v, initial=0.0), "initial="),
    (lambda v: np.cumsum(v, out=np.zeros(3)), "out="),
    (lambda v: np.sin(v, where=np.array([True, False, True])), "where="),
    (lambda v: np.sin(v, dtype=np.float32), "dtype="),
    (lambda v: np.round(v, 1, np.zeros(3)), "out="),
])
def test_unsupported_keywords_are_refused_by_name(call: Any, what: str) -> None:
    with pytest.raises(TypeError, match=what):
        call(Value(np.ones(3)))


def test_ufunc_keywords_at_their_defaults_are_accepted() -> None:
    v = Value(np.array([0.5, 1.0]))
    y = np.sin(v, casting="same_kind", order="K", where=True, dtype=None)
    np.testing.assert_array_equal(y.data, np.sin(v.data))


@pytest.mark.parametrize("call, match", [
    (lambda v: np.sum(v, axis=2), r"numpy.sum: axis 2 is out of bounds for a Value of shape "
                                  r"\(2, 3\).*-2 <= axis < 2"),
    (lambda v: np.mean(v, axis=(0, -2)), "names an axis twice"),
    (lambda v: np.max(v, axis=1.0), "axis must be None, an int or a tuple"),
    (lambda v: np.cumsum(v, axis=(0, 1)), "numpy.cumsum: axis must be None or an int"),
])
def test_bad_axis_messages(call: Any, match: str) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        call(Value(np.ones((2, 3))))


def test_scalar_value_axis_message() -> None:
    with pytest.raises(ValueError, match="use axis=None"):
        np.sum(Value(2.0), axis=0)


def test_max_and_min_of_nothing_say_so() -> None:
    with pytest.raises(ValueError, match=r"numpy.min: a Value of shape \(0, 3\) has no "
                                         "elements along axis 0"):
        np.min(Value(np.ones((0, 3))), axis=0)
    assert np.max(Value(np.ones((0, 3))), axis=1).shape == (0,)


# ---------------------------------------------------------------- constants


def _leaves(y: Value) -> list[Value]:
    seen, stack, leaves = set(), [y], []
    while stack:
        n = stack.pop()
        for p in n.parents:
            if id(p) not in seen:
                seen.add(id(p))
                (stack if p.op else leaves).append(p)
    return leaves


def test_plain_array_beside_a_value_is_a_constant() -> None:
    c = np.array([0.5, 1.0, 2.0])
    v = Value(np.array([1.0, 1.0, 1.0]))
    for y in (np.maximum(c, v), np.hypot(v, c), np.arctan2(c, v), np.einsum("i,i->i", c, v),
              np.dot(c, v), np.outer(v, c), np.kron(c, v)):
        assert isinstance(y, Value) and y.requires_grad
        assert _leaves(y) == [v]
    out, (g,) = grads(lambda v: np.maximum(c, v), v.data)
    np.testing.assert_array_equal(g, [1.0, 0.5, 0.0])


def test_where_takes_its_condition_from_the_data() -> None:
    x, y = Value(np.array([1.0, 2.0, 3.0])), Value(np.array([10.0, 20.0, 30.0]))
    out = np.where(x.data > 1.5, x, y)
    np.testing.assert_array_equal(out.data, [10.0, 2.0, 3.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(y.grad, [1.0, 0.0, 0.0])
    cond = Value(np.array([1.0, 0.0, 2.0]))  # a Value condition: its truth, no gradient
    np.testing.assert_array_equal(np.where(cond, x, 0.0).data, [1.0, 0.0, 3.0])
    idx = np.where(cond)
    assert type(idx) is tuple and idx[0].tolist() == [0, 2]
    plain = np.where(cond, np.ones(3), np.zeros(3))
    assert type(plain) is np.ndarray
    with pytest.raises(ValueError, match="numpy.where: give both x and y"):
        np.where(cond, x)


def test_clip_with_value_bounds_gives_them_gradients() -> None:
    x, lo, hi = Value(np.array([-2.0, 0.0, 3.0])), Value(-1.0), Value(np.array([1.0]))
    np.clip(x, lo, hi).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])
    assert lo.grad == 1.0 and hi.grad.tolist() == [1.0]
    with pytest.raises(TypeError, match="a_min or min"):
        np.clip(x, -1.0, 1.0, min=0.0)


def test_non_differentiable_functions_return_plain_numpy() -> None:
    v = Value(np.array([1.0, -np.inf, np.nan, -0.0]))
    assert np.isnan(v).tolist() == [False, False, True, False]
    assert np.isfinite(v).tolist() == [True, False, False, True]
    assert np.isinf(v).tolist() == [False, True, False, False]
    assert np.signbit(v).tolist() == [False, True, False, True]
    assert np.logical_and(v, np.array([1, 1, 0, 1])).tolist() == [True, True, False, False]
    assert np.logical_not(Value(np.array([0.0, 2.0]))).tolist() == [True, False]


# ---------------------------------------------------------------- results and dtypes


@pytest.mark.parametrize("f", [
    np.sum, np.mean, np.max, np.min, np.prod, np.var, np.std, np.ptp,
    lambda v: np.einsum("ij,ij", v, v), lambda v: np.vdot(v, v),
    lambda v: np.dot(v[0], v[1]), lambda v: np.inner(v[0], v[1]),
    lambda v: np.tensordot(v, v, 2), lambda v: np.einsum("ii", v[:, :2]),
])
def test_scalar_results_are_floats_never_0d_arrays(f: Any) -> None:
    x = Value(R.normal(size=(2, 3)))
    y = f(x)
    assert type(y) is Value and type(y.data) is float and y.shape == ()
    y.backward()
    assert x.grad.shape == (2, 3)


def test_scalar_values_stay_floats() -> None:
    for f in (np.sin, np.cbrt, np.floor, np.sign, np.rint, np.deg2rad, np.fabs):
        y = f(Value(0.7))
        assert type(y.data) is float and y.data == pytest.approx(float(f(0.7)), rel=1e-15)
    for f in (np.logaddexp, np.maximum, np.fmod, np.hypot, np.arctan2):
        y = f(Value(0.7), Value(-1.3))
        assert type(y.data) is float
        assert y.data == pytest.approx(float(f(0.7, -1.3)), rel=1e-15)
    y = np.cumsum(Value(2.0))  # numpy's shape: a one-element array
    assert y.shape == (1,)


def test_float32_stays_float32_with_python_scalars() -> None:
    x = Value(np.arange(1.0, 4.0, dtype=np.float32))
    for y in (np.einsum(",i->i", Value(2.0), x), np.clip(x, 1, 2), np.deg2rad(x),
              np.maximum(x, 2.0), np.round(x, 1), np.var(x, ddof=1), np.cross(x, x),
              np.std(Value(np.ones(3, np.float32)))):
        assert y.dtype == np.float32 or type(y.data) is float


def test_rounding_follows_numpy() -> None:
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.25, -0.35])
    v = Value(x)
    for name in ("rint", "round", "around", "fix", "floor", "ceil", "trunc", "sign"):
        np.testing.assert_array_equal(getattr(np, name)(v).data, getattr(np, name)(x))
    np.testing.assert_array_equal(np.round(v, 1).data, np.round(x, 1))
    assert np.rint(Value(2.5)).data == 2.0 and np.round(Value(0.125), 2).data == 0.12


def test_angle_conversions_are_numpys() -> None:
    x = np.array([0.0, 30.0, 90.0, 180.0, -45.0])
    for name in ("deg2rad", "radians", "rad2deg", "degrees"):
        np.testing.assert_array_equal(getattr(np, name)(Value(x)).data, getattr(np, name)(x))
    _, (g,) = grads(np.radians, x)
    np.testing.assert_array_equal(g, np.full(5, math.pi / 180))


# ---------------------------------------------------------------- kinks and zeros


def test_min_ties_share_the_gradient_like_torch() -> None:
    x = np.array([[1.0, 1.0, 3.0], [2.0, 0.5, 0.5]])
    for axis, dims in ((None, (0, 1)), (1, 1), (0, 0)):
        _, (g,) = grads(lambda v, a=axis: np.min(v, axis=a), x)
        want = torch_grads(lambda t, d=dims: torch.amin(t, dim=d), x)[1][0]
        np.testing.assert_array_equal(g, want)


@pytest.mark.parametrize("name", ["maximum", "minimum", "fmax", "fmin"])
def test_elementwise_ties_split_in_half(name: str) -> None:
    x, y = np.array([1.0, 2.0, 2.0]), np.array([1.0, 3.0, 2.0])
    _, (gx, gy) = grads(getattr(np, name), x, y)
    assert gx[0] == gy[0] == 0.5 and gx[2] == gy[2] == 0.5
    assert gx[1] + gy[1] == 1.0


def test_nan_takes_no_gradient_in_fmax_and_all_of_it_in_maximum() -> None:
    x, y = np.array([np.nan, 1.0, np.nan]), np.array([2.0, np.nan, np.nan])
    out, (gx, gy) = grads(np.fmax, x, y)
    np.testing.assert_array_equal(out, [2.0, 1.0, np.nan])
    np.testing.assert_array_equal(gx, [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(gy, [1.0, 0.0, 0.0])
    out, (gx, gy) = grads(np.maximum, x, y)
    assert np.isnan(out).all() and not gx.any() and not gy.any()


@pytest.mark.parametrize("path", ["scalar", "tensor"])
def test_clip_at_the_bounds_passes_the_gradient(path: str) -> None:
    x = np.array([-1.0, -0.5, 1.0, 1.5, -3.0])
    want = torch_grads(lambda t: torch.clamp(t, -1.0, 1.0), x)[1][0]
    if path == "tensor":
        _, (g,) = grads(lambda v: np.clip(v, -1.0, 1.0), x)
        np.testing.assert_array_equal(g, want)
    else:
        for xi, wi in zip(x, want, strict=True):
            assert grads(lambda v: np.clip(v, -1.0, 1.0), float(xi))[1][0] == wi


def test_abs_fabs_and_sign_at_zero() -> None:
    for f in (np.fabs, np.sign):
        for x in (0.0, np.array([0.0, -0.0])):
            _, (g,) = grads(f, x)
            assert not np.any(g)


def test_prod_with_zeros_first_and_second_order_like_torch() -> None:
    x = np.array([0.0, 0.0, 3.0])
    _, (g,) = grads(np.prod, x)
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(hessian(np.prod, x), [[0, 3, 0], [3, 0, 0], [0, 0, 0]])
    x = np.array([[2.0, 0.0, 5.0], [1.0, 2.0, 3.0]])
    _, (g,) = grads(lambda v: np.prod(v, axis=1), x)
    np.testing.assert_array_equal(g, [[0.0, 10.0, 0.0], [6.0, 3.0, 2.0]])


def test_cumprod_with_zeros_first_and_second_order_like_torch() -> None:
    x = np.array([2.0, 0.0, 3.0, 0.0, 5.0])
    _, (g,) = grads(np.cumprod, x)
    np.testing.assert_array_equal(g, [1.0, 8.0, 0.0, 0.0, 0.0])
    t = torch.tensor(x, requires_grad=True)
    want = torch.autograd.functional.hessian(lambda t: torch.cumprod(t, 0).sum(), t)
    np.testing.assert_allclose(hessian(np.cumprod, x), want.numpy(), rtol=1e-14)


def test_std_of_equal_values_has_gradient_zero_like_torch() -> None:
    x = np.array([[2.0, 2.0], [2.0, 5.0]])
    out, (g,) = grads(lambda v: np.std(v, axis=0), x)
    want = torch_grads(lambda t: torch.std(t, dim=0, correction=0), x)[1][0]
    np.testing.assert_array_equal(g, want)
    assert out.tolist() == [0.0, 1.5]


# ---------------------------------------------------------------- extremes


_UNARY_OPS = [o.name for o in OPS_MATH if o.nin == 1 and o.kind == "unary"
              and o.name not in ("round", "clip")]
_EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1000.0, -1000.0, 1e-310, math.inf, -math.inf,
          math.nan]


@pytest.mark.parametrize("name", _UNARY_OPS)
def test_float_path_follows_numpy_at_the_edges(name: str, strict_warnings) -> None:
    f = getattr(np, name)
    for x in _EDGES:
        y = f(Value(x)).data
        with np.errstate(all="ignore"):
            want = float(f(x))
        assert type(y) is float
        assert (math.isnan(y) and math.isnan(want)) or y == pytest.approx(want, rel=1e-15), x
        assert f(Value(np.array([x]))).data[0] == y or math.isnan(y)


@pytest.mark.parametrize("name", ["logaddexp", "logaddexp2", "maximum", "minimum", "fmax",
                                  "fmin", "hypot", "arctan2", "mod", "fmod"])
def test_binary_float_path_follows_numpy_at_the_edges(name: str, strict_warnings) -> None:
    f = getattr(np, name)
    for x in _EDGES:
        for y in _EDGES:
            got = f(Value(x), Value(y)).data
            with np.errstate(all="ignore"):
                want = float(f(x, y))
            assert type(got) is float
            assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(
                want, rel=1e-15), (x, y)


@pytest.mark.parametrize("path", ["scalar", "tensor"])
def test_stable_at_plus_minus_1000(path: str, strict_warnings) -> None:
    def at(x: float) -> Any:
        return Value(x if path == "scalar" else np.array([x, x]))

    def first(a: Any) -> float:
        return float(np.ravel(a)[0])

    checks = [  # (function, x, value, gradient)
        (np.sinh, 1000.0, math.inf, math.inf), (np.cosh, -1000.0, math.inf, -math.inf),
        (np.exp2, 1000.0, 2.0 ** 1000, 2.0 ** 1000 * math.log(2)),
        (np.exp2, -1000.0, 2.0 ** -1000, 2.0 ** -1000 * math.log(2)),
        (np.expm1, -1000.0, -1.0, 0.0), (np.arctan, 1000.0, math.atan(1000.0), 1 / 1000001),
        (np.arcsinh, -1000.0, math.asinh(-1000.0), 1 / math.sqrt(1000001)),
        (np.square, 1e200, math.inf, 2e200), (np.reciprocal, 0.0, math.inf, -math.inf),
        (np.log1p, -1.0, -math.inf, math.inf), (np.arctanh, 1.0, math.inf, math.inf),
        (np.cbrt, -1000.0, -10.0, 1 / 300), (np.log2, 0.0, -math.inf, math.inf),
        (lambda v: np.logaddexp(v, v), 1000.0, 1000.0 + math.log(2), 1.0),
        (lambda v: np.logaddexp(v, -v), 1000.0, 1000.0, 1.0),
        (lambda v: np.logaddexp(v, -v), -1000.0, 1000.0, -1.0),
        (lambda v: np.logaddexp2(v, 0.0), -1000.0, 2.0 ** -1000 / math.log(2), 2.0 ** -1000),
        (lambda v: np.hypot(v, 1000.0), 1000.0, 1000.0 * math.sqrt(2), math.sqrt(0.5)),
        (lambda v: np.prod(v), 1000.0, 1000.0 ** (1 if path == "scalar" else 2),
         1.0 if path == "scalar" else 1000.0),
    ]
    for f, x, value, g in checks:
        v = at(x)
        y = f(v)
        y.sum().backward()
        for got, want in ((y.data, value), (v.grad, g)):
            assert first(got) == pytest.approx(want, rel=1e-14), (f, x)


def test_out_of_domain_is_quietly_nan(strict_warnings) -> None:
    for f, x in ((np.arcsin, 2.0), (np.arccos, -1.5), (np.arccosh, 0.5), (np.log10, -1.0),
                 (np.tan, math.inf), (np.sin, -math.inf)):
        for v in (Value(x), Value(np.array([x]))):
            y = f(v)
            y.sum().backward()
            assert math.isnan(np.ravel(y.data)[0])
    for f in (np.mod, np.fmod):
        assert math.isnan(f(Value(1.0), Value(0.0)).data)
        assert math.isnan(f(Value(np.array([1.0])), 0.0).data[0])


# ---------------------------------------------------------------- einsum and products


@pytest.mark.parametrize("subs, shapes", [
    ("aB", [(2, 3)]), ("Ba,ab", [(2, 2), (2, 2)]), ("...i,i", [(2, 3, 4), (4,)]),
    ("i...->...", [(3, 2)]), ("...,...", [(2, 3), ()]), ("ij, jk -> ik", [(2, 3), (3, 4)]),
    ("ij,jk,kl,lm->im", [(2, 3), (3, 2), (2, 2), (2, 3)]), ("iji->j", [(2, 3, 2)]),
])
def test_einsum_forms_match_numpy_and_torch(subs: str, shapes: list) -> None:
    xs = [R.normal(size=s) if s else float(R.normal()) for s in shapes]
    out, gs = grads(lambda *vs: np.einsum(subs, *vs), *xs)
    np.testing.assert_allclose(out, np.einsum(subs, *xs), rtol=1e-13)
    want = torch_grads(lambda *ts: torch.einsum(subs.replace(" ", ""), *ts), *xs)[1]
    for g, w in zip(gs, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12)


@st.composite
def einsum_problems(draw: Any) -> tuple[str, list]:
    """1-3 operands of 0-3 indices from 'abcd' (repeats allowed), sizes 1-3 per index,
    and an output of distinct used indices in any order."""
    sizes = draw(st.lists(st.integers(1, 3), min_size=4, max_size=4))
    ins = draw(st.lists(st.text("abcd", max_size=3), min_size=1, max_size=3))
    used = sorted(set("".join(ins)))
    out = draw(st.permutations(used).flatmap(lambda p: st.integers(0, len(p)).map(
        lambda k: "".join(p[:k]))))
    r = np.random.default_rng(len(ins))
    xs = [r.normal(size=[sizes["abcd".index(c)] for c in s]) if s else float(r.normal())
          for s in ins]
    return ",".join(ins) + "->" + out, xs


@settings(max_examples=60, deadline=None)
@given(einsum_problems())
def test_einsum_any_subscripts_match_numpy_and_torch(problem: tuple[str, list]) -> None:
    subs, xs = problem
    out, gs = grads(lambda *vs: np.einsum(subs, *vs), *xs)
    np.testing.assert_allclose(out, np.einsum(subs, *xs), rtol=1e-12, atol=1e-12)
    want = torch_grads(lambda *ts: torch.einsum(subs, *ts), *xs)[1]
    for g, w, x in zip(gs, want, xs, strict=True):
        assert np.shape(g) == np.shape(x)
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


def test_einsum_second_order_with_repeated_and_lone_indices() -> None:
    x = R.normal(size=3)
    h = hessian(lambda v: np.einsum("i,j,ii->j", v, v, np.outer(v, v)), x)
    t = torch.tensor(x, requires_grad=True)
    want = torch.autograd.functional.hessian(
        lambda t: torch.einsum("i,j,ii->j", t, t, torch.outer(t, t)).sum(), t)
    np.testing.assert_allclose(h, want.numpy(), rtol=1e-12)


@pytest.mark.parametrize("call, match", [
    (lambda a, b: np.einsum("ijk,jk->ik", a, b), r"einsum: operand 0 has shape \(2, 3\) but "
                                                 r"subscripts 'ijk' name 3 axes"),
    (lambda a, b: np.einsum("ij,jk->ik", b, b), r"einsum: operand 1 has shape \(3, 4\) but its"
                                                r" index 'j' has size 3 where operand 0 gives "
                                                r"it size 4"),
    (lambda a, b: np.einsum("ij,jk->iq", a, b), "each output letter"),
    (lambda a, b: np.einsum("ij,jk->ii", a, b), "each output letter"),
    (lambda a, b: np.einsum("...j,jk->k", a, b), r"no '\.\.\.' for the operands"),
    (lambda a, b: np.einsum("ij,jk", a), "name 2 operands but 1 were given"),
    (lambda a, b: np.einsum("i1,jk", a, b), "bad subscripts 'i1'"),
    (lambda a, b: np.einsum(a, [0, 99]), r"sublist 0 must hold ints in \[0, 52\)"),
    (lambda a, b: np.dot(a, a), r"numpy.dot: shapes \(2, 3\) and \(2, 3\) not aligned: 3 "
                                r"\(axis 1 of the first\) != 2 \(axis 0 of the second\)"),
    (lambda a, b: np.tensordot(a, b, ([0], [0])), r"numpy.tensordot: shapes .* not aligned"),
    (lambda a, b: np.tensordot(a, b, 3), "axes=3"),
    (lambda a, b: np.tensordot(a, b, ([0, 1], [0])), "must be as many"),
    (lambda a, b: np.tensordot(a, b, ([2], [0])), r"axes \[2\] of a \(2, 3\) .* within"),
    (lambda a, b: np.inner(a, b), "numpy.inner: shapes"),
    (lambda a, b: np.vdot(a, b), "operands of 6 and 12 elements"),
    (lambda a, b: np.cross(b, a), r"numpy.cross: a has shape \(3, 4\) and axisa=-1; Values "
                                  "take 3-vectors"),
    (lambda a, b: np.cross(a, b), r"numpy.cross: b has shape \(3, 4\) and axisb=-1"),
    (lambda a, b: np.cross(a, b, axisb=0), r"numpy.cross: the other axes of a \(2,\) and of b "
                                           r"\(4,\) do not broadcast"),
])
def test_product_errors_name_the_function_the_shapes_and_the_fix(call: Any, match: str) -> None:
    a, b = Value(np.ones((2, 3))), Value(np.ones((3, 4)))
    with pytest.raises(ValueError, match=match):
        call(a, b)


def test_cross_of_2_vectors_is_refused_with_the_fix() -> None:
    with pytest.raises(ValueError, match="pad 2-vectors with a 0"):
        np.cross(Value(np.ones(2)), Value(np.ones(2)))


def test_cross_axes_match_numpy() -> None:
    a, b = R.normal(size=(3, 2, 4)), R.normal(size=(4, 3))
    out, (ga, gb) = grads(lambda x, y: np.cross(x, y, axisa=0, axisb=1, axisc=0), a, b)
    np.testing.assert_allclose(out, np.cross(a, b, axisa=0, axisb=1, axisc=0), rtol=1e-13)
    want = torch_grads(lambda x, y: torch.linalg.cross(x.permute(1, 2, 0), y.expand(2, 4, 3))
                       .permute(2, 0, 1), a, b)[1]
    np.testing.assert_allclose(ga, want[0], rtol=1e-12)
    np.testing.assert_allclose(gb, want[1], rtol=1e-12)


def test_kron_and_tensordot_shapes_follow_numpy() -> None:
    for a, b in (((2, 3), (4,)), ((2,), (3, 1, 2)), ((), (2, 2))):
        x, y = R.normal(size=a), R.normal(size=b)
        got = np.kron(Value(x) if a else float(x), Value(y)).data
        np.testing.assert_allclose(got, np.kron(x, y), rtol=1e-14)
    x, y = R.normal(size=(2, 3, 4)), R.normal(size=(4, 3, 5))
    np.testing.assert_allclose(np.tensordot(Value(x), y, axes=([1, 2], [1, 0])).data,
                               np.tensordot(x, y, axes=([1, 2], [1, 0])), rtol=1e-13)
