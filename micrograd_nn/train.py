"""`fit`: the training loop, in the three modes the article names.

```pycon
>>> from micrograd_nn.nn import MLP
>>> from micrograd_nn.data import xor
>>> X, y = xor()
>>> net = MLP(2, [4], 1, seed=0)
>>> h = fit(net, X, y, lr=0.5, momentum=0.9, epochs=5, seed=0, verbose=0)
>>> h.epochs, h.stop_reason, len(h.loss)
(5, 'epochs', 5)

```

Modes (`batch_size`), one epoch = one pass over the training samples:

* `batch_size=1` -- **stochastic** (online, the article's way): find Δw for one
  sample and update the weights at once; `n` updates per epoch.
* `batch_size=None` -- **batch**: one update per epoch from all samples. The
  article *sums* Δw over the epoch. With the default `reduction="mean"` the loss is
  the mean over the samples, so the step is the article's sum scaled by `1/n`
  (the same direction, `n` times smaller: raise `lr` or pass `reduction="sum"`
  to take exactly the article's summed step).
* `batch_size=k` -- **mini-batch**: the *samples* are split into groups of `k`
  (the last may be smaller) and the weights are updated once per group. The
  article's wording, that the *weights* are split into groups, is a slip: it is the
  training samples that are grouped.

Samples are shuffled each epoch with a `numpy.random.Generator` seeded by
`seed` (`shuffle=False` keeps the given order). The loss is the article's
error for `loss="mse"` (`Σ (ideal − actual)² / n`); `loss="sse_half"` with
`lr=E` replays the article's update `Δw = E·GRAD + α·Δw_prev` exactly
(`GRAD = −∂ sse_half/∂w`; `∂ mse/∂w = 2·∂ sse_half/∂w` for one output).

Early stopping is a callback, as in Keras:
`fit(..., callbacks=[EarlyStopping(patience=10)])`
([`EarlyStopping`][micrograd_nn.history.EarlyStopping]).
"""

from __future__ import annotations

import functools
import inspect
import math
import signal
import threading
import time
from dataclasses import dataclass
from typing import Any
from collections.abc import Callable, Sequence

import numpy as np

from . import data as _data
from . import losses as _losses
from . import optim as _optim
from .engine import Value, no_grad
from .history import Callback, EarlyStopping, History, StopTraining, ProgressBar

__all__ = ["History", "Callback", "EarlyStopping", "StopTraining", "fit", "evaluate",
           "predict", "LOSSES"]

Array = np.ndarray

#: Loss names ``fit`` accepts; each is ``f(pred, target) -> scalar Value``.
LOSSES = ("mse", "sse_half", "bce_with_logits", "softmax_cross_entropy")
_OPTIMIZERS = {"sgd": "SGD", "adam": "Adam", "rprop": "Rprop"}


def _as_array(a: Any, who: str, dtype: Any = np.float64) -> Array:
    if isinstance(a, Value):
        a = a.data
    try:
        arr = np.asarray(a, dtype=dtype)
    except (TypeError, ValueError):
        raise TypeError(f"fit: {who} must be numbers (an array or nested lists), got "
                        f"{type(a).__name__}") from None
    if arr.ndim == 0:
        raise ValueError(f"fit: {who} must have a sample axis, got a single number")
    if len(arr) == 0:
        raise ValueError(f"fit: {who} has no samples")
    return arr


def _inputs(model: Any, X: Any, who: str = "X") -> Array:
    """X as an array of shape (n_samples, ...) in the model's float dtype (float32
    models compute in float32; anything else in float64)."""
    params = model.parameters() if hasattr(model, "parameters") else []
    kinds = {p.data.dtype for p in params if type(p.data) is not float}
    dtype = kinds.pop() if len(kinds) == 1 else np.float64
    arr = _as_array(X, who, dtype)
    if arr.ndim == 1:
        raise ValueError(f"fit: {who} has shape {arr.shape}; it needs shape (n_samples, "
                         f"n_features): for one feature use {who}.reshape(-1, 1)")
    return arr


def _resolve_loss(loss: str | Callable) -> Callable:
    if callable(loss):
        return loss
    if isinstance(loss, str) and loss in LOSSES:
        return getattr(_losses, loss)
    raise ValueError(f"fit: unknown loss {loss!r}; use one of {', '.join(LOSSES)} or a "
                     "function f(pred, target) -> scalar Value")


