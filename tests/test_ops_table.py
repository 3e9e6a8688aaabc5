"""Every op of ``micrograd_nn.ops.OPS``, driven by one table of cases.

Each :class:`~opcases.Case` runs an expression on micrograd Values (``mg``), on HIPS
autograd's numpy (``ref``: also the forward oracle, since autograd.numpy works on plain
arrays) and on PyTorch (``th``). Every case is checked for: forward values and the kind
of ``.data``; gradients against float64 central differences of our own forward, against
autograd and against PyTorch; float32 staying float32; and, on the scalar path, that
floats and one-element arrays agree. ``test_every_op_has_cases`` fails when an op is
added to ``OPS`` without cases. Inputs keep away from kinks (relu/abs at 0, max ties);
those are checked by hand values in test_ops_kinks.py. The cases live in
``cases_core.py``, ``cases_math.py`` and ``cases_array.py``.
"""

from __future__ import annotations

import warnings
from typing import Any

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import cases_array
import cases_core
import cases_math
from micrograd_nn import Value, no_grad
from opcases import NO_SCALAR, SCALAR_USE, Case
from oracles import central_difference, grads, torch_grads
from micrograd_nn.ops import OPS

CASES: list[Case] = [*cases_core.CASES, *cases_math.CASES, *cases_array.CASES]

_IDS = [c.id for c in CASES]
_SCALAR = [c for c in CASES if c.scalar]
_TENSOR = [c for c in CASES if not c.scalar]


# ---------------------------------------------------------------- helpers


def run(c: Case, inputs: tuple, seed: Any = None) -> tuple[Any, list[Any]]:
    """Forward and backward (seeded by ``seed``, or 1); the output data and each grad."""
    return grads(c.mg, *inputs, upstream=seed)


def upstream(c: Case) -> Any:
    """A fixed non-uniform upstream gradient of the case's output shape."""
    shape = np.shape(c.ref(*c.inputs))
    w = np.random.default_rng(len(c.id)).uniform(0.5, 1.5, size=shape)
    return float(w) if not shape else w


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




@pytest.mark.parametrize("name", sorted(NO_SCALAR))
def test_op_without_scalar_path_rejects_scalars(name: str) -> None:
    with pytest.raises((TypeError, ValueError), match=name.replace("getitem", "index")):
        SCALAR_USE[name](Value(2.0), Value(3.0))


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
    tdata, tgrads = torch_grads(lambda *ts: c.th(torch, *ts), *c.inputs, upstream=w)
    data, grads = run(c, c.inputs, w)
    np.testing.assert_allclose(data, tdata, rtol=1e-12, atol=1e-14)
    assert_grads(grads, tgrads, c.inputs, rtol=1e-10, atol=1e-12)


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
