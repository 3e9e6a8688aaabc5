"""Check reverse-mode gradients against float64 central differences.

`gradcheck(f, *inputs)` calls `f` on float64 copies of the inputs, runs the
backward pass, then perturbs **every entry of every input that requires grad** by
`±eps` and compares:

```text
numeric = (L(x + eps·e_j) - L(x - eps·e_j)) / (2·eps)
ok      = |analytic - numeric| <= atol + rtol·|numeric|     for every j
```

A scalar output is `L` itself. For an output of any other shape, `L = Σ r·f(x)`
with a fixed seeded random `r` of the output's shape (the backward pass is seeded
with `r`), which checks the vector-Jacobian product the engine actually computes.

```pycon
>>> from micrograd_nn import Value
>>> gradcheck(lambda a, b: (a * b).sigmoid(), Value(0.3), Value(-1.2)).ok
True

```
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable

import numpy as np

from .engine import Value, no_grad

__all__ = ["GradcheckError", "GradcheckReport", "gradcheck", "gradcheck_model",
           "compare_with_autodiff"]


class GradcheckError(AssertionError):
    """Raised by `gradcheck(..., raise_on_failure=True)`; the message is the report."""


@dataclass
class GradcheckReport:
    """What `gradcheck` found.

    `ok`: at least one entry was checked and every checked entry is within
    tolerance. `worst`: the entry with the
    largest `|analytic - numeric| / (atol + rtol·|numeric|)`, as a dict with
    `input` (index among `inputs`), `index` (element index tuple, `()` for a
    scalar), `analytic`, `numeric`, `abs_err`. `failures` lists every
    entry out of tolerance in the same form.
    """

    ok: bool
    worst: dict[str, Any] | None
    checked: int
    input_shapes: list[tuple[int, ...]]
    output_shape: tuple[int, ...]
    eps: float
    atol: float
    rtol: float
    failures: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ok = bool(self.ok) and self.checked > 0  # zero entries checked is no pass

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        shapes = ", ".join(str(s) for s in self.input_shapes)
        head = (f"gradcheck {'passed' if self.ok else 'FAILED'}: {self.checked} entries "
                f"checked; input shapes {shapes}; output shape {self.output_shape}; "
                f"eps={self.eps:g}, atol={self.atol:g}, rtol={self.rtol:g}")
        if self.worst is None:  # only a hand-made report: gradcheck refuses this case
            return head + " (nothing was checked, so nothing passed)"
        w = self.worst
        where = f"input {w['input']} (shape {self.input_shapes[w['input']]}), element {w['index']}"
        lines = [head, f"  worst entry: {where}",
                 f"    analytic {w['analytic']:.10g}  numeric {w['numeric']:.10g}  "
                 f"|diff| {w['abs_err']:.3g}"]
        if not self.ok:
            lines.append(f"  {len(self.failures)} of {self.checked} entries out of tolerance; "
                         "the backward rule (VJP) of an op in f is likely wrong, or f is "
                         "not differentiable at this point (a kink of relu/abs/max)")
        return "\n".join(lines)


def _copy64(x: Any) -> Any:
    """A float64 leaf copy of a Value input (keeps requires_grad); others pass through."""
    if type(x) is not Value:
        return x
    d = x.data
    data = d if type(d) is float else np.array(d, dtype=np.float64)
    return Value(data, x.label, requires_grad=x.requires_grad)


def _scalarize(out: Any, r: Any) -> float:
    if type(out) is not Value:
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    d = out.data
    return d * r if type(d) is float else float(np.sum(np.asarray(d, np.float64) * r))


def gradcheck(f: Callable[..., Value], *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-4, seed: int = 0,
              raise_on_failure: bool = False) -> GradcheckReport:
    """Compare `f`'s autodiff gradients with central differences; return a report.

    `inputs`: Values (checked when `requires_grad`) or constants passed as they
    are. Each Value is copied to float64 first, so the caller's Values and their
    `.grad` are untouched. `raise_on_failure=True` raises
    [`GradcheckError`][micrograd_nn.gradcheck.GradcheckError] with the report's text instead of
    returning a failed report.

    Raises `ValueError` when nothing would be checked (no input requires grad, or
    those that do are empty): a report of zero entries must not read as a pass.
    """
    if not callable(f):
        raise TypeError(f"gradcheck: f must be callable, got {type(f).__name__}")
    if not (eps > 0 and atol >= 0 and rtol >= 0):
        raise ValueError(f"gradcheck: need eps > 0, atol >= 0, rtol >= 0; got eps={eps}, "
                         f"atol={atol}, rtol={rtol}")
    xs = [_copy64(x) for x in inputs]
    targets = [i for i, x in enumerate(xs) if type(x) is Value and x.requires_grad]
    if not any(np.size(xs[i].data) for i in targets):
        # a report of zero entries would read "passed" though no gradient was compared
        raise ValueError(f"gradcheck: nothing to check: none of the {len(xs)} inputs is a "
                         "non-empty Value with requires_grad=True; pass the Values to "
                         "differentiate (constants are passed through, not checked)")
    out = f(*xs)
    if type(out) is not Value:
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    out_shape = out.shape
    rng = np.random.default_rng(seed)
    r = 1.0 if out_shape == () else rng.standard_normal(out_shape)
    if targets and out.requires_grad:
        out.backward(None if out_shape == () else np.asarray(r, dtype=out.dtype))
    analytic = {i: np.asarray(xs[i].grad, dtype=np.float64).copy() for i in targets}

    failures: list[dict[str, Any]] = []
    worst, worst_score, checked = None, -1.0, 0
    with no_grad():
        for i in targets:
            x = xs[i]
            scalar = type(x.data) is float
            base = x.data if scalar else x.data.copy()
            shape = () if scalar else base.shape
            for idx in np.ndindex(*shape):
                if scalar:
                    x.data = base + eps
                    up = _scalarize(f(*xs), r)
                    x.data = base - eps
                    down = _scalarize(f(*xs), r)
                    x.data = base
                else:
                    flat = x.data
                    flat[idx] = base[idx] + eps
                    up = _scalarize(f(*xs), r)
                    flat[idx] = base[idx] - eps
                    down = _scalarize(f(*xs), r)
                    flat[idx] = base[idx]
                numeric = (up - down) / (2.0 * eps)
                a = float(analytic[i][idx])
                err = abs(a - numeric)
                tol = atol + rtol * abs(numeric)
                score = math.inf if not math.isfinite(err) else err / tol if tol else (
                    math.inf if err else 0.0)
                entry = {"input": i, "index": tuple(int(k) for k in idx), "analytic": a,
                         "numeric": numeric, "abs_err": err}
                checked += 1
                if not err <= tol:  # also catches NaN
                    failures.append(entry)
                if score > worst_score or worst is None:
                    worst, worst_score = entry, score
    report = GradcheckReport(ok=not failures, worst=worst, checked=checked,
                             input_shapes=[np.shape(x.data) if type(x) is Value
                                           else np.shape(x) for x in xs],
                             output_shape=out_shape, eps=eps, atol=atol, rtol=rtol,
                             failures=failures)
    if raise_on_failure and not report.ok:
        raise GradcheckError(str(report))
    return report


def _swapped(model: Any, values: tuple, X: Any) -> Any:
    """`model(X)` with its parameters swapped for `values` (in `parameters()`
    order) during the call, then put back; the model says where each parameter lives
    (`parameter_owners()`)."""
    owners = [(m, attr, getattr(m, attr)) for m, attr in model.parameter_owners()]
    for (m, attr, _), v in zip(owners, values, strict=True):
        setattr(m, attr, v)
    try:
        return model(X)
    finally:
        for m, attr, p in owners:
            setattr(m, attr, p)


def gradcheck_model(model: Any, X: Any, y: Any, loss: str | Callable[..., Value] = "mse",
                    **kwargs: Any) -> GradcheckReport:
    """[`gradcheck`][micrograd_nn.gradcheck.gradcheck] of `loss(model(X), y)` with respect to every
    parameter.

    `model`: a Module, the neuron form included (its `forward` reads its own
    parameters, so they are swapped for gradcheck's float64 copies during each call,
    where `parameter_owners()` says). `X` shape (batch, n_in), `y` its targets
    (shape of `model(X)`); `loss`: a name in
    [`micrograd_nn.losses`][] or a function.
    `kwargs` go to [`gradcheck`][micrograd_nn.gradcheck.gradcheck] (eps, atol, rtol,
    raise_on_failure). Raises `ValueError` if the model has no parameters or `X` no samples (nothing
    would be checked).
    """
    from . import losses

    fn = getattr(losses, loss, None) if isinstance(loss, str) else loss
    if not callable(fn):
        raise ValueError(f"gradcheck_model: unknown loss {loss!r}; use a name in "
                         "micrograd_nn.losses ('mse', 'sse_half', ...) or a function")
    params = list(model.parameters()) if hasattr(model, "parameters") else []
    if not params:
        raise ValueError(f"gradcheck_model: {type(model).__name__} has no parameters, so "
                         "there is nothing to check; pass a model with weights")
    if np.ndim(X) == 0 or len(X) == 0:
        raise ValueError(f"gradcheck_model: X has no samples (shape {np.shape(X)}); pass "
                         "at least one row, e.g. X[:1], y[:1]")
    return gradcheck(lambda *ps: fn(_swapped(model, ps, X), y), *params, **kwargs)


def compare_with_autodiff(model: Any, x: Any, ideal: Any) -> Any:
    """The delta rule ([`micrograd_nn.deltas`][], numpy) against the engine's backward
    on `sse_half`: a [`Comparison`][micrograd_nn.deltas.Comparison] of `GRAD` with
    `−∂ sse_half/∂w`, layer by layer ("layer1" .. "layerL" for every form).

    `model`: a sigmoid `MLP`/`Sequential` of Linear + Sigmoid or a `NeuronNet`,
    run through the engine with float64 copies of its parameters swapped in (the model
    and its `.grad` are untouched), or a `(weights, biases)` pair (the tensor form
    is built from it). x, ideal: a sample (n_in,), (n_out,) or a batch (batch, n_in),
    (batch, n_out). Parameters in `parameters()` order, flattened, must be the
    layers' W (row-major) then b, layer by layer: true of both forms.
    """
    from .deltas import backprop, compare_grads
    from .explain import network_from_model
    from .losses import sse_half

    ws, bs, _ = network_from_model(model)
    dp = backprop(ws, bs, x, ideal)
    xs = dp.outs[0].reshape(-1, ws[0].shape[0])
    ts = dp.ideal.reshape(len(xs), -1)
    if isinstance(model, tuple):  # a (weights, biases) pair: fresh Values, W then b per layer
        params = [Value(a) for w, b in zip(ws, bs, strict=True)
                  for a in ((w,) if b is None else (w, b))]

        def run(ps: tuple) -> Any:
            h, it = Value(xs, requires_grad=False), iter(ps)
            for b in bs:
                h = h @ next(it) if b is None else h @ next(it) + next(it)
                h = h.sigmoid()
            return h
    else:  # the model itself, reading float64 copies of its parameters
        params = [Value(np.array(p.data, dtype=np.float64)) for p in model.parameters()]

        def run(ps: tuple) -> Any:
            return _swapped(model, ps, xs)
    out = run(tuple(params))
    sse_half(out, ts.reshape(out.shape) if type(out) is Value else ts.ravel()).backward()
    flat = np.concatenate([np.ravel(p.grad) for p in params])
    sizes = [w.size + (0 if b is None else b.size) for w, b in zip(ws, bs, strict=True)]
    if flat.size != sum(sizes):
        raise ValueError(f"compare_with_autodiff: the model has {flat.size} parameter "
                         f"entries but its layers {[w.shape for w in ws]} hold {sum(sizes)}")
    grads, at = [], 0
    for w, b in zip(ws, bs, strict=True):  # parameters() order: W row-major, then b
        gw = flat[at:at + w.size].reshape(w.shape)
        at += w.size
        gb = None if b is None else flat[at:at + b.size]
        at += 0 if b is None else b.size
        grads.append((gw, gb))
    return compare_grads(dp, grads)
