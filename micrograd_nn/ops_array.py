"""Op-table section: numpy's joining and padding primitives.

Only `concatenate` and `pad` are primitives: numpy's other joining, splitting,
shaping, copying and selecting functions are reshape/transpose/getitem/scatter/where in
disguise and compose them (`micrograd_nn.numpy_array`). Both VJPs here are slices
of `g` (`g[idx]`), so they run on raw data and, under `create_graph=True`, on
Values alike (a Value's indexing is the `getitem` op).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .opdef import Op, op, raw, shape_of, unary


# ---------------------------------------------------------------- concatenate
# One op per number of inputs (an Op has a fixed ``nin``), made once and cached. Args are
# ``(*xs, axis)``: every x has ndim >= 1 and ``axis`` is an int (numpy_array checks both
# and flattens for ``axis=None``).


def _concatenate(*args: Any) -> np.ndarray:
    return np.concatenate(args[:-1], axis=args[-1])


def _concatenate_vjp(i: int) -> Any:
    """VJP for input `i`: its slice of `g` along the joining axis."""

    def vjp(g: Any, ans: Any, *args: Any) -> Any:
        *xs, axis = args
        axis %= len(shape_of(g))
        start = sum(shape_of(x)[axis] for x in xs[:i])
        stop = start + shape_of(xs[i])[axis]
        return g[(slice(None),) * axis + (slice(start, stop),)]

    vjp.__name__ = vjp.__qualname__ = f"concatenate_vjp_{i}"
    return vjp


@functools.cache
def concatenate_op(n: int) -> Op:
    """The `concatenate` op for `n` inputs: `(*xs, axis) -> np.concatenate(xs, axis)`."""
    if n < 1:
        raise ValueError(f"concatenate: needs at least one input, got {n}")
    return op("concatenate", _concatenate, tuple(_concatenate_vjp(i) for i in range(n)), "shape")


# ---------------------------------------------------------------- pad (constant mode)
# Args ``(x, widths, value)``: ``widths`` one ``(before, after)`` pair of ints >= 0 per
# axis, ``value`` a number or one ``(before, after)`` pair of numbers per axis. numpy
# leaves a 0-d array as it is, so a scalar stays itself. Other modes are index maps
# (numpy_array composes them with getitem).


def _pad(x: Any, widths: tuple, value: Any) -> Any:
    if type(x) is float:
        return x
    return np.pad(x, widths, mode="constant", constant_values=value)


def _pad_vjp(g: Any, ans: Any, x: Any, widths: tuple, value: Any) -> Any:
    """The inner block of `g`: the entries that came from `x`."""
    if type(raw(x)) is float:
        return g
    return g[tuple(slice(b, b + n) for (b, _), n in zip(widths, shape_of(x), strict=True))]


PAD = unary("pad", _pad, _pad_vjp, "shape")

OPS_ARRAY: tuple[Op, ...] = (concatenate_op(2), PAD)
"""The table's entries: `concatenate` (its 2-input form; numpy_array uses
`concatenate_op` for any count) and `pad`."""
