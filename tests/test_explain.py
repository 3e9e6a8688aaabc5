"""Tests for micrograd_nn.explain: the article-notation trace of a training step."""

from __future__ import annotations

import re

import numpy as np
import pytest

from micrograd_nn.deltas import backprop, update
from micrograd_nn.explain import explain, network_from_model
from micrograd_nn.neurons import NeuronNet
from micrograd_nn.nn import MLP


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, fresh for each test (local, so this file stands alone)."""
    return np.random.default_rng(1234)


def _values(text):
    """{left-hand name: the last number on its line} for every 'name = ... = value' line."""
    out = {}
    for line in text.splitlines():
        for part in line.split(";  "):
            m = re.match(r"^(\S+) = .* = (-?[\d.]+)(\s|$)", part.strip())
            if m:
                out[m.group(1)] = float(m.group(2))
    return out


def test_default_is_the_article_example_exactly():
    text = explain()
    for line in [
        "H1input = 1*0.45 + 0*-0.12 = 0.45",
        "H1output = sigmoid(0.45) = 0.610639",
        "H2input = 1*0.78 + 0*0.13 = 0.78",
        "H2output = sigmoid(0.78) = 0.68568",
        "O1output = sigmoid(-0.661105) = 0.340491",
        "O1ideal = 1",
        "Error = ((1 - 0.340491)^2)/1 = 0.434952",
        "δO1 = (1 - 0.340491) * ((1 - 0.340491) * 0.340491) = 0.148097",
        "δH1 = ((1 - 0.610639) * 0.610639) * (1.5 * 0.148097) = 0.052817",
        "δH2 = ((1 - 0.68568) * 0.68568) * (-2.3 * 0.148097) = -0.073412",
        "GRADw5 = 0.610639 * 0.148097 = 0.090434    (H1 -> O1)",
        "GRADw3 = 0 * 0.052817 = 0    (I2 -> H1)",
        "Δw5 = 0.7 * 0.090434 + 0.3 * 0 = 0.063304;  w5 = 1.5 + 0.063304 = 1.563304",
        "Δw1 = 0.7 * 0.052817 + 0.3 * 0 = 0.036972;  w1 = 0.45 + 0.036972 = 0.486972",
        "O1output = 0.369327",
        "Error = ((1 - 0.369327)^2)/1 = 0.397749   (was 0.434952)",
    ]:
        assert line in text.splitlines(), line


def test_article_rounding_with_two_digits():
    text = explain(digits=2)
    lines = text.splitlines()
    assert "H1output = sigmoid(0.45) = 0.61" in lines
    assert "H2output = sigmoid(0.78) = 0.69" in lines
    assert "δH2 = ((1 - 0.69) * 0.69) * (-2.3 * 0.15) = -0.07" in lines
    assert "numbers shown to 2 decimals" in lines[0]
    # shown rounded, computed exactly: the article's drifting 0.33 does not appear
    assert "O1output = sigmoid(-0.66) = 0.34" in lines


def test_every_number_agrees_with_the_delta_rule_for_a_random_bias_net(rng):
    net = MLP(3, [4, 2], 2, seed=3)
    x, t = rng.uniform(-1, 1, 3), rng.uniform(0, 1, 2)
    vals = _values(explain(net, x, t, lr=0.5, momentum=0.0, digits=12))
    ws, bs, _ = network_from_model(net)
    dp = backprop(ws, bs, x, t)
    named = dp.named()
    for key in ("H1_1input", "H2_2output", "O2output", "δO1", "δH1_3", "δH2_1"):
        assert vals[key] == pytest.approx(named[key], abs=1e-11), key
    nws, nbs, _, _ = update(ws, bs, dp.grad_w, dp.grad_b, 0.5, 0.0)
    # 3*4 + 4 bias synapses -> w1..w16; w13 is B1 -> H1_1
    assert vals["GRADw13"] == pytest.approx(dp.grad_b[0][0], abs=1e-11)
    assert vals["w13"] == pytest.approx(nbs[0][0], abs=1e-11)
    assert vals["w1"] == pytest.approx(nws[0][0, 0], abs=1e-11)
    assert "B1 -> H1_1" in explain(net, x, t)


def test_several_steps_carry_the_momentum_term():
    text = explain(steps=2)
    assert "===== Step 2 =====" in text
    second = text.split("===== Step 2 =====")[1]
    # step 2 of the article's example: Δw5 = 0.7 * GRAD + 0.3 * 0.063304
    assert re.search(r"Δw5 = 0\.7 \* [\d.]+ \+ 0\.3 \* 0\.063304 = 0\.082683", second)
    assert "H1input = 1*0.486972 + 0*-0.12 = 0.486972" in second


def test_neuron_form_and_mlp_give_the_same_trace():
    mlp = MLP(2, [3], 1, seed=1)
    assert explain(NeuronNet.from_mlp(mlp), [1, 1], [0]) == explain(mlp, [1, 1], [0])


def test_the_model_is_not_modified():
    net = NeuronNet.article_xor()
    explain(net, [1, 0], [1], steps=3)
    assert net.synapse("w5").weight.data == 1.5


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(model=MLP(2, [2], 1, seed=0)), ValueError, "give both x"),
    (dict(x=[1, 0, 1], target=[1]), ValueError, r"shape \(2,\)"),
    (dict(x=[1, 0], target=[1, 0]), ValueError, r"target must have shape \(1,\)"),
    (dict(digits=-1), ValueError, "digits must be an int"),
    (dict(steps=0), ValueError, "steps must be a positive int"),
    (dict(model=MLP(2, [2], 1, activation="relu", seed=0), x=[1, 0], target=[1]),
     TypeError, "Sigmoid"),
])
def test_explain_rejects_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        explain(**kwargs)


def test_weights_pair_input():
    ws = [np.array([[0.45, 0.78], [-0.12, 0.13]]), np.array([[1.5], [-2.3]])]
    assert explain((ws, [None, None]), [1, 0], [1]) == explain()


def test_layers_of_reads_every_form_through_the_protocol():
    from micrograd_nn.explain import layers_of
    from micrograd_nn.nn import Linear

    mlp = MLP(2, [3], 1, activation="relu", seed=0)
    for model in (mlp, NeuronNet.from_mlp(mlp)):
        got = layers_of(model)
        assert [act for _, _, act in got] == ["relu", "sigmoid"]
        np.testing.assert_array_equal(got[0][0], mlp[0].weight.data)
    (w, b, act), = layers_of(Linear(3, 2, seed=0))
    assert w.shape == (3, 2) and b.shape == (2,) and act == "identity"
    pair = layers_of(([np.eye(2)], [None]))
    assert pair[0][2] == "sigmoid" and pair[0][1] is None

    class Custom:  # any model of the protocol
        def dense_layers(self):
            return [(np.ones((2, 1), dtype=np.float32), np.zeros(1), "tanh")]

    (w, _, act), = layers_of(Custom())
    assert w.dtype == np.float64 and act == "tanh"
    with pytest.raises(ValueError, match=r"network_from_model: weights\[0\] has shape \(3,\)"):
        explain(([np.ones(3)], [None]), [1, 0], [1])
