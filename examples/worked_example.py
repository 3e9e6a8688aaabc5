"""The article's worked example, reproduced exactly, three independent ways.

XOR net 2-2-1, sigmoid, no bias; input I1=1, I2=0, ideal 1; E=0.7 (learning rate),
α=0.3 (momentum); w1=0.45 (I1→H1), w2=0.78 (I1→H2), w3=-0.12 (I2→H1), w4=0.13 (I2→H2),
w5=1.5 (H1→O1), w6=-2.3 (H2→O1).

1. **neuron form** -- ``NeuronNet.article_xor()``: one scalar Value per synapse, the
   autodiff engine's backward on ``sse_half``, the optimizer ``SGD(lr=E, momentum=α)``.
   A neuron's delta is ``δ = −∂(½·SE)/∂in``, read from its ``input`` Value's grad.
2. **tensor form** -- ``MLP(2, [2], 1, bias=False)`` with the same weights: the same
   loss and optimizer on (1, 2)-shaped batches.
3. **delta rule** -- :mod:`micrograd_nn.deltas`: the article's formulas in plain numpy.

The table prints the article's figure (rounded at each step, so it drifts) beside
the exact one; the three forms must agree to ~1e-12. Then five more steps with
momentum. Run: ``python examples/worked_example.py``.
"""

from __future__ import annotations

import numpy as np

from micrograd_nn.deltas import backprop, update
from micrograd_nn.explain import ARTICLE_WEIGHTS
from micrograd_nn.losses import sse_half
from micrograd_nn.neurons import NeuronNet
from micrograd_nn.nn import MLP
from micrograd_nn.optim import SGD

E, ALPHA = 0.7, 0.3
X, IDEAL = [1.0, 0.0], 1.0
NAMES = ("w1", "w2", "w3", "w4", "w5", "w6")

#: (quantity, the article's rounded figure, the exact figure), as in docs/concepts/backprop.md
TABLE: list[tuple[str, float, float]] = [
    ("H1out", 0.61, 0.610639), ("H2out", 0.69, 0.685680), ("O1out", 0.33, 0.340491),
    ("Error", 0.45, 0.434952),
    ("dO1", 0.148, 0.148097), ("dH1", 0.053, 0.052817), ("dH2", -0.07, -0.073412),
    ("GRADw5", 0.09, 0.090434), ("GRADw6", 0.1, 0.101547),
    ("new_w1", 0.5, 0.486972), ("new_w2", 0.73, 0.728611), ("new_w3", -0.12, -0.12),
    ("new_w4", 0.13, 0.13), ("new_w5", 1.563, 1.563304), ("new_w6", -2.2, -2.228917),
    ("O1out_after", 0.37, 0.369327), ("Error_after", 0.39, 0.397749),
]
#: The article's Δw figures (not in ARTICLE.md's table; its text has them).
ARTICLE_DW = {"w1": 0.04, "w2": -0.05, "w3": 0.0, "w4": 0.0, "w5": 0.063, "w6": 0.07}


def run_neuron_form(steps: int = 1) -> list[dict[str, float]]:
    """One dict per step: forward values, deltas, GRAD, Δw and new weights (neuron form)."""
    net = NeuronNet.article_xor()
    opt = SGD(net.parameters(), lr=E, momentum=ALPHA)
    h1, h2 = net.layers[1]
    o1 = net.layers[2][0]
    rows = []
    for _ in range(steps):
        old = {s.name: s.weight.data for s in net.synapses}
        opt.zero_grad()
        (out,) = net(X)
        loss = sse_half([out], [IDEAL])
        loss.backward()
        r = {"H1out": h1.output.data, "H2out": h2.output.data, "O1out": out.data,
             "Error": (IDEAL - out.data) ** 2 / 1,
             "dO1": -o1.input.grad, "dH1": -h1.input.grad, "dH2": -h2.input.grad}
        r.update({f"GRAD{s.name}": -s.weight.grad for s in net.synapses})
        opt.step()
        for s in net.synapses:
            r[f"dw_{s.name}"] = s.weight.data - old[s.name]
            r[f"new_{s.name}"] = s.weight.data
        (after,) = net(X)
        r["O1out_after"], r["Error_after"] = after.data, (IDEAL - after.data) ** 2
        rows.append(r)
    return rows