def _takes_reduction(fn: Callable) -> bool:
    try:
        ps = inspect.signature(fn).parameters
    except (TypeError, ValueError):  # no signature to read (a builtin)
        return False
    return "reduction" in ps and ps["reduction"].kind is not inspect.Parameter.POSITIONAL_ONLY


def _reduced(fn: Callable, reduction: str) -> Callable:
    """The loss of one batch, reduced over its samples as asked: a loss with a
    `reduction` parameter (every loss in [`losses`][micrograd_nn.losses]) is given it; a
    loss without one is taken to be a mean over the samples, so "sum" multiplies it by
    the batch's number of samples."""
    if _takes_reduction(fn):
        return functools.partial(fn, reduction=reduction)
    if reduction == "mean":
        return fn

    def summed(pred: Any, target: Any) -> Value:
        value, k = fn(pred, target), len(target)
        return value * float(k) if k != 1 else value

    summed.__name__ = getattr(fn, "__name__", "custom")
    return summed


def _resolve_optimizer(optimizer: Any, params: list[Value], lr: float | None,
                       momentum: float) -> Any:
    if optimizer is None:
        optimizer = "sgd"
    if isinstance(optimizer, str):
        key = optimizer.lower()
        if key not in _OPTIMIZERS:
            raise ValueError(f"fit: unknown optimizer {optimizer!r}; use one of "
                             f"{', '.join(_OPTIMIZERS)} or an Optimizer instance")
        cls = getattr(_optim, _OPTIMIZERS[key])
        if key == "sgd":
            return cls(params, lr=0.5 if lr is None else lr, momentum=momentum)
        if momentum:
            raise ValueError(f"fit: momentum={momentum} applies to SGD only; {cls.__name__} "
                             "has its own step rule (pass an optimizer instance to tune it)")
        return cls(params) if lr is None else cls(params, lr=lr)  # their own default lr
    if not (hasattr(optimizer, "step") and hasattr(optimizer, "zero_grad")):
        raise TypeError(f"fit: optimizer must be None, a name ('sgd', 'adam', 'rprop') or "
                        f"an object with step() and zero_grad(), got {type(optimizer).__name__}")
    return optimizer


def _layer_groups(model: Any) -> list[tuple[str, list[Value]]]:
    """Parameters grouped by layer, as the model groups them (`param_groups()`); a
    model without that method is one group."""
    groups = getattr(model, "param_groups", None)
    return groups() if callable(groups) else [("params", list(model.parameters()))]


def _sq_norm(p: Value) -> float:
    g = p.grad
    return g * g if type(g) is float else float(np.vdot(g, g))


def _snapshot(params: list[Value]) -> list[Any]:
    return [p.data if type(p.data) is float else p.data.copy() for p in params]


def _restore(params: list[Value], snap: list[Any]) -> None:
    for p, d in zip(params, snap, strict=True):
        if type(d) is float:
            p.data = d
        else:
            p.data[...] = d


def _dup(v: Any) -> Any:
    """A copy of optimizer state: arrays and the containers holding them are copied
    (steps update them in place); numbers, strings and other objects are shared."""
    if isinstance(v, np.ndarray):
        return v.copy()
    if isinstance(v, list):
        return [_dup(x) for x in v]
    if isinstance(v, tuple):
        return tuple(_dup(x) for x in v)
    if isinstance(v, dict):
        return {k: _dup(x) for k, x in v.items()}
    return v


def _opt_state(opt: Any) -> dict[str, Any]:
    """The optimizer's attributes other than `params` (momentum buffers, step counts)."""
    attrs = getattr(opt, "__dict__", {})
    return {k: _dup(v) for k, v in attrs.items() if k != "params"}


