"""Time micrograd_nn beside its peers on the same work, in one process, on one thread.

    python benchmarks/run.py [--quick] [--only W1,W3]

Prints each implementation's losses side by side (they must agree: same weights,
same data), then median times and ratios to a baseline measured in the same run.
Missing peer frameworks are skipped with a note. See benchmarks/README.md.
"""

from __future__ import annotations

import os

# One thread for every math library; must happen before anything imports numpy.
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import importlib  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from importlib import metadata  # noqa: E402

import numpy as np  # noqa: E402
from common import SKIPPED  # noqa: E402

WORKLOADS = {"W1": "w1_scalar", "W2": "w2_chain", "W3": "w3_digits", "W4": "w4_large"}


def header() -> None:
    import micrograd_nn

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, cwd=os.path.dirname(__file__)).stdout.strip()
    except OSError:
        commit = ""
    print(f"# micrograd_nn benchmarks, {datetime.datetime.now():%Y-%m-%d %H:%M}"
          f"{f', commit {commit}' if commit else ''}\n")
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"micrograd_nn {micrograd_nn.__version__}, {platform.machine()} "
          f"{os.cpu_count()} cores")
    versions = []
    for dist in ("torch", "micrograd", "dezero", "mygrad", "scikit-learn"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} missing")
    print(", ".join(versions))
    try:
        from threadpoolctl import threadpool_info

        pools = ", ".join(f"{p['internal_api']}={p['num_threads']}" for p in threadpool_info())
    except ImportError:
        pools = "threadpoolctl missing"
    # torch is imported only by the workloads that use it (its objects would make the
    # garbage collector's full passes slower for W1): common.peer sets its threads.
    print(f"threads: {pools} (OMP/MKL/OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1))")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats and smaller sizes")
    ap.add_argument("--only", default=",".join(WORKLOADS), help="e.g. W1,W3")
    args = ap.parse_args()
    chosen = [w.strip().upper() for w in args.only.split(",") if w.strip()]
    chosen.sort(key=lambda w: list(WORKLOADS).index(w) if w in WORKLOADS else -1)
    unknown = [w for w in chosen if w not in WORKLOADS]
    if unknown:
        ap.error(f"unknown workload(s) {unknown}; choose from {list(WORKLOADS)}")
    header()
    lines: list[str] = []
    for w in chosen:
        lines += importlib.import_module(WORKLOADS[w]).run(args.quick)
    print("\n## Targets\n")
    print("\n".join(f"- {line}" for line in lines))
    if SKIPPED:
        print("\nSkipped: " + "; ".join(SKIPPED))
    return 1 if any("MISMATCH" in line for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
