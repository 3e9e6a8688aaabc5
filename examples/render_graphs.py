"""Render the pictures of micrograd_nn into a folder.

* ``expression.svg/.png`` -- the computation graph of a small scalar expression,
  after ``backward()``: every Value with its data and gradient, every operation.
* ``mlp_loss.svg/.png`` -- the graph of a 2-4-1 MLP's loss on the four XOR samples
  (tensor Values: shapes, dtypes, previews).
* ``long_chain.svg`` -- a 100,000-node chain, folded into a readable summary.
* ``network.svg/.png`` -- the article's 2-2-1 XOR network with its weights, and the
  outputs, deltas and GRADs of the sample 1 xor 0 = 1 (the article's worked example).
* ``network_bias.png`` -- a 2-3-1 MLP with bias neurons B1, B2, after 300 epochs on XOR.

Without Graphviz's ``dot`` each picture is written as a ``.dot`` file instead (with
one note on how to install Graphviz). Run: ``python examples/render_graphs.py [out]``
(default folder ``./out``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from micrograd_nn import Value
from micrograd_nn.data import xor
from micrograd_nn.neurons import NeuronNet
from micrograd_nn.nn import MLP
from micrograd_nn.train import fit
from micrograd_nn.viz import draw_graph, draw_network, render


def expression() -> Value:
    """micrograd's classic neuron: out = tanh(x1·w1 + x2·w2 + b)."""
    x1, x2 = Value(2.0, "x1", requires_grad=False), Value(0.0, "x2", requires_grad=False)
    w1, w2, b = Value(-3.0, "w1"), Value(1.0, "w2"), Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    out = n.tanh()
    out.label = "out"
    out.backward()
    return out


def mlp_loss() -> Value:
    X, y = xor()
    net = MLP(2, [4], 1, seed=0)
    for name, p in net.named_parameters():  # "0.weight" rather than "weight" in the picture
        p.label = name
    loss = ((net(X) - y.reshape(-1, 1)) ** 2).mean()
    loss.label = "loss"
    loss.backward()
    return loss


def long_chain(n_ops: int = 100_000) -> Value:
    x = Value(1.0, "x0")
    for _ in range(n_ops // 2):
        x = x * 1.0000001 + 0.5
    x.label = "end"
    return x


def main(argv: list[str] | None = None) -> list[Path]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="out", help="output folder (default ./out)")
    out = Path(parser.parse_args(argv).out)
    t0 = time.perf_counter()
    written = []
    for name, graph in (("expression", draw_graph(expression())),
                        ("mlp_loss", draw_graph(mlp_loss()))):
        written += [render(graph, out / f"{name}.svg"), render(graph, out / f"{name}.png")]
    written.append(render(draw_graph(long_chain()), out / "long_chain.svg"))
    article = NeuronNet.article_xor()
    net = draw_network(article, show_grads=True, x=[1.0, 0.0], target=[1.0])
    written += [render(net, out / "network.svg"), render(net, out / "network.png")]
    biased = MLP(2, [3], 1, seed=1)
    fit(biased, *xor(), lr=0.7, momentum=0.3, epochs=300, seed=0, verbose=0)
    written.append(render(draw_network(biased), out / "network_bias.png"))
    for path in written:
        print(path)
    print(f"{len(written)} files in {time.perf_counter() - t0:.1f} s")
    return written


if __name__ == "__main__":
    main()
