"""numpy's joining, splitting and shape functions on Values.

`FUNCTIONS` maps a numpy function to a handler taking numpy's own arguments (it
also holds `micrograd_nn.numpy_select`'s copying and selecting functions). Results
are Values built from table ops: `concatenate` (`micrograd_nn.ops_array`) and the
core `reshape`, `transpose` and `broadcast_to`, so gradients of any order come
from those ops' VJPs. A plain array among Values (`np.concatenate([arr, v])`) is a
constant. Functions whose results are indices, shapes or booleans (argsort, nonzero,
shape, isclose, ...) return numpy's plain results computed on the data. Bad input raises
a ValueError/TypeError naming the function, the shapes and the fix.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from ._data import fmt
from .engine import Value, apply
from .numpy_select import FUNCTIONS as _SELECT
from .numpy_select import (axes_of, axis_of, cast_to, need_ndim, no_out, operand, permute,
                           reshape_any, same, value)
from .opdef import BROADCAST_TO, RESHAPE, shape_of
from .ops_array import concatenate_op

# ---------------------------------------------------------------- joining


def _items(arrays: Any, who: str) -> list[Any]:
    """The inputs of a joining function, each a Value or a constant array."""
    if isinstance(arrays, Value):  # numpy iterates over an array's first axis
        arrays = [arrays[i] for i in range(len(arrays))]
    elif not isinstance(arrays, (list, tuple)):
        raise TypeError(f"{who}: give a list or tuple of arrays, not {type(arrays).__name__}")
    return [operand(x, who) for x in arrays]


def _join(who: str, xs: list[Any], axis: int, dtype: Any = None) -> Value:
    """`np.concatenate(xs, axis)` as one `concatenate` node, after checking shapes."""
    if not xs:
        raise ValueError(f"{who}: need at least one array to join")
    shapes = [shape_of(x) for x in xs]
    s0 = shapes[0]
    for i, s in enumerate(shapes):
        if not s:
            raise ValueError(f"{who}: input {i} has shape (): 0-d inputs cannot be joined; "
                             "use np.stack, or np.atleast_1d first")
        if len(s) != len(s0):
            raise ValueError(f"{who}: shapes {fmt(s0)} and {fmt(s)} (inputs 0 and {i}) have "
                             f"{len(s0)} and {len(s)} dimensions; give every input the same "
                             "number (np.expand_dims or reshape)")
    ax = axis_of(who, axis, len(s0))
    for i, s in enumerate(shapes):
        for d, (m, n) in enumerate(zip(s0, s, strict=True)):
            if d != ax and m != n:
                raise ValueError(f"{who}: shapes {fmt(s0)} and {fmt(s)} (inputs 0 and {i}) "
                                 f"differ on axis {d}; every axis but the joining axis {ax} "
                                 "must match")
    return cast_to(apply(concatenate_op(len(xs)), *xs, params=(ax,)), dtype, who)


def concatenate(arrays: Any, axis: Any = 0, out: Any = None, *, dtype: Any = None,
                casting: str = "same_kind") -> Value:
    """Join along an existing axis; `axis=None` flattens every input first."""
    no_out("concatenate", out)
    xs = _items(arrays, "concatenate")
    if axis is None:
        xs, axis = [reshape_any(x, (-1,)) for x in xs], 0
    return _join("concatenate", xs, axis, dtype)


def stack(arrays: Any, axis: int = 0, out: Any = None, *, dtype: Any = None,
          casting: str = "same_kind") -> Value:
    """Join same-shape inputs along a new axis: n inputs of shape s -> s with n inserted."""
    no_out("stack", out)
    xs = _items(arrays, "stack")
    if not xs:
        raise ValueError("stack: need at least one array to stack")
    s0 = shape_of(xs[0])
    for i, x in enumerate(xs):
        if shape_of(x) != s0:
            raise ValueError(f"stack: all inputs need the same shape, but input 0 has "
                             f"{fmt(s0)} and input {i} has {fmt(shape_of(x))}; use "
                             "np.concatenate to join along an existing axis")
    ax = axis_of("stack", axis, len(s0) + 1)
    new = (*s0[:ax], 1, *s0[ax:])
    return _join("stack", [reshape_any(x, new) for x in xs], ax, dtype)


def vstack(tup: Any, *, dtype: Any = None, casting: str = "same_kind") -> Value:
    """Rows: atleast_2d each input, then join on axis 0."""
    return _join("vstack", [_atleast(x, 2) for x in _items(tup, "vstack")], 0, dtype)


def hstack(tup: Any, *, dtype: Any = None, casting: str = "same_kind") -> Value:
    """Columns: join on axis 1 (axis 0 for 1-D inputs)."""
    xs = [_atleast(x, 1) for x in _items(tup, "hstack")]
    return _join("hstack", xs, 0 if xs and len(shape_of(xs[0])) == 1 else 1, dtype)


def column_stack(tup: Any) -> Value:
    """1-D inputs become columns (n,) -> (n, 1); join on axis 1."""
    xs = []
    for x in _items(tup, "column_stack"):
        s = shape_of(x)
        xs.append(reshape_any(x, (-1, 1) if len(s) == 1 else (1, 1)) if len(s) < 2 else x)
    return _join("column_stack", xs, 1)


def dstack(tup: Any) -> Value:
    """Depth: atleast_3d each input, then join on axis 2."""
    return _join("dstack", [_atleast(x, 3) for x in _items(tup, "dstack")], 2)


def append(arr: Any, values: Any, axis: Any = None) -> Value:
    """`arr` then `values` along `axis`; both flattened for `axis=None`."""
    xs = [operand(arr, "append"), operand(values, "append")]
    if axis is None:
        xs, axis = [reshape_any(x, (-1,)) for x in xs], 0
    return _join("append", xs, axis)


# ---------------------------------------------------------------- splitting


def _bounds(who: str, n: int, sections: Any) -> list[int]:
    """Split points along an axis of size `n`: `[0, ..., n]` (numpy's slice semantics)."""
    try:
        k = operator.index(sections)
    except TypeError:
        idx = np.asarray(sections)
        if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise TypeError(f"{who}: indices_or_sections must be an int or a 1-D list of "
                            f"ints, got {sections!r}") from None
        return [0, *idx.tolist(), n]
    if k <= 0:
        raise ValueError(f"{who}: the number of sections must be at least 1, got {k}")
    each, extra = divmod(n, k)
    sizes = [each + 1] * extra + [each] * (k - extra)
    return [0, *np.cumsum(sizes).tolist()]


def _pieces(who: str, ary: Any, sections: Any, axis: int, equal: bool = False) -> list[Value]:
    if isinstance(sections, Value):
        raise TypeError(f"{who}: indices_or_sections must be an int or a list of ints, "
                        "not a Value")
    v = value(ary, who)
    if v.ndim == 0:
        raise ValueError(f"{who}: cannot split a 0-d Value (shape ()); it needs an axis")
    ax = axis_of(who, axis, v.ndim)
    n = v.shape[ax]
    if equal and not isinstance(sections, (list, tuple, np.ndarray)):
        k = operator.index(sections)
        if k > 0 and n % k:
            raise ValueError(f"{who}: axis {ax} of size {n} (shape {fmt(v.shape)}) does not "
                             f"split into {k} equal sections; use np.array_split for "
                             "unequal ones")
    pts = _bounds(who, n, sections)
    lead = (slice(None),) * ax
    return [v[lead + (slice(a, b),)] for a, b in zip(pts[:-1], pts[1:], strict=False)]


def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Value]:
    """Equal sections (an int) or the pieces between indices; each piece a getitem slice."""
    return _pieces("split", ary, indices_or_sections, axis, equal=True)


