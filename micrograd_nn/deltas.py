"""Backpropagation by deltas, derived by hand: the article's method in plain numpy.

This module imports numpy and [`notation`][micrograd_nn.notation] only: it never touches
the autodiff engine or the models, so it is the independent oracle the engine is
checked against ([`micrograd_nn.gradcheck.compare_with_autodiff`][]) and the
source of every delta and GRAD that [`explain`][micrograd_nn.explain] prints and
[`draw_network`][micrograd_nn.viz.draw_network] draws. For a network of any depth and width,
bias neurons or not, and squared error:

```text
δ_out = (ideal − out) · f'(in)                 output neuron
δ_h   = f'(in) · Σ_i w_i · δ_i                 hidden neuron, over its outgoing synapses
GRAD  = out_A · δ_B                            synapse A -> B (a bias neuron has out_A = 1)
Δw    = E · GRAD + α · Δw_prev ;  w = w + Δw    (E learning rate, α momentum)
```

`f` is the layer's activation (`ACTIVATIONS`); the article's is the sigmoid,
whose `f'(in) = (1 − out)·out`, and it is the default everywhere. `δ` is minus
the derivative of `½ Σ (ideal − out)²` with respect to the neuron's input, so
`GRAD = −∂ sse_half / ∂w`. Input neurons get no delta.

A network is `(weights, biases)`: `W[l]` of shape `(n_l, n_{l+1})` (`W[l][a, b]`
= synapse from neuron a of layer l to neuron b of layer l + 1, the layout of
[`micrograd_nn.nn.Linear`][]) and `b[l]` of shape `(n_{l+1},)` or None (the
synapses of layer l's bias neuron); plus one activation name per layer of synapses.
Names (I1.., H1.., O1.., B1.., w1..) are the article's, from [`notation`][micrograd_nn.notation].
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from .notation import layer_names, neuron_names, synapse_names

__all__ = ["ACTIVATIONS", "DeltaPass", "Comparison", "sigmoid", "check_network",
           "check_activations", "neuron_names", "synapse_names", "forward", "backprop",
           "update", "compare_grads"]

Array = np.ndarray


def sigmoid(x: Any) -> Any:
    """1 / (1 + exp(−x)) in numpy, without overflow warnings at either tail."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def _identity(x: Any) -> Any:
    return np.asarray(x, dtype=np.float64)


def _relu(x: Any) -> Any:
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


#: name -> ``(f(in), f'(in, out))``; the derivative is written from the output where
#: the article does (sigmoid: ``(1 − out)·out``). relu' is 0 at in == 0 (as PyTorch).
ACTIVATIONS: dict[str, tuple[Callable[[Any], Any], Callable[[Array, Array], Array]]] = {
    "sigmoid": (sigmoid, lambda i, o: (1.0 - o) * o),
    "tanh": (np.tanh, lambda i, o: 1.0 - o * o),
    "relu": (_relu, lambda i, o: (i > 0).astype(np.float64)),
    "identity": (_identity, lambda i, o: np.ones_like(i)),
}


