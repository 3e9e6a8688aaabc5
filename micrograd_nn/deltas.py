"""Backpropagation by deltas, derived by hand: the article's method in plain numpy.

This module never touches the autodiff engine for its numbers: it is the
independent oracle the engine is checked against. For a sigmoid network (any depth
and width, bias neurons or not) and squared error::

    δ_out = (ideal − out) · out · (1 − out)            output neuron
    δ_h   = out · (1 − out) · Σ_i w_i · δ_i            hidden neuron, over its outgoing synapses
    GRAD  = out_A · δ_B                                synapse A -> B (a bias neuron has out_A = 1)
    Δw    = E · GRAD + α · Δw_prev ;  w = w + Δw        (E learning rate, α momentum)

``δ`` is minus the derivative of ``½ Σ (ideal − out)²`` with respect to the
neuron's input, so ``GRAD = −∂ sse_half / ∂w`` (:func:`compare_with_autodiff`
checks exactly that). Input neurons get no delta.

A network here is a list of weight matrices ``W[l]`` of shape ``(n_l, n_{l+1})``
(``W[l][a, b]`` = synapse from neuron ``a`` of layer ``l`` to neuron ``b`` of layer
``l + 1``, the layout of :class:`micrograd_nn.nn.Linear`) and biases ``b[l]`` of
shape ``(n_{l+1},)`` or ``None`` (the synapses of layer ``l``'s bias neuron).

Names in the article's notation (:func:`neuron_names`, :func:`synapse_names`):
inputs ``I1..``, hidden ``H1..`` (``H2_1`` = layer 2, neuron 1 when there are
several hidden layers, as in :mod:`micrograd_nn.neurons`), outputs ``O1..``; ``B1``
is the input layer's bias neuron, ``B2`` the first hidden layer's, and so on.
Synapses ``w1, w2, ...`` are numbered layer by layer, in each layer by source neuron
then target (the article's order: ``w1 = I1→H1, w2 = I1→H2, w3 = I2→H1, ...``), the
bias neuron's synapses last.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from collections.abc import Sequence

import numpy as np

from .engine import Value
from .losses import sse_half
from .neurons import NeuronNet
from .nn import Linear, Sequential, Sigmoid

__all__ = ["DeltaPass", "Comparison", "sigmoid", "network_from_model", "neuron_names",
           "synapse_names", "backprop", "update", "compare_with_autodiff"]

Array = np.ndarray


def sigmoid(x: Any) -> Any:
    """1 / (1 + exp(−x)) in numpy, without overflow warnings at either tail."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def _check_network(weights: Sequence[Any], biases: Sequence[Any] | None,
                   who: str) -> tuple[list[Array], list[Array | None]]:
    if not isinstance(weights, (list, tuple)) or not weights:
        raise TypeError(f"{who}: weights must be a non-empty list of (n_in, n_out) arrays")
    ws = [np.array(w, dtype=np.float64) for w in weights]
    bs = [None] * len(ws) if biases is None else [
        None if b is None else np.array(b, dtype=np.float64) for b in biases]
    if len(bs) != len(ws):
        raise ValueError(f"{who}: {len(ws)} weight matrices but {len(bs)} biases; give one "
                         "bias (or None) per weight matrix")
    for i, w in enumerate(ws):
        if w.ndim != 2:
            raise ValueError(f"{who}: weights[{i}] has shape {w.shape}; it must be 2-D "
                             "(n_in, n_out)")
        if i and w.shape[0] != ws[i - 1].shape[1]:
            raise ValueError(f"{who}: weights[{i - 1}] has shape {ws[i - 1].shape} and "
                             f"weights[{i}] has shape {w.shape}: {ws[i - 1].shape[1]} != "
                             f"{w.shape[0]}; layer sizes must chain")
        if bs[i] is not None and bs[i].shape != (w.shape[1],):
            raise ValueError(f"{who}: biases[{i}] has shape {bs[i].shape} but weights[{i}] "
                             f"has shape {w.shape}; the bias needs shape ({w.shape[1]},)")
    return ws, bs


def _layer_names(n: int) -> list[str]:
    return [f"layer{i + 1}" for i in range(n)]


