"""Tests for micrograd_nn.gradcheck: it passes on correct ops and FAILS on wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_nn import Value
from micrograd_nn.engine import apply
from micrograd_nn.gradcheck import GradcheckError, GradcheckReport, gradcheck
from micrograd_nn.ops import Op


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, fresh for each test (local, so this file stands alone)."""
    return np.random.default_rng(1234)


def _t(rng, *shape, low=-1.0, high=1.0):
    return Value(rng.uniform(low, high, shape))


# a sine with a deliberately wrong backward rule (d sin = cos, not sin)
_BAD_SIN = Op("bad_sin", np.sin, (lambda g, ans, x: g * np.sin(x),), "unary", 1)
# a product whose second VJP forgets a factor of 2 only for the second input
_BAD_MUL = Op("bad_mul", lambda x, y: x * y,
              (lambda g, ans, x, y: g * y, lambda g, ans, x, y: 2 * g * x), "binary", 2)


# ---------------------------------------------------------------- passes on correct ops


@pytest.mark.parametrize("name, f, shapes", [
    ("add", lambda a, b: a + b, [(2, 3), (3,)]),
    ("mul", lambda a, b: a * b, [(2, 3), (2, 1)]),
    ("div", lambda a, b: a / b, [(3,), (3,)]),
    ("matmul", lambda a, b: a @ b, [(2, 3), (3, 4)]),
    ("sigmoid-tanh", lambda a: a.sigmoid() * a.tanh(), [(4,)]),
    ("exp-sum", lambda a: a.exp().sum(axis=0), [(3, 2)]),
    ("mean-max", lambda a: a.mean(axis=1) + a.max(axis=1), [(3, 4)]),
    ("getitem-reshape", lambda a: a[[0, 2, 2]].reshape(3, 1) * 2.0, [(4,)]),
    ("log-softmax", lambda a: a.log_softmax(axis=-1), [(2, 5)]),
])
def test_gradcheck_passes_on_correct_tensor_ops(rng, name, f, shapes):
    inputs = [_t(rng, *s, low=0.5, high=1.5) if name == "div" else _t(rng, *s) for s in shapes]
    report = gradcheck(f, *inputs)
    assert report.ok, str(report)
    assert bool(report) is True
    assert report.checked == sum(int(np.prod(s)) for s in shapes)
    assert report.input_shapes == shapes


def test_gradcheck_passes_on_scalar_values():
    report = gradcheck(lambda a, b: (a * b + a ** 2).sigmoid() / b, Value(0.3), Value(-1.2))
    assert report.ok and report.checked == 2 and report.output_shape == ()
    assert report.worst["index"] == ()


def test_gradcheck_passes_on_a_network_layer(rng):
    from micrograd_nn.nn import MLP

    net = MLP(3, [4], 2, seed=0)
    x = rng.normal(size=(5, 3))
    W1, b1, W2, b2 = net.parameters()
    f = lambda W1, b1, W2, b2: ((x @ W1 + b1).sigmoid() @ W2 + b2).sigmoid().sum()
    assert gradcheck(f, W1, b1, W2, b2).ok


# ---------------------------------------------------------------- fails on wrong VJPs


def test_gradcheck_fails_on_a_wrong_vjp():
    x = Value(np.array([0.3, 1.0, -0.7]))
    report = gradcheck(lambda a: apply(_BAD_SIN, a), x)
    assert not report.ok
    assert bool(report) is False
    assert len(report.failures) == 3
    w = report.worst
    assert w["input"] == 0 and len(w["index"]) == 1
    k = w["index"][0]
    # numeric is the true derivative cos(x) times the projection; analytic uses sin(x)
    assert w["analytic"] != pytest.approx(w["numeric"], rel=1e-3)
    ratio = w["analytic"] / w["numeric"]
    assert ratio == pytest.approx(np.tan(x.data[k]), rel=1e-4)


def test_gradcheck_names_the_wrong_input_and_element():
    a, b = Value(np.array([[1.0, 2.0], [3.0, 4.0]])), Value(np.array([[0.5, -1.0], [2.0, 1.5]]))
    report = gradcheck(lambda a, b: apply(_BAD_MUL, a, b).sum(), a, b)
    assert not report.ok
    assert {f["input"] for f in report.failures} == {1}  # only b's rule is wrong
    assert report.worst["input"] == 1
    assert report.worst["index"] == (1, 1)  # largest |a| gives the largest error
    assert report.worst["analytic"] == pytest.approx(2 * report.worst["numeric"], rel=1e-6)


def test_gradcheck_report_text_and_raise_on_failure():
    x = Value(np.array([0.3, 1.0]))
    report = gradcheck(lambda a: apply(_BAD_SIN, a), x)
    text = str(report)
    assert "FAILED" in text and "input 0 (shape (2,))" in text
    assert "analytic" in text and "numeric" in text and "2 of 2 entries" in text
    with pytest.raises(GradcheckError, match=r"FAILED.*\n.*worst entry: input 0"):
        gradcheck(lambda a: apply(_BAD_SIN, a), x, raise_on_failure=True)
    assert "passed" in str(gradcheck(lambda a: a.exp(), x))


def test_gradcheck_catches_wrong_vjp_with_non_scalar_output():
    x = Value(np.linspace(-1, 1, 6).reshape(2, 3))
    assert not gradcheck(lambda a: apply(_BAD_SIN, a) * 3.0, x).ok
    assert gradcheck(lambda a: a.tanh() * 3.0, x).ok


