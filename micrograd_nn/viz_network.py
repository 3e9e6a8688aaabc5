"""The article's picture of a network (:func:`draw_network`), and the label helpers that
it shares with :mod:`micrograd_nn.viz` (import both drawings from there).

Every label is an HTML-like label built from escaped text (:func:`_esc`), so any name
or number is safe in DOT.
"""

from __future__ import annotations

import re
from typing import Any

import graphviz
import numpy as np

from .engine import Value

INSTALL_HINT = ("install Graphviz: apt-get install graphviz | brew install graphviz | "
                "https://graphviz.org/download/")
FONT = "Helvetica"
# fill colours: parameter, input/constant, intermediate, root, op, folded
C_PARAM, C_INPUT, C_MID, C_ROOT, C_OP, C_FOLD = (
    "#ffd8a8", "#d0ebff", "#f8f9fa", "#b2f2bb", "#e9ecef", "#fff3bf")
C_POS, C_NEG, C_ZERO = "#1c7ed6", "#e03131", "#adb5bd"


class _Digraph(graphviz.Digraph):
    """A Digraph that, without ``dot``, shows its source in Jupyter instead of failing."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kw: Any) -> dict:
        try:
            return super()._repr_mimebundle_(include, exclude, **kw)
        except graphviz.ExecutableNotFound:
            return {"text/plain": f"{self.source}\n// Graphviz's dot was not found; "
                                  f"to see the picture, {INSTALL_HINT}"}


# ---------------------------------------------------------------- text helpers
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _esc(text: Any, limit: int = 60) -> str:
    """Plain text -> HTML-like label text: ``&<>"`` escaped, newlines -> ``<BR/>``."""
    s = str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    if len(s) > limit:
        s = s[:limit - 1] + "…"
    s = _CTRL.sub("?", s)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace('"', "&quot;").replace("\n", "<BR/>")


def _html(*lines: str) -> str:
    """Already-escaped lines -> one HTML-like label."""
    return "<" + "<BR/>".join(lines) + ">"


# ---------------------------------------------------------------- the network
def _grads(v: Any) -> np.ndarray | None:
    return None if v is None else np.asarray(v.grad, dtype=np.float64)


def _network_layers(model: Any) -> tuple[list[dict[str, Any]], list[list[str]] | None]:
    """Per layer of synapses: W (nin, nout), b (nout,) or None, the activation after it,
    stored grads gW/gb and synapse names (a NeuronNet's); and a NeuronNet's neuron names."""
    if hasattr(model, "weight_arrays") and hasattr(model, "bias_neurons"):  # NeuronNet
        layers = []
        for li, (W, b) in enumerate(model.weight_arrays()):
            rows, bn = [s.outgoing for s in model.layers[li]], model.bias_neurons[li]
            brow = [] if bn is None else bn.outgoing
            layers.append({"W": W, "b": b, "act": model.layers[li + 1][0].activation,
                           "gW": np.array([[s.weight.grad for s in r] for r in rows]),
                           "gb": None if bn is None else np.array([s.weight.grad for s in brow]),
                           "names": [[s.name for s in r] for r in rows],
                           "bnames": None if bn is None else [s.name for s in brow]})
        return layers, [[n.name for n in layer] for layer in model.layers]
    layers, stack = [], [model]
    while stack:
        m = stack.pop()
        w = getattr(m, "weight", None)
        if type(w) is Value and len(w.shape) == 2:
            b = getattr(m, "bias", None)
            layers.append({"W": np.array(w.data, np.float64), "act": "identity",
                           "b": None if b is None else np.array(b.data, np.float64).ravel(),
                           "gW": _grads(w), "gb": _grads(b), "names": None, "bnames": None})
        elif isinstance(getattr(m, "name", None), str) and not hasattr(m, "__len__"):
            if layers:
                layers[-1]["act"] = m.name
        elif hasattr(m, "__len__") and hasattr(m, "__getitem__"):
            stack.extend(m[i] for i in reversed(range(len(m))))
        else:
            raise TypeError(f"draw_network: cannot draw a {type(m).__name__}; expected an "
                            "MLP, a Sequential of Linear and activation modules, a Linear "
                            "or a NeuronNet")
    if not layers:
        raise ValueError("draw_network: the model has no Linear layer")
    for i, (a, b) in enumerate(zip(layers, layers[1:], strict=False)):
        if a["W"].shape[1] != b["W"].shape[0]:
            raise ValueError(f"draw_network: layer {i} has {a['W'].shape[1]} outputs but "
                             f"layer {i + 1} takes {b['W'].shape[0]} inputs")
    return layers, None