def network_from_model(model: Any) -> tuple[list[Array], list[Array | None], list[str]]:
    """``(weights, biases, layer names)`` copied out of a sigmoid network.

    ``model``: a :class:`~micrograd_nn.nn.Sequential`/``MLP`` of ``Linear`` layers each
    followed by ``Sigmoid``, a :class:`~micrograd_nn.neurons.NeuronNet` of sigmoid
    neurons (the neuron form), or a ``(weights, biases)`` pair. Raises
    TypeError for any other activation: the delta rule here is for sigmoids only.

    Layer names are the same for every form of a network: ``"layer1"`` ..
    ``"layerL"``, where layer ``l`` is the synapses feeding neuron layer ``l`` (the
    ``l``-th Linear, input side first; in an MLP the module at index ``2·(l − 1)``,
    whose parameters are named ``"0.weight"``, ``"2.weight"``, ...).
    """
    if isinstance(model, tuple) and len(model) == 2 and isinstance(model[0], (list, tuple)):
        ws, bs = _check_network(model[0], model[1], "network_from_model")
        return ws, bs, _layer_names(len(ws))
    if isinstance(model, NeuronNet):
        if model.activation != "sigmoid" and len(model.sizes) > 2 \
                or model.output_activation != "sigmoid":
            raise TypeError("network_from_model: the delta rule here needs sigmoid neurons; "
                            f"this NeuronNet uses {model.activation}/{model.output_activation}")
        pairs = model.weight_arrays()
        ws, bs = _check_network([w for w, _ in pairs], [b for _, b in pairs],
                                "network_from_model")
        return ws, bs, _layer_names(len(ws))
    if not isinstance(model, Sequential):
        raise TypeError(f"network_from_model: expected an MLP/Sequential, a neuron-form "
                        f"network or a (weights, biases) pair, got {type(model).__name__}")
    mods = list(model)
    ws, bs = [], []
    for i, m in enumerate(mods):
        if isinstance(m, Linear):
            nxt = mods[i + 1] if i + 1 < len(mods) else None
            if not isinstance(nxt, Sigmoid):
                raise TypeError(f"network_from_model: Linear layer '{i}' is followed by "
                                f"{type(nxt).__name__ if nxt is not None else 'nothing'}; the "
                                "delta rule here needs a Sigmoid after every Linear")
            ws.append(np.array(m.weight.data, dtype=np.float64))
            bs.append(None if m.bias is None else np.array(m.bias.data, dtype=np.float64))
        elif not isinstance(m, Sigmoid):
            raise TypeError(f"network_from_model: module '{i}' is a "
                            f"{type(m).__name__}; only Linear and Sigmoid are supported")
    if not ws:
        raise TypeError("network_from_model: the model has no Linear layer")
    return ws, bs, _layer_names(len(ws))


def neuron_names(sizes: Sequence[int]) -> list[list[str]]:
    """Names per layer for layer sizes ``[n_in, *hidden, n_out]``: I1.., H1.. (or H2_1..), O1.."""
    L = len(sizes) - 1
    out = [[f"I{j + 1}" for j in range(sizes[0])]]
    for layer in range(1, L):
        pre = "H" if L == 2 else f"H{layer}_"
        out.append([f"{pre}{j + 1}" for j in range(sizes[layer])])
    out.append([f"O{j + 1}" for j in range(sizes[-1])])
    return out


def synapse_names(sizes: Sequence[int],
                  has_bias: Sequence[bool]) -> list[tuple[Array, Array | None]]:
    """Per layer ``(names of W shape (n_l, n_{l+1}), names of b or None)``: "w1", "w2", ..."""
    k, out = 1, []
    for layer in range(len(sizes) - 1):
        nin, nout = sizes[layer], sizes[layer + 1]
        w = np.array([f"w{k + i}" for i in range(nin * nout)], dtype=object).reshape(nin, nout)
        k += nin * nout
        b = None
        if has_bias[layer]:
            b = np.array([f"w{k + i}" for i in range(nout)], dtype=object)
            k += nout
        out.append((w, b))
    return out


