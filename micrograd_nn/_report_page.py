"""The pictures and data of [`micrograd_nn.report`][]'s page, one function per panel.

Every picture is made by Graphviz ([`draw_network`][micrograd_nn.viz.draw_network],
[`draw_graph`][micrograd_nn.viz.draw_graph]) or matplotlib ([`micrograd_nn.plots`][]), as
SVG inlined into the page; what the page's script changes per snapshot or step (a
synapse's colour, width and label, a cursor's place, a raster frame, which values are
shown) comes with it as plain data, so the script draws nothing itself.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from typing import Any, cast

import numpy as np

from .deltas import backprop, forward, update
from .engine import Value
from .explain import explain
from .losses import sse_half
from .neurons import NeuronNet
from .notation import ARTICLE_ALPHA, ARTICLE_E, lr_for, neuron_names, synapse_names
from .drawing import C_NEG, C_POS, C_ZERO
from .viz import draw_graph, draw_network, graph_nodes

#: The neuron-by-neuron graph is drawn up to this many synapses ("auto").
NEURON_GRAPH_MAX_SYNAPSES = 40
_RES = 120  # decision-boundary frames: grid points per axis


def _svg_or_note(digraph: Any, what: str) -> str:
    """The Graphviz SVG of `digraph`, or a note when Graphviz's `dot` is missing."""
    import graphviz

    try:
        return digraph.pipe(format="svg").decode("utf-8")
    except graphviz.ExecutableNotFound:
        return (f"<p class='note'>The {what} needs Graphviz's dot, which is not installed "
                "(apt-get install graphviz).</p>")


def inline_svg(svg: str, prefix: str) -> str:
    """`svg` ready to sit in an HTML page: no XML prolog, doctype, comments or metadata,
    and every id (with the `url(#..)`/`href="#.."` pointing at it) prefixed, so two
    pictures' ids (Graphviz's "node1", matplotlib's clip paths) never collide."""
    svg = re.sub(r"<\?xml.*?\?>|<!DOCTYPE.*?>|<!--.*?-->|<metadata>.*?</metadata>", "", svg,
                 flags=re.S)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    return re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg).strip()


def _plain(a: Any) -> Any:
    """A number or array as JSON data: floats or nested lists, None for NaN/inf."""
    if a is None:
        return None
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim == 0:
        return float(arr) if math.isfinite(arr) else None
    if np.isfinite(arr).all():
        return arr.tolist()
    out = arr.astype(object)
    out[~np.isfinite(arr)] = None
    return out.tolist()


# ---------------------------------------------------------------- the network
def network_part(model: Any, st: dict[str, Any], snaps: list[Any]) -> tuple[str, dict]:
    """`draw_network(model)` as inline SVG, and for the script: each drawn synapse's
    index in the weight vector (by the edge's Graphviz name "n0_0->n1_0", "b0->n1_0"),
    the largest |w| over all snapshots (line widths are relative to it: growth shows),
    the colours and the label precision `draw_network` uses."""
    svg = _svg_or_note(draw_network(model), "network diagram")
    edges, i = {}, 0
    for c, (w, b, _) in enumerate(st["layers"]):
        for a, k in np.ndindex(*w.shape):
            edges[f"n{c}_{a}->n{c + 1}_{k}"] = i
            i += 1
        for k in range(0 if b is None else b.size):
            edges[f"b{c}->n{c + 1}_{k}"] = i
            i += 1
    every = np.concatenate([s.weights for s in snaps])
    every = np.abs(every[np.isfinite(every)])
    wmax = float(every.max()) if every.size and every.max() > 0 else 1.0
    return inline_svg(svg, "net"), {"edges": edges, "wmax": wmax, "precision": 2,
                                    "colors": [C_POS, C_NEG, C_ZERO]}


# ---------------------------------------------------------------- matplotlib
def _svg_of(fig: Any, prefix: str) -> str:
    import matplotlib

    buf = io.StringIO()
    # text as text (smaller, selectable); a fixed salt: the same run gives the same ids
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": prefix}):
        fig.savefig(buf, format="svg", dpi=72)
    return buf.getvalue()


