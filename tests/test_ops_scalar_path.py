"""The scalar path stays on Python floats: every elementwise op of ``OPS`` runs forward
and backward on floats (and int constants, on either side) without touching numpy.

numpy is swapped out of the engine's modules for an object that fails on any use, so a
scalar op that falls into numpy (costing microseconds per node instead of tens of
nanoseconds, and returning np.float64) fails here by name.
"""

from __future__ import annotations

import itertools
import math
import operator
import warnings

import numpy as np
import pytest

from micrograd_nn import Value, _data, autodiff, engine, opdef, ops_array, ops_core, ops_math
from micrograd_nn.engine import apply
from micrograd_nn.ops import OPS

ELEMENTWISE = sorted(n for n, op in OPS.items() if op.kind in ("unary", "binary"))
BINARY = sorted(n for n, op in OPS.items() if op.kind == "binary")
# Python's operators, and numpy's function of the same name for the other binary ops
# (reached through numpy's dispatch, whose handler must still keep floats off numpy)
OPERATORS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
             "div": operator.truediv, "pow": operator.pow,
             **{n: getattr(np, n) for n in BINARY if n not in ("add", "sub", "mul", "div", "pow")}}


class _NoNumpy:
    def __getattr__(self, name: str):
        raise AssertionError(f"numpy (np.{name}) used on the scalar path")


@pytest.fixture
def no_numpy(monkeypatch):
    for mod in (ops_core, opdef, ops_math, ops_array, engine, autodiff, _data):
        monkeypatch.setattr(mod, "np", _NoNumpy(), raising=False)


def test_scalar_path_probe_catches_numpy(no_numpy) -> None:
    """The probe itself: a reduction of a scalar over an axis does use numpy, and is caught."""
    with pytest.raises(AssertionError, match="np.sum"):
        Value(2.0).sum(axis=0)


def test_scalar_path_covers_every_binary_op() -> None:
    assert set(BINARY) == set(OPERATORS), "a new binary op needs its operator here"


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("left, right", [("V", "V"), ("V", 2.0), (3.0, "V"), ("V", 2), (3, "V")])
def test_scalar_path_binary_without_numpy(name: str, left, right, no_numpy) -> None:
    a, b = Value(1.5), Value(2.5)
    x = a if left == "V" else left
    y = b if right == "V" else right
    out = OPERATORS[name](x, y)
    assert type(out.data) is float
    out.backward()
    for v in (a, b):
        assert type(v.grad) is float
    want = OPERATORS[name](1.5 if left == "V" else left, 2.5 if right == "V" else right)
    assert out.data == pytest.approx(want, rel=1e-15)


# an input inside each op's domain (outside it, math raises and numpy gives the nan)
_INSIDE = {"arccosh": 1.7}


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_scalar_path_op_without_numpy(name: str, no_numpy) -> None:
    xs = [Value(_INSIDE.get(name, 0.7)) for _ in range(OPS[name].nin)]
    out = apply(name, *xs)
    assert type(out.data) is float
    out.backward()
    assert all(type(x.grad) is float for x in xs)


SPECIAL = [0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.5, -2.5, 3.0, -3.0, 1000.0, -1001.0, 1e308, -1e308,
           1e-308, 5e-324, math.inf, -math.inf, math.nan]
# known, deliberate differences: (op, inputs, which result) -> reason
KNOWN = {("abs", (math.nan,), 1): "d|x|/dx at NaN: 0 from the float sign test, NaN from np.sign"}


def _agree(a: float, b: float) -> bool:
    return a == b or (a != a and b != b) or abs(a - b) <= 1e-15 * abs(b)  # <= 1 ulp or so


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_scalar_path_equals_tensor_path_at_special_values(name: str) -> None:
    """inf, nan, +-0, overflow and underflow: floats give what one-element arrays give."""
    bad = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's, e.g. inf - inf in backward
        for xs in itertools.product(SPECIAL, repeat=OPS[name].nin):
            vs = [Value(x) for x in xs]
            ts = [Value(np.array([x])) for x in xs]
            out, tout = apply(name, *vs), apply(name, *ts)
            out.backward()
            tout.backward(np.ones(1))
            got = [out.data] + [v.grad for v in vs]
            want = [float(tout.data[0])] + [float(t.grad[0]) for t in ts]
            bad += [(xs, k, g, w) for k, (g, w) in enumerate(zip(got, want, strict=True))
                    if not _agree(g, w) and (name, xs, k) not in KNOWN]
    assert not bad, f"{name}: (inputs, result 0=value/i=grad i, float path, array path): {bad[:5]}"
