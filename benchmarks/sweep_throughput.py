"""Sweep throughput: trials per second of one fixed XOR sweep on each executor.

    python benchmarks/sweep_throughput.py            # ~1 min on 2 cores
    python benchmarks/sweep_throughput.py --rounds 3 --no-dask

Two workloads of the same 48 trials (24 configurations x 2 repeats, stochastic
training on XOR): "heavy" trials of 100 epochs (~0.1 s each) show the speed-up,
"light" trials of 3 epochs (~3 ms) show what an executor costs per trial. Executors:
serial (in this process, measured first, while it has no other thread), a local
process pool of 1 and of 2 workers (a fresh pool per sweep, its start-up included:
what ``sweep(executor=N)`` costs), the same 2-process pool started beforehand and
reused (``sweep(executor=pool)``), and a Dask LocalCluster of 2 worker processes
started once beforehand (its start-up is printed on its own). Each figure is the
best of ``--rounds`` runs.

``overhead/trial`` is the wall time per trial beyond a perfect split of the serial
work over the workers: ``wall/n - serial/(n * workers)``. On a machine that others
share it includes their load, so compare rows of one run. Every executor's rows must
equal the serial rows (apart from seconds): a mismatch exits 1.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import math
import multiprocessing
import os
import sys
import time
from typing import Any

from micrograd_nn.data import xor
from micrograd_nn.sweep import sweep

SPACE = {"lr": [0.3, 0.7, 1.5], "momentum": [0.0, 0.9], "hidden": [2, 4],
         "bias": [True, False]}
REPEATS = 2
WORKLOADS = {"heavy": 100, "light": 3}


def _rows(result: Any) -> list[dict[str, Any]]:
    return [{k: v for k, v in t.items() if k != "seconds"} for t in result.trials]


def _best_time(executor: Any, epochs: int, rounds: int) -> tuple[float, list[dict]]:
    X, y = xor()
    best, rows = float("inf"), []
    for _ in range(rounds):
        t0 = time.perf_counter()
        r = sweep(SPACE, X, y, repeats=REPEATS, executor=executor, epochs=epochs)
        best = min(best, time.perf_counter() - t0)
        rows = _rows(r)
    return best, rows


def _dask() -> tuple[Any, Any] | None:
    try:
        import distributed
    except ImportError:
        print("dask.distributed is not installed: skipping the Dask row "
              "(pip install 'micrograd_nn[distributed]')")
        return None
    t0 = time.perf_counter()
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                       host="127.0.0.1", dashboard_address=None)
    client = distributed.Client(cluster, set_as_default=False)
    print(f"Dask LocalCluster (2 workers) started in {time.perf_counter() - t0:.2f} s")
    return cluster, client


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3, help="runs per figure (the best is kept)")
    p.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster")
    args = p.parse_args()
    n = math.prod(len(v) for v in SPACE.values()) * REPEATS
    print(f"{n} trials per sweep; {os.cpu_count()} CPUs; best of {args.rounds}; "
          f"load average {os.getloadavg()[0]:.2f}")
    times: dict[tuple[str, str], float] = {}
    rows: dict[tuple[str, str], list[dict]] = {}
    workers = {"serial": 1, "1 local worker": 1, "2 local workers": 2,
               "2 local workers, warm pool": 2, "Dask LocalCluster, 2 workers": 2}

    def measure(label: str, executor: Any) -> None:
        for name, epochs in WORKLOADS.items():
            times[label, name], rows[label, name] = _best_time(executor, epochs, args.rounds)

    # serial first, while this process has no other thread (a Dask client's would slow it)
    measure("serial", "serial")
    measure("1 local worker", 1)
    measure("2 local workers", 2)
    with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        _best_time(pool, 1, 1)  # start the processes: the rounds below reuse them
        measure("2 local workers, warm pool", pool)
    dask = None if args.no_dask else _dask()
    if dask is not None:
        try:
            measure("Dask LocalCluster, 2 workers", dask[1])
        finally:
            dask[1].close()
            dask[0].close()
    status = 0
    for name, epochs in WORKLOADS.items():
        print(f"\n{name}: {epochs} epochs per trial")
        print(f"  {'executor':30s} {'wall s':>8s} {'trials/s':>9s} {'overhead/trial':>15s}")
        serial_s = times["serial", name]
        for label in [k for k in workers if (k, name) in times]:
            wall = times[label, name]
            if rows[label, name] != rows["serial", name]:
                print(f"FAILED: {label} gave other rows than serial", file=sys.stderr)
                status = 1
            over = wall / n - serial_s / (n * workers[label])
            print(f"  {label:30s} {wall:8.2f} {n / wall:9.1f} {1000 * over:12.1f} ms")
    return status


if __name__ == "__main__":  # the pools' processes import this file: run only here
    sys.exit(main())