def loss_part(history: Any, epochs: list[int]) -> tuple[str, dict]:
    """`plot_history` (training and validation error) as inline SVG with a cursor
    group appended, and the cursor's place for each snapshot's epoch, in the SVG's own
    coordinates (from the axes' transforms at 72 dpi, SVG's points): `x`, `y` of the
    marker (None when the loss is not finite) and the axes' `top`/`bottom`."""
    from .plots import plot_history

    fig = plot_history(history, diagnosis=False, title="Error per epoch")
    fig.set_size_inches(5.2, 3.4)  # the page shows it a third wide: text stays legible
    fig.set_layout_engine("none")  # fixed margins: constrained layout doubles the time
    fig.axes[0].set_position([0.15, 0.15, 0.82, 0.76])
    fig.set_dpi(72)  # 72 dpi: display coordinates are the SVG's (points)
    svg = _svg_of(fig, "loss")
    ax, height = fig.axes[0], fig.bbox.height
    x0, y0, x1, y1 = ax.bbox.extents
    ybase = ax.get_ylim()[0]
    curve = [history.initial_loss] + list(history.loss)
    xs, ys = [], []
    for e in epochs:
        xs.append(round(float(ax.transData.transform((e, ybase))[0]), 2))
        v = curve[e] if e < len(curve) else None
        py = None
        if v is not None and math.isfinite(v) and (ax.get_yscale() != "log" or v > 0):
            py = float(ax.transData.transform((e, v))[1])
        ys.append(None if py is None or not math.isfinite(py) else round(height - py, 2))
    cursor = {"x": xs, "y": ys, "top": round(height - y1, 2), "bottom": round(height - y0, 2)}
    mark = (f'<g id="cursor" class="cursor"><line x1="{xs[0]}" x2="{xs[0]}" '
            f'y1="{cursor["top"]}" y2="{cursor["bottom"]}"/><circle r="4" cx="{xs[0]}" '
            f'cy="{ys[0] or 0}"/></g></svg>')
    return inline_svg(svg[:svg.rfind("</svg>")] + mark, "loss"), cursor


def _frame_png(rgb: np.ndarray) -> str:
    from matplotlib.image import imsave

    buf = io.BytesIO()
    imsave(buf, rgb, format="png")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def boundary_part(X: np.ndarray, y: np.ndarray, dense: list[tuple[list, list]],
                  acts: list[str]) -> tuple[str, list[str]]:
    """For 2-D inputs: a matplotlib SVG of the data over the first snapshot's regions
    (as `plot_decision_boundary` shades them: one output's score, pale blue to red,
    with the boundary where it crosses 0.5, or 0 for -1/1 labels; several outputs'
    argmax class), and one PNG frame of the regions per snapshot (data URIs, rendered
    with matplotlib's colour maps; the page swaps them into the SVG's image)."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import ListedColormap, Normalize
    from matplotlib.figure import Figure

    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], _RES), np.linspace(hi[1], lo[1], _RES))
    grid = np.c_[gx.ravel(), gy.ravel()]  # row 0 of a frame is the top of the plot
    with np.errstate(all="ignore"):
        outs = [forward(ws, bs, grid, acts)[1][-1].reshape(_RES, _RES, -1) for ws, bs in dense]
    labels = y.argmax(axis=1) if y.shape[1] > 1 else y[:, 0]
    single = outs[0].shape[2] == 1
    if single:
        thr = 0.0 if set(np.unique(labels)) <= {-1, 1} and labels.min() < 0 else 0.5
        dev = np.concatenate([np.abs(o[..., 0] - thr).ravel() for o in outs])
        dev = dev[np.isfinite(dev)]
        half = float(dev.max()) if dev.size and dev.max() > 0 else 1.0
        norm = Normalize(thr - half, thr + half)  # white at the threshold, every frame
        base = colormaps["RdBu_r"]
        pale = ListedColormap(1 - 0.45 * (1 - base(np.linspace(0, 1, 256))[:, :3]))
        classes = [np.where(np.isfinite(o[..., 0]), o[..., 0] > thr, -1) for o in outs]
        colour = [pale(norm(np.nan_to_num(o[..., 0], nan=thr)))[..., :3] for o in outs]
    else:
        tab = colormaps["tab10"]
        classes = [np.where(np.isfinite(o).all(axis=2), o.argmax(axis=2), -1) for o in outs]
        colour = [1 - 0.35 * (1 - tab(c % 10)[..., :3]) for c in classes]
    frames = []
    for cls, rgb in zip(classes, colour, strict=True):
        edge = np.zeros(cls.shape, dtype=bool)  # where the class changes: the boundary
        edge[:, 1:] |= cls[:, 1:] != cls[:, :-1]
        edge[1:, :] |= cls[1:, :] != cls[:-1, :]
        rgb = rgb.copy()
        rgb[edge] = 0.1
        frames.append((np.clip(rgb, 0, 1) * 255).astype(np.uint8))
    fig = Figure(figsize=(4.3, 3.6), dpi=72)  # fixed margins, as the loss curve's
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.16, 0.13, 0.6 if single else 0.8, 0.78))
    ax.imshow(frames[0], extent=(lo[0], hi[0], lo[1], hi[1]), interpolation="none",
              aspect="auto")
    ax.scatter(X[:, 0], X[:, 1], c=labels, cmap="RdBu_r" if single else "tab10",
               edgecolors="black", linewidths=1.2, s=40, zorder=3)
    if single:
        fig.colorbar(ScalarMappable(norm, pale), cax=fig.add_axes((0.8, 0.13, 0.04, 0.78)),
                     label="model output")
    ax.set(xlabel="x1", ylabel="x2", title="Decision boundary (dark line)")
    svg = _svg_of(fig, "bnd").replace('style="image-rendering:crisp-edges;image-rendering:'
                                      'pixelated"', "")
    return inline_svg(svg, "bnd"), [_frame_png(f) for f in frames]


# ---------------------------------------------------------------- the stepper
def _topo(root: Value) -> list[Value]:
    """Every Value `root` depends on, inputs before outputs (iterative DFS)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        v, done = stack.pop()
        if done:
            order.append(v)
            continue
        if id(v) in seen:
            continue
        seen.add(id(v))
        stack.append((v, True))
        stack.extend((u, False) for u in reversed(v.inputs)
                     if type(u) is Value and id(u) not in seen)
    return order


