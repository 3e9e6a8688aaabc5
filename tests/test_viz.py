"""Drawings: draw_graph (escaping, styles, collapse, no recursion), draw_network, render."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import warnings

import graphviz
import numpy as np
import pytest

from micrograd_nn import Value, drawing, viz
from micrograd_nn.nn import MLP, Linear, Sequential, Sigmoid, Tanh
from micrograd_nn.viz import GraphvizMissingWarning, draw_graph, draw_network, render

HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed")


# ---------------------------------------------------------------- helpers
def node_lines(g: graphviz.Digraph, prefix: str) -> dict[str, str]:
    """{node id: its DOT line} for node statements whose id starts with ``prefix``."""
    out = {}
    for line in g.source.splitlines():
        m = re.match(rf"\s+({prefix or '[a-z]'}\d\w*) \[", line)
        if m:
            out[m.group(1)] = line
    return out


def edges(g: graphviz.Digraph) -> dict[tuple[str, str], str]:
    """{(tail, head): the edge's attributes} for the visible edges."""
    out = {}
    for line in g.source.splitlines():
        m = re.match(r"\s+(\w+) -> (\w+)(.*)$", line)
        if m and "invis" not in m.group(3):
            out[(m.group(1), m.group(2))] = m.group(3)
    return out


def svg_of(source: str, engine: str = "dot") -> str:
    res = subprocess.run([engine, "-Tsvg"], input=source.encode(), capture_output=True,
                         timeout=60)
    assert res.returncode == 0, res.stderr.decode()
    assert b"Error" not in res.stderr and b"syntax error" not in res.stderr, res.stderr
    return res.stdout.decode()


def expr():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = Value(10.0, "c", requires_grad=False)
    e = a * b
    e.label = "e"
    d = e + c
    out = (1 - (d * 2.0).tanh())
    out.label = "out"
    out.backward()
    return a, b, c, out


def chain(n_ops: int) -> tuple[Value, Value]:
    x0 = Value(1.0, "x0")
    x = x0
    for _ in range(n_ops // 2):
        x = x * 1.0000001 + 0.5
    return x0, x


# ---------------------------------------------------------------- draw_graph
def test_draw_graph_has_one_node_per_value_and_per_op():
    a, b, c, out = expr()
    g = draw_graph(out)
    assert isinstance(g, graphviz.Digraph)
    values, ops = node_lines(g, "v"), node_lines(g, "o")
    assert len(values) == 8  # a, b, c, e, d, d*2, tanh, out
    assert len(ops) == 5  # mul, add, mul ×2, tanh, sub
    assert ("o0", "v0") in edges(g)


def test_draw_graph_value_nodes_show_label_data_and_grad():
    a, b, c, out = expr()
    src = draw_graph(out).source
    assert f"<B>a</B><BR/>data 2<BR/>grad {a.grad:.4g}" in src
    assert "<B>c</B><BR/>data 10>" in src  # a constant: no grad line
    assert "grad" not in " ".join(node_lines(draw_graph(out, show_grad=False), "v").values())


def test_draw_graph_plain_numbers_appear_inside_the_op():
    a, b, c, out = expr()
    ops = " ".join(node_lines(draw_graph(out), "o").values())
    assert "mul ×2" in ops and "sub 1−·" in ops
    y = Value(3.0) * 1.0000001
    assert "mul ×1.0000001" in draw_graph(y).source


def test_draw_graph_array_constant_gets_its_own_node():
    W = Value(np.ones((2, 3)), "W")
    y = (np.arange(8.0).reshape(4, 2) @ W).sum()
    consts = node_lines(draw_graph(y), "c")
    assert len(consts) == 1
    (line,) = consts.values()
    assert "const (4, 2) float64" in line and "min 0 mean 3.5 max 7" in line


def test_plain_operands_of_fused_ops_are_named():
    from micrograd_nn.losses import mse

    X, y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0], [0.0]])
    net = MLP(2, [2], 1, seed=0)
    consts = " ".join(node_lines(draw_graph(mse(net(X), y)), "c").values())
    assert "x (2, 2) float64" in consts and "target (2, 1) float64" in consts
    assert "const" not in consts
    one = draw_graph(mse(net(X[:1]), 1.0))
    assert "mse target=1" in " ".join(node_lines(one, "o").values())


