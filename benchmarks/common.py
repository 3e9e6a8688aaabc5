"""Shared pieces of the benchmarks: fresh child processes, timing inside a child, peers,
statistics, tables, the loss check and the record of the run.

Every measurement runs in a process of its own (`spawn`), started from the same
interpreter with one BLAS thread, the garbage collector on as a user has it, and only
the framework under test imported. The child prints one JSON line; `spawn` returns it.
"""

from __future__ import annotations

import datetime
import gc
import importlib
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
SKIPPED: list[str] = []  # "peer: reason", filled by `peer` in a child

# CPU time of this process: on a shared machine, time spent waiting for a core while
# other processes run does not count (all the work is single-threaded).
clock = time.process_time


# ---------------------------------------------------------------- child processes


def spawn(script: str, *args: str) -> dict:
    """Run ``benchmarks/<script> args`` in a fresh interpreter with one BLAS thread and
    return the JSON object on the last line of its output; fail loudly if it crashes."""
    env = {**os.environ, **dict.fromkeys(THREAD_VARS, "1")}
    proc = subprocess.run([sys.executable, os.path.join(HERE, script), *args],
                          capture_output=True, text=True, env=env)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode or not lines:
        raise RuntimeError(f"child `{script} {' '.join(args)}` failed (exit {proc.returncode}):"
                           f"\n{proc.stdout[-2000:]}{proc.stderr[-4000:]}")
    return json.loads(lines[-1])


def emit(obj: dict) -> None:
    """A child's answer: one JSON line on stdout."""
    print(json.dumps(obj), flush=True)


def peer(name: str) -> Any:
    """Import an optional peer framework, or None (with a note in SKIPPED) if missing."""
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
        return mod
    except Exception as e:  # noqa: BLE001 - any failure means "skip this peer"
        SKIPPED.append(f"{name}: not available ({type(e).__name__}: {e})")
        return None


def scalar_leaf(framework: str) -> Callable[[float], Any] | None:
    """A function making a scalar leaf node (gradient on) in ``framework``, or None."""
    if framework == "micrograd_nn":
        from micrograd_nn import Value
        return Value
    if framework == "micrograd":
        return None if peer("micrograd") is None else importlib.import_module(
            "micrograd.engine").Value
    if framework == "torch":
        torch = peer("torch")
        return None if torch is None else (
            lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True))
    if framework == "dezero":
        dezero = peer("dezero")
        return None if dezero is None else (lambda v: dezero.Variable(np.array(v)))
    raise ValueError(framework)


def grad_of(leaf: Any) -> float:
    """A scalar leaf's gradient as a float, whatever the framework wraps it in."""
    return float(getattr(leaf.grad, "data", leaf.grad))


class GCClock:
    """Adds up the CPU time spent in garbage collections (a ``gc.callbacks`` entry)."""

    def __init__(self) -> None:
        self.total = self._t0 = 0.0

    def __enter__(self) -> GCClock:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._t0 = clock()
        else:
            self.total += clock() - self._t0


