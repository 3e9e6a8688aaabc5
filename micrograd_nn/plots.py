"""Pictures of learning with matplotlib (the optional `plot` extra).

- [`plot_history`][micrograd_nn.plots.plot_history] - training and validation error per epoch, with
  the convergence diagnosis ([`micrograd_nn.diagnose`][]) written on the figure.
- [`plot_decision_boundary`][micrograd_nn.plots.plot_decision_boundary] - a 2-D classifier's regions
  over its data.
- [`plot_error_surface`][micrograd_nn.plots.plot_error_surface] - the article's skier: the error as
  a function of one weight (the others fixed) and the path gradient descent takes down it, with and
  without momentum. [`bumpy_error`][micrograd_nn.plots.bumpy_error] is a 1-D error curve with a
  local minimum.

Every function returns a `matplotlib.figure.Figure` drawn on the Agg canvas (no
window, no pyplot state) and, given `path`, saves it there. matplotlib is imported
only when a function is called; without it they raise
[`PlotDependencyError`][micrograd_nn.plots.PlotDependencyError].
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .engine import Value
from .optim import SGD

__all__ = ["PlotDependencyError", "plot_history", "plot_decision_boundary",
           "plot_error_surface", "bumpy_error", "descent_path"]

C_TRAIN, C_VAL, C_PLAIN, C_MOMENTUM = "#1c7ed6", "#e8590c", "#e03131", "#2f9e44"


class PlotDependencyError(ImportError):
    """matplotlib is missing: `pip install micrograd_nn[plot]`."""


def _figure(ax: Any = None, size: tuple[float, float] = (7.0, 4.5),
            note_lines: int = 0) -> tuple[Any, Any]:
    """(figure, axes): the given axes' figure, or a new Agg figure with one axes (and,
    for `note_lines` > 0, a text-only axes below it, as `fig.note_ax`)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:
        raise PlotDependencyError("plots need matplotlib, an optional dependency: "
                                  "pip install micrograd_nn[plot]  (or pip install "
                                  f"matplotlib); the import failed with: {e}") from e
    if ax is not None:
        return ax.figure, ax
    note_h = 0.15 * note_lines + 0.15 if note_lines else 0.0
    fig = Figure(figsize=(size[0], size[1] + note_h), layout="constrained")
    FigureCanvasAgg(fig)
    if not note_lines:
        return fig, fig.add_subplot()
    top, note = fig.subplots(2, 1, height_ratios=[size[1], note_h])
    note.axis("off")
    fig.note_ax = note  # type: ignore[attr-defined]  # our own attribute on the Figure
    return fig, top


def _save(fig: Any, path: str | Path | None) -> Any:
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
    return fig


# ---------------------------------------------------------------- training curves
def _curves(history: Any) -> tuple[list[float], list[float], float | None]:
    """(loss, val_loss, initial loss) from a History, a dict or a list of errors."""
    if isinstance(history, dict):
        return list(history.get("loss", [])), list(history.get("val_loss") or []), None
    if hasattr(history, "loss"):
        return (list(history.loss), list(getattr(history, "val_loss", None) or []),
                getattr(history, "initial_loss", None))
    if isinstance(history, (list, tuple, np.ndarray)):
        return [float(v) for v in history], [], None
    raise TypeError(f"plot_history: expected a History, a dict with 'loss' or a list of "
                    f"errors, got {type(history).__name__}")


def _diagnosis_text(history: Any, width: int = 100) -> str:
    """The findings of diagnose(history), one wrapped paragraph each ('' if unavailable)."""
    from .diagnose import diagnose
    try:
        findings = diagnose(history).findings
    except Exception:  # a history diagnose cannot read (a dict): no text
        return ""
    parts = ["Diagnosis:"]
    for f in findings[:3]:
        line = f"• {f.kind}: {f.message}" + (f" → {f.advice[0]}" if f.advice else "")
        parts.append(textwrap.fill(line, width, subsequent_indent="   "))
    return "\n".join(parts)


