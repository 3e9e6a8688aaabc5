"""The model protocol: what training, checking, drawing and saving ask of a model.

PyTorch code never asks "is this an MLP or a Sequential?"; it asks the module. Here
every model ([`MLP`][micrograd_nn.nn.MLP], [`Sequential`][micrograd_nn.nn.Sequential] of
`Linear` and activations, the article's neuron-by-neuron
[`NeuronNet`][micrograd_nn.neurons.NeuronNet]) answers the same four questions:

* `forward(X)`: a batch `X` of shape `(n, nin)` to a Value of shape `(n, nout)`;
* `parameters()`: the Values to train;
* `dense_layers()`: the network as dense layers, input side first, each a
  [`Dense`][micrograd_nn.protocol.Dense] of arrays (copies) — what the delta rule, the drawings, the
  diagnosis and the genetic trainer read;
* `set_dense_layers(layers)`: write such arrays back into the model's parameters.

A model whose modules are not a plain stack of dense layers (a custom module) still
trains with `fit`; `dense_layers` then raises a TypeError saying why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol, runtime_checkable

import numpy as np

__all__ = ["Dense", "Model", "check_dense_layers"]


class Dense(NamedTuple):
    """One layer of synapses: `out = activation(x @ weight + bias)`.

    `weight`: shape `(nin, nout)`, row `a` column `b` the synapse from input
    `a` to neuron `b` (the article's drawing); `bias`: shape `(nout,)`, the
    bias neuron's synapses, or None without a bias neuron; `activation`: "sigmoid",
    "tanh", "relu" or "identity".
    """

    weight: np.ndarray
    bias: np.ndarray | None
    activation: str


@runtime_checkable
class Model(Protocol):
    """What [`fit`][micrograd_nn.train.fit] and the tools above it need of a model."""

    def forward(self, X: Any) -> Any: ...

    def parameters(self) -> list[Any]: ...

    def dense_layers(self) -> list[Dense]: ...

    def set_dense_layers(self, layers: Sequence[Dense]) -> None: ...


def check_dense_layers(current: Sequence[Dense], new: Sequence[Any], who: str) -> list[Dense]:
    """The `new` layers as [`Dense`][micrograd_nn.protocol.Dense], after checking that they have the
    shapes (and bias or no bias) of `current`; a ValueError naming `who` otherwise."""
    if len(new) != len(current):
        raise ValueError(f"{who}: {len(new)} layers given for a model of {len(current)}")
    out = []
    for i, (cur, lay) in enumerate(zip(current, new, strict=True)):
        w, b = np.asarray(lay[0]), None if lay[1] is None else np.asarray(lay[1])
        act = lay[2] if len(lay) > 2 else cur.activation
        if w.shape != cur.weight.shape:
            raise ValueError(f"{who}: layer {i} weight has shape {w.shape}, the model's "
                             f"has {cur.weight.shape}")
        if (b is None) != (cur.bias is None) or (b is not None and cur.bias is not None
                                                 and b.shape != cur.bias.shape):
            want = "no bias" if cur.bias is None else f"a bias of shape {cur.bias.shape}"
            raise ValueError(f"{who}: layer {i} needs {want}")
        out.append(Dense(w, b, act))
    return out
