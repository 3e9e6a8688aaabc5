"""Layers: `Module`, `Linear`, activations, `Sequential` and `MLP` (tensor form).

A layer of the article's network is one [`Linear`][micrograd_nn.nn.Linear]: its `weight` has shape
`(nin, nout)` and `weight[a, b]` is the synapse from input neuron `a` to neuron
`b`; `bias[b]` is the synapse from the layer's bias neuron (always 1) to `b`.
For a batch `x` of shape `(batch, nin)` the layer computes `y = x @ W + b`,
shape `(batch, nout)`, with the fused op `linear` (one graph node per layer).
The neuron-by-neuron scalar form of the same network is [`micrograd_nn.neurons`][].

```pycon
>>> net = MLP(2, [2], 1, seed=0)
>>> [name for name, _ in net.named_parameters()]
['0.weight', '0.bias', '2.weight', '2.bias']
>>> net([[1.0, 0.0]]).shape
(1, 1)

```

A module may also hold constants that are not parameters, *buffers* (PyTorch's name):
a `Value(..., requires_grad=False)` or an ndarray set as an attribute, or any numeric
array given to [`Module.register_buffer`][micrograd_nn.nn.Module.register_buffer]. `parameters()`
leaves them out (an optimizer never sees them); `state_dict()`, `load_state_dict()` and
[`micrograd_nn.serialize`][] keep them beside the parameters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from . import init as _init
from ._data import fmt
from .engine import Value, apply, as_value
from .ops import OPS
from .protocol import Dense, check_dense_layers

_LINEAR = OPS["linear"]


def _is_parameter(v: Any) -> bool:
    return isinstance(v, Value) and v.requires_grad


def _is_buffer(v: Any) -> bool:
    return isinstance(v, np.ndarray) or (isinstance(v, Value) and not v.requires_grad)


def _copy(data: Any) -> Any:
    return data if type(data) is float else np.array(data, copy=True)


class Module:
    """Base class: parameters and buffers found in attribute order, train/eval mode,
    state dicts.

    Assigning a [`Value`][micrograd_nn.engine.Value] to an attribute registers it, assigning a
    Module registers it as a child; `named_parameters()` walks both in assignment order, so names
    ("0.weight") and order are stable. Subclasses call `super().__init__()` first and
    define `forward`.

    A registered Value with `requires_grad` True is a *parameter*; one with
    `requires_grad` False (made so, or made under `no_grad()`), or an ndarray
    attribute, is a *buffer*: a constant of the model (a mask, a normalisation mean)
    that `parameters()` leaves out, so an optimizer never sees it, but that
    `state_dict()`, `load_state_dict()` and `save`/`load` keep.
    `register_buffer(name, value)` adds one explicitly; `named_buffers()` and
    `buffers()` list them. Setting `requires_grad` on a registered Value moves it
    between the two lists.
    """

    # set in __init__ with object.__setattr__ (our __setattr__ needs them first)
    _state: dict[str, Any]
    _children: dict[str, Module]
    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_state", {})  # name -> Value or ndarray, in order
        object.__setattr__(self, "_children", {})
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value: Any) -> None:
        if "_state" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"assigning attributes (while setting {name!r})")
        self._state.pop(name, None)
        self._children.pop(name, None)
        if isinstance(value, (Value, np.ndarray)):
            self._state[name] = value
        elif isinstance(value, Module):
            self._children[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._state.pop(name, None)
        self._children.pop(name, None)
        object.__delattr__(self, name)

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any) -> Any:
        return self.forward(*args)

    # ------------------------------------------------------------ parameters
    def _walk(self, prefix: str, keep: Any) -> list[tuple[str, Module, str, Any]]:
        """`[(dotted name, owner, attribute, value)]` for the registered values that
        `keep` accepts: own ones, then each child's, in order; a value reachable
        twice (a shared layer) is listed once, under its first name."""
        out = [(prefix + n, self, n, v) for n, v in self._state.items() if keep(v)]
        for cname, child in self._children.items():
            out += child._walk(f"{prefix}{cname}.", keep)
        if prefix:
            return out
        seen: set[int] = set()
        unique = []
        for item in out:
            if id(item[3]) not in seen:
                seen.add(id(item[3]))
                unique.append(item)
        return unique

    def named_parameters(self, prefix: str = "") -> list[tuple[str, Value]]:
        """`[(dotted name, Value)]`: own parameters (registered Values with
        `requires_grad`), then each child's, in order.

        A Value reachable twice (a shared layer) is listed once, under its first name.
        """
        return [(n, v) for n, _, _, v in self._walk(prefix, _is_parameter)]

    def parameters(self) -> list[Value]:
        """Every parameter Value, in the order of
        [`named_parameters`][micrograd_nn.nn.Module.named_parameters]."""
        return [p for _, p in self.named_parameters()]

    def param_groups(self) -> list[tuple[str, list[Value]]]:
        """Parameters grouped by layer, for per-layer statistics (gradient norms): the
        prefix of their dotted names ("0" for "0.weight" and "0.bias")."""
        groups: dict[str, list[Value]] = {}
        for name, p in self.named_parameters():
            groups.setdefault(name.rsplit(".", 1)[0] if "." in name else name, []).append(p)
        return list(groups.items())

    def parameter_owners(self) -> list[tuple[Any, str]]:
        """`(object, attribute)` holding each parameter, in
        [`parameters`][micrograd_nn.nn.Module.parameters] order: what a check swaps to run the
        model on other Values (gradcheck_model)."""
        return [(owner, attr) for _, owner, attr, _ in self._walk("", _is_parameter)]

    def named_buffers(self, prefix: str = "") -> list[tuple[str, Any]]:
        """`[(dotted name, buffer)]`: the constant Values (`requires_grad` False) and
        ndarrays registered on this module and its descendants, in order."""
        return [(n, v) for n, _, _, v in self._walk(prefix, _is_buffer)]

    def buffers(self) -> list[Any]:
        """Every buffer (a constant Value or an ndarray), as
        [`named_buffers`][micrograd_nn.nn.Module.named_buffers]."""
        return [b for _, b in self.named_buffers()]

    def register_buffer(self, name: str, value: Any) -> None:
        """Register a constant: `value` a Value with `requires_grad` False, or
        anything `np.asarray` makes a numeric (bool/int/float) array. It becomes the
        attribute `name` and is listed by [`named_buffers`][micrograd_nn.nn.Module.named_buffers],
        not by [`parameters`][micrograd_nn.nn.Module.parameters]."""
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"register_buffer: name must be an identifier (no dots), "
                             f"got {name!r}")
        if name in self._children or (hasattr(self, name) and name not in self._state):
            raise ValueError(f"register_buffer: {name!r} is already an attribute or a child "
                             "module; choose another name")
        if isinstance(value, Value):
            if value.requires_grad:
                raise TypeError(f"register_buffer: {name!r} is a Value with requires_grad"
                                "=True, i.e. a parameter; a buffer is a constant: pass "
                                "Value(..., requires_grad=False) or an array")
        else:
            value = np.asarray(value)
            if value.dtype.kind not in "biuf":
                raise TypeError(f"register_buffer: {name!r} has dtype {value.dtype}; a "
                                "buffer holds numbers (bool, int or float)")
        setattr(self, name, value)

    def modules(self) -> Iterator[Module]:
        """This module and all its descendants, depth first."""
        stack = [self]
        while stack:
            m = stack.pop()
            yield m
            stack.extend(reversed(list(m._children.values())))

    def zero_grad(self) -> None:
        """Reset every parameter's gradient (`p.grad = None`; reads as zeros again)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        """Set `.training` on this module and its descendants; returns self."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Same as `train(False)`."""
        return self.train(False)

    # ------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """`{name: copy of the data}` for the parameters, then the buffers: an ndarray
        per tensor, a float per scalar Value."""
        items = self.named_parameters() + self.named_buffers()
        return {n: _copy(v.data if isinstance(v, Value) else v) for n, v in items}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy `state`'s arrays into the parameters and buffers (cast to each one's
        dtype; an ndarray buffer is written in place).

        Raises ValueError naming the missing or unexpected names, or the entry whose
        shape differs; nothing is changed unless every entry fits.
        """
        if not isinstance(state, dict):
            raise TypeError(f"load_state_dict: expected a dict of name -> array, "
                            f"got {type(state).__name__}")
        slots = {n: ("parameter", self, "", v) for n, v in self.named_parameters()}
        slots.update({n: ("buffer", owner, attr, v)
                      for n, owner, attr, v in self._walk("", _is_buffer)})
        missing = [n for n in slots if n not in state]
        unexpected = [n for n in state if n not in slots]
        if missing or unexpected:
            raise ValueError(f"load_state_dict: {type(self).__name__} names do not match: "
                             f"missing {missing}, unexpected {unexpected}")
        new = {}
        for n, (what, _, _, v) in slots.items():
            arr = np.asarray(state[n])
            data = v.data if isinstance(v, Value) else v
            if arr.shape != np.shape(data):
                raise ValueError(f"load_state_dict: {n!r} has shape {fmt(arr.shape)} but "
                                 f"the model's {what} has shape {fmt(np.shape(data))}")
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"load_state_dict: {n!r} has dtype {arr.dtype}; "
                                "expected numbers")
            new[n] = float(arr) if type(data) is float else arr.astype(data.dtype)
        for n, (_, owner, attr, v) in slots.items():
            if isinstance(v, Value):
                v.data = new[n]
            elif v.flags.writeable:
                v[...] = new[n]
            else:  # a read-only array buffer is replaced
                owner._state[attr] = new[n]
                object.__setattr__(owner, attr, new[n])

    def config(self) -> dict[str, Any]:
        """A JSON-able description of the architecture: `from_config(m.config())`
        builds the same layers (with fresh weights)."""
        raise TypeError(f"{type(self).__name__} has no config(); define config() and "
                        "from_config(), or save only its state_dict()")

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not self._children:
            return head + ")"
        lines = [f"  ({n}): " + repr(c).replace("\n", "\n  ") for n, c in self._children.items()]
        return head + "\n" + "\n".join(lines) + "\n)"


