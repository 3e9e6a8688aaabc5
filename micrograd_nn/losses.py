"""Loss functions and regularisation penalties; each returns a scalar Value.

`pred`/`logits` may be a Value (scalar or tensor), a list of scalar Values (the
outputs of [`micrograd_nn.neurons.NeuronNet`][]), or plain numbers/arrays
(constants). `target` is plain data (a Value's data is used, never differentiated).

| loss                  | formula (n = number of elements)              | gradient wrt pred
|-----------------------|-----------------------------------------------|-----
| mse                   | Σ (pred − target)² / n                        | 2 (pred − target) / n
| sse_half              | ½ Σ (target − pred)²                          | pred − target
| bce_with_logits       | mean(softplus(x) − x·t)                       | (σ(x) − t) / n
| softmax_cross_entropy | mean over rows of −Σ_c t_c · log_softmax(x)_c | (softmax(x) − t) / rows

`reduction` (every loss): a loss is the mean or the sum over the *samples* (the
first axis of `pred`; a scalar is one sample, a 1-D pred or a list of scalar
Values one sample per element) of each sample's loss: "mean" (the mean over the
samples), "sum" (their sum: `sum = mean × n_samples`) or "none" (the per-sample
losses, shape `(n_samples,)`). A sample's loss is the table's formula over that
sample's elements (mse and bce_with_logits: the mean over its outputs; sse_half: half
the sum; softmax_cross_entropy: the sum over the classes), as in Keras. The default is
"mean", except for `sse_half`, which is a sum by definition (default "sum").
`fit(..., reduction=...)` passes its reduction on to the loss.

The article trains with deltas `δ = (ideal − out)·f'(in)` and `GRAD = out_A·δ_B`,
which is exactly `−∂ sse_half / ∂w`: SGD on `sse_half` with `lr = E` replays
the article's update `Δw = E·GRAD + α·Δw_prev`. For one output `mse` is the
article's Error, and `∂ mse/∂w = 2·∂ sse_half/∂w`.

The L1/L2 regularisation penalties live here too ([`l1_penalty`][micrograd_nn.losses.l1_penalty],
[`l2_penalty`][micrograd_nn.losses.l2_penalty]): add `λ * penalty` to the loss.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._data import fmt
from .engine import Value, apply, as_value
from .ops import OPS

_MSE, _SOFTPLUS = OPS["mse"], OPS["softplus"]


def _pred(who: str, pred: Any) -> Value:
    """A Value from a Value, a list of scalar Values, or plain data."""
    if type(pred) is Value:
        return pred
    if isinstance(pred, (list, tuple)) and any(type(p) is Value for p in pred):
        if not all(type(p) is Value and type(p.data) is float for p in pred):
            raise TypeError(f"{who}: a list of predictions must hold only scalar Values")
        return _stack(pred)
    try:
        return as_value(pred)
    except TypeError:
        raise TypeError(f"{who}: pred must be a Value, a list of scalar Values or numbers, "
                        f"not {type(pred).__name__}") from None


class _Stacked(list):
    """A list of scalar Values standing in for a (n,) Value, combined with scalar ops."""

    shape: tuple[int, ...] = ()


def _stack(values: Any) -> Any:
    s = _Stacked(values)
    s.shape = (len(s),)
    return s


def _target(who: str, target: Any, p: Any) -> Any:
    """Target data of exactly pred's shape and dtype (a plain number is broadcast)."""
    shape = p.shape
    t = target.data if type(target) is Value else target
    if type(t) is np.ndarray and t.shape == shape and type(p) is Value and shape \
            and t.dtype == p.data.dtype:
        return t  # the fast path: nothing to convert
    if isinstance(t, (int, float, np.integer, np.floating)) and not isinstance(t, bool):
        t = float(t)
        if shape == ():
            return t
        t = np.full(shape, t)
    arr = np.asarray(t, dtype=np.float64)
    if arr.shape != shape:
        raise ValueError(f"{who}: pred has shape {fmt(shape)} but target has shape "
                         f"{fmt(arr.shape)}; they must be equal (reshape one, e.g. "
                         "target.reshape(pred.shape))")
    if shape == ():
        return float(arr)
    if type(p) is Value and p.data.dtype != arr.dtype:
        arr = arr.astype(p.data.dtype)
    return arr


def _total(terms: list[Value]) -> Value:
    """Sum of scalar Values without an extra constant node."""
    return sum(terms[1:], terms[0])


