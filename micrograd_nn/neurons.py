"""The article's picture, neuron by neuron: scalar synapses, visible sums and outputs.

[`NeuronNet`][micrograd_nn.neurons.NeuronNet] is the same network as [`micrograd_nn.nn.MLP`][], but
every synapse is its own scalar [`Value`][micrograd_nn.engine.Value] (labelled "w1", "w2", ... in
the article's order, or `"w[l][a->b]"`) and every neuron is a
[`Neuron`][micrograd_nn.neurons.Neuron] whose `input` (the weighted sum) and `output` (after the
activation) are kept from the last forward pass. Use it to look at one training step; use the MLP to
train fast. They convert both ways ([`NeuronNet.from_mlp`][micrograd_nn.neurons.NeuronNet.from_mlp],
[`NeuronNet.to_mlp`][micrograd_nn.neurons.NeuronNet.to_mlp]) and train to the same weights with the
same optimizer.

Names and numbering are the article's, from [`micrograd_nn.notation`][]. Layers are
numbered 0 (input) to L (output). Layer `l < L` may have a bias neuron ("B{l+1}",
output always 1, no inputs) with a synapse to every neuron of layer `l + 1`; it is
the `bias` of the l-th [`Linear`][micrograd_nn.nn.Linear], and the output layer never
has one. Numbered synapses go layer by layer, source by source (the bias neuron
last), target by target: in the 2-2-1 net w1 = I1->H1, w2 = I1->H2, w3 = I2->H1,
w4 = I2->H2, w5 = H1->O1, w6 = H2->O1.

```pycon
>>> net = NeuronNet.article_xor()
>>> round(net([1.0, 0.0])[0].data, 6)
0.340491
>>> [n.name for n in net.layers[1]], round(net.layers[1][0].output.data, 6)
(['H1', 'H2'], 0.610639)

```
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from .engine import Value, as_value
from .nn import MLP, Module
from .notation import ARTICLE_WEIGHTS, bias_name, neuron_names, synapse_names
from .protocol import Dense, check_dense_layers


class Synapse:
    """A weighted connection `source -> target`; `weight` is a scalar Value."""

    __slots__ = ("source", "target", "weight")

    def __init__(self, source: Neuron, target: Neuron, weight: Value) -> None:
        self.source, self.target, self.weight = source, target, weight

    @property
    def name(self) -> str:
        return self.weight.label

    def __repr__(self) -> str:
        return f"Synapse({self.name}: {self.source.name}->{self.target.name}, " \
               f"w={self.weight.data:.6g})"


class Neuron:
    """One neuron. `kind`: "input", "hidden", "output" or "bias".

    After a forward pass `input` is the Value `Σ source.output · w` over
    `incoming` (None for input and bias neurons) and `output` is
    `activation(input)` (the given input for an input neuron, 1 for a bias neuron).
    """

    __slots__ = ("name", "kind", "layer", "index", "activation", "incoming", "outgoing",
                 "input", "output")

    def __init__(self, name: str, kind: str, layer: int, index: int,
                 activation: str | None = None) -> None:
        self.name, self.kind, self.layer, self.index = name, kind, layer, index
        self.activation = activation
        self.incoming: list[Synapse] = []
        self.outgoing: list[Synapse] = []
        self.input: Value | None = None
        self.output: Value | None = Value(1.0, label=name, requires_grad=False) \
            if kind == "bias" else None

    def __repr__(self) -> str:
        out = "" if self.output is None else f", out={self.output.data:.6g}"
        return f"Neuron({self.name}, {self.kind}{out})"


class NeuronNet(Module):
    """A fully connected net of scalar neurons; same arguments as [`MLP`][micrograd_nn.nn.MLP].

    `weights` (optional): one `(W, b)` per layer, W of shape (n_l, n_{l+1}) with
    `W[a, b]` the synapse a -> b, and b of shape (n_{l+1},) or None; without it weights
    are drawn exactly as `MLP(..., seed=seed, init=init)` draws them.
    `naming`: "numbered" ("w1", "w2", ...) or "index" (`"w[l][a->b]"`, the bias
    neuron's synapses `"w[l][B->b]"`).
    """

    def __init__(self, nin: int, hidden: list[int], nout: int, activation: str | None = "sigmoid",
                 output_activation: str | None = "sigmoid", bias: bool | list[bool] = True,
                 seed: Any = None, init: str | None = None, naming: str = "numbered",
                 weights: list[tuple[Any, Any]] | None = None) -> None:
        super().__init__()
        # MLP validates sizes, bias and activations and draws the weights.
        ref = MLP(nin, hidden, nout, activation, output_activation, bias,
                  seed=seed if weights is None else 0, init=init)
        if naming not in ("numbered", "index"):
            raise ValueError(f"NeuronNet: naming must be 'numbered' or 'index', got {naming!r}")
        self.sizes, self.naming = list(ref.sizes), naming
        self.activation, self.output_activation = ref.activation, ref.output_activation
        self.bias_layers = list(ref.bias_layers)
        nl = len(self.sizes) - 1
        if weights is None:
            weights = [(lin.weight.data, None if lin.bias is None else lin.bias.data)
                       for lin in ref.linears]
        elif not isinstance(weights, (list, tuple)) or len(weights) != nl:
            raise ValueError(f"NeuronNet: weights must be a list of {nl} (W, b) pairs, "
                             f"one per layer of synapses")
        self._build(weights, ref.activations)

    def _build(self, weights: list[tuple[Any, Any]], acts: list[str]) -> None:
        sizes, nl = self.sizes, len(self.sizes) - 1
        self.layers: list[list[Neuron]] = []
        self.bias_neurons: list[Neuron | None] = []
        self.synapses: list[Synapse] = []
        for li, names in enumerate(neuron_names(sizes)):
            kind = "input" if li == 0 else "output" if li == nl else "hidden"
            act = None if li == 0 else acts[li - 1]
            self.layers.append([Neuron(nm, kind, li, k, act) for k, nm in enumerate(names)])
            has_b = li < nl and self.bias_layers[li]
            self.bias_neurons.append(Neuron(bias_name(li), "bias", li, len(names))
                                     if has_b else None)
        numbered = synapse_names(sizes, list(self.bias_layers))
        for li, (w, b) in enumerate(weights):
            w = np.asarray(w, dtype=np.float64)
            want = (sizes[li], sizes[li + 1])
            if w.shape != want:
                raise ValueError(f"NeuronNet: weights[{li}] W has shape {tuple(w.shape)}, "
                                 f"expected {want}")
            if (b is not None) != self.bias_layers[li]:
                raise ValueError(f"NeuronNet: weights[{li}] bias is "
                                 f"{'given' if b is not None else 'None'} but bias for "
                                 f"layer {li} is {self.bias_layers[li]}")
            srcs = list(self.layers[li]) + (  # b given: the layer has a bias neuron (above)
                [cast(Neuron, self.bias_neurons[li])] if b is not None else [])
            rows = list(w) + ([np.asarray(b, dtype=np.float64).reshape(sizes[li + 1])]
                              if b is not None else [])
            wn, bn = numbered[li]
            for a, (src, row) in enumerate(zip(srcs, rows, strict=True)):
                for k, dst in enumerate(self.layers[li + 1]):
                    if self.naming == "numbered":
                        label = cast(np.ndarray, bn)[k] if src.kind == "bias" else wn[a, k]
                    else:
                        label = f"w[{li}][{'B' if src.kind == 'bias' else a}->{k}]"
                    s = Synapse(src, dst, Value(float(row[k]), label=label))
                    src.outgoing.append(s)
                    dst.incoming.append(s)
                    self.synapses.append(s)

    # ------------------------------------------------------------ constructors
    @classmethod
    def article_xor(cls) -> NeuronNet:
        """The article's 2-2-1 sigmoid net without bias neurons, with
        `ARTICLE_WEIGHTS`: w1=0.45 (I1->H1), w2=0.78
        (I1->H2), w3=-0.12 (I2->H1), w4=0.13 (I2->H2), w5=1.5 (H1->O1), w6=-2.3 (H2->O1)."""
        ws, bs = ARTICLE_WEIGHTS
        return cls(2, [2], 1, bias=False, weights=list(zip(ws, bs, strict=True)))

    @classmethod
    def from_mlp(cls, mlp: Module, naming: str = "numbered") -> NeuronNet:
        """The neuron form of an [`MLP`][micrograd_nn.nn.MLP] (or a Sequential alternating Linear
        and activation modules, one activation for all hidden layers), read through the model
        protocol (`mlp.dense_layers()`); weights are copied."""
        dense = getattr(mlp, "dense_layers", None)
        if not callable(dense):
            raise TypeError(f"NeuronNet.from_mlp: expected an MLP or Sequential (a model with "
                            f"dense_layers()), got {type(mlp).__name__}")
        try:
            layers = list(dense())
        except TypeError as e:  # not a plain stack of Linear + activation
            raise ValueError(f"NeuronNet.from_mlp: {e}; only Linear layers each followed by "
                             "one activation convert") from e
        for a, b in zip(layers, layers[1:], strict=False):
            if a.weight.shape[1] != b.weight.shape[0]:
                raise ValueError(f"NeuronNet.from_mlp: Linear layers do not chain: "
                                 f"{a.weight.shape[1]} outputs feed {b.weight.shape[0]} inputs")
        acts = [d.activation for d in layers]
        if len(set(acts[:-1])) > 1:
            raise ValueError(f"NeuronNet.from_mlp: hidden layers use different activations "
                             f"{acts[:-1]}; NeuronNet takes one hidden activation")
        sizes = [layers[0].weight.shape[0]] + [d.weight.shape[1] for d in layers]
        return cls(sizes[0], sizes[1:-1], sizes[-1],
                   activation=acts[0] if len(acts) > 1 else "sigmoid",
                   output_activation=acts[-1], bias=[d.bias is not None for d in layers],
                   naming=naming, weights=[(d.weight, d.bias) for d in layers])

    def to_mlp(self) -> MLP:
        """The tensor form: an [`MLP`][micrograd_nn.nn.MLP] with a copy of these weights."""
        mlp = MLP(self.sizes[0], self.sizes[1:-1], self.sizes[-1], self.activation,
                  self.output_activation, list(self.bias_layers), seed=0)
        for lin, (w, b) in zip(mlp.linears, self.weight_arrays(), strict=True):
            lin.weight.data = w
            if b is not None:
                cast(Value, lin.bias).data = b  # built with the same bias layers
        return mlp

    def weight_arrays(self) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """One `(W, b)` per layer of synapses, as in `Linear` (copies)."""
        out = []
        for li in range(len(self.sizes) - 1):
            w = np.array([[s.weight.data for s in src.outgoing] for src in self.layers[li]])
            bn = self.bias_neurons[li]
            b = None if bn is None else np.array([s.weight.data for s in bn.outgoing])
            out.append((w.reshape(self.sizes[li], self.sizes[li + 1]), b))
        return out

    def dense_layers(self) -> list[Dense]:
        """The model protocol's view ([`micrograd_nn.protocol`][]): one
        `Dense(weight (n_l, n_{l+1}), bias (n_{l+1},) or None, activation)` per layer of
        synapses, input side first (copies); what the delta-rule oracle
        ([`micrograd_nn.deltas`][]) and the drawings read."""
        return [Dense(w, b, act) for (w, b), act in zip(self.weight_arrays(), self.activations,
                                                         strict=True)]

    def set_dense_layers(self, layers: Any) -> None:
        """Write `[(weight (n_l, n_{l+1}), bias or None, ...), ...]` into the synapses'
        weights (the model protocol's write side; shapes as
        [`dense_layers`][micrograd_nn.neurons.NeuronNet.dense_layers])."""
        new = check_dense_layers(self.dense_layers(), layers, "set_dense_layers")
        for li, lay in enumerate(new):
            for a, src in enumerate(self.layers[li]):
                for s, w in zip(src.outgoing, lay.weight[a], strict=True):
                    s.weight.data = float(w)
            bn = self.bias_neurons[li]
            if bn is not None:
                for s, w in zip(bn.outgoing, cast(np.ndarray, lay.bias), strict=True):
                    s.weight.data = float(w)

    # ------------------------------------------------------------ use
    def forward(self, x: Any) -> Any:
        """One sample, the article's way: `x` a sequence of nin numbers or scalar
        Values -> a list of nout output Values (always a list, even for one output).

        A batch, the model protocol's way: `x` of shape `(n, nin)` (a 2-D array or
        list of rows) -> one Value of shape `(n, nout)` stacking each sample's scalar
        outputs, so `fit`, `predict` and the losses treat both forms alike.
        """
        if isinstance(x, Value) and x.ndim == 2:
            x = x.data
        if (isinstance(x, np.ndarray) and x.ndim == 2) or (
                isinstance(x, (list, tuple)) and x and isinstance(x[0], (list, tuple, np.ndarray))):
            rows = [self.forward(list(xi)) for xi in x]
            n, nout = len(rows), self.sizes[-1]
            return np.stack([o for row in rows for o in row]).reshape(n, nout)
        xs = list(x.data) if type(x) is Value and type(x.data) is not float else x
        if isinstance(xs, np.ndarray):
            if xs.ndim != 1:
                raise ValueError(f"NeuronNet: takes one sample of shape ({self.sizes[0]},), "
                                 f"got shape {tuple(xs.shape)}; loop over a batch")
            xs = list(xs)
        if not isinstance(xs, (list, tuple)) or len(xs) != self.sizes[0]:
            got = len(xs) if isinstance(xs, (list, tuple)) else type(xs).__name__
            raise ValueError(f"NeuronNet: expected {self.sizes[0]} inputs, got {got}")
        for neuron, xi in zip(self.layers[0], xs, strict=True):
            if isinstance(xi, (list, tuple, np.ndarray)):
                raise ValueError("NeuronNet: takes one sample (a flat list of numbers); "
                                 "loop over a batch")
            neuron.output = as_value(xi)
        for layer in self.layers[1:]:
            for dst in layer:
                terms = [s.weight if s.source.kind == "bias" else s.source.output * s.weight
                         for s in dst.incoming]
                total = terms[0]
                for t in terms[1:]:
                    total = total + t
                total.label = f"{dst.name}.in"
                dst.input = total
                act = cast(str, dst.activation)  # set for every neuron past the inputs
                out = total if act == "identity" else getattr(total, act)()
                if out is not total:
                    out.label = f"{dst.name}.out"
                dst.output = out
        return [n.output for n in self.layers[-1]]

    @property
    def activations(self) -> list[str]:
        """The activation name of each layer of neurons after the input, as
        `MLP.activations` lists it."""
        return [self.activation] * (len(self.sizes) - 2) + [self.output_activation]

    def synapse(self, name: str) -> Synapse:
        """The synapse labelled `name` (e.g. "w5")."""
        for s in self.synapses:
            if s.name == name:
                return s
        raise KeyError(f"NeuronNet: no synapse named {name!r}; names are "
                       f"{[s.name for s in self.synapses]}")

    def neurons(self) -> list[Neuron]:
        """Every neuron, layer by layer, each layer's bias neuron last."""
        out: list[Neuron] = []
        for layer, bn in zip(self.layers, self.bias_neurons, strict=True):
            out += layer + ([bn] if bn is not None else [])
        return out

    def named_parameters(self, prefix: str = "") -> list[tuple[str, Value]]:
        """`[(label, weight)]` for every synapse, in numbering order."""
        return [(prefix + s.name, s.weight) for s in self.synapses]

    def param_groups(self) -> list[tuple[str, list[Value]]]:
        """The synapses grouped by the layer of neurons they feed: "layer1", ..."""
        return [(f"layer{li}", [s.weight for s in self.synapses if s.target.layer == li])
                for li in range(1, len(self.sizes))]

    def parameter_owners(self) -> list[tuple[Any, str]]:
        """Each synapse and its `weight` attribute, in `parameters` order."""
        return [(s, "weight") for s in self.synapses]

    def config(self) -> dict[str, Any]:
        return {"type": "NeuronNet", "nin": self.sizes[0], "hidden": self.sizes[1:-1],
                "nout": self.sizes[-1], "activation": self.activation,
                "output_activation": self.output_activation, "bias": self.bias_layers,
                "naming": self.naming}

    @classmethod
    def from_config(cls, config: dict[str, Any], seed: Any = None) -> NeuronNet:
        args = {k: v for k, v in config.items() if k != "type"}
        try:
            return cls(**args, seed=seed)
        except TypeError as e:
            raise ValueError(f"NeuronNet.from_config: bad config {config!r}: {e}") from None

    def extra_repr(self) -> str:
        return f"sizes={self.sizes}, bias={self.bias_layers}, {len(self.synapses)} synapses"


__all__ = ["Neuron", "NeuronNet", "Synapse"]