def _check_size(what: str, n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return int(n)


class Linear(Module):
    """`y = x @ weight + bias`; x: shape (batch, nin) or (nin,) -> (batch, nout) / (nout,).

    `x`: a Value, an ndarray or a (nested) list of numbers; one fused `linear` node.

    `weight`: Value of shape (nin, nout), `weight[a, b]` = synapse input a -> neuron b.
    `bias`: Value of shape (nout,), the bias neuron's synapses, or None (`bias=False`).
    `init`: "uniform" (U(-1, 1), the article's small random weights), "xavier" or
    "he" (see [`micrograd_nn.init`][]); `seed`: int, Generator or None.
    """

    def __init__(self, nin: int, nout: int, bias: bool = True, seed: Any = None,
                 init: str = "uniform", dtype: Any = np.float64) -> None:
        super().__init__()
        self.nin = _check_size("Linear: nin", nin)
        self.nout = _check_size("Linear: nout", nout)
        self.init = init
        dt = np.dtype(dtype)
        if dt.kind != "f":
            raise TypeError(f"Linear: dtype must be a float dtype, got {dt}")
        w, b = _init.init_linear(init, _init.make_rng(seed), self.nin, self.nout,
                                 bool(bias), dt)
        self.weight = Value(w, label="weight")
        self.bias = None if b is None else Value(b, label="bias")

    def forward(self, x: Any) -> Value:
        shape = x.shape if type(x) is Value else np.shape(x)
        if len(shape) not in (1, 2) or shape[-1] != self.nin:
            raise ValueError(f"Linear({self.nin}, {self.nout}): input of shape {fmt(shape)} "
                             f"does not fit; expected (batch, {self.nin}) or ({self.nin},) "
                             f"(its last dimension must equal nin={self.nin})")
        return apply(_LINEAR, x, self.weight, self.bias)

    def config(self) -> dict[str, Any]:
        return {"type": "Linear", "nin": self.nin, "nout": self.nout,
                "bias": self.bias is not None, "init": self.init,
                "dtype": str(self.weight.dtype)}

    def extra_repr(self) -> str:
        return f"{self.nin}, {self.nout}, bias={self.bias is not None}"


class _Activation(Module):
    name = ""

    def forward(self, x: Any) -> Value:
        return getattr(as_value(x), self.name)()

    def config(self) -> dict[str, Any]:
        return {"type": type(self).__name__}


class Sigmoid(_Activation):
    """1 / (1 + exp(-x)), elementwise; any shape."""

    name = "sigmoid"


class Tanh(_Activation):
    """tanh(x), elementwise; any shape."""

    name = "tanh"


class ReLU(_Activation):
    """max(x, 0), elementwise; any shape."""

    name = "relu"


class Identity(_Activation):
    """x unchanged (a Value: plain arrays become constants)."""

    name = "identity"

    def forward(self, x: Any) -> Value:
        return as_value(x)


ACTIVATIONS: dict[str, type[_Activation]] = {
    "sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU, "identity": Identity}


def make_activation(name: str | None) -> _Activation:
    """The activation module for a name: "sigmoid", "tanh", "relu", "identity" or None."""
    key = "identity" if name is None else name
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of "
                         f"{sorted(ACTIVATIONS)} or None")
    return ACTIVATIONS[key]()


class Sequential(Module):
    """Calls its modules in order; `seq[i]` (a slice gives a Sequential), `len(seq)`.

    Children are named "0", "1", ..., so parameters are "0.weight", "0.bias", ...
    """

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: item {i} is a {type(m).__name__}, "
                                "not a Module")
            setattr(self, str(i), m)
        for name, p in self.named_parameters():  # drawings say "2.weight", not "weight"
            if p.label == name.rsplit(".", 1)[-1]:
                p.label = name

    def forward(self, x: Any) -> Any:
        for m in self._children.values():
            x = m(x)
        return x

    def __len__(self) -> int:
        return len(self._children)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._children.values()))

    def __getitem__(self, i: int | slice) -> Any:
        mods = list(self._children.values())
        if isinstance(i, slice):
            return Sequential(*mods[i])
        return mods[i]

    def config(self) -> dict[str, Any]:
        return {"type": "Sequential", "modules": [m.config() for m in self]}

    # ------------------------------------------------------------ the model protocol
    def _dense_pairs(self) -> list[tuple[Linear, str]]:
        """Each Linear with the activation right after it ("identity" if none)."""
        pairs: list[tuple[Linear, str]] = []
        after_linear = False
        for i, m in enumerate(self):
            if isinstance(m, Linear):
                pairs.append((m, "identity"))
                after_linear = True
            elif isinstance(m, _Activation) and after_linear:
                pairs[-1] = (pairs[-1][0], m.name)
                after_linear = False
            else:
                raise TypeError(f"dense_layers: module {i} ({type(m).__name__}) is not a "
                                "Linear or one activation after a Linear, so this model is "
                                "not a stack of dense layers (fit still trains it)")
        if not pairs:
            raise TypeError("dense_layers: the model has no Linear layer")
        return pairs

    def dense_layers(self) -> list[Dense]:
        """The network as dense layers, input side first (copies of the weights):
        `Dense(weight (nin, nout), bias (nout,) or None, activation)`."""
        return [Dense(lin.weight.data.copy(), None if lin.bias is None else lin.bias.data.copy(),
                      act) for lin, act in self._dense_pairs()]

    def set_dense_layers(self, layers: Any) -> None:
        """Write `[(weight, bias, ...), ...]` (the shapes of
        [`dense_layers`][micrograd_nn.nn.Sequential.dense_layers]) into the parameters, in place
        (optimizers and views keep seeing the same arrays)."""
        pairs = self._dense_pairs()
        new = check_dense_layers(self.dense_layers(), layers, "set_dense_layers")
        for (lin, _), lay in zip(pairs, new, strict=True):
            lin.weight.data[...] = lay.weight
            if lin.bias is not None:
                lin.bias.data[...] = lay.bias


