"""Training without gradients: a genetic algorithm over the network's weights.

The article names the genetic algorithm as the other way to train a network. Here a
*genome* is every weight of the model in one vector, layer by layer (input side
first), each layer's `weight` of shape (nin, nout) in row order and then its
`bias` (nout,) if it has one: `D` numbers in all. A *population* is `P` such
genomes, an array `G` of shape (P, D). Each generation keeps the `elite` best,
breeds the rest by selection, crossover and Gaussian mutation
([`evolve`][micrograd_nn.genetic.evolve]) and scores the children all at once
([`population_loss`][micrograd_nn.genetic.population_loss]). The fitness is the loss, lower is
better. The model is read and written only through the model protocol ([`micrograd_nn.protocol`][]:
`dense_layers()`, `set_dense_layers()`), so an `MLP`, a `Sequential` of `Linear` and activations and
the neuron-by-neuron `NeuronNet` evolve the same way.

```pycon
>>> from micrograd_nn.data import xor
>>> from micrograd_nn.nn import MLP
>>> X, y = xor()
>>> net = MLP(2, [3], 1, seed=0)
>>> h = evolve(net, X, y, generations=300, target_error=0.01, verbose=0)
>>> h.stop_reason
'target_error'

```
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .history import Callback, History, ProgressBar, StopTraining
from .protocol import Dense
from .train import _data_stats, _StepGuard

__all__ = ["evolve", "population_loss", "population_forward", "flatten_layers",
           "unflatten_layers", "SELECTIONS", "CROSSOVERS", "LOSSES"]

Array = np.ndarray

SELECTIONS = ("tournament", "rank", "roulette")
CROSSOVERS = ("uniform", "one_point", "blend")
#: Losses the GA computes in numpy for a whole population: mean of squares, half sum.
LOSSES = ("mse", "sse_half")
_BLEND_ALPHA = 0.5  # BLX-0.5: children may land a half parent-gap outside the parents


def _sigmoid(z: Array) -> Array:
    # the tanh form, 0.5·(1 + tanh(z/2)), never overflows (1 / (1 + exp(-z)) does for
    # z < -709); in place, as z is a fresh array of the forward pass
    z *= 0.5
    np.tanh(z, out=z)
    z += 1.0
    z *= 0.5
    return z


#: Activations by the names ``Dense.activation`` uses, each applied in place.
_ACTIVATIONS: dict[str, Callable[[Array], Array]] = {
    "sigmoid": _sigmoid, "tanh": lambda z: np.tanh(z, out=z),
    "relu": lambda z: np.maximum(z, 0.0, out=z), "identity": lambda z: z}


# ---------------------------------------------------------------- genomes


def _template(layers: Sequence[Any], who: str = "evolve") -> list[Dense]:
    """The layers as float64 [`Dense`][micrograd_nn.protocol.Dense] records (a tuple
    `(W, b, act)` works too)."""
    out = []
    for i, lay in enumerate(layers):
        w = np.asarray(lay[0], dtype=np.float64)
        b = None if lay[1] is None else np.asarray(lay[1], dtype=np.float64).reshape(-1)
        act = "identity" if lay[2] is None else str(lay[2])
        if act not in _ACTIVATIONS:
            raise ValueError(f"{who}: layer {i} has activation {act!r}; the genetic "
                             f"trainer knows {', '.join(_ACTIVATIONS)}")
        if w.ndim != 2 or (b is not None and b.shape != (w.shape[1],)):
            raise ValueError(f"{who}: layer {i} needs weight (nin, nout) and bias (nout,), "
                             f"got {w.shape} and {None if b is None else b.shape}")
        out.append(Dense(w, b, act))
    if not out:
        raise ValueError(f"{who}: the model has no dense layers")
    return out


def flatten_layers(layers: Sequence[Any]) -> Array:
    """One genome, shape (D,): each layer's `weight.ravel()` then its `bias`."""
    return np.concatenate([a.ravel() for w, b, _ in _template(layers, "flatten_layers")
                           for a in (w, b) if a is not None])


