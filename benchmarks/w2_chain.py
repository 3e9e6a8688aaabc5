"""W2 deep chain: y = y * 1.0001 + 0.0001 repeated N times from a leaf, then backward.

Two graph nodes per iteration, 0-d / scalar data: this measures per-node overhead
and whether backward survives a deep graph (micrograd's recursive topological sort
does not). Timed from building the chain to freeing it, so teardown counts too.
The chain's 200,000 live nodes trigger CPython's full garbage collections, which
also walk every object the imported peers (PyTorch, DeZero, MyGrad, sklearn) keep;
the "imports frozen" row shows the cost without those.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

import numpy as np
from common import check_losses, fmt_time, measure, peer, ratio, table, target

N = 100_000
BIG = 1_000_000
A, B = 1.0001, 0.0001


def chain_micrograd_nn(n: int) -> float:
    from micrograd_nn import Value

    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y * A + B
    y.backward()
    return x.grad


def chain_micrograd_nn_frozen(n: int) -> float:
    """The same, with every object that existed before (the imported frameworks)
    moved out of the garbage collector's sight: what a process that imports only
    micrograd_nn sees. ``gc.freeze`` and ``gc.unfreeze`` take constant time."""
    gc.freeze()
    try:
        return chain_micrograd_nn(n)
    finally:
        gc.unfreeze()


def chain_torch(n: int) -> float:
    import torch

    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * A + B
    y.backward()
    return x.grad.item()


def chain_dezero(n: int) -> float:
    from dezero import Variable

    x = Variable(np.array(1.0))
    y = x
    for _ in range(n):
        y = y * A + B
    y.backward()
    return float(x.grad.data)


def chain_micrograd(n: int) -> float:
    from micrograd.engine import Value

    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y * A + B
    y.backward()
    return x.grad


def run(quick: bool) -> list[str]:
    n = N // 10 if quick else N
    chains: dict[str, Callable[[int], float]] = {
        "micrograd_nn": chain_micrograd_nn,
        "micrograd_nn, imports frozen (gc.freeze)": chain_micrograd_nn_frozen}
    for module, name, fn in (("torch", "PyTorch (0-d float64)", chain_torch),
                             ("dezero", "DeZero", chain_dezero),
                             ("micrograd", "micrograd", chain_micrograd)):
        if peer(module) is not None:
            chains[name] = fn
    notes = {}
    if "micrograd" in chains:
        try:
            chains["micrograd"](n)
        except RecursionError as e:
            notes["micrograd"] = f"RecursionError in backward ({e})"
            del chains["micrograd"]
    # Correctness: d y / d x = A ** n for every framework.
    grads = {name: [fn(n)] for name, fn in chains.items()}
    grads["exact A ** n"] = [A ** n]
    ok = check_losses(f"W2 (n={n})", grads, rtol=1e-9, what="d y / d x")
    fns = {name: (lambda fn=fn: fn(n)) for name, fn in chains.items()}
    times = measure(fns, repeats=3 if quick else 5, warmup=0)
    table(f"W2 deep chain: {n:,} iterations (2 nodes each), build + backward + free",
          times, "PyTorch (0-d float64)" if "PyTorch (0-d float64)" in times else "micrograd_nn",
          notes)
    lines = [] if ok else ["W2: GRADIENT MISMATCH"]
    if "PyTorch (0-d float64)" in times:
        lines.append(target("W2 micrograd_nn / PyTorch", ratio(
            times["micrograd_nn"], times["PyTorch (0-d float64)"]), 0.2))
    if not quick:
        got: list[float] = []
        big = measure({"1M": lambda: got.append(chain_micrograd_nn(BIG))}, repeats=3,
                      warmup=0)["1M"].sec
        grad = got[-1]
        ok_big = abs(grad - A ** BIG) <= 1e-9 * A ** BIG
        line = (f"W2 micrograd_nn with {BIG:,} iterations: completes in {fmt_time(big)}, "
                f"grad {grad:.10g} vs exact {A ** BIG:.10g} -> {'OK' if ok_big else 'MISMATCH'}")
        print(line)
        lines.append(line)
    return lines
