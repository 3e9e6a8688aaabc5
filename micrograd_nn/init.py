"""Weight initialisation schemes for [`micrograd_nn.nn.Linear`][].

Every scheme returns plain `ndarray` data (the layer wraps it in a Value), drawn
from a seeded `numpy.random.Generator`, so one seed fixes a whole network.
Shapes follow the layer: weight `(nin, nout)`, bias `(nout,)`.

| scheme    | weight ~                             | bias     | suits
|-----------|--------------------------------------|----------|-----
| "uniform" | U(-1, 1)                             | U(-1, 1) | the article's small random weights
| "xavier"  | U(-a, a), a = sqrt(6 / (nin + nout)) | 0        | sigmoid, tanh, identity
| "he"      | U(-a, a), a = sqrt(6 / nin)          | 0        | relu

Xavier/Glorot keeps the variance of activations and gradients roughly equal across
layers, Var(w) = 2 / (nin + nout); He doubles the forward variance for ReLU, which
zeroes half its inputs, Var(w) = 2 / nin. (Both equal `torch.nn.init.xavier_uniform_`
and `kaiming_uniform_(nonlinearity="relu")` up to the transposed weight layout.)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

SCHEMES = ("uniform", "xavier", "he")

# which scheme ``init=None`` picks for the activation that follows a layer
_BY_ACTIVATION = {"sigmoid": "xavier", "tanh": "xavier", "identity": "xavier", "relu": "he"}


def make_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A Generator from an int seed, an existing Generator (shared, not copied) or None
    (fresh entropy: not reproducible)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise TypeError(f"seed must be an int, a numpy.random.Generator or None, "
                    f"not {type(seed).__name__}")


def scheme_for(activation: str | None) -> str:
    """The scheme `init=None` picks: Xavier for sigmoid/tanh/identity, He for relu."""
    key = "identity" if activation is None else activation
    if key not in _BY_ACTIVATION:
        raise ValueError(f"unknown activation {activation!r}; expected one of "
                         f"{sorted(_BY_ACTIVATION)} or None")
    return _BY_ACTIVATION[key]


def uniform(rng: np.random.Generator, shape: tuple[int, ...], low: float = -1.0,
            high: float = 1.0, dtype: Any = np.float64) -> np.ndarray:
    """U(low, high) samples of `shape`."""
    return rng.uniform(low, high, size=shape).astype(dtype, copy=False)


def xavier_uniform(rng: np.random.Generator, nin: int, nout: int,
                   dtype: Any = np.float64) -> np.ndarray:
    """Weight of shape (nin, nout) ~ U(-a, a), a = sqrt(6 / (nin + nout))."""
    a = math.sqrt(6.0 / (nin + nout))
    return uniform(rng, (nin, nout), -a, a, dtype)


def he_uniform(rng: np.random.Generator, nin: int, nout: int,
               dtype: Any = np.float64) -> np.ndarray:
    """Weight of shape (nin, nout) ~ U(-a, a), a = sqrt(6 / nin)."""
    a = math.sqrt(6.0 / nin)
    return uniform(rng, (nin, nout), -a, a, dtype)


def init_linear(scheme: str, rng: np.random.Generator, nin: int, nout: int, bias: bool,
                dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray | None]:
    """`(weight (nin, nout), bias (nout,) or None)` for one of `SCHEMES`.

    The weight is drawn first, then the bias, so a seed gives a layer the same weight
    with and without a bias. (An MLP draws its layers from one Generator in turn, so
    with "uniform", whose biases are random, the later layers' weights differ between
    `bias=True` and `bias=False`; Xavier and He biases are zeros and draw nothing.)
    """
    if scheme == "uniform":
        w = uniform(rng, (nin, nout), dtype=dtype)
        b = uniform(rng, (nout,), dtype=dtype) if bias else None
    elif scheme in ("xavier", "he"):
        w = (xavier_uniform if scheme == "xavier" else he_uniform)(rng, nin, nout, dtype)
        b = np.zeros(nout, dtype=dtype) if bias else None
    else:
        raise ValueError(f"unknown init scheme {scheme!r}; expected one of {SCHEMES}")
    return w, b