def _trace(layers: list[dict[str, Any]], x: Any, target: Any) -> tuple[list, list, list, Any]:
    """One sample through fresh copies of the weights (the model is untouched): each
    layer's outputs, each non-input layer's deltas ``δ = −∂(½·Σ(ideal − out)²)/∂input``,
    each layer's ``(GRAD_W, GRAD_b)`` with ``GRAD = out_A·δ_B``, and the sample's MSE."""
    h = np.asarray(x, dtype=np.float64).ravel()
    if h.size != layers[0]["W"].shape[0]:
        raise ValueError(f"draw_network: x has {h.size} numbers but the network takes "
                         f"{layers[0]['W'].shape[0]} inputs (give one sample)")
    hv, outs, zs, params = Value(h, requires_grad=False), [h], [], []
    for L in layers:
        W, b = Value(L["W"].copy()), None if L["b"] is None else Value(L["b"].copy())
        z = hv @ W if b is None else hv @ W + b
        hv = z if L["act"] in (None, "identity") else getattr(z, L["act"])()
        outs.append(np.asarray(hv.data).ravel())
        zs.append(z)
        params.append((W, b))
    if target is None:
        return outs, [], [], None
    t = np.asarray(target, dtype=np.float64).ravel()
    if t.size != outs[-1].size:
        raise ValueError(f"draw_network: target has {t.size} numbers but the network has "
                         f"{outs[-1].size} outputs")
    (((hv - t) ** 2).sum() * 0.5).backward()
    grads = [(-W.grad, None if b is None else -b.grad) for W, b in params]
    return outs, [-np.asarray(z.grad) for z in zs], grads, float(np.mean((t - outs[-1]) ** 2))


def _shown(n: int, max_neurons: int) -> list[int]:
    if n <= max_neurons:
        return list(range(n))
    head = (max_neurons + 1) // 2
    return list(range(head)) + list(range(n - (max_neurons - head), n))


def _neuron_names(sizes: list[int]) -> list[list[str]]:
    nh = len(sizes) - 2
    return [[f"I{k + 1}" for k in range(sizes[0])]] + [
        [f"H{k + 1}" if nh == 1 else f"H{li}_{k + 1}" for k in range(n)]
        for li, n in enumerate(sizes[1:-1], 1)] + [[f"O{k + 1}" for k in range(sizes[-1])]]


def _f(x: float, spec: str) -> str:
    return format(float(x) + 0.0, spec)  # + 0.0: no "-0"


