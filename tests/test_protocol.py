"""The model protocol: every model answers forward, parameters, dense_layers and
set_dense_layers, so nothing above the models asks which kind it has."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_nn import Value
from micrograd_nn.nn import MLP, Linear, ReLU, Sequential, Sigmoid, Tanh
from micrograd_nn.protocol import Dense, Model


def _models():
    yield "mlp", MLP(2, [3, 4], 1, activation="tanh", output_activation="sigmoid", seed=0)
    yield "sequential", Sequential(Linear(2, 3, seed=1), ReLU(), Linear(3, 2, bias=False, seed=2))
    from micrograd_nn.neurons import NeuronNet
    if hasattr(NeuronNet, "set_dense_layers"):
        yield "neuronnet", NeuronNet(2, [3], 1, seed=0)


_IDS = [name for name, _ in _models()]


@pytest.mark.parametrize("name, model", list(_models()), ids=_IDS)
def test_models_satisfy_the_protocol(name, model) -> None:
    assert isinstance(model, Model)
    layers = model.dense_layers()
    assert all(isinstance(d, Dense) for d in layers)
    X = np.random.default_rng(0).normal(size=(5, 2))
    out = model.forward(X)
    assert isinstance(out, Value) and out.shape == (5, layers[-1].weight.shape[1])
    # the dense layers compute what forward computes
    acts = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh,
            "relu": lambda z: np.maximum(z, 0), "identity": lambda z: z}
    h = X
    for d in layers:
        h = acts[d.activation](h @ d.weight + (0 if d.bias is None else d.bias))
    np.testing.assert_allclose(out.data, h, rtol=1e-12)


@pytest.mark.parametrize("name, model", list(_models()), ids=_IDS)
def test_set_dense_layers_round_trip(name, model) -> None:
    layers = model.dense_layers()
    new = [Dense(d.weight + 1.0, None if d.bias is None else d.bias - 1.0, d.activation)
           for d in layers]
    model.set_dense_layers(new)
    for got, want in zip(model.dense_layers(), new, strict=True):
        np.testing.assert_array_equal(got.weight, want.weight)
        if want.bias is not None:
            np.testing.assert_array_equal(got.bias, want.bias)


def test_dense_layers_are_copies() -> None:
    m = MLP(2, [3], 1, seed=0)
    d = m.dense_layers()
    d[0].weight[:] = 5.0
    assert not np.any(m[0].weight.data == 5.0)


def test_set_dense_layers_checks_shapes() -> None:
    m = MLP(2, [3], 1, seed=0)
    d = m.dense_layers()
    with pytest.raises(ValueError, match=r"layer 0 weight has shape \(3, 2\)"):
        m.set_dense_layers([Dense(d[0].weight.T, d[0].bias, "sigmoid"), d[1]])
    with pytest.raises(ValueError, match="1 layers given for a model of 2"):
        m.set_dense_layers(d[:1])
    with pytest.raises(ValueError, match="needs a bias"):
        m.set_dense_layers([Dense(d[0].weight, None, "sigmoid"), d[1]])


def test_non_dense_model_says_why() -> None:
    with pytest.raises(TypeError, match="module 0 .Sigmoid. is not a Linear"):
        Sequential(Sigmoid(), Linear(2, 1)).dense_layers()
    with pytest.raises(TypeError, match="module 2 .Tanh."):
        Sequential(Linear(2, 2), Sigmoid(), Tanh()).dense_layers()
