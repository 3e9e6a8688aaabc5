"""Time micrograd_nn beside its peers, each framework in a fresh process per workload.

    python benchmarks/run.py [--rounds 5] [--quick] [--only W1,W3,MEM] [--json PATH]
    python benchmarks/run.py --profile W1

Every (workload, implementation) pair runs in a child process of this interpreter
(one BLAS thread, garbage collector on, only its own framework imported), once per
round, the implementations interleaved round by round. Prints median CPU times with
their min-max over rounds, ratios to the baseline measured in the same rounds, the
targets met or missed, and the memory benchmark; writes it all to a JSON file. Exits
1 if the implementations' losses disagree. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import sys
import tempfile

import numpy as np
from common import (HERE, SKIPPED, Bench, check_losses, emit, fmt_range, fmt_ratio, fmt_time,
                    markdown, paired_ratios, run_info, spawn, summary, time_in_child)

WORKLOADS = {"W1": "w1_scalar", "W2": "w2_chain", "W3": "w3_digits", "W4": "w4_large"}


class LossMismatch(Exception):
    pass


def bench_of(module: str, key: str) -> Bench:
    return next(b for b in importlib.import_module(module).BENCHES if b.key == key)


def child(module: str, key: str, impl: str, datafile: str, quick: bool) -> None:
    """In the fresh process: make the implementation, warm up, time, answer in JSON."""
    bench = bench_of(module, key)
    data = dict(np.load(datafile)) if datafile != "-" else {}
    fn = bench.makers[impl](data, quick)
    if fn is None:
        return emit({"skipped": "; ".join(SKIPPED)})
    try:
        return emit(time_in_child(fn, bench.number, 1 if quick else bench.repeat))
    except RecursionError as e:  # a deep graph a framework cannot differentiate: a result
        return emit({"error": f"RecursionError ({e})"})


def save_data(module: str, bench: Bench, quick: bool, tmp: str) -> str:
    """The bench's data made once here (the children need not import scikit-learn)."""
    if bench.data is None:
        return "-"
    path = os.path.join(tmp, f"{module}.npz")
    if not os.path.exists(path):
        np.savez(path, **bench.data(quick))
    return path


def run_bench(module: str, bench: Bench, rounds: int, quick: bool, tmp: str) -> dict:
    """All rounds of one bench; raises LossMismatch as soon as losses disagree."""
    datafile = save_data(module, bench, quick, tmp)
    outs: dict[str, list[dict]] = {name: [] for name in bench.makers}
    notes: dict[str, str] = {}
    load = os.getloadavg()
    for r in range(rounds):
        print(f"  {bench.key}: round {r + 1}/{rounds}", file=sys.stderr, flush=True)
        for name in list(outs):
            out = spawn("run.py", "--child", module, bench.key, name, datafile,
                        *(["--quick"] if quick else []))
            if "sec" not in out:
                notes[name] = out.get("error") or f"skipped: {out['skipped']}"
                del outs[name]
                continue
            outs[name].append(out)
        bad = check_losses(bench, {name: o[-1]["losses"] for name, o in outs.items()})
        if bad:
            raise LossMismatch(f"{bench.key}, round {r + 1}: the implementations' losses "
                               "disagree:\n  " + "\n  ".join(bad))
    return summarize(bench, outs, notes, [load, os.getloadavg()])


def summarize(bench: Bench, outs: dict[str, list[dict]], notes: dict[str, str],
              load: list) -> dict:
    """Per implementation: the per-round figure (the median of the child's samples), its
    median and min-max over rounds, and the paired ratio to the baseline."""
    rounds = {name: [statistics.median(o["sec"]) for o in runs] for name, runs in outs.items()}
    base = rounds.get(bench.baseline)
    impls = {}
    for name, secs in rounds.items():
        gc_share = statistics.median(statistics.median(o["gc"]) / statistics.median(o["sec"])
                                     for o in outs[name])
        entry = {"sec": summary(secs), "sec_rounds": secs, "gc_share": gc_share,
                 "peak_rss": max(o["peak_rss"] for o in outs[name]),
                 "losses": outs[name][0]["losses"], "samples": [o["sec"] for o in outs[name]]}
        if base:
            entry["ratio"] = summary(paired_ratios(secs, base))
            if name in bench.targets:
                entry["status"] = bench.targets[name].status(entry["ratio"]["median"])
        impls[name] = entry
    return {"title": bench.title, "unit": bench.unit, "baseline": bench.baseline,
            "rtol": bench.rtol, "impls": impls, "notes": notes, "loadavg": load,
            "targets": {name: t.text() for name, t in bench.targets.items()}}