def _views(template: Sequence[Dense], G: Array) -> list[tuple[Array, Array | None, str]]:
    """Per layer, views into the population G (P, D): weight (P, nin, nout) and bias
    (P, 1, nout) (the 1 broadcasts over the samples) or None, and the activation."""
    P, at, out = G.shape[0], 0, []
    for w, b, act in template:
        nin, nout = w.shape
        W = G[:, at:at + nin * nout].reshape(P, nin, nout)
        at += nin * nout
        B = None
        if b is not None:
            B = G[:, at:at + nout].reshape(P, 1, nout)
            at += nout
        out.append((W, B, act))
    if at != G.shape[1]:
        raise ValueError(f"genomes have {G.shape[1]} genes; these layers hold {at} weights")
    return out


def unflatten_layers(genome: Any, like: Sequence[Any]) -> list[Dense]:
    """The genome (D,) as [`Dense`][micrograd_nn.protocol.Dense] layers shaped like `like`
    (copies)."""
    template = _template(like, "unflatten_layers")
    views = _views(template, np.asarray(genome, dtype=np.float64).reshape(1, -1))
    return [Dense(W[0].copy(), None if B is None else B[0, 0].copy(), act)
            for W, B, act in views]


def population_forward(layers: Sequence[Any], genomes: Any, X: Any) -> Array:
    """Every genome's outputs on every sample in one batched pass: shape (P, n, nout).

    `layers`: the model's dense layers (shapes and activations; their values are not
    used); `genomes`: (P, D); `X`: (n, nin). Per layer `h ← act(h @ W + b)` with
    `np.matmul` broadcasting `(n, nin) @ (P, nin, nout) → (P, n, nout)` and then
    `(P, n, k) @ (P, k, m)`: no Python loop over the individuals.
    """
    template = _template(layers, "population_forward")
    G = np.atleast_2d(np.asarray(genomes, dtype=np.float64))
    h = np.asarray(X, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):  # a wild genome scores inf/NaN
        for W, B, act in _views(template, G):
            h = np.matmul(h, W)  # a new array: the bias and activation work in place
            if B is not None:
                h += B
            h = _ACTIVATIONS[act](h)
    return h


def population_loss(layers: Sequence[Any], genomes: Any, X: Any, y: Any,
                    loss: str = "mse") -> Array:
    """Each genome's loss on all of (X, y): shape (P,).

    `y`: (n, nout). "mse": `Σ (out − y)² / (n·nout)` (the mean of squares, as
    [`micrograd_nn.losses.mse`][]); "sse_half": `½ Σ (out − y)²`.
    """
    if loss not in LOSSES:
        raise ValueError(f"population_loss: unknown loss {loss!r}; use one of "
                         f"{', '.join(LOSSES)}")
    out = population_forward(layers, genomes, X)
    with np.errstate(over="ignore", invalid="ignore"):
        sq = (out - np.asarray(y, dtype=np.float64)) ** 2
        return sq.mean(axis=(1, 2)) if loss == "mse" else 0.5 * sq.sum(axis=(1, 2))


# ---------------------------------------------------------------- operators


def _select(L: Array, m: int, how: str, k: int, rng: np.random.Generator) -> Array:
    """`m` parent indices from losses `L` (P,), NaN already turned into inf."""
    P = len(L)
    if how == "tournament":  # k drawn at random (with replacement), the lowest loss wins
        cand = rng.integers(0, P, size=(m, k))
        return cand[np.arange(m), np.argmin(L[cand], axis=1)]
    if how == "rank":  # linear ranking: the best weighs P, the worst 1
        p = np.empty(P)
        p[np.argsort(L, kind="stable")] = np.arange(P, 0, -1)
    else:  # roulette on windowed fitness (worst finite loss − loss): the worst gets none
        finite = np.isfinite(L)
        worst = L[finite].max() if finite.any() else 0.0
        p = np.where(finite, worst - L, 0.0)
        if p.sum() <= 0.0:  # all equal (or all non-finite): no one is fitter
            p = np.ones(P)
    return rng.choice(P, size=m, p=p / p.sum())


