"""The engine room of [`micrograd_nn.sweep`][]: one trial, the executors that run
many of them, and the results file that a sweep appends to as trials finish.

Nothing here is public API; [`micrograd_nn.sweep`][] documents what it does.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import io
import json
import math
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, cast

import numpy as np

#: The model's settings a space may sweep (the rest of a space goes to ``fit``).
MODEL_KEYS = ("hidden", "activation", "output_activation", "bias", "init")
MODEL_DEFAULTS: dict[str, Any] = {"hidden": [4], "activation": "sigmoid",
                                  "output_activation": "sigmoid", "bias": True, "init": None}

#: The settings a space may sweep that ``fit`` takes as a callback: ``early_stopping``, a
#: patience in epochs (0, False or None: off; True: 10), becomes
#: ``callbacks=[EarlyStopping(patience=...)]``.
CALLBACK_KEYS = ("early_stopping",)

#: What each trial row holds besides its parameters, in the order of a CSV file.
RESULT_FIELDS = ("status", "final_error", "val_error", "epochs_run", "stop_reason",
                 "diagnosis", "seconds", "error")
#: A trial's identity: ``trial`` / ``config`` / ``repeat`` index its place in the plan.
ID_FIELDS = ("trial", "config", "repeat", "seed")
TAIL_FIELDS = ("key", "sweep_id")

#: ``status`` values. "lost": the executor, not the trial, failed (a worker died
#: past its retries, a broken pool); such a trial runs again on resume.
DONE_STATUSES = ("ok", "failed")

Row = dict[str, Any]


# ---------------------------------------------------------------- one trial


def build_model(nin: int, nout: int, settings: dict[str, Any], seed: int) -> Any:
    """The MLP of one trial: `settings` holds `MODEL_KEYS` (an int `hidden`
    is one hidden layer of that width)."""
    from .nn import MLP

    hidden = settings["hidden"]
    hidden = [int(hidden)] if isinstance(hidden, (int, np.integer)) else list(hidden)
    return MLP(nin, hidden, nout, activation=settings["activation"],
               output_activation=settings["output_activation"], bias=settings["bias"],
               init=settings["init"], seed=seed)


def fit_kwargs(settings: dict[str, Any]) -> dict[str, Any]:
    """`fit`'s keyword arguments from a trial's fit settings: `CALLBACK_KEYS`
    become callbacks."""
    from .history import EarlyStopping

    kw = dict(settings)
    patience = kw.pop("early_stopping", None)
    if patience is not None and patience is not False and patience != 0:
        kw["callbacks"] = [EarlyStopping() if patience is True else
                           EarlyStopping(patience=patience)]
    return kw


def _final(values: list[float], initial: float | None, h: Any) -> float | None:
    """The error of the weights `fit` returned: the last epoch's, or the best
    epoch's when early stopping put the best weights back (epoch 0: the untrained)."""
    if not values:
        return None
    if h.restored:
        # restored to epoch 0: the untrained error, which fit recorded
        return float(cast(float, initial) if h.best_epoch == 0 else values[h.best_epoch - 1])
    return float(values[-1])


def run_trial(task: dict[str, Any]) -> Row:
    """Train and diagnose one trial; never raises for the trial's own errors.

    A top-level function, so that pickle finds it by name in a spawned process or on
    a Dask worker. `task`: `trial` (its index), `seed` (for the weights and
    the shuffles), `model` (`MODEL_KEYS` -> value), `fit` (keyword
    arguments of `fit`, and `CALLBACK_KEYS`), `data` `(X, y,
    validation_data or None)`. Returns
    `trial` and the `RESULT_FIELDS`.
    """
    t0 = time.perf_counter()
    row: Row = {"trial": task["trial"], "status": "ok", "final_error": None,
                "val_error": None, "epochs_run": 0, "stop_reason": "", "diagnosis": "",
                "error": ""}
    try:
        from .diagnose import diagnose
        from .train import fit

        X, y, val = task["data"]
        nout = 1 if np.ndim(y) == 1 else int(np.shape(y)[1])
        model = build_model(int(np.shape(X)[1]), nout, task["model"], task["seed"])
        h = fit(model, X, y, seed=task["seed"], validation_data=val, verbose=0,
                **fit_kwargs(task["fit"]))
        row.update(final_error=_final(h.loss, h.initial_loss, h),
                   val_error=_final(h.val_loss, h.initial_val_loss, h),
                   epochs_run=int(h.epochs), stop_reason=h.stop_reason)
        try:
            found = diagnose(h).findings
            row["diagnosis"] = found[0].kind if found else ""
        except (ValueError, TypeError):  # a reading that cannot be made is no failure
            row["diagnosis"] = ""
    except Exception as e:  # the trial failed; the sweep goes on and records why
        text = str(e).strip().splitlines()
        row.update(status="failed", error=f"{type(e).__name__}: {text[0] if text else ''}")
    row["seconds"] = time.perf_counter() - t0
    return row


