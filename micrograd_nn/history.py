"""What `fit` records and reports: `History`, callbacks, the progress bar.

`History` holds the per-epoch training and validation error and per-layer gradient
norms that [`micrograd_nn.diagnose.diagnose`][] reads; `Callback` is the hook into
each epoch; `EarlyStopping` is the callback that stops a run which no longer
improves and puts its best weights back; `ProgressBar` draws the bar on a terminal
and stays silent elsewhere.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any

__all__ = ["History", "Callback", "EarlyStopping", "StopTraining"]


class StopTraining(Exception):
    """Raise inside a callback to stop training after the current epoch.

    `reason`: what `History.stop_reason` becomes ("callback" unless given;
    [`EarlyStopping`][micrograd_nn.history.EarlyStopping] gives "early_stopping").
    """

    def __init__(self, *args: Any, reason: str = "callback") -> None:
        super().__init__(*args)
        self.reason = reason


class Callback:
    """Base class for callbacks; override what you need. A plain callable
    `f(epoch, logs)` works too. Returning `True` from `on_epoch_end` (or raising
    [`StopTraining`][micrograd_nn.history.StopTraining]) stops training; `History.stop_reason`
    becomes "callback" (or the exception's `reason`).

    `fit` calls `set_model(model)` and then `on_train_begin(logs)` once, with
    `logs`: the run's settings (`History.params`) and `monitor` (fit's: "val_loss"
    with validation data, else "loss"), `initial_loss`, `initial_val_loss` (the
    errors of the untrained weights, epoch 0; None without validation). After each
    epoch `on_epoch_end(epoch, logs)`, with `logs`: `{"epoch", "loss", "val_loss"
    (None without validation), "grad_norms" (layer -> mean gradient norm this epoch),
    "time" (seconds since the start)}`. Epochs count from 1. At the end
    `on_train_end(history)`, in the order the callbacks were given.
    """

    model: Any = None

    def set_model(self, model: Any) -> None:
        """Called first, with the model being trained (kept as `self.model`)."""
        self.model = model

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        """Called once before the first epoch."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> bool | None:
        """Called after every epoch; return True to stop."""
        return None

    def on_train_end(self, history: History) -> None:
        """Called once with the finished History."""


