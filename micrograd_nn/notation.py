"""The article's notation, in one place: names, synapse numbering, the worked example, E.

Everything that speaks the article's language ([`neurons`][micrograd_nn.neurons],
[`deltas`][micrograd_nn.deltas], [`explain`][micrograd_nn.explain], the drawings) takes its
names and numbers from here; this module imports numpy only, so any layer may use it.

**Neurons** ([`neuron_names`][micrograd_nn.notation.neuron_names]). Layers are numbered 0 (input) to
L (output). Inputs `I1, I2, ...`; outputs `O1, ...`; hidden neurons `H1, H2, ...` when there
is one hidden layer, else `H{l}_{k}` (`H2_1` = hidden layer 2, neuron 1). Layer
`l < L` may have a bias neuron `B{l+1}` ([`bias_name`][micrograd_nn.notation.bias_name]: `B1`
belongs to the input layer, `B2` to the first hidden layer); it outputs 1, has no inputs, and
the output layer never has one.

**Synapses** ([`synapse_names`][micrograd_nn.notation.synapse_names]). A network is a list of `W[l]`
of shape `(n_l, n_{l+1})` (`W[l][a, b]` = the synapse from neuron a of layer l to neuron b
of layer l + 1, as in [`Linear`][micrograd_nn.nn.Linear]) and biases `b[l]` of shape
`(n_{l+1},)` or None (layer l's bias neuron). They are numbered `w1, w2, ...`
layer by layer, in a layer source by source (the bias neuron last), in a source
target by target: row-major W then b, so `w1 = I1→H1, w2 = I1→H2, w3 = I2→H1`.
`layer{l}` ([`layer_names`][micrograd_nn.notation.layer_names]) names the synapses that feed neuron
layer l.

**The worked example** (`ARTICLE_WEIGHTS`, `ARTICLE_SYNAPSES`): the 2-2-1
sigmoid XOR net without bias, w1=0.45 (I1→H1), w2=0.78 (I1→H2), w3=-0.12 (I2→H1),
w4=0.13 (I2→H2), w5=1.5 (H1→O1), w6=-2.3 (H2→O1); input `I1=1, I2=0`, ideal 1;
E=0.7, α=0.3.

**The delta rule** (computed by [`deltas`][micrograd_nn.deltas]; the text is here):

```text
δ_out = (ideal − out)·f'(in)      δ_h = f'(in)·Σ_i w_i·δ_i      GRAD = out_A·δ_B
Δw = E·GRAD + α·Δw_prev ;  w = w + Δw        (E learning rate, α momentum)
```

**What E means for micrograd_nn's optimizers** ([`lr_for`][micrograd_nn.notation.lr_for]). `δ` is
minus the derivative of `½·(ideal − out)²` with respect to the neuron's input, so, with
`S = ½·Σ (ideal − out)²` summed over the outputs and the samples of a step
(`losses.sse_half`), `GRAD = Σ_samples out_A·δ_B = −∂S/∂w`. `optim.SGD` steps
`Δw = −lr·∂L/∂w + α·Δw_prev`, and the article `Δw = E·GRAD + α·Δw_prev =
−E·∂S/∂w + α·Δw_prev`: the two are the same step exactly when `lr·∂L/∂w =
E·∂S/∂w`. If the loss is `L = c·S`, then `lr = E / c`:

- `sse_half` is S itself (c = 1): `lr = E`.
- `mse` is `Σ (pred − ideal)² / N` over all N = batch·n_out elements of the call,
  that is `(2/N)·S`, whose gradient carries the factor 2 (c = 2/N):
  `lr = E·N/2`; for the article's one sample with one output, `lr = E/2`.
- `fit(..., reduction="sum")` multiplies a batch's mse by the batch size k (c =
  2/n_out: `lr = E·n_out/2`); `reduction="mean"` divides sse_half by k (c = 1/k:
  `lr = E·k`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

__all__ = ["neuron_names", "bias_name", "synapse_names", "layer_names", "lr_for",
           "ARTICLE_SIZES", "ARTICLE_WEIGHTS", "ARTICLE_SYNAPSES", "ARTICLE_X",
           "ARTICLE_IDEAL", "ARTICLE_E", "ARTICLE_ALPHA", "DELTA_OUTPUT", "DELTA_HIDDEN",
           "DELTA_MEANING", "GRAD_RULE", "UPDATE_RULE", "DERIVATIVE_SIGMOID"]

# ---------------------------------------------------------------- the delta rule, as text
DELTA_OUTPUT = "δ_out = (ideal − out)·f'(in)"
DELTA_HIDDEN = "δ_h = f'(in)·Σ w_i·δ_i"
DERIVATIVE_SIGMOID = "f'(in) = (1 − out)·out"
DELTA_MEANING = "δ = −∂(½·Σ(ideal − out)²)/∂(neuron input)"
GRAD_RULE = "GRAD = out_A·δ_B"
UPDATE_RULE = "Δw = E·GRAD + α·Δw_prev"


# ---------------------------------------------------------------- names
def _sizes(sizes: Sequence[Any], who: str) -> list[int]:
    bad = not isinstance(sizes, (list, tuple)) or len(sizes) < 2 or any(
        isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1 for n in sizes)
    if bad:
        raise ValueError(f"{who}: sizes must be a list of at least two positive ints "
                         f"[n_in, *hidden, n_out], got {sizes!r}")
    return [int(n) for n in sizes]


def neuron_names(sizes: Sequence[int]) -> list[list[str]]:
    """Names per layer for layer sizes `[n_in, *hidden, n_out]`.

    ```pycon
    >>> neuron_names([2, 2, 1])
    [['I1', 'I2'], ['H1', 'H2'], ['O1']]
    >>> neuron_names([1, 2, 1, 1])[1:3]
    [['H1_1', 'H1_2'], ['H2_1']]

    ```
    """
    sizes = _sizes(sizes, "neuron_names")
    last = len(sizes) - 1
    out = [[f"I{k + 1}" for k in range(sizes[0])]]
    for layer in range(1, last):
        pre = "H" if last == 2 else f"H{layer}_"  # one hidden layer: H1, H2, ...
        out.append([f"{pre}{k + 1}" for k in range(sizes[layer])])
    out.append([f"O{k + 1}" for k in range(sizes[-1])])
    return out


def bias_name(layer: int) -> str:
    """The bias neuron of neuron layer `layer` (0 = input): `B{layer + 1}`."""
    return f"B{layer + 1}"


def synapse_names(sizes: Sequence[int],
                  has_bias: Sequence[bool]) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """Per layer of synapses `(names shaped like W (n_l, n_{l+1}), names of b (n_{l+1},)
    or None)`: "w1", "w2", ... in the article's order (row-major W, then b).

    ```pycon
    >>> [w.tolist() for w, _ in synapse_names([2, 2, 1], [False, False])]
    [[['w1', 'w2'], ['w3', 'w4']], [['w5'], ['w6']]]

    ```
    """
    sizes = _sizes(sizes, "synapse_names")
    if not isinstance(has_bias, (list, tuple)) or len(has_bias) != len(sizes) - 1:
        raise ValueError(f"synapse_names: has_bias must be a list of {len(sizes) - 1} bools "
                         f"(one per layer of synapses), got {has_bias!r}")
    k, out = 1, []
    for layer in range(len(sizes) - 1):
        nin, nout = sizes[layer], sizes[layer + 1]
        w = np.array([f"w{k + i}" for i in range(nin * nout)], dtype=object).reshape(nin, nout)
        k += nin * nout
        b = None
        if has_bias[layer]:
            b = np.array([f"w{k + i}" for i in range(nout)], dtype=object)
            k += nout
        out.append((w, b))
    return out


def layer_names(n_layers: int) -> list[str]:
    """`["layer1", ..., "layerL"]`: layer l is the synapses feeding neuron layer l."""
    return [f"layer{i + 1}" for i in range(n_layers)]


# ---------------------------------------------------------------- the worked example
def _frozen(rows: Any) -> np.ndarray:
    a = np.array(rows, dtype=np.float64)
    a.setflags(write=False)  # shared by every caller: copy before changing
    return a


ARTICLE_SIZES = (2, 2, 1)
#: ``((W1 (2, 2), W2 (2, 1)), (None, None))``, read-only: the article's start weights.
ARTICLE_WEIGHTS = ((_frozen([[0.45, 0.78], [-0.12, 0.13]]), _frozen([[1.5], [-2.3]])),
                   (None, None))
ARTICLE_X = (1.0, 0.0)  # I1 = 1, I2 = 0
ARTICLE_IDEAL = (1.0,)  # 1 xor 0 = 1
ARTICLE_E, ARTICLE_ALPHA = 0.7, 0.3


def _synapse_table() -> dict[str, tuple[str, str, float]]:
    names = neuron_names(ARTICLE_SIZES)
    table = {}
    for layer, (wn, _) in enumerate(synapse_names(ARTICLE_SIZES, [False, False])):
        for a, b in np.ndindex(*wn.shape):
            table[wn[a, b]] = (names[layer][a], names[layer + 1][b],
                               float(ARTICLE_WEIGHTS[0][layer][a, b]))
    return table


#: ``{"w1": ("I1", "H1", 0.45), ..., "w6": ("H2", "O1", -2.3)}``
ARTICLE_SYNAPSES: Mapping[str, tuple[str, str, float]] = MappingProxyType(_synapse_table())


# ---------------------------------------------------------------- the learning rate E
_LOSSES = ("mse", "sse_half")


def lr_for(E: float, loss: str = "mse", n_outputs: int = 1, batch_size: int = 1,
           reduction: str = "mean") -> float:
    """The `lr` with which SGD on `loss` takes the article's step `Δw = E·GRAD`.

    `loss`: "mse" or "sse_half" ([`micrograd_nn.losses`][]); `n_outputs`: the
    network's outputs; `batch_size`: samples per step (1 = stochastic, the article's
    example); `reduction`: as `fit`'s, "mean" (the default; a hand loop calling
    `losses.mse` on a batch) or "sum" (`fit(reduction="sum")`; a hand loop calling
    `losses.sse_half` on a batch). With `L = c·S` (module docstring), `lr = E/c`:

    | loss     | reduction="mean"           | reduction="sum"
    |----------|----------------------------|-----
    | mse      | E·batch_size·n_outputs / 2 | E·n_outputs / 2
    | sse_half | E·batch_size               | E

    ```pycon
    >>> lr_for(0.7), lr_for(0.7, "sse_half")
    (0.35, 0.7)

    ```
    """
    if isinstance(E, bool) or not isinstance(E, (int, float, np.integer, np.floating)) \
            or not math.isfinite(E) or E <= 0:
        raise ValueError(f"lr_for: E must be a positive finite number (the article's "
                         f"learning rate, e.g. 0.7), got {E!r}")
    if loss not in _LOSSES:
        raise ValueError(f"lr_for: loss must be one of {_LOSSES}, got {loss!r}; the "
                         "article's step is defined for squared error")
    for what, n in (("n_outputs", n_outputs), ("batch_size", batch_size)):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"lr_for: {what} must be a positive int, got {n!r}")
    if reduction not in ("mean", "sum"):
        raise ValueError(f"lr_for: reduction must be 'mean' or 'sum', got {reduction!r}")
    k = int(batch_size) if reduction == "mean" else 1  # samples the loss is averaged over
    if loss == "mse":
        return float(E) * k * int(n_outputs) / 2.0  # mse = (2/N)·S, N = k·n_outputs
    return float(E) * k  # sse_half = S, divided by k under reduction="mean"
