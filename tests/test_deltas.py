"""Tests for micrograd_nn.deltas: the hand-derived delta rule against autodiff (and torch)."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_nn.deltas import (Comparison, backprop, compare_with_autodiff,
                                 network_from_model, neuron_names, sigmoid, synapse_names,
                                 update)
from micrograd_nn.neurons import NeuronNet
from micrograd_nn.nn import MLP, Linear, Sequential, Sigmoid

ARTICLE_W = [np.array([[0.45, 0.78], [-0.12, 0.13]]), np.array([[1.5], [-2.3]])]

# the "exact" column of shared/ARTICLE.md
EXACT = {"H1output": 0.610639, "H2output": 0.685680, "O1output": 0.340491,
         "Error": 0.434952, "δO1": 0.148097, "δH1": 0.052817, "δH2": -0.073412,
         "GRADw5": 0.090434, "GRADw6": 0.101547}


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, fresh for each test (local, so this file stands alone)."""
    return np.random.default_rng(1234)


def _random_net(rng, depth, bias):
    sizes = [int(s) for s in rng.integers(1, 7, size=depth + 1)]
    ws = [rng.normal(0, 1.5, (sizes[i], sizes[i + 1])) for i in range(depth)]
    bs = [rng.normal(0, 1.0, sizes[i + 1]) if bias else None for i in range(depth)]
    return sizes, ws, bs


# ---------------------------------------------------------------- the article's numbers


def test_delta_rule_reproduces_the_article_exact_column():
    dp = backprop(ARTICLE_W, None, [1, 0], [1])
    named = dp.named()
    for key, want in EXACT.items():
        assert named[key] == pytest.approx(want, abs=1e-6), key
    assert named["H1input"] == pytest.approx(0.45) and named["GRADw3"] == 0.0
    assert dp.deltas[0] is None  # input neurons get no delta


def test_update_reproduces_the_article_new_weights():
    dp = backprop(ARTICLE_W, None, [1, 0], [1])
    nws, nbs, dws, dbs = update(ARTICLE_W, None, dp.grad_w, dp.grad_b, lr=0.7, momentum=0.3)
    assert nbs == [None, None] and dbs == [None, None]
    np.testing.assert_allclose(nws[0], [[0.486972, 0.728611], [-0.12, 0.13]], atol=1e-6)
    np.testing.assert_allclose(nws[1], [[1.563304], [-2.228917]], atol=1e-6)
    after = backprop(nws, None, [1, 0], [1])
    assert after.outs[2][0] == pytest.approx(0.369327, abs=1e-6)
    assert after.error == pytest.approx(0.397749, abs=1e-6)
    assert ARTICLE_W[0][0, 0] == 0.45  # inputs are not modified


def test_update_momentum_term():
    g = [np.array([[0.5]])]
    prev = ([np.array([[0.2]])], [None])
    _, _, dws, _ = update([np.array([[1.0]])], None, g, [None], lr=0.7, momentum=0.3, prev=prev)
    assert dws[0][0, 0] == pytest.approx(0.7 * 0.5 + 0.3 * 0.2)


def test_formulas_by_hand_on_a_one_neuron_net():
    # one input, one sigmoid output, with bias: every quantity by hand
    w, b, x, t = 0.8, -0.3, 2.0, 1.0
    dp = backprop([np.array([[w]])], [np.array([b])], [x], [t])
    out = 1 / (1 + np.exp(-(x * w + b)))
    delta = (t - out) * out * (1 - out)
    assert dp.deltas[1][0] == pytest.approx(delta, rel=1e-14)
    assert dp.grad_w[0][0, 0] == pytest.approx(x * delta, rel=1e-14)
    assert dp.grad_b[0][0] == pytest.approx(1.0 * delta, rel=1e-14)  # bias out_A = 1
    assert dp.sse_half == pytest.approx(0.5 * (t - out) ** 2)


# ---------------------------------------------------------------- agreement with autodiff


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
@pytest.mark.parametrize("bias", [True, False])
def test_delta_rule_equals_minus_autodiff_on_random_networks(depth, bias):
    rng = np.random.default_rng(100 * depth + bias)
    for _ in range(6):
        sizes, ws, bs = _random_net(rng, depth, bias)
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


def test_batch_grad_is_the_sum_of_sample_grads(rng):
    _, ws, bs = _random_net(np.random.default_rng(7), 3, True)
    n_in, n_out = ws[0].shape[0], ws[-1].shape[1]
    xb, tb = rng.uniform(-1, 1, (5, n_in)), rng.uniform(0, 1, (5, n_out))
    whole = backprop(ws, bs, xb, tb)
    parts = [backprop(ws, bs, x, t) for x, t in zip(xb, tb, strict=True)]
    for layer in range(3):
        np.testing.assert_allclose(whole.grad_w[layer], sum(p.grad_w[layer] for p in parts))
        np.testing.assert_allclose(whole.grad_b[layer], sum(p.grad_b[layer] for p in parts))
    assert whole.error == pytest.approx(np.mean([p.error for p in parts]))