class MLP(Sequential):
    """A multilayer perceptron: `Linear, act, Linear, act, ..., Linear, output_act`.

    Layer sizes are `[nin, *hidden, nout]`; `self[2*i]` is the i-th Linear and
    `self[2*i + 1]` its activation (an [`Identity`][micrograd_nn.nn.Identity] for "identity"/None),
    so parameter names are "0.weight", "0.bias", "2.weight", ...

    `bias`: a bool for every layer, or a list with one bool per Linear layer
    (`len(hidden) + 1`). `bias[i]` says whether layer `i` of neurons (0 = the
    input layer, then the hidden layers) has a bias neuron; its synapses are the
    `bias` of Linear `i`, the one feeding layer `i + 1`. The output layer never has
    a bias neuron: what the article calls "the output layer's bias" is the bias neuron
    of the last hidden layer, i.e. `bias[-1]` (the bias of the last Linear).

    `init`: a scheme name for every layer, or None to pick per layer by the
    activation that follows it (Xavier for sigmoid/tanh/identity, He for relu).
    `seed`: one Generator (from an int) draws all layers in order.
    """

    def __init__(self, nin: int, hidden: list[int], nout: int, activation: str | None = "sigmoid",
                 output_activation: str | None = "sigmoid", bias: bool | list[bool] = True,
                 seed: Any = None, init: str | None = None, dtype: Any = np.float64) -> None:
        if isinstance(hidden, (int, np.integer)) or not isinstance(hidden, (list, tuple)):
            raise TypeError(f"MLP: hidden must be a list of layer widths, e.g. [4] for one "
                            f"hidden layer of 4 neurons, got {hidden!r}")
        sizes = [_check_size("MLP: nin", nin)]
        sizes += [_check_size(f"MLP: hidden[{i}]", h) for i, h in enumerate(hidden)]
        sizes.append(_check_size("MLP: nout", nout))
        nlin = len(sizes) - 1
        if isinstance(bias, (bool, np.bool_)):
            biases = [bool(bias)] * nlin
        elif isinstance(bias, (list, tuple)) and len(bias) == nlin and all(
                isinstance(b, (bool, np.bool_)) for b in bias):
            biases = [bool(b) for b in bias]
        else:
            raise ValueError(f"MLP: bias must be a bool or a list of {nlin} bools (one per "
                             f"Linear layer: the input and each hidden layer), got {bias!r}")
        acts = [activation] * (nlin - 1) + [output_activation]
        mods: list[Module] = []
        rng = _init.make_rng(seed)
        for i in range(nlin):
            act = make_activation(acts[i])
            scheme = _init.scheme_for(act.name) if init is None else init
            mods += [Linear(sizes[i], sizes[i + 1], biases[i], rng, scheme, dtype), act]
        super().__init__(*mods)
        self.sizes = sizes
        # canonical names: None -> "identity"
        self.activation = make_activation(activation).name
        self.output_activation = act.name  # the last activation, mods[-1]
        self.bias_layers, self.init_scheme = biases, init
        self.dtype = str(np.dtype(dtype))

    @property
    def linears(self) -> list[Linear]:
        """The Linear layers, input side first."""
        return [m for m in self if isinstance(m, Linear)]

    @property
    def activations(self) -> list[str]:
        """The activation name after each Linear ("sigmoid", ..., "identity")."""
        return [m.name for m in self if isinstance(m, _Activation)]

    def config(self) -> dict[str, Any]:
        return {"type": "MLP", "nin": self.sizes[0], "hidden": self.sizes[1:-1],
                "nout": self.sizes[-1], "activation": self.activation,
                "output_activation": self.output_activation, "bias": self.bias_layers,
                "init": self.init_scheme, "dtype": self.dtype}

    def extra_repr(self) -> str:
        return f"sizes={self.sizes}"


def from_config(config: dict[str, Any], seed: Any = None) -> Module:
    """Build a module of this file from its `config()` (weights freshly initialised).

    Raises ValueError for an unknown `type` or missing/extra keys.
    """
    if not isinstance(config, dict) or "type" not in config:
        raise ValueError(f"from_config: expected a dict with a 'type' key, got {config!r}")
    kind = config["type"]
    args = {k: v for k, v in config.items() if k != "type"}
    try:
        for act in ACTIVATIONS.values():
            if kind == act.__name__:
                return act(**args)
        if kind == "Linear":
            return Linear(**args, seed=seed)
        if kind == "MLP":
            return MLP(**args, seed=seed)
        if kind == "Sequential":
            rng = _init.make_rng(seed)
            return Sequential(*(from_config(c, rng) for c in args["modules"]))
    except (TypeError, KeyError) as e:
        raise ValueError(f"from_config: bad {kind} config {config!r}: {e}") from None
    raise ValueError(f"from_config: unknown module type {kind!r}; known: Linear, Sigmoid, "
                     "Tanh, ReLU, Identity, Sequential, MLP")
