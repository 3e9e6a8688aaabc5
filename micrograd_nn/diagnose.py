"""Read a training run like the article asks: is the error falling, jumping, frozen?

``diagnose(history)`` looks at the per-epoch error of a :class:`~micrograd_nn.train.History`
and returns a :class:`Diagnosis`: a list of :class:`Finding`, each with a ``kind``,
what was seen (with numbers) and concrete advice. Kinds:

================== =================================================================
kind               seen when
================== =================================================================
converged          the error reached ``tol`` (or the target), or fell ≥ 90% and flattened
converging         the error is still falling at the end
diverging          the error grew (≥ 1.2× the start), keeps rising, or became NaN/inf
oscillating        the error jumps up and down (it rises by ≥ 30% of what it falls,
                   moving ≥ 10% of its level over the last third of the epochs)
stalled            the error is frozen (moves < 1% of its level over the last third of
                   the epochs) above ``tol``: from the start, or on a plateau after a fall
                   of less than 90% (a local minimum, e.g. XOR stuck at 0.125)
overfitting        the validation error rises while the training error falls
vanishing_gradients  a layer's gradient is ~0, or ≤ 1e-3 × the largest layer's
exploding_gradients  a layer's gradient exceeds ``explode`` or becomes NaN/inf
saturated          ≥ half of a hidden sigmoid/tanh layer's outputs sit at its flat ends
dead_relu          ≥ ``dead_fraction`` of a ReLU layer's units output 0 for every sample
================== =================================================================

The last two need activations: pass ``model`` and inputs ``X``. In the article's
words, 99% of the time the hyperparameters (learning rate, momentum, bias neurons,
number of neurons) are to blame and 1% of the time the architecture; the advice
follows that order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .engine import no_grad
from .neurons import NeuronNet
from .nn import ReLU, Sequential, Sigmoid, Tanh

__all__ = ["Finding", "Diagnosis", "diagnose", "KINDS", "ADVICE"]

KINDS = ("converged", "converging", "diverging", "oscillating", "stalled", "overfitting",
         "vanishing_gradients", "exploding_gradients", "saturated", "dead_relu")

#: The advice attached to each kind of finding, most likely fix first.
ADVICE: dict[str, list[str]] = {
    "converged": [
        "nothing to fix; if the error is still too high for the task, the minimum may be "
        "local: add momentum to roll over small hills, or more neurons",
    ],
    "converging": [
        "train for more epochs (or set target_error to stop when good enough)",
        "raise the learning rate a little (the article uses 0.3-0.7 for XOR)",
    ],
    "diverging": [
        "lower the learning rate (try 10x smaller; the article's XOR wants 0.3-0.7, "
        "unscaled data such as prices may need 1e-5)",
        "lower the momentum: too much of it overshoots the minimum",
        "scale the inputs to about [-1, 1]; clip gradients (optim.clip_grad_norm)",
    ],
    "oscillating": [
        "lower the learning rate: the steps jump across the valley",
        "lower the momentum: it carries the weights past the minimum",
        "use mini-batches (batch_size=k) to average out per-sample noise",
    ],
    "stalled": [
        "raise the learning rate (with lr=0 nothing moves; too small gives no progress)",
        "add momentum to carry the weights over flat stretches and small hills",
        "add bias neurons (bias=True), or remove them if present, and compare: it is a "
        "hyperparameter",
        "break symmetry: start from small random weights (a seed), not equal or zero ones",
        "only if the hyperparameters fail (1% of cases): change the architecture "
        "(more neurons or another layer)",
    ],
    "overfitting": [
        "stop earlier: early_stopping=patience with restore_best_weights=True",
        "regularise: L2 weight decay (SGD(..., weight_decay=1e-3)) or an L1 penalty "
        "(losses.l1_penalty)",
        "use a smaller network (fewer neurons or layers) or fewer inputs",
        "train on more, and more varied, data; don't train long on the same samples",
    ],
    "vanishing_gradients": [
        "use fewer layers, or tanh/ReLU in the hidden layers (a sigmoid's slope is at "
        "most 0.25, so deltas shrink layer by layer)",
        "initialise with init='xavier' and keep weights small so sigmoids don't saturate",
    ],
    "exploding_gradients": [
        "lower the learning rate",
        "clip gradients: optim.clip_grad_norm(model, max_norm=1.0) before each step",
        "start from smaller weights (init='xavier') and scale the inputs",
    ],
    "saturated": [
        "start from smaller weights (init='xavier'); large weights push sigmoid inputs to "
        "where its slope (1 - out)·out is ~0 and the deltas vanish",
        "scale the inputs to about [-1, 1]; lower the learning rate",
    ],
    "dead_relu": [
        "lower the learning rate: one big step can push a ReLU's input below 0 for good",
        "initialise biases at 0 (init='he') rather than negative values",
        "try tanh or sigmoid in the hidden layers",
    ],
}


@dataclass
class Finding:
    """One observation: ``kind`` (one of :data:`KINDS`), ``message`` (what was seen,
    with numbers), ``advice`` (what to try, best first), ``layer`` (or None) and
    ``evidence`` (the numbers as a dict)."""

    kind: str
    message: str
    advice: list[str]
    layer: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        tips = "".join(f"\n    - {a}" for a in self.advice)
        return f"[{self.kind}] {self.message}{tips}"


@dataclass
class Diagnosis:
    """The findings of :func:`diagnose`; ``kind in diagnosis`` tests for one."""

    findings: list[Finding]

    @property
    def kinds(self) -> list[str]:
        return [f.kind for f in self.findings]

    def __contains__(self, kind: object) -> bool:
        return kind in self.kinds

    def get(self, kind: str) -> list[Finding]:
        """The findings of one kind."""
        return [f for f in self.findings if f.kind == kind]

    def __str__(self) -> str:
        return "\n".join(str(f) for f in self.findings) or "no findings"


def _finding(kind: str, message: str, layer: str | None = None, **evidence: Any) -> Finding:
    return Finding(kind, message, list(ADVICE[kind]), layer, evidence)


def _epochs(k: int) -> str:
    return f"{k} epoch" if k == 1 else f"{k} epochs"


#: Advice put first when the error fell and then froze above the tolerance.
PLATEAU_ADVICE = [
    "a local minimum traps plain gradient descent: add momentum (the article's α, e.g. "
    "0.3-0.9) to carry the weights over the hill, or start again from another seed",
    "give the network more ways down: more hidden neurons, or bias neurons if it has none",
]


def _curve(loss: list[float], params: dict[str, Any], stop: str, tol: float,
           initial: float | None) -> Finding:
    """The convergence finding for one loss curve (``initial``: the error before
    training, if known; it is then the curve's first point, "epoch 0")."""
    first = 0 if initial is not None else 1
    L = np.asarray(([] if initial is None else [initial]) + list(loss), dtype=np.float64)
    n = len(L)
    bad = np.flatnonzero(~np.isfinite(L))
    if bad.size:
        return _finding("diverging", f"the error became {L[bad[0]]} at epoch {bad[0] + first} "
                        f"(it was {L[0]:.4g} at epoch {first})", epoch=int(bad[0]) + first)
    start, last, lo = L[0], L[-1], L.min()
    w = min(n, max(3, min(n // 3, 50)))
    tail = L[-w:]
    span = _epochs(w - 1)  # the tail's epoch-to-epoch changes
    d = np.diff(tail)
    ups, downs = float(d[d > 0].sum()), float(-d[d < 0].sum())
    level = max(float(np.mean(np.abs(tail))), 1e-300)
    fell = (start - lo) / start if start > 0 else 0.0
    reached = stop == "target_error" or last <= tol
    ran = _epochs(len(loss))
    if last > 1.2 * start and last >= 1.5 * lo:
        return _finding("diverging", f"the error grew from {start:.4g} (epoch {first}) to "
                        f"{last:.4g} (epoch {len(loss)}); its lowest was {lo:.4g}",
                        start=start, last=last, lowest=lo)
    if n >= 4 and not reached and ups > 0.01 * level and downs <= 0.3 * ups:
        return _finding("diverging", f"the error has been rising for the last {span}, "
                        f"from {tail[0]:.4g} to {last:.4g} (its lowest was {lo:.4g})",
                        start=start, last=last, lowest=lo)
    if n >= 4 and not reached and ups >= 0.3 * downs and (ups + downs) > 0.1 * level:
        return _finding("oscillating", f"over the last {span} the error rose by "
                        f"{ups:.4g} in total and fell by {downs:.4g}, jumping around "
                        f"{np.mean(tail):.4g} (from {tail.min():.4g} to {tail.max():.4g})",
                        ups=ups, downs=downs, window=w)
    if reached:
        why = "reached the target" if stop == "target_error" else f"is at or below {tol:g}"
        return _finding("converged", f"the error fell from {start:.4g} to {last:.4g} in "
                        f"{ran} and {why}", start=start, last=last)
    flat = (ups + downs) <= 0.01 * level
    if flat and fell >= 0.9:
        return _finding("converged", f"the error fell from {start:.4g} to {last:.4g} and "
                        f"has been flat for the last {span} (a minimum; tol={tol:g} "
                        "not reached)", start=start, last=last)
    if flat and fell >= 0.1:  # fell, then froze well above where it started to flatten
        f = _finding("stalled", f"the error fell {100 * fell:.0f}% from {start:.4g} to "
                     f"{last:.4g}, then froze on a plateau for the last {span} (it moved by "
                     f"{ups + downs:.3g}): a local minimum or a saddle, unless the data "
                     f"allow no lower error; tol={tol:g} not reached", last=last, fell=fell)
        f.advice[:0] = PLATEAU_ADVICE
        return f
    if flat or downs <= ups:
        lr = params.get("lr")
        note = " with lr=0" if lr == 0 and params.get("optimizer") in (None, "SGD") else ""
        return _finding("stalled", f"the error is frozen at {last:.4g}{note}: over the last "
                        f"{span} it moved by {ups + downs:.3g} in total and it fell "
                        f"{100 * fell:.1f}% overall", last=last, fell=fell)
    return _finding("converging", f"the error fell from {start:.4g} to {last:.4g} in "
                    f"{ran} and is still falling ({downs - ups:.3g} over the last {span})",
                    start=start, last=last)


def _overfitting(loss: list[float], val: list[float], caught: bool) -> Finding | None:
    """``caught``: early stopping ended the run and restored the best weights."""
    V = np.asarray(val, dtype=np.float64)
    if len(V) < 5 or not np.all(np.isfinite(V)):
        return None
    b = int(np.argmin(V))
    since = len(V) - 1 - b
    if since >= 3 and V[-1] > 1.1 * V[b] and loss[-1] < loss[b]:
        end = (f"early stopping caught it and restored epoch {b + 1}'s weights" if caught
               else f"the best stopping point was epoch {b + 1}")
        f = _finding("overfitting", f"the validation error rose from {V[b]:.4g} (epoch "
                     f"{b + 1}, its lowest) to {V[-1]:.4g} (epoch {len(V)}) while the "
                     f"training error fell from {loss[b]:.4g} to {loss[-1]:.4g}; {end}",
                     best_epoch=b + 1, val_best=float(V[b]), val_last=float(V[-1]))
        if caught:  # it stopped earlier already: the rest of the advice still holds
            f.advice = [a for a in f.advice if not a.startswith("stop earlier")]
        return f
    return None


def _gradients(norms: dict[str, list[float]], converged: bool, explode: float,
               vanish: float) -> list[Finding]:
    out: list[Finding] = []
    if not norms or not all(norms.values()):
        return out
    layers = list(norms)
    tail = {k: np.asarray(v[-max(1, min(len(v) // 3, 50)):], dtype=np.float64)
            for k, v in norms.items()}
    for k in layers:
        g = np.asarray(norms[k], dtype=np.float64)
        if not np.all(np.isfinite(g)) or g.max() > explode:
            worst = g[~np.isfinite(g)][0] if not np.all(np.isfinite(g)) else g.max()
            out.append(_finding("exploding_gradients", f"layer {k!r}: the gradient norm "
                                f"reached {worst:.4g} (the limit is {explode:g}; it started "
                                f"at {g[0]:.4g})", layer=k, peak=float(worst)))
    if out or converged:
        return out
    mean = {k: float(np.mean(v)) for k, v in tail.items()}
    top = max(mean.values())
    top_layer = max(mean, key=mean.get)
    for k in layers:
        m = mean[k]
        if m <= vanish:
            how = "exactly 0, so its weights cannot move" if m == 0 else \
                f"{m:.3g}, so its weights barely move"
            out.append(_finding("vanishing_gradients", f"layer {k!r}: the gradient norm is "
                                f"{how}", layer=k, norm=m))
        elif len(layers) > 1 and m <= 1e-3 * top:
            out.append(_finding("vanishing_gradients", f"layer {k!r}: the gradient norm "
                                f"{m:.3g} is {m / top:.2g} times that of layer "
                                f"{top_layer!r} ({top:.3g}); the deltas shrink on the "
                                "way back", layer=k, norm=m, ratio=m / top))
    return out


def _hidden_activations(model: Any, X: np.ndarray) -> list[tuple[str, str, np.ndarray]]:
    """``[(layer name, activation kind, outputs (n, units))]`` for the hidden layers."""
    acts: list[tuple[str, str, np.ndarray]] = []
    with no_grad():
        if isinstance(model, NeuronNet):
            per = [[] for _ in model.layers[1:-1]]
            for x in X:
                model(list(x))
                for i, layer in enumerate(model.layers[1:-1]):
                    per[i].append([nrn.output.data for nrn in layer])
            for i, rows in enumerate(per):
                acts.append((f"hidden layer {i + 1}", model.activation, np.array(rows)))
            return acts
        if not isinstance(model, Sequential):
            raise TypeError(f"diagnose: model must be a Sequential/MLP or a NeuronNet to "
                            f"inspect activations, got {type(model).__name__}")
        mods = list(model)
        h: Any = X
        for i, m in enumerate(mods):
            h = m(h)
            kind = ("sigmoid" if isinstance(m, Sigmoid) else "tanh" if isinstance(m, Tanh)
                    else "relu" if isinstance(m, ReLU) else None)
            if kind and i < len(mods) - 1:  # the output layer's activation is not hidden
                acts.append((str(i), kind, np.asarray(h.data).reshape(len(X), -1)))
    return acts


def _activations(model: Any, X: Any, dead_fraction: float) -> list[Finding]:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"diagnose: X must have shape (n_samples, n_features), got "
                         f"{X.shape}")
    out = []
    for name, kind, a in _hidden_activations(model, X):
        if kind in ("sigmoid", "tanh"):
            flat = (a < 0.01) | (a > 0.99) if kind == "sigmoid" else np.abs(a) > 0.99
            frac = float(flat.mean())
            if frac >= 0.5:
                out.append(_finding("saturated", f"{kind} layer {name!r}: {100 * frac:.0f}% "
                                    f"of its outputs are at the flat ends (slope ~0), so "
                                    "almost no error flows back through it", layer=name,
                                    fraction=frac))
        else:
            dead = np.all(a <= 0.0, axis=0)
            frac = float(dead.mean())
            if dead.any() and frac >= dead_fraction:
                out.append(_finding("dead_relu", f"ReLU layer {name!r}: {int(dead.sum())} of "
                                    f"{dead.size} units output 0 for every one of the "
                                    f"{len(X)} samples, so they never learn again",
                                    layer=name, dead=int(dead.sum()), units=int(dead.size)))
    return out


def diagnose(history: Any, model: Any = None, X: Any = None, tol: float = 1e-2,
             explode: float = 1e3, vanish: float = 1e-7,
             dead_fraction: float = 0.25) -> Diagnosis:
    """Findings about a training run; see the module docstring for the kinds.

    ``history``: a :class:`~micrograd_nn.train.History` (or any object with ``loss``,
    and optionally ``val_loss``, ``grad_norms``, ``stop_reason``, ``params``), or a plain
    list of per-epoch errors. ``model`` and ``X`` shape (n_samples, n_features):
    inspect the hidden activations for saturation and dead ReLUs. ``tol``: an error
    at or below it counts as converged; ``explode``/``vanish``: gradient-norm limits;
    ``dead_fraction``: the share of dead units in a ReLU layer that is reported.
    """
    if isinstance(history, (list, tuple, np.ndarray)):
        loss, val, norms, stop, params = list(history), [], {}, "", {}
        initial = None
    elif hasattr(history, "loss"):
        loss = list(history.loss)
        val = list(getattr(history, "val_loss", []) or [])
        norms = dict(getattr(history, "grad_norms", {}) or {})
        stop = getattr(history, "stop_reason", "") or ""
        params = dict(getattr(history, "params", {}) or {})
        initial = getattr(history, "initial_loss", None)
    else:
        raise TypeError(f"diagnose: expected a History or a list of per-epoch errors, got "
                        f"{type(history).__name__}")
    if not loss:
        raise ValueError("diagnose: the history has no epochs; train for at least one")
    if (model is None) != (X is None):
        raise ValueError("diagnose: give both model and X (to inspect activations) or neither")
    if len(loss) + (initial is not None) < 2:
        raise ValueError("diagnose: a trend needs at least two errors: a History of one "
                         "epoch or more (it keeps the error before training) or a list of "
                         "two or more values")
    if stop == "early_stopping":  # the curve's tail is past the best point by design
        best = int(getattr(history, "best_epoch", 0) or 0)
        kept = "; the best epoch's weights were restored" if getattr(
            history, "restored", False) else ""
        findings = [_finding("converged", f"early stopping ended training at epoch "
                             f"{len(loss)}: the monitored error last improved at epoch "
                             f"{best}{kept}", best_epoch=best)]
    else:
        findings = [_curve(loss, params, stop, tol, initial)]
    caught = stop == "early_stopping" and bool(getattr(history, "restored", False))
    over = _overfitting(loss, val, caught)
    if over is not None:
        findings.append(over)
    converged = findings[0].kind == "converged" and math.isfinite(loss[-1])
    findings += _gradients(norms, converged, explode, vanish)
    if model is not None:
        findings += _activations(model, X, dead_fraction)
    return Diagnosis(findings)