def test_delta_rule_matches_torch(rng):
    torch = pytest.importorskip("torch")
    for depth in (1, 2, 3):
        _, ws, bs = _random_net(np.random.default_rng(depth), depth, True)
        x = rng.uniform(-1, 1, ws[0].shape[0])
        t = rng.uniform(0, 1, ws[-1].shape[1])
        tw = [torch.tensor(w, requires_grad=True) for w in ws]
        tb = [torch.tensor(b, requires_grad=True) for b in bs]
        h = torch.tensor(x)
        for W, B in zip(tw, tb, strict=True):
            h = torch.sigmoid(h @ W + B)
        (0.5 * ((torch.tensor(t) - h) ** 2).sum()).backward()
        dp = backprop(ws, bs, x, t)
        for layer in range(depth):
            np.testing.assert_allclose(dp.grad_w[layer], -tw[layer].grad.numpy(), atol=1e-12)
            np.testing.assert_allclose(dp.grad_b[layer], -tb[layer].grad.numpy(), atol=1e-12)


def test_the_comparison_fails_when_the_delta_rule_is_wrong(monkeypatch):
    import micrograd_nn.deltas as deltas_mod

    good = compare_with_autodiff((ARTICLE_W, [None, None]), [1, 0], [1])
    assert good.max_diff < 1e-12
    # a slightly wrong activation on the numpy side must show up in the comparison
    monkeypatch.setattr(deltas_mod, "sigmoid", lambda x: 1.0 / (1.0 + np.exp(-1.05 * x)))
    bad = compare_with_autodiff((ARTICLE_W, [None, None]), [1, 0], [1])
    assert bad.max_diff > 1e-3
    assert "overall" in str(bad) and "layer1" in str(bad)


# ---------------------------------------------------------------- names and model input


def test_names_in_the_article_notation():
    assert neuron_names([2, 2, 1]) == [["I1", "I2"], ["H1", "H2"], ["O1"]]
    assert neuron_names([1, 2, 2, 1])[1:3] == [["H1_1", "H1_2"], ["H2_1", "H2_2"]]
    syn = synapse_names([2, 2, 1], [False, False])
    assert syn[0][0].tolist() == [["w1", "w2"], ["w3", "w4"]] and syn[0][1] is None
    assert syn[1][0].tolist() == [["w5"], ["w6"]]
    syn_b = synapse_names([2, 2, 1], [True, True])
    assert syn_b[0][1].tolist() == ["w5", "w6"] and syn_b[1][0].tolist() == [["w7"], ["w8"]]
    assert syn_b[1][1].tolist() == ["w9"]


def test_names_agree_with_the_neuron_form():
    net = NeuronNet(2, [2], 1, bias=True, seed=0)
    ws, bs, _ = network_from_model(net)
    syn = synapse_names([2, 2, 1], [True, True])
    for layer, (wn, bn) in enumerate(syn):
        for idx in np.ndindex(*wn.shape):
            assert net.synapse(wn[idx]).weight.data == ws[layer][idx]
        for k, name in enumerate(bn):
            assert net.synapse(name).weight.data == bs[layer][k]


def test_network_from_model_rejects_non_sigmoid_and_bad_shapes():
    with pytest.raises(TypeError, match="needs a Sigmoid after every Linear"):
        network_from_model(MLP(2, [3], 1, activation="relu"))
    with pytest.raises(TypeError, match="sigmoid neurons"):
        network_from_model(NeuronNet(2, [3], 1, activation="tanh"))
    with pytest.raises(TypeError, match="expected an MLP/Sequential"):
        network_from_model(object())
    with pytest.raises(ValueError, match=r"layer sizes must chain"):
        backprop([np.ones((2, 3)), np.ones((2, 1))], None, [1, 0], [1])
    with pytest.raises(ValueError, match=r"x has shape \(3,\)"):
        backprop(ARTICLE_W, None, [1, 0, 1], [1])
    with pytest.raises(ValueError, match="bias needs shape"):
        backprop(ARTICLE_W, [np.ones(3), None], [1, 0], [1])
    seq = Sequential(Linear(2, 2, seed=0), Sigmoid(), Linear(2, 1, seed=1), Sigmoid())
    assert len(network_from_model(seq)[0]) == 2


def test_sigmoid_is_stable_at_the_tails():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_array_equal(s, [0.0, 0.5, 1.0])


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