class _StepGuard:
    """Makes every optimizer step all or nothing when Ctrl-C comes.

    `install` (main thread only, and only over Python's own SIGINT handler:
    `signal.signal` works nowhere else and a handler of the caller's is theirs)
    puts in a handler that raises KeyboardInterrupt at once, as Python's does, except
    during a step (`step`, or `with guard:`): there it notes the signal and
    raises when the step is complete. A KeyboardInterrupt raised *by* the step itself
    (a custom handler, code in a custom optimizer) rolls the parameters and the
    optimizer's state back to before the step. Without install (another thread, a
    custom handler) only that rollback is left, which is harmless.
    """

    def __init__(self) -> None:
        self._old: Any = None
        self._inside = False
        self._pending = False

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        try:
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                self._old = signal.signal(signal.SIGINT, self._on_sigint)
        except (ValueError, OSError):  # e.g. a subinterpreter: keep Python's handler
            self._old = None

    def uninstall(self) -> None:
        if self._old is not None:
            try:
                signal.signal(signal.SIGINT, self._old)
            except (ValueError, OSError):
                pass
            self._old = None

    def _on_sigint(self, signum: int, frame: Any) -> None:
        if self._inside:
            self._pending = True
        else:
            raise KeyboardInterrupt

    def __enter__(self) -> _StepGuard:
        self._inside = True
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self._inside, pending, self._pending = False, self._pending, False
        if pending and exc_type is None:
            raise KeyboardInterrupt

    def step(self, opt: Any, params: list[Value]) -> None:
        """`opt.step()`, whole or not at all."""
        snap, state = _snapshot(params), _opt_state(opt)
        self._inside = True
        try:
            opt.step()
        except KeyboardInterrupt:  # raised inside the step: undo the half it did
            _restore(params, snap)
            for k, v in state.items():
                setattr(opt, k, v)
            raise
        finally:
            self._inside, pending, self._pending = False, self._pending, False
        if pending:  # Ctrl-C came during the step, which is complete now: stop here
            raise KeyboardInterrupt


def _interrupted(hist: History, params: list[Value], bar: ProgressBar, t0: float) -> None:
    """After a KeyboardInterrupt: no partial gradients, and a History of whole epochs."""
    for p in params:
        p.grad = None  # a backward pass may have stopped half way
    n = hist.epochs  # set last in each epoch: lists longer than it hold a partial epoch
    del hist.loss[n:], hist.val_loss[n:]
    for v in hist.grad_norms.values():
        del v[n:]
    hist.stop_reason = "interrupted"
    hist.seconds = time.perf_counter() - t0
    bar.close()


def output_activation(model: Any) -> str | None:
    """The name of the model's last activation ("identity" for a final Linear), from
    its dense layers (the model protocol), or None for a model of other modules."""
    try:
        return model.dense_layers()[-1].activation
    except (AttributeError, TypeError, IndexError):
        return None


def _nonfinite(*arrays: Array | None) -> int:
    return int(sum(a.size - np.count_nonzero(np.isfinite(a)) for a in arrays if a is not None))


def _data_stats(X: Array, y: Array, Xv: Array | None, yv: Array | None) -> dict[str, Any]:
    """What diagnose needs to know of the data (training and validation together)."""
    finite = [a[np.isfinite(a)] for a in (y, yv) if a is not None]
    ys = np.concatenate([a.ravel() for a in finite])
    return {"nonfinite_X": _nonfinite(X, Xv), "nonfinite_y": _nonfinite(y, yv),
            "y_min": float(ys.min()) if ys.size else None,
            "y_max": float(ys.max()) if ys.size else None}


def _output_stats(model: Any, X: Array) -> dict[str, Any]:
    """The trained model's outputs on the training inputs: each output's min and max."""
    with np.errstate(all="ignore"):  # weights may be huge: the stats say so themselves
        out = predict(model, X)
    if out.ndim == 0 or len(out) != len(X):  # a custom model without a sample axis
        return {}
    out = out.reshape(len(X), -1)
    return {"output_min": out.min(axis=0).tolist(), "output_max": out.max(axis=0).tolist()}


def _check_count(name: str, v: Any, allow_none: bool = False) -> int | None:
    if v is None and allow_none:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        extra = ", or None" if allow_none else ""
        raise ValueError(f"fit: {name} must be a positive int{extra}, got {v!r}")
    return int(v)


def _batch_loss(model: Any, loss_fn: Callable, Xb: Array, yb: Array) -> Value:
    """The loss of one batch: every model takes a batch (the model protocol)."""
    return loss_fn(model(Xb), yb)


def predict(model: Any, X: Any) -> Array:
    """`model(X)` without recording a graph, as an array; X: shape (n, n_features)."""
    X = _inputs(model, X)
    with no_grad():
        out = model(X)
    return np.asarray(out.data if isinstance(out, Value) else out, dtype=np.float64)


