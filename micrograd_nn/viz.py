"""Drawings: a Value's computation graph, the article's picture of a network, rendering.

- [`draw_graph`][micrograd_nn.viz.draw_graph] - every Value a root depends on and the ops between
  them; big graphs are folded into a readable summary (iterative walk, no recursion).
- [`draw_network`][micrograd_nn.viz.draw_network] - input, hidden and output layers as columns of
  neurons, bias neurons, synapses labelled with their weights (and, after a sample, deltas/GRADs).
- [`render`][micrograd_nn.viz.render] - write SVG/PNG/PDF with Graphviz's `dot`, or the `.dot`
  source and a one-line hint when `dot` is not installed.

Both drawings return a `graphviz.Digraph`, shown inline by Jupyter. Every label
is an HTML-like label built from escaped text, so any Value label is safe in DOT.
`draw_network` is written in `micrograd_nn.viz_network` (module size) and
imported from here; the helpers both drawings use (colours, label escaping, the
Digraph) are in `micrograd_nn.drawing`.
"""

from __future__ import annotations

import re
import shutil
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from .drawing import (C_FOLD, C_INPUT, C_MID, C_OP, C_PARAM, C_ROOT, FONT, INSTALL_HINT,
                      FallbackDigraph, esc, html)
from .engine import Value
from .viz_network import draw_network

FORMATS = ("svg", "png", "pdf")


class GraphvizMissingWarning(UserWarning):
    """Graphviz's `dot` is not installed: only the `.dot` source was written."""


def _num(x: float, p: int = 4) -> str:
    return f"{x:.{p}g}"


def _const(x: float) -> str:
    """A plain-number operand, exactly when short (1.0000001), else to 6 digits."""
    r = repr(x)
    r = r[:-2] if r.endswith(".0") else r
    return r if len(r) <= 10 else f"{x:.6g}"


def _summary(name: str, arr: np.ndarray, preview: int = 6) -> str:
    """`name [1, 2, 3]` for a small array, `name min .. mean .. max ..` for a big one."""
    if arr.size <= preview:  # flat: the shape is on the line above
        return f"{name} [{', '.join(_num(float(x), 3) for x in arr.reshape(-1))}]".strip()
    a = arr.astype(np.float64, copy=False)
    with np.errstate(all="ignore"):
        return f"{name} min {_num(a.min(), 3)} mean {_num(a.mean(), 3)} max {_num(a.max(), 3)}"


def _index_text(idx: Any) -> str:
    parts = idx if type(idx) is tuple else (idx,)
    out = []
    for p in parts:
        if type(p) is slice:
            a, b = ("" if v is None else str(v) for v in (p.start, p.stop))
            out.append(f"{a}:{b}" + ("" if p.step is None else f":{p.step}"))
        elif isinstance(p, np.ndarray):
            out.append(f"array{tuple(p.shape)}")
        else:
            out.append("..." if p is Ellipsis else repr(p))
    return "[" + ", ".join(out) + "]"


# ---------------------------------------------------------------- computation graph
_SYM = {"add": "+", "sub": "−", "mul": "×", "div": "÷", "pow": "^", "matmul": "@"}
_OPERANDS = {"linear": ("x", "W", "b"), "mse": ("prediction", "target")}  # else in0, in1


def _operand(op: str, k: int) -> str:
    names = _OPERANDS.get(op, ())
    return names[k] if k < len(names) else f"in{k}"


def _op_text(v: Value) -> tuple[str, list[tuple[int, np.ndarray]]]:
    """The op node's text, and the array constants that get nodes of their own."""
    name, ins, params = v.op, v.inputs, v.params
    text, arrays = name, []
    for k, x in enumerate(ins):
        if x is None or type(x) is Value:
            continue
        if isinstance(x, np.ndarray) and x.size > 1:
            arrays.append((k, x))
            continue
        c = _const(float(np.asarray(x).reshape(-1)[0]))
        if name in _SYM and len(ins) == 2:
            text += f" {_SYM[name]}{c}" if k == 1 else f" {c}{_SYM[name]}·"
        else:
            text += f" {_operand(name, k)}={c}"
    if name in ("sum", "mean", "max"):
        axis, keepdims = params
        text += ("" if axis is None else f" axis={axis}") + (" keepdims" if keepdims else "")
    elif name == "getitem":
        text += " " + _index_text(params[0])
    elif name == "transpose":
        text += " .T" if params[0] is None else f" {tuple(params[0])}"
    elif params:
        text += " " + ", ".join(str(p) for p in params)
    return text, arrays