def plot_history(history: Any, ax: Any = None, path: str | Path | None = None,
                 title: str = "Training error", diagnosis: bool = True) -> Any:
    """Training (and validation) error per epoch, log-scaled when it spans two decades
    or more; with `diagnosis`, the convergence diagnosis in a box on the plot.

    `history`: a train.History, `{"loss": [...], "val_loss": [...]}` or a list of
    per-epoch errors. Epoch 0 is the error before training when the History has it.
    """
    loss, val, initial = _curves(history)
    if not loss:
        raise ValueError("plot_history: the history has no epochs")
    text = _diagnosis_text(history, 100 if ax is None else 60) if diagnosis else ""
    fig, ax = _figure(ax, note_lines=text.count("\n") + 1 if text and ax is None else 0)
    start = 0 if initial is not None else 1
    train = ([initial] if initial is not None else []) + loss
    ax.plot(range(start, start + len(train)), train, color=C_TRAIN, lw=1.8, label="training")
    if val:
        ax.plot(range(len(loss) - len(val) + 1, len(loss) + 1), val, color=C_VAL, lw=1.8,
                ls="--", label="validation")
    values = np.array([v for v in train + val if v is not None], dtype=np.float64)
    finite = values[np.isfinite(values)]
    if finite.size and finite.min() > 0 and finite.max() / finite.min() >= 100:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("error (loss)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3, which="both")
    ax.legend(loc="best")
    box = {"boxstyle": "round", "facecolor": "#fff9db", "edgecolor": "#fab005"}
    if text and hasattr(fig, "note_ax"):  # our figure: the diagnosis below the plot
        fig.note_ax.text(0.0, 1.0, text, va="top", ha="left", fontsize=8, bbox=box,
                         transform=fig.note_ax.transAxes)
    elif text:  # the caller's axes: in the corner a falling curve leaves free
        falling = loss[-1] <= train[0]
        ax.text(0.98, 0.97 if falling else 0.03, text, transform=ax.transAxes, ha="right",
                va="top" if falling else "bottom", multialignment="left", fontsize=7,
                bbox={**box, "alpha": 0.9})
    return _save(fig, path)


# ---------------------------------------------------------------- decision boundary
def _predict(model: Any, X: np.ndarray) -> np.ndarray:
    """Model outputs for rows of X, shape (n, n_out), without recording a graph."""
    from .train import predict
    return np.asarray(predict(model, X), dtype=np.float64).reshape(len(X), -1)


def plot_decision_boundary(model: Any, X: Any, y: Any, path: str | Path | None = None,
                           ax: Any = None, resolution: int | None = None,
                           margin: float = 0.5, title: str = "Decision boundary") -> Any:
    """The regions a 2-D classifier assigns over its data; X: shape (n, 2), y: labels.

    One output: the score as shaded bands and the boundary where it crosses 0.5 (0 when
    the labels are -1/1). Several outputs: the argmax class per region. `resolution`:
    grid points per axis (200, or 60 for a neuron-by-neuron NeuronNet).
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).reshape(len(X), -1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary: X must have shape (n, 2), got "
                         f"{tuple(X.shape)}; draw two features at a time")
    fig, ax = _figure(ax, (5.5, 5.0))
    res = resolution or (60 if hasattr(model, "weight_arrays") else 200)
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], res), np.linspace(lo[1], hi[1], res))
    out = _predict(model, np.c_[gx.ravel(), gy.ravel()])
    labels = y.argmax(axis=1) if y.shape[1] > 1 else y[:, 0]
    if out.shape[1] == 1:
        z = out[:, 0].reshape(gx.shape)
        thr = 0.0 if set(np.unique(labels)) <= {-1, 1} and labels.min() < 0 else 0.5
        cs = ax.contourf(gx, gy, z, levels=20, cmap="RdBu_r", alpha=0.45)
        if z.min() < thr < z.max():
            ax.contour(gx, gy, z, levels=[thr], colors="black", linewidths=2)
        fig.colorbar(cs, ax=ax, label="model output")
    else:
        z = out.argmax(axis=1).reshape(gx.shape)
        ax.contourf(gx, gy, z, levels=np.arange(out.shape[1] + 1) - 0.5, cmap="tab10",
                    alpha=0.35)
    ax.scatter(X[:, 0], X[:, 1], c=labels, cmap="RdBu_r" if out.shape[1] == 1 else "tab10",
               edgecolors="black", linewidths=1.5, s=70, zorder=3)
    ax.locator_params(nbins=6)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title)
    return _save(fig, path)


# ---------------------------------------------------------------- the skier
def bumpy_error(w: Any) -> Any:
    """A 1-D error curve: global minimum at w ≈ -2.11 (E ≈ -0.42), a small hill at
    w ≈ 0.25 (E ≈ 2.05) and a local minimum at w ≈ 1.86 (E ≈ 1.17). A polynomial, so
    it takes a float, an array or a Value. From w = 3.2 with lr = 0.1, plain descent
    stops in the local minimum; momentum 0.8-0.9 rolls over the hill to the global
    one; momentum 0.95 overshoots it and comes back.

    ```pycon
    >>> bumpy_error(1.86) > bumpy_error(-2.11)
    True

    ```
    """
    return 0.1 * w ** 4 - 0.8 * w ** 2 + 0.4 * w + 2.0


def _slope(fn: Callable[[Any], Any]) -> Callable[[float], float]:
    """dE/dw by autodiff when `fn` accepts a Value, else by a central difference."""
    def grad(w: float) -> float:
        try:
            v = Value(float(w))
            out = fn(v)
            if type(out) is Value:
                out.backward()
                return float(v.grad)
        except (TypeError, AttributeError, ValueError):
            pass
        h = 1e-6 * max(1.0, abs(w))
        return (float(fn(w + h)) - float(fn(w - h))) / (2 * h)
    return grad


def descent_path(fn: Callable[[Any], Any], w0: float, lr: float = 0.1, momentum: float = 0.0,
                 steps: int = 50) -> list[float]:
    """The weights gradient descent visits on the curve `fn`, starting from `w0`:
    [`SGD`][micrograd_nn.optim.SGD]'s steps, the article's rule
    `Δw = −lr·dE/dw + momentum·Δw_prev`, `w = w + Δw`. Stops early if the weight
    becomes non-finite."""
    slope, w = _slope(fn), Value(float(w0), "w")
    opt, path = SGD([w], lr=lr, momentum=momentum), [float(w0)]
    for _ in range(steps):
        w.grad = slope(w.data)
        opt.step()
        if not math.isfinite(w.data):
            break
        path.append(w.data)
    return path


def _model_curve(model: Any, X: Any, y: Any, param: Value | None, index: Any,
                 loss: Any) -> tuple[Callable[[Any], float], float, str]:
    """E(w) for one weight of a model on (X, y), the others fixed; its start and name."""
    from .train import evaluate
    if param is None:
        named = list(model.named_parameters())
        if not named:
            raise ValueError("plot_error_surface: the model has no parameters")
        name, param = named[0]
    else:
        name = next((n for n, p in model.named_parameters() if p is param), param.label or "w")
    scalar = type(param.data) is float
    if not scalar:
        index = (0,) * len(param.shape) if index is None else index
        index = index if isinstance(index, tuple) else (index,)
        name += str(list(index))
    w0 = float(param.data) if scalar else float(param.data[index])

    def error(w: Any) -> float:
        w = float(w.data) if type(w) is Value else float(w)
        old = param.data if scalar else param.data.copy()
        try:
            if scalar:
                param.data = w
            else:
                param.data[index] = w
            return evaluate(model, X, y, loss)
        finally:
            param.data = old
    return error, w0, name


def plot_error_surface(model: Any = None, X: Any = None, y: Any = None, *,
                       param: Value | None = None, index: Any = None, loss: Any = "mse",
                       fn: Callable[[Any], Any] | None = None, w0: float | None = None,
                       lr: float = 0.1, momentum: float | tuple[float, ...] = 0.9,
                       steps: int = 60,
                       wrange: tuple[float, float] | None = None, ax: Any = None,
                       path: str | Path | None = None) -> Any:
    """The skier: the error as a function of one weight, and two descents down it.

    Either `fn` (a 1-D error curve such as [`bumpy_error`][micrograd_nn.plots.bumpy_error], which is
    the default with `w0=3.2` when no model is given) or `model, X, y` with `param`
    (a parameter Value; default the first) and `index` (which of its elements;
    default the first): the error `loss` of the model on (X, y) as that one weight
    moves and all others stay fixed (the model is left unchanged). From `w0` (default:
    the weight's current value) the paths of [`descent_path`][micrograd_nn.plots.descent_path] are
    drawn for `momentum=0` and for `momentum` (one value or several, e.g. `(0.8, 0.95)`):
    with a local minimum in the way, momentum can carry the weight over the small
    hill, and too much of it overshoots. The curve spans the paths and `w0 ± 1`,
    or `wrange=(lo, hi)`.
    """
    if model is not None:
        if fn is not None or X is None or y is None:
            raise ValueError("plot_error_surface: give model, X and y, or fn, not both")
        fn, start, name = _model_curve(model, X, y, param, index, loss)
        w0 = start if w0 is None else w0
    else:
        fn = fn or bumpy_error
        name, w0 = "w", (3.2 if w0 is None else w0)
    fig, ax = _figure(ax)
    momenta = momentum if isinstance(momentum, (tuple, list)) else (momentum,)
    paths = {float(m): descent_path(fn, w0, lr, m, steps) for m in (0.0, *momenta)}
    seen = np.array([w for p in paths.values() for w in p])
    if wrange is None:  # the paths and w0 ± 1, but not a diverging path's far end
        lo, hi = min(float(np.quantile(seen, 0.02)), w0 - 1.0), max(
            float(np.quantile(seen, 0.98)), w0 + 1.0)
        lo, hi = lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo)
    else:
        lo, hi = wrange
    ws = np.linspace(lo, hi, 400)
    ax.plot(ws, [float(fn(w)) for w in ws], color="#343a40", lw=2, label="error E(w)")
    styles = [(C_PLAIN, "o"), (C_MOMENTUM, "s"), ("#7048e8", "^"), ("#f08c00", "D")]
    for (m, p), (colour, marker) in zip(paths.items(), styles * 2, strict=False):
        p = np.clip(np.array(p), lo, hi)
        e = np.array([float(fn(w)) for w in p])
        what = "gradient descent" if m == 0 else f"with momentum {m:g}"
        ax.plot(p, e, marker=marker, ms=4, lw=0.8, alpha=0.75, color=colour,
                label=f"{what}: ends at w={p[-1]:.3g}, E={e[-1]:.3g}")
        ax.plot(p[-1], e[-1], marker=marker, ms=11, color=colour, mec="black")
    ax.plot(w0, float(fn(w0)), marker="*", ms=16, color="#fab005", mec="black",
            label=f"start w={w0:.3g}", zorder=4)
    es = [float(fn(w)) for p in paths.values() for w in p if lo <= w <= hi]
    ylo, yhi = min(es), max(es)  # the part of the curve the skiers ride on
    ax.set_ylim(ylo - 0.15 * (yhi - ylo + 1e-12), yhi + 0.25 * (yhi - ylo + 1e-12))
    ax.set_xlabel(f"weight {name} (all other weights fixed)")
    ax.set_ylabel("error")
    ax.set_title(f"The skier: error along one weight (lr={lr:g}, {steps} steps)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return _save(fig, path)


def plot_sweep(result: Any, x: str, hue: str | None = None, y: str | None = None,
               metric: str = "error", where: dict[str, Any] | None = None, ax: Any = None,
               path: str | Path | None = None) -> Any:
    """A [`SweepResult`][micrograd_nn.sweep.SweepResult]'s mean final error against the swept
    parameter `x`, with ± one std over the trials as error bars: one line per value
    of `hue`; given `y` instead, a heatmap of the mean error over `x` and `y`.

    The trials of each point are pooled over the parameters not named (the title says
    which), or only those matching `where` (`{"hidden": 4}`) are kept. `metric`:
    "error" (training) or "val_error". Diverged (NaN/inf) points are left out.
    """
    import json  # values are compared as JSON: lists (hidden layouts) are unhashable

    from ._sweep_result import _show

    if hue is not None and y is not None:
        raise ValueError("plot_sweep: give hue (lines) or y (a heatmap), not both")
    second = y if y is not None else hue
    rows = result.groups([x] + ([second] if second else []), metric, where)
    fig, ax = _figure(ax)
    xs = list(dict.fromkeys(json.dumps(r[x]) for r in rows))
    pooled = [n for n in result.names if n not in (x, second, *(where or {}))]
    what = f"mean final {'validation ' if metric == 'val_error' else ''}error"
    if y is not None:
        ys = list(dict.fromkeys(json.dumps(r[y]) for r in rows))
        grid = np.full((len(ys), len(xs)), np.nan)
        for r in rows:
            grid[ys.index(json.dumps(r[y])), xs.index(json.dumps(r[x]))] = r["mean"]
        shown = np.where(np.isfinite(grid), grid, np.nan)
        im = ax.imshow(shown, cmap="viridis_r", aspect="auto", origin="lower")
        for (i, j), v in np.ndenumerate(grid):
            ax.text(j, i, "-" if np.isnan(v) else f"{v:.3g}", ha="center", va="center",
                    fontsize=8, color="white" if np.isfinite(v) and v > np.nanmedian(shown)
                    else "black")
        ax.set_yticks(range(len(ys)), [_show(json.loads(v)) for v in ys])
        ax.set_ylabel(y)
        fig.colorbar(im, ax=ax, label=what)
        positions = list(range(len(xs)))
        ax.set_xticks(positions, [_show(json.loads(v)) for v in xs])
    else:
        values = [json.loads(v) for v in xs]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        where_x = {v: (float(json.loads(v)) if numeric else k) for k, v in enumerate(xs)}
        hues = list(dict.fromkeys(json.dumps(r[hue]) for r in rows)) if hue else ["null"]
        for h in hues:
            pts = sorted((where_x[json.dumps(r[x])], r["mean"], r["std"]) for r in rows
                         if (not hue or json.dumps(r[hue]) == h) and math.isfinite(r["mean"]))
            if pts:
                px, pm, ps = zip(*pts, strict=True)
                ax.errorbar(px, pm, yerr=np.nan_to_num(ps), marker="o", capsize=3,
                            label=f"{hue}={_show(json.loads(h))}" if hue else None)
        if numeric and values and min(values) > 0 and max(values) >= 20 * min(values):
            ax.set_xscale("log")
        if not numeric:
            ax.set_xticks(range(len(xs)), [_show(v) for v in values])
        ax.set_ylabel(f"{what} (± std)")
        ax.grid(True, alpha=0.3)
        if hue:
            ax.legend(fontsize=8, loc="best")
    ax.set_xlabel(x)
    notes = [", ".join(f"{k}={_show(v)}" for k, v in (where or {}).items())] if where else []
    notes += [f"pooled over {', '.join(pooled)}"] if pooled else []
    ax.set_title(f"Sweep: {what} by {x}" + (f" and {second}" if second else "")
                 + (f" ({'; '.join(notes)})" if notes else ""), fontsize=10)
    return _save(fig, path)


__all__ += ["plot_sweep"]