@dataclass
class DeltaPass:
    """One forward and delta pass. For a single sample ``x`` shape (n_in,), every
    per-neuron array is 1-D; for a batch (batch, n_in) it has a leading batch axis.

    ``ins[l]``/``outs[l]``: neuron inputs/outputs of layer ``l`` (``outs[0]`` = the
    inputs, ``ins[0]`` = None); ``deltas[l]`` for ``l >= 1`` (``deltas[0]`` = None: input
    neurons get none); ``grad_w[l]`` shape (n_l, n_{l+1}) and ``grad_b[l]`` shape
    (n_{l+1},) or None: GRAD per synapse, summed over the batch. ``error``: the
    article's ``Σ (ideal − out)² / n_out`` (mean over samples for a batch);
    ``sse_half``: ``½ Σ (ideal − out)²`` summed over the batch.
    """

    weights: list[Array]
    biases: list[Array | None]
    ideal: Array
    ins: list[Array | None]
    outs: list[Array]
    deltas: list[Array | None]
    grad_w: list[Array]
    grad_b: list[Array | None]
    error: float
    sse_half: float
    sizes: list[int] = field(default_factory=list)

    def named(self) -> dict[str, float]:
        """Single sample: ``{"H1input": .., "H1output": .., "δO1": .., "GRADw5": ..}``."""
        if self.outs[0].ndim != 1:
            raise ValueError("DeltaPass.named(): only for a single sample (x of shape (n_in,))")
        names = neuron_names(self.sizes)
        d: dict[str, float] = {}
        for layer, layer_names in enumerate(names):
            for j, nm in enumerate(layer_names):
                if layer:
                    d[f"{nm}input"] = float(self.ins[layer][j])
                d[f"{nm}output"] = float(self.outs[layer][j])
                if layer:
                    d[f"δ{nm}"] = float(self.deltas[layer][j])
        syn = synapse_names(self.sizes, [b is not None for b in self.biases])
        for layer, (wn, bn) in enumerate(syn):
            for idx in np.ndindex(*wn.shape):
                d[f"GRAD{wn[idx]}"] = float(self.grad_w[layer][idx])
            if bn is not None:
                for j, nm in enumerate(bn):
                    d[f"GRAD{nm}"] = float(self.grad_b[layer][j])
        d["Error"] = self.error
        return d


def backprop(weights: Sequence[Any], biases: Sequence[Any] | None, x: Any,
             ideal: Any) -> DeltaPass:
    """Forward pass, then deltas from the output layer back, then GRAD per synapse.

    weights/biases: as in the module docstring (``biases=None``: no bias neurons).
    x: shape (n_in,) or (batch, n_in); ideal: shape (n_out,) or (batch, n_out).
    """
    ws, bs = _check_network(weights, biases, "backprop")
    x = np.asarray(x, dtype=np.float64)
    ideal = np.asarray(ideal, dtype=np.float64)
    if x.ndim not in (1, 2) or x.shape[-1] != ws[0].shape[0]:
        raise ValueError(f"backprop: x has shape {x.shape}; expected ({ws[0].shape[0]},) or "
                         f"(batch, {ws[0].shape[0]})")
    want = x.shape[:-1] + (ws[-1].shape[1],)
    if ideal.shape != want:
        if ideal.size == int(np.prod(want)):
            ideal = ideal.reshape(want)
        else:
            raise ValueError(f"backprop: ideal has shape {ideal.shape}; expected {want}")
    ins: list[Array | None] = [None]
    outs = [x]
    for w, b in zip(ws, bs, strict=True):
        s = outs[-1] @ w  # in_B = Σ_A out_A · w_AB  (+ 1 · w_bias,B)
        if b is not None:
            s = s + b
        ins.append(s)
        outs.append(sigmoid(s))
    L = len(ws)
    deltas: list[Array | None] = [None] * (L + 1)
    out = outs[L]
    deltas[L] = (ideal - out) * out * (1.0 - out)
    for layer in range(L - 1, 0, -1):
        o = outs[layer]
        deltas[layer] = o * (1.0 - o) * (deltas[layer + 1] @ ws[layer].T)  # Σ_i w_i·δ_i
    grad_w, grad_b = [], []
    for layer in range(L):
        a, d = outs[layer], deltas[layer + 1]
        grad_w.append(np.outer(a, d) if a.ndim == 1 else a.T @ d)  # GRAD = out_A · δ_B
        if bs[layer] is None:
            grad_b.append(None)
        else:
            grad_b.append(d.copy() if d.ndim == 1 else d.sum(axis=0))  # out_bias = 1
    diff = ideal - out
    error = float(np.mean(np.sum(diff * diff, axis=-1) / diff.shape[-1]))
    sizes = [ws[0].shape[0]] + [w.shape[1] for w in ws]
    return DeltaPass(ws, bs, ideal, ins, outs, deltas, grad_w, grad_b, error,
                     float(0.5 * np.sum(diff * diff)), sizes)


def update(weights: Sequence[Any], biases: Sequence[Any] | None, grad_w: Sequence[Array],
           grad_b: Sequence[Array | None], lr: float = 0.7, momentum: float = 0.3,
           prev: tuple[list[Array], list[Array | None]] | None = None,
           ) -> tuple[list[Array], list[Array | None], list[Array], list[Array | None]]:
    """The article's update: ``Δw = E·GRAD + α·Δw_prev; w = w + Δw``.

    ``prev``: the previous step's ``(Δw, Δb)`` (None on the first step: zeros).
    Returns ``(new weights, new biases, Δw, Δb)``; inputs are not modified.
    """
    ws, bs = _check_network(weights, biases, "update")
    dws, dbs, nws, nbs = [], [], [], []
    for i, (w, b) in enumerate(zip(ws, bs, strict=True)):
        pw = 0.0 if prev is None else prev[0][i]
        dw = lr * np.asarray(grad_w[i]) + momentum * pw
        dws.append(dw)
        nws.append(w + dw)
        if b is None:
            dbs.append(None)
            nbs.append(None)
        else:
            pb = 0.0 if prev is None or prev[1][i] is None else prev[1][i]
            db = lr * np.asarray(grad_b[i]) + momentum * pb
            dbs.append(db)
            nbs.append(b + db)
    return nws, nbs, dws, dbs


