"""Hyperparameter sweeps: the article's "trial and error", run for you.

The article says to choose the learning rate, the momentum, the number of hidden
neurons and the bias neurons by trial and error, and to repeat each run, because
the result depends on the initial weights. [`sweep`][micrograd_nn.sweep.sweep] does exactly that: it
trains one network per configuration of a `space` and per repeat, on one machine or many,
and [`SweepResult`][micrograd_nn.sweep.SweepResult] ranks the configurations by their mean final
error.

```pycon
>>> from micrograd_nn.data import xor
>>> X, y = xor()
>>> r = sweep({"lr": [0.1, 2.0]}, X, y, repeats=2, executor="serial", epochs=20)
>>> len(r.trials), r.best
(4, {'lr': 2.0})

```

Seeds. Repeat `r` of *every* configuration trains with the same seed,
`trial_seed(seed, r)` (from `numpy.random.SeedSequence`): the initial weights
(`MLP(seed=...)`) and the shuffles (`fit(seed=...)`) are drawn from it, so two
configurations are compared on the same draws (a paired comparison: the difference
is the hyperparameters', not the luck of the draw's). A trial is rerun exactly with
`MLP(..., seed=row["seed"])` and `fit(..., seed=row["seed"])`; every executor
gives the same rows (except `seconds`).

Executors: `None` (a process pool on all cores), an int (that many local
processes), `"serial"` (in this process), any `concurrent.futures.Executor`, a
`dask.distributed.Client`, or a Dask scheduler's address (`"tcp://host:8786"`,
connected for the sweep and closed after it; Dask is the optional `distributed`
extra). A trial that raises is recorded as `"failed"` and the sweep goes on.

The local pool starts its processes with `spawn` (the same on every OS, and safe in
a process that holds threads), which imports the calling script again in each
process: a script that sweeps with it keeps its work under
`if __name__ == "__main__":`.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import itertools
import json
import math
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from . import _sweep_run as _run
from ._sweep_result import SweepResult
from ._sweep_run import MODEL_DEFAULTS, MODEL_KEYS, run_trial
from .train import fit as _fit

__all__ = ["sweep", "SweepResult", "trial_seed", "run_trial", "MODEL_KEYS", "FIT_KEYS",
           "register_cli", "cmd_sweep", "cli_main"]

#: The arguments of ``fit`` a space (or a fixed keyword) may set. ``seed`` is the
#: sweep's (one per repeat), ``verbose`` is 0, ``validation_data`` is ``sweep``'s own
#: argument and ``callbacks`` would have to travel to other processes: all left out.
#: ``early_stopping`` (a patience) is in: each trial makes its own EarlyStopping callback.
FIT_KEYS = tuple(n for n in inspect.signature(_fit).parameters
                 if n not in ("model", "X", "y", "seed", "validation_data", "verbose",
                              "callbacks")) + _run.CALLBACK_KEYS
_WHY_NOT = {"seed": "the seeds are derived per repeat from sweep(seed=...)",
            "verbose": "trials train silently; pass progress= to sweep to follow them",
            "validation_data": "pass validation_data= to sweep itself",
            "callbacks": "callbacks cannot travel to other processes"}


def trial_seed(seed: int, repeat: int) -> int:
    """The seed of repeat `repeat` (from 0) of every configuration of a sweep seeded
    with `seed`: a 32-bit int from `SeedSequence([seed, 0, repeat])`."""
    return int(np.random.SeedSequence([seed, 0, repeat]).generate_state(1)[0])


def _digest(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:16]


def _plain(v: Any, where: str) -> Any:
    """A candidate as plain JSON data (numpy numbers become Python ones), or a
    ValueError: out= files and trial keys hold candidates as JSON."""
    if isinstance(v, np.generic):
        v = v.item()
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_plain(x, where) for x in v]
    raise ValueError(f"sweep: {where}: a candidate must be a number, a string, a bool, None "
                     f"or a list of them (kept as JSON in results files), got {v!r}")


def _ident(v: Any) -> Any:
    """A fixed setting as JSON data for the sweep's fingerprint (a function by name)."""
    if isinstance(v, Mapping):
        return {str(k): _ident(x) for k, x in v.items()}
    try:
        return _plain(v, "")
    except ValueError:
        if callable(v):
            return f"{getattr(v, '__module__', '')}.{getattr(v, '__qualname__', repr(v))}"
        return repr(v)


def _check_name(name: Any, where: str) -> None:
    if name in MODEL_KEYS or name in FIT_KEYS:
        return
    why = f" ({_WHY_NOT[name]})" if name in _WHY_NOT else ""
    raise ValueError(f"sweep: unknown name {name!r} in {where}{why}; a sweep sets the model's "
                     f"{', '.join(MODEL_KEYS)} and fit's {', '.join(FIT_KEYS)}")