def _cross(A: Array, B: Array, how: str, rng: np.random.Generator) -> Array:
    """One child per row of the parents A, B (c, D)."""
    c, D = A.shape
    if how == "uniform":  # each gene from either parent, evenly
        return np.where(rng.random((c, D)) < 0.5, A, B)
    if how == "one_point":  # genes before the cut from A, the rest from B
        cut = rng.integers(1, max(D, 2), size=(c, 1))
        return np.where(np.arange(D) < cut, A, B)
    u = rng.uniform(-_BLEND_ALPHA, 1.0 + _BLEND_ALPHA, size=(c, D))  # BLX-α
    return A + u * (B - A)


def _children(G: Array, L: Array, c: int, ops: dict[str, Any],
              rng: np.random.Generator) -> Array:
    """`c` children (c, D) of the population G (P, D) scored L (P,): selection,
    crossover, then each gene moves by N(0, scale²) with probability `rate`."""
    mums = G[_select(L, c, ops["selection"], ops["tournament"], rng)]
    dads = G[_select(L, c, ops["selection"], ops["tournament"], rng)]
    kids = _cross(mums, dads, ops["crossover"], rng)
    hit = rng.random(kids.shape) < ops["mutation_rate"]
    return kids + hit * rng.normal(0.0, ops["mutation_scale"], kids.shape)


def _callbacks_stop(callbacks: Sequence[Any], g: int, logs: dict[str, Any]) -> bool:
    """Call every callback (as `fit` does); True if one asked to stop."""
    stop = False
    for cb in callbacks:
        try:
            fn = cb.on_epoch_end if hasattr(cb, "on_epoch_end") else cb
            stop = fn(g, logs) is True or stop
        except StopTraining:
            stop = True
    return stop


# ---------------------------------------------------------------- checks


