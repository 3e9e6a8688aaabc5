"""Read a training run like the article asks: is the error falling, jumping, frozen?

`diagnose(history)` looks at the per-epoch error of a [`History`][micrograd_nn.history.History]
and returns a [`Diagnosis`][micrograd_nn.diagnose.Diagnosis]: a list of
[`Finding`][micrograd_nn.diagnose.Finding], each with a `kind`, what was seen (with numbers) and
concrete advice. Kinds:

| kind                | seen when
|---------------------|-----
| converged           | the error reached `tol` (or the target), or fell ≥ 90% and flattened; after early stopping: the monitored error fell ≥ 10% before it stopped improving
| converging          | the error is still falling at the end
| diverging           | the error grew (≥ 1.2× the start), keeps rising, or became NaN/inf (early stopping does not hide it: the whole curve is read, from epoch 0, the untrained weights)
| oscillating         | the error jumps up and down (it rises by ≥ 30% of what it falls, moving ≥ 10% of its level over the last third of the epochs)
| stalled             | the error is frozen (moves < 1% of its level over the last third of the epochs) above `tol`: from the start, or on a plateau after a fall of less than 90% (a local minimum, e.g. XOR stuck at 0.125)
| overfitting         | the validation error rises while the training error falls
| vanishing_gradients | a layer's gradient is ~0, or ≤ 1e-3 × the largest layer's
| exploding_gradients | a layer's gradient exceeds `explode` or becomes NaN/inf
| saturated           | ≥ half of a hidden sigmoid/tanh layer's outputs sit at its flat ends
| dead_relu           | ≥ `dead_fraction` of a ReLU layer's units output 0 for every sample
| nonfinite_data      | the inputs or targets hold NaN or inf (not the learning rate's fault)
| unreachable_targets | the targets lie outside what the output activation can give (a target of 5 for a sigmoid output): not a local minimum
| dead_output         | an output is the same for every sample: a ReLU output stuck at 0, or a constant output whose error only looks converged
| loss_mismatch       | a logit loss (`bce_with_logits`, `softmax_cross_entropy`) on a model whose last layer squashes already (sigmoid, tanh, relu)

`saturated` and `dead_relu` need activations: pass `model` and inputs `X`. The
last four read what `fit` records (`History.data_stats`, `History.params`);
`model`, `X` and `y` given here take precedence. Each of the four puts a floor
under the error, so it comes first, and the curve's "converged"/"stalled" reading
(with its hyperparameter advice) is left out; after non-finite data, so is every
reading of a NaN curve. In the
article's words, 99% of the time the hyperparameters (learning rate, momentum, bias
neurons, number of neurons) are to blame and 1% of the time the architecture; the
advice follows that order.
"""  # noqa: E501

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from . import deltas
from .train import output_activation, predict

__all__ = ["Finding", "Diagnosis", "diagnose", "KINDS", "ADVICE", "OUTPUT_RANGES"]

KINDS = ("converged", "converging", "diverging", "oscillating", "stalled", "overfitting",
         "vanishing_gradients", "exploding_gradients", "saturated", "dead_relu",
         "nonfinite_data", "unreachable_targets", "dead_output", "loss_mismatch")

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
        "stop earlier: callbacks=[EarlyStopping(patience=...)] (it restores the best "
        "weights)",
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
    "nonfinite_data": [
        "fix or drop the rows with NaN/inf before training: np.isfinite(X).all(axis=1) "
        "picks the clean rows (load_csv refuses such cells unless allow_nonfinite=True)",
        "or fill the gaps (e.g. each column's mean) if dropping rows loses too much; no "
        "learning rate or momentum helps while they are there",
    ],
    "unreachable_targets": [
        "scale the targets into the output's range (for a sigmoid, (y - min) / (max - "
        "min) gives [0, 1]) and scale the predictions back",
        "or use output_activation='identity' (a linear output) for targets of any size",
        "no learning rate, momentum or number of epochs fixes this: it is the "
        "architecture (the 1% case)",
    ],
    "dead_output": [
        "a ReLU output dies once its input is below 0 for every sample: use "
        "output_activation='identity' for regression",
        "lower the learning rate: one big step can push the outputs to a flat end (0 for "
        "a ReLU, 0 or 1 for a sigmoid) for good",
        "start again from another seed or smaller weights (init='xavier' or 'he')",
    ],
    "loss_mismatch": [
        "use output_activation='identity' (None): the loss applies the sigmoid/softmax "
        "itself; read probabilities as sigmoid(output) or softmax(output)",
        "or keep the squashing output layer and train with loss='mse' on its outputs",
    ],
}