def _check_space(space: Any) -> dict[str, list[Any]]:
    if not isinstance(space, Mapping):
        raise TypeError(f"sweep: space must be a dict of name -> list of candidates, got "
                        f"{type(space).__name__}")
    out: dict[str, list[Any]] = {}
    for name, cands in space.items():
        _check_name(name, "space")
        if isinstance(cands, (str, bytes)) or not isinstance(cands, (list, tuple, range,
                                                                      np.ndarray)):
            raise ValueError(f"sweep: space[{name!r}] must be a list of candidates, got "
                             f"{cands!r} (a value that does not vary goes as a keyword: "
                             f"sweep(..., {name}={cands!r}))")
        if len(cands) == 0:
            raise ValueError(f"sweep: space[{name!r}] is an empty list: give at least one "
                             "candidate")
        plain = [_plain(c, f"space[{name!r}]") for c in cands]
        seen = [json.dumps(c) for c in plain]
        if len(set(seen)) < len(seen):
            dup = next(c for c in plain if seen.count(json.dumps(c)) > 1)
            hint = (" (for one hidden layer per candidate give ints; two layers of 4 are "
                    "[[4, 4]])" if name == "hidden" else "")
            raise ValueError(f"sweep: space[{name!r}] lists {dup!r} twice{hint}")
        out[name] = plain
    return out


def _configs(space: dict[str, list[Any]], search: str, trials: int | None,
             seed: int) -> list[dict[str, Any]]:
    """The configurations, in order: every combination (grid; the last name varies
    fastest), or `trials` distinct ones drawn at random. A random draw is
    prefix-stable: asking for more trials keeps the first ones (a resumed sweep may
    grow), and `trials` at or above the grid's size is the whole grid."""
    names = list(space)
    grid = [dict(zip(names, combo, strict=True))
            for combo in itertools.product(*space.values())] if search == "grid" else None
    if grid is not None:
        return grid
    sizes = [len(space[n]) for n in names]
    total = math.prod(sizes)
    assert trials is not None
    if trials >= total:
        return _configs(space, "grid", None, seed)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    if total <= 1_000_000:
        flat = rng.permutation(total)[:trials].tolist()
    else:  # too many to shuffle: draw with rejection (trials is far below total here)
        flat, seen = [], set()
        while len(flat) < trials:
            i = int(np.ravel_multi_index(tuple(int(rng.integers(s)) for s in sizes), sizes))
            if i not in seen:
                seen.add(i)
                flat.append(i)
    picks = np.unravel_index(np.array(flat, dtype=np.int64), sizes)
    return [{n: space[n][int(picks[j][k])] for j, n in enumerate(names)}
            for k in range(len(flat))]


def _array(a: Any, who: str) -> np.ndarray:
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"sweep: {who} must be numbers (an array or nested lists)") from None
    return arr


def _data_id(*arrays: np.ndarray | None) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(b"-" if a is None else repr(a.shape).encode() + a.tobytes())
    return h.hexdigest()[:16]


# ---------------------------------------------------------------- sweep