def _neuron_graph(st: dict[str, Any], x: np.ndarray, t: np.ndarray) -> tuple[Value, dict, dict]:
    """The sample's `½·Σ(ideal − out)²` through a NeuronNet copy (a node per synapse),
    and per Value the explain keys its value (forward) and gradient (backward) show."""
    sizes, acts = st["sizes"], st["acts"]
    net = NeuronNet(sizes[0], sizes[1:-1], sizes[-1],
                    activation=acts[0] if len(acts) > 1 else "sigmoid",
                    output_activation=acts[-1], bias=list(st["has_bias"]),
                    weights=[(w, b) for w, b, _ in st["layers"]])
    outs = net([Value(float(v), f"I{k + 1}", requires_grad=False) for k, v in enumerate(x)])
    fwd: dict[int, list[str]] = {}
    bwd: dict[int, list[str]] = {}
    for n in (n for layer in net.layers[1:] for n in layer):
        fwd[id(n.input)] = [f"{n.name}input"]
        fwd.setdefault(id(n.output), []).append(f"{n.name}output")
        bwd[id(n.input)] = [f"δ{n.name}"]
    by_weight = {id(s.weight): s for s in net.synapses}
    for s in net.synapses:
        bwd[id(s.weight)] = [f"GRAD{s.name}"]
    root = sse_half(outs, [float(v) for v in t])
    for v in _topo(root):  # name each product out_A·w as the article would: "I1·w1"
        syn = next((by_weight[id(u)] for u in v.inputs if id(u) in by_weight), None)
        if v.op == "mul" and syn is not None and not v.label:
            v.label = f"{syn.source.name}·{syn.name}"
    return root, fwd, bwd


def _tensor_graph(st: dict[str, Any], x: np.ndarray, t: np.ndarray) -> tuple[Value, dict, dict]:
    """The same loss with a node per layer (`x @ W + b`, then the activation)."""
    names = neuron_names(st["sizes"])
    syn = synapse_names(st["sizes"], st["has_bias"])
    h = Value(x[None, :], "x", requires_grad=False)
    fwd: dict[int, list[str]] = {}
    bwd: dict[int, list[str]] = {}
    for li, ((w, b, act), (wn, bn)) in enumerate(zip(st["layers"], syn, strict=True)):
        W = Value(w.copy(), f"W{li + 1}")
        z = h @ W
        bwd[id(W)] = [f"GRAD{n}" for n in wn.ravel()]
        if b is not None:
            B = Value(b.copy(), f"b{li + 1}")
            z = z + B
            bwd[id(B)] = [f"GRAD{n}" for n in cast(np.ndarray, bn)]  # a bias: bn is set
        z.label = f"layer {li + 1} in"
        h = z if act == "identity" else getattr(z, act)()
        if h is not z:
            h.label = f"layer {li + 1} out"
        fwd[id(z)] = [f"{n}input" for n in names[li + 1]]
        fwd.setdefault(id(h), []).extend(f"{n}output" for n in names[li + 1])
        bwd[id(z)] = [f"δ{n}" for n in names[li + 1]]
    return sse_half(h, t[None, :]), fwd, bwd