def draw_network(model: Any, show_grads: bool = False, max_neurons: int = 8, precision: int = 2,
                 x: Any = None, target: Any = None, max_labels: int = 40) -> graphviz.Digraph:
    """The article's picture: input, hidden and output layers as columns of neurons.

    Synapses carry their weights (``precision`` decimals), blue when positive, red when
    negative, thicker for larger ``|w|``. A layer that feeds a Linear with a bias has a
    bias neuron ("B1", output 1; a yellow dashed box) at the bottom of its column; the
    output layer never has one. Layers wider than ``max_neurons`` keep their first and
    last neurons around a "… N more" node. Between two columns with more than
    ``max_labels`` synapses the weights are only in tooltips (SVG). Nodes are
    ``n{layer}_{neuron}``, ``b{layer}`` and ``e{layer}``; positions are pinned, so the
    layout engine is neato.

    ``x`` (one sample) adds every neuron's output; with ``target`` and ``show_grads``,
    the deltas ``δ = −∂(½·Σ(ideal − out)²)/∂(neuron input)`` and the synapse gradients
    ``GRAD = out_A·δ_B`` (the article's convention, computed on copies: the model's
    ``.grad`` is untouched). ``show_grads`` without a target shows the parameters'
    stored ``.grad`` (∂L/∂w from your last backward pass). ``model``: an MLP, a
    Sequential of Linear and activation modules, a Linear, or a neurons.NeuronNet.
    """
    if isinstance(max_neurons, bool) or not isinstance(max_neurons, int) or max_neurons < 2:
        raise ValueError(f"draw_network: max_neurons must be an int >= 2, got {max_neurons!r}")
    layers, names = _network_layers(model)
    sizes = [layers[0]["W"].shape[0]] + [L["W"].shape[1] for L in layers]
    names, nl = names or _neuron_names(sizes), len(sizes) - 1
    outs, deltas, grads, err = ([], [], [], None) if x is None else _trace(layers, x, target)
    p, gp = f".{precision}f", f".{precision + 1}g"
    wmax = max([float(np.abs(L["W"]).max()) for L in layers] +
               [float(np.abs(L["b"]).max()) for L in layers if L["b"] is not None]) or 1.0
    edge_grads = show_grads  # the sample's GRADs, or else the stored .grad
    nlines = 1 + bool(outs) + bool(show_grads and deltas)
    longest = max(len(nm) for layer in names for nm in layer)
    diam = max((0.5, 0.75, 0.95)[nlines - 1], 0.1 * longest + 0.15)
    row = diam + 0.3
    col = 2.6 + 0.5 * edge_grads + 0.3 * (layers[0]["names"] is not None)
    g = _Digraph(name="network", engine="neato", graph_attr={
        "rankdir": "LR", "splines": "false", "outputorder": "edgesfirst", "fontname": FONT,
        "labelloc": "b", "fontsize": "10"},
        node_attr={"fontname": FONT, "fontsize": "10"},
        edge_attr={"fontname": FONT, "fontsize": "9", "arrowsize": "0.6"})
    pos, shown, top = {}, [_shown(n, max_neurons) for n in sizes], 0.0
    for c, n in enumerate(sizes):
        slots = []
        for k, j in enumerate(shown[c]):
            if k and j != shown[c][k - 1] + 1:
                slots.append((f"e{c}", None))
            slots.append((f"n{c}_{j}", j))
        if c < nl and layers[c]["b"] is not None:
            slots.append((f"b{c}", None))
        top = max(top, (len(slots) - 1) / 2 * row)
        with g.subgraph(name=f"layer{c}") as s:  # a column: rank=same for dot users
            s.attr(rank="same")
            for k, (node, j) in enumerate(slots):
                pos[node] = (c * col, ((len(slots) - 1) / 2 - k) * row)
                at = {"pos": f"{pos[node][0]:.3f},{pos[node][1]:.3f}!"}
                if node[0] == "e":
                    s.node(node, f"… {n - len(shown[c])} more", shape="plaintext", **at)
                elif node[0] == "b":
                    s.node(node, _html(f"<B>B{c + 1}</B>", "1"), shape="box", width="0.45",
                           height="0.45", fixedsize="true", style="rounded,filled,dashed",
                           fillcolor=C_FOLD, **at)
                else:
                    lines = [f"<B>{_esc(names[c][j])}</B>"]
                    if outs:
                        lines.append(f"out {_f(outs[c][j], p)}")
                    if show_grads and deltas and c > 0:
                        lines.append(f"δ {_f(deltas[c - 1][j], gp)}")
                    s.node(node, _html(*lines), shape="circle", width=str(diam),
                           fixedsize="true", style="filled", fillcolor=(
                               C_INPUT if c == 0 else C_PARAM if c == nl else C_ROOT), **at)
    for c in range(nl + 1):
        title = ("Input layer" if c == 0 else "Output layer" if c == nl else "Hidden layer"
                 + (f" {c}" if nl > 2 else "")) + ("" if c == 0 else f" ({layers[c - 1]['act']})")
        g.node(f"t{c}", _esc(title), shape="plaintext", fontsize="11",
               pos=f"{c * col:.3f},{top + row * 0.8:.3f}!")
    for c, L in enumerate(layers):
        GW, Gb, tag = (grads[c][0], grads[c][1], "GRAD") if grads else (L["gW"], L["gb"], "∂L/∂w")
        srcs = [(f"n{c}_{a}", L["W"][a], GW[a], None if L["names"] is None else L["names"][a])
                for a in shown[c]]
        if L["b"] is not None:
            srcs.append((f"b{c}", L["b"], Gb, L["bnames"]))
        for a, (tail, ws, gs, wn) in enumerate(srcs):
            t = 0.3 + 0.35 * a / (len(srcs) - 1) if len(srcs) > 1 else 0.3  # label stagger
            for k in shown[c + 1]:
                head, w = f"n{c + 1}_{k}", float(ws[k])
                text = _esc((f"{wn[k]}: " if wn is not None else "") + _f(w, p))
                if edge_grads:
                    text += f'<BR/><FONT COLOR="#495057">{tag} {_f(gs[k], gp)}</FONT>'
                (x0, y0), (x1, y1) = pos[tail], pos[head]
                dist = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 * 72  # points
                colour = C_POS if w > 0 else C_NEG if w < 0 else C_ZERO
                label = {} if len(srcs) * len(shown[c + 1]) > max_labels else {
                    "taillabel": f'<<TABLE BORDER="0" CELLPADDING="0" BGCOLOR="white">'
                                 f"<TR><TD>{text}</TD></TR></TABLE>>", "labelangle": "0",
                    "labeldistance": f"{(t * dist - 36 * diam) / 10:.2f}"}
                g.edge(tail, head, color=colour, fontcolor=colour if w else "#495057",
                       penwidth=f"{0.6 + 3.4 * abs(w) / wmax:.2f}",
                       tooltip=f"{tail} -> {head}: w = {w!r}", **label)
    notes = ["synapses: blue w > 0, red w < 0, width ∝ |w|; yellow: bias neurons (out 1)"]
    if outs:
        notes.append(f"sample x = [{', '.join(_f(v, gp) for v in outs[0])}]" + (
            "" if err is None else f", ideal = [{', '.join(_f(v, gp) for v in np.ravel(target))}]"
            f", error (MSE) = {err:.4f}"))
    if show_grads:
        notes.append("δ = −∂(½·Σ(ideal − out)²)/∂(neuron input); GRAD = out_A·δ_B" if grads
                     else "∂L/∂w: the parameters' .grad from the last backward pass")
    g.attr(label=_html(*(_esc(t, 200) for t in notes)))
    return g


__all__ = ["draw_network"]