# ---------------------------------------------------------------- executors


def dask_client_class() -> Any:
    """distributed.Client if distributed is imported already (a caller holding a
    Client has imported it), else None: a sweep never imports Dask just to look."""
    mod = sys.modules.get("distributed")
    return getattr(mod, "Client", None) if mod is not None else None


def connect(address: str, timeout: float) -> Any:
    """A Client of the Dask scheduler at `address`; one-line errors when Dask is
    missing or nothing answers within `timeout` seconds."""
    if not re.fullmatch(r"([a-z][a-z0-9+.-]*://)?(\[[0-9a-fA-F:]+\]|[^\s:/\[\]]+):\d+",
                        address):
        raise ValueError(f"sweep: a Dask scheduler's address looks like tcp://HOST:PORT, got "
                         f"{address!r}")
    try:
        from distributed import Client
    except ImportError:
        raise ImportError("a Dask scheduler needs dask.distributed, which is not installed: "
                          "pip install 'micrograd_nn[distributed]'") from None
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise ConnectionError(f"no Dask scheduler answered at {address} within {timeout:g} s "
                              f"({type(e).__name__})") from None


def _lost(task: dict[str, Any], e: BaseException) -> Row:
    text = str(e).strip().splitlines()
    return {"trial": task["trial"], "status": "lost", "final_error": None,
            "val_error": None, "epochs_run": 0, "stop_reason": "", "diagnosis": "",
            "seconds": 0.0, "error": f"{type(e).__name__}: {text[0] if text else ''}"}


def _run_futures(submit: Callable[[dict[str, Any]], Any], tasks: list[dict[str, Any]],
                 completed: Callable[[list[Any]], Iterable[Any]],
                 cancel: Callable[[list[Any]], object], on_row: Callable[[Row], None]) -> None:
    pending: dict[Any, dict[str, Any]] = {}
    try:
        for t in tasks:
            pending[submit(t)] = t
        for f in completed(list(pending)):
            task = pending.pop(f)  # no reference kept: Dask may drop the result now,
            try:  # rather than recompute it when the worker holding it dies
                row = f.result()
            except Exception as e:  # the executor lost the trial (not the trial's error)
                row = _lost(task, e)
            del f
            on_row(row)
    except BaseException:
        cancel(list(pending))  # stop what has not run; the results file keeps the rest
        raise


def run_tasks(tasks: list[dict[str, Any]], executor: Any,
              on_row: Callable[[Row], None]) -> None:
    """Run `tasks` with `executor` (see [`micrograd_nn.sweep.sweep`][]; not an
    address: `connect` first), calling `on_row` in this thread with each
    trial's row as it finishes."""
    if not tasks:
        return
    if executor == "serial":
        for t in tasks:
            on_row(run_trial(t))
        return
    if executor is None or (isinstance(executor, int) and not isinstance(executor, bool)):
        n = (os.cpu_count() or 1) if executor is None else executor
        # spawn: the same start on every OS, and no fork of a process holding threads
        # (a Dask client, a BLAS pool) that a forked child could deadlock on
        with cf.ProcessPoolExecutor(max_workers=min(n, len(tasks)),
                                    mp_context=multiprocessing.get_context("spawn")) as pool:
            run_tasks(tasks, pool, on_row)
        return
    if _is_client(executor):
        from distributed import as_completed

        # retries: a task whose worker died is rerun elsewhere by the scheduler;
        # retries also reruns one that raised on the way (the trial itself never raises)
        _run_futures(lambda t: executor.submit(run_trial, t, pure=False, retries=2), tasks,
                     lambda fs: as_completed(fs, loop=executor.loop),  # this client's
                     lambda fs: executor.cancel(fs), on_row)
        return
    check_executor(executor)
    _run_futures(lambda t: executor.submit(run_trial, t), tasks, cf.as_completed,
                 lambda fs: [f.cancel() for f in fs], on_row)


def _is_client(executor: Any) -> bool:
    client_cls = dask_client_class()
    return client_cls is not None and isinstance(executor, client_cls)


def check_executor(executor: Any) -> None:
    """A TypeError unless `run_tasks` can use `executor` (a scheduler's address
    is connected to by the caller, which passes the Client on)."""
    if executor is None or executor == "serial" or isinstance(executor, (str, cf.Executor)) \
            or (isinstance(executor, int) and not isinstance(executor, bool)) \
            or _is_client(executor):
        return
    raise TypeError(f"sweep: executor must be None (a local process pool), 'serial', a number "
                    f"of worker processes, a concurrent.futures.Executor, a dask.distributed "
                    f"Client or a scheduler address, got {type(executor).__name__}")


