"""Trial and error, automated: a small hyperparameter sweep on XOR.

The article says to pick the learning rate E, the momentum α, the number of hidden
neurons and the bias neurons by trial and error, and to repeat each run because the
result depends on the initial weights. ``micrograd_nn.sweep.sweep`` does that: every
combination below is trained 3 times (the same 3 seeds for every combination, so
they are compared on the same initial weights) in batch mode with the article's
summed Δw, on a pool of local processes, and ranked by its mean final error.

Run: ``python examples/sweep_xor.py [out]`` (figure in ``out/``, default ./out).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from micrograd_nn.data import xor
from micrograd_nn.sweep import sweep

SPACE = {"lr": [0.3, 0.7, 1.5], "momentum": [0.0, 0.9], "hidden": [2, 4],
         "bias": [True, False]}
FIXED = {"epochs": 300, "batch_size": None, "reduction": "sum", "init": "uniform"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="out", help="folder for the figure")
    out = Path(parser.parse_args().out)
    X, y = xor()
    t0 = time.perf_counter()
    # executor=None: a process pool on all cores ("serial" runs in this process)
    result = sweep(SPACE, X, y, repeats=3, seed=0, executor=None, **FIXED)
    n = len(result.trials)
    print(f"{n} trials ({len(result.table())} configurations x 3 repeats) in "
          f"{time.perf_counter() - t0:.1f} s, {FIXED['epochs']} epochs each\n")
    print(result.format_table(top=8))
    print("...")
    print(result.format_table(top=None).splitlines()[-1])
    best = result.best
    print(f"\nbest: E={best['lr']}, α={best['momentum']}, {best['hidden']} hidden neurons, "
          f"bias {'yes' if best['bias'] else 'no'}")
    for name in ("momentum", "bias"):
        for g in result.groups([name]):
            print(f"  {name}={g[name]}: mean final error {g['mean']:.4f} over {g['n']} trials")
    try:
        from micrograd_nn.plots import PlotDependencyError, plot_sweep

        path = out / "sweep_xor.png"
        plot_sweep(result, x="lr", hue="momentum", where={"bias": True}, path=path)
        print(f"figure: {path}")
    except PlotDependencyError:
        print("matplotlib is not installed: skipping the figure")


if __name__ == "__main__":  # the pool's processes import this file: run only here
    main()