def _value_node(v: Value, show_grad: bool, is_root: bool) -> dict[str, str]:
    lines = [f"<B>{esc(v.label, 40)}</B>"] if v.label else []
    d = v.data
    grad = show_grad and v.requires_grad
    if type(d) is float:
        lines.append(f"data {_num(d)}")
        if grad:
            lines.append(f"grad {_num(v.grad)}")
    else:
        lines.append(esc(f"{tuple(d.shape)} {d.dtype}"))
        lines.append(esc(_summary("data", d)))
        if grad:
            lines.append(esc(_summary("grad", np.asarray(v.grad))))
    if is_root:
        fill, style, extra = C_ROOT, "filled,bold", {"peripheries": "2"}
    elif v.op:
        fill, style, extra = C_MID, "rounded,filled", {}
    elif v.requires_grad:
        fill, style, extra = C_PARAM, "filled,bold", {"penwidth": "2"}
    else:
        fill, style, extra = C_INPUT, "filled,dashed", {}
    return {"label": html(*lines), "fillcolor": fill, "style": style, **extra}


def graph_nodes(root: Value) -> tuple[list[Value], dict[int, int], list[int], list[tuple[int, int]],
                                list[int]]:
    """Breadth-first from `root` without recursion: the Values, `id -> index`, each
    one's discoverer (an index), the other (output, input) edges, the leaves' indices.
    [`draw_graph`][micrograd_nn.viz.draw_graph] names the node of `nodes[i]` "v{i}" (the live
    report reads it)."""
    nodes, index = [root], {id(root): 0}
    parent, extra, leaves = [-1], [], []
    for i, v in enumerate(nodes):  # the list grows while we walk it
        ins = v.inputs
        if not ins:
            leaves.append(i)
        for u in ins:
            if type(u) is Value:
                j = index.get(id(u))
                if j is None:
                    index[id(u)] = len(nodes)
                    nodes.append(u)
                    parent.append(i)
                else:
                    extra.append((i, j))
    return nodes, index, parent, extra, leaves


