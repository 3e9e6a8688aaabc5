"""A training step told in the article's own notation, line by line.

```pycon
>>> print(explain(digits=2).splitlines()[4])
H1input = 1*0.45 + 0*-0.12 = 0.45

```

`explain()` takes any small sigmoid network (an `MLP`/`Sequential` of
Linear + Sigmoid, a `NeuronNet`, or a `(weights, biases)` pair; by default the
article's 2-2-1 XOR net) and one sample, and writes out the forward pass
(`H1input = 1*0.45 + 0*-0.12 = 0.45`, `H1output = sigmoid(0.45) = 0.61`), the error,
the deltas from the output back (`δO1 = (1 - 0.34) * ((1 - 0.34) * 0.34) = 0.148`),
`GRAD = out_A·δ_B` per synapse, the update `Δw = E·GRAD + α·Δw_prev`, the
new weights and the output after the step.

Every number is computed exactly (float64, by [`micrograd_nn.deltas`][], the
numpy delta-rule oracle) and only *shown* with `digits` decimals: `digits=2`
looks like the article, whose own figures drift because it rounds each step.
Names and the default example come from [`micrograd_nn.notation`][]: I1.., H1..,
O1..; bias neurons B1 (input layer), B2 (first hidden layer), ...; synapses w1, w2,
... in the article's order. The model itself is never modified.

The model -> arrays conversion lives here too ([`layers_of`][micrograd_nn.explain.layers_of],
[`network_from_model`][micrograd_nn.explain.network_from_model]), so that the oracle never imports a
model: the drawings and [`micrograd_nn.gradcheck.compare_with_autodiff`][] use it as well.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from .deltas import backprop, check_network, update
from .notation import (ARTICLE_ALPHA, ARTICLE_E, ARTICLE_IDEAL, ARTICLE_WEIGHTS, ARTICLE_X,
                       DELTA_HIDDEN, DELTA_OUTPUT, DERIVATIVE_SIGMOID, GRAD_RULE, UPDATE_RULE,
                       bias_name, layer_names, neuron_names, synapse_names)

__all__ = ["explain", "ARTICLE_WEIGHTS", "layers_of", "network_from_model"]

Array = np.ndarray
Layer = tuple[Array, "Array | None", str]


# ---------------------------------------------------------------- model -> arrays
def layers_of(model: Any, who: str = "layers_of") -> list[Layer]:
    """`[(W (n_l, n_{l+1}), b (n_{l+1},) or None, activation name)]` per layer of
    synapses, float64 copies (the model is not touched).

    `model`: a `(weights, biases)` pair (sigmoid everywhere, the article's net), or
    any model of the model protocol ([`micrograd_nn.protocol`][]: `MLP`,
    `Sequential`, `NeuronNet`), asked for its `dense_layers()`; a lone `Linear`
    (no activation) is read from its `weight` and `bias`. `who` names the caller
    in errors (TypeError for a model that is not a stack of dense layers).
    """
    if isinstance(model, tuple) and len(model) == 2 and isinstance(model[0], (list, tuple)):
        ws, bs = check_network(model[0], model[1], who)
        return [(w, b, "sigmoid") for w, b in zip(ws, bs, strict=True)]
    dense = getattr(model, "dense_layers", None)
    weight = getattr(getattr(model, "weight", None), "data", None)
    if callable(dense):
        try:
            layers = [tuple(d) for d in dense()]
        except TypeError as e:  # the model says why it is not a stack of dense layers
            raise TypeError(f"{who}: {e}") from e
    elif isinstance(weight, np.ndarray) and weight.ndim == 2:  # a lone Linear layer
        bias = getattr(model, "bias", None)
        layers = [(weight, None if bias is None else bias.data, "identity")]
    else:
        raise TypeError(f"{who}: cannot take the layers of a {type(model).__name__}; "
                        "expected a model with dense_layers() (an MLP, a Sequential of "
                        "Linear and activation modules, a NeuronNet), a Linear or a "
                        "(weights, biases) pair")
    ws, bs = check_network([w for w, _, _ in layers], [b for _, b, _ in layers], who)
    return [(w, b, act) for w, b, (_, _, act) in zip(ws, bs, layers, strict=True)]


def network_from_model(model: Any) -> tuple[list[Array], list[Array | None], list[str]]:
    """`(weights, biases, layer names)` copied out of a sigmoid network, for the
    article's delta rule ([`backprop`][micrograd_nn.deltas.backprop]).

    `model`: as [`layers_of`][micrograd_nn.explain.layers_of] takes it; every layer's neurons must
    be sigmoid (TypeError otherwise). Layer names are the same for every form of a network:
    `"layer1"` .. `"layerL"`, where layer `l` is the synapses feeding neuron
    layer `l` (the `l`-th Linear; in an MLP the module at index `2·(l − 1)`).
    """
    layers = layers_of(model, "network_from_model")
    for i, (_, _, act) in enumerate(layers):
        if act != "sigmoid":
            raise TypeError(f"network_from_model: the neurons fed by layer{i + 1} use "
                            f"{act}; the delta rule here needs sigmoid neurons (a Sigmoid "
                            "after every Linear)")
    return [w for w, _, _ in layers], [b for _, b, _ in layers], layer_names(len(layers))


# ---------------------------------------------------------------- the trace
def _num(v: float, digits: int) -> str:
    """`v` with at most `digits` decimals, trailing zeros dropped: 0.45, -0.12, 1."""
    s = f"{v:.{digits}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _sources(layer: int, names: list[list[str]], has_bias: list[bool]) -> list[str]:
    """The neurons feeding layer `layer + 1`: those of `layer`, its bias neuron last."""
    return list(names[layer]) + ([bias_name(layer)] if has_bias[layer] else [])


def _step_lines(ws: list[np.ndarray], bs: list[np.ndarray | None], x: np.ndarray,
                ideal: np.ndarray, lr: float, momentum: float,
                prev: tuple[list, list] | None, digits: int) -> tuple[list[str], Any]:
    """The lines of one step and the state after it `(ws, bs, (Δw, Δb))`."""
    f = lambda v: _num(float(v), digits)
    dp = backprop(ws, bs, x, ideal)
    # None only at ins[0], deltas[0] and in the bias arrays of a layer without a bias
    # neuron, which the lines below never read (has_bias and bn guard them)
    ins, deltas, grad_b = (cast(list[Array], a) for a in (dp.ins, dp.deltas, dp.grad_b))
    sizes = dp.sizes
    names = neuron_names(sizes)
    has_bias = [b is not None for b in bs]
    syn = synapse_names(sizes, has_bias)
    L = len(ws)
    out: list[str] = ["Forward pass"]
    for layer in range(1, L + 1):
        srcs = _sources(layer - 1, names, has_bias)
        outs_prev = list(dp.outs[layer - 1]) + ([1.0] if has_bias[layer - 1] else [])
        b = bs[layer - 1]
        W = ws[layer - 1] if b is None else np.vstack([ws[layer - 1], b])
        for j, nm in enumerate(names[layer]):
            terms = " + ".join(f"{f(outs_prev[a])}*{f(W[a, j])}" for a in range(len(srcs)))
            out.append(f"{nm}input = {terms} = {f(ins[layer][j])}")
            out.append(f"{nm}output = sigmoid({f(ins[layer][j])}) = "
                       f"{f(dp.outs[layer][j])}")
    for j, nm in enumerate(names[L]):
        out.append(f"{nm}ideal = {f(ideal[j])}")
    sq = " + ".join(f"({f(ideal[j])} - {f(dp.outs[L][j])})^2" for j in range(sizes[-1]))
    out.append(f"Error = ({sq})/{sizes[-1]} = {f(dp.error)}")

    out.append("")
    out.append(f"Backward pass: {DELTA_OUTPUT} at the output, {DELTA_HIDDEN} behind it; "
               f"{DERIVATIVE_SIGMOID}")
    for j, nm in enumerate(names[L]):
        o = dp.outs[L][j]
        out.append(f"δ{nm} = ({f(ideal[j])} - {f(o)}) * ((1 - {f(o)}) * {f(o)}) = "
                   f"{f(deltas[L][j])}")
    for layer in range(L - 1, 0, -1):
        for j, nm in enumerate(names[layer]):
            o = dp.outs[layer][j]
            s = " + ".join(f"{f(ws[layer][j, k])} * {f(deltas[layer + 1][k])}"
                           for k in range(sizes[layer + 1]))
            out.append(f"δ{nm} = ((1 - {f(o)}) * {f(o)}) * ({s}) = {f(deltas[layer][j])}")

    out.append("")
    out.append(f"Gradients: {GRAD_RULE} for the synapse A -> B")
    for layer in range(L):
        srcs = _sources(layer, names, has_bias)
        wn, bn = syn[layer]
        for a, src in enumerate(srcs):
            for k, dst in enumerate(names[layer + 1]):
                is_b = a == sizes[layer]
                name = cast(Array, bn)[k] if is_b else wn[a, k]  # is_b: bn is set
                oa = 1.0 if is_b else dp.outs[layer][a]
                g = grad_b[layer][k] if is_b else dp.grad_w[layer][a, k]
                out.append(f"GRAD{name} = {f(oa)} * {f(deltas[layer + 1][k])} = {f(g)}"
                           f"    ({src} -> {dst})")

    nws, nbs, dws, dbs = update(ws, bs, dp.grad_w, dp.grad_b, lr, momentum, prev)
    out.append("")
    out.append(f"Updates: {UPDATE_RULE}, w = w + Δw   (E={f(lr)}, α={f(momentum)})")
    for layer in range(L):
        wn, bn = syn[layer]
        cells = [(wn[idx], ws[layer][idx], dp.grad_w[layer][idx], dws[layer][idx],
                  0.0 if prev is None else prev[0][layer][idx], nws[layer][idx])
                 for idx in np.ndindex(*wn.shape)]
        if bn is not None:
            b, db, nb = (cast(Array, a[layer]) for a in (bs, dbs, nbs))  # a bias neuron
            cells += [(bn[k], b[k], grad_b[layer][k], db[k],
                       0.0 if prev is None else prev[1][layer][k], nb[k])
                      for k in range(len(bn))]
        for name, w, g, dw, pdw, nw in cells:
            out.append(f"Δ{name} = {f(lr)} * {f(g)} + {f(momentum)} * {f(pdw)} = {f(dw)};  "
                       f"{name} = {f(w)} + {f(dw)} = {f(nw)}")
    after = backprop(nws, nbs, x, ideal)
    out.append("")
    out.append("After the step")
    for j, nm in enumerate(names[L]):
        out.append(f"{nm}output = {f(after.outs[L][j])}")
    sq = " + ".join(f"({f(ideal[j])} - {f(after.outs[L][j])})^2" for j in range(sizes[-1]))
    out.append(f"Error = ({sq})/{sizes[-1]} = {f(after.error)}   (was {f(dp.error)})")
    return out, (nws, nbs, (dws, dbs))


def explain(model: Any = None, x: Any = None, target: Any = None, lr: float = ARTICLE_E,
            momentum: float = ARTICLE_ALPHA, digits: int = 6, steps: int = 1) -> str:
    """The article-style trace of `steps` training steps on one sample, as text.

    model: an MLP/Sequential of Linear + Sigmoid, a NeuronNet, a `(weights, biases)`
    pair, or None for the article's 2-2-1 net. x: shape (n_in,), default the article's
    `[1, 0]`; target: shape (n_out,), default `[1]` (1 xor 0 = 1). lr `E` and
    momentum `α` as in the article's update. digits: decimals shown (2 = the
    article's look); the arithmetic is exact either way. Later steps carry the
    momentum term `α * Δw(i-1)`.
    """
    ws, bs, _ = network_from_model(ARTICLE_WEIGHTS if model is None else model)
    if model is None and x is None and target is None:
        x, target = ARTICLE_X, ARTICLE_IDEAL
    if x is None or target is None:
        raise ValueError("explain: give both x (one sample) and target for this model, "
                         "e.g. explain(net, x=[1, 0], target=[1])")
    x = np.asarray(x, dtype=np.float64)
    ideal = np.asarray(target, dtype=np.float64).reshape(-1)
    if x.ndim != 1 or x.shape[0] != ws[0].shape[0]:
        raise ValueError(f"explain: x must be one sample of shape ({ws[0].shape[0]},), got "
                         f"shape {x.shape}")
    if ideal.shape != (ws[-1].shape[1],):
        raise ValueError(f"explain: target must have shape ({ws[-1].shape[1]},), got "
                         f"{np.asarray(target).shape}")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 17:
        raise ValueError(f"explain: digits must be an int from 0 to 17, got {digits!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"explain: steps must be a positive int, got {steps!r}")
    sizes = [ws[0].shape[0]] + [w.shape[1] for w in ws]
    has_bias = [b is not None for b in bs]
    names = neuron_names(sizes)
    syn = synapse_names(sizes, has_bias)
    parts = [f"{n}={_num(v, digits)}" for n, v in zip(names[0], x, strict=True)]
    for i, (wn, bn) in enumerate(syn):
        parts += [f"{wn[idx]}={_num(ws[i][idx], digits)}" for idx in np.ndindex(*wn.shape)]
        if bn is not None:
            parts += [f"{bn[k]}={_num(cast(Array, bs[i])[k], digits)}" for k in range(len(bn))]
    given = ", ".join(parts)
    bias_txt = ", ".join(bias_name(i) for i, h in enumerate(has_bias) if h) or "none"
    lines = [f"Network {'-'.join(map(str, sizes))}, sigmoid neurons; bias neurons: "
             f"{bias_txt}; E={_num(lr, digits)}, α={_num(momentum, digits)}; numbers shown "
             f"to {digits} decimals",
             f"Data: {given}", ""]
    prev = None
    for step in range(1, steps + 1):
        if steps > 1:
            lines += [f"===== Step {step} =====", ""]
        body, (ws, bs, prev) = _step_lines(ws, bs, x, ideal, lr, momentum, prev, digits)
        lines += body
        if step < steps:
            lines.append("")
    return "\n".join(lines)