def array_split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Value]:
    """As split, but k sections of n may be unequal: the first n % k get one more."""
    return _pieces("array_split", ary, indices_or_sections, axis)


def hsplit(ary: Any, indices_or_sections: Any) -> list[Value]:
    """split along axis 1 (axis 0 for 1-D)."""
    nd = value(ary, "hsplit").ndim
    return _pieces("hsplit", ary, indices_or_sections, 1 if nd > 1 else 0, equal=True)


def vsplit(ary: Any, indices_or_sections: Any) -> list[Value]:
    """split along axis 0 of a Value with at least 2 dimensions."""
    need_ndim("vsplit", ary, 2)
    return _pieces("vsplit", ary, indices_or_sections, 0, equal=True)


def dsplit(ary: Any, indices_or_sections: Any) -> list[Value]:
    """split along axis 2 of a Value with at least 3 dimensions."""
    need_ndim("dsplit", ary, 3)
    return _pieces("dsplit", ary, indices_or_sections, 2, equal=True)


# ---------------------------------------------------------------- shapes


def _new_shape(who: str, old: tuple[int, ...], new: Any) -> tuple[int, ...]:
    """`new` as a tuple of ints, checked to hold `old`'s elements (one -1 inferred)."""
    try:
        new = (operator.index(new),)
    except TypeError:
        try:
            new = tuple(operator.index(d) for d in new)
        except TypeError:
            raise TypeError(f"{who}: the shape must be an int or a tuple of ints, "
                            f"got {new!r}") from None
    size, known = math.prod(old), math.prod(d for d in new if d != -1)
    unknown = sum(d == -1 for d in new)
    if any(d < -1 for d in new) or unknown > 1:
        raise ValueError(f"{who}: shape {fmt(new)} is invalid: sizes are >= 0, with at most "
                         "one -1 (inferred)")
    if (size != known) if not unknown else (known == 0 or size % known):
        raise ValueError(f"{who}: cannot reshape a Value of shape {fmt(old)} ({size} "
                         f"elements) into shape {fmt(new)}; the sizes must multiply to {size}")
    return new