def print_bench(res: dict, rounds: int) -> None:
    print(f"\n### {res['title']}\n")
    print(f"CPU time per {res['unit']}, median of {rounds} rounds (a fresh process each) "
          f"and min – max; losses agree within {res['rtol']:g}.\n")
    base = res["baseline"]
    rows = []
    for name, e in res["impls"].items():
        r = e.get("ratio")
        rows.append([name, fmt_time(e["sec"]["median"]), fmt_range(e["sec"], fmt_time),
                     f"{100 * e['gc_share']:.0f}%",
                     fmt_ratio(r["median"]) if r else "", fmt_range(r, fmt_ratio) if r else "",
                     res["targets"].get(name, ""), e.get("status", "")])
    rows += [[name, why, "", "", "", "", "", ""] for name, why in res["notes"].items()]
    print(markdown(["implementation", "median", "range", "in GC", f"x {base}", "range",
                    "target", "status"], rows, range(1, 6)))


def target_lines(results: dict) -> list[str]:
    lines = []
    for key, res in results.items():
        for name, goal in res["targets"].items():
            e = res["impls"].get(name, {})
            if "status" not in e:
                lines.append(f"{key} {name}: target {goal}: NOT MEASURED (it or "
                             f"{res['baseline']} did not run)")
                continue
            r = e["ratio"]["median"]
            faster = f" = {1 / r:.1f}x faster" if r < 1 else ""
            lines.append(f"{key} {name}: {r:.2f} x {res['baseline']}'s time{faster}; "
                         f"target {goal}: {e['status']}")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, help="fresh processes per implementation "
                    "(default 5, --quick 3)")
    ap.add_argument("--quick", action="store_true", help="smaller sizes, one sample a process")
    ap.add_argument("--only", default="W1,W2,W3,W4,MEM", help="e.g. W1,W3 (MEM: memory)")
    ap.add_argument("--json", default=os.path.join(HERE, "results.json"), help="results file")
    ap.add_argument("--profile", metavar="W1", help="print a cProfile of micrograd_nn's step")
    args = ap.parse_args()
    if args.profile:
        module = WORKLOADS[args.profile.upper()]
        bench = importlib.import_module(module).BENCHES[0]
        with tempfile.TemporaryDirectory() as tmp:
            datafile = save_data(module, bench, args.quick, tmp)
            print(spawn("run.py", "--child-profile", module, datafile,
                        *(["--quick"] if args.quick else []))["profile"])
        return 0
    rounds = args.rounds or (3 if args.quick else 5)
    chosen = [w.strip().upper() for w in args.only.split(",") if w.strip()]
    unknown = [w for w in chosen if w not in WORKLOADS and w != "MEM"]
    if unknown:
        ap.error(f"unknown workload(s) {unknown}; choose from {[*WORKLOADS, 'MEM']}")

    info = run_info()
    info.update(rounds=rounds, quick=args.quick)
    v = info["versions"]
    state = f"{len(info['dirty_files'])} uncommitted changes" if info["dirty"] else "clean"
    print(f"# micrograd_nn benchmarks, {info['date']}\n\nmicrograd_nn from "
          f"{info['micrograd_nn_from']}, commit {info['commit'][:10]} ({state})")
    print(", ".join(f"{k} {v[k]}" for k in v if v[k]) + "; missing: "
          + (", ".join(k for k in v if not v[k]) or "none"))
    print(f"{info['cpu']}, {info['cores']} cores; one BLAS thread; "
          f"load average before: {', '.join(f'{x:.2f}' for x in info['loadavg_before'])}")

    record: dict = {"info": info, "benches": {}, "failed": None}
    code = 0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for w in (w for w in WORKLOADS if w in chosen):
                for bench in importlib.import_module(WORKLOADS[w]).BENCHES:
                    res = run_bench(WORKLOADS[w], bench, rounds, args.quick, tmp)
                    record["benches"][bench.key] = res
                    print_bench(res, rounds)
        if "MEM" in chosen:
            import memory

            record["memory"] = memory.run(args.quick)
    except LossMismatch as e:
        record["failed"] = str(e)
        code = 1
    info["loadavg_after"] = os.getloadavg()
    record["targets"] = target_lines(record["benches"])
    print("\n## Targets\n")
    print("\n".join(f"- {line}" for line in record["targets"]))
    print(f"\nload average after: {', '.join(f'{x:.2f}' for x in info['loadavg_after'])}")
    with open(args.json, "w") as f:
        json.dump(record, f, indent=1)
    print(f"results written to {args.json}")
    if record["failed"]:
        print(f"\nFAILED: {record['failed']}", file=sys.stderr)
    return code


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:6], quick="--quick" in sys.argv[6:])
    elif sys.argv[1:2] == ["--child-profile"]:
        module, datafile = sys.argv[2:4]
        data = dict(np.load(datafile)) if datafile != "-" else {}
        emit({"profile": importlib.import_module(module).profile(data, "--quick" in sys.argv)})
    else:
        sys.exit(main())
