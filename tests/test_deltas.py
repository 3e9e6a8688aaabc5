"""Tests for micrograd_nn.deltas: the hand-derived delta rule against autodiff (and torch),
through gradcheck.compare_with_autodiff and explain.network_from_model."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_nn.deltas import (backprop, compare_grads, forward,
                                 neuron_names, sigmoid, synapse_names, update)
from micrograd_nn.explain import network_from_model
from micrograd_nn.neurons import NeuronNet
from micrograd_nn.nn import MLP, Linear, Sequential, Sigmoid

ARTICLE_W = [np.array([[0.45, 0.78], [-0.12, 0.13]]), np.array([[1.5], [-2.3]])]

# the article's worked example, computed exactly (the article rounds each step)
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
    with pytest.raises(TypeError, match="layer1 use relu.*a Sigmoid after every Linear"):
        network_from_model(MLP(2, [3], 1, activation="relu"))
    with pytest.raises(TypeError, match="sigmoid neurons"):
        network_from_model(NeuronNet(2, [3], 1, activation="tanh"))
    with pytest.raises(TypeError, match="network_from_model: cannot take the layers of a "
                                        "object; expected a model with dense_layers"):
        network_from_model(object())
    with pytest.raises(TypeError, match=r"network_from_model: dense_layers: module 2 \(Sigmoid\)"):
        network_from_model(Sequential(Linear(2, 2, seed=0), Sigmoid(), Sigmoid()))
    with pytest.raises(TypeError, match="layer2 use identity"):
        network_from_model(Sequential(Linear(2, 2, seed=0), Sigmoid(), Linear(2, 1, seed=0)))
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


# ---------------------------------------------------------------- other activations


@pytest.mark.parametrize("acts", [["tanh", "sigmoid"], ["relu", "identity"], "tanh",
                                  ["identity", "relu", "tanh"]])
def test_delta_rule_with_other_activations_equals_autodiff(acts, rng):
    from micrograd_nn.engine import Value
    from micrograd_nn.losses import sse_half

    depth = 2 if isinstance(acts, str) else len(acts)
    _, ws, bs = _random_net(np.random.default_rng(11), depth, True)
    names = [acts] * depth if isinstance(acts, str) else acts
    x = rng.uniform(-1, 1, (4, ws[0].shape[0]))
    t = rng.uniform(0, 1, (4, ws[-1].shape[1]))
    Ws, Bs = [Value(w) for w in ws], [Value(b) for b in bs]
    h = Value(x, requires_grad=False)
    for W, B, a in zip(Ws, Bs, names, strict=True):
        z = h @ W + B
        h = z if a == "identity" else getattr(z, a)()
    sse_half(h, t).backward()
    dp = backprop(ws, bs, x, t, acts)
    assert dp.activations == names
    cmp = compare_grads(dp, [(W.grad, B.grad) for W, B in zip(Ws, Bs, strict=True)])
    assert cmp.max_diff < 1e-10, str(cmp)
    ins, outs = forward(ws, bs, x, acts)
    np.testing.assert_array_equal(outs[-1], dp.outs[-1])
    np.testing.assert_array_equal(ins[1], dp.ins[1])


def test_activation_and_gradient_errors_name_the_function():
    with pytest.raises(ValueError, match=r"backprop: activations\[1\] is 'softmax'"):
        backprop(ARTICLE_W, None, [1, 0], [1], ["sigmoid", "softmax"])
    with pytest.raises(ValueError, match="forward: 1 activations for 2 layers"):
        forward(ARTICLE_W, None, [1, 0], ["sigmoid"])
    dp = backprop(ARTICLE_W, None, [1, 0], [1])
    with pytest.raises(ValueError, match="compare_grads: 1 layers of gradients"):
        compare_grads(dp, [(np.zeros((2, 2)), None)])
    with pytest.raises(ValueError, match=r"compare_grads: layer2 gradient has shape \(1, 2\)"):
        compare_grads(dp, [(np.zeros((2, 2)), None), (np.zeros((1, 2)), None)])


def test_the_oracle_imports_numpy_and_notation_only():
    import ast
    from pathlib import Path

    import micrograd_nn.deltas as deltas_mod

    tree = ast.parse(Path(deltas_mod.__file__).read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add(("." * node.level) + (node.module or ""))
    assert found <= {"__future__", "collections.abc", "dataclasses", "typing", "numpy",
                     ".notation"}, found
