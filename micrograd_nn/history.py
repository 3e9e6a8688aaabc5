"""What ``fit`` records and reports: ``History``, callbacks, the progress bar.

``History`` holds the per-epoch training and validation error and per-layer gradient
norms that :func:`micrograd_nn.diagnose.diagnose` reads; ``Callback`` is the hook into
each epoch; ``ProgressBar`` draws the bar on a terminal and stays silent elsewhere.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = ["History", "Callback", "StopTraining"]


class StopTraining(Exception):
    """Raise inside a callback to stop training after the current epoch."""


class Callback:
    """Base class for callbacks; override what you need. A plain callable
    ``f(epoch, logs)`` works too. Returning ``True`` from ``on_epoch_end`` (or raising
    :class:`StopTraining`) stops training; ``History.stop_reason`` becomes "callback".

    ``logs``: ``{"epoch", "loss", "val_loss" (None without validation), "grad_norms"
    (layer -> mean gradient norm this epoch), "time" (seconds since the start)}``.
    Epochs count from 1.
    """

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        """Called once before the first epoch."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> bool | None:
        """Called after every epoch; return True to stop."""
        return None

    def on_train_end(self, history: History) -> None:
        """Called once with the finished History."""


@dataclass
class History:
    """What ``fit`` recorded, one entry per epoch.

    ``loss``: the loss function on all training samples at once, evaluated after each
    epoch's updates (for "mse" the mean over samples, whatever the mode, so epochs and
    modes compare). ``val_loss``: the
    same on the validation data (empty without any). ``initial_loss`` /
    ``initial_val_loss``: the same before the first update. ``grad_norms``: layer name (the
    parameter names' prefix, e.g. "0" for "0.weight"/"0.bias"; for a NeuronNet
    "layer1", "layer2", ...: the synapses feeding each layer of neurons) -> per epoch,
    the mean over the epoch's updates of that layer's gradient 2-norm. ``epochs``:
    epochs run.
    ``stop_reason``: "epochs", "target_error", "early_stopping", "callback",
    "non_finite" (the loss became NaN or inf) or "interrupted" (Ctrl-C: ``fit``
    re-raises it with this History as ``exc.history``). ``best_epoch``: the epoch with
    the lowest monitored loss, 0 when no epoch beat the untrained weights
    (``initial_loss``, or ``initial_val_loss`` with validation data); ``restored``:
    whether its weights were put back.
    ``params``: the run's settings (``loss``, ``lr``, ``momentum``, ``optimizer``,
    ``batch_size``, ``n_samples``, ``output_activation``: the model's last activation,
    None if unknown, ...). ``data_stats``: what ``fit`` saw, for ``diagnose``:
    ``nonfinite_X``/``nonfinite_y`` (NaN or inf entries in the training and validation
    data), ``y_min``/``y_max`` (the finite targets' range, None if none), and at the
    end of training ``output_min``/``output_max`` (per output, the trained model's
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
        """Keras-style ``{"loss": [...], "val_loss": [...]}``."""
        return {"loss": self.loss, "val_loss": self.val_loss}

    def __repr__(self) -> str:
        last = f"{self.loss[-1]:.6g}" if self.loss else "-"
        val = f", val_loss {self.val_loss[-1]:.6g}" if self.val_loss else ""
        return (f"History({self.epochs} epochs, loss {last}{val}, "
                f"stop_reason={self.stop_reason!r})")


# ---------------------------------------------------------------- helpers


class ProgressBar:
    """A one-line progress bar on a TTY (stderr): epoch, loss, speed.

    ``verbose`` 1: the bar, only if stderr is a TTY; 2: one line per epoch; 0: nothing.
    A stream that fails (a closed pipe: ``2>&1 | head``) ends the printing, never the
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
