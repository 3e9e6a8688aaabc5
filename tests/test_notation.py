"""Tests for micrograd_nn.notation: the article's names, numbering, worked example, and
what its learning rate E means for micrograd_nn's losses (lr_for), checked by training."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from micrograd_nn import notation
from micrograd_nn.deltas import backprop, update
from micrograd_nn.losses import mse, sse_half
from micrograd_nn.neurons import NeuronNet
from micrograd_nn.nn import MLP
from micrograd_nn.notation import (ARTICLE_SYNAPSES, ARTICLE_WEIGHTS, bias_name, layer_names,
                                   lr_for, neuron_names, synapse_names)
from micrograd_nn.optim import SGD
from micrograd_nn.train import fit

PACKAGE = Path(notation.__file__).resolve().parent


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, fresh for each test (local, so this file stands alone)."""
    return np.random.default_rng(4321)


# ---------------------------------------------------------------- names and numbering


def test_neuron_and_bias_names():
    assert neuron_names([2, 2, 1]) == [["I1", "I2"], ["H1", "H2"], ["O1"]]
    assert neuron_names((3, 2, 4, 2)) == [["I1", "I2", "I3"], ["H1_1", "H1_2"],
                                         ["H2_1", "H2_2", "H2_3", "H2_4"], ["O1", "O2"]]
    assert neuron_names([2, 1]) == [["I1", "I2"], ["O1"]]
    assert [bias_name(i) for i in range(3)] == ["B1", "B2", "B3"]
    assert layer_names(3) == ["layer1", "layer2", "layer3"]


def test_synapses_are_numbered_in_the_article_order():
    (w0, b0), (w1, b1) = synapse_names([2, 3, 1], [True, False])
    assert w0.tolist() == [["w1", "w2", "w3"], ["w4", "w5", "w6"]]  # source by source
    assert b0.tolist() == ["w7", "w8", "w9"]  # the bias neuron last
    assert w1.tolist() == [["w10"], ["w11"], ["w12"]] and b1 is None


def test_the_worked_example_in_one_table():
    assert dict(ARTICLE_SYNAPSES) == {
        "w1": ("I1", "H1", 0.45), "w2": ("I1", "H2", 0.78), "w3": ("I2", "H1", -0.12),
        "w4": ("I2", "H2", 0.13), "w5": ("H1", "O1", 1.5), "w6": ("H2", "O1", -2.3)}
    ws, bs = ARTICLE_WEIGHTS
    assert [w.shape for w in ws] == [(2, 2), (2, 1)] and tuple(bs) == (None, None)
    with pytest.raises(ValueError, match="read-only"):
        ws[0][0, 0] = 1.0  # shared by every caller
    with pytest.raises(TypeError):
        ARTICLE_SYNAPSES["w1"] = ("I1", "H1", 0.0)
    assert (notation.ARTICLE_X, notation.ARTICLE_IDEAL) == ((1.0, 0.0), (1.0,))
    assert (notation.ARTICLE_E, notation.ARTICLE_ALPHA) == (0.7, 0.3)


def test_every_module_speaks_the_same_notation():
    from micrograd_nn import deltas, explain

    assert deltas.neuron_names is notation.neuron_names
    assert deltas.synapse_names is notation.synapse_names
    assert explain.ARTICLE_WEIGHTS is notation.ARTICLE_WEIGHTS
    net = NeuronNet(2, [3], 2, bias=[True, True], seed=0)
    assert [[n.name for n in layer] for layer in net.layers] == neuron_names(net.sizes)
    assert [bn.name for bn in net.bias_neurons if bn] == ["B1", "B2"]
    want = [n for w, b in synapse_names(net.sizes, net.bias_layers)
            for n in list(w.ravel()) + list(b)]
    assert [s.name for s in net.synapses] == want
    art = NeuronNet.article_xor()
    assert {s.name: (s.source.name, s.target.name, s.weight.data)
            for s in art.synapses} == dict(ARTICLE_SYNAPSES)