def test_parameters_inputs_and_intermediates_are_styled_distinctly():
    a, b, c, out = expr()
    g = draw_graph(out)
    lines = node_lines(g, "v")
    fill = {k: re.search(r'fillcolor="(#\w+)"', v).group(1) for k, v in lines.items()}
    by_label = {re.search(r"<B>(\w+)</B>", v).group(1): k for k, v in lines.items()
                if "<B>" in v}
    param, const, mid, root = (fill[by_label["a"]], fill[by_label["c"]], fill[by_label["e"]],
                               fill["v0"])
    assert len({param, const, mid, root}) == 4
    assert fill[by_label["b"]] == param
    assert "dashed" in lines[by_label["c"]] and "bold" in lines[by_label["a"]]
    for text in ("parameter (leaf, requires_grad)", "input / constant (requires_grad=False)",
                 "intermediate Value"):
        assert text in g.source


def test_tensor_values_show_shape_dtype_and_preview_or_stats():
    small = Value(np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32), "small")
    big = Value(np.linspace(-1.0, 3.0, 1000), "big")
    y = (small.sum() + big.mean())
    y.backward()
    src = draw_graph(y).source
    assert "(2, 2) float32" in src and "data [1, 2, 3, 4]" in src
    assert "grad [1, 1, 1, 1]" in src
    assert "(1000,) float64" in src and "data min -1 mean 1 max 3" in src
    assert "grad min 0.001 mean 0.001 max 0.001" in src


def test_op_static_params_are_shown():
    x = Value(np.arange(12.0).reshape(3, 4), "x")
    y = x.sum(axis=1, keepdims=True).reshape(3) + x[0, 1:3].mean() + x.T.max(axis=0).sum()
    y = y + x[1:, ::2].sum()
    ops = " ".join(node_lines(draw_graph(y), "o").values())
    assert "getitem [1:, ::2]" in ops
    assert "sum axis=1 keepdims" in ops
    assert "reshape (3,)" in ops
    assert "getitem [0, 1:3]" in ops
    assert "transpose .T" in ops and "max axis=0" in ops


@pytest.mark.parametrize("label", ['<>{}|"\\', "line1\nline2", "a & b ]]> </TD>",
                                   "tab\tbell\x07nul\x00", "\\N \\G \\L", "<B>bold?</B>"])
def test_awkward_labels_never_break_the_dot_source(label):
    x = Value(1.5, label)
    y = x * x
    y.label = label
    g = draw_graph(y, name=label)
    for line in node_lines(g, "v").values():
        html = re.search(r"label=<(.*)> fillcolor", line).group(1)
        assert html.count("<") == html.count(">")  # only our own tags
        assert "\x00" not in html and "\x07" not in html and "\n" not in html
    if HAS_DOT:
        svg = graphviz.Source(g.source).pipe(format="svg").decode()
        assert svg.count("<g id=\"node") == 3


def test_draw_graph_rankdir_and_argument_errors():
    a, b, c, out = expr()
    assert "rankdir=TB" in draw_graph(out, rankdir="TB").source
    assert "rankdir=LR" in draw_graph(out).source
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(out, rankdir="sideways")
    with pytest.raises(TypeError, match="must be a Value"):
        draw_graph(3.0)
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(out, max_nodes=1)


def test_drawing_leaves_gradients_unchanged():
    a1, b1, c1, out1 = expr()
    a2, b2, c2, out2 = expr()
    draw_graph(out2)
    out1.backward()
    out2.backward()
    assert (a1.grad, b1.grad) == (a2.grad, b2.grad)


@needs_dot
def test_draw_graph_source_renders_with_dot():
    net = MLP(2, [4], 1, seed=0)
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    loss = ((net(X) - np.array([[0.0], [1.0], [1.0], [0.0]])) ** 2).mean()
    loss.backward()
    svg = svg_of(draw_graph(loss).source)
    assert svg.count('class="node"') == len(node_lines(draw_graph(loss), ""))
    assert "linear" in svg and "(4, 4) float64" in svg


