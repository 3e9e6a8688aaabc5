"""The article's picture of a network: `draw_network` (import it from
[`micrograd_nn.viz`][]).

This module draws, it does not compute: the weights come from the model
([`micrograd_nn.explain.layers_of`][]), every output, delta and GRAD from the
numpy oracle [`micrograd_nn.deltas`][], names from [`micrograd_nn.notation`][],
label places from `micrograd_nn.layout`, label text and colours from
`micrograd_nn.drawing`.
"""

from __future__ import annotations

from typing import Any, cast

import graphviz
import numpy as np

from .deltas import backprop, forward
from .drawing import (C_FOLD, C_INPUT, C_NEG, C_PARAM, C_POS, C_ROOT, C_ZERO, FONT,
                      FallbackDigraph, esc, html, number)
from .explain import layers_of
from .layout import column_gap, label_size
from .notation import DELTA_MEANING, GRAD_RULE, bias_name, neuron_names

__all__ = ["draw_network"]


# ---------------------------------------------------------------- reading the model
def _read(model: Any) -> list[dict[str, Any]]:
    """Per layer of synapses: W (nin, nout), b (nout,) or None, the activation after it,
    and, for a model with parameters, their stored grads gW/gb and (the neuron form:
    one scalar parameter per synapse) the synapse names.

    Parameters in `parameters()` order, flattened, are the layers' W (row-major)
    then b, layer by layer, in every form (an MLP's "0.weight", "0.bias", ...; a
    NeuronNet's w1, w2, ...), so one split reads both.
    """
    layers: list[dict[str, Any]] = [
        {"W": W, "b": b, "act": act, "gW": None, "gb": None, "names": None, "bnames": None}
        for W, b, act in layers_of(model, "draw_network")]
    named = list(model.named_parameters()) if hasattr(model, "named_parameters") else []
    if sum(np.size(p.data) for _, p in named) != sum(
            L["W"].size + (0 if L["b"] is None else L["b"].size) for L in layers):
        return layers  # a pair, or parameters beyond the dense layers: nothing stored
    # an unset gradient shows as 0 and stays unset (reading .grad would store zeros)
    grads = np.concatenate([np.ravel(p.grad) if p.has_grad else np.zeros(np.size(p.data))
                            for _, p in named]).astype(np.float64)
    scalar = all(type(p.data) is float for _, p in named)  # the neuron form
    names = np.array([n for n, _ in named], dtype=object)
    at = 0
    for L in layers:
        n, m = L["W"].size, 0 if L["b"] is None else L["b"].size
        L["gW"] = grads[at:at + n].reshape(L["W"].shape)
        L["gb"] = None if not m else grads[at + n:at + n + m]
        if scalar:
            L["names"] = names[at:at + n].reshape(L["W"].shape)
            L["bnames"] = None if not m else names[at + n:at + n + m]
        at += n + m
    return layers


def _sample(layers: list[dict[str, Any]], x: Any, target: Any) -> tuple[list, list, list, Any]:
    """The oracle's numbers for one sample: each layer's outputs, each layer's deltas
    (None for the input layer), each layer's `(GRAD_W, GRAD_b)`, the article's
    error; the last three empty/None without a target."""
    ws, bs, acts = ([L[k] for L in layers] for k in ("W", "b", "act"))
    h = np.asarray(x, dtype=np.float64).ravel()
    if h.size != ws[0].shape[0]:
        raise ValueError(f"draw_network: x has {h.size} numbers but the network takes "
                         f"{ws[0].shape[0]} inputs (give one sample)")
    if target is None:
        return forward(ws, bs, h, acts)[1], [], [], None
    t = np.asarray(target, dtype=np.float64).ravel()
    if t.size != ws[-1].shape[1]:
        raise ValueError(f"draw_network: target has {t.size} numbers but the network has "
                         f"{ws[-1].shape[1]} outputs")
    dp = backprop(ws, bs, h, t, acts)
    return dp.outs, dp.deltas, list(zip(dp.grad_w, dp.grad_b, strict=True)), dp.error