def test_notation_imports_numpy_only():
    tree = ast.parse((PACKAGE / "notation.py").read_text(encoding="utf-8"))
    found = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    found |= {("." * n.level) + (n.module or "") for n in ast.walk(tree)
              if isinstance(n, ast.ImportFrom)}
    assert found <= {"__future__", "math", "collections.abc", "types", "typing", "numpy"}


@pytest.mark.parametrize("call, match", [
    (lambda: neuron_names([2]), "neuron_names: sizes must be a list of at least two"),
    (lambda: neuron_names([2, 0, 1]), "neuron_names: sizes"),
    (lambda: synapse_names([2, 2, 1], [True]), "synapse_names: has_bias must be a list of 2"),
    (lambda: lr_for(0.0), "lr_for: E must be a positive finite number"),
    (lambda: lr_for(float("nan")), "lr_for: E must be"),
    (lambda: lr_for(0.7, "bce_with_logits"), "lr_for: loss must be one of"),
    (lambda: lr_for(0.7, n_outputs=0), "lr_for: n_outputs must be a positive int"),
    (lambda: lr_for(0.7, batch_size=True), "lr_for: batch_size must be a positive int"),
    (lambda: lr_for(0.7, reduction="none"), "lr_for: reduction must be 'mean' or 'sum'"),
])
def test_errors_name_the_function_and_the_fix(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ---------------------------------------------------------------- E, checked by training


def test_lr_for_table():
    assert lr_for(0.7) == 0.35  # the article's example: mse, one sample, one output
    assert lr_for(0.7, "sse_half") == 0.7
    assert lr_for(0.7, "mse", n_outputs=2, batch_size=3) == pytest.approx(2.1)
    assert lr_for(0.7, "mse", n_outputs=2, batch_size=3, reduction="sum") == pytest.approx(0.7)
    assert lr_for(0.7, "sse_half", batch_size=4) == pytest.approx(2.8)
    assert lr_for(0.7, "sse_half", batch_size=4, reduction="sum") == 0.7


def _oracle_steps(ws, bs, batches, E, alpha):
    """The article's rule, batch by batch: Δw = E·ΣGRAD + α·Δw_prev."""
    prev = None
    for x, t in batches:
        dp = backprop(ws, bs, x, t)
        ws, bs, dws, dbs = update(ws, bs, dp.grad_w, dp.grad_b, E, alpha, prev)
        prev = (dws, dbs)
    return ws, bs


def _assert_weights(net, ws, bs):
    for lin, w, b in zip(net.linears, ws, bs, strict=True):
        np.testing.assert_allclose(lin.weight.data, w, atol=1e-12)
        if b is not None:
            np.testing.assert_allclose(lin.bias.data, b, atol=1e-12)


def test_mse_with_half_E_replays_the_article_worked_example():
    # the demo's setting: fit on mse, one sample per step, lr = E/2
    X, y = np.array([notation.ARTICLE_X]), np.array([notation.ARTICLE_IDEAL])
    one = NeuronNet.article_xor().to_mlp()
    fit(one, X, y, loss="mse", lr=lr_for(0.7), epochs=1, batch_size=1, verbose=0)
    np.testing.assert_allclose(one.linears[0].weight.data, [[0.486972, 0.728611],
                                                            [-0.12, 0.13]], atol=1e-6)
    np.testing.assert_allclose(one.linears[1].weight.data.ravel(), [1.563304, -2.228917],
                               atol=1e-6)  # the article worked example, computed exactly
    net = NeuronNet.article_xor().to_mlp()  # and three steps with momentum
    fit(net, X, y, loss="mse", lr=lr_for(0.7), momentum=0.3, epochs=3, batch_size=1,
        shuffle=False, verbose=0)
    ws, bs = _oracle_steps(list(ARTICLE_WEIGHTS[0]), None, [(X[0], y[0])] * 3, 0.7, 0.3)
    _assert_weights(net, ws, [None, None])


@pytest.mark.parametrize("loss, reduction", [("mse", "mean"), ("mse", "sum"),
                                             ("sse_half", "mean"), ("sse_half", "sum")])
@pytest.mark.parametrize("batch_size", [1, 3])
def test_fit_with_lr_for_takes_the_article_steps(loss, reduction, batch_size, rng):
    # two outputs, so mse's mean over the outputs shows too
    X, Y = rng.uniform(-1, 1, (6, 3)), rng.uniform(0, 1, (6, 2))
    net = MLP(3, [4], 2, seed=7)
    ws, bs = [lin.weight.data.copy() for lin in net.linears], \
        [lin.bias.data.copy() for lin in net.linears]
    lr = lr_for(0.7, loss, n_outputs=2, batch_size=batch_size, reduction=reduction)
    fit(net, X, Y, loss=loss, lr=lr, momentum=0.3, epochs=2, batch_size=batch_size,
        reduction=reduction, shuffle=False, verbose=0)
    batches = [(X[i:i + batch_size], Y[i:i + batch_size]) for i in range(0, 6, batch_size)]
    ws, bs = _oracle_steps(ws, bs, batches * 2, 0.7, 0.3)
    _assert_weights(net, ws, bs)


@pytest.mark.parametrize("name, fn, reduction", [("mse", mse, "mean"),
                                                 ("sse_half", sse_half, "sum")])
def test_a_hand_loop_on_the_raw_losses(name, fn, reduction, rng):
    # SGD on losses.mse / losses.sse_half called on a whole batch, as the docstring says
    X, Y = rng.uniform(-1, 1, (4, 2)), rng.uniform(0, 1, (4, 3))
    net = MLP(2, [3], 3, seed=1)
    ws, bs = [lin.weight.data.copy() for lin in net.linears], \
        [lin.bias.data.copy() for lin in net.linears]
    opt = SGD(net.parameters(), lr=lr_for(0.7, name, n_outputs=3, batch_size=4,
                                         reduction=reduction), momentum=0.3)
    for _ in range(3):
        opt.zero_grad()
        fn(net(X), Y).backward()
        opt.step()
    ws, bs = _oracle_steps(ws, bs, [(X, Y)] * 3, 0.7, 0.3)
    _assert_weights(net, ws, bs)


def test_plain_E_on_mse_would_take_twice_the_article_step():
    # why lr_for exists: with lr = E on mse a one-output step is 2x the article's
    net = NeuronNet.article_xor().to_mlp()
    X, y = np.array([[1.0, 0.0]]), np.array([[1.0]])
    fit(net, X, y, loss="mse", lr=0.7, epochs=1, batch_size=1, verbose=0)
    dp = backprop(ARTICLE_WEIGHTS[0], None, X[0], y[0])
    np.testing.assert_allclose(net.linears[1].weight.data,
                               ARTICLE_WEIGHTS[0][1] + 2 * 0.7 * dp.grad_w[1], atol=1e-12)


@pytest.mark.parametrize("loss", ["mse", "sse_half"])
def test_the_neuron_form_takes_the_same_steps(loss, rng):
    X, Y = rng.uniform(-1, 1, (4, 2)), rng.uniform(0, 1, (4, 2))
    net = NeuronNet(2, [3], 2, seed=3)
    ws, bs = map(list, zip(*net.weight_arrays(), strict=True))
    fit(net, X, Y, loss=loss, lr=lr_for(0.7, loss, n_outputs=2, batch_size=2), momentum=0.3,
        epochs=1, batch_size=2, shuffle=False, verbose=0)
    ws, bs = _oracle_steps(ws, bs, [(X[:2], Y[:2]), (X[2:], Y[2:])], 0.7, 0.3)
    for (w, b), ow, ob in zip(net.weight_arrays(), ws, bs, strict=True):
        np.testing.assert_allclose(w, ow, atol=1e-12)
        np.testing.assert_allclose(b, ob, atol=1e-12)