def article_rate(params: dict[str, Any], n_out: int) -> tuple[float, float, str]:
    """The article's `(E, α)` equal to the run's SGD step (`lr = lr_for(E, ...)`), or
    the article's own 0.7/0.3 when the run's step is not the article's, with a note."""
    loss, lr = params.get("loss"), params.get("lr")
    if params.get("optimizer") == "SGD" and loss in ("mse", "sse_half") and lr:
        k = params.get("batch_size") or params.get("n_samples") or 1
        per = lr_for(1.0, loss, n_out, int(k), params.get("reduction") or "mean")
        return float(lr) / per, float(params.get("momentum") or 0.0), (
            f"E = {float(lr) / per:.6g} and α = {params.get('momentum') or 0:g}: the run's "
            f"learning rate {lr:g} with loss {loss} is the article's E = {float(lr) / per:.6g}")
    return ARTICLE_E, ARTICLE_ALPHA, (
        f"the run's {params.get('optimizer')} on {loss} is not the article's step, so the "
        f"article's own E = {ARTICLE_E} and α = {ARTICLE_ALPHA} are shown")


_SECTIONS = (("Forward pass", "fwd"), ("Backward pass", "bwd"), ("Gradients", "grad"),
             ("Updates", "upd"), ("After the step", "after"))
_KEY = re.compile(r"^(δ|GRAD|Δ)?(\w+?)(input|output|ideal)? = ")


def stepper_part(model: Any, st: dict[str, Any], history: Any, x: np.ndarray,
                 t: np.ndarray, E: float | None, alpha: float | None, digits: int,
                 graph: str) -> dict[str, Any]:
    """The stepper: the graph's SVG, the explain lines (HTML, each with the step that
    reveals it), a note, and for the script the steps (forward: each non-leaf Value in
    topological order; backward: each Value with a gradient, in reverse; then the
    update) and every node's label, data and gradient."""
    same = len(set(st["acts"][:-1])) <= 1
    form = graph if graph != "auto" else (
        "neurons" if same and len(st["names"]) <= NEURON_GRAPH_MAX_SYNAPSES else "tensors")
    if form == "neurons" and not same:
        raise ValueError("write_report: graph='neurons' needs one activation for all hidden "
                         f"layers (a NeuronNet), these use {st['acts'][:-1]}")
    root, fwd, bwd = (_neuron_graph if form == "neurons" else _tensor_graph)(st, x, t)
    root.label = "E = ½·Σ(ideal − out)²"
    root.backward()
    nodes, index, *_ = graph_nodes(root)  # draw_graph names each Value v{its index here}
    order = _topo(root)
    steps = [{"n": f"v{index[id(v)]}", "p": "f", "k": fwd.get(id(v), [])} for v in order
             if v.op]
    steps += [{"n": f"v{index[id(v)]}", "p": "b", "k": bwd.get(id(v), [])}
              for v in reversed(order) if v.requires_grad]
    steps.append({"n": None, "p": "u", "k": []})
    info = {f"v{i}": {"label": v.label, "data": _plain(v.data), "op": v.op,
                      "grad": _plain(v.grad) if v.requires_grad else None}
            for i, v in enumerate(nodes)}
    svg = inline_svg(_svg_or_note(draw_graph(root, max_nodes=len(nodes) + 1),
                                  "computation graph"), "graph")
    E0, a0, note = article_rate(dict(getattr(history, "params", {}) or {}), st["sizes"][-1])
    E = E0 if E is None else float(E)
    alpha = a0 if alpha is None else float(alpha)
    if E != E0 or alpha != a0:
        note = f"E = {E:g} and α = {alpha:g}, as asked"
    lines = _lines(model, st, x, t, E, alpha, digits, steps)
    if lines is None:
        note = ("The article's notation (δ, GRAD, Δw) is for sigmoid neurons; this network "
                f"uses {', '.join(st['acts'])}, so only the graph is stepped")
        lines = f'<p class="note" id="no-notation">{html.escape(note)}.</p>'
    return {"svg": svg, "lines": lines, "note": html.escape(note),
            "data": {"steps": steps, "nodes": info, "form": form}}