class EarlyStopping(Callback):
    """Stop when the monitored loss no longer improves; put the best weights back.

    `fit(..., callbacks=[EarlyStopping(patience=10)])`. After each epoch the monitored
    loss (`monitor`: "val_loss" or "loss"; None, the default, takes "val_loss" when
    `fit` has validation data, else "loss") is compared with the last one that
    improved by more than `min_delta`; after `patience` epochs without such an
    improvement training stops (`History.stop_reason == "early_stopping"`). The
    untrained weights are epoch 0, the first candidate. With `restore_best` (the
    default) the weights of the epoch with the lowest monitored loss are kept (one copy)
    and put back at the end of training, whatever ended it (`History.restored`;
    `History.best_epoch` is that epoch, 0 for the untrained weights, and
    `History.monitor` the loss watched). A Ctrl-C ends `fit` without
    `on_train_end`: nothing is put back then.

    An instance may serve several runs: each `on_train_begin` starts it afresh.
    """

    def __init__(self, patience: int = 10, min_delta: float = 0.0, restore_best: bool = True,
                 monitor: str | None = None) -> None:
        if isinstance(patience, bool) or not isinstance(patience, Integral) or patience < 1:
            raise ValueError(f"EarlyStopping: patience must be a positive int (epochs), got "
                             f"{patience!r}")
        if isinstance(min_delta, bool) or not isinstance(min_delta, Real) \
                or not min_delta >= 0:
            raise ValueError(f"EarlyStopping: min_delta must be a number >= 0, got "
                             f"{min_delta!r}")
        if not isinstance(restore_best, bool):
            raise TypeError(f"EarlyStopping: restore_best must be True or False, got "
                            f"{restore_best!r}")
        if monitor not in (None, "loss", "val_loss"):
            raise ValueError(f"EarlyStopping: monitor must be 'loss', 'val_loss' or None (the "
                             f"validation loss if there is one), got {monitor!r}")
        self.patience: int = int(patience)
        self.min_delta: float = float(min_delta)
        self.restore_best: bool = restore_best
        self.monitor: str | None = monitor
        self._start(None, None)

    def _start(self, monitor: str | None, initial: float | None) -> None:
        self.watching = monitor  # the loss watched in this run
        first = initial if initial is not None and math.isfinite(initial) else math.inf
        self.best = self._ref = first  # the lowest; the last that improved by > min_delta
        self.best_epoch = self.wait = 0
        self._best_weights: list[Any] | None = None
        if self.restore_best and math.isfinite(first):
            self._best_weights = self._copy()

    def _params(self) -> list[Any]:
        if not hasattr(self.model, "parameters"):
            raise TypeError("EarlyStopping(restore_best=True) needs the model: fit hands it "
                            "over (set_model); elsewhere call set_model(model) first, or "
                            "pass restore_best=False")
        return list(self.model.parameters())

    def _copy(self) -> list[Any]:
        from .train import _snapshot

        return _snapshot(self._params())

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        """Choose the loss to watch; epoch 0 (the untrained weights) is the first best."""
        has_val = logs.get("initial_val_loss") is not None or logs.get("monitor") == "val_loss"
        monitor = self.monitor or ("val_loss" if has_val else "loss")
        if monitor == "val_loss" and not has_val:
            raise ValueError("EarlyStopping(monitor='val_loss') needs validation data: pass "
                             "validation_data or validation_split to fit")
        if self.restore_best:
            self._params()  # no model to restore is an error now, not at the first copy
        self._start(monitor, logs.get(f"initial_{monitor}"))

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        """Keep the weights of a new lowest loss; stop when patience runs out."""
        key = self.watching
        if key is None:  # used without on_train_begin: no epoch 0 to compare
            key = self.monitor or ("loss" if logs.get("val_loss") is None else "val_loss")
            self._start(key, None)
        value = logs.get(key)
        watched = math.nan if value is None else float(value)
        if watched < self.best:  # the lowest so far: the weights to restore
            self.best, self.best_epoch = watched, epoch
            if self.restore_best:
                self._best_weights = self._copy()
        if watched < self._ref - self.min_delta:  # improved enough: patience restarts
            self._ref, self.wait = watched, 0
        else:
            self.wait += 1
        if self.wait >= self.patience:
            raise StopTraining(reason="early_stopping")

    def on_train_end(self, history: History) -> None:
        """Put the best epoch's weights back (unless they are the last's) and record it
        in the History."""
        if self.watching is None:  # never started: nothing watched, nothing to restore
            return
        history.monitor, history.best_epoch = self.watching, self.best_epoch
        if self._best_weights is not None and self.best_epoch != history.epochs:
            from .train import _restore, _StepGuard

            guard = _StepGuard()  # a Ctrl-C waits: half the weights put back is no model
            guard.install()
            try:
                with guard:
                    _restore(self._params(), self._best_weights)
            finally:
                guard.uninstall()
            history.restored = True
        self._best_weights = None  # the copy is no longer needed


