"""Memory: what a graph costs per node, and peak RSS, each framework in a fresh process.

    python benchmarks/memory.py [--quick]      (run.py runs it too)

For W1's graph (the demo loss over 100 points, built with the same ScalarMLP code in
every framework; random inputs, the structure is what counts) and W2's chain: RSS
before and after building the graph, divided by the number of operations in the
expression (the nodes of an ideal graph; a framework that wraps constants or
splits ``a - b`` in two pays for that in its figure); the same with tracemalloc for
the pure-Python frameworks (PyTorch's tensors live in C++ memory it does not trace);
the process's peak RSS after backward; ``sys.getsizeof`` of one node.
"""

from __future__ import annotations

import gc
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
from common import emit, fmt_bytes, markdown, peak_rss, scalar_leaf, spawn

FRAMEWORKS = {"micrograd_nn": "micrograd_nn", "micrograd": "micrograd",
              "PyTorch (0-d float64)": "torch"}
Graph = tuple[Callable[[], Any], int]  # build() -> root, number of operations


class Tally:
    """A stand-in scalar that only counts the operations applied to it."""

    ops = 0

    def __init__(self, *_: Any) -> None:
        pass

    def _op(self, *_: Any) -> Tally:
        Tally.ops += 1
        return Tally()

    __add__ = __radd__ = __mul__ = __rmul__ = __sub__ = __rsub__ = relu = _op


def w1_graph(leaf: Callable[[float], Any], quick: bool) -> Graph:
    from w1_scalar import ScalarMLP, init_weights, svm_loss

    rng = np.random.default_rng(0)
    X, Y = rng.uniform(-2, 2, (100, 2)).tolist(), rng.choice([-1.0, 1.0], 100).tolist()

    def builder(leaf: Callable[[float], Any]) -> Callable[[], Any]:
        model = ScalarMLP(init_weights(), leaf)
        params = model.parameters()
        return lambda: svm_loss([model(list(map(leaf, x))) for x in X], Y, params)

    Tally.ops = 0
    builder(Tally)()
    return builder(leaf), Tally.ops


def w2_chain(leaf: Callable[[float], Any], quick: bool) -> Graph:
    from w2_chain import N, chain

    n = N // 10 if quick else N
    return (lambda: chain(leaf(1.0), n)), 2 * n


GRAPHS = {"W1 graph": w1_graph, "W2 chain": w2_chain}


def rss() -> int:
    """This process's resident set size in bytes now."""
    try:
        import psutil

        return psutil.Process().memory_info().rss
    except ImportError:
        import os

        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def child(graph: str, framework: str, quick: bool) -> None:
    leaf = scalar_leaf(FRAMEWORKS[framework])
    if leaf is None:
        return emit({"note": f"{framework} not installed"})
    build, ops = GRAPHS[graph](leaf, quick)
    gc.collect()
    before = rss()
    root = build()
    after = rss()
    size = {"object": sys.getsizeof(root), "__dict__": sys.getsizeof(vars(root))
            if hasattr(root, "__dict__") else 0}
    note = ""
    try:
        root.backward()
    except RecursionError:
        note = "RecursionError in backward"
    out = {"ops": ops, "rss_start": before, "per_op_rss": (after - before) / ops,
           "peak_rss": peak_rss(), "sizeof": size, "note": note, "per_op_traced": None}
    del root
    gc.collect()
    if framework != "PyTorch (0-d float64)":
        tracemalloc.start()
        root = build()
        out["per_op_traced"] = tracemalloc.get_traced_memory()[0] / ops
        tracemalloc.stop()
        del root
    emit(out)


def run(quick: bool) -> dict:
    """Every graph in every framework, a fresh process each; prints the table."""
    res = {g: {fw: spawn("memory.py", "--child", g, fw, *(["--quick"] if quick else []))
               for fw in FRAMEWORKS} for g in GRAPHS}
    rows = []
    for g, by_fw in res.items():
        for fw, m in by_fw.items():
            if "ops" not in m:
                rows.append([g, fw, m["note"], "", "", "", "", ""])
                continue
            traced = m["per_op_traced"]
            rows.append([g, fw, f"{m['ops']:,}", fmt_bytes(m["rss_start"]),
                         fmt_bytes(m["peak_rss"]), f"{m['per_op_rss']:.0f} B",
                         f"{traced:.0f} B" if traced else "not traced (C++)", m["note"]])
    print("\n### Memory: bytes per graph node and peak RSS, each in a fresh process\n")
    print(markdown(["graph", "framework", "operations", "RSS before build", "peak RSS",
                    "bytes / op (RSS)", "bytes / op (tracemalloc)", "note"], rows, range(2, 7)))
    sizes = {fw: res["W2 chain"][fw].get("sizeof") for fw in ("micrograd_nn", "micrograd")}
    print("\n`sys.getsizeof` of one node (the chain's last): " + "; ".join(
        f"{fw} {s['object']} B" + (f" + its __dict__ {s['__dict__']} B" if s["__dict__"] else
                                    " (no __dict__)") for fw, s in sizes.items() if s))
    return res


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3], quick="--quick" in sys.argv[4:])
    else:
        run(quick="--quick" in sys.argv[1:])