def _choose(nodes: list[Value], parent: list[int], leaves: list[int], max_nodes: int,
            max_depth: int = 10) -> bytearray:
    """Which Values stay: a quarter of `max_nodes` for the root's neighbourhood (first
    in BFS order, at most `max_depth` steps away) and up to a quarter for leaves
    (parameters first, nearest and farthest from the root): a summary stays readable,
    whatever the size of the graph."""
    near = max(1, max_nodes // 4)
    keep = bytearray(len(nodes))
    depth = [0] * min(near, len(nodes))
    for j in range(near):
        if j:
            depth[j] = depth[parent[j]] + 1
        if depth[j] > max_depth:
            near = j  # BFS order: every later Value is at least as deep
            break
        keep[j] = 1
    budget = min(len(leaves), max_nodes // 4)
    params = [j for j in leaves if j >= near and nodes[j].requires_grad]
    others = [j for j in leaves if j >= near and not nodes[j].requires_grad]
    head = (budget + 1) // 2
    pick = params if len(params) <= budget else params[:head] + params[-(budget - head):]
    pick = pick[:budget] + others[:max(0, budget - len(pick))]
    for j in pick:
        keep[j] = 1
    return keep


def _fold(nodes: list[Value], parent: list[int], extra: list[tuple[int, int]],
          keep: bytearray, max_boxes: int = 12) -> tuple[list[int], dict[int, Counter],
                                                        set[tuple[int, int]]]:
    """Group the folded Values into connected boxes: each one's box id (-1 kept), each
    box's op counts, and the (kept leaf, box) edges into the boxes."""
    n = len(nodes)
    uf: list[int]  # union-find parents of the boxes
    start: dict[int, int]  # kept parent -> its box
    box, uf, start = [-1] * n, [], {}

    def find(a: int) -> int:
        while uf[a] != a:
            uf[a] = uf[uf[a]]
            a = uf[a]
        return a

    for j in range(1, n):
        if keep[j]:
            continue
        p = parent[j]
        if keep[p]:
            b = start.get(p)
            if b is None:
                b = start[p] = len(uf)
                uf.append(b)
            box[j] = b
        else:
            box[j] = box[p]
    for i, j in extra:
        if not keep[i] and not keep[j]:
            a, b = find(box[i]), find(box[j])
            if a != b:
                uf[b] = a
    roots = {find(b) for b in range(len(uf))}
    if len(roots) > max_boxes:  # too many little boxes: one box says it all
        for b in range(len(uf)):
            uf[b] = 0
    counts: dict[int, Counter] = {}
    for j in range(n):
        if box[j] >= 0:
            b = box[j] = find(box[j])
            v = nodes[j]
            c = counts.get(b)
            if c is None:
                c = counts[b] = Counter()
            c[v.op or ("param" if v.requires_grad else "const")] += 1
    into = {(j, box[p]) for j, p in enumerate(parent) if keep[j] and p >= 0 and not keep[p]}
    into |= {(j, box[i]) for i, j in extra if keep[j] and not keep[i]}
    return box, counts, into


def _legend(notes: list[str]) -> str:
    rows = [(C_PARAM, "parameter (leaf, requires_grad)"),
            (C_INPUT, "input / constant (requires_grad=False)"),
            (C_MID, "intermediate Value"), (C_ROOT, "root"), (C_OP, "operation")]
    if notes:
        rows.append((C_FOLD, "folded nodes"))
    cells = "".join(f'<TD BGCOLOR="{c}" BORDER="1" WIDTH="12"> </TD><TD ALIGN="LEFT">'
                    f'{esc(t)}  </TD>' for c, t in rows)
    span = 2 * len(rows)
    cells = f"<TR>{cells}</TR>" + "".join(
        f'<TR><TD COLSPAN="{span}" ALIGN="LEFT">{esc(t, 200)}</TD></TR>' for t in notes)
    return (f'<<FONT POINT-SIZE="9"><TABLE BORDER="0" CELLSPACING="2" CELLPADDING="1">'
            f"{cells}</TABLE></FONT>>")


def draw_graph(root: Value, rankdir: str = "LR", max_nodes: int = 200, show_grad: bool = True,
               collapse: bool = True, name: str | None = None) -> graphviz.Digraph:
    """The computation graph of `root`: a box per Value, an ellipse per operation.

    A Value shows its label, data and grad (a tensor: shape, dtype and a preview, or
    min/mean/max when large). Parameters (leaves with requires_grad) are orange and bold,
    inputs and constants (requires_grad False) blue and dashed, the root green; plain
    numbers appear inside the op (`mul ×2`), plain arrays as small constant nodes.
    With `collapse` and more than `max_nodes` Values, the root's neighbourhood and
    some leaves stay and the rest is folded into boxes such as
    "… 99,800 nodes folded (mul ×49,900, add ×49,900)". `rankdir`: "LR" or "TB".

    ```pycon
    >>> a = Value(2.0, "a"); g = draw_graph(a * a + 1)
    >>> "add +1" in g.source
    True

    ```
    """
    if type(root) is not Value:
        raise TypeError(f"draw_graph: root must be a Value, not {type(root).__name__}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR' or 'TB' (or 'RL', 'BT'), "
                         f"got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 2:
        raise ValueError(f"draw_graph: max_nodes must be an int >= 2, got {max_nodes!r}")
    nodes, index, parent, extra, leaves = graph_nodes(root)
    n = len(nodes)
    folded = collapse and n > max_nodes
    keep = _choose(nodes, parent, leaves, max_nodes) if folded else bytearray(b"\x01") * n
    box, counts, into = _fold(nodes, parent, extra, keep) if folded else ([], {}, set())
    g = FallbackDigraph(name=re.sub(r"\W+", "_", name or "computation graph"),
                 graph_attr={"rankdir": rankdir, "fontname": FONT, "labelloc": "b",
                             "nodesep": "0.25", "ranksep": "0.35"},
                 node_attr={"fontname": FONT, "fontsize": "11", "shape": "box"},
                 edge_attr={"color": "#495057", "arrowsize": "0.7"})
    for i, v in enumerate(nodes):
        if not keep[i]:
            continue
        g.node(f"v{i}", **_value_node(v, show_grad, i == 0))
        if not v.op:
            continue
        text, arrays = _op_text(v)
        g.node(f"o{i}", html(esc(text)), shape="ellipse", style="filled",
               fillcolor=C_OP, fontsize="10", margin="0.04,0.02")
        g.edge(f"o{i}", f"v{i}")
        folded_in = set()
        for u in v.inputs:
            if type(u) is Value:
                j = index[id(u)]
                if keep[j]:
                    g.edge(f"v{j}", f"o{i}")
                elif box[j] not in folded_in:
                    folded_in.add(box[j])
                    g.edge(f"f{box[j]}", f"o{i}", style="dashed")
        for k, arr in arrays:
            what = _operand(v.op, k) if v.op in _OPERANDS else "const"
            g.node(f"c{i}_{k}", html(esc(f"{what} {tuple(arr.shape)} {arr.dtype}"),
                                      esc(_summary("", arr))),
                   style="filled,dashed", fillcolor=C_INPUT, fontsize="9")
            g.edge(f"c{i}_{k}", f"o{i}")
    notes = []
    if folded:
        notes.append(f"Collapsed: showing {sum(keep):,} of {n:,} Values; {n - sum(keep):,} "
                     f"folded into {len(counts)} box(es) (max_nodes={max_nodes})")
        for b, c in counts.items():
            kinds = ", ".join(f"{k} ×{m:,}" for k, m in c.most_common(4))
            more = ", …" if len(c) > 4 else ""
            g.node(f"f{b}", html(esc(f"… {sum(c.values()):,} nodes folded"),
                                  esc(f"({kinds}{more})", 200)),
                   shape="note", style="filled,dashed", fillcolor=C_FOLD)
        for j, b in sorted(into):
            g.edge(f"v{j}", f"f{b}", style="dashed")
    g.attr(label=_legend(notes))
    return g


# ---------------------------------------------------------------- rendering
def render(digraph: Any, path: str | Path, format: str | None = None) -> Path:
    """Write `digraph` to `path` as SVG, PNG or PDF and return the path written.

    The format comes from `format` or from the path's suffix (default "svg"; a path
    without that suffix gets it). Without Graphviz's `dot`, the DOT source is written
    to `<path>.dot` instead, with one
    [`GraphvizMissingWarning`][micrograd_nn.viz.GraphvizMissingWarning] saying how to install
    Graphviz, and that path is returned.
    """
    path = Path(path)
    suffix = path.suffix[1:].lower()
    fmt = (format or (suffix if suffix in FORMATS else "svg")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"render: format must be one of {FORMATS}, got {format!r}")
    if suffix in FORMATS and suffix != fmt:
        raise ValueError(f"render: path {str(path)!r} ends in .{suffix} but format={fmt!r}")
    out = path if suffix == fmt else path.with_name(f"{path.name}.{fmt}")
    out.parent.mkdir(parents=True, exist_ok=True)
    if shutil.which("dot") is not None:
        try:
            out.write_bytes(digraph.pipe(format=fmt))
            return out
        except graphviz.ExecutableNotFound:
            pass
    dot = out.with_suffix(".dot")
    dot.write_text(digraph.source, encoding="utf-8")
    warnings.warn(f"Graphviz's dot was not found, so {dot} was written instead of {out}; "
                  f"to render it, {INSTALL_HINT}, then run: "
                  f"{getattr(digraph, 'engine', 'dot')} -T{fmt} {dot} -o {out}",
                  GraphvizMissingWarning, stacklevel=2)
    return dot


__all__ = ["draw_graph", "draw_network", "render", "GraphvizMissingWarning", "INSTALL_HINT"]