@dataclass
class History:
    """What `fit` recorded, one entry per epoch.

    `loss`: the loss function on all training samples at once, evaluated after each
    epoch's updates (for "mse" the mean over samples, whatever the mode, so epochs and
    modes compare). `val_loss`: the
    same on the validation data (empty without any). `initial_loss` /
    `initial_val_loss`: the same before the first update. `grad_norms`: layer name (the
    parameter names' prefix, e.g. "0" for "0.weight"/"0.bias"; for a NeuronNet
    "layer1", "layer2", ...: the synapses feeding each layer of neurons) -> per epoch,
    the mean over the epoch's updates of that layer's gradient 2-norm. `epochs`:
    epochs run.
    `stop_reason`: "epochs", "target_error", "early_stopping" (by
    [`EarlyStopping`][micrograd_nn.history.EarlyStopping]), "callback", "non_finite" (the loss
    became NaN or inf) or "interrupted" (Ctrl-C: `fit` re-raises it with this History as
    `exc.history`). `monitor`: the loss watched, "val_loss" with validation data, else "loss" (or
    the one [`EarlyStopping`][micrograd_nn.history.EarlyStopping] watched). `best_epoch`: the epoch
    with the lowest monitored loss, 0 when no epoch beat the untrained weights (`initial_loss`, or
    `initial_val_loss` with validation data); `restored`: whether
    [`EarlyStopping`][micrograd_nn.history.EarlyStopping] put its weights back.
    `params`: the run's settings (`loss`, `lr`, `momentum`, `optimizer`,
    `batch_size`, `n_samples`, `output_activation`: the model's last activation,
    None if unknown, ...). `data_stats`: what `fit` saw, for `diagnose`:
    `nonfinite_X`/`nonfinite_y` (NaN or inf entries in the training and validation
    data), `y_min`/`y_max` (the finite targets' range, None if none), and at the
    end of training `output_min`/`output_max` (per output, the trained model's
    outputs on the training inputs).
    """

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    initial_loss: float | None = None
    initial_val_loss: float | None = None
    grad_norms: dict[str, list[float]] = field(default_factory=dict)
    epochs: int = 0
    stop_reason: str = ""
    best_epoch: int = 0
    restored: bool = False
    monitor: str = "loss"
    seconds: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)
    data_stats: dict[str, Any] = field(default_factory=dict)

    @property
    def history(self) -> dict[str, list[float]]:
        """Keras-style `{"loss": [...], "val_loss": [...]}`."""
        return {"loss": self.loss, "val_loss": self.val_loss}

    def __repr__(self) -> str:
        last = f"{self.loss[-1]:.6g}" if self.loss else "-"
        val = f", val_loss {self.val_loss[-1]:.6g}" if self.val_loss else ""
        return (f"History({self.epochs} epochs, loss {last}{val}, "
                f"stop_reason={self.stop_reason!r})")


# ---------------------------------------------------------------- helpers


class ProgressBar:
    """A one-line progress bar on a TTY (stderr): epoch, loss, speed.

    `verbose` 1: the bar, only if stderr is a TTY; 2: one line per epoch; 0: nothing.
    A stream that fails (a closed pipe: `2>&1 | head`) ends the printing, never the
    training.
    """

    def __init__(self, epochs: int, verbose: int) -> None:
        self.stream = sys.stderr
        try:
            tty = bool(getattr(self.stream, "isatty", lambda: False)())
        except (OSError, ValueError):  # a closed stream
            tty = False
        self.mode = 0 if verbose <= 0 else (2 if verbose >= 2 else (1 if tty else 0))
        self.epochs, self.t0, self.last = epochs, time.perf_counter(), 0.0
        self.open_line = False  # the bar's line has no newline yet

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the reader is gone: stop printing, keep training
            self.mode = 0

    def close(self) -> None:
        """End the bar's line (after an interrupt), so what follows starts on its own."""
        if self.mode == 1 and self.open_line:
            self._write("\n")
        self.open_line = False

    def update(self, epoch: int, loss: float, val: float | None, done: bool = False) -> None:
        if not self.mode or (done and self.mode == 2):  # mode 2 printed every epoch already
            return
        now = time.perf_counter()
        if self.mode == 1 and not done and now - self.last < 0.1 and epoch != self.epochs:
            return
        self.last = now
        speed = epoch / max(now - self.t0, 1e-9)
        filled = int(20 * epoch / self.epochs)
        bar = "#" * filled + "." * (20 - filled)
        v = "" if val is None else f"  val_loss {val:.6g}"
        text = (f"epoch {epoch}/{self.epochs} [{bar}] loss {loss:.6g}{v}  "
                f"{speed:.1f} epochs/s")
        if self.mode == 2:
            self._write(text + "\n")
        else:
            self._write("\r" + text + ("\n" if done else ""))
            self.open_line = not done
