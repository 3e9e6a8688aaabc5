"""Tests for micrograd_nn.neurons: the article's worked example and scalar/tensor equality."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_nn import Value
from micrograd_nn.losses import mse, sse_half
from micrograd_nn.nn import MLP, Linear, ReLU, Sequential, Sigmoid, Tanh
from micrograd_nn.neurons import NeuronNet
from micrograd_nn.optim import SGD, Adam, Rprop

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])

# the article's worked example, computed exactly (the article rounds each step)
ARTICLE_AFTER = {"w1": 0.486972, "w2": 0.728611, "w3": -0.12, "w4": 0.13,
                 "w5": 1.563304, "w6": -2.228917}


def _weights(net):
    return {s.name: s.weight.data for s in net.synapses}


# ---------------------------------------------------------------- the article's example


def test_article_net_structure():
    net = NeuronNet.article_xor()
    assert [s.name for s in net.synapses] == ["w1", "w2", "w3", "w4", "w5", "w6"]
    assert [(s.source.name, s.target.name) for s in net.synapses] == [
        ("I1", "H1"), ("I1", "H2"), ("I2", "H1"), ("I2", "H2"), ("H1", "O1"), ("H2", "O1")]
    assert _weights(net) == {"w1": 0.45, "w2": 0.78, "w3": -0.12, "w4": 0.13,
                             "w5": 1.5, "w6": -2.3}
    assert net.bias_neurons == [None, None, None]
    assert [n.kind for n in net.neurons()] == ["input", "input", "hidden", "hidden", "output"]


def test_article_forward_values():
    net = NeuronNet.article_xor()
    (out,) = net([1.0, 0.0])
    h1, h2 = net.layers[1]
    assert round(h1.output.data, 6) == 0.610639
    assert round(h2.output.data, 6) == 0.685680
    assert round(out.data, 6) == 0.340491
    assert round(mse(out, 1.0).item(), 6) == 0.434952
    # the neuron's input is the weighted sum: H1 in = 1*0.45 + 0*(-0.12)
    assert h1.input.data == pytest.approx(0.45)
    assert out is net.layers[2][0].output
    assert h1.input.label == "H1.in" and h1.output.label == "H1.out"


def test_article_deltas_and_grads_are_minus_sse_half_gradients():
    net = NeuronNet.article_xor()
    (out,) = net([1.0, 0.0])
    sse_half(out, 1.0).backward()
    o1 = net.layers[2][0]
    h1, h2 = net.layers[1]
    # delta = -dE/d(input) for E = sse_half
    assert round(-o1.input.grad, 6) == 0.148097
    assert round(-h1.input.grad, 6) == 0.052817
    assert round(-h2.input.grad, 6) == -0.073412
    # GRAD = out_A * delta_B = -dE/dw
    assert round(-net.synapse("w5").weight.grad, 6) == 0.090434
    assert round(-net.synapse("w6").weight.grad, 6) == 0.101547


def test_article_one_step_with_sse_half_reproduces_table():
    net = NeuronNet.article_xor()
    opt = SGD(net.parameters(), lr=0.7, momentum=0.3)
    (out,) = net([1.0, 0.0])
    sse_half(out, 1.0).backward()
    opt.step()
    for name, want in ARTICLE_AFTER.items():
        assert round(net.synapse(name).weight.data, 6) == want, name
    (out,) = net([1.0, 0.0])
    assert round(out.data, 6) == 0.369327
    assert round(mse(out, 1.0).item(), 6) == 0.397749


def test_article_one_step_with_mse_does_not_reproduce_table():
    # mse's gradient is twice sse_half's for one output: the step is twice as big.
    net = NeuronNet.article_xor()
    opt = SGD(net.parameters(), lr=0.7, momentum=0.3)
    (out,) = net([1.0, 0.0])
    mse(out, 1.0).backward()
    opt.step()
    assert round(net.synapse("w5").weight.data, 6) == round(1.5 + 2 * 0.063304, 6)
    assert round(net.synapse("w5").weight.data, 6) != ARTICLE_AFTER["w5"]
    # ... and halving lr gives the table again
    net2 = NeuronNet.article_xor()
    opt2 = SGD(net2.parameters(), lr=0.35, momentum=0.3)
    (out,) = net2([1.0, 0.0])
    mse(out, 1.0).backward()
    opt2.step()
    assert round(net2.synapse("w5").weight.data, 6) == ARTICLE_AFTER["w5"]


def test_article_tensor_form_same_step():
    mlp = NeuronNet.article_xor().to_mlp()
    np.testing.assert_array_equal(mlp.linears[0].weight.data, [[0.45, 0.78], [-0.12, 0.13]])
    opt = SGD(mlp.parameters(), lr=0.7, momentum=0.3)
    sse_half(mlp(np.array([[1.0, 0.0]])), [[1.0]]).backward()
    opt.step()
    assert round(float(mlp.linears[1].weight.data[0, 0]), 6) == ARTICLE_AFTER["w5"]
    assert round(float(mlp.linears[0].weight.data[0, 1]), 6) == ARTICLE_AFTER["w2"]


# ---------------------------------------------------------------- neuron form == tensor form


def _train_both(net, make_opt, steps, online):
    mlp = net.to_mlp()
    opt_n, opt_t = make_opt(net.parameters()), make_opt(mlp.parameters())
    for _ in range(steps):
        batches = [(XOR_X[i:i + 1], XOR_Y[i:i + 1]) for i in range(4)] if online \
            else [(XOR_X, XOR_Y)]
        for xb, yb in batches:
            opt_n.zero_grad()
            preds = [net(x)[0] for x in xb]
            mse(preds, yb[:, 0]).backward()
            opt_n.step()
            opt_t.zero_grad()
            mse(mlp(xb), yb).backward()
            opt_t.step()
    return net, mlp


def _assert_same_weights(net, mlp, tol=1e-12):
    for (w, b), lin in zip(net.weight_arrays(), mlp.linears, strict=True):
        np.testing.assert_allclose(w, lin.weight.data, rtol=0, atol=tol)
        if b is None:
            assert lin.bias is None
        else:
            np.testing.assert_allclose(b, lin.bias.data, rtol=0, atol=tol)


@pytest.mark.parametrize("online", [False, True])
def test_sgd_neuron_and_tensor_forms_train_identically(online):
    net, mlp = _train_both(NeuronNet.article_xor(),
                           lambda p: SGD(p, lr=0.7, momentum=0.3), steps=25, online=online)
    _assert_same_weights(net, mlp)
    assert _weights(net)["w5"] != 1.5  # it trained


@pytest.mark.parametrize("make_opt", [
    lambda p: SGD(p, lr=0.5, momentum=0.9, nesterov=True),
    lambda p: Rprop(p, lr=0.05),
    lambda p: Adam(p, lr=0.05),
])
def test_optimizers_neuron_and_tensor_forms_with_bias(make_opt):
    net = NeuronNet(2, [3], 1, activation="tanh", bias=[True, True], seed=3)
    start = net.weight_arrays()
    net, mlp = _train_both(net, make_opt, steps=20, online=False)
    _assert_same_weights(net, mlp)
    assert not np.allclose(net.weight_arrays()[1][0], start[1][0])  # it trained


def test_neuronnet_seed_draws_like_mlp():
    net = NeuronNet(3, [4, 2], 2, activation="relu", seed=5)
    mlp = MLP(3, [4, 2], 2, activation="relu", seed=5)
    _assert_same_weights(net, mlp, tol=0)
    x = np.array([0.1, -0.4, 0.9])
    np.testing.assert_allclose([v.data for v in net(x)], mlp(x).data, rtol=1e-14)


# ---------------------------------------------------------------- conversion and structure


def test_from_mlp_roundtrip_with_mixed_bias():
    mlp = MLP(3, [4], 2, activation="tanh", output_activation=None, bias=[False, True], seed=2)
    net = NeuronNet.from_mlp(mlp)
    assert net.bias_layers == [False, True]
    # the article's mapping: the output layer's bias is the last hidden layer's bias neuron
    b2 = net.bias_neurons[1]
    assert net.bias_neurons[0] is None and b2.name == "B2" and b2.output.data == 1.0
    assert [s.target.name for s in b2.outgoing] == ["O1", "O2"]
    np.testing.assert_array_equal([s.weight.data for s in b2.outgoing], mlp.linears[1].bias.data)
    back = net.to_mlp()
    assert back.config() == mlp.config()
    assert mlp.config()["output_activation"] == "identity"
    x = np.random.default_rng(0).normal(size=3)
    np.testing.assert_allclose([v.data for v in net(x)], mlp(x).data, rtol=1e-14)
    np.testing.assert_array_equal(back(x).data, mlp(x).data)


def test_from_mlp_copies_weights():
    mlp = MLP(2, [2], 1, seed=0)
    net = NeuronNet.from_mlp(mlp)
    mlp.linears[0].weight.data[0, 0] = 99.0
    assert net.synapses[0].weight.data != 99.0


def test_from_plain_sequential():
    seq = Sequential(Linear(2, 3, seed=0), Tanh(), Linear(3, 1, seed=1), Sigmoid())
    net = NeuronNet.from_mlp(seq)
    assert net.sizes == [2, 3, 1] and net.activation == "tanh"
    x = [0.3, -0.2]
    assert net(x)[0].data == pytest.approx(seq(np.array(x)).data[0], rel=1e-14)


def test_from_mlp_errors():
    mixed = Sequential(Linear(2, 2), Tanh(), Linear(2, 2), ReLU(), Linear(2, 1), Sigmoid())
    with pytest.raises(ValueError, match="different activations"):
        NeuronNet.from_mlp(mixed)
    with pytest.raises(TypeError, match="expected an MLP or Sequential"):
        NeuronNet.from_mlp(Linear(2, 2))
    with pytest.raises(ValueError, match="do not chain"):
        NeuronNet.from_mlp(Sequential(Linear(2, 3), Linear(2, 1)))
    with pytest.raises(ValueError, match=r"from_mlp: dense_layers: module 0 \(Tanh\) is not"):
        NeuronNet.from_mlp(Sequential(Tanh(), Linear(2, 1)))


def test_index_naming_and_bias_labels():
    net = NeuronNet(2, [2], 1, bias=True, seed=0, naming="index")
    names = [s.name for s in net.synapses]
    assert names[:4] == ["w[0][0->0]", "w[0][0->1]", "w[0][1->0]", "w[0][1->1]"]
    assert "w[0][B->1]" in names and "w[1][B->0]" in names
    assert len(names) == len(set(names)) == 3 * 2 + 3 * 1


def test_numbered_naming_puts_bias_last_in_each_layer():
    net = NeuronNet(2, [2], 1, bias=True, seed=0)
    assert [(s.name, s.source.name, s.target.name) for s in net.synapses][4:7] == [
        ("w5", "B1", "H1"), ("w6", "B1", "H2"), ("w7", "H1", "O1")]


def test_two_hidden_layers_neuron_names():
    net = NeuronNet(1, [2, 2], 1, bias=False, seed=0)
    assert [n.name for n in net.neurons()] == ["I1", "H1_1", "H1_2", "H2_1", "H2_2", "O1"]
    h = net.layers[1][0]
    assert len(h.incoming) == 1 and len(h.outgoing) == 2


def test_parameters_and_state_dict():
    net = NeuronNet.article_xor()
    assert [n for n, _ in net.named_parameters()] == ["w1", "w2", "w3", "w4", "w5", "w6"]
    assert all(type(p.data) is float for p in net.parameters())
    sd = net.state_dict()
    sd["w5"] = 2.0
    net.load_state_dict(sd)
    assert net.synapse("w5").weight.data == 2.0


def test_input_values_get_gradients():
    net = NeuronNet.article_xor()
    x1, x2 = Value(1.0), Value(0.0)
    net([x1, x2])[0].backward()
    assert x1.grad != 0 and x2.grad != 0


def test_forward_errors():
    net = NeuronNet.article_xor()
    with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
        net([1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
        net(np.ones((4, 3)))  # a batch of rows of the wrong width
    with pytest.raises(ValueError, match="loop over a batch"):
        net(np.ones((2, 2, 2)))
    with pytest.raises(KeyError, match="no synapse named 'w9'"):
        net.synapse("w9")


def test_constructor_errors():
    with pytest.raises(ValueError, match=r"weights\[0\] W has shape \(3, 2\), expected \(2, 2\)"):
        NeuronNet(2, [2], 1, bias=False, weights=[(np.zeros((3, 2)), None),
                                                   (np.zeros((2, 1)), None)])
    with pytest.raises(ValueError, match=r"weights\[1\] bias is None"):
        NeuronNet(2, [2], 1, bias=True, weights=[(np.zeros((2, 2)), np.zeros(2)),
                                                  (np.zeros((2, 1)), None)])
    with pytest.raises(ValueError, match="list of 2 \\(W, b\\) pairs"):
        NeuronNet(2, [2], 1, weights=[(np.zeros((2, 2)), None)])
    with pytest.raises(ValueError, match="naming must be"):
        NeuronNet(2, [2], 1, naming="greek")


def test_config_roundtrip():
    net = NeuronNet(2, [3], 1, activation="relu", bias=[False, True], naming="index", seed=0)
    net2 = NeuronNet.from_config(net.config())
    assert net2.config() == net.config()
    assert [n for n, _ in net2.named_parameters()] == [n for n, _ in net.named_parameters()]
    with pytest.raises(ValueError, match="bad config"):
        NeuronNet.from_config({"type": "NeuronNet", "nin": 2})


def test_activations_listed_like_the_mlp():
    mlp = MLP(2, [3, 2], 1, activation="tanh", output_activation=None, seed=0)
    assert NeuronNet.from_mlp(mlp).activations == mlp.activations == \
        ["tanh", "tanh", "identity"]
    assert NeuronNet.article_xor().activations == ["sigmoid", "sigmoid"]


def test_dense_layers_is_the_array_form():
    from micrograd_nn.protocol import Dense

    net = NeuronNet(2, [3, 2], 1, activation="tanh", bias=[True, False, True], seed=0)
    layers = net.dense_layers()
    assert all(isinstance(d, Dense) for d in layers)
    assert [d.activation for d in layers] == ["tanh", "tanh", "sigmoid"]
    for d, (w, b) in zip(layers, net.weight_arrays(), strict=True):
        np.testing.assert_array_equal(d.weight, w)
        assert (d.bias is None) == (b is None)
    layers[0].weight[:] = 9.0  # copies
    assert net.synapse("w1").weight.data != 9.0


def test_batch_forward_stacks_the_samples():
    """A 2-D batch gives one (n, nout) Value, each row the one-sample outputs."""
    net = NeuronNet.article_xor()
    out = net(XOR_X)
    assert out.shape == (len(XOR_X), 1)
    want = [net(list(x))[0].data for x in XOR_X]
    np.testing.assert_allclose(out.data[:, 0], want, rtol=0, atol=0)
    rows = net([[1.0, 0.0], [0.0, 1.0]])  # a list of rows is a batch too
    np.testing.assert_array_equal(rows.data, out.data[[2, 1]])
