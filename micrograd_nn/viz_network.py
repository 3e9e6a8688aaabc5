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


# ---------------------------------------------------------------- label placement
# Helvetica advance widths (em) for the characters of weight labels; others: 0.6/0.72
_EM = {**dict.fromkeys("0123456789", 0.556), **dict.fromkeys(".,: ", 0.278), "-": 0.333}
_FRACTIONS = np.linspace(0.06, 0.94, 45)  # where along a synapse a label may sit


def _label_size(lines: list[str], size: float = 9.0) -> tuple[float, float]:
    """(width, height) in inches of a label of plain-text ``lines`` (a generous guess)."""
    em = max(sum(_EM.get(ch, 0.72 if ch.isupper() else 0.6) for ch in t) for t in lines)
    return (1.05 * em * size + 10) / 72, (10.5 * len(lines) + 5) / 72


def _hits(boxes: np.ndarray, segs: np.ndarray, samples: int = 48) -> np.ndarray:
    """(K, M): does segment m (x0, y0, x1, y1) pass through box k (x0, y0, x1, y1)?
    Tested at ``samples`` points along it (labels are far bigger than the spacing)."""
    t = np.linspace(0.0, 1.0, samples)[None, :, None]
    pts = segs[:, None, :2] + t * (segs[:, None, 2:] - segs[:, None, :2])  # (M, P, 2)
    x, y, b = pts[None, ..., 0], pts[None, ..., 1], boxes[:, None, None, :]
    return ((x > b[..., 0]) & (x < b[..., 2]) & (y > b[..., 1]) & (y < b[..., 3])).any(axis=2)


def _near(px: np.ndarray, py: np.ndarray, segs: np.ndarray, r: float) -> np.ndarray:
    """(K,): for points (px, py), the sum over segments of ``max(0, 1 - distance / r)``:
    how squarely other synapses pass through a label centred there."""
    if not len(segs):
        return np.zeros(len(px))
    a, d = segs[None, :, :2], segs[None, :, 2:] - segs[None, :, :2]
    p = np.stack([px, py], 1)[:, None, :]
    t = np.clip(((p - a) * d).sum(-1) / np.maximum((d * d).sum(-1), 1e-12), 0.0, 1.0)
    dist = np.hypot(*np.moveaxis(a + t[..., None] * d - p, -1, 0))
    return np.clip(1.0 - dist / r, 0.0, None).sum(axis=1)


