"""Tests for the drawing helpers (micrograd_nn.drawing), label placement
(micrograd_nn.layout), and the rule that drawings take their numbers from the oracle."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from micrograd_nn import deltas, drawing, layout
from micrograd_nn.neurons import NeuronNet
from micrograd_nn.nn import Linear, Sequential, Sigmoid, Tanh
from micrograd_nn.notation import ARTICLE_WEIGHTS
from micrograd_nn.viz import draw_network

PACKAGE = Path(drawing.__file__).resolve().parent


def _relative_imports(name: str) -> list[tuple[str, list[str]]]:
    tree = ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))
    return [(n.module or "", [a.name for a in n.names]) for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.level == 1]


# ---------------------------------------------------------------- drawing


def test_esc_makes_any_text_safe_in_an_html_label():
    assert drawing.esc('a<b> & "c"\nd') == "a&lt;b&gt; &amp; &quot;c&quot;<BR/>d"
    assert drawing.esc("x\x01y") == "x?y"
    assert drawing.esc("a" * 10, limit=5) == "aaaa…"
    assert drawing.html("a", "<B>b</B>") == "<a<BR/><B>b</B>>"


def test_number_drops_the_sign_of_zero():
    assert drawing.number(-0.0, ".2f") == "0.00"
    assert drawing.number(-1.234, ".2f") == "-1.23"


# ---------------------------------------------------------------- layout


def test_label_size_grows_with_text_and_lines():
    w1, h1 = layout.label_size(["0.12"])
    w2, h2 = layout.label_size(["w12: -0.12", "GRAD 0.0123"])
    assert w2 > w1 > 0 and h2 > h1 > 0


def test_labels_on_crossing_synapses_do_not_overlap():
    segs = np.array([[0.0, 0.0, 3.0, 1.0], [0.0, 1.0, 3.0, 0.0]])  # an X
    sizes = np.array([layout.label_size(["0.45"])] * 2)
    at, over, _ = layout.place_labels(segs, sizes, np.array([0.5, 0.5]), np.zeros((0, 4)))
    assert over == 0.0  # the two labels and no neuron overlap
    assert all(abs(t - 0.5) > 0.05 for t in at)  # never centred on the crossing


def test_column_gap_picks_one_of_the_gaps():
    left = np.array([[0.5, 0.25, 0.25], [-0.5, 0.25, 0.25]])  # (y, half width, half height)
    right = np.array([[0.0, 0.25, 0.25]])
    edges = np.array([[0, 0], [1, 0]])
    sizes = np.array([layout.label_size(["w5: 1.50"])] * 2)
    gap, at = layout.column_gap(left, right, edges, sizes, np.array([0.3, 0.65]))
    assert gap in layout.GAPS and at.shape == (2,)
    assert np.all((at >= layout.FRACTIONS[0]) & (at <= layout.FRACTIONS[-1]))


# ---------------------------------------------------------------- drawings do not compute


def test_drawing_modules_import_no_engine_and_no_private_names():
    for name in ("viz_network", "drawing", "layout"):
        mods = {m for m, _ in _relative_imports(name)}
        assert not mods & {"engine", "autodiff", "losses", "ops"}, (name, mods)
    for name in ("viz", "viz_network", "explain", "neurons", "deltas", "notation"):
        private = [(m, n) for m, ns in _relative_imports(name) for n in ns if n.startswith("_")]
        assert not private, (name, private)


def _deltas_in(g) -> dict[str, float]:
    out = {}
    for line in g.source.splitlines():
        m = re.match(r"\s+(n\d+_\d+) \[.*δ (-?[\d.e-]+)", line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


def test_network_numbers_are_the_oracle_numbers_for_any_activation():
    seq = Sequential(Linear(2, 3, seed=0), Tanh(), Linear(3, 1, seed=1), Sigmoid())
    x, t = [0.4, -0.9], [0.25]
    g = draw_network(seq, show_grads=True, x=x, target=t, precision=5)
    layers = seq.dense_layers()
    dp = deltas.backprop([d.weight for d in layers], [d.bias for d in layers], x, t,
                         [d.activation for d in layers])
    shown = _deltas_in(g)
    for c in (1, 2):
        for j, want in enumerate(dp.deltas[c]):
            assert shown[f"n{c}_{j}"] == pytest.approx(want, rel=1e-5)
    assert f"error (MSE) = {dp.error:.4f}" in g.source
    assert f"GRAD {dp.grad_w[1][0, 0]:.6g}" in g.source


def test_network_from_a_weights_pair_and_index_named_neuron_net():
    g = draw_network(ARTICLE_WEIGHTS, show_grads=True, x=[1, 0], target=[1])
    assert "δ 0.148" in g.source and "GRAD 0.0904" in g.source
    with pytest.raises(ValueError, match="draw_network: show_grads without a target"):
        draw_network(ARTICLE_WEIGHTS, show_grads=True)
    idx = draw_network(NeuronNet(2, [2], 1, bias=True, seed=0, naming="index"))
    assert "w[0][0-&gt;1]: " in idx.source and "w[0][B-&gt;0]: " in idx.source


def test_network_errors_name_draw_network():
    with pytest.raises(ValueError, match="draw_network: target has 2 numbers"):
        draw_network(NeuronNet.article_xor(), x=[1, 0], target=[1, 0])
    with pytest.raises(TypeError, match=r"draw_network: dense_layers: module 0 \(Sigmoid\)"):
        draw_network(Sequential(Sigmoid(), Linear(2, 1, seed=0)))


@pytest.mark.parametrize("make", [lambda: NeuronNet(2, [2], 1, seed=0),
                                  lambda: Sequential(Linear(2, 2, seed=0), Sigmoid())])
def test_drawing_leaves_unset_gradients_unset(make):
    model = make()
    draw_network(model, show_grads=True)
    draw_network(model, x=[1, 0], target=[1] * model.dense_layers()[-1].weight.shape[1],
                 show_grads=True)
    assert not any(p.has_grad for p in model.parameters())  # an optimizer would skip them