def _shown(n: int, max_neurons: int) -> list[int]:
    if n <= max_neurons:
        return list(range(n))
    head = (max_neurons + 1) // 2
    return list(range(head)) + list(range(n - (max_neurons - head), n))


# ---------------------------------------------------------------- the drawing
def draw_network(model: Any, show_grads: bool = False, max_neurons: int = 8, precision: int = 2,
                 x: Any = None, target: Any = None, max_labels: int = 40) -> graphviz.Digraph:
    """The article's picture: input, hidden and output layers as columns of neurons.

    Synapses carry their weights (`precision` decimals), blue when positive, red when
    negative, thicker for larger `|w|`. Each label sits on its own synapse, where it
    overlaps no other label or neuron and as few other synapses as possible (never
    centred on a crossing); columns move apart (2.6 to 4.4 inches) when that needs
    room. A layer that feeds a Linear with a bias has a bias neuron ("B1", output 1; a
    yellow dashed box) at the bottom of its column; the output layer never has one.
    Layers wider than `max_neurons` keep their first and last neurons around a
    "… N more" node. Between two columns with more than `max_labels` synapses the
    weights are only in tooltips (SVG), and a note says so. Nodes are
    `n{layer}_{neuron}`, `b{layer}`, `e{layer}` and, for a synapse's label,
    `w_{tail}_{head}`; positions are pinned, so the layout engine is neato.

    `x` (one sample) adds every neuron's output; with `target` and `show_grads`,
    the deltas `δ = −∂(½·Σ(ideal − out)²)/∂(neuron input)` and the synapse gradients
    `GRAD = out_A·δ_B` (the article's convention, from the numpy oracle
    [`micrograd_nn.deltas.backprop`][]: the model's `.grad` is untouched).
    `show_grads` without a target shows the parameters' stored `.grad` (∂L/∂w from
    your last backward pass). `model`: an MLP, a Sequential of Linear and activation
    modules, a Linear, a neurons.NeuronNet, or a `(weights, biases)` pair of a
    sigmoid net (no stored grads).
    """
    if isinstance(max_neurons, bool) or not isinstance(max_neurons, int) or max_neurons < 2:
        raise ValueError(f"draw_network: max_neurons must be an int >= 2, got {max_neurons!r}")
    layers = _read(model)
    sizes = [layers[0]["W"].shape[0]] + [L["W"].shape[1] for L in layers]
    names, nl = neuron_names(sizes), len(sizes) - 1
    outs, deltas, grads, err = ([], [], [], None) if x is None else _sample(layers, x, target)
    if show_grads and not grads and layers[0]["gW"] is None:
        raise ValueError("draw_network: show_grads without a target shows the parameters' "
                         "stored .grad, and this model has none to show; pass x and target "
                         "to draw the article's deltas and GRAD instead")
    p, gp = f".{precision}f", f".{precision + 1}g"
    wmax = max([float(np.abs(L["W"]).max()) for L in layers] +
               [float(np.abs(L["b"]).max()) for L in layers if L["b"] is not None]) or 1.0
    nlines = 1 + bool(outs) + bool(show_grads and deltas)
    longest = max(len(nm) for layer in names for nm in layer)
    diam = max((0.5, 0.75, 0.95)[nlines - 1], 0.1 * longest + 0.15)
    row = diam + 0.3
    shown = [_shown(n, max_neurons) for n in sizes]
    # each column's slots top to bottom (neurons, "… N more", the bias neuron) and heights
    cols: list[list[tuple[str, int | None]]] = []
    for c in range(nl + 1):
        slots: list[tuple[str, int | None]] = []
        for k, j in enumerate(shown[c]):
            if k and j != shown[c][k - 1] + 1:
                slots.append((f"e{c}", None))
            slots.append((f"n{c}_{j}", j))
        if c < nl and layers[c]["b"] is not None:
            slots.append((f"b{c}", None))
        cols.append(slots)
    ys = {node: ((len(sl) - 1) / 2 - k) * row for sl in cols for k, (node, _) in enumerate(sl)}
    top = max((len(sl) - 1) / 2 * row for sl in cols)
    half = {node: ((0.225, 0.225) if node[0] == "b" else (0.5, 0.1) if node[0] == "e"
                   else (diam / 2, diam / 2)) for node in ys}
    synapses, xs, notes = _synapses(layers, shown, grads, show_grads, p, gp), [0.0], []
    for c, syn in enumerate(synapses):
        labelled = len(syn) <= max_labels
        xs.append(xs[-1] + (_gap(syn, cols[c], cols[c + 1], ys, half) if labelled
                            else 2.6))
        if not labelled:
            notes.append(f"{_title(c, nl)} → {_title(c + 1, nl)}: {len(syn)} synapses, more "
                         f"than max_labels={max_labels}: weights in tooltips (SVG)")
            for e in syn:
                e["at"] = None
    g = FallbackDigraph(name="network", engine="neato", graph_attr={
        "rankdir": "LR", "splines": "false", "outputorder": "edgesfirst", "fontname": FONT,
        "labelloc": "b", "fontsize": "10"},
        node_attr={"fontname": FONT, "fontsize": "10"}, edge_attr={"arrowsize": "0.6"})
    for c, n in enumerate(sizes):
        with g.subgraph(name=f"layer{c}") as s:  # a column: rank=same for dot users
            s.attr(rank="same")
            for node, slot in cols[c]:
                at = {"pos": f"{xs[c]:.3f},{ys[node]:.3f}!"}
                if node[0] == "e":
                    s.node(node, f"… {n - len(shown[c])} more", shape="plaintext", **at)
                elif node[0] == "b":
                    s.node(node, html(f"<B>{bias_name(c)}</B>", "1"), shape="box", width="0.45",
                           height="0.45", fixedsize="true", style="rounded,filled,dashed",
                           fillcolor=C_FOLD, **at)
                else:
                    j = cast(int, slot)  # a neuron's slot holds its index
                    lines = [f"<B>{esc(names[c][j])}</B>"]
                    if outs:
                        lines.append(f"out {number(outs[c][j], p)}")
                    if show_grads and deltas and c > 0:
                        lines.append(f"δ {number(deltas[c][j], gp)}")
                    s.node(node, html(*lines), shape="circle", width=str(diam),
                           fixedsize="true", style="filled", fillcolor=(
                               C_INPUT if c == 0 else C_PARAM if c == nl else C_ROOT), **at)
    for c in range(nl + 1):
        title = _title(c, nl) + ("" if c == 0 else f" ({layers[c - 1]['act']})")
        g.node(f"t{c}", esc(title), shape="plaintext", fontsize="11",
               pos=f"{xs[c]:.3f},{top + row * 0.8:.3f}!")
    for syn in synapses:
        for e in syn:
            _draw_synapse(g, e, xs, ys, wmax)
    notes.insert(0, "synapses: blue w > 0, red w < 0, width ∝ |w|; yellow: bias neurons (out 1)")
    if outs:
        notes.append(f"sample x = [{', '.join(number(v, gp) for v in outs[0])}]" + (
            "" if err is None else
            f", ideal = [{', '.join(number(v, gp) for v in np.ravel(target))}]"
            f", error (MSE) = {err:.4f}"))
    if show_grads:
        notes.append(f"{DELTA_MEANING}; {GRAD_RULE}" if grads
                     else "∂L/∂w: the parameters' .grad from the last backward pass")
    g.attr(label=html(*(esc(t, 200) for t in notes)))
    return g