def _area(boxes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """(K,): the total area by which each box overlaps the ``others`` (N, 4)."""
    if not len(others):
        return np.zeros(len(boxes))
    b, o = boxes[:, None, :], others[None, :, :]
    w = np.minimum(b[..., 2], o[..., 2]) - np.maximum(b[..., 0], o[..., 0])
    h = np.minimum(b[..., 3], o[..., 3]) - np.maximum(b[..., 1], o[..., 1])
    return (np.clip(w, 0, None) * np.clip(h, 0, None)).sum(axis=1)


def _place_labels(segs: np.ndarray, sizes: np.ndarray, prefer: np.ndarray,
                  obstacles: np.ndarray, rounds: int = 4) -> tuple[np.ndarray, float, int]:
    """Where along its synapse each label goes, as a fraction from tail to head centre.

    ``segs`` (n, 4): the synapses; ``sizes`` (n, 2): label width, height; ``prefer``:
    the fraction each label takes when it is free to; ``obstacles`` (m, 4): the neurons'
    boxes. Each label in turn (the most hemmed-in first) takes the spot that overlaps
    the least of the other labels and the neurons, then has the fewest other synapses
    running under it, and those far from its centre (never on a crossing), then is
    nearest its preferred fraction; a few rounds let early labels move for later ones.
    Returns the fractions, the area of label still overlapping something (0: none) and
    the number of (label, synapse under it) pairs."""
    n, pad = len(segs), 2 / 72
    half = sizes / 2 + pad
    cands, fixed, under = [], [], []
    for i in range(n):
        x0, y0, x1, y1 = segs[i]
        cx, cy = x0 + _FRACTIONS * (x1 - x0), y0 + _FRACTIONS * (y1 - y0)
        cand = np.stack([cx - half[i, 0], cy - half[i, 1], cx + half[i, 0], cy + half[i, 1]], 1)
        cands.append(cand)
        rest = np.delete(segs, i, axis=0)
        under.append(_hits(cand, rest).sum(axis=1))
        fixed.append(1e3 * _area(cand, obstacles) / (sizes[i, 0] * sizes[i, 1]) + under[i]
                     + 3 * _near(cx, cy, rest, float(np.hypot(*half[i])))
                     + 0.5 * abs(_FRACTIONS - prefer[i]))
    order = sorted(range(n), key=lambda i: (int((fixed[i] < 1).sum()), i))
    pick = np.full(n, -1)
    for _ in range(rounds):
        moved = False
        for i in order:
            others = np.array([cands[j][pick[j]] for j in range(n) if j != i and pick[j] >= 0])
            cost = fixed[i] + 1e3 * _area(cands[i], others.reshape(-1, 4)) / (
                sizes[i, 0] * sizes[i, 1])
            k = int(np.argmin(cost))
            moved |= pick[i] != k
            pick[i] = k
        if not moved:
            break
    boxes = np.array([cands[i][pick[i]] for i in range(n)])
    over = sum(float(_area(boxes[i:i + 1], np.r_[boxes[i + 1:], obstacles])[0]) for i in range(n))
    return _FRACTIONS[pick], over, int(sum(under[i][pick[i]] for i in range(n)))


def draw_network(model: Any, show_grads: bool = False, max_neurons: int = 8, precision: int = 2,
                 x: Any = None, target: Any = None, max_labels: int = 40) -> graphviz.Digraph:
    """The article's picture: input, hidden and output layers as columns of neurons.

    Synapses carry their weights (``precision`` decimals), blue when positive, red when
    negative, thicker for larger ``|w|``. Each label sits on its own synapse, where it
    overlaps no other label or neuron and as few other synapses as possible (never
    centred on a crossing); columns move apart (2.6 to 4.4 inches) when that needs
    room. A layer that feeds a Linear with a bias has a bias neuron ("B1", output 1; a
    yellow dashed box) at the bottom of its column; the output layer never has one.
    Layers wider than ``max_neurons`` keep their first and last neurons around a
    "… N more" node. Between two columns with more than ``max_labels`` synapses the
    weights are only in tooltips (SVG), and a note says so. Nodes are
    ``n{layer}_{neuron}``, ``b{layer}``, ``e{layer}`` and, for a synapse's label,
    ``w_{tail}_{head}``; positions are pinned, so the layout engine is neato.

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
    nlines = 1 + bool(outs) + bool(show_grads and deltas)
    longest = max(len(nm) for layer in names for nm in layer)
    diam = max((0.5, 0.75, 0.95)[nlines - 1], 0.1 * longest + 0.15)
    row = diam + 0.3
    shown = [_shown(n, max_neurons) for n in sizes]
    # each column's slots top to bottom (neurons, "… N more", the bias neuron) and heights
    cols: list[list[tuple[str, int | None]]] = []
    for c in range(nl + 1):
        slots = []
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
        xs.append(xs[-1] + (_gap(syn, c, xs[-1], ys, half, cols[c] + cols[c + 1])
                            if labelled else 2.6))
        if not labelled:
            notes.append(f"{_title(c, nl)} → {_title(c + 1, nl)}: {len(syn)} synapses, more "
                         f"than max_labels={max_labels}: weights in tooltips (SVG)")
            for e in syn:
                e["at"] = None
    g = _Digraph(name="network", engine="neato", graph_attr={
        "rankdir": "LR", "splines": "false", "outputorder": "edgesfirst", "fontname": FONT,
        "labelloc": "b", "fontsize": "10"},
        node_attr={"fontname": FONT, "fontsize": "10"}, edge_attr={"arrowsize": "0.6"})
    for c, n in enumerate(sizes):
        with g.subgraph(name=f"layer{c}") as s:  # a column: rank=same for dot users
            s.attr(rank="same")
            for node, j in cols[c]:
                at = {"pos": f"{xs[c]:.3f},{ys[node]:.3f}!"}
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
        title = _title(c, nl) + ("" if c == 0 else f" ({layers[c - 1]['act']})")
        g.node(f"t{c}", _esc(title), shape="plaintext", fontsize="11",
               pos=f"{xs[c]:.3f},{top + row * 0.8:.3f}!")
    for syn in synapses:
        for e in syn:
            _draw_synapse(g, e, xs, ys, wmax)
    notes.insert(0, "synapses: blue w > 0, red w < 0, width ∝ |w|; yellow: bias neurons (out 1)")
    if outs:
        notes.append(f"sample x = [{', '.join(_f(v, gp) for v in outs[0])}]" + (
            "" if err is None else f", ideal = [{', '.join(_f(v, gp) for v in np.ravel(target))}]"
            f", error (MSE) = {err:.4f}"))
    if show_grads:
        notes.append("δ = −∂(½·Σ(ideal − out)²)/∂(neuron input); GRAD = out_A·δ_B" if grads
                     else "∂L/∂w: the parameters' .grad from the last backward pass")
    g.attr(label=_html(*(_esc(t, 200) for t in notes)))
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
                lines = [(f"{wn[k]}: " if wn is not None else "") + _f(ws[k], p)]
                if show:
                    lines.append(f"{tag} {_f(gs[k], gp)}")
                syn.append({"tail": tail, "head": f"n{c + 1}_{k}", "w": float(ws[k]),
                            "lines": lines, "prefer": prefer, "at": prefer})
        out.append(syn)
    return out


def _col(node: str) -> int:
    """The column of a node named n{column}_{k}, b{column} or e{column}."""
    return int(node[1:].split("_")[0])


def _gap(syn: list[dict[str, Any]], c: int, x0: float, ys: dict[str, float],
         half: dict[str, tuple[float, float]], nodes: list[tuple[str, Any]]) -> float:
    """The distance to the next column that lets these synapses' labels sit apart, and
    their places (``syn[i]["at"]``): the narrowest of a few widths with no overlaps,
    preferring fewer synapses under labels; 2.6 inches or more."""
    sizes = np.array([_label_size(e["lines"]) for e in syn])
    prefer = np.array([e["prefer"] for e in syn])
    best = None
    for gap in (2.6, 3.1, 3.7, 4.4):
        pos = {nd: (x0 if _col(nd) == c else x0 + gap, ys[nd]) for nd, _ in nodes}
        segs = np.array([[*pos[e["tail"]], *pos[e["head"]]] for e in syn])
        obst = np.array([[pos[nd][0] - half[nd][0], pos[nd][1] - half[nd][1],
                          pos[nd][0] + half[nd][0], pos[nd][1] + half[nd][1]] for nd, _ in nodes])
        at, over, under = _place_labels(segs, sizes, prefer, obst)
        key = (over > 1e-9, under, gap)
        if best is None or key < best[0]:
            best = (key, at)
        if not key[0] and not under:
            break
    for e, t in zip(syn, best[1], strict=True):
        e["at"] = float(t)
    return best[0][2]


def _draw_synapse(g: graphviz.Digraph, e: dict[str, Any], xs: list[float],
                  ys: dict[str, float], wmax: float) -> None:
    """A synapse: an edge coloured by sign, as wide as |w|, and its label as a node of
    its own (drawn after every edge, so no line crosses its text), centred on the line
    at the fraction ``e["at"]`` of the way from tail to head (None: a tooltip only)."""
    tail, head, w = e["tail"], e["head"], e["w"]
    colour = C_POS if w > 0 else C_NEG if w < 0 else C_ZERO
    tip = f"{tail} -> {head}: w = {w!r}"
    g.edge(tail, head, color=colour, penwidth=f"{0.6 + 3.4 * abs(w) / wmax:.2f}", tooltip=tip)
    if e["at"] is None:
        return
    (x0, y0), (x1, y1) = ((xs[_col(n)], ys[n]) for n in (tail, head))
    t = e["at"]
    text = _esc(e["lines"][0]) + "".join(
        f'<BR/><FONT COLOR="#495057">{_esc(line)}</FONT>' for line in e["lines"][1:])
    g.node(f"w_{tail}_{head}", f'<<TABLE BORDER="0" CELLPADDING="1" CELLSPACING="0" '
                               f'BGCOLOR="white"><TR><TD>{text}</TD></TR></TABLE>>',
           shape="plaintext", margin="0", width="0", height="0", fontsize="9",
           fontcolor=colour if w else "#495057", tooltip=tip,
           pos=f"{x0 + t * (x1 - x0):.3f},{y0 + t * (y1 - y0):.3f}!")


__all__ = ["draw_network"]