#: The reductions every loss takes (``fit`` takes "mean" and "sum").
REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(who: str, reduction: Any) -> None:
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"{who}: reduction must be 'mean', 'sum' or 'none', got "
                         f"{reduction!r}")


def _n_samples(p: Any) -> int:
    """The samples in pred: its first axis (a scalar is one sample)."""
    return len(p) if isinstance(p, _Stacked) else (p.shape[0] if p.shape else 1)


def _times(v: Value, c: float) -> Value:
    """`v * c`, without a node when `c` is 1."""
    return v if c == 1.0 else v * c


def _per_sample(v: Value, how: str) -> Value:
    """Elementwise losses `v` as one loss per sample: the `how` ("mean" or "sum") over
    every axis but the first (a scalar or 1-D `v` already is)."""
    if v.ndim < 2:
        return v
    axes = tuple(range(1, v.ndim))
    return v.mean(axis=axes) if how == "mean" else v.sum(axis=axes)


def mse(pred: Any, target: Any, reduction: str = "mean") -> Value:
    """Mean squared error `Σ (pred − target)² / n` as a scalar Value (the fused op).

    pred, target: the same shape (a plain-number target is broadcast). For one output
    this is the article's `Error = (ideal − actual)² / 1`. `reduction`: "mean"
    (the default: the mean over every element), "sum" (the sum over the samples of
    each sample's mean over its outputs: the mean times the number of samples) or
    "none" (those per-sample means).

    ```pycon
    >>> round(mse(Value(0.340491), 1.0).item(), 6)
    0.434952

    ```
    """
    _check_reduction("mse", reduction)
    p = _pred("mse", pred)
    t = _target("mse", target, p)
    if isinstance(p, _Stacked):
        terms = [apply(_MSE, pi, ti) for pi, ti in zip(p, t, strict=True)]
        if reduction == "none":
            return np.stack(terms)
        return _total(terms) / len(p) if reduction == "mean" else _total(terms)
    if reduction == "none":
        d = p - t
        return _per_sample(d * d, "mean")
    m = apply(_MSE, p, t)
    return m if reduction == "mean" else _times(m, float(_n_samples(p)))


def sse_half(pred: Any, target: Any, reduction: str = "sum") -> Value:
    """Half the sum of squared errors `½ Σ (target − pred)²`; its gradient wrt a
    weight is exactly minus the article's `GRAD`.

    `reduction`: "sum" (the default, the formula), "mean" (divided by the number of
    samples: the mean of each sample's `½ Σ`) or "none" (each sample's `½ Σ`).
    """
    _check_reduction("sse_half", reduction)
    p = _pred("sse_half", pred)
    t = _target("sse_half", target, p)
    if isinstance(p, _Stacked):
        terms = [(pi - ti) * (pi - ti) for pi, ti in zip(p, t, strict=True)]
        if reduction == "none":
            return np.stack(terms) * 0.5
        total = _total(terms) * 0.5
    else:
        d = p - t
        if reduction == "none":
            return _per_sample(d * d, "sum") * 0.5
        total = (d * d).sum() * 0.5 if type(d.data) is not float else d * d * 0.5
    return total if reduction == "sum" else _times(total, 1.0 / (_n_samples(p) or 1))


def _reduce(per: Value, reduction: str) -> Value:
    """Per-sample losses (shape (n,), or a scalar for one sample) reduced as asked."""
    if reduction == "none" or type(per.data) is float:
        return per
    return per.mean() if reduction == "mean" else per.sum()


def bce_with_logits(logits: Any, target: Any, reduction: str = "mean") -> Value:
    """Binary cross-entropy on logits: `mean(softplus(x) − x·t)`, t in `[0, 1]`.

    Equal to `−t·log σ(x) − (1 − t)·log(1 − σ(x))` but stable for any x (no NaN
    or overflow at ±1000). logits, target: the same shape. `reduction`: "mean" (the
    default: over every element), "sum" (the sum over the samples of each sample's
    mean over its outputs; with one output per sample, the sum of every element, as
    PyTorch's) or "none" (those per-sample means).
    """
    who = "bce_with_logits"
    _check_reduction(who, reduction)
    x = _pred(who, logits)
    t = _target(who, target, x)
    tt = np.asarray(t, dtype=np.float64)
    if tt.size and not (tt.min() >= 0.0 and tt.max() <= 1.0):  # also catches NaN
        raise ValueError(f"{who}: targets must be probabilities in [0, 1], got values from "
                         f"{tt.min():g} to {tt.max():g}; for other targets use mse")
    if isinstance(x, _Stacked):
        terms = [apply(_SOFTPLUS, xi) - xi * ti for xi, ti in zip(x, t, strict=True)]
        if reduction == "none":
            return np.stack(terms)
        total = _total(terms)
        return total / len(x) if reduction == "mean" else total
    per = apply(_SOFTPLUS, x) - x * t
    if reduction == "sum" and per.ndim >= 2:  # several outputs: their mean per sample
        return _times(per.mean(), float(_n_samples(x)))
    return _reduce(_per_sample(per, "mean") if reduction == "none" else per, reduction)


