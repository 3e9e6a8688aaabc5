"""Seeing it learn, live: a training run as one self-contained HTML page.

```pycon
>>> from micrograd_nn.data import xor
>>> from micrograd_nn.nn import MLP
>>> from micrograd_nn.train import fit
>>> X, y = xor()
>>> net = MLP(2, [2], 1, seed=0)
>>> snaps = Snapshots(net, max_snapshots=20)
>>> h = fit(net, X, y, lr=0.35, momentum=0.3, epochs=200, batch_size=1, callbacks=[snaps],
...         verbose=0)
>>> [s.epoch for s in snaps.items()][:6], len(snaps) <= 20
([0, 1, 2, 3, 4, 5], True)

```

[`Snapshots`][micrograd_nn.report.Snapshots] is a `fit` callback that keeps copies of the weights at
log-spaced epochs (the first, the last and the best always among them; at most
`max_snapshots`, so a 10,000-epoch run stays small).
[`write_report`][micrograd_nn.report.write_report] turns the model, its History, the data and the
snapshots into one HTML file with its scripts, styles, pictures and data inline (it makes no network
request; a Content-Security-Policy `default-src 'none'` says so to the browser):

- an **epoch scrubber**: a slider (and play/pause) over the snapshots; for the chosen
  epoch the network as [`draw_network`][micrograd_nn.viz.draw_network] draws it (one Graphviz
  SVG whose synapses are recoloured, resized and relabelled per snapshot), the loss
  curve (matplotlib SVG) with a cursor, and for 2-D inputs the decision boundary
  (matplotlib-rendered frames over a matplotlib SVG of the data);
- a **backprop stepper**: one sample's computation graph by
  [`draw_graph`][micrograd_nn.viz.draw_graph], stepped node by node through the forward pass
  (each value appears in topological order) and the backward pass (each gradient in
  reverse order), beside the article's notation exactly as
  [`explain`][micrograd_nn.explain.explain] prints it (δ, GRAD, Δw with momentum);
- the **diagnosis** ([`diagnose`][micrograd_nn.diagnose.diagnose]) and the run's settings.

The page and its HTML/CSS/JS template (`templates/report.html`) are described in
`docs/live-report.md`. Nothing here modifies the model.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

from ._report_page import (boundary_part, diagnosis_part, loss_part, network_part,
                           settings_part, stepper_part)
from .explain import layers_of
from .history import Callback
from .notation import bias_name, neuron_names, synapse_names

__all__ = ["Snapshot", "Snapshots", "Report", "build_report", "write_report", "log_epochs",
           "MAX_SNAPSHOTS", "MAX_WEIGHTS"]

#: The most snapshots a report takes (each is a full copy of the weights and a frame).
MAX_SNAPSHOTS = 200
#: The most weights a report shows (every one of them in every snapshot).
MAX_WEIGHTS = 5000
_TEMPLATE = Path(__file__).with_name("templates") / "report.html"


def log_epochs(total: int, n: int) -> list[int]:
    """`n` distinct epochs from 0 to `total` (both included), spaced evenly on a log
    scale (every epoch when `total + 1 <= n`); ints, ascending."""
    if total + 1 <= n:
        return list(range(total + 1))
    if n < 2:
        return [0, total][:n]
    out = [0, 1]
    while len(out) < n:
        prev, left = out[-1], n - len(out)  # ``left`` epochs still to place up to total
        step = round(prev * (total / prev) ** (1.0 / left))
        out.append(min(max(prev + 1, step), total - (left - 1)))
    return out


def _flat(params: list[Any]) -> np.ndarray:
    """All parameters as one float64 vector, in their order (the article's numbering for
    an MLP/Sequential and a NeuronNet: per layer W row by row, then b)."""
    return np.concatenate([np.ravel(np.asarray(p.data, dtype=np.float64)) for p in params])


@dataclass
class Snapshot:
    """The weights after `epoch` (0 = before training) as one vector in the article's
    numbering (`w1, w2, ...`), and the training/validation loss then (None unknown)."""

    epoch: int
    weights: np.ndarray
    loss: float | None = None
    val_loss: float | None = None


class Snapshots(Callback):
    """A `fit` callback that keeps the weights at log-spaced epochs.

    `model`: the model being trained (callbacks are not handed it); `max_snapshots`:
    3 to `MAX_SNAPSHOTS`. At the start it plans `max_snapshots - 2` log-spaced
    epochs from 0 (the untrained weights) to the last asked for, and it always keeps
    the last epoch run and the best one (the lowest validation loss, or training loss
    without validation data, as `History.best_epoch`). Each epoch costs one copy of
    the weights. [`items`][micrograd_nn.report.Snapshots.items] lists the kept
    [`Snapshot`][micrograd_nn.report.Snapshot] objects by epoch.
    """

    def __init__(self, model: Any, max_snapshots: int = 40) -> None:
        if isinstance(max_snapshots, bool) or not isinstance(max_snapshots, int) \
                or not 3 <= max_snapshots <= MAX_SNAPSHOTS:
            raise ValueError(f"Snapshots: max_snapshots must be an int from 3 (first, best, "
                             f"last) to {MAX_SNAPSHOTS}, got {max_snapshots!r}")
        params = list(model.parameters()) if hasattr(model, "parameters") else []
        if not params:
            raise TypeError(f"Snapshots: model must be a Module with parameters(), got "
                            f"{type(model).__name__}")
        self.model, self.max_snapshots, self._params = model, max_snapshots, params
        self._plan: set[int] = set()
        self._kept: dict[int, Snapshot] = {}
        self._last: Snapshot | None = None
        self._best: Snapshot | None = None
        self.history: Any = None

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        """Plan the epochs (from `logs["epochs"]`) and keep the untrained weights."""
        total = int(logs.get("epochs") or 1)
        self._plan = set(log_epochs(total, self.max_snapshots - 2))
        self._kept = {0: Snapshot(0, _flat(self._params))}
        self._last = self._best = None
        self.history = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        """Copy the weights; keep them if the epoch is planned, the best or the last."""
        if not self._kept:  # used without on_train_begin: plan for what we know
            self.on_train_begin({"epochs": max(epoch, 1)})
        val = logs.get("val_loss")
        snap = Snapshot(epoch, _flat(self._params), float(logs["loss"]),
                        None if val is None else float(val))
        if epoch in self._plan:
            self._kept[epoch] = snap
        # the snapshots made here have a loss (and a val_loss with validation data)
        watched = cast(float, snap.loss if val is None else snap.val_loss)
        best = math.inf if self._best is None else cast(float, (
            self._best.loss if self._best.val_loss is None else self._best.val_loss))
        if watched < best:  # strictly lower, as fit picks History.best_epoch
            self._best = snap
        self._last = snap

    def on_train_end(self, history: Any) -> None:
        """Remember the finished History (to fill in the loss of epoch 0)."""
        self.history = history

    def items(self) -> list[Snapshot]:
        """The kept snapshots, by epoch (the planned ones, the best, the last)."""
        kept = dict(self._kept)
        for s in (self._best, self._last):
            if s is not None:
                kept[s.epoch] = s
        return [kept[e] for e in sorted(kept)]

    def __len__(self) -> int:
        return len(self.items())


# ---------------------------------------------------------------- checks
def _check_path(path: Any) -> Path:
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"write_report: {str(path)!r} is a folder; give a file name such "
                         "as run.html")
    if not path.parent.is_dir():
        raise ValueError(f"write_report: the folder {str(path.parent)!r} does not exist; "
                         "make it first (the report is written into an existing folder)")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise ValueError(f"write_report: cannot write in {str(path.parent)!r} "
                         "(permission denied)")
    return path


def _structure(model: Any) -> dict[str, Any]:
    """The network as the article numbers it: dense layers, sizes, names, activations."""
    try:
        layers = layers_of(model, "write_report")
    except TypeError as e:
        raise TypeError(f"{e} (the report draws MLPs, Sequentials of Linear and "
                        "activation modules, and NeuronNets)") from None
    sizes = [layers[0][0].shape[0]] + [w.shape[1] for w, _, _ in layers]
    has_bias = [b is not None for _, b, _ in layers]
    params = list(model.parameters())
    n = sum(w.size + (0 if b is None else b.size) for w, b, _ in layers)
    if n > MAX_WEIGHTS:
        raise ValueError(f"write_report: the model has {n:,} weights; the report shows every "
                         f"weight of every snapshot and takes at most {MAX_WEIGHTS:,}")
    dense = np.concatenate([np.r_[w.ravel(), [] if b is None else b] for w, b, _ in layers])
    if dense.size != sum(int(np.size(p.data)) for p in params) \
            or not np.array_equal(dense, _flat(params), equal_nan=True):
        raise TypeError("write_report: the model's parameters are not its Linear layers' "
                        "weights and biases in order; the report reads MLPs, Sequentials of "
                        "Linear and activation modules, and NeuronNets")
    names, links = [], []
    neurons = neuron_names(sizes)
    for li, (wn, bn) in enumerate(synapse_names(sizes, has_bias)):
        for a, k in np.ndindex(*wn.shape):
            names.append(str(wn[a, k]))
            links.append(f"{neurons[li][a]} → {neurons[li + 1][k]}")
        for k in range(0 if bn is None else len(bn)):
            names.append(str(cast(np.ndarray, bn)[k]))
            links.append(f"{bias_name(li)} → {neurons[li + 1][k]}")
    return {"layers": layers, "sizes": sizes, "has_bias": has_bias, "names": names,
            "links": links, "acts": [a for _, _, a in layers], "params": params,
            "shapes": [tuple(np.shape(p.data)) for p in params]}


def _unflatten(vec: np.ndarray, st: dict[str, Any]) -> tuple[list, list]:
    ws, bs, i = [], [], 0
    for (w, b, _) in st["layers"]:
        ws.append(vec[i:i + w.size].reshape(w.shape))
        i += w.size
        bs.append(None if b is None else vec[i:i + b.size])
        i += 0 if b is None else b.size
    return ws, bs


def _check_run(st: dict[str, Any], model: Any, history: Any, snaps: list[Snapshot],
               X: np.ndarray, y: np.ndarray, sample: int) -> None:
    """ValueError unless model, History, snapshots and data belong together."""
    loss = list(getattr(history, "loss", None) or [])
    if not loss:
        raise ValueError("write_report: history must be the History fit returned, with at "
                         "least one epoch")
    groups = set(getattr(history, "grad_norms", {}) or {})
    if groups:
        from .train import _layer_groups  # the names fit gave this model's layers

        mine = {name for name, _ in _layer_groups(model)}
        if groups != mine:
            raise ValueError(f"write_report: model and history do not match: the history "
                             f"was recorded for layers {sorted(groups)}, the model has "
                             f"{sorted(mine)}")
    outs = (getattr(history, "data_stats", {}) or {}).get("output_min")
    if outs is not None and len(outs) != st["sizes"][-1]:
        raise ValueError(f"write_report: model and history do not match: the history's model "
                         f"had {len(outs)} outputs, this one has {st['sizes'][-1]}")
    if len(snaps) > MAX_SNAPSHOTS:
        raise ValueError(f"write_report: {len(snaps)} snapshots; a report takes at most "
                         f"{MAX_SNAPSHOTS} (record fewer: Snapshots(model, max_snapshots=40))")
    n = sum(int(np.prod(s)) for s in st["shapes"])
    for s in snaps:
        if s.weights.shape != (n,):
            raise ValueError(f"write_report: model and history do not match: the snapshots "
                             f"hold {s.weights.size} weights, the model has {n} (parameter "
                             f"shapes {st['shapes']})")
        if not 0 <= s.epoch <= len(loss):
            raise ValueError(f"write_report: snapshot of epoch {s.epoch}, but the history "
                             f"has {len(loss)} epochs: they are from different runs")
        if s.epoch and s.loss is not None and not (s.loss == loss[s.epoch - 1] or (
                math.isnan(s.loss) and math.isnan(loss[s.epoch - 1]))):
            raise ValueError(f"write_report: the snapshot of epoch {s.epoch} has loss "
                             f"{s.loss:.6g}, the history {loss[s.epoch - 1]:.6g}: they are "
                             "from different runs")
    if X.ndim != 2 or X.shape[1] != st["sizes"][0]:
        raise ValueError(f"write_report: X must have shape (n, {st['sizes'][0]}) for this "
                         f"model, got {X.shape}")
    if len(y) != len(X):
        raise ValueError(f"write_report: X has {len(X)} samples but y has {len(y)}")
    if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) \
            or not 0 <= sample < len(X):
        raise ValueError(f"write_report: sample must be an index into X (0 to {len(X) - 1}), "
                         f"got {sample!r}")


# ---------------------------------------------------------------- the page
class Report:
    """A built report: `html` (the page), `path` (where it was written, or None),
    [`save`][micrograd_nn.report.Report.save], and `_repr_html_` so that Jupyter shows it inline (an
    iframe whose `srcdoc` is the page)."""

    def __init__(self, html_text: str, path: Path | None = None, height: int = 900) -> None:
        self.html, self.path, self.height = html_text, path, height

    @property
    def nbytes(self) -> int:
        """The page's size in bytes (UTF-8)."""
        return len(self.html.encode("utf-8"))

    def save(self, path: Any) -> Path:
        """Write the page to `path` atomically (a temporary file in the same folder,
        then `os.replace`): the file is either the old one or the whole new one.
        ValueError if the folder is missing. Returns the path."""
        path = _check_path(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(self.html)
                f.flush()
                os.fsync(f.fileno())
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes 0600; a report is for reading
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.path = path
        return path

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" style="width:100%;'
                f'height:{self.height}px;border:1px solid #ced4da" title="training report">'
                "</iframe>")

    def __repr__(self) -> str:
        where = "" if self.path is None else f" at {self.path}"
        return f"Report({self.nbytes:,} bytes{where})"