def evaluate(model: Any, X: Any, y: Any, loss: str | Callable = "mse") -> float:
    """The loss of `model` on all of `(X, y)` (no graph recorded), as a float."""
    fn = _resolve_loss(loss)
    X = _inputs(model, X)
    y = _as_array(y, "y", X.dtype)
    if y.ndim == 1 and predict(model, X[:1]).shape[-1] == 1:  # a column for one output
        y = y.reshape(-1, 1)
    with no_grad():
        return _batch_loss(model, fn, X, y).item()


@dataclass
class _FitArgs:
    """fit's arguments checked and normalised by `_check_fit_args`."""

    params: list[Value]
    X: Array
    y: Array
    Xv: Array | None
    yv: Array | None
    loss_fn: Callable  # at its own default reduction: the errors History records
    batch_loss_fn: Callable  # reduced over a batch's samples as fit's reduction asks
    opt: Any
    epochs: int
    batch_size: int | None
    callbacks: tuple[Any, ...]
    rng: np.random.Generator


def _check_fit_args(model: Any, X: Any, y: Any, loss: str | Callable, optimizer: Any,
                    lr: float | None, momentum: float, epochs: Any, batch_size: Any,
                    seed: int | None, validation_data: Any, validation_split: Any,
                    target_error: Any, reduction: Any, callbacks: Any) -> _FitArgs:
    """Every check of fit's arguments, in one place; raises TypeError/ValueError
    (`fit: ...`) or returns them normalised: arrays in the model's dtype, a 1-D `y`
    as a column for a one-output model, the validation data (split off with the seeded
    generator, which the shuffles then continue), the loss, the optimizer."""
    params = list(model.parameters()) if hasattr(model, "parameters") else None
    if not params:
        raise TypeError(f"fit: model must be a Module with parameters(), got "
                        f"{type(model).__name__}")
    X = _inputs(model, X)
    y = _as_array(y, "y", X.dtype)
    if len(X) != len(y):
        raise ValueError(f"fit: X has {len(X)} samples but y has {len(y)}; give one target "
                         "row per sample")
    epochs = _check_count("epochs", epochs)
    batch_size = _check_count("batch_size", batch_size, allow_none=True)
    if reduction not in ("mean", "sum"):
        raise ValueError(f"fit: reduction must be 'mean' or 'sum', got {reduction!r}")
    if not (isinstance(validation_split, (int, float)) and 0.0 <= validation_split < 1.0):
        raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split!r}")
    if validation_split and validation_data is not None:
        raise ValueError("fit: give validation_data or validation_split, not both")
    if target_error is not None and not (isinstance(target_error, (int, float))
                                         and target_error >= 0):
        raise ValueError(f"fit: target_error must be a number >= 0, got {target_error!r}")
    if isinstance(callbacks, Callback) or callable(callbacks):
        callbacks = (callbacks,)
    callbacks = tuple(callbacks)
    for cb in callbacks:
        if not (callable(cb) or hasattr(cb, "on_epoch_end")):
            raise TypeError(f"fit: a callback must be callable or have on_epoch_end(epoch, "
                            f"logs), got {type(cb).__name__}")
    loss_fn = _resolve_loss(loss)
    opt = _resolve_optimizer(optimizer, params, lr, momentum)
    rng = np.random.default_rng(seed)

    if y.ndim == 1:
        probe = predict(model, X[:1])  # a column for one-output models: (n,) against
        if probe.ndim == 2 and probe.shape[1] == 1:  # (n, 1) would broadcast to (n, n)
            y = y.reshape(-1, 1)
    Xv = yv = None
    if validation_split:
        try:
            X, y, Xv, yv = _data.split(X, y, validation_split, seed=rng)
        except ValueError as e:
            raise ValueError(f"fit: validation_split={validation_split} of {len(X)} "
                             f"samples: {e}") from None
    elif validation_data is not None:
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise TypeError("fit: validation_data must be a pair (X_val, y_val)")
        Xv = _inputs(model, validation_data[0], "X_val")
        yv = _as_array(validation_data[1], "y_val", X.dtype)
        if yv.ndim == 1 and y.ndim == 2 and y.shape[1] == 1:
            yv = yv.reshape(-1, 1)
        if len(Xv) != len(yv):
            raise ValueError(f"fit: X_val has {len(Xv)} samples but y_val has {len(yv)}")
    return _FitArgs(params, X, y, Xv, yv, loss_fn, _reduced(loss_fn, reduction), opt,
                    epochs, batch_size, callbacks, rng)