def test_gradcheck_tolerance_decides():
    # a rule off by 1e-3 relative passes a loose check and fails a tight one
    off = Op("off", lambda x: 2.0 * x, (lambda g, ans, x: g * 2.002,), "unary", 1)
    x = Value(np.array([1.0, -2.0]))
    assert gradcheck(lambda a: apply(off, a), x, rtol=1e-2).ok
    assert not gradcheck(lambda a: apply(off, a), x, rtol=1e-4, atol=1e-6).ok


# ---------------------------------------------------------------- behaviour


def test_gradcheck_leaves_inputs_untouched_and_checks_float32_in_float64(rng):
    x = Value(rng.normal(size=(3,)).astype(np.float32))
    before = x.data.copy()
    report = gradcheck(lambda a: (a * a).sum(), x, atol=1e-8, rtol=1e-7)
    assert report.ok, str(report)
    np.testing.assert_array_equal(x.data, before)
    assert x.data.dtype == np.float32
    assert not np.any(x.grad)  # the caller's Value got no gradient


def test_gradcheck_skips_constants_and_frozen_values():
    a = Value(np.array([1.0, 2.0]))
    frozen = Value(np.array([3.0, 4.0]), requires_grad=False)
    report = gradcheck(lambda a, c, k: a * c * k, a, frozen, 2.5)
    assert report.ok and report.checked == 2
    # checking nothing is no pass: it is refused, naming the fix
    with pytest.raises(ValueError, match=r"gradcheck: nothing to check.*requires_grad=True"):
        gradcheck(lambda c: c * 2.0, frozen)
    with pytest.raises(ValueError, match="nothing to check"):
        gradcheck(lambda c: c * 2.0, 3.0)
    with pytest.raises(ValueError, match="nothing to check"):
        gradcheck(lambda e: e.sum(), Value(np.zeros((0, 3))))


def test_gradcheck_rejects_bad_arguments():
    with pytest.raises(TypeError, match="f must be callable"):
        gradcheck(3, Value(1.0))
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda a: 3.0, Value(1.0))
    with pytest.raises(ValueError, match="eps > 0"):
        gradcheck(lambda a: a, Value(1.0), eps=0.0)


def test_gradcheck_report_is_a_dataclass_with_failures_list():
    r = gradcheck(lambda a: a * 2.0, Value(1.0))
    assert isinstance(r, GradcheckReport) and r.failures == [] and r.eps == 1e-6


def test_gradcheck_model_checks_every_parameter_of_a_module():
    from micrograd_nn.gradcheck import gradcheck_model
    from micrograd_nn.nn import MLP

    net = MLP(3, [4], 2, activation="tanh", seed=0)
    X = np.random.default_rng(0).standard_normal((5, 3))
    y = np.random.default_rng(1).uniform(size=(5, 2))
    before = [p.data.copy() for p in net.parameters()]
    report = gradcheck_model(net, X, y, loss="mse")
    assert report.ok, str(report)
    assert report.checked == sum(p.size for p in net.parameters())
    assert all(np.array_equal(b, p.data) for b, p in zip(before, net.parameters(), strict=True))
    assert net.parameters()[0].label == "0.weight"  # the model's own Values are back


def test_gradcheck_model_catches_a_wrong_rule(monkeypatch):
    from micrograd_nn import ops
    from micrograd_nn.gradcheck import gradcheck_model
    from micrograd_nn.nn import MLP

    net = MLP(2, [3], 1, seed=0)
    bad = ops.OPS["sigmoid"]._replace(vjps=(lambda g, ans, x: g * ans,))
    monkeypatch.setattr("micrograd_nn.engine._SIGMOID", bad)
    assert not gradcheck_model(net, np.ones((2, 2)), np.zeros((2, 1))).ok


def test_gradcheck_model_checks_the_neuron_form():
    from micrograd_nn.gradcheck import gradcheck_model
    from micrograd_nn.neurons import NeuronNet

    net = NeuronNet(2, [3], 2, bias=True, seed=0)
    X = np.random.default_rng(0).standard_normal((4, 2))
    y = np.random.default_rng(1).uniform(size=(4, 2))
    before = [p.data for p in net.parameters()]
    report = gradcheck_model(net, X, y, loss="sse_half")
    assert report.ok, str(report)
    assert report.checked == len(net.synapses) == 2 * 3 + 3 + 3 * 2 + 2
    assert [p.data for p in net.parameters()] == before
    assert all(s.weight is p for s, p in zip(net.synapses, net.parameters(), strict=True))
    # the same loss as the tensor form's
    mlp_report = gradcheck_model(net.to_mlp(), X, y, loss="sse_half")
    assert mlp_report.ok and mlp_report.checked == report.checked


# ---------------------------------------------------------------- reliability: nothing checked


def test_a_report_of_zero_entries_is_never_a_pass():
    r = GradcheckReport(ok=True, worst=None, checked=0, input_shapes=[], output_shape=(),
                        eps=1e-6, atol=1e-5, rtol=1e-4)
    assert not r.ok and not bool(r) and "nothing was checked" in str(r)


def test_gradcheck_model_refuses_a_model_without_parameters_or_samples():
    from micrograd_nn.gradcheck import gradcheck_model
    from micrograd_nn.nn import MLP, Sequential, Tanh

    with pytest.raises(ValueError, match="gradcheck_model: Sequential has no parameters"):
        gradcheck_model(Sequential(Tanh()), np.ones((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"gradcheck_model: X has no samples"):
        gradcheck_model(MLP(2, [2], 1, seed=0), np.ones((0, 2)), np.zeros((0, 1)))
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        gradcheck_model(MLP(2, [2], 1, seed=0), np.ones((1, 2)), np.zeros((1, 1)), loss="hinge")