def softmax_cross_entropy(logits: Any, target: Any, reduction: str = "mean") -> Value:
    """Cross-entropy of `softmax(logits)` against class targets, via `log_softmax`.

    logits: shape (batch, C) or (C,). target: integer class indices of shape (batch,)
    (or one int for (C,) logits), or one-hot / probability rows of the logits' shape.
    Loss per row: `−Σ_c t_c · log_softmax(logits)_c` (= `−log_softmax[target]`);
    `reduction` "mean" (over rows), "sum" or "none" (the per-row losses). Stable for
    logits of any size.
    """
    who = "softmax_cross_entropy"
    _check_reduction(who, reduction)
    x = _pred(who, logits)
    if isinstance(x, _Stacked) or type(x.data) is float:
        raise TypeError(f"{who}: logits must be a tensor Value of shape (batch, C) or (C,), "
                        "got a scalar or a list of scalars; use Value([...])")
    if x.ndim not in (1, 2):
        raise ValueError(f"{who}: logits must have shape (batch, C) or (C,), "
                         f"got {fmt(x.shape)}")
    rows = x.shape[:-1]
    ncls = x.shape[-1]
    if ncls < 2:
        raise ValueError(f"{who}: logits of shape {fmt(x.shape)} have one class, so the "
                         "loss is always 0; for one output use bce_with_logits")
    lp = x.log_softmax(axis=-1)
    t = np.asarray(target.data if type(target) is Value else target)
    if t.shape == x.shape and t.dtype.kind in "biuf":
        per = -(lp * t.astype(x.dtype)).sum(axis=-1)
    elif t.shape == rows:
        if t.dtype.kind == "f" and not np.all(t == np.round(t)):
            raise ValueError(f"{who}: target of shape {fmt(t.shape)} holds non-integer "
                             "class indices")
        if t.dtype.kind not in "iuf":
            raise TypeError(f"{who}: class indices must be integers, got dtype {t.dtype}")
        idx = t.astype(np.int64)
        if np.any((idx < 0) | (idx >= ncls)):
            raise ValueError(f"{who}: class index out of range: got {idx.min()}..{idx.max()}"
                             f" for {ncls} classes (indices must be 0..{ncls - 1})")
        per = -(lp[np.arange(rows[0]), idx] if rows else lp[int(idx)])
    else:
        raise ValueError(f"{who}: logits have shape {fmt(x.shape)} but target has shape "
                         f"{fmt(t.shape)}; give class indices of shape {fmt(rows)} or "
                         f"one-hot rows of shape {fmt(x.shape)}")
    return _reduce(per, reduction)


# ---------------------------------------------------------------- regularisation


def _params(who: str, params: Any) -> list[Value]:
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()
    ps = list(params) if isinstance(params, Iterable) else None
    if not ps or not all(type(p) is Value for p in ps):
        raise TypeError(f"{who}: expected a Module or a non-empty iterable of Values")
    return ps


def l2_penalty(params: Any) -> Value:
    """`Σ w²` over every element of the given parameters (a Module or Values).

    Weight decay: `loss + λ/2 · l2_penalty(...)` gives the gradient `λ·w`.
    """
    terms = [(p * p).sum() if type(p.data) is not float else p * p
             for p in _params("l2_penalty", params)]
    return _total(terms)


def l1_penalty(params: Any) -> Value:
    """`Σ |w|` over every element of the given parameters (a Module or Values);
    drives small weights to exactly 0 (gradient `sign(w)`, 0 at 0)."""
    terms = [abs(p).sum() if type(p.data) is not float else abs(p)
             for p in _params("l1_penalty", params)]
    return _total(terms)