# ---------------------------------------------------------------- collapse
def test_collapse_of_a_100k_chain_is_bounded_and_says_what_was_folded():
    x0, x = chain(100_000)
    g = draw_graph(x, max_nodes=200)
    values, folded = node_lines(g, "v"), node_lines(g, "f")
    assert 2 <= len(values) <= 200
    assert len(folded) == 1
    n_total = 100_001
    kept = len(values)
    (box,) = folded.values()
    assert f"… {n_total - kept:,} nodes folded" in box
    assert re.search(r"mul ×[\d,]+, add ×[\d,]+", box)
    assert f"showing {kept} of {n_total:,} Values" in g.source
    assert "<B>x0</B>" in g.source  # the chain's leaf is kept
    assert ("v0", "v0") not in edges(g) and any(t == "f0" for t, _ in edges(g))


@needs_dot
def test_collapsed_100k_chain_renders_with_dot():
    x0, x = chain(100_000)
    svg = svg_of(draw_graph(x).source)
    assert "nodes folded" in svg


def test_drawing_a_200k_chain_does_not_recurse():
    x0, x = chain(200_000)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # a recursive walk would die at once
    try:
        g = draw_graph(x)
    finally:
        sys.setrecursionlimit(limit)
    assert len(node_lines(g, "v")) < 100
    assert "200,001 Values" in g.source


def test_collapse_false_draws_every_value():
    x0, x = chain(300)
    assert len(node_lines(draw_graph(x, collapse=False), "v")) == 301
    assert len(node_lines(draw_graph(x, max_nodes=301), "v")) == 301  # at the limit: all
    assert len(node_lines(draw_graph(x, max_nodes=300), "v")) < 301


def test_separate_branches_fold_into_separate_boxes_and_joined_ones_into_one():
    _, p = chain(2_000)
    _, q = chain(2_000)
    two = draw_graph(p + q, max_nodes=40)
    assert len(node_lines(two, "f")) == 2
    x = Value(1.0, "x")
    for _ in range(500):  # a ladder: each step joins two paths
        x = (x * 0.5) + (x * 0.25)
    one = draw_graph(x, max_nodes=40)
    assert len(node_lines(one, "f")) == 1


def test_collapse_keeps_parameters_nearest_and_farthest_from_the_root():
    ws = [Value(float(i), f"w{i}") for i in range(1000)]
    y = ws[0]
    for w in ws[1:]:
        y = y * 0.5 + w
    g = draw_graph(y, max_nodes=40)
    assert "<B>w999</B>" in g.source and "<B>w0</B>" in g.source
    assert "param ×" in " ".join(node_lines(g, "f").values())


# ---------------------------------------------------------------- draw_network
def weight_label(attrs: str) -> str:
    return re.search(r"<TD>([^<]*)", attrs).group(1)


def synapse_labels(g: graphviz.Digraph) -> dict[tuple[str, str], str]:
    """{(tail, head): the attributes of the synapse's label node}."""
    out = {}
    for line in g.source.splitlines():
        m = re.match(r"\s+w_(n\d+_\d+|b\d+)_(n\d+_\d+) \[(.*)$", line)
        if m:
            out[(m.group(1), m.group(2))] = m.group(3)
    return out


def article_mlp(bias=False):
    m = MLP(2, [2], 1, bias=bias, seed=0)
    m[0].weight.data = np.array([[0.45, 0.78], [-0.12, 0.13]])
    m[2].weight.data = np.array([[1.5], [-2.3]])
    return m


def test_network_has_a_neuron_node_per_neuron_in_columns():
    g = draw_network(MLP(3, [4, 5], 2, seed=1))
    neurons = node_lines(g, "n")
    assert sorted(neurons) == sorted(
        [f"n0_{j}" for j in range(3)] + [f"n1_{j}" for j in range(4)] +
        [f"n2_{j}" for j in range(5)] + [f"n3_{j}" for j in range(2)])
    xs = {k: float(re.search(r'pos="([-\d.]+),', v).group(1)) for k, v in neurons.items()}
    for c in range(4):
        assert len({x for k, x in xs.items() if k.startswith(f"n{c}_")}) == 1
    assert xs["n0_0"] < xs["n1_0"] < xs["n2_0"] < xs["n3_0"]
    assert "rank=same" in g.source and "Hidden layer 2 (sigmoid)" in g.source