def _row(planned: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """A trial's row, fields in the documented order: its plan, then its results."""
    row = {k: planned[k] for k in (*_run.ID_FIELDS, "params")}
    row.update({k: result[k] for k in _run.RESULT_FIELDS})
    row.update({k: planned[k] for k in _run.TAIL_FIELDS})
    return row


def sweep(space: Mapping[str, Any], X: Any, y: Any, *, search: str = "grid",
          trials: int | None = None, repeats: int = 1, seed: int = 0, executor: Any = None,
          out: str | Path | None = None, resume: bool = False,
          validation_data: tuple[Any, Any] | None = None,
          progress: Callable[[dict[str, Any], int, int], Any] | None = None,
          connect_timeout: float = 10.0, **fit_kwargs: Any) -> SweepResult:
    """Train an MLP for every configuration of `space` and every repeat.

    - `space`: name -> list of candidates. Names: the model's `hidden` (an int is
      one hidden layer, a list is several: `[2, 4, [4, 4]]`), `activation`,
      `output_activation`, `bias` (bool or a list per layer), `init`; and any
      argument of [`fit`][micrograd_nn.train.fit] in `FIT_KEYS` (`lr`,
      `momentum`, `batch_size`, `optimizer` as a name, `epochs`, `loss`,
      ...). Settings that do not vary go as keywords (`**fit_kwargs`, model names
      too: `sweep(space, X, y, epochs=500, hidden=8)`); the model defaults are
      `hidden=[4]`, sigmoid activations, bias neurons, `init=None`.
    - `search`: "grid" (every combination) or "random" (`trials` distinct
      combinations, drawn with a generator seeded from `seed`).
    - `repeats`: runs per configuration, with the seeds `trial_seed(seed, r)`.
    - `executor`: see the module docstring. `connect_timeout`: seconds to wait
      for a scheduler given by address.
    - `out`: a `.jsonl` or `.csv` file each finished trial is appended to at
      once (flushed and fsynced). An existing non-empty file is an error unless
      `resume=True`: then the trials already in it (status "ok" or "failed") are
      not run again, and a file of another sweep (another space, fixed settings,
      search, seed or data) is an error. `repeats` and a random search's `trials`
      may grow between runs.
    - `validation_data`: `(X_val, y_val)` for every trial (or a fixed or swept
      `validation_split`); each trial then records its `val_error`.
    - `progress`: called in this thread as `progress(row, done, total)` after each
      trial of this run (`row`: as in `SweepResult.trials`). An exception it
      raises stops the sweep (what is left is cancelled; `out=` keeps what is done).

    Every check is made before any trial runs: an unknown name, an empty candidate
    list, `repeats < 1`, a random search without `trials`, a model that cannot be
    built, a results file of another sweep are each a ValueError.
    """
    cands = _check_space(space)
    for name in fit_kwargs:
        _check_name(name, "the fixed keywords")
        if name in cands:
            raise ValueError(f"sweep: {name!r} is both in space and a fixed keyword")
    if search not in ("grid", "random"):
        raise ValueError(f"sweep: search must be 'grid' or 'random', got {search!r}")
    for what, v, allow_none in (("repeats", repeats, False), ("trials", trials, True)):
        if not (allow_none and v is None) and (isinstance(v, bool) or not isinstance(
                v, (int, np.integer)) or v < 1):
            raise ValueError(f"sweep: {what} must be an int >= 1, got {v!r}")
    if search == "random" and trials is None:
        raise ValueError("sweep: search='random' needs trials=N, the number of "
                         "configurations to draw")
    if search == "grid" and trials is not None:
        raise ValueError("sweep: trials is for search='random'; a grid runs every "
                         "combination")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"sweep: seed must be an int >= 0, got {seed!r}")
    _run.check_executor(executor)
    if isinstance(executor, (int, np.integer)) and not isinstance(executor, bool) \
            and executor < 1:
        raise ValueError(f"sweep: executor={executor!r} worker processes; give at least 1 "
                         "(or 'serial' to run in this process)")
    if resume and out is None:
        raise ValueError("sweep: resume=True needs out=, the file to resume from")
    X, y = _array(X, "X"), _array(y, "y")
    if X.ndim != 2 or len(X) == 0 or len(X) != len(y) or y.ndim not in (1, 2):
        raise ValueError(f"sweep: X must have shape (n_samples, n_features) and y (n_samples,"
                         f") or (n_samples, n_targets), with n_samples >= 1; got {X.shape} "
                         f"and {y.shape}")
    val = None
    if validation_data is not None:
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise TypeError("sweep: validation_data must be a pair (X_val, y_val)")
        if "validation_split" in cands or fit_kwargs.get("validation_split"):
            raise ValueError("sweep: give validation_data or validation_split, not both")
        val = (_array(validation_data[0], "X_val"), _array(validation_data[1], "y_val"))

    configs = _configs(cands, search, trials, int(seed))
    fixed_model = {k: v for k, v in fit_kwargs.items() if k in MODEL_KEYS}
    fixed_fit = {k: v for k, v in fit_kwargs.items() if k not in MODEL_KEYS}
    nout = 1 if y.ndim == 1 else y.shape[1]
    built: set[str] = set()
    for params in configs:  # a model that cannot be built fails here, not in every trial
        settings = {**MODEL_DEFAULTS, **fixed_model,
                    **{k: v for k, v in params.items() if k in MODEL_KEYS}}
        ident = json.dumps(_ident(settings), sort_keys=True)
        if ident in built:
            continue
        built.add(ident)
        try:
            _run.build_model(X.shape[1], nout, settings, 0)
        except (TypeError, ValueError, KeyError) as e:
            shown = ", ".join(f"{k}={v!r}" for k, v in settings.items())
            raise ValueError(f"sweep: the model {shown} cannot be built: {e}") from None

    sweep_id = _digest({"space": cands, "fixed": _ident(fit_kwargs), "search": search,
                        "seed": int(seed), "data": _data_id(X, y, *(val or (None, None)))})
    names = list(cands)
    plan: list[dict[str, Any]] = []
    for c, params in enumerate(configs):
        for r in range(repeats):
            s = trial_seed(int(seed), r)
            plan.append({"trial": len(plan), "config": c, "repeat": r, "seed": s,
                         "params": params, "sweep_id": sweep_id,
                         "key": _digest({"params": params, "repeat": r, "seed": s})})

    record = _run.RecordFile(out, names) if out is not None else None
    if record is not None and record.exists() and not resume:
        raise ValueError(f"sweep: out={str(out)!r} exists; pass resume=True to continue "
                         "that sweep, or give another file")
    done = _finished(record, sweep_id) if record is not None and resume and \
        record.exists() else {}
    own = None  # a scheduler given by address: connected now, before out= is touched
    if isinstance(executor, str) and executor != "serial":
        executor = own = _run.connect(executor, connect_timeout)
    try:
        return _run_plan(plan, done, record, resume, executor, progress, sweep_id, names,
                         dict(fit_kwargs), fixed_model, fixed_fit, (X, y, val))
    finally:
        if own is not None:
            own.close()