#: What each output activation can give: (low, high), reachable at the ends or near them.
OUTPUT_RANGES: dict[str, tuple[float, float]] = {
    "sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, math.inf),
    "identity": (-math.inf, math.inf)}
_LOGIT_LOSSES = {"bce_with_logits": "sigmoid", "softmax_cross_entropy": "softmax"}


@dataclass
class Finding:
    """One observation: `kind` (one of `KINDS`), `message` (what was seen,
    with numbers), `advice` (what to try, best first), `layer` (or None) and
    `evidence` (the numbers as a dict)."""

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
    """The findings of [`diagnose`][micrograd_nn.diagnose.diagnose]; `kind in diagnosis` tests
    for one."""

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
    """The convergence finding for one loss curve (`initial`: the error before
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


def _early_stopped(curve: list[float], initial: float | None, name: str, best_epoch: int,
                   restored: bool, params: dict[str, Any], tol: float) -> Finding:
    """The convergence finding of a run early stopping ended. `curve`: the monitored
    error per epoch, `initial`: its value before training (epoch 0), if known.

    Early stopping ends every run the same way (no improvement for `patience`
    epochs), so it says nothing about how the run went: the whole curve is read.
    Its tail, past the best epoch, rises or wanders by design and is not held
    against it; a curve that ends higher than it began diverged, whatever stopped it.
    """
    first = 0 if initial is not None else 1
    M = np.asarray(([] if initial is None else [initial]) + list(curve), dtype=np.float64)
    n = len(curve)
    if not np.all(np.isfinite(M)):
        return _curve(list(curve), params, "early_stopping", tol, initial)
    b = int(np.argmin(M))
    start, last, lo = float(M[0]), float(M[-1]), float(M[b])
    at = b + first
    untrained = " (the untrained weights)" if at == 0 else ""
    kept = f"; epoch {at}'s weights were restored" if restored else ""
    ended = f"early stopping ended training at epoch {n}"
    if last > 1.2 * start and last >= 1.5 * lo:
        return _finding("diverging", f"the {name} grew from {start:.4g} (epoch {first}) to "
                        f"{last:.4g} (epoch {n}) and {ended}; its lowest was {lo:.4g} at "
                        f"epoch {at}{untrained}{kept}", start=start, last=last, lowest=lo,
                        best_epoch=at)
    if b == 0:
        return _finding("stalled", f"no epoch improved on the {name} of epoch {first} "
                        f"({start:.4g}){untrained}: {ended}, at {last:.4g}{kept}",
                        last=last, fell=0.0, best_epoch=at)
    fell = (start - lo) / start if start > 0 else 0.0
    if lo <= tol or fell >= 0.1:
        return _finding("converged", f"{ended}: the monitored error last improved at epoch "
                        f"{best_epoch or at} ({name} {start:.4g} at epoch {first}, lowest "
                        f"{lo:.4g} at epoch {at}){kept}", best_epoch=at, start=start,
                        lowest=lo)
    return _finding("stalled", f"the {name} fell only {100 * fell:.1f}% (from {start:.4g} "
                    f"to {lo:.4g} at epoch {at}) before it stopped improving: {ended}{kept}",
                    last=last, fell=fell, best_epoch=at)


def _facts(history: Any, params: dict[str, Any], model: Any, X: Any, y: Any) -> dict[str, Any]:
    """What is known of the data and the model's outputs: from `fit`'s record
    (`History.data_stats`), overridden by `model`/`X`/`y` when given."""
    facts = dict(getattr(history, "data_stats", {}) or {})
    facts["output_activation"] = (output_activation(model) if model is not None
                                  else params.get("output_activation"))
    if X is not None:
        Xa = np.asarray(X, dtype=np.float64)
        facts["nonfinite_X"] = int(Xa.size - np.count_nonzero(np.isfinite(Xa)))
    if y is not None:
        ya = np.asarray(y, dtype=np.float64)
        ok = ya[np.isfinite(ya)]
        facts["nonfinite_y"] = int(ya.size - ok.size)
        facts["y_min"] = float(ok.min()) if ok.size else None
        facts["y_max"] = float(ok.max()) if ok.size else None
        facts["y"] = ya
    if model is not None and X is not None and not facts.get("nonfinite_X"):
        with np.errstate(all="ignore"):
            out = predict(model, X)
        out = out.reshape(len(out), -1)
        facts["output_min"] = out.min(axis=0).tolist()
        facts["output_max"] = out.max(axis=0).tolist()
    return facts


def _nonfinite_data(facts: dict[str, Any]) -> Finding | None:
    nx, ny = int(facts.get("nonfinite_X") or 0), int(facts.get("nonfinite_y") or 0)
    if not (nx or ny):
        return None
    where = " and ".join(f"{k} in the {w}" for k, w in ((nx, "inputs X"), (ny, "targets y"))
                         if k)
    return _finding("nonfinite_data", f"the data hold NaN or inf values ({where}): every "
                    "error and gradient they touch is NaN from the first step, so the "
                    "curve says nothing about the learning rate", nonfinite_X=nx,
                    nonfinite_y=ny)


def _span(lo: float, hi: float) -> str:
    left = "[0" if lo == 0 else f"({lo:g}"
    return f"{left}, {'inf)' if hi == math.inf else f'{hi:g})'}"


def _unreachable(facts: dict[str, Any], loss: Any, last: float) -> Finding | None:
    act, lo_t, hi_t = facts.get("output_activation"), facts.get("y_min"), facts.get("y_max")
    if loss in _LOGIT_LOSSES or act not in OUTPUT_RANGES or lo_t is None or hi_t is None:
        return None
    lo, hi = OUTPUT_RANGES[act]
    slack = 1e-9 * max(1.0, abs(lo_t), abs(hi_t))
    if lo_t >= lo - slack and hi_t <= hi + slack:
        return None
    share = ""
    if "y" in facts:
        ya = facts["y"]
        out = ya[np.isfinite(ya) & ((ya < lo - slack) | (ya > hi + slack))]
        share = f" ({out.size} of {ya.size} target values)"
    reach = "[0, 1]" if act == "sigmoid" else "[-1, 1]" if act == "tanh" else _span(lo, hi)
    return _finding("unreachable_targets", f"the targets run from {lo_t:g} to {hi_t:g}, but "
                    f"the {act} output layer only gives values in {reach}: no weights reach "
                    f"the targets outside it{share}, so the error ({last:.4g} at the end) "
                    "cannot fall to 0. This is not a local minimum", activation=act,
                    y_min=lo_t, y_max=hi_t)


def _dead_outputs(facts: dict[str, Any], curve: Finding, n_samples: Any) -> list[Finding]:
    act = facts.get("output_activation")
    mins, maxs = facts.get("output_min"), facts.get("output_max")
    if not mins or not maxs:
        return []
    lo_t, hi_t = facts.get("y_min"), facts.get("y_max")
    y_spread = None if lo_t is None or hi_t is None else hi_t - lo_t
    samples = f"{n_samples} samples" if n_samples else "the samples"
    out = []
    for j, (a, b) in enumerate(zip(mins, maxs, strict=True)):
        if not (math.isfinite(a) and math.isfinite(b)):
            continue
        name = f"output {j + 1}" if len(mins) > 1 else "the output"
        # y_spread is set only when both target bounds are: then hi_t is not None
        if act == "relu" and b <= 0.0 and (y_spread is None or y_spread > 0
                                           or cast(float, hi_t) > 0):
            out.append(_finding("dead_output", f"{name} is 0 for every one of the {samples}: "
                                "its ReLU is dead (its input is below 0 everywhere), so no "
                                "gradient flows back through it and the error stays at "
                                "what predicting 0 everywhere costs; nothing more is "
                                "learned", output=j, value=0.0))
        elif y_spread and b - a <= 1e-6 * y_spread and curve.kind == "converged":
            out.append(_finding("dead_output", f"{name} is {a:.4g} for every one of the "
                                f"{samples} while the targets run from {lo_t:g} to "
                                f"{hi_t:g}: the network ignores its inputs, so the low error "
                                "is not a fit", output=j, value=a))
    return out


def _loss_mismatch(facts: dict[str, Any], loss: Any) -> Finding | None:
    act = facts.get("output_activation")
    squash = _LOGIT_LOSSES.get(loss) if isinstance(loss, str) else None
    if squash is None or act not in ("sigmoid", "tanh", "relu"):
        return None
    lo, hi = OUTPUT_RANGES[act]
    reach = "(0, 1)" if act == "sigmoid" else "(-1, 1)" if act == "tanh" else "[0, inf)"
    if squash == "sigmoid":
        p = [1.0 / (1.0 + math.exp(-v)) if math.isfinite(v) else float(v > 0) for v in (lo, hi)]
        probs = f"the probabilities it predicts only span ({p[0]:.3g}, {p[1]:.3g})"
    else:
        probs = "the class probabilities it predicts cannot approach 0 or 1"
    return _finding("loss_mismatch", f"loss={loss!r} applies the {squash} itself, but the "
                    f"model's last layer is a {act} too: the logits are squashed into {reach} "
                    f"first, so {probs}", activation=act, loss=loss)


def _overfitting(loss: list[float], val: list[float], caught: bool) -> Finding | None:
    """`caught`: early stopping ended the run and restored the best weights."""
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
    """Exploding gradients always; vanishing ones unless `converged` (small
    gradients are expected there, or explained by another finding)."""
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
    top_layer = max(mean, key=mean.__getitem__)
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
    """`[(layer name, activation kind, outputs (n, units))]` for the hidden layers,
    computed by the numpy oracle from the model's dense layers (the model protocol)."""
    try:
        layers = model.dense_layers()
    except (AttributeError, TypeError) as e:
        raise TypeError(f"diagnose: inspecting activations needs a model of dense layers "
                        f"(MLP, Sequential of Linear + activations, NeuronNet): {e}") from None
    with np.errstate(all="ignore"):  # huge weights: the findings say so themselves
        _, outs = deltas.forward([d.weight for d in layers], [d.bias for d in layers], X,
                                 [d.activation for d in layers])
    return [(str(k), d.activation, outs[k])  # hidden layer k (1 = the first)
            for k, d in enumerate(layers[:-1], start=1)
            if d.activation in ("sigmoid", "tanh", "relu")]


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
             explode: float = 1e3, vanish: float = 1e-7, dead_fraction: float = 0.25, *,
             y: Any = None) -> Diagnosis:
    """Findings about a training run; see the module docstring for the kinds.

    `history`: a [`History`][micrograd_nn.history.History] (or any object with `loss`,
    and optionally `val_loss`, `grad_norms`, `stop_reason`, `params`,
    `data_stats`), or a plain list of per-epoch errors. `model` and `X` shape
    (n_samples, n_features): inspect the hidden activations for saturation and dead
    ReLUs, and the outputs for a dead or constant output. `y` (keyword): the targets,
    checked against the output activation's range (`fit` records their range, so
    a History needs no `y`). `tol`: an error at or below it counts as converged;
    `explode`/`vanish`: gradient-norm limits; `dead_fraction`: the share of
    dead units in a ReLU layer that is reported.

    `diagnosis.findings[0]` is the main finding: a cause that explains the curve
    (non-finite data, unreachable targets, a dead output, a loss that does not fit the
    output layer) comes before the curve's own reading.
    """
    if isinstance(history, (list, tuple, np.ndarray)):
        loss, val, norms, stop, params = list(history), [], {}, "", {}
        initial = initial_val = None
    elif hasattr(history, "loss"):
        loss = list(history.loss)
        val = list(getattr(history, "val_loss", []) or [])
        norms = dict(getattr(history, "grad_norms", {}) or {})
        stop = getattr(history, "stop_reason", "") or ""
        params = dict(getattr(history, "params", {}) or {})
        initial = getattr(history, "initial_loss", None)
        initial_val = getattr(history, "initial_val_loss", None)
    else:
        raise TypeError(f"diagnose: expected a History or a list of per-epoch errors, got "
                        f"{type(history).__name__}")
    if not loss:
        raise ValueError("diagnose: the history has no epochs; train for at least one")
    if (model is None) != (X is None):
        raise ValueError("diagnose: give both model and X (to inspect activations) or neither")
    if X is not None and np.ndim(X) != 2:
        raise ValueError(f"diagnose: X must have shape (n_samples, n_features), got "
                         f"{np.shape(X)}")
    if len(loss) + (initial is not None) < 2:
        raise ValueError("diagnose: a trend needs at least two errors: a History of one "
                         "epoch or more (it keeps the error before training) or a list of "
                         "two or more values")
    restored = bool(getattr(history, "restored", False))
    if stop == "early_stopping":
        on_val = getattr(history, "monitor", "loss") == "val_loss" and val
        curve = _early_stopped(val if on_val else loss, initial_val if on_val else initial,
                               "validation error" if on_val else "error",
                               int(getattr(history, "best_epoch", 0) or 0), restored,
                               params, tol)
    else:
        curve = _curve(loss, params, stop, tol, initial)
    facts = _facts(history, params, model, X, y)
    bad_data = _nonfinite_data(facts)
    if bad_data is not None:  # NaN in, NaN out: the rest of the readings follow from it
        finite = all(math.isfinite(v) for v in loss)
        return Diagnosis([bad_data] + ([curve] if finite else []))
    n = params.get("n_samples") or (len(X) if X is not None else None)
    dead = _dead_outputs(facts, curve, n)
    causes = dead + [f for f in (_unreachable(facts, params.get("loss"), float(loss[-1])),
                                 _loss_mismatch(facts, params.get("loss"))) if f is not None]
    # each of these puts a floor under the error: a flat curve above it is neither
    # "converged" nor a "stalled" local minimum to escape with hyperparameters
    findings = causes + ([] if causes and curve.kind in ("converged", "stalled") else [curve])
    over = _overfitting(loss, val, stop == "early_stopping" and restored)
    if over is not None:
        findings.append(over)
    converged = curve.kind == "converged" and not causes and math.isfinite(loss[-1])
    # a dead output passes no gradient back: zero gradients below it are its doing
    findings += _gradients(norms, converged or bool(dead), explode, vanish)
    if model is not None:
        findings += _activations(model, X, dead_fraction)
    if params.get("optimizer") == "genetic":
        findings = [_for_genetic(f) for f in findings]
    return Diagnosis(findings)


#: What replaces gradient-descent advice for a run of the genetic trainer.
GENETIC_ADVICE = ("for the genetic trainer: a larger population or mutation_scale "
                  "searches wider, more generations search longer; its steps do not "
                  "follow a learning rate or momentum")


def _for_genetic(f: Finding) -> Finding:
    """The same finding with advice fit for a run without gradients: lines about the
    learning rate or momentum give way to the genetic trainer's own settings."""
    keep = [a for a in f.advice if "learning rate" not in a and "momentum" not in a]
    if len(keep) == len(f.advice):
        return f
    return Finding(f.kind, f.message, [GENETIC_ADVICE, *keep], f.layer, f.evidence)