def test_network_edge_labels_equal_the_weights():
    m = MLP(2, [3], 2, seed=3)
    g = draw_network(m, precision=3)
    es = synapse_labels(g)
    W0, W1, b0 = m[0].weight.data, m[2].weight.data, m[0].bias.data
    for a in range(2):
        for b in range(3):
            assert weight_label(es[(f"n0_{a}", f"n1_{b}")]) == f"{W0[a, b]:.3f}"
    for a in range(3):
        for b in range(2):
            assert weight_label(es[(f"n1_{a}", f"n2_{b}")]) == f"{W1[a, b]:.3f}"
    for b in range(3):
        assert weight_label(es[("b0", f"n1_{b}")]) == f"{b0[b] + 0.0:.3f}"
    assert len(es) == len(edges(g)) == 2 * 3 + 3 + 3 * 2 + 2


def test_bias_neurons_sit_in_the_feeding_layer_and_never_on_the_output():
    g = draw_network(MLP(2, [3], 1, bias=[True, True], seed=0))
    bias = node_lines(g, "b")
    assert sorted(bias) == ["b0", "b1"]
    assert "<B>B1</B>" in bias["b0"] and "<B>B2</B>" in bias["b1"]
    pos = {k: v for k, v in {**node_lines(g, "n"), **bias}.items()}
    x = {k: re.search(r'pos="([-\d.]+),', v).group(1) for k, v in pos.items()}
    assert x["b0"] == x["n0_0"] and x["b1"] == x["n1_0"]
    assert all(not k.startswith("b2") for k in bias)
    only_first = draw_network(MLP(2, [3], 1, bias=[True, False], seed=0))
    assert sorted(node_lines(only_first, "b")) == ["b0"]
    assert node_lines(draw_network(article_mlp()), "b") == {}


def test_synapses_are_coloured_by_sign_and_sized_by_magnitude():
    es = edges(draw_network(article_mlp()))
    colour = {k: re.search(r'\bcolor="(#\w+)"', v).group(1) for k, v in es.items()}
    width = {k: float(re.search(r"penwidth=([\d.]+)", v).group(1)) for k, v in es.items()}
    neg, pos = drawing.C_NEG, drawing.C_POS
    assert colour[("n0_1", "n1_0")] == neg and colour[("n0_0", "n1_0")] == pos
    assert colour[("n1_1", "n2_0")] == neg
    assert width[("n1_1", "n2_0")] == max(width.values())  # |-2.3| is the largest
    assert width[("n0_1", "n1_0")] < width[("n0_0", "n1_0")] < width[("n1_0", "n2_0")]


def test_wide_layers_collapse_into_an_ellipsis():
    g = draw_network(MLP(3, [130], 2, seed=0), max_neurons=8)
    hidden = sorted(k for k in node_lines(g, "n") if k.startswith("n1_"))
    assert hidden == sorted([f"n1_{j}" for j in (0, 1, 2, 3, 126, 127, 128, 129)])
    ell = node_lines(g, "e")
    assert list(ell) == ["e1"] and "… 122 more" in ell["e1"]
    assert "H130" in g.source and "H5<" not in g.source
    assert node_lines(draw_network(MLP(3, [8], 2, seed=0)), "e") == {}


def test_network_with_a_sample_shows_outputs_deltas_and_grads():
    m = article_mlp()
    g = draw_network(m, show_grads=True, x=[1, 0], target=[1])
    n = node_lines(g, "n")
    assert "out 0.61" in n["n1_0"] and "δ 0.0528" in n["n1_0"]
    assert "δ -0.0734" in n["n1_1"] and "out 0.34" in n["n2_0"] and "δ 0.148" in n["n2_0"]
    assert "δ" not in n["n0_0"]  # input neurons get no delta
    es = synapse_labels(g)
    assert "GRAD 0.0904" in es[("n1_0", "n2_0")] and "GRAD 0.102" in es[("n1_1", "n2_0")]
    assert "error (MSE) = 0.4350" in g.source
    assert np.all(m[0].weight.grad == 0) and np.all(m[2].weight.grad == 0)  # untouched


