"""Shared pieces of the benchmarks: optional peers, interleaved timing, result tables.

`run.py` pins every math library to one thread before anything imports numpy.
"""

from __future__ import annotations

import gc
import importlib
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

SKIPPED: list[str] = []  # "peer: reason", printed once at the end


def peer(name: str) -> Any:
    """Import an optional peer framework, or None (with a note) if it is missing."""
    try:
        if name == "dezero" and not hasattr(np, "int"):
            # DeZero 0.0.13 reads the alias np.int (removed in numpy 1.24) at import time.
            np.int = int  # type: ignore[attr-defined]
            try:
                return importlib.import_module(name)
            finally:
                del np.int  # type: ignore[attr-defined]
        first = name not in sys.modules
        mod = importlib.import_module(name)
        if name == "torch" and first:
            mod.set_num_threads(1)
            mod.set_num_interop_threads(1)
            print(f"(torch threads: {mod.get_num_threads()} intra-op, "
                  f"{mod.get_num_interop_threads()} inter-op)")
        return mod
    except Exception as e:  # noqa: BLE001 - any failure means "skip this peer"
        note = f"{name}: not available ({type(e).__name__}: {e})"
        if note not in SKIPPED:
            SKIPPED.append(note)
        return None


# CPU time of this process: on a shared machine, time spent waiting for a core while
# other processes run does not count (the work here is single-threaded).
clock = time.process_time


class Timing(NamedTuple):
    sec: float  # median seconds per call
    gc: float  # median seconds per call spent in garbage collections
    samples: list[float]  # seconds per call, one per round


class _GCClock:
    """Adds up the time spent in garbage collections (a ``gc.callbacks`` entry)."""

    def __init__(self) -> None:
        self.total = self._t0 = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._t0 = clock()
        else:
            self.total += clock() - self._t0


def measure(fns: dict[str, Callable[[], Any]], repeats: int, number: int = 1,
            warmup: int = 1) -> dict[str, Timing]:
    """Median CPU seconds per call of each fn, and how much of it was garbage collection.

    The fns run in rounds (A B C, A B C, ...) so that load from other processes hits
    them all alike; :func:`ratio` compares them round by round. The garbage collector
    stays enabled, but each sample starts from a collected heap, so no fn pays for
    collecting another's cyclic garbage; each sample times ``number`` back-to-back
    calls, so collections a fn triggers itself are spread over the calls that caused
    them.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in fns}
    gc_clock = _GCClock()
    gc.callbacks.append(gc_clock)
    try:
        for _ in range(repeats):
            for name, fn in fns.items():
                gc.collect()
                gc_clock.total = 0.0
                t0 = clock()
                for _ in range(number):
                    fn()
                samples[name].append(((clock() - t0) / number, gc_clock.total / number))
    finally:
        gc.callbacks.remove(gc_clock)
    return {name: Timing(statistics.median(t for t, _ in s), statistics.median(g for _, g in s),
                         [t for t, _ in s]) for name, s in samples.items()}


def ratio(a: Timing, b: Timing) -> float:
    """Median over rounds of a's time / b's time in the same round."""
    return statistics.median(x / y for x, y in zip(a.samples, b.samples, strict=True))


def fmt_time(sec: float) -> str:
    if sec >= 1:
        return f"{sec:.2f} s"
    if sec >= 1e-3:
        return f"{sec * 1e3:.1f} ms"
    return f"{sec * 1e6:.0f} us"


def table(title: str, times: dict[str, Timing], baseline: str,
          notes: dict[str, str] | None = None) -> None:
    """Print a markdown table: median CPU time, its GC share, ratio to ``baseline``."""
    base = times[baseline]
    print(f"\n### {title}\n")
    print(f"| implementation | median | of which GC | x {baseline} |")
    print("|---|---:|---:|---:|")
    for name, t in times.items():
        print(f"| {name} | {fmt_time(t.sec)} | {100 * t.gc / t.sec:.0f}% | {ratio(t, base):.2f} |")
    for name, why in (notes or {}).items():
        print(f"| {name} | {why} | | |")


def check_losses(title: str, losses: dict[str, list[float]], rtol: float,
                 what: str = "loss at the first / last step") -> bool:
    """Print each implementation's first and last loss side by side; flag mismatches.

    All implementations start from the same weights and see the same data, so
    their losses agree up to float rounding; a larger gap means a broken comparison.
    """
    ref_name = next(iter(losses))
    ref = losses[ref_name]
    ok = True
    width = max(map(len, losses)) + 2
    print(f"\n{title}: {what} (reference {ref_name})")
    for name, ls in losses.items():
        bad = [i for i in (0, -1) if abs(ls[i] - ref[i]) > rtol * abs(ref[i])]
        ok &= not bad
        flag = "  <-- MISMATCH" if bad else ""
        shown = f"{ls[0]:.8g}" if len(ls) == 1 else f"{ls[0]:.8g} / {ls[-1]:.8g}"
        print(f"  {name:<{width}}{shown}{flag}")
    return ok


def target(what: str, ratio: float, limit: float, below: bool = True) -> str:
    """One line stating whether a target ratio is met."""
    met = ratio <= limit if below else ratio >= limit
    word = "<=" if below else ">="
    line = f"target {what}: {ratio:.2f} (need {word} {limit}) -> {'MET' if met else 'MISSED'}"
    print(line)
    return line