def peak_rss() -> int:
    """This process's peak resident set size in bytes: Linux's VmHWM, which starts afresh
    at exec (``ru_maxrss`` does not: a child would report its parent's peak)."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def time_in_child(fn: Callable[[], list[float]], number: int, repeat: int) -> dict:
    """What one child reports: the losses of ``number`` warm-up calls (from the same
    initial state in every implementation, so they must agree), then ``repeat``
    samples of ``number`` back-to-back calls in CPU seconds per call, and the part of
    each spent in garbage collections. The collector runs as Python starts it; nothing
    collects or freezes the heap between samples, so each implementation pays for its
    own garbage where a user would."""
    losses = [v for _ in range(number) for v in fn()]
    sec, in_gc = [], []
    with GCClock() as gcc:
        for _ in range(repeat):
            gcc.total = 0.0
            t0 = clock()
            for _ in range(number):
                fn()
            sec.append((clock() - t0) / number)
            in_gc.append(gcc.total / number)
    return {"losses": losses, "sec": sec, "gc": in_gc, "peak_rss": peak_rss()}


# ---------------------------------------------------------------- what a workload declares


@dataclass(frozen=True)
class Target:
    """The time ratio ``impl / baseline`` must be <= ``limit`` (<= ``stretch`` is better)."""

    limit: float
    stretch: float | None = None
    label: str = ""  # how the goal is phrased, e.g. ">= 4x faster"

    def status(self, r: float) -> str:
        if r > self.limit:
            return "**MISSED**"
        return "met, stretch met" if self.stretch and r <= self.stretch else "met"

    def text(self) -> str:
        return self.label or f"<= {self.limit:g}"


Maker = Callable[[dict, bool], "Callable[[], list[float]] | None"]


@dataclass
class Bench:
    """One table: implementations doing the same work, timed against ``baseline``.

    A maker takes the data (arrays made once by the parent, see ``data``) and the quick
    flag and returns ``run() -> losses``, one unit of timed work, or None when its
    framework is not installed.
    """

    key: str  # "W3 b32"
    title: str
    unit: str  # what one timed call is: "step", "epoch", ...
    baseline: str
    makers: dict[str, Maker]
    targets: dict[str, Target] = field(default_factory=dict)
    rtol: float = 1e-9  # relative tolerance of the loss check
    number: int = 1  # calls per sample (and warm-up calls)
    repeat: int = 3  # samples per process (1 with --quick)
    data: Callable[[bool], dict[str, np.ndarray]] | None = None


# ---------------------------------------------------------------- statistics and tables


def summary(xs: list[float]) -> dict:
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs)}


def paired_ratios(a: list[float], b: list[float]) -> list[float]:
    """a / b round by round (the two ran back to back, under the same load)."""
    return [x / y for x, y in zip(a, b, strict=True)]


def fmt_time(sec: float) -> str:
    if sec >= 1:
        return f"{sec:.2f} s"
    if sec >= 1e-3:
        return f"{sec * 1e3:.3g} ms"
    return f"{sec * 1e6:.3g} us"


def fmt_ratio(r: float) -> str:
    return f"{r:.2f}" if r >= 0.1 else f"{r:.2g}"


def fmt_range(s: dict, fmt: Callable[[float], str]) -> str:
    return f"{fmt(s['min'])} – {fmt(s['max'])}"


def fmt_bytes(n: float) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:.0f} B"


def markdown(header: list[str], rows: list[list[str]], right: range) -> str:
    """A markdown table; the columns in ``right`` are right-aligned."""
    align = ["---:" if i in right else "---" for i in range(len(header))]
    return "\n".join("| " + " | ".join(r) + " |" for r in [header, align, *rows])


def check_losses(bench: Bench, losses: dict[str, list[float]]) -> list[str]:
    """Compare every implementation's warm-up losses with the baseline's (or the first
    one's); return one message per disagreement beyond ``bench.rtol``."""
    ref_name = bench.baseline if bench.baseline in losses else next(iter(losses))
    ref = losses[ref_name]
    bad = []
    for name, ls in losses.items():
        if len(ls) != len(ref):
            bad.append(f"{name}: {len(ls)} losses vs {len(ref)} for {ref_name}")
            continue
        for i, (a, b) in enumerate(zip(ls, ref, strict=True)):
            if not abs(a - b) <= bench.rtol * abs(b):  # also catches nan
                bad.append(f"{name}: loss #{i} is {a!r}, {ref_name} has {b!r} "
                           f"(relative tolerance {bench.rtol:g})")
                break
    return bad


# ---------------------------------------------------------------- the record of a run


def _git(where: str, *args: str) -> str:
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=where,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run_info() -> dict:
    """Where and on what the figures were measured (read without importing the peers)."""
    versions = {"python": platform.python_version()}
    for dist in ("numpy", "micrograd_nn", "torch", "micrograd", "dezero", "mygrad",
                 "scikit-learn", "psutil"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    # The commit of the code measured: the checkout micrograd_nn is imported from.
    spec = importlib.util.find_spec("micrograd_nn")
    src = os.path.dirname(spec.origin) if spec and spec.origin else HERE
    dirty = _git(src, "status", "--porcelain").splitlines()
    return {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "micrograd_nn_from": src, "commit": _git(src, "rev-parse", "HEAD"),
            "dirty": bool(dirty), "dirty_files": dirty,
            "versions": versions, "cpu": _cpu_model(), "cores": os.cpu_count(),
            "platform": platform.platform(), "threads": dict.fromkeys(THREAD_VARS, "1"),
            "loadavg_before": os.getloadavg()}