def test_network_show_grads_without_sample_uses_stored_grads():
    m = MLP(2, [2], 1, seed=0)
    loss = ((m(np.array([[1.0, 0.0]])) - 1.0) ** 2).mean()
    loss.backward()
    es = synapse_labels(draw_network(m, show_grads=True))
    g01 = m[0].weight.grad[0, 1]
    assert f"∂L/∂w {g01 + 0.0:.3g}" in es[("n0_0", "n1_1")]
    assert "∂L/∂w" not in " ".join(synapse_labels(draw_network(m)).values())


def test_network_from_neuron_net_uses_synapse_and_neuron_names():
    from micrograd_nn.neurons import NeuronNet

    g = draw_network(NeuronNet.article_xor(), show_grads=True, x=[1, 0], target=[1])
    es = synapse_labels(g)
    assert weight_label(es[("n0_0", "n1_0")]) == "w1: 0.45"
    assert weight_label(es[("n1_1", "n2_0")]) == "w6: -2.30"
    assert "δ 0.148" in node_lines(g, "n")["n2_0"]
    assert "<B>H2</B>" in node_lines(g, "n")["n1_1"]


def test_network_accepts_sequential_and_linear_and_rejects_others():
    seq = Sequential(Linear(2, 3, seed=0), Tanh(), Linear(3, 1, seed=1), Sigmoid())
    assert "Hidden layer (tanh)" in draw_network(seq).source
    assert len(node_lines(draw_network(Linear(4, 2, seed=0)), "n")) == 6
    with pytest.raises(TypeError, match="draw_network: cannot take the layers of a object"):
        draw_network(object())
    with pytest.raises(ValueError, match="x has 3 numbers"):
        draw_network(seq, x=[1, 2, 3])
    with pytest.raises(ValueError, match="max_neurons"):
        draw_network(seq, max_neurons=1)


def test_dense_layers_keep_weights_in_tooltips_only():
    g = draw_network(MLP(8, [8], 1, seed=0), max_labels=40)
    labels = synapse_labels(g)
    assert ("n0_0", "n1_0") not in labels and "tooltip" in edges(g)[("n0_0", "n1_0")]
    assert ("n1_0", "n2_0") in labels and len(labels) == 9
    assert "Input layer → Hidden layer: 72 synapses, more than max_labels=40" in g.source


# ---------------------------------------------------------------- draw_network: legibility
SVG_NS = "{http://www.w3.org/2000/svg}"


def _numbers(text: str) -> np.ndarray:
    return np.array([float(t) for t in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text)])