# ---------------------------------------------------------------- the results file


def _cell(v: Any) -> str:
    """A parameter as a CSV cell: strings as they are, anything else as JSON."""
    return v if isinstance(v, str) else json.dumps(v)


def _number(text: str, kind: type) -> Any:
    return None if text == "" else kind(text)


class RecordFile:
    """A sweep's results file, `.jsonl` (one JSON object per trial) or `.csv` (a
    header, then one line per trial). Each row is written, flushed and fsynced as its
    trial finishes, so a sweep that is killed loses only the trials still running."""

    def __init__(self, path: str | os.PathLike, names: list[str],
                 as_csv: bool | None = None) -> None:
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if as_csv is None and suffix not in (".jsonl", ".csv"):
            raise ValueError(f"sweep: out={str(path)!r} must end in .jsonl or .csv")
        if self.path.is_dir():
            raise ValueError(f"sweep: out={str(path)!r} is a folder; give a file name")
        self.csv = suffix == ".csv" if as_csv is None else as_csv
        self.columns = [*ID_FIELDS, *names, *RESULT_FIELDS, *TAIL_FIELDS]
        self.names = names

    def exists(self) -> bool:
        """Whether the file holds any trial (a CSV header alone does not count)."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return False
        with open(self.path, encoding="utf-8", errors="replace") as f:
            lines = (line for line in f if line.strip())
            return next(lines, None) is not None and (not self.csv or
                                                      next(lines, None) is not None)

    def _text(self) -> str:
        """The file's text without a last line cut short by a kill mid-write (the file
        is truncated there, so the next row starts on a line of its own)."""
        raw = self.path.read_bytes()
        cut = raw.rfind(b"\n") + 1
        if cut < len(raw):
            with open(self.path, "r+b") as f:
                f.truncate(cut)
                f.flush()
                os.fsync(f.fileno())
        return raw[:cut].decode("utf-8")

    def read(self) -> list[Row]:
        """The rows written so far: their id and result fields and `key`/`sweep_id`
        (the parameters are the plan's, found by `key`)."""
        text = self._text()
        if not text:
            return []
        if self.csv:
            reader = csv.DictReader(io.StringIO(text))
            if reader.fieldnames != self.columns:
                k = len(ID_FIELDS)
                theirs = (reader.fieldnames or [])[k:-len(RESULT_FIELDS) - len(TAIL_FIELDS)]
                raise ValueError(f"sweep: {self.path} holds a sweep over "
                                 f"{', '.join(theirs) or 'nothing'}, not over "
                                 f"{', '.join(self.names) or 'nothing'} (a different space): "
                                 "nothing was run; give another out= or remove it")
            rows = []
            for r in reader:
                rows.append({"trial": int(r["trial"]), "status": r["status"],
                             "final_error": _number(r["final_error"], float),
                             "val_error": _number(r["val_error"], float),
                             "epochs_run": int(r["epochs_run"] or 0),
                             "stop_reason": r["stop_reason"], "diagnosis": r["diagnosis"],
                             "seconds": float(r["seconds"] or 0.0), "error": r["error"],
                             "key": r["key"], "sweep_id": r["sweep_id"]})
            return rows
        rows = []
        for i, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                raise ValueError(f"sweep: {self.path} line {i} is not JSON: not a sweep's "
                                 "results file") from None
        return rows

    def start(self, fresh: bool) -> None:
        """Make the file (and its folder); a fresh CSV gets its header."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if fresh or not self.exists():
            with open(self.path, "w", encoding="utf-8", newline="") as f:
                if self.csv:
                    csv.writer(f).writerow(self.columns)
                f.flush()
                os.fsync(f.fileno())

    def append(self, row: Row) -> None:
        if self.csv:
            buf = io.StringIO()
            values = [row[c] if c not in self.names else _cell(row["params"][c])
                      for c in self.columns]
            csv.writer(buf).writerow(["" if v is None else v for v in values])
            text = buf.getvalue()
        else:
            text = json.dumps({c: (row["params"] if c == "params" else row[c])
                               for c in [*ID_FIELDS, "params", *RESULT_FIELDS,
                                         *TAIL_FIELDS]}) + "\n"
        # a fresh open per row: nothing of it is left in a buffer if the sweep dies
        with open(self.path, "a", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())


def finite_or_none(v: Any) -> float | None:
    """A float for averaging: None and NaN/inf (a diverged run) become None."""
    return float(v) if v is not None and math.isfinite(v) else None
