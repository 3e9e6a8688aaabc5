"""The `micrograd-nn sweep` command: flags to a [`micrograd_nn.sweep.sweep`][]
call, progress on stderr, the ranking on stdout. Reached through
[`micrograd_nn.sweep.register_cli`][] / [`cli_main`][micrograd_nn.sweep.cli_main]."""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ._sweep_result import _show
from .sweep import sweep

_DATASETS = ("xor", "and", "or", "moons", "circles", "spirals", "sine")
_EPILOG = """examples:
  micrograd-nn sweep --data xor --lr 0.1,0.3,0.7,1.5 --momentum 0,0.3,0.9 --hidden 2,4 \\
      --bias yes,no --repeats 5 --out sweep.csv
  micrograd-nn sweep --data xor --lr 0.3,0.7 --hidden 2,4,4-4 --scheduler tcp://10.0.0.5:8786
  micrograd-nn sweep --data moons --lr 0.1,0.3,1 --batch-size 1,8,all --search random \\
      --trials 6 --repeats 3 --val-split 0.2 --workers 2 --out moons.jsonl --resume

A flag with one value is a fixed setting; with several (comma-separated) it is swept.
--hidden 4-4 is two hidden layers of 4; --batch-size all is batch training."""


#: sweep()'s words for its arguments -> the command's flags, in its error messages
_FLAG_WORDS = ((r"^repeats\b", "--repeats"), (r"^trials\b", "--trials"),
               (r"\btrials=N\b", "--trials N"), (r"search='random'", "--search random"),
               (r"\bpass resume=True\b", "add --resume"), (r"\banother out=", "another --out"),
               (r"^out=", "--out "))


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line usage error (exit 2), for `cli_main`."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", default="xor", help=f"one of {', '.join(_DATASETS)}, or a CSV")
    p.add_argument("--target-columns", default="-1", help="CSV target column(s)")
    p.add_argument("--lr", default=None, help="learning rates, e.g. 0.1,0.3,0.7 (default "
                                             "0.7 for sgd, each optimizer's own otherwise)")
    p.add_argument("--momentum", default=None, help="momenta, SGD only, e.g. 0,0.3,0.9 "
                                                   "(default 0.3 for sgd)")
    p.add_argument("--hidden", default="3", help="hidden layouts, e.g. 2,4,4-4")
    p.add_argument("--bias", default="yes", help="bias neurons: yes, no or yes,no")
    p.add_argument("--activation", default="sigmoid", help="e.g. sigmoid,tanh")
    p.add_argument("--output-activation", default="sigmoid")
    p.add_argument("--optimizer", default="sgd", help="e.g. sgd,adam")
    p.add_argument("--loss", default="mse")
    p.add_argument("--batch-size", default="1", help="e.g. 1,4,all (all: batch training)")
    p.add_argument("--epochs", default="1000")
    p.add_argument("--val-split", type=float, default=0.0)
    p.add_argument("--early-stopping", type=int, default=0, metavar="PATIENCE")
    p.add_argument("--target-error", type=float, default=None)
    p.add_argument("--search", choices=("grid", "random"), default="grid")
    p.add_argument("--trials", type=int, default=None, help="configurations (random search)")
    p.add_argument("--repeats", type=int, default=1, help="runs per configuration")
    p.add_argument("--seed", type=int, default=0)
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None,
                       help="local processes (default: one per core; 0: this process)")
    where.add_argument("--scheduler", default=None, help="a Dask scheduler, tcp://HOST:PORT")
    p.add_argument("--timeout", type=float, default=10.0,
                   help="seconds to wait for the scheduler (default 10)")
    p.add_argument("--out", default=None, help="results file, .csv or .jsonl, written as "
                                               "trials finish")
    p.add_argument("--resume", action="store_true", help="skip the trials already in --out")
    p.add_argument("--top", type=int, default=5, help="configurations printed at the end")