def check_network(weights: Sequence[Any], biases: Sequence[Any] | None,
                  who: str = "check_network") -> tuple[list[Array], list[Array | None]]:
    """Float64 copies `(weights, biases)` of a network, checked: `W[l]` 2-D, sizes
    chaining, `b[l]` of shape `(n_{l+1},)` or None; `biases=None`: no bias neurons.
    `who` names the caller in the errors (TypeError/ValueError)."""
    if not isinstance(weights, (list, tuple)) or not weights:
        raise TypeError(f"{who}: weights must be a non-empty list of (n_in, n_out) arrays")
    ws = [np.array(w, dtype=np.float64) for w in weights]
    bs: list[Array | None] = [None] * len(ws) if biases is None else [
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
        b = bs[i]
        if b is not None and b.shape != (w.shape[1],):
            raise ValueError(f"{who}: biases[{i}] has shape {b.shape} but weights[{i}] "
                             f"has shape {w.shape}; the bias needs shape ({w.shape[1]},)")
    return ws, bs


def check_activations(activations: str | Sequence[str] | None, n_layers: int,
                      who: str = "check_activations") -> list[str]:
    """One activation name per layer of synapses: None = "sigmoid" everywhere (the
    article), a name = that one everywhere, or a list of `n_layers` names."""
    acts = ["sigmoid"] * n_layers if activations is None else (
        [activations] * n_layers if isinstance(activations, str) else list(activations))
    if len(acts) != n_layers:
        raise ValueError(f"{who}: {len(acts)} activations for {n_layers} layers of synapses; "
                         "give one name per weight matrix (or one name for all)")
    for i, a in enumerate(acts):
        if a not in ACTIVATIONS:
            raise ValueError(f"{who}: activations[{i}] is {a!r}; the delta rule here knows "
                             f"{sorted(ACTIVATIONS)}")
    return acts


@dataclass
class DeltaPass:
    """One forward and delta pass. For a single sample `x` shape (n_in,), every
    per-neuron array is 1-D; for a batch (batch, n_in) it has a leading batch axis.

    `ins[l]`/`outs[l]`: neuron inputs/outputs of layer `l` (`outs[0]` = the
    inputs, `ins[0]` = None); `deltas[l]` for `l >= 1` (`deltas[0]` = None: input
    neurons get none); `grad_w[l]` shape (n_l, n_{l+1}) and `grad_b[l]` shape
    (n_{l+1},) or None: GRAD per synapse, summed over the batch. `error`: the
    article's `Σ (ideal − out)² / n_out` (mean over samples for a batch);
    `sse_half`: `½ Σ (ideal − out)²` summed over the batch. `activations`: one
    name per layer of synapses.
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
    activations: list[str] = field(default_factory=list)

    def named(self) -> dict[str, float]:
        """Single sample: `{"H1input": .., "H1output": .., "δO1": .., "GRADw5": ..}`."""
        if self.outs[0].ndim != 1:
            raise ValueError("DeltaPass.named(): only for a single sample (x of shape (n_in,))")
        d: dict[str, float] = {}
        # None only at ins[0], deltas[0] (never read) and grad_b[l] of a layer without bias
        ins, deltas = cast(list[Array], self.ins), cast(list[Array], self.deltas)
        grad_b = cast(list[Array], self.grad_b)
        for layer, names in enumerate(neuron_names(self.sizes)):
            for j, nm in enumerate(names):
                if layer:
                    d[f"{nm}input"] = float(ins[layer][j])
                d[f"{nm}output"] = float(self.outs[layer][j])
                if layer:
                    d[f"δ{nm}"] = float(deltas[layer][j])
        syn = synapse_names(self.sizes, [b is not None for b in self.biases])
        for layer, (wn, bn) in enumerate(syn):
            for idx in np.ndindex(*wn.shape):
                d[f"GRAD{wn[idx]}"] = float(self.grad_w[layer][idx])
            if bn is not None:
                for j, nm in enumerate(bn):
                    d[f"GRAD{nm}"] = float(grad_b[layer][j])
        d["Error"] = self.error
        return d


def _inputs(ws: list[Array], x: Any, who: str) -> Array:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim not in (1, 2) or x.shape[-1] != ws[0].shape[0]:
        raise ValueError(f"{who}: x has shape {x.shape}; expected ({ws[0].shape[0]},) or "
                         f"(batch, {ws[0].shape[0]})")
    return x


def _forward(ws: list[Array], bs: list[Array | None], x: Array,
             acts: list[str]) -> tuple[list[Array | None], list[Array]]:
    ins: list[Array | None] = [None]
    outs = [x]
    for w, b, act in zip(ws, bs, acts, strict=True):
        s = outs[-1] @ w  # in_B = Σ_A out_A · w_AB  (+ 1 · w_bias,B)
        if b is not None:
            s = s + b
        ins.append(s)
        outs.append(ACTIVATIONS[act][0](s))
    return ins, outs


def forward(weights: Sequence[Any], biases: Sequence[Any] | None, x: Any,
            activations: str | Sequence[str] | None = None,
            ) -> tuple[list[Array | None], list[Array]]:
    """The forward pass alone: `(ins, outs)` as in [`DeltaPass`][micrograd_nn.deltas.DeltaPass].

    x: shape (n_in,) or (batch, n_in); activations: see
    [`check_activations`][micrograd_nn.deltas.check_activations].
    """
    ws, bs = check_network(weights, biases, "forward")
    acts = check_activations(activations, len(ws), "forward")
    return _forward(ws, bs, _inputs(ws, x, "forward"), acts)


def backprop(weights: Sequence[Any], biases: Sequence[Any] | None, x: Any, ideal: Any,
             activations: str | Sequence[str] | None = None) -> DeltaPass:
    """Forward pass, then deltas from the output layer back, then GRAD per synapse.

    weights/biases: as in the module docstring (`biases=None`: no bias neurons).
    x: shape (n_in,) or (batch, n_in); ideal: shape (n_out,) or (batch, n_out).
    activations: None (sigmoid, the article), one name, or one per layer.
    """
    ws, bs = check_network(weights, biases, "backprop")
    acts = check_activations(activations, len(ws), "backprop")
    x = _inputs(ws, x, "backprop")
    ideal = np.asarray(ideal, dtype=np.float64)
    want = x.shape[:-1] + (ws[-1].shape[1],)
    if ideal.shape != want:
        if ideal.size == int(np.prod(want)):
            ideal = ideal.reshape(want)
        else:
            raise ValueError(f"backprop: ideal has shape {ideal.shape}; expected {want}")
    ins, outs = _forward(ws, bs, x, acts)
    L = len(ws)
    # ins[0] is None (the input neurons have no input sum), so deriv[0] is None too
    deriv: list[Any] = [None] + [ACTIVATIONS[a][1](cast(Array, ins[i + 1]), outs[i + 1])
                                 for i, a in enumerate(acts)]
    deltas: list[Array | None] = [None] * (L + 1)
    out = outs[L]
    deltas[L] = (ideal - out) * deriv[L]
    for layer in range(L - 1, 0, -1):
        deltas[layer] = deriv[layer] * (deltas[layer + 1] @ ws[layer].T)  # Σ_i w_i·δ_i
    grad_w: list[Array] = []
    grad_b: list[Array | None] = []
    for layer in range(L):
        a, d = outs[layer], cast(Array, deltas[layer + 1])  # set above for 1..L
        grad_w.append(np.outer(a, d) if a.ndim == 1 else a.T @ d)  # GRAD = out_A · δ_B
        if bs[layer] is None:
            grad_b.append(None)
        else:
            grad_b.append(d.copy() if d.ndim == 1 else d.sum(axis=0))  # out_bias = 1
    diff = ideal - out
    error = float(np.mean(np.sum(diff * diff, axis=-1) / diff.shape[-1]))
    sizes = [ws[0].shape[0]] + [w.shape[1] for w in ws]
    return DeltaPass(ws, bs, ideal, ins, outs, deltas, grad_w, grad_b, error,
                     float(0.5 * np.sum(diff * diff)), sizes, acts)


def update(weights: Sequence[Any], biases: Sequence[Any] | None, grad_w: Sequence[Array],
           grad_b: Sequence[Array | None], lr: float = 0.7, momentum: float = 0.3,
           prev: tuple[list[Array], list[Array | None]] | None = None,
           ) -> tuple[list[Array], list[Array | None], list[Array], list[Array | None]]:
    """The article's update: `Δw = E·GRAD + α·Δw_prev; w = w + Δw` (`lr` is E).

    `prev`: the previous step's `(Δw, Δb)` (None on the first step: zeros).
    Returns `(new weights, new biases, Δw, Δb)`; inputs are not modified.
    """
    ws, bs = check_network(weights, biases, "update")
    dws: list[Array] = []
    dbs: list[Array | None] = []
    nws: list[Array] = []
    nbs: list[Array | None] = []
    for i, (w, b) in enumerate(zip(ws, bs, strict=True)):
        pw = 0.0 if prev is None else prev[0][i]
        dw = lr * np.asarray(grad_w[i]) + momentum * pw
        dws.append(dw)
        nws.append(w + dw)
        if b is None:
            dbs.append(None)
            nbs.append(None)
        else:
            pb = None if prev is None else prev[1][i]
            db = lr * np.asarray(grad_b[i]) + momentum * (0.0 if pb is None else pb)
            dbs.append(db)
            nbs.append(b + db)
    return nws, nbs, dws, dbs


@dataclass
class Comparison:
    """Delta-rule GRAD against `−∂ sse_half / ∂w` from autodiff, per layer.

    `layers`: `[(name, max |diff| over the weights, max |diff| over the bias or
    None)]`, named "layer1", "layer2", ... from the input side whatever the form of
    the network; `max_diff`: the largest of them all.
    """

    layers: list[tuple[str, float, float | None]]
    max_diff: float

    def __str__(self) -> str:
        rows = [f"{n}: weights {w:.3g}" + ("" if b is None else f", bias {b:.3g}")
                for n, w, b in self.layers]
        return ("delta rule vs autodiff, largest |GRAD − (−∂sse_half/∂w)| per layer:\n  "
                + "\n  ".join(rows) + f"\n  overall {self.max_diff:.3g}")


def compare_grads(dp: DeltaPass, grads: Sequence[tuple[Any, Any]]) -> Comparison:
    """Compare a pass's GRAD with `grads`: one `(∂L/∂W, ∂L/∂b or None)` per layer,
    from any other method, for `L = sse_half` over the same samples (so GRAD = −∂L/∂w).
    """
    if len(grads) != len(dp.grad_w):
        raise ValueError(f"compare_grads: {len(grads)} layers of gradients for a network "
                         f"of {len(dp.grad_w)} layers of synapses")
    layers, worst = [], 0.0
    for name, gw_d, gb_d, (gw, gb) in zip(layer_names(len(grads)), dp.grad_w, dp.grad_b,
                                          grads, strict=True):
        gw = np.asarray(gw, dtype=np.float64)
        if gw.shape != gw_d.shape or (gb is None) != (gb_d is None):
            raise ValueError(f"compare_grads: {name} gradient has shape {gw.shape} (bias "
                             f"{'None' if gb is None else 'given'}); the network's is "
                             f"{gw_d.shape} (bias {'None' if gb_d is None else 'given'})")
        dw = float(np.max(np.abs(gw_d + gw)))  # GRAD = −∂L/∂w
        db = None if gb is None else float(np.max(np.abs(gb_d + np.asarray(gb))))
        layers.append((name, dw, db))
        worst = max(worst, dw, db or 0.0)
    return Comparison(layers, worst)