def run_tensor_form(steps: int = 1) -> list[dict[str, float]]:
    """The same with ``MLP(2, [2], 1, bias=False)``; deltas are the grads of the layer
    inputs, read by running the layers one by one."""
    net = MLP(2, [2], 1, bias=False)
    net[0].weight.data[...] = ARTICLE_WEIGHTS[0][0]
    net[2].weight.data[...] = ARTICLE_WEIGHTS[0][1]
    opt = SGD(net.parameters(), lr=E, momentum=ALPHA)
    x, t = np.array([X]), np.array([[IDEAL]])
    rows = []
    for _ in range(steps):
        old = [net[0].weight.data.copy(), net[2].weight.data.copy()]
        opt.zero_grad()
        z1 = net[0](x)
        a1 = net[1](z1)
        z2 = net[2](a1)
        out = net[3](z2)
        sse_half(out, t).backward()
        r = {"H1out": a1.data[0, 0], "H2out": a1.data[0, 1], "O1out": out.data[0, 0],
             "Error": (IDEAL - out.data[0, 0]) ** 2,
             "dO1": -z2.grad[0, 0], "dH1": -z1.grad[0, 0], "dH2": -z1.grad[0, 1]}
        grads = np.concatenate([-net[0].weight.grad.ravel(), -net[2].weight.grad.ravel()])
        opt.step()
        new = np.concatenate([net[0].weight.data.ravel(), net[2].weight.data.ravel()])
        dws = new - np.concatenate([old[0].ravel(), old[1].ravel()])
        for i, name in enumerate(NAMES):  # row-major (nin, nout) = the article's order
            r[f"GRAD{name}"], r[f"dw_{name}"], r[f"new_{name}"] = grads[i], dws[i], new[i]
        with_after = net(x).data[0, 0]
        r["O1out_after"], r["Error_after"] = with_after, (IDEAL - with_after) ** 2
        rows.append(r)
    return [{k: float(v) for k, v in r.items()} for r in rows]


def run_delta_rule(steps: int = 1) -> list[dict[str, float]]:
    """The same with the article's formulas in numpy (micrograd_nn.deltas)."""
    ws, bs = [w.copy() for w in ARTICLE_WEIGHTS[0]], list(ARTICLE_WEIGHTS[1])
    prev, rows = None, []
    for _ in range(steps):
        dp = backprop(ws, bs, X, [IDEAL])
        ws, bs, dws, dbs = update(ws, bs, dp.grad_w, dp.grad_b, E, ALPHA, prev)
        prev = (dws, dbs)
        g = np.concatenate([gw.ravel() for gw in dp.grad_w])
        dw = np.concatenate([d.ravel() for d in dws])
        new = np.concatenate([w.ravel() for w in ws])
        r = {"H1out": dp.outs[1][0], "H2out": dp.outs[1][1], "O1out": dp.outs[2][0],
             "Error": dp.error, "dO1": dp.deltas[2][0], "dH1": dp.deltas[1][0],
             "dH2": dp.deltas[1][1]}
        for i, name in enumerate(NAMES):
            r[f"GRAD{name}"], r[f"dw_{name}"], r[f"new_{name}"] = g[i], dw[i], new[i]
        after = backprop(ws, bs, X, [IDEAL])
        r["O1out_after"], r["Error_after"] = after.outs[2][0], after.error
        rows.append({k: float(v) for k, v in r.items()})
    return rows


def max_disagreement(steps: int = 6) -> float:
    """The largest difference between the three forms over ``steps`` steps."""
    a, b, c = run_neuron_form(steps), run_tensor_form(steps), run_delta_rule(steps)
    return max(max(abs(ra[k] - rb[k]), abs(ra[k] - rc[k]))
               for ra, rb, rc in zip(a, b, c, strict=True) for k in ra)


def label(key: str) -> str:
    """A table key in the article's notation: "dH1" -> "δH1", "new_w5" -> "w5 (new)"."""
    if key.startswith("new_"):
        return f"{key[4:]} (new)"
    if key.endswith("_after"):
        return f"{label(key[:-6])} after one step"
    return {"H1out": "H1 output", "H2out": "H2 output", "O1out": "O1 output"}.get(
        key, "δ" + key[1:] if key.startswith("d") else key)


def main() -> None:
    first = run_neuron_form(1)[0]
    print("The article's worked example: 2-2-1 sigmoid net, 1 xor 0 = 1, E=0.7, α=0.3\n")
    print(f"{'quantity':<26}{'article':>9}{'exact':>12}   computed (neuron form)")
    for name, art, exact in TABLE:
        print(f"{label(name):<26}{art:>9g}{exact:>12.6f}   {first[name]:.10f}")
    print("\nΔw of the first step (article's figure, exact):")
    for w in NAMES:
        print(f"  Δ{w}: {ARTICLE_DW[w]:>7g}  {first['dw_' + w]:>10.6f}")
    print(f"\nneuron form, tensor form and numpy delta rule agree to "
          f"{max_disagreement(6):.1e} over 6 steps\n")
    print("Six steps with momentum (Δw = E·GRAD + α·Δw_prev):")
    print(f"{'step':>4}{'O1 out':>11}{'Error':>11}{'w5':>11}{'Δw5':>11}{'w6':>11}"
          f"{'Δw6':>11}{'Error after':>13}")
    for i, r in enumerate(run_neuron_form(6), 1):
        print(f"{i:>4}{r['O1out']:>11.6f}{r['Error']:>11.6f}{r['new_w5']:>11.6f}"
              f"{r['dw_w5']:>11.6f}{r['new_w6']:>11.6f}{r['dw_w6']:>11.6f}"
              f"{r['Error_after']:>13.6f}")


if __name__ == "__main__":
    main()
