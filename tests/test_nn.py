"""Tests for micrograd_nn.nn and micrograd_nn.init: layers, parameters, state, init."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_nn import Value
from micrograd_nn import init as mg_init
from micrograd_nn.losses import mse
from micrograd_nn.nn import (
    MLP,
    Identity,
    Linear,
    Module,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
    from_config,
    make_activation,
)
from oracles import torch_dense, torch_grads

torch = pytest.importorskip("torch")


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


# ---------------------------------------------------------------- Linear


def test_linear_shapes_and_names():
    lin = Linear(3, 2, seed=0)
    assert lin.weight.shape == (3, 2)
    assert lin.bias.shape == (2,)
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
    assert lin.parameters() == [lin.weight, lin.bias]


def test_linear_forward_batch_matches_numpy():
    lin = Linear(3, 2, seed=1)
    x = np.random.default_rng(0).normal(size=(5, 3))
    y = lin(x)
    assert y.shape == (5, 2)
    np.testing.assert_allclose(y.data, x @ lin.weight.data + lin.bias.data, rtol=0, atol=1e-15)


def test_linear_forward_single_sample_and_list_input():
    lin = Linear(3, 2, seed=2)
    x = [0.5, -1.0, 2.0]
    y = lin(x)
    assert y.shape == (2,)
    np.testing.assert_allclose(y.data, np.array(x) @ lin.weight.data + lin.bias.data)
    y2 = lin(Value(np.array(x)))
    np.testing.assert_array_equal(y.data, y2.data)


def test_linear_weight_layout_is_synapse_a_to_b():
    # weight[a, b] is the synapse from input a to neuron b: a one-hot input a
    # must give exactly row a (plus bias) as the output.
    lin = Linear(3, 4, seed=3)
    for a in range(3):
        x = np.zeros(3)
        x[a] = 1.0
        np.testing.assert_array_equal(lin(x).data, lin.weight.data[a] + lin.bias.data)


def test_linear_without_bias():
    lin = Linear(2, 3, bias=False, seed=0)
    assert lin.bias is None
    assert [n for n, _ in lin.named_parameters()] == ["weight"]
    x = np.ones((4, 2))
    np.testing.assert_allclose(lin(x).data, x @ lin.weight.data)


def test_linear_gradients_match_torch():
    lin = Linear(4, 3, seed=5)
    x = np.random.default_rng(1).normal(size=(6, 4))
    xv = Value(x)
    out = lin(xv).sigmoid().sum()
    out.backward()
    _, (gx, gw, gb) = torch_grads(lambda tx, tw, tb: torch.sigmoid(tx @ tw + tb), x,
                                  lin.weight.data, lin.bias.data)
    np.testing.assert_allclose(lin.weight.grad, gw, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(lin.bias.grad, gb, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(xv.grad, gx, rtol=1e-12, atol=1e-14)


def test_linear_uses_one_fused_node():
    lin = Linear(2, 2, seed=0)
    y = lin(np.ones((3, 2)))
    assert y.op == "linear"
    assert y.parents == (lin.weight, lin.bias)


def test_linear_wrong_input_width_names_shapes():
    lin = Linear(3, 2, seed=0)
    with pytest.raises(ValueError, match=r"\(4, 5\).*\(batch, 3\)"):
        lin(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"nin=3"):
        lin(np.ones(2))
    with pytest.raises(ValueError, match=r"\(2, 2, 3\)"):
        lin(np.ones((2, 2, 3)))


@pytest.mark.parametrize("nin, nout", [(0, 2), (2, -1), (2.0, 3), (True, 2)])
def test_linear_rejects_bad_sizes(nin, nout):
    with pytest.raises(ValueError, match="positive int"):
        Linear(nin, nout)


def test_linear_rejects_unknown_init_and_int_dtype():
    with pytest.raises(ValueError, match="unknown init scheme 'glorot'"):
        Linear(2, 2, init="glorot")
    with pytest.raises(TypeError, match="float dtype"):
        Linear(2, 2, dtype=np.int32)


def test_linear_float32_dtype():
    lin = Linear(2, 3, seed=0, dtype=np.float32)
    assert lin.weight.dtype == np.float32 and lin.bias.dtype == np.float32
    y = lin(np.ones((2, 2), dtype=np.float32))
    assert y.data.dtype == np.float32
    y.sum().backward()
    assert lin.weight.grad.dtype == np.float32


# ---------------------------------------------------------------- init


def test_seed_makes_layers_reproducible():
    a, b, c = Linear(3, 4, seed=7), Linear(3, 4, seed=7), Linear(3, 4, seed=8)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert not np.array_equal(a.weight.data, c.weight.data)


def test_seed_accepts_generator():
    w1 = Linear(3, 4, seed=np.random.default_rng(11)).weight.data
    w2 = Linear(3, 4, seed=11).weight.data
    np.testing.assert_array_equal(w1, w2)


def test_seed_rejects_float():
    with pytest.raises(TypeError, match="seed must be"):
        Linear(2, 2, seed=1.5)


def test_uniform_init_range_and_bias_drawn():
    lin = Linear(50, 40, seed=0, init="uniform")
    w = lin.weight.data
    assert w.min() >= -1 and w.max() <= 1 and w.min() < -0.9 and w.max() > 0.9
    assert np.all(np.abs(lin.bias.data) <= 1) and np.any(lin.bias.data != 0)


@pytest.mark.parametrize("scheme, bound",
                         [("xavier", math.sqrt(6 / 90)), ("he", math.sqrt(6 / 50))])
def test_xavier_and_he_bounds_and_variance(scheme, bound):
    lin = Linear(50, 40, seed=0, init=scheme)
    w = lin.weight.data
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    # variance of U(-a, a) is a^2 / 3
    assert abs(w.var() / (bound**2 / 3) - 1) < 0.1
    np.testing.assert_array_equal(lin.bias.data, 0.0)


def test_same_weights_with_and_without_bias():
    np.testing.assert_array_equal(Linear(3, 2, seed=4).weight.data,
                                  Linear(3, 2, bias=False, seed=4).weight.data)


def test_scheme_for_picks_by_activation():
    assert mg_init.scheme_for("sigmoid") == "xavier"
    assert mg_init.scheme_for("tanh") == "xavier"
    assert mg_init.scheme_for("relu") == "he"
    assert mg_init.scheme_for(None) == "xavier"
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        mg_init.scheme_for("gelu")


def test_mlp_init_none_picks_per_layer():
    m = MLP(40, [30], 20, activation="relu", output_activation="sigmoid", seed=0)
    w0, w1 = m.linears[0].weight.data, m.linears[1].weight.data
    assert np.abs(w0).max() > math.sqrt(6 / 70)  # He bound is wider than Xavier's
    assert np.abs(w0).max() <= math.sqrt(6 / 40)
    assert np.abs(w1).max() <= math.sqrt(6 / 50)


# ---------------------------------------------------------------- activations


@pytest.mark.parametrize("mod, fn", [
    (Sigmoid(), _sig), (Tanh(), np.tanh), (ReLU(), lambda x: np.maximum(x, 0)),
    (Identity(), lambda x: x)])
def test_activation_modules_forward(mod, fn):
    x = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0]])
    y = mod(x)
    assert isinstance(y, Value)
    np.testing.assert_allclose(y.data, fn(x), rtol=1e-15)
    assert mod.parameters() == []


def test_activation_on_scalar_value():
    v = Value(0.3)
    assert Sigmoid()(v).data == pytest.approx(_sig(0.3), rel=1e-15)


def test_make_activation_names():
    assert isinstance(make_activation("sigmoid"), Sigmoid)
    assert isinstance(make_activation(None), Identity)
    with pytest.raises(ValueError, match="unknown activation 'softmax'"):
        make_activation("softmax")


# ---------------------------------------------------------------- Sequential / MLP


def test_sequential_indexing_len_and_order():
    a, b = Linear(2, 3, seed=0), Linear(3, 1, seed=1)
    seq = Sequential(a, Tanh(), b)
    assert len(seq) == 3 and seq[0] is a and seq[2] is b and seq[-1] is b
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    x = np.ones((4, 2))
    np.testing.assert_allclose(seq(x).data, np.tanh(x @ a.weight.data + a.bias.data)
                               @ b.weight.data + b.bias.data)
    sub = seq[:2]
    assert isinstance(sub, Sequential) and len(sub) == 2 and sub[0] is a


def test_sequential_rejects_non_module():
    with pytest.raises(TypeError, match="item 1 is a ufunc, not a Module"):
        Sequential(Linear(1, 1), np.tanh)


def test_mlp_structure_and_names():
    m = MLP(2, [3, 4], 1, seed=0)
    assert len(m) == 6
    assert [type(x).__name__ for x in m] == ["Linear", "Sigmoid", "Linear", "Sigmoid",
                                             "Linear", "Sigmoid"]
    assert m.sizes == [2, 3, 4, 1]
    assert [n for n, _ in m.named_parameters()] == [
        "0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    assert [p.shape for p in m.parameters()] == [(2, 3), (3,), (3, 4), (4,), (4, 1), (1,)]
    assert m.activations == ["sigmoid", "sigmoid", "sigmoid"]


def test_mlp_forward_matches_torch():
    m = MLP(3, [5], 2, activation="tanh", output_activation=None, seed=3)
    x = np.random.default_rng(2).normal(size=(7, 3))
    ref = torch_dense(x, [torch.tensor(p.data) for p in m.parameters()], [torch.tanh, None])
    np.testing.assert_allclose(m(x).data, ref.numpy(), rtol=1e-13, atol=1e-15)
    assert isinstance(m[3], Identity)


def test_mlp_bias_per_layer():
    m = MLP(2, [3], 1, bias=[True, False], seed=0)
    assert m.linears[0].bias is not None and m.linears[1].bias is None
    assert [n for n, _ in m.named_parameters()] == ["0.weight", "0.bias", "2.weight"]
    m2 = MLP(2, [3], 1, bias=False, seed=0)
    assert all(lin.bias is None for lin in m2.linears)


def test_mlp_bias_list_wrong_length():
    with pytest.raises(ValueError, match="list of 2 bools"):
        MLP(2, [3], 1, bias=[True])


def test_mlp_hidden_must_be_list():
    with pytest.raises(TypeError, match=r"e\.g\. \[4\]"):
        MLP(2, 4, 1)
    with pytest.raises(ValueError, match=r"hidden\[1\]"):
        MLP(2, [3, 0], 1)


def test_mlp_no_hidden_layer_is_logistic_regression():
    m = MLP(3, [], 1, seed=0)
    assert len(m) == 2
    x = np.ones((2, 3))
    np.testing.assert_allclose(m(x).data, _sig(x @ m[0].weight.data + m[0].bias.data))


def test_mlp_seed_reproducible():
    a, b = MLP(2, [4], 1, seed=9), MLP(2, [4], 1, seed=9)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)


def test_mlp_trains_xor():
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    m = MLP(2, [4], 1, activation="tanh", seed=0)
    from micrograd_nn.optim import SGD
    opt = SGD(m.parameters(), lr=0.5, momentum=0.9)
    first = None
    for _ in range(300):
        opt.zero_grad()
        loss = mse(m(x), y)
        loss.backward()
        opt.step()
        first = first if first is not None else loss.item()
    assert loss.item() < 0.01 < first


# ---------------------------------------------------------------- Module plumbing


def test_zero_grad_resets():
    m = MLP(2, [2], 1, seed=0)
    mse(m(np.ones((1, 2))), [[1.0]]).backward()
    assert np.any(m[0].weight.grad != 0)
    m.zero_grad()
    for p in m.parameters():
        np.testing.assert_array_equal(p.grad, 0.0)


def test_train_eval_flags_recursive():
    m = MLP(2, [2], 1, seed=0)
    assert m.training and m[0].training
    assert m.eval() is m
    assert not m.training and not m[0].training and not m[3].training
    m.train()
    assert all(x.training for x in m.modules())


def test_custom_module_registers_in_assignment_order():
    class Net(Module):
        def __init__(self):
            super().__init__()
            self.scale = Value(2.0)
            self.body = Linear(2, 2, seed=0)
            self.head = Linear(2, 1, bias=False, seed=1)

        def forward(self, x):
            return self.head(self.body(x)) * self.scale

    n = Net()
    assert [k for k, _ in n.named_parameters()] == ["scale", "body.weight", "body.bias",
                                                     "head.weight"]
    n.head = Identity()  # replacing a child drops its parameters
    assert [k for k, _ in n.named_parameters()] == ["scale", "body.weight", "body.bias"]


def test_module_without_super_init_gives_clear_error():
    class Bad(Module):
        def __init__(self):
            self.w = Value(1.0)

    with pytest.raises(AttributeError, match="super\\(\\).__init__\\(\\)"):
        Bad()


def test_state_dict_roundtrip_copies():
    a, b = MLP(2, [3], 1, seed=0), MLP(2, [3], 1, seed=1)
    sd = a.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    sd["0.weight"][0, 0] = 123.0  # a copy: the model is untouched
    assert a[0].weight.data[0, 0] != 123.0
    b.load_state_dict(a.state_dict())
    x = np.random.default_rng(0).normal(size=(5, 2))
    np.testing.assert_array_equal(a(x).data, b(x).data)


def test_load_state_dict_missing_and_unexpected_names():
    m = MLP(2, [3], 1, seed=0)
    sd = m.state_dict()
    del sd["2.bias"]
    sd["9.weight"] = np.zeros(1)
    with pytest.raises(ValueError, match=r"missing \['2.bias'\], unexpected \['9.weight'\]"):
        m.load_state_dict(sd)


def test_load_state_dict_shape_mismatch_changes_nothing():
    m = MLP(2, [3], 1, seed=0)
    before = m.state_dict()
    sd = m.state_dict()
    sd["0.bias"] = np.zeros(3)
    sd["2.weight"] = np.zeros((1, 3))
    with pytest.raises(ValueError, match=r"'2.weight' has shape \(1, 3\).*\(3, 1\)"):
        m.load_state_dict(sd)
    np.testing.assert_array_equal(m[0].bias.data, before["0.bias"])


def test_load_state_dict_rejects_non_dict():
    with pytest.raises(TypeError, match="dict"):
        MLP(1, [1], 1).load_state_dict([1, 2])


def test_config_is_json_and_rebuilds():
    for m in (MLP(3, [4, 2], 2, activation="relu", output_activation=None,
                  bias=[True, False, True], seed=0, init="he"),
              Sequential(Linear(2, 3, seed=0, init="xavier"), Tanh(), Linear(3, 1)),
              Linear(2, 2, bias=False, dtype=np.float32)):
        cfg = json.loads(json.dumps(m.config()))
        m2 = from_config(cfg, seed=0)
        assert type(m2) is type(m)
        assert m2.config() == m.config()
        assert [(n, p.shape, p.dtype) for n, p in m2.named_parameters()] == \
            [(n, p.shape, p.dtype) for n, p in m.named_parameters()]


def test_from_config_errors():
    with pytest.raises(ValueError, match="unknown module type 'Conv2d'"):
        from_config({"type": "Conv2d"})
    with pytest.raises(ValueError, match="bad Linear config"):
        from_config({"type": "Linear", "nin": 2})
    with pytest.raises(ValueError, match="'type' key"):
        from_config([1, 2])


def test_custom_module_config_raises_clear_error():
    class Net(Module):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match="Net has no config"):
        Net().config()


def test_repr_shows_tree():
    r = repr(MLP(2, [3], 1, bias=[True, False]))
    assert "(0): Linear(2, 3, bias=True)" in r and "(2): Linear(3, 1, bias=False)" in r


def test_shared_layer_listed_once():
    shared = Linear(2, 2, seed=0)
    seq = Sequential(shared, Tanh(), shared)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert len(seq.parameters()) == 2


@settings(max_examples=25, deadline=None)
@given(batch=st.integers(1, 5), nin=st.integers(1, 6), nout=st.integers(1, 6),
       bias=st.booleans(), seed=st.integers(0, 2**16))
def test_linear_property_vs_torch(batch, nin, nout, bias, seed):
    lin = Linear(nin, nout, bias=bias, seed=seed)
    x = np.random.default_rng(seed).normal(size=(batch, nin))
    g = np.random.default_rng(seed + 1).normal(size=(batch, nout))
    xv = Value(x)
    y = lin(xv)
    y.backward(g)
    ty, (gx, gw, *gb) = torch_grads(lambda tx, tw, *tb: tx @ tw + tb[0] if bias else tx @ tw,
                                    x, lin.weight.data, *([lin.bias.data] if bias else []),
                                    upstream=g)
    np.testing.assert_allclose(y.data, ty, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(lin.weight.grad, gw, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(xv.grad, gx, rtol=1e-13, atol=1e-14)
    if bias:
        np.testing.assert_allclose(lin.bias.grad, gb[0], rtol=1e-13, atol=1e-14)


def test_sequential_labels_parameters_with_their_dotted_names() -> None:
    net = MLP(2, [3], 1, seed=0)
    assert [p.label for p in net.parameters()] == [n for n, _ in net.named_parameters()]
    custom = Linear(2, 2, seed=0)
    custom.weight.label = "W_in"
    assert Sequential(custom).parameters()[0].label == "W_in"  # a user's label is kept