def _lines(model: Any, st: dict[str, Any], x: np.ndarray, t: np.ndarray, E: float,
           alpha: float, digits: int, steps: list[dict]) -> str | None:
    """explain's text for this sample, a `div` per line with `data-step` (the step
    that reveals it: a Value's forward or backward step, else the end of its phase) and
    `data-key`/`data-value` (the exact number, from the same delta-rule functions
    explain uses). None when explain does not apply (not all sigmoid)."""
    try:
        text = explain(model, x, t, lr=E, momentum=alpha, digits=digits)
    except TypeError:
        return None
    ws, bs = [w for w, _, _ in st["layers"]], [b for _, b, _ in st["layers"]]
    dp = backprop(ws, bs, x, t)
    exact = dp.named()
    _, _, dws, dbs = update(ws, bs, dp.grad_w, dp.grad_b, E, alpha, None)
    flat = np.concatenate([np.r_[dw.ravel(), [] if db is None else db]
                           for dw, db in zip(dws, dbs, strict=True)])
    exact.update({f"Δ{n}": float(v) for n, v in zip(st["names"], flat, strict=True)})
    at: dict[str, dict[str, int]] = {"f": {}, "b": {}}
    for i, s in enumerate(steps, 1):
        for k in s["k"]:
            at[s["p"]].setdefault(k, i)
    first_b = next(i for i, s in enumerate(steps, 1) if s["p"] == "b")
    end = {"fwd": first_b - 1, "bwd": len(steps) - 1, "grad": len(steps) - 1}
    out, sec = [], "pre"
    for line in text.split("\n"):
        head = next((name for title, name in _SECTIONS if line.startswith(title)), None)
        m = _KEY.match(line)
        key = "".join(g or "" for g in m.groups()) if m else ""
        if head:
            sec = head
            step = {"fwd": 0, "bwd": first_b, "grad": first_b}.get(sec, len(steps))
        elif sec == "fwd":
            step = at["f"].get(key, end["fwd"]) if line else 0
        elif sec in ("bwd", "grad"):
            step = at["b"].get(key, end[sec]) if line else first_b
        else:
            step = len(steps) if sec in ("upd", "after") and line else 0
        value = exact.get(key) if key and sec in ("fwd", "bwd", "grad", "upd") else None
        attrs = f' data-key="{html.escape(key)}"' if key else ""
        if value is not None:
            attrs += f' data-value="{value!r}"'
        cls = "xl head" if head else "xl"
        out.append(f'<div class="{cls}" data-sec="{sec}" data-step="{step}"{attrs}>'
                   f"{html.escape(line) or '&#160;'}</div>")
    return "".join(out)


# ---------------------------------------------------------------- diagnosis, settings
def diagnosis_part(history: Any, model: Any, X: np.ndarray, y: np.ndarray) -> str:
    """[`diagnose`][micrograd_nn.diagnose.diagnose]'s findings with their advice, as HTML."""
    from .diagnose import diagnose

    try:
        with np.errstate(all="ignore"):
            findings = diagnose(history, model=model, X=X, y=y).findings
    except (ValueError, TypeError) as e:  # e.g. one epoch: no trend to read
        return f"<p>No diagnosis: {html.escape(str(e))}</p>"
    items = []
    for f in findings:
        tips = "".join(f"<li>{html.escape(a)}</li>" for a in f.advice)
        items.append(f'<li class="finding" data-kind="{html.escape(f.kind)}"><b>'
                     f'{html.escape(f.kind)}</b>: {html.escape(f.message)}'
                     + (f'<ul class="advice">{tips}</ul>' if tips else "") + "</li>")
    return f'<ul id="findings">{"".join(items)}</ul>' if items else "<p>No findings.</p>"


def settings_part(history: Any, model: Any, st: dict[str, Any]) -> str:
    """The run's settings (from `History.params`) and outcome, as table rows."""
    p = dict(getattr(history, "params", {}) or {})
    g = lambda k: "—" if p.get(k) is None else str(p.get(k))
    bs = p.get("batch_size", 1)
    mode = "stochastic" if bs == 1 else "batch" if bs is None else f"mini-batch of {bs}"
    rows = [("mode", mode), ("optimizer", g("optimizer")), ("learning rate", g("lr")),
            ("momentum", g("momentum")), ("loss", g("loss")), ("reduction", g("reduction")),
            ("epochs", f"{history.epochs} of {g('epochs')}"),
            ("stop reason", history.stop_reason or "—"),
            ("best epoch", f"{history.best_epoch}"
             + (" (weights restored)" if history.restored else "")),
            ("final loss", f"{history.loss[-1]:.6g}"),
            ("final validation loss", f"{history.val_loss[-1]:.6g}" if history.val_loss
             else "—"),
            ("training samples", g("n_samples")), ("seed", g("seed")),
            ("network", f"{type(model).__name__} {'-'.join(map(str, st['sizes']))}"),
            ("time", f"{history.seconds:.2f} s")]
    return "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                   for k, v in rows)
