"""Layers: ``Module``, ``Linear``, activations, ``Sequential`` and ``MLP`` (tensor form).

A layer of the article's network is one :class:`Linear`: its ``weight`` has shape
``(nin, nout)`` and ``weight[a, b]`` is the synapse from input neuron ``a`` to neuron
``b``; ``bias[b]`` is the synapse from the layer's bias neuron (always 1) to ``b``.
For a batch ``x`` of shape ``(batch, nin)`` the layer computes ``y = x @ W + b``,
shape ``(batch, nout)``, with the fused op ``linear`` (one graph node per layer).
The neuron-by-neuron scalar form of the same network is :mod:`micrograd_nn.neurons`.

>>> net = MLP(2, [2], 1, seed=0)
>>> [name for name, _ in net.named_parameters()]
['0.weight', '0.bias', '2.weight', '2.bias']
>>> net([[1.0, 0.0]]).shape
(1, 1)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from . import init as _init
from .engine import Value, apply, as_value
from .ops import OPS

_LINEAR = OPS["linear"]


def _fmt(shape: tuple[int, ...]) -> str:
    return str(tuple(shape))


class Module:
    """Base class: parameters found in attribute order, train/eval mode, state dicts.

    Assigning a :class:`Value` to an attribute registers it as a parameter, assigning
    a Module registers it as a child; ``named_parameters()`` walks both in assignment
    order, so names ("0.weight") and order are stable. Subclasses call
    ``super().__init__()`` first and define ``forward``.
    """

    def __init__(self) -> None:
        object.__setattr__(self, "_params", {})
        object.__setattr__(self, "_children", {})
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value: Any) -> None:
        if "_params" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"assigning attributes (while setting {name!r})")
        self._params.pop(name, None)
        self._children.pop(name, None)
        if isinstance(value, Value):
            self._params[name] = value
        elif isinstance(value, Module):
            self._children[name] = value
        object.__setattr__(self, name, value)

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any) -> Any:
        return self.forward(*args)

    # ------------------------------------------------------------ parameters
    def named_parameters(self, prefix: str = "") -> list[tuple[str, Value]]:
        """``[(dotted name, Value)]``: own parameters, then each child's, in order.

        A Value reachable twice (a shared layer) is listed once, under its first name.
        """
        out = [(prefix + n, p) for n, p in self._params.items()]
        for cname, child in self._children.items():
            out += child.named_parameters(f"{prefix}{cname}.")
        if prefix:
            return out
        seen: set[int] = set()
        unique = []
        for n, p in out:
            if id(p) not in seen:
                seen.add(id(p))
                unique.append((n, p))
        return unique

    def parameters(self) -> list[Value]:
        """Every parameter Value, in the order of :meth:`named_parameters`."""
        return [p for _, p in self.named_parameters()]

    def modules(self) -> Iterator[Module]:
        """This module and all its descendants, depth first."""
        stack = [self]
        while stack:
            m = stack.pop()
            yield m
            stack.extend(reversed(list(m._children.values())))

    def zero_grad(self) -> None:
        """Reset every parameter's gradient (``p.grad = None``; reads as zeros again)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        """Set ``.training`` on this module and its descendants; returns self."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Same as ``train(False)``."""
        return self.train(False)

    # ------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """``{name: copy of the data}``: an ndarray per tensor parameter, a float per
        scalar one."""
        return {n: (p.data if type(p.data) is float else p.data.copy())
                for n, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy ``state``'s arrays into the parameters (cast to each one's dtype).

        Raises ValueError naming the missing or unexpected names, or the parameter
        whose shape differs; nothing is changed unless every entry fits.
        """
        if not isinstance(state, dict):
            raise TypeError(f"load_state_dict: expected a dict of name -> array, "
                            f"got {type(state).__name__}")
        params = dict(self.named_parameters())
        missing = [n for n in params if n not in state]
        unexpected = [n for n in state if n not in params]
        if missing or unexpected:
            raise ValueError(f"load_state_dict: {type(self).__name__} names do not match: "
                             f"missing {missing}, unexpected {unexpected}")
        new = {}
        for n, p in params.items():
            arr = np.asarray(state[n])
            if arr.shape != p.shape:
                raise ValueError(f"load_state_dict: {n!r} has shape {_fmt(arr.shape)} but "
                                 f"the model's parameter has shape {_fmt(p.shape)}")
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"load_state_dict: {n!r} has dtype {arr.dtype}; "
                                "expected numbers")
            new[n] = float(arr) if type(p.data) is float else arr.astype(p.data.dtype)
        for n, p in params.items():
            p.data = new[n]

    def config(self) -> dict[str, Any]:
        """A JSON-able description of the architecture: ``from_config(m.config())``
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
    """``y = x @ weight + bias``; x: shape (batch, nin) or (nin,) -> (batch, nout) / (nout,).

    ``x``: a Value, an ndarray or a (nested) list of numbers; one fused ``linear`` node.

    ``weight``: Value of shape (nin, nout), ``weight[a, b]`` = synapse input a -> neuron b.
    ``bias``: Value of shape (nout,), the bias neuron's synapses, or None (``bias=False``).
    ``init``: "uniform" (U(-1, 1), the article's small random weights), "xavier" or
    "he" (see :mod:`micrograd_nn.init`); ``seed``: int, Generator or None.
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
            raise ValueError(f"Linear({self.nin}, {self.nout}): input of shape {_fmt(shape)} "
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


def make_activation(name: str | None) -> Module:
    """The activation module for a name: "sigmoid", "tanh", "relu", "identity" or None."""
    key = "identity" if name is None else name
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of "
                         f"{sorted(ACTIVATIONS)} or None")
    return ACTIVATIONS[key]()


class Sequential(Module):
    """Calls its modules in order; ``seq[i]`` (a slice gives a Sequential), ``len(seq)``.

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


class MLP(Sequential):
    """A multilayer perceptron: ``Linear, act, Linear, act, ..., Linear, output_act``.

    Layer sizes are ``[nin, *hidden, nout]``; ``self[2*i]`` is the i-th Linear and
    ``self[2*i + 1]`` its activation (an :class:`Identity` for "identity"/None), so
    parameter names are "0.weight", "0.bias", "2.weight", ...

    ``bias``: a bool for every layer, or a list with one bool per Linear layer
    (``len(hidden) + 1``). ``bias[i]`` says whether layer ``i`` of neurons (0 = the
    input layer, then the hidden layers) has a bias neuron; its synapses are the
    ``bias`` of Linear ``i``, the one feeding layer ``i + 1``. The output layer never has
    a bias neuron: what the article calls "the output layer's bias" is the bias neuron
    of the last hidden layer, i.e. ``bias[-1]`` (the bias of the last Linear).

    ``init``: a scheme name for every layer, or None to pick per layer by the
    activation that follows it (Xavier for sigmoid/tanh/identity, He for relu).
    ``seed``: one Generator (from an int) draws all layers in order.
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
        self.output_activation = mods[-1].name
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
    """Build a module of this file from its ``config()`` (weights freshly initialised).

    Raises ValueError for an unknown ``type`` or missing/extra keys.
    """
    if not isinstance(config, dict) or "type" not in config:
        raise ValueError(f"from_config: expected a dict with a 'type' key, got {config!r}")
    kind = config["type"]
    args = {k: v for k, v in config.items() if k != "type"}
    try:
        if kind in ("Sigmoid", "Tanh", "ReLU", "Identity"):
            return {"Sigmoid": Sigmoid, "Tanh": Tanh, "ReLU": ReLU, "Identity": Identity}[kind](
                **args)
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