def _finished(record: _run.RecordFile, sweep_id: str) -> dict[str, dict[str, Any]]:
    """The trials of `record` not to run again (status "ok" or "failed"), by key; a
    ValueError if it holds another sweep's trials."""
    old = record.read()
    if {r.get("sweep_id") for r in old} - {sweep_id}:
        raise ValueError(f"sweep: {record.path} holds trials of a different sweep (another "
                         "space, fixed settings, search, seed or data): nothing was run; "
                         "give another out= or remove it")
    done: dict[str, dict[str, Any]] = {}
    for r in old:  # the last line of a trial wins (a "lost" one rerun later)
        done[r["key"]] = r
    return {k: r for k, r in done.items() if r["status"] in _run.DONE_STATUSES}


def _run_plan(plan: list[dict[str, Any]], done: dict[str, dict[str, Any]],
              record: _run.RecordFile | None, resume: bool,
              executor: Any, progress: Callable[[dict[str, Any], int, int], Any] | None,
              sweep_id: str, names: list[str], fixed: dict[str, Any],
              fixed_model: dict[str, Any], fixed_fit: dict[str, Any],
              data: tuple[Any, Any, Any]) -> SweepResult:
    """Skip the trials in `done`, run the rest, collect the rows."""
    if record is not None:
        record.start(fresh=not resume)

    by_trial: dict[int, dict[str, Any]] = {}
    todo = []
    for p in plan:
        if p["key"] in done:
            old = done[p["key"]]
            by_trial[p["trial"]] = _row(p, old)
        else:
            todo.append({"trial": p["trial"], "seed": p["seed"],
                         "model": {**MODEL_DEFAULTS, **fixed_model,
                                   **{k: v for k, v in p["params"].items()
                                      if k in MODEL_KEYS}},
                         "fit": {**fixed_fit, **{k: v for k, v in p["params"].items()
                                                 if k not in MODEL_KEYS}},
                         "data": data})
    count = [0]

    def on_row(result: dict[str, Any]) -> None:
        p = plan[result["trial"]]
        row = _row(p, result)
        by_trial[p["trial"]] = row
        if record is not None:
            record.append(row)
        count[0] += 1
        if progress is not None:
            progress(row, count[0], len(todo))

    _run.run_tasks(todo, executor, on_row)
    ordered = [by_trial[i] for i in sorted(by_trial)]
    return SweepResult(ordered, names, fixed, sweep_id)


# ---------------------------------------------------------------- command line
# The command lives in _sweep_cli (argparse, progress lines); these hand over to it.


def register_cli(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `sweep` command to `micrograd-nn`'s subparsers (`args.func` is
    [`cmd_sweep`][micrograd_nn.sweep.cmd_sweep], which raises ValueError/OSError/ImportError for the
    caller to print as one line)."""
    from ._sweep_cli import register_cli as register

    return register(subparsers)


def cmd_sweep(args: argparse.Namespace) -> int:
    """The `sweep` command's handler: runs the sweep, prints the ranking; raises
    (one-line messages) on errors."""
    from ._sweep_cli import cmd_sweep as command

    return command(args)


def cli_main(argv: list[str] | None = None) -> int:
    """`micrograd-nn sweep ARGS` on its own: exit status 0, 2 for a usage error, 1 for
    any other error (one line on stderr), 130 after Ctrl-C."""
    from ._sweep_cli import cli_main as main

    return main(argv)


if __name__ == "__main__":
    sys.exit(cli_main())
