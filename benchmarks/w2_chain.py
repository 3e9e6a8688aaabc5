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
import json
import os
import statistics
import subprocess
import sys
import time
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


CHILDREN = {"micrograd_nn": ("micrograd_nn", chain_micrograd_nn),
            "PyTorch (0-d float64)": ("torch", chain_torch),
            "DeZero": ("dezero", chain_dezero)}


def _child(name: str, n: int) -> None:
    """In a fresh process that imports only ``name``'s framework (as its user would):
    one chain, timed in CPU seconds with the garbage collector as Python starts it."""
    module, fn = CHILDREN[name]
    peer(module)  # the import (and torch's thread settings) before the clock starts
    t0 = time.process_time()
    grad = fn(n)
    print(json.dumps({"sec": time.process_time() - t0, "grad": grad}))


def _isolated(names: list[str], n: int, repeats: int) -> dict[str, list[float]]:
    """CPU seconds per chain, each run in its own process, in interleaved rounds."""
    out: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(repeats):
        for name in names:
            proc = subprocess.run([sys.executable, __file__, "--child", name, str(n)],
                                  capture_output=True, text=True, check=True,
                                  env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            if abs(res["grad"] - A ** n) > 1e-9 * A ** n:
                raise RuntimeError(f"W2 {name}: gradient {res['grad']} != {A ** n}")
            out[name].append(res["sec"])
    return out


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
        lines.append(target("W2 micrograd_nn / PyTorch, in one process with every peer "
                            "imported", ratio(times["micrograd_nn"],
                                              times["PyTorch (0-d float64)"]), 0.2))
        # What a user sees: each framework in a process of its own (its imports only).
        names = [k for k in CHILDREN if k in times]
        iso = _isolated(names, n, repeats=3 if quick else 5)
        base = iso["PyTorch (0-d float64)"]
        print(f"\n### W2 again, each framework in its own process ({n:,} iterations)\n")
        print("| implementation | median | x PyTorch (0-d float64) |\n|---|---:|---:|")
        for name, secs in iso.items():
            r = statistics.median(a / b for a, b in zip(secs, base, strict=True))
            print(f"| {name} | {fmt_time(statistics.median(secs))} | {r:.2f} |")
        lines.append(target("W2 micrograd_nn / PyTorch, each in its own process", statistics.median(
            a / b for a, b in zip(iso["micrograd_nn"], base, strict=True)), 0.2))
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


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--child":
    _child(sys.argv[2], int(sys.argv[3]))