def reshape(a: Any, shape: Any = None, order: str = "C", *, newshape: Any = None,
            copy: Any = None) -> Value:
    """Same elements in a new shape, read in C (row-major) or F (column-major) order."""
    v = value(a, "reshape")
    if shape is None:
        if newshape is None:
            raise TypeError("reshape: missing the shape argument")
        shape = newshape
    new = _new_shape("reshape", v.shape, shape)
    if order == "C":
        return apply(RESHAPE, v, params=(new,))
    if order == "F":  # column-major: reverse the axes around a row-major reshape
        return _reverse(apply(RESHAPE, _reverse(v), params=(new[::-1],)))
    raise ValueError(f"reshape: order={order!r} is not supported for Values; use 'C' or 'F'")


def _reverse(v: Value) -> Value:
    return v if v.ndim < 2 else permute(v, tuple(range(v.ndim))[::-1])


def ravel(a: Any, order: str = "C") -> Value:
    """Flatten to 1-D: reshape(a, -1)."""
    return reshape(a, (-1,), order)


def squeeze(a: Any, axis: Any = None) -> Value:
    """Drop axes of size 1 (all of them for `axis=None`)."""
    v = value(a, "squeeze")
    s = v.shape
    if axis is None:
        return apply(RESHAPE, v, params=(tuple(d for d in s if d != 1),))
    axes = axes_of("squeeze", axis, v.ndim)
    for ax in axes:
        if s[ax] != 1:
            raise ValueError(f"squeeze: cannot remove axis {ax} of a Value of shape {fmt(s)}: "
                             f"its size is {s[ax]}, not 1")
    return apply(RESHAPE, v, params=(tuple(d for i, d in enumerate(s) if i not in axes),))


def expand_dims(a: Any, axis: Any) -> Value:
    """Insert axes of size 1 at `axis` (positions in the result)."""
    v = value(a, "expand_dims")
    nd = v.ndim + (1 if isinstance(axis, (int, np.integer)) else len(axis))
    axes = axes_of("expand_dims", axis, nd)
    it = iter(v.shape)
    return apply(RESHAPE, v, params=(tuple(1 if i in axes else next(it) for i in range(nd)),))


def _atleast(x: Any, nd: int) -> Any:
    """numpy's atleast_{1,2,3}d on a Value or constant: () -> (1,)*nd, (n,) -> (1, n) for
    2-D and (1, n, 1) for 3-D, (m, n) -> (m, n, 1) for 3-D."""
    s = shape_of(x)
    if len(s) >= nd:
        return x
    if nd == 3:
        new = {0: (1, 1, 1), 1: (1, *s, 1), 2: (*s, 1)}[len(s)]
    else:
        new = (1,) * (nd - len(s)) + s
    return reshape_any(x, new)


def _atleast_fn(nd: int) -> Callable[..., Any]:
    def atleast(*arys: Any) -> Any:
        res = tuple(_atleast(operand(x, f"atleast_{nd}d"), nd) for x in arys)
        return res[0] if len(res) == 1 else res

    atleast.__name__ = atleast.__qualname__ = f"atleast_{nd}d"
    atleast.__doc__ = f"Each input with at least {nd} dimensions (a Value stays itself if it has)."
    return atleast


def transpose(a: Any, axes: Any = None) -> Value:
    """Permute the axes (reverse them for `axes=None`)."""
    v = value(a, "transpose")
    if axes is None:
        return _reverse(v) if v.ndim > 1 else same(v)
    perm = axes_of("transpose", axes, v.ndim)
    if len(perm) != v.ndim:
        raise ValueError(f"transpose: axes {tuple(axes)} do not match a Value of shape "
                         f"{fmt(v.shape)}; give a permutation of all {v.ndim} axes")
    return permute(v, perm)


def swapaxes(a: Any, axis1: int, axis2: int) -> Value:
    """Exchange two axes."""
    v = value(a, "swapaxes")
    i = axis_of("swapaxes", axis1, v.ndim)
    j = axis_of("swapaxes", axis2, v.ndim)
    perm = list(range(v.ndim))
    perm[i], perm[j] = j, i
    return permute(v, tuple(perm))


