"""Tests for micrograd_nn.gradcheck.compare_with_autodiff: the numpy delta rule
(micrograd_nn.deltas) against the engine's backward on sse_half, for every form."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_nn.deltas import ACTIVATIONS, Comparison
from micrograd_nn.explain import network_from_model
from micrograd_nn.gradcheck import compare_with_autodiff
from micrograd_nn.neurons import NeuronNet
from micrograd_nn.nn import MLP, Linear, Sequential, Sigmoid

ARTICLE_W = [np.array([[0.45, 0.78], [-0.12, 0.13]]), np.array([[1.5], [-2.3]])]


@pytest.fixture
def rng() -> np.random.Generator:
    """Seeded, fresh for each test."""
    return np.random.default_rng(98)


def _random_pair(rng, depth, bias):
    """A (weights, biases) pair of random sizes 1..6, weights N(0, 1.5²) for big deltas."""
    sizes = rng.integers(1, 7, size=depth + 1).tolist()
    mlp = MLP(sizes[0], sizes[1:-1], sizes[-1], bias=bias, seed=rng)
    layers = mlp.dense_layers()
    return sizes, [1.5 * rng.standard_normal(d.weight.shape) for d in layers], \
        [None if d.bias is None else rng.standard_normal(d.bias.shape) for d in layers]


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
@pytest.mark.parametrize("bias", [True, False])
def test_delta_rule_equals_minus_autodiff_on_random_networks(depth, bias):
    rng = np.random.default_rng(100 * depth + bias)
    for _ in range(6):
        sizes, ws, bs = _random_pair(rng, depth, bias)
        x = rng.uniform(-2, 2, sizes[0])
        ideal = rng.uniform(0, 1, sizes[-1])
        cmp = compare_with_autodiff((ws, bs), x, ideal)
        assert isinstance(cmp, Comparison) and len(cmp.layers) == depth
        assert cmp.max_diff < 1e-10, str(cmp)
        assert all((b is None) != bias for _, _, b in cmp.layers)


def test_delta_rule_equals_autodiff_through_an_mlp_and_a_batch(rng):
    for seed in range(4):
        net = MLP(3, [5, 4], 2, seed=seed, bias=[True, False, True])
        xb = rng.uniform(-1, 1, (7, 3))
        tb = rng.uniform(0, 1, (7, 2))
        before = [p.grad.copy() for p in net.parameters()]
        cmp = compare_with_autodiff(net, xb, tb)
        assert cmp.max_diff < 1e-10, str(cmp)
        assert [n for n, _, _ in cmp.layers] == ["layer1", "layer2", "layer3"]
        for p, g in zip(net.parameters(), before, strict=True):  # grads restored
            np.testing.assert_array_equal(p.grad, g)


def test_delta_rule_equals_autodiff_through_the_neuron_form(rng):
    net = NeuronNet(2, [3, 2], 2, seed=5)
    xb, tb = rng.uniform(-1, 1, (3, 2)), rng.uniform(0, 1, (3, 2))
    assert compare_with_autodiff(net, xb, tb).max_diff < 1e-10
    assert compare_with_autodiff(NeuronNet.article_xor(), [1, 0], [1]).max_diff < 1e-12


def test_the_comparison_fails_when_the_delta_rule_is_wrong(monkeypatch):
    good = compare_with_autodiff((ARTICLE_W, [None, None]), [1, 0], [1])
    assert good.max_diff < 1e-12
    # a slightly wrong activation on the numpy side must show up in the comparison
    wrong = (lambda x: 1.0 / (1.0 + np.exp(-1.05 * x)), ACTIVATIONS["sigmoid"][1])
    monkeypatch.setitem(ACTIVATIONS, "sigmoid", wrong)
    bad = compare_with_autodiff((ARTICLE_W, [None, None]), [1, 0], [1])
    assert bad.max_diff > 1e-3
    assert "overall" in str(bad) and "layer1" in str(bad)


def test_layer_names_are_the_same_for_every_form_of_a_network():
    mlp = MLP(2, [3, 2], 1, seed=0)
    pair = network_from_model(mlp)[:2]
    names = [[n for n, _, _ in compare_with_autodiff(m, [0.5, -1.0], [1.0]).layers]
             for m in (mlp, NeuronNet.from_mlp(mlp), pair)]
    assert names == [["layer1", "layer2", "layer3"]] * 3
    assert network_from_model(mlp)[2] == ["layer1", "layer2", "layer3"]


@pytest.mark.parametrize("make", [lambda: MLP(2, [3], 1, seed=0),
                                  lambda: NeuronNet(2, [3], 1, seed=0)])
def test_comparison_leaves_unset_gradients_unset(make):
    net = make()
    compare_with_autodiff(net, [0.5, -1.0], [1.0])
    assert all(p._grad is None for p in net.parameters())  # an optimizer would skip them



def test_the_model_is_not_touched(rng):
    net = MLP(3, [4], 2, seed=1)
    xb, tb = rng.uniform(-1, 1, (5, 3)), rng.uniform(0, 1, (5, 2))
    net(xb).sum().backward()  # some stored gradients the comparison must keep
    before = [(p.data.copy(), p.grad.copy()) for p in net.parameters()]
    compare_with_autodiff(net, xb, tb)
    for p, (d, g) in zip(net.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.data, d)
        np.testing.assert_array_equal(p.grad, g)


def test_sequential_and_float32_models(rng):
    seq = Sequential(Linear(2, 3, seed=0), Sigmoid(), Linear(3, 1, seed=1), Sigmoid())
    assert compare_with_autodiff(seq, [0.3, -0.7], [1.0]).max_diff < 1e-10
    small = MLP(2, [3], 1, seed=2, dtype=np.float32)
    cmp = compare_with_autodiff(small, rng.uniform(-1, 1, (4, 2)), rng.uniform(0, 1, (4, 1)))
    assert cmp.max_diff < 1e-10  # float64 copies of the float32 weights on both sides
    assert small[0].weight.dtype == np.float32


def test_non_sigmoid_models_are_refused():
    with pytest.raises(TypeError, match="compare|network_from_model: .*sigmoid neurons"):
        compare_with_autodiff(MLP(2, [3], 1, activation="tanh", seed=0), [1, 0], [1])
    with pytest.raises(TypeError, match="network_from_model: cannot take the layers"):
        compare_with_autodiff("not a model", [1, 0], [1])


def test_the_old_place_is_gone():
    import micrograd_nn.deltas as deltas_mod

    assert not hasattr(deltas_mod, "compare_with_autodiff")
    assert not hasattr(deltas_mod, "network_from_model")