def _title(c: int, nl: int) -> str:
    return "Input layer" if c == 0 else "Output layer" if c == nl else (
        "Hidden layer" + (f" {c}" if nl > 2 else ""))


def _synapses(layers: list[dict[str, Any]], shown: list[list[int]], grads: list, show: bool,
              p: str, gp: str) -> list[list[dict[str, Any]]]:
    """Per pair of columns, the drawn synapses: tail, head, weight, label lines and the
    fraction of the way to the head its label prefers (staggered by tail)."""
    out = []
    for c, L in enumerate(layers):
        GW, Gb, tag = (grads[c][0], grads[c][1], "GRAD") if grads else (L["gW"], L["gb"], "∂L/∂w")
        srcs = [(f"n{c}_{a}", L["W"][a], GW[a], None if L["names"] is None else L["names"][a])
                for a in shown[c]]
        if L["b"] is not None:
            srcs.append((f"b{c}", L["b"], Gb, L["bnames"]))
        syn = []
        for a, (tail, ws, gs, wn) in enumerate(srcs):
            prefer = 0.3 + 0.35 * a / (len(srcs) - 1) if len(srcs) > 1 else 0.3
            for k in shown[c + 1]:
                lines = [(f"{wn[k]}: " if wn is not None else "") + number(ws[k], p)]
                if show:
                    lines.append(f"{tag} {number(gs[k], gp)}")
                syn.append({"tail": tail, "head": f"n{c + 1}_{k}", "w": float(ws[k]),
                            "lines": lines, "prefer": prefer, "at": prefer})
        out.append(syn)
    return out