def register_cli(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `sweep` command to `micrograd-nn`'s subparsers; its handler is
    `cmd_sweep` (`args.func`), which raises ValueError/OSError/ImportError
    for the caller to print as one line."""
    p = subparsers.add_parser("sweep", help="train a grid of configurations, repeated, "
                              "and rank them", description="Trial and error, automated: "
                              "train every configuration REPEATS times (on local processes "
                              "or a Dask cluster) and rank them by mean final error.",
                              epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(p)
    p.set_defaults(func=cmd_sweep)
    return p


def _values(text: str, flag: str, parse: Callable[[str], Any]) -> list[Any]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise ValueError(f"{flag} needs at least one value")
    try:
        return [parse(t) for t in items]
    except ValueError:
        raise ValueError(f"{flag}: cannot read {text!r}") from None


def _layout(t: str) -> Any:
    sizes = [int(s) for s in t.split("-")]
    return sizes[0] if len(sizes) == 1 else sizes


def _yes_no(t: str) -> bool:
    low = t.lower()
    if low in ("yes", "true", "1", "on"):
        return True
    if low in ("no", "false", "0", "off"):
        return False
    raise ValueError(t)


def _load(spec: str, targets: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from .data import by_name

    return by_name(spec, targets, seed)


class _Progress:
    """`progress=` for the command: trials done, failed, rate and ETA on stderr; a
    line rewritten in place on a terminal, else a plain line every 5% (flushed)."""

    def __init__(self, stream: Any) -> None:
        self.stream, self.t0, self.failed = stream, time.perf_counter(), 0
        try:
            self.tty = bool(stream.isatty())
        except (AttributeError, OSError, ValueError):
            self.tty = False

    def __call__(self, row: dict[str, Any], done: int, total: int) -> None:
        self.failed += row["status"] != "ok"
        every = max(1, total // 20)
        if not self.tty and done % every and done != total:
            return
        took = time.perf_counter() - self.t0
        eta = took / done * (total - done)
        text = (f"sweep: {done}/{total} trials done, {self.failed} failed, "
                f"{done / took if took else 0:.2f} trials/s, ETA {eta:.0f}s")
        end = "\n" if not self.tty or done == total else ""
        self.stream.write(("\r" + text.ljust(70) if self.tty else text) + end)
        self.stream.flush()


def cmd_sweep(args: argparse.Namespace) -> int:
    """The `sweep` command; errors are raised (one line each) for the caller."""
    if args.resume and not args.out:
        raise ValueError("--resume needs --out, the file to resume")
    if args.workers is not None and args.workers < 0:
        raise ValueError(f"--workers must be >= 0, got {args.workers}")
    X, y = _load(args.data, args.target_columns, args.seed)
    only_sgd = [o.strip().lower() for o in args.optimizer.split(",")] == ["sgd"]
    # the train command's defaults for SGD; other optimizers keep their own step rule
    lr = args.lr if args.lr is not None or not only_sgd else "0.7"
    momentum = args.momentum if args.momentum is not None or not only_sgd else "0.3"
    flags: dict[str, tuple[Any, Callable[[str], Any]]]  # flag -> (its text, its parser)
    flags = {"lr": (lr, float), "momentum": (momentum, float),
             "hidden": (args.hidden, _layout), "bias": (args.bias, _yes_no),
             "activation": (args.activation, str), "optimizer": (args.optimizer, str),
             "output_activation": (args.output_activation, str), "loss": (args.loss, str),
             "batch_size": (args.batch_size,
                            lambda t: None if t.lower() in ("all", "batch", "none") else int(t)),
             "epochs": (args.epochs, int)}
    space, fixed = {}, {}
    for name, (text, parse) in flags.items():
        if text is None:
            continue
        vals = _values(text, "--" + name.replace("_", "-"), parse)
        if len(vals) > 1:
            space[name] = vals
        else:
            fixed[name] = vals[0]
    if args.val_split:
        fixed["validation_split"] = args.val_split
    if args.early_stopping:
        fixed["early_stopping"] = args.early_stopping
    if args.target_error is not None:
        fixed["target_error"] = args.target_error
    executor: Any = args.scheduler if args.scheduler else (
        "serial" if args.workers == 0 else args.workers)
    err = sys.stderr
    if args.out and args.resume and Path(args.out).exists():
        print(f"sweep: resuming {args.out}", file=err, flush=True)
    t0 = time.perf_counter()
    try:
        result = sweep(space, X, y, search=args.search, trials=args.trials,
                       repeats=args.repeats, seed=args.seed, executor=executor, out=args.out,
                       resume=args.resume, progress=_Progress(err),
                       connect_timeout=args.timeout, **fixed)
    except (ValueError, TypeError) as e:  # in the command's words: --lr, not space['lr']
        msg = str(e).removeprefix("sweep: ")
        for name in flags:
            msg = msg.replace(f"space[{name!r}]", "--" + name.replace("_", "-"))
        for pattern, flag in _FLAG_WORDS:
            msg = re.sub(pattern, flag, msg)
        raise type(e)(msg) from None
    took = time.perf_counter() - t0
    n_ok = sum(t["status"] == "ok" for t in result.trials)
    n = len(result.trials)
    print(f"{n} trial{'s' * (n != 1)} ({n - n_ok} failed) in {took:.1f} s; "
          f"ranked by mean final error over {args.repeats} repeat(s):")
    print(result.format_table(top=args.top))
    failed = [t for t in result.trials if t["status"] != "ok"]
    if failed:
        print(f"first failure (trial {failed[0]['trial']}): {failed[0]['error']}")
    best = result.best
    if best is not None:
        print("best: " + (", ".join(f"{k}={_show(v)}" for k, v in best.items())
                          or "the one configuration"))
    if args.out:
        print(f"trials written to {args.out}")
    return 0


def cli_main(argv: list[str] | None = None) -> int:
    """`micrograd-nn sweep ARGS` on its own (until the command is hooked into
    `micrograd_nn.cli`): a usage error exits 2, any other error prints one line
    and returns 1, Ctrl-C 130."""
    parser = _Parser(prog="micrograd-nn sweep", description="see register_cli",
                     epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    try:
        return cmd_sweep(args)
    except (ValueError, TypeError, OSError, KeyError, ImportError) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"micrograd-nn sweep: error: {msg}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("micrograd-nn sweep: interrupted (the trials done are in --out; rerun with "
              "--resume)", file=sys.stderr, flush=True)
        return 130


if __name__ == "__main__":
    sys.exit(cli_main())