def _json(data: Any) -> str:
    # inside <script>: no "<" at all, so neither </script> nor <!-- can appear
    return json.dumps(data, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")


def _finite(v: Any) -> float | None:
    return float(v) if v is not None and math.isfinite(v) else None


def build_report(model: Any, history: Any, X: Any, y: Any, *, sample: int = 0,
                 snapshots: Snapshots | list[Snapshot] | None = None, title: str | None = None,
                 E: float | None = None, alpha: float | None = None, digits: int = 6,
                 graph: str = "auto") -> Report:
    """The report page of a run, in memory ([`write_report`][micrograd_nn.report.write_report]
    writes it).

    `model`: the trained MLP, Sequential of Linear + activations, or NeuronNet (not
    modified); `history`: the History `fit` returned for it; `X` (n, n_in), `y`
    (n, n_out): the data (X with 2 columns adds the decision boundary); `sample`: the
    index in X of the sample the stepper runs; `snapshots`: the
    [`Snapshots`][micrograd_nn.report.Snapshots] passed to `fit` (or a list of
    [`Snapshot`][micrograd_nn.report.Snapshot]); None shows the final weights only. `E`/`alpha`: the
    learning rate and momentum of the stepper's article notation (default: the run's, converted to
    the article's E by [`lr_for`][micrograd_nn.notation.lr_for]); `digits`: decimals of that
    notation; `graph`: "neurons" (a node per synapse, as the article computes), "tensors" (a
    node per layer) or "auto" (neurons up to 40 synapses). Returns a
    [`Report`][micrograd_nn.report.Report].

    ValueError when the model, history, snapshots and data do not belong together, or
    there are more than `MAX_SNAPSHOTS` snapshots.
    """
    if graph not in ("auto", "neurons", "tensors"):
        raise ValueError(f"write_report: graph must be 'auto', 'neurons' or 'tensors', got "
                         f"{graph!r}")
    st = _structure(model)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if isinstance(snapshots, Snapshots):
        snaps = snapshots.items()
    elif snapshots is None:
        snaps = []
    else:
        snaps = list(snapshots)
    _check_run(st, model, history, snaps, X, y, sample)
    now = _flat(st["params"])
    if not snaps:  # the final weights are all there is to show
        snaps = [Snapshot(history.epochs, now, history.loss[-1],
                          history.val_loss[-1] if history.val_loss else None)]
    for s in snaps:  # epoch 0's loss is only known once fit has evaluated it
        if s.epoch == 0 and s.loss is None:
            s.loss, s.val_loss = history.initial_loss, history.initial_val_loss
    epochs = [s.epoch for s in snaps]
    dense = [_unflatten(s.weights, st) for s in snaps]
    net_svg, net_map = network_part(model, st, snaps)
    frames: list[str]  # as boundary_part gives them
    bnd_svg, frames = ("<p class='note'>The decision boundary is drawn for 2-D inputs "
                       "only.</p>", [])
    try:  # the curves need matplotlib; without it the page has the rest
        loss_svg, cursor = loss_part(history, epochs)
        if X.shape[1] == 2:
            bnd_svg, frames = boundary_part(X, y, dense, st["acts"])
    except ImportError as e:
        loss_svg, cursor = f"<p class='note'>No loss curve: {html.escape(str(e))}</p>", None
        bnd_svg = "<p class='note'>No decision boundary: matplotlib is missing.</p>"
    step = stepper_part(model, st, history, X[sample], y[sample], E, alpha, digits, graph)
    best = getattr(history, "best_epoch", None)
    tags = [[t for t, on in (("first", i == 0), ("best", s.epoch == best),
                             ("last", s.epoch == history.epochs)) if on]
            for i, s in enumerate(snaps)]
    data = {"snapshots": [{"epoch": s.epoch, "loss": _finite(s.loss),
                           "val": _finite(s.val_loss), "tags": t,
                           "w": [float(v) if math.isfinite(v) else None for v in s.weights]}
                          for s, t in zip(snaps, tags, strict=True)],
            "names": st["names"], "links": st["links"], "network": net_map,
            "cursor": cursor, "frames": frames, "stepper": step["data"],
            "epochs": history.epochs}
    title = title or f"Training report: {type(model).__name__} " \
                     f"{'-'.join(map(str, st['sizes']))}"
    parts = {"TITLE": html.escape(title), "SETTINGS": settings_part(history, model, st),
             "DIAGNOSIS": diagnosis_part(history, model, X, y), "NETWORK_SVG": net_svg,
             "LOSS_SVG": loss_svg, "BOUNDARY_SVG": bnd_svg,
             "GRAPH_SVG": step["svg"], "EXPLAIN": step["lines"], "STEP_NOTE": step["note"],
             "DATA": _json(data)}
    # one pass: text put in (a title, the data) is never searched for placeholders
    page = re.sub(r"@@([A-Z_]+)@@", lambda m: parts[m.group(1)],
                  _TEMPLATE.read_text(encoding="utf-8"))
    return Report(page)


def write_report(path: Any, model: Any, history: Any, X: Any, y: Any, *, sample: int = 0,
                 snapshots: Snapshots | list[Snapshot] | None = None, **options: Any) -> Report:
    """Write the report page of a run to `path` (an .html file in an existing folder)
    and return the [`Report`][micrograd_nn.report.Report] (`report.path` is set).

    Arguments as [`build_report`][micrograd_nn.report.build_report] (`options`: `title`, `E`,
    `alpha`, `digits`, `graph`). Everything is checked and the page built before anything is
    written (ValueError for a missing folder, a model/history/snapshots mismatch or too
    many snapshots); the file is replaced atomically, never left half written.
    """
    path = _check_path(path)
    report = build_report(model, history, X, y, sample=sample, snapshots=snapshots, **options)
    report.save(path)
    return report