def network_layout(g: graphviz.Digraph) -> tuple[dict, dict, dict]:
    """From the SVG neato draws: {neuron: bbox}, {synapse: (start, end)}, {synapse: label
    bbox}; a bbox is (x0, y0, x1, y1) in points, a label's is its white background."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(svg_of(g.source, engine="neato"))
    nodes, lines, labels = {}, {}, {}
    for grp in root.iter(f"{SVG_NS}g"):
        kind, title = grp.get("class"), grp.find(f"{SVG_NS}title")
        if kind not in ("node", "edge") or title is None:
            continue
        name = title.text.replace("->", "→")
        if kind == "edge":
            xy = _numbers(next(grp.iter(f"{SVG_NS}path")).get("d")).reshape(-1, 2)
            lines[name] = (xy[0], xy[-1])
        elif name.startswith("w_"):
            m = re.fullmatch(r"w_(n\d+_\d+|b\d+)_(n\d+_\d+)", name)
            poly = next(p for p in grp.iter(f"{SVG_NS}polygon") if p.get("fill") == "white")
            xy = _numbers(poly.get("points")).reshape(-1, 2)
            labels[f"{m.group(1)}→{m.group(2)}"] = (*xy.min(axis=0), *xy.max(axis=0))
        elif name.startswith(("n", "b")):
            shape = next(el for el in grp if el.tag.split("}")[1] in ("ellipse", "polygon",
                                                                      "path"))
            if shape.tag.endswith("ellipse"):
                cx, cy, rx, ry = (float(shape.get(k)) for k in ("cx", "cy", "rx", "ry"))
                nodes[name] = (cx - rx, cy - ry, cx + rx, cy + ry)
            else:
                xy = _numbers(shape.get("points") or shape.get("d")).reshape(-1, 2)
                nodes[name] = (*xy.min(axis=0), *xy.max(axis=0))
    return nodes, lines, labels


def _overlap(a, b, pad=0.5) -> bool:
    return (min(a[2], b[2]) - max(a[0], b[0]) > pad) and (min(a[3], b[3]) - max(a[1], b[1]) > pad)


def _crosses(seg, box) -> bool:
    """Does the segment pass through the inside of box (shrunk by 1 pt)?"""
    (x0, y0), (x1, y1) = seg
    ts = np.linspace(0.0, 1.0, 400)
    xs, ys = x0 + ts * (x1 - x0), y0 + ts * (y1 - y0)
    return bool(np.any((xs > box[0] + 1) & (xs < box[2] - 1) & (ys > box[1] + 1) &
                       (ys < box[3] - 1)))


def _distance(p, seg) -> float:
    a, b = np.asarray(seg[0]), np.asarray(seg[1])
    t = np.clip(np.dot(p - a, b - a) / np.dot(b - a, b - a), 0.0, 1.0)
    return float(np.hypot(*(a + t * (b - a) - p)))


def assert_labels_legible(g: graphviz.Digraph, crossing_free: bool = True,
                          clear: float = 0.0) -> int:
    """Every weight label sits on its own synapse, overlaps no other label and no neuron,
    and no other synapse runs under it (``crossing_free``) or at least none passes
    within ``clear`` points of its centre (no label sits on a crossing). Returns the
    number of labels."""
    nodes, lines, labels = network_layout(g)
    assert labels, "no edge labels drawn"
    names = sorted(labels)
    for i, e in enumerate(names):
        box = labels[e]
        (x0, y0), (x1, y1) = lines[e]
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        d = abs((x1 - x0) * (y0 - cy) - (x0 - cx) * (y1 - y0)) / np.hypot(x1 - x0, y1 - y0)
        assert d < 2.0, f"label of {e} is {d:.1f} pt off its synapse"
        assert min(x0, x1) <= cx <= max(x0, x1), f"label of {e} is beyond its synapse"
        for f in names[i + 1:]:
            assert not _overlap(box, labels[f]), f"labels of {e} and {f} overlap"
        for n, nb in nodes.items():
            assert not _overlap(box, nb), f"label of {e} covers neuron {n}"
        if crossing_free:
            under = [f for f in lines if f != e and _crosses(lines[f], box)]
            assert not under, f"synapses {under} run under the label of {e}"
        near = [f for f in lines if f != e and _distance(np.array([cx, cy]), lines[f]) < clear]
        assert not near, f"synapses {near} cross the label of {e} near its centre"
    return len(labels)


@needs_dot
@pytest.mark.parametrize("case", ["article", "article_grads", "neuron_net", "bias_231",
                                  "bias_231_grads", "trained_xor"])
def test_network_labels_are_legible_where_synapses_cross(case):
    from micrograd_nn.neurons import NeuronNet

    biased = MLP(2, [3], 1, seed=0)
    trained = MLP(2, [2], 1, seed=0)
    trained[0].weight.data = np.array([[5.22, 4.21], [-5.46, -4.02]])
    trained[0].bias.data = np.array([-3.05, 1.92])
    trained[2].weight.data = np.array([[6.22], [-5.8]])
    trained[2].bias.data = np.array([2.59])
    g = {"article": lambda: draw_network(article_mlp()),
         "article_grads": lambda: draw_network(article_mlp(), show_grads=True, x=[1, 0],
                                               target=[1]),
         "neuron_net": lambda: draw_network(NeuronNet.article_xor(), show_grads=True,
                                            x=[1, 0], target=[1]),
         "bias_231": lambda: draw_network(biased),
         "bias_231_grads": lambda: draw_network(biased, show_grads=True, x=[1, 0], target=[1]),
         "trained_xor": lambda: draw_network(trained, x=[1, 0])}[case]()
    # a 2-3-1 net with two-line labels is too crowded for no crossing at all; then no
    # crossing near a label's centre, where one could not tell whose label it is
    crowded = case == "bias_231_grads"
    n = assert_labels_legible(g, crossing_free=not crowded, clear=8.0 if crowded else 0.0)
    assert n == len(edges(g))


@needs_dot
@pytest.mark.parametrize("sizes", [(4, [8, 8], 2), (10, [50], 3), (3, [4, 5], 2)])
def test_labels_of_bigger_networks_never_overlap(sizes):
    nin, hidden, nout = sizes
    g = draw_network(MLP(nin, hidden, nout, seed=0))
    assert_labels_legible(g, crossing_free=False)


@needs_dot
def test_network_renders_with_neato():
    g = draw_network(MLP(3, [130], 2, seed=0), show_grads=True, x=[1, 2, 3], target=[0, 1])
    svg = svg_of(g.source, engine="neato")
    assert "… 122 more" in svg and "B1" in svg


# ---------------------------------------------------------------- render
@needs_dot
@pytest.mark.parametrize("fmt,magic", [("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_render_writes_each_format(tmp_path, fmt, magic):
    a, b, c, out = expr()
    path = render(draw_graph(out), tmp_path / "sub" / "g", format=fmt)
    assert path == tmp_path / "sub" / f"g.{fmt}"
    assert path.read_bytes().startswith(magic)


@needs_dot
def test_render_takes_the_format_from_the_suffix(tmp_path):
    path = render(draw_network(article_mlp()), tmp_path / "net.png")
    assert path.suffix == ".png" and path.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="ends in .png"):
        render(draw_network(article_mlp()), tmp_path / "net.png", format="svg")
    with pytest.raises(ValueError, match="format"):
        render(draw_network(article_mlp()), tmp_path / "net", format="gif")


def test_render_without_dot_writes_the_source_and_one_hint(tmp_path, monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    a, b, c, out = expr()
    g = draw_graph(out)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = render(g, tmp_path / "graph.svg")
    assert path == tmp_path / "graph.dot"
    assert path.read_text(encoding="utf-8") == g.source
    assert not (tmp_path / "graph.svg").exists()
    hints = [w for w in caught if issubclass(w.category, GraphvizMissingWarning)]
    assert len(hints) == 1 and len(caught) == 1
    msg = str(hints[0].message)
    assert "\n" not in msg
    for text in ("apt-get install graphviz", "brew install graphviz",
                 "https://graphviz.org/download/", "dot -Tsvg"):
        assert text in msg


def test_render_falls_back_when_dot_cannot_be_run(tmp_path, monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: "/nowhere/dot")
    monkeypatch.setenv("PATH", str(tmp_path))  # graphviz cannot start dot
    with pytest.warns(GraphvizMissingWarning, match="apt-get install graphviz"):
        path = render(draw_network(article_mlp()), tmp_path / "net.png")
    assert path.suffix == ".dot" and "digraph network" in path.read_text(encoding="utf-8")
    with pytest.warns(GraphvizMissingWarning, match="neato -Tpng"):  # pinned layout: neato
        render(draw_network(article_mlp()), tmp_path / "net.png")


@needs_dot
def test_jupyter_display_returns_svg():
    a, b, c, out = expr()
    for g in (draw_graph(out), draw_network(article_mlp())):
        bundle = g._repr_mimebundle_()
        assert "<svg" in bundle["image/svg+xml"]


def test_jupyter_display_without_dot_shows_the_source(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    a, b, c, out = expr()
    g = draw_graph(out)
    bundle = g._repr_mimebundle_()
    assert "digraph" in bundle["text/plain"] and "apt-get install graphviz" in bundle["text/plain"]