@dataclass
class Comparison:
    """Delta-rule GRAD against ``−∂ sse_half / ∂w`` from autodiff, per layer.

    ``layers``: ``[(name, max |diff| over the weights, max |diff| over the bias or
    None)]``, named "layer1", "layer2", ... from the input side whatever the form of
    the network (see :func:`network_from_model`); ``max_diff``: the largest of them all.
    """

    layers: list[tuple[str, float, float | None]]
    max_diff: float

    def __str__(self) -> str:
        rows = [f"{n}: weights {w:.3g}" + ("" if b is None else f", bias {b:.3g}")
                for n, w, b in self.layers]
        return ("delta rule vs autodiff, largest |GRAD − (−∂sse_half/∂w)| per layer:\n  "
                + "\n  ".join(rows) + f"\n  overall {self.max_diff:.3g}")


def compare_with_autodiff(model: Any, x: Any, ideal: Any) -> Comparison:
    """Run the delta rule (numpy) and the engine's backward on ``sse_half`` and compare.

    ``model``: an ``MLP``/``Sequential`` of Linear + Sigmoid or a ``NeuronNet`` (the
    model itself is run through the engine; its parameters' ``.grad`` are restored
    afterwards), or a
    ``(weights, biases)`` pair (fresh Values are built from it). x, ideal: a sample
    (n_in,), (n_out,) or a batch (batch, n_in), (batch, n_out).
    """
    ws, bs, names = network_from_model(model)
    dp = backprop(ws, bs, x, ideal)
    if isinstance(model, tuple):
        Ws = [Value(w) for w in ws]
        Bs = [None if b is None else Value(b) for b in bs]
        h: Any = np.asarray(x, dtype=np.float64)
        for W, B in zip(Ws, Bs, strict=True):
            h = h @ W if B is None else h @ W + B
            h = h.sigmoid()
        sse_half(h, dp.ideal).backward()
        auto = [(W.grad, None if B is None else B.grad) for W, B in zip(Ws, Bs, strict=True)]
    elif isinstance(model, NeuronNet):
        auto = _neuron_grads(model, x, dp.ideal)
    else:
        lins = [m for m in model if isinstance(m, Linear)]
        params = model.parameters()
        saved = [p.grad if p.has_grad else None for p in params]  # unset stays unset
        for p in params:
            p.grad = None
        try:
            out = model(np.asarray(x, dtype=np.float64))
            sse_half(out, dp.ideal.reshape(out.shape)).backward()
            auto = [(np.array(m.weight.grad), None if m.bias is None else np.array(m.bias.grad))
                    for m in lins]
        finally:
            for p, s in zip(params, saved, strict=True):
                p.grad = s
    layers, worst = [], 0.0
    for i, (gw, gb) in enumerate(auto):
        dw = float(np.max(np.abs(dp.grad_w[i] + gw)))  # GRAD = −∂L/∂w
        db = None if gb is None else float(np.max(np.abs(dp.grad_b[i] + gb)))
        layers.append((names[i], dw, db))
        worst = max(worst, dw, db or 0.0)
    return Comparison(layers, worst)


def _neuron_grads(net: NeuronNet, x: Any, ideal: Array) -> list[tuple[Array, Array | None]]:
    """∂ sse_half/∂w of every synapse of a NeuronNet, summed over the samples of x."""
    params = net.parameters()
    saved = [p.grad if p.has_grad else None for p in params]  # unset stays unset
    xs = np.asarray(x, dtype=np.float64).reshape(-1, net.sizes[0])
    ts = ideal.reshape(len(xs), net.sizes[-1])
    try:
        for p in params:
            p.grad = None
        for xi, ti in zip(xs, ts, strict=True):
            sse_half(net(list(xi)), ti).backward()
        out = []
        for layer in range(len(net.sizes) - 1):
            w = np.array([[s.weight.grad for s in src.outgoing] for src in net.layers[layer]])
            bn = net.bias_neurons[layer]
            b = None if bn is None else np.array([s.weight.grad for s in bn.outgoing])
            out.append((w, b))
        return out
    finally:
        for p, g in zip(params, saved, strict=True):
            p.grad = g