def moveaxis(a: Any, source: Any, destination: Any) -> Value:
    """Move axes to new positions; the others keep their order."""
    v = value(a, "moveaxis")
    src = axes_of("moveaxis", source, v.ndim)
    dst = axes_of("moveaxis", destination, v.ndim)
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source {source!r} and destination {destination!r} need "
                         "the same number of elements")
    perm = [i for i in range(v.ndim) if i not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        perm.insert(d, s)
    return permute(v, tuple(perm))


def rollaxis(a: Any, axis: int, start: int = 0) -> Value:
    """Move `axis` to sit before position `start` (prefer moveaxis)."""
    v = value(a, "rollaxis")
    n = v.ndim
    axis = axis_of("rollaxis", axis, n)
    if start < 0:
        start += n
    if not 0 <= start <= n:
        raise ValueError(f"rollaxis: start {start} is out of range for a Value of shape "
                         f"{fmt(v.shape)}; it must be in [-{n}, {n}]")
    if axis < start:
        start -= 1
    perm = [i for i in range(n) if i != axis]
    perm.insert(start, axis)
    return permute(v, tuple(perm))


def broadcast_to(array: Any, shape: Any, subok: bool = False) -> Value:
    """A read-only broadcast of `array` to `shape`; its gradient sums back."""
    v = value(array, "broadcast_to")
    new = _new_shape_plain("broadcast_to", shape)
    s = v.shape
    if len(s) > len(new) or any(m not in (1, n) for m, n in zip(s[::-1], new[::-1], strict=False)):
        raise ValueError(f"broadcast_to: a Value of shape {fmt(s)} cannot broadcast to "
                         f"{fmt(new)}; each of its trailing dimensions must equal the target's "
                         "or be 1")
    return apply(BROADCAST_TO, v, params=(new,))


def _new_shape_plain(who: str, shape: Any) -> tuple[int, ...]:
    try:
        return (operator.index(shape),)
    except TypeError:
        try:
            return tuple(operator.index(d) for d in shape)
        except TypeError:
            raise TypeError(f"{who}: the shape must be an int or a tuple of ints, "
                            f"got {shape!r}") from None


def broadcast_arrays(*args: Any, subok: bool = False) -> tuple[Any, ...]:
    """Every input broadcast to their common shape (Values as Values, arrays as arrays)."""
    xs = [operand(x, "broadcast_arrays") for x in args]
    shapes = [shape_of(x) for x in xs]
    try:
        common = np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError("broadcast_arrays: shapes " + " and ".join(fmt(s) for s in shapes)
                         + " do not broadcast; trailing dimensions must be equal or 1") from None
    return tuple(x if shape_of(x) == common else
                 apply(BROADCAST_TO, x, params=(common,)) if isinstance(x, Value) else
                 np.broadcast_to(x, common) for x in xs)


# ---------------------------------------------------------------- plain results


def _plain(func: Callable) -> Callable:
    """A handler running `func` on the data: its result is indices, shapes or booleans."""

    def handler(*args: Any, **kwargs: Any) -> Any:
        return func(*map(_unwrap, args), **{k: _unwrap(x) for k, x in kwargs.items()})

    handler.__name__ = handler.__qualname__ = func.__name__
    handler.__doc__ = f"np.{func.__name__} on the data of any Values (not differentiable)."
    return handler


def _unwrap(x: Any) -> Any:
    if isinstance(x, Value):
        return x.data
    if isinstance(x, (list, tuple)):
        return type(x)(map(_unwrap, x))
    return x


_PLAIN = (np.shape, np.ndim, np.size, np.zeros_like, np.ones_like, np.full_like,
          np.empty_like, np.argsort, np.argmax, np.argmin, np.argpartition, np.argwhere,
          np.nonzero, np.flatnonzero, np.count_nonzero, np.isclose, np.allclose,
          np.array_equal, np.array_equiv, np.searchsorted)

FUNCTIONS: dict[Callable, Callable] = {
    np.concatenate: concatenate, np.stack: stack, np.vstack: vstack, np.hstack: hstack,
    np.column_stack: column_stack, np.dstack: dstack, np.append: append,
    np.split: split, np.array_split: array_split, np.hsplit: hsplit, np.vsplit: vsplit,
    np.dsplit: dsplit,
    np.reshape: reshape, np.ravel: ravel, np.squeeze: squeeze, np.expand_dims: expand_dims,
    np.transpose: transpose, np.swapaxes: swapaxes, np.moveaxis: moveaxis,
    np.rollaxis: rollaxis, np.broadcast_to: broadcast_to, np.broadcast_arrays: broadcast_arrays,
    np.atleast_1d: _atleast_fn(1), np.atleast_2d: _atleast_fn(2), np.atleast_3d: _atleast_fn(3),
    **{f: _plain(f) for f in _PLAIN}, **_SELECT,
}