def _count(name: str, v: Any, low: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
        raise ValueError(f"evolve: {name} must be an int >= {low}, got {v!r}")
    return int(v)


def _number(name: str, v: Any, hi: float) -> None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= hi:
        span = "in [0, 1]" if hi == 1.0 else ">= 0"
        raise ValueError(f"evolve: {name} must be a number {span}, got {v!r}")


def _choice(name: str, v: Any, options: tuple[str, ...]) -> str:
    if v not in options:
        raise ValueError(f"evolve: unknown {name} {v!r}; use one of {', '.join(options)}")
    return v


def _data(X: Any, y: Any, template: list[Dense]) -> tuple[Array, Array]:
    """X (n, nin) and y (n, nout) as float64, checked against the model's layers."""
    try:
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("evolve: X and y must be numbers (arrays or nested lists)") from None
    nin, nout = template[0].weight.shape[0], template[-1].weight.shape[1]
    if X.ndim != 2 or X.shape[1] != nin or len(X) == 0:
        raise ValueError(f"evolve: X has shape {X.shape}; the model takes {nin} inputs, so "
                         f"X needs shape (n_samples, {nin}) with n_samples >= 1")
    if y.ndim == 1 and nout == 1:
        y = y.reshape(-1, 1)  # a column, not (n,) broadcast against (n, 1)
    if y.shape != (len(X), nout):
        raise ValueError(f"evolve: y has shape {y.shape}; the model gives {nout} output(s) "
                         f"for each of the {len(X)} samples of X, so y needs shape "
                         f"({len(X)}, {nout})")
    return X, y


def _protocol_layers(model: Any) -> list[Any]:
    if not (callable(getattr(model, "dense_layers", None))
            and callable(getattr(model, "set_dense_layers", None))):
        raise TypeError(f"evolve: the model must have dense_layers() and "
                        f"set_dense_layers() (the model protocol, micrograd_nn.protocol); "
                        f"{type(model).__name__} lacks them")
    return list(model.dense_layers())


def _write(model: Any, original: list[Any], template: list[Dense], genome: Array) -> None:
    """Put the genome into the model, each array in the dtype the model had."""
    layers = [Dense(lay.weight.astype(np.asarray(o[0]).dtype),
                    None if lay.bias is None else lay.bias.astype(np.asarray(o[1]).dtype),
                    o[2]) for lay, o in zip(unflatten_layers(genome, template), original,
                                            strict=True)]
    model.set_dense_layers(layers)


# ---------------------------------------------------------------- evolve


def evolve(model: Any, X: Any, y: Any, *, population: int = 100, generations: int = 200,
           elite: int = 2, selection: str = "tournament", tournament: int = 3,
           crossover: str = "uniform", mutation_rate: float = 0.1,
           mutation_scale: float = 0.5, loss: str = "mse", target_error: float | None = None,
           seed: Any = 0, callbacks: Sequence[Any] = (), verbose: int = 1) -> History:
    """Evolve `model`'s weights on `X` (n, nin), `y` (n, nout) or (n,) without
    gradients; the best genome found is left in the model. Returns a
    [`History`][micrograd_nn.history.History].

    - `population` P >= 2 genomes; `generations`: at most this many are bred.
    - **Generation 0** is the model's own weights (genome 0, kept exactly, so with
      elitism the result is never worse than the start) and P − 1 copies of them with
      `N(0, mutation_scale²)` added to every weight: the search starts where
      backprop would, from the initialisation the model chose.
    - `elite`: 0 <= elite < P best genomes carried over unchanged each generation.
    - `selection`: "tournament" (`tournament` genomes drawn, the best is a
      parent), "rank" (linear ranking) or "roulette" (chance ∝ worst loss − loss).
    - `crossover`: "uniform" (each gene from either parent), "one_point" (a cut in
      the genome) or "blend" (BLX-0.5: `a + u·(b − a)`, `u ~ U(−0.5, 1.5)`).
    - `mutation_rate`/`mutation_scale`: each child gene gets `N(0, scale²)`
      with this probability.
    - `loss`: "mse" (mean of squares) or "sse_half" (half the sum of squares).
    - `target_error`: stop once the best loss is at or below it.
    - `seed`: int, None or a `numpy.random.Generator`; the same seed gives the
      same History and weights.
    - `callbacks`, `verbose`: as [`micrograd_nn.train.fit`][]; `logs` also
      hold `population_mean` (the mean finite loss) and `evaluations`.

    The History reads like `fit`'s, one epoch per generation: `loss[g-1]` is the
    best loss of generation g, `initial_loss` that of the model's own weights (epoch
    0), `best_epoch` the generation whose best genome is kept (0: none beat the
    start), `restored` whether that is not the last generation's best (possible only
    with `elite=0`), `grad_norms` empty. `stop_reason`: "generations" (all bred;
    `fit` says "epochs"), "target_error", "callback", "non_finite" (every genome
    scored NaN/inf) or "interrupted".

    **Evaluations** (forward passes of one sample): generation 0 costs P·n, each
    later one (P − elite)·n (the elite keep their scores), so a run of g generations
    costs `n·(P + g·(P − elite))`. Each generation is one batched numpy pass
    ([`population_loss`][micrograd_nn.genetic.population_loss]).

    Ctrl-C (KeyboardInterrupt) is re-raised with the History of the whole generations
    so far as `exc.history` (`stop_reason="interrupted"`) and the best genome so
    far written into the model; `on_train_end` is not called.
    """
    original = _protocol_layers(model)
    template = _template(original)
    X, y = _data(X, y, template)
    P = _count("population", population, 2)
    generations = _count("generations", generations, 1)
    elite = _count("elite", elite, 0)
    if elite >= P:
        raise ValueError(f"evolve: elite={elite} must be below population={P}: at least one "
                         "child per generation (e.g. elite=2)")
    selection = _choice("selection", selection, SELECTIONS)
    crossover = _choice("crossover", crossover, CROSSOVERS)
    loss = _choice("loss", loss, LOSSES)
    k = _count("tournament", tournament, 1)
    _number("mutation_rate", mutation_rate, 1.0)
    _number("mutation_scale", mutation_scale, math.inf)
    if target_error is not None:
        _number("target_error", target_error, math.inf)
    if isinstance(callbacks, Callback) or callable(callbacks):
        callbacks = (callbacks,)
    for cb in callbacks:
        if not (callable(cb) or hasattr(cb, "on_epoch_end")):
            raise TypeError(f"evolve: a callback must be callable or have on_epoch_end("
                            f"epoch, logs), got {type(cb).__name__}")
    rng = np.random.default_rng(seed)
    n, c = len(X), P - elite
    hist = History(params={
        "loss": loss, "optimizer": "genetic", "lr": None, "momentum": None,
        "epochs": generations, "batch_size": None, "seed": seed if isinstance(
            seed, (int, type(None))) else "generator", "population": P,
        "generations": generations, "elite": elite, "selection": selection,
        "tournament": k, "crossover": crossover, "mutation_rate": mutation_rate,
        "mutation_scale": mutation_scale, "n_samples": n,
        "output_activation": template[-1].activation},
        data_stats=_data_stats(X, y, None, None))
    bar, guard = ProgressBar(generations, verbose), _StepGuard()
    t0 = time.perf_counter()
    best_genome: Array | None = None  # None until generation 0 is scored
    try:
        guard.install()
        for cb in callbacks:
            if hasattr(cb, "on_train_begin"):
                cb.on_train_begin(dict(hist.params))
        start = flatten_layers(template)
        G = start + rng.normal(0.0, mutation_scale, (P, start.size))
        G[0] = start
        L = population_loss(template, G, X, y, loss)
        evaluations = P * n
        hist.initial_loss = float(L[0])
        best, best_genome = (hist.initial_loss if math.isfinite(L[0]) else math.inf), start
        ops = {k: hist.params[k] for k in ("selection", "tournament", "crossover",
                                           "mutation_rate", "mutation_scale")}
        for g in range(1, generations + 1):
            Ls = np.where(np.isnan(L), np.inf, L)  # NaN would win every argmin
            keep = np.argsort(Ls, kind="stable")[:elite]
            kids = _children(G, Ls, c, ops, rng)
            G, L = (np.concatenate([G[keep], kids]),
                    np.concatenate([L[keep], population_loss(template, kids, X, y, loss)]))
            evaluations += c * n
            b = int(np.argmin(np.where(np.isnan(L), np.inf, L)))
            gen_best = float(L[b])
            with guard:  # the best genome and the record change together or not at all
                if gen_best < best:
                    best, best_genome, hist.best_epoch = gen_best, G[b].copy(), g
                hist.loss.append(gen_best)
                hist.epochs = g
            bar.update(g, gen_best, None)
            finite = L[np.isfinite(L)]
            logs: dict[str, Any]  # the callbacks' logs, as fit's
            logs = {"epoch": g, "loss": gen_best, "val_loss": None, "grad_norms": {},
                    "time": time.perf_counter() - t0, "evaluations": evaluations,
                    "population_mean": float(finite.mean()) if finite.size else math.nan}
            stop = ("non_finite" if not math.isfinite(gen_best) else "target_error"
                    if target_error is not None and gen_best <= target_error else "")
            if _callbacks_stop(callbacks, g, logs):
                stop = stop or "callback"
            if stop:
                hist.stop_reason = stop
                break
        else:
            hist.stop_reason = "generations"
        hist.restored = hist.loss[-1] > best  # only when elite=0 lost the best
        with guard:
            _write(model, original, template, best_genome)
    except KeyboardInterrupt as e:
        del hist.loss[hist.epochs:]  # a generation cut short is not recorded
        hist.stop_reason, hist.seconds = "interrupted", time.perf_counter() - t0
        bar.close()
        e.history = hist  # type: ignore[attr-defined]
        if best_genome is not None:
            with guard:  # a second Ctrl-C waits until the model holds the whole genome
                _write(model, original, template, best_genome)
        raise
    finally:
        guard.uninstall()
    hist.seconds = time.perf_counter() - t0
    out = population_forward(template, best_genome[None], X)[0]
    hist.data_stats.update(output_min=out.min(axis=0).tolist(),
                           output_max=out.max(axis=0).tolist())
    bar.update(hist.epochs, hist.loss[-1], None, done=True)
    for cb in callbacks:
        if hasattr(cb, "on_train_end"):
            cb.on_train_end(hist)
    return hist
