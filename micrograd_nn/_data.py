"""Data normalisation and error messages shared by the engine (no graph code here).

A Value's data is a Python `float` or a floating `ndarray` with at least one
dimension; these helpers bring user input and op outputs to that form.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .ops import Op, unbroadcast

ndarray = np.ndarray


def fmt(shape: tuple[int, ...]) -> str:
    """A shape written the way messages name it: `(2, 3)`, `(3,)`, `()`."""
    return str(tuple(shape))


def as_data(data: Any, who: str = "Value", copy: bool = False) -> Any:
    """Numbers -> float; lists/tuples/arrays -> floating ndarray (0-d -> float).

    Integer and bool arrays become float64; float16/32/64 arrays keep their dtype.
    `copy=True` never returns the caller's own array (a Value owns its data).
    """
    t = type(data)
    if t is float:
        return data
    if t is int or isinstance(data, (bool, np.bool_, np.integer, np.floating)):
        return float(data)
    if isinstance(data, (list, tuple, ndarray)):
        try:
            arr = np.asarray(data)
        except ValueError as e:  # ragged nested lists
            raise ValueError(f"{who}: data is not rectangular: {e}") from None
        if arr.dtype.kind in "biu" or (arr.dtype == object and arr.size == 0):
            arr = arr.astype(np.float64)
        elif arr.dtype.kind != "f":
            raise TypeError(f"{who}: cannot use an array of dtype {arr.dtype}; "
                            "give numbers (int, float or bool)")
        if arr.ndim == 0:
            return float(arr)
        return arr.copy() if copy and arr is data else arr
    raise TypeError(f"{who}: data must be a number, list, tuple or ndarray, "
                    f"not {t.__name__}")


def as_operand(x: Any) -> Any:
    """The data of a plain operand (a constant, never a graph node), or NotImplemented.

    Arrays pass as they are (numpy promotes them), but only of real numbers: TypeError
    for complex, object, string or date arrays.
    """
    t = type(x)
    if t is float:
        return x
    if t is ndarray:
        if x.dtype.kind in "fiub":
            return x
        raise TypeError(f"operand: cannot use an array of dtype {x.dtype}; give real numbers")
    if t is int or t is bool:  # ops see floats, so the scalar path never falls into numpy
        return float(x)
    if isinstance(x, (list, tuple, np.generic)):
        try:
            return as_data(x, "operand")
        except (TypeError, ValueError):
            return NotImplemented
    return NotImplemented


def shape_error(op: Op, args: tuple, err: Exception) -> ValueError:
    """A ValueError naming the op, every operand's shape and the fix."""
    shapes = [np.shape(a) for a in args if isinstance(a, (float, int, ndarray))]
    listed = " and ".join(fmt(s) for s in shapes)
    if op.name in ("matmul", "linear") and len(shapes) >= 2:
        a, b = shapes[0], shapes[1]
        if not a or not b:
            return ValueError(f"{op.name}: shapes {listed}: both operands need at least "
                              "one dimension (use * for scalars)")
        kb, where = (b[-2], "second-to-last") if len(b) > 1 else (b[0], "only")
        if a[-1] != kb:
            return ValueError(f"{op.name}: shapes {listed} not aligned: {a[-1]} (the first's "
                              f"last dim) != {kb} (the second's {where} dim); check the layer "
                              "sizes or transpose an operand")
        try:  # the product dims agree: the batch dims, or linear's bias, do not fit
            batch = np.broadcast_shapes(a[:-2], b[:-2])
        except ValueError:
            return ValueError(f"{op.name}: shapes {listed}: batch dimensions {fmt(a[:-2])} "
                              f"and {fmt(b[:-2])} do not broadcast")
        if len(shapes) > 2:
            out = batch + a[-2:-1] + (b[-1:] if len(b) > 1 else ())  # the shape of x @ W
            return ValueError(f"{op.name}: shapes {listed}: the bias {fmt(shapes[2])} does "
                              f"not broadcast to the shape {fmt(out)} of x @ W")
    return ValueError(f"{op.name}: shapes {listed} are incompatible ({err}); make "
                      "trailing dimensions equal or 1 (numpy broadcasting)")


def fit(g: Any, like: ndarray) -> ndarray:
    """Bring a VJP's output to the shape and dtype of the tensor input it belongs to.
    (The engine sums gradients for scalar inputs itself.)"""
    if type(g) is not ndarray:
        return np.full(like.shape, g, dtype=like.dtype)
    if g.ndim == like.ndim + 1 and g.shape[1:] == like.shape:  # a bias over a batch
        g = g.sum(axis=0)
    elif g.shape != like.shape:
        g = unbroadcast(g, like.shape)
        if g.shape != like.shape:  # a size-1 gradient for a larger input
            g = np.broadcast_to(g, like.shape)
    return g.astype(like.dtype, copy=False) if g.dtype != like.dtype else g