def fit(model: Any, X: Any, y: Any, loss: str | Callable = "mse", optimizer: Any = None,
        lr: float | None = None, momentum: float = 0.0, epochs: int = 100,
        batch_size: int | None = 1, shuffle: bool = True, seed: int | None = None,
        validation_data: tuple[Any, Any] | None = None, validation_split: float = 0.0,
        target_error: float | None = None, reduction: str = "mean",
        callbacks: Sequence[Any] = (), verbose: int = 1) -> History:
    """Train `model` on `X` shape (n, n_features), `y` shape (n, n_targets).

    `fit(model, X, y, lr=0.5, epochs=1000)` is all most runs need. `model`: a
    Module taking a batch (`MLP`, `Sequential`, `NeuronNet`); a 1-D `y` becomes
    a column for one-output models. The rest:

    | argument           | default | meaning
    |--------------------|---------|-----
    | `loss`             | "mse"   | a name in `LOSSES` or `f(pred, target) -> scalar Value`
    | `optimizer`        | None    | None (`SGD(lr, momentum)`, the article's rule), "sgd", "adam", "rprop", or an optimizer over `model.parameters()` (its own lr is used)
    | `lr`               | None    | the learning rate; None: 0.5 for SGD (the article's 0.3-0.7), "adam" 1e-3, "rprop" 0.01
    | `momentum`         | 0.0     | SGD's momentum (the article's α)
    | `epochs`           | 100     | the most epochs to run
    | `batch_size`       | 1       | 1 stochastic, None batch, k mini-batch (module docstring)
    | `shuffle`          | True    | shuffle the samples each epoch
    | `seed`             | None    | seeds the shuffles and `validation_split`
    | `validation_data`  | None    | `(X_val, y_val)`
    | `validation_split` | 0.0     | hold out a seeded random fraction of X, y (rounded, at least one sample), by `data.split`
    | `target_error`     | None    | stop once the training loss is at or below it
    | `reduction`        | "mean"  | a batch's loss: the "mean" of its samples' losses or their "sum" (the article's summed Δw); passed on to the loss (a loss without a `reduction` parameter is taken to be a mean; "sum" multiplies it by the batch's sample count)
    | `callbacks`        | ()      | `Callback` objects (such as `EarlyStopping`) or callables `f(epoch, logs)`
    | `verbose`          | 1       | 0 silent, 1 a progress bar on stderr if it is a TTY, 2 one line per epoch on stderr

    Early stopping: `callbacks=[EarlyStopping(patience=10)]` stops when the monitored
    loss (`val_loss` with validation data, else `loss`) has not fallen by more than
    `min_delta` for `patience` epochs, and puts back the weights of the epoch with
    the lowest monitored loss (see [`EarlyStopping`][micrograd_nn.history.EarlyStopping]).

    X (and y) are cast to the model's dtype: a float32 model trains in float32.
    Returns a [`History`][micrograd_nn.history.History]; the errors it records are the loss at its
    own default reduction on all the samples (for "mse" the mean, whatever `reduction`). Training
    stops early, whatever the settings, when the loss becomes NaN or inf
    (`stop_reason="non_finite"`). The weights before the first update count as epoch
    0: `History.best_epoch` is 0 when no epoch beats them (and
    [`EarlyStopping`][micrograd_nn.history.EarlyStopping] then puts them back).

    Ctrl-C (KeyboardInterrupt) is re-raised, never swallowed, with the History so
    far attached as `exc.history` (`stop_reason="interrupted"`, whole epochs
    only). The model is left consistent: an optimizer step is applied whole or not
    at all (in the main thread a Ctrl-C during a step waits for the step to finish;
    a KeyboardInterrupt raised inside the step itself rolls the weights and the
    optimizer state back), gradients are cleared (`p.grad = None`), and the best
    weights are not restored. `on_train_end` callbacks are not called. A script
    that should keep going after Ctrl-C catches it:

    ```python
    try:
        h = fit(net, X, y, epochs=10_000)
    except KeyboardInterrupt as e:
        h = e.history
    ```
    """  # noqa: E501
    a = _check_fit_args(model, X, y, loss, optimizer, lr, momentum, epochs, batch_size,
                        seed, validation_data, validation_split, target_error, reduction,
                        callbacks)
    params, X, y, Xv, yv, opt = a.params, a.X, a.y, a.Xv, a.yv, a.opt
    n = len(X)
    bs = n if a.batch_size is None else min(a.batch_size, n)
    groups = _layer_groups(model)
    hist = History(grad_norms={name: [] for name, _ in groups},
                   monitor="val_loss" if Xv is not None else "loss",
                   params={"loss": loss if isinstance(loss, str) else getattr(
                       loss, "__name__", "custom"), "lr": getattr(opt, "lr", lr),
                       "momentum": getattr(opt, "momentum", momentum),
                       "epochs": a.epochs, "batch_size": a.batch_size, "seed": seed,
                       "optimizer": type(opt).__name__, "reduction": reduction,
                       "n_samples": n, "output_activation": output_activation(model)},
                   data_stats=_data_stats(X, y, Xv, yv))
    bar = ProgressBar(a.epochs, verbose)
    guard = _StepGuard()
    t0 = time.perf_counter()
    try:
        guard.install()
        hist.initial_loss = start = evaluate(model, X, y, a.loss_fn)
        if Xv is not None:
            hist.initial_val_loss = start = evaluate(model, Xv, yv, a.loss_fn)
        begin = {**hist.params, "monitor": hist.monitor, "initial_loss": hist.initial_loss,
                 "initial_val_loss": hist.initial_val_loss}
        for cb in a.callbacks:
            if hasattr(cb, "set_model"):
                cb.set_model(model)
            if hasattr(cb, "on_train_begin"):
                cb.on_train_begin(dict(begin))
        # The untrained weights are epoch 0 (start: its monitored loss), the first
        # candidate for the best epoch.
        best = start if math.isfinite(start) else math.inf
        for epoch in range(1, a.epochs + 1):
            order = a.rng.permutation(n) if shuffle else np.arange(n)
            sums = [0.0] * len(groups)
            steps = 0
            for begin_at in range(0, n, bs):
                idx = order[begin_at:begin_at + bs]
                opt.zero_grad()
                _batch_loss(model, a.batch_loss_fn, X[idx], y[idx]).backward()
                for j, (_, ps) in enumerate(groups):
                    sums[j] += math.sqrt(sum(_sq_norm(p) for p in ps))
                guard.step(opt, params)
                steps += 1
            train_loss = evaluate(model, X, y, a.loss_fn)
            val_loss = evaluate(model, Xv, yv, a.loss_fn) if Xv is not None else None
            # record the epoch; `epochs` last, so an interrupt in between is undone
            # by cutting the lists back to hist.epochs
            for j, (name, _) in enumerate(groups):
                hist.grad_norms[name].append(sums[j] / steps)
            hist.loss.append(train_loss)
            if val_loss is not None:
                hist.val_loss.append(val_loss)
            hist.epochs = epoch
            bar.update(epoch, train_loss, val_loss)
            watched = train_loss if val_loss is None else val_loss
            if watched < best:  # the lowest so far
                best, hist.best_epoch = watched, epoch
            logs = {"epoch": epoch, "loss": train_loss, "val_loss": val_loss,
                    "grad_norms": {k: v[-1] for k, v in hist.grad_norms.items()},
                    "time": time.perf_counter() - t0}
            stop = ""
            if not math.isfinite(train_loss):
                stop = "non_finite"
            elif target_error is not None and train_loss <= target_error:
                stop = "target_error"
            for cb in a.callbacks:
                try:
                    fn = cb.on_epoch_end if hasattr(cb, "on_epoch_end") else cb
                    if fn(epoch, logs) is True:
                        stop = stop or "callback"
                except StopTraining as e:
                    stop = stop or e.reason
            if stop:
                hist.stop_reason = stop
                break
        else:
            hist.stop_reason = "epochs"
    except KeyboardInterrupt as e:
        _interrupted(hist, params, bar, t0)
        e.history = hist  # type: ignore[attr-defined]
        raise
    finally:
        guard.uninstall()
    hist.seconds = time.perf_counter() - t0
    bar.update(hist.epochs, hist.loss[-1], hist.val_loss[-1] if hist.val_loss else None,
               done=True)
    for cb in a.callbacks:
        if hasattr(cb, "on_train_end"):
            cb.on_train_end(hist)  # EarlyStopping puts the best weights back here
    hist.data_stats.update(_output_stats(model, X))  # of the weights fit returns
    return hist