def _col(node: str) -> int:
    """The column of a node named n{column}_{k}, b{column} or e{column}."""
    return int(node[1:].split("_")[0])


def _gap(syn: list[dict[str, Any]], left: list[tuple[str, Any]],
         right: list[tuple[str, Any]], ys: dict[str, float],
         half: dict[str, tuple[float, float]]) -> float:
    """The distance from column `left` to column `right` (their slots) that lets
    these synapses' labels sit apart (`micrograd_nn.layout.column_gap`); sets
    each label's place `syn[i]["at"]`."""
    row = {nd: i for i, (nd, _) in enumerate(left)} | {nd: i for i, (nd, _) in enumerate(right)}
    gap, at = column_gap(np.array([(ys[nd], *half[nd]) for nd, _ in left]),
                         np.array([(ys[nd], *half[nd]) for nd, _ in right]),
                         np.array([(row[e["tail"]], row[e["head"]]) for e in syn]),
                         np.array([label_size(e["lines"]) for e in syn]),
                         np.array([e["prefer"] for e in syn]))
    for e, t in zip(syn, at, strict=True):
        e["at"] = float(t)
    return gap


def _draw_synapse(g: graphviz.Digraph, e: dict[str, Any], xs: list[float],
                  ys: dict[str, float], wmax: float) -> None:
    """A synapse: an edge coloured by sign, as wide as |w|, and its label as a node of
    its own (drawn after every edge, so no line crosses its text), centred on the line
    at the fraction `e["at"]` of the way from tail to head (None: a tooltip only)."""
    tail, head, w = e["tail"], e["head"], e["w"]
    colour = C_POS if w > 0 else C_NEG if w < 0 else C_ZERO
    tip = f"{tail} -> {head}: w = {w!r}"
    g.edge(tail, head, color=colour, penwidth=f"{0.6 + 3.4 * abs(w) / wmax:.2f}", tooltip=tip)
    if e["at"] is None:
        return
    (x0, y0), (x1, y1) = ((xs[_col(n)], ys[n]) for n in (tail, head))
    t = e["at"]
    text = esc(e["lines"][0]) + "".join(
        f'<BR/><FONT COLOR="#495057">{esc(line)}</FONT>' for line in e["lines"][1:])
    g.node(f"w_{tail}_{head}", f'<<TABLE BORDER="0" CELLPADDING="1" CELLSPACING="0" '
                               f'BGCOLOR="white"><TR><TD>{text}</TD></TR></TABLE>>',
           shape="plaintext", margin="0", width="0", height="0", fontsize="9",
           fontcolor=colour if w else "#495057", tooltip=tip,
           pos=f"{x0 + t * (x1 - x0):.3f},{y0 + t * (y1 - y0):.3f}!")

