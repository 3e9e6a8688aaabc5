"""numpy's copying and selecting functions on Values, and helpers numpy_array shares.

Each differentiable function composes table ops, so gradients of any order come from
their VJPs: flips, diagonals and splits are `getitem` slices (plain slices where a
stride will do, for a fast backward); sort, take and take_along_axis are `getitem`
with index arrays taken from the data; repeat and tile are `broadcast_to` between
reshapes; triu/tril/select are `where` with a constant mask; diag builds a matrix with
`scatter`; roll joins two slices (`concatenate`); pad is its own op. The helpers at
the top (operands, axes, dtype) serve `micrograd_nn.numpy_array` too, which merges
`FUNCTIONS` into its own.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, cast

import numpy as np
from numpy.exceptions import AxisError

from ._data import fmt
from .engine import Value, apply
from .opdef import BROADCAST_TO, RESHAPE
from .ops import CAST, SCATTER, TRANSPOSE, WHERE
from .ops_array import PAD, concatenate_op

# ---------------------------------------------------------------- shared helpers


def operand(x: Any, who: str) -> Any:
    """A Value as it is; a Python number as a float; anything else as a constant array
    of real numbers."""
    if isinstance(x, Value):
        return x
    if type(x) in (int, float, bool):  # numpy treats Python numbers as weakly typed
        return float(x)
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{who}: cannot use an array of dtype {arr.dtype}; give real numbers")
    return arr


def value(x: Any, who: str) -> Value:
    """`x` as a Value: itself, or a constant Value of its data."""
    return x if isinstance(x, Value) else Value(operand(x, who), requires_grad=False)


def reshape_any(x: Any, shape: tuple[int, ...]) -> Any:
    """Reshape a Value (the `reshape` op) or a constant array."""
    if isinstance(x, Value):
        return apply(RESHAPE, x, params=(tuple(shape),))
    return np.reshape(x, shape)


def same(v: Value) -> Value:
    """A new node holding `v`'s values (numpy returns a new array where nothing moves)."""
    return apply(RESHAPE, v, params=(v.shape,))


def permute(v: Value, perm: tuple[int, ...]) -> Value:
    """`v.transpose(perm)` for normalised axes (a 0-d Value stays as it is)."""
    return apply(TRANSPOSE, v, params=(tuple(perm),)) if v.ndim else same(v)


def cast_to(v: Value, dtype: Any, who: str) -> Value:
    """numpy's `dtype=` argument: the `cast` op to a float dtype."""
    if dtype is None:
        return v
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"{who}: dtype={dt} is not a float dtype; Values hold floats")
    return v if dt == v.dtype else apply(CAST, v, params=(dt,))


def no_out(who: str, out: Any) -> None:
    if out is not None:
        raise TypeError(f"{who}: out= is not supported for Values (they are never written "
                        "in place); use the returned Value")


def need_ndim(who: str, x: Any, nd: int) -> None:
    """A ValueError naming `who` unless `x` has at least `nd` dimensions."""
    s = x.shape if isinstance(x, Value) else np.shape(x)
    if len(s) < nd:
        raise ValueError(f"{who}: needs a Value with at least {nd} dimension"
                         f"{'s' if nd > 1 else ''}, got shape {fmt(s)}")


def axes_of(who: str, axes: Any, nd: int) -> tuple[int, ...]:
    """`axes` (an int or a sequence of ints) as distinct ints in `[0, nd)`, or an
    AxisError/ValueError naming `who`."""
    items = tuple(axes) if isinstance(axes, (list, tuple)) else (axes,)
    out = []
    for a in items:
        try:
            a = operator.index(a)
        except TypeError:
            raise TypeError(f"{who}: an axis must be an int, got {a!r}") from None
        if not -nd <= a < nd:
            raise AxisError(f"{who}: axis {a} is out of bounds for {nd} dimensions (use "
                            f"{-nd} to {nd - 1})" if nd else
                            f"{who}: axis {a} is out of bounds: a 0-d input has no axes")
        out.append(a % nd)
    if len(set(out)) != len(out):
        raise ValueError(f"{who}: repeated axis in {items}")
    return tuple(out)


def axis_of(who: str, axis: Any, nd: int) -> int:
    """One axis as an int in `[0, nd)` (see `axes_of`)."""
    if isinstance(axis, (list, tuple)):
        raise TypeError(f"{who}: axis must be one int here, got {axis!r}")
    return axes_of(who, axis, nd)[0]


def _axis_slice(v: Value, ax: int, sl: Any) -> Value:
    """`v` indexed by `sl` (a slice or index array) along axis `ax`."""
    return v[(slice(None),) * ax + (sl,)]


def _ints(who: str, x: Any, what: str) -> np.ndarray:
    if isinstance(x, Value):
        raise TypeError(f"{who}: {what} must be integers, not a Value (its data is float)")
    arr = np.asarray(x)
    if arr.size and arr.dtype.kind not in "iu":
        raise TypeError(f"{who}: {what} must be integers, got dtype {arr.dtype}")
    return arr.astype(np.intp, copy=False)


# ---------------------------------------------------------------- copying


def copy(a: Any, order: str = "K", subok: bool = False) -> Value:
    """A new Value with its own copy of the data (the `cast` op to the same dtype)."""
    v = value(a, "copy")
    return apply(CAST, v, params=(v.dtype,))


def repeat(a: Any, repeats: Any, axis: Any = None) -> Value:
    """Each entry `repeats` times along `axis` (flattened first for `axis=None`)."""
    v = value(a, "repeat")
    if axis is None:
        v, axis = apply(RESHAPE, v, params=((-1,),)), 0
    ax = axis_of("repeat", axis, v.ndim)
    r, s = _ints("repeat", repeats, "repeats"), v.shape
    if r.size and r.min() < 0:
        raise ValueError(f"repeat: repeats may not be negative, got {r.tolist()}")
    if r.size == 1:  # the same count for all: broadcast a new axis, then merge it
        k = int(r.reshape(-1)[0])
        t = apply(RESHAPE, v, params=((*s[:ax + 1], 1, *s[ax + 1:]),))
        t = apply(BROADCAST_TO, t, params=((*s[:ax + 1], k, *s[ax + 1:]),))
        return apply(RESHAPE, t, params=((*s[:ax], s[ax] * k, *s[ax + 1:]),))
    if r.shape != (s[ax],):
        raise ValueError(f"repeat: repeats has shape {fmt(r.shape)} but axis {ax} of the "
                         f"Value (shape {fmt(s)}) has size {s[ax]}; give one count per entry "
                         "or a single count")
    return _axis_slice(v, ax, np.repeat(np.arange(s[ax]), r))


def tile(A: Any, reps: Any) -> Value:
    """`A` repeated `reps[i]` times along axis i: reshape, broadcast_to, reshape."""
    v = value(A, "tile")
    reps = tuple(_ints("tile", reps, "reps").reshape(-1).tolist())
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: reps may not be negative, got {reps}")
    d = max(len(reps), v.ndim)
    s, reps = (1,) * (d - v.ndim) + v.shape, (1,) * (d - len(reps)) + reps
    pairs = list(zip(reps, s, strict=True))  # axis i becomes (reps[i], s[i]), then merges
    t = apply(RESHAPE, v, params=(tuple(x for _, n in pairs for x in (1, n)),))
    t = apply(BROADCAST_TO, t, params=(tuple(x for p in pairs for x in p),))
    return apply(RESHAPE, t, params=(tuple(r * n for r, n in pairs),))


def _pairs(who: str, x: Any, nd: int, what: str) -> np.ndarray:
    """numpy's (before, after) pairs: a number, one pair, or one pair per axis -> (nd, 2)."""
    arr = np.asarray(x)
    if arr.size == 2 and arr.shape != (2, 1):
        arr = arr.reshape(-1)
    try:
        return np.broadcast_to(arr, (nd, 2))
    except ValueError:
        raise ValueError(f"{who}: {what} of shape {fmt(arr.shape)} does not fit a Value with "
                         f"{nd} dimensions; give a number, one (before, after) pair, or one "
                         "pair per axis") from None


_INDEX_MODES = ("edge", "reflect", "symmetric", "wrap")


def pad(array: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Value:
    """Pad each axis with `pad_width` (before, after) entries: constant mode is the
    `pad` op; edge/reflect/symmetric/wrap take each new entry from an index of the input."""
    v = value(array, "pad")
    if isinstance(pad_width, Value):
        raise TypeError("pad: pad_width must be integers, not a Value")
    widths = _pairs("pad", _ints("pad", pad_width, "pad_width"), v.ndim, "pad_width")
    if widths.size and widths.min() < 0:
        raise ValueError(f"pad: pad widths must be >= 0, got {widths.tolist()}")
    if mode == "constant":
        cv = kwargs.pop("constant_values", 0)
        if kwargs:
            raise TypeError(f"pad: unexpected keyword arguments {sorted(kwargs)} for mode "
                            "'constant'")
        if isinstance(cv, Value):
            raise TypeError("pad: constant_values must be numbers, not a Value")
        cvs = _pairs("pad", cv, v.ndim, "constant_values").astype(float)
        if not cvs.size or (cvs == cvs.flat[0]).all():
            cv = float(cvs.flat[0]) if cvs.size else 0.0
        else:
            cv = tuple(map(tuple, cvs.tolist()))
        return apply(PAD, v, params=(tuple(map(tuple, widths.tolist())), cv))
    if mode not in _INDEX_MODES:
        raise ValueError(f"pad: mode={mode!r} is not supported for Values; use 'constant', "
                         "'edge', 'reflect', 'symmetric' or 'wrap'")
    if kwargs.get("reflect_type", "even") != "even" or set(kwargs) - {"reflect_type"}:
        raise ValueError(f"pad: mode={mode!r} supports only reflect_type='even' for Values, "
                         f"got {kwargs}")
    out = v
    for ax, (b, e) in enumerate(widths.tolist()):
        if b or e:
            try:  # the input index each output entry reads (mode: one of _INDEX_MODES)
                idx = np.pad(np.arange(v.shape[ax]), (b, e), mode=cast(Any, mode), **kwargs)
            except ValueError as err:
                raise ValueError(f"pad: cannot pad axis {ax} of a Value of shape "
                                 f"{fmt(v.shape)} in mode {mode!r}: {err}") from None
            out = _axis_slice(out, ax, idx)
    return out if out is not v else same(v)


def roll(a: Any, shift: Any, axis: Any = None) -> Value:
    """Shift entries along axes, wrapping around: two slices joined in swapped order."""
    v = value(a, "roll")
    if axis is None:
        flat = roll(apply(RESHAPE, v, params=((-1,),)), shift, 0)
        return apply(RESHAPE, flat, params=(v.shape,))
    shifts, axes = np.broadcast_arrays(_ints("roll", shift, "shift"), _ints("roll", axis, "axis"))
    total: dict[int, int] = {}
    for s, ax in zip(shifts.reshape(-1).tolist(), axes.reshape(-1).tolist(), strict=True):
        ax = axis_of("roll", ax, v.ndim)
        total[ax] = total.get(ax, 0) + s
    out = v
    for ax, s in total.items():
        n = v.shape[ax]
        s = s % n if n else 0
        if s:
            lo, hi = _axis_slice(out, ax, slice(n - s, None)), _axis_slice(out, ax, slice(0, n - s))
            out = apply(concatenate_op(2), lo, hi, params=(ax,))
    return out if out is not v else same(v)


# ---------------------------------------------------------------- flips and diagonals


def flip(m: Any, axis: Any = None) -> Value:
    """Reverse the order along `axis` (all axes for None): a slice with step -1."""
    v = value(m, "flip")
    axes = range(v.ndim) if axis is None else axes_of("flip", axis, v.ndim)
    if not v.ndim or not axes:
        return same(v)
    return v[tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(v.ndim))]


def fliplr(m: Any) -> Value:
    """Reverse axis 1 (columns)."""
    need_ndim("fliplr", m, 2)
    return flip(m, 1)


def flipud(m: Any) -> Value:
    """Reverse axis 0 (rows)."""
    need_ndim("flipud", m, 1)
    return flip(m, 0)


def rot90(m: Any, k: int = 1, axes: Any = (0, 1)) -> Value:
    """Rotate by 90 degrees `k` times in the plane `axes`, from the first toward the second."""
    v = value(m, "rot90")
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError(f"rot90: axes must name 2 axes, got {axes}")
    a0, a1 = (axis_of("rot90", a, v.ndim) for a in axes)
    if a0 == a1:
        raise ValueError(f"rot90: the two axes must differ, got {axes}")
    k %= 4
    if k == 0:
        return same(v)
    if k == 2:
        return flip(v, (a0, a1))
    perm = list(range(v.ndim))
    perm[a0], perm[a1] = a1, a0
    if k == 1:
        return permute(flip(v, a1), tuple(perm))
    return flip(permute(v, tuple(perm)), a1)


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Value:
    """The diagonal of the (axis1, axis2) planes, as a new last axis: a strided slice of
    the flattened planes, so the backward pass is a plain slice assignment."""
    v = value(a, "diagonal")
    need_ndim("diagonal", v, 2)
    i = axis_of("diagonal", axis1, v.ndim)
    j = axis_of("diagonal", axis2, v.ndim)
    if i == j:
        raise ValueError(f"diagonal: axis1 and axis2 must differ, got {axis1} and {axis2}")
    perm = (*(d for d in range(v.ndim) if d not in (i, j)), i, j)
    if perm != tuple(range(v.ndim)):
        v = permute(v, perm)
    *lead, n1, n2 = v.shape
    r0, c0 = max(-offset, 0), max(offset, 0)
    length = max(0, min(n1 - r0, n2 - c0))
    start = r0 * n2 + c0
    sl = slice(start, start + (length - 1) * (n2 + 1) + 1, n2 + 1) if length else slice(0, 0)
    return apply(RESHAPE, v, params=((*lead, n1 * n2),))[..., sl]


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None,
          out: Any = None) -> Value:
    """Sum of the diagonal: diagonal(...).sum(-1); a 2-D input gives a scalar Value."""
    no_out("trace", out)
    return cast_to(diagonal(a, offset, axis1, axis2).sum(axis=-1), dtype, "trace")


def diag(v: Any, k: int = 0) -> Value:
    """1-D (n,) -> the (n+|k|, n+|k|) matrix with it on diagonal k (a `scatter` into the
    flattened zeros at a strided slice); 2-D -> its diagonal k."""
    x = value(v, "diag")
    if x.ndim == 2:
        return diagonal(x, k)
    if x.ndim != 1:
        raise ValueError(f"diag: needs a 1-D Value (to build a matrix) or a 2-D one (to read "
                         f"its diagonal), got shape {fmt(x.shape)}")
    n = x.shape[0]
    m = n + abs(k)
    start = k if k >= 0 else -k * m
    sl = slice(start, start + (n - 1) * (m + 1) + 1, m + 1) if n else slice(0, 0)
    flat = apply(SCATTER, x, params=((m * m,), x.dtype, sl))
    return apply(RESHAPE, flat, params=((m, m),))


def _triangle(who: str, m: Any, k: int, lower: bool) -> Value:
    v = value(m, who)
    need_ndim(who, v, 1)
    rc = v.shape[-2:]
    r, c = rc[0], rc[-1]  # as np.tri(*rc), which mypy rejects; one axis: r = c (np.tri(N))
    keep = np.tri(r, c, k=k, dtype=bool) if lower else ~np.tri(r, c, k=k - 1, dtype=bool)
    return apply(WHERE, v, 0.0, params=(keep,))


def triu(m: Any, k: int = 0) -> Value:
    """Zero below diagonal k of the last two axes (a 1-D input gives a square matrix)."""
    return _triangle("triu", m, k, lower=False)


def tril(m: Any, k: int = 0) -> Value:
    """Zero above diagonal k of the last two axes (a 1-D input gives a square matrix)."""
    return _triangle("tril", m, k, lower=True)


def select(condlist: Any, choicelist: Any, default: Any = 0) -> Value:
    """Where condition i holds (the first that does), choice i; elsewhere `default`.
    Conditions are constants (boolean arrays, e.g. `v > 0`); choices may be Values."""
    conds, choices = list(condlist), list(choicelist)
    if len(conds) != len(choices):
        raise ValueError(f"select: condlist has {len(conds)} entries but choicelist has "
                         f"{len(choices)}; give one condition per choice")
    if not conds:
        raise ValueError("select: needs at least one condition")
    out = operand(default, "select")
    for i in range(len(conds) - 1, -1, -1):
        c = conds[i]
        if isinstance(c, Value) or np.asarray(c).dtype != bool:
            raise TypeError(f"select: condition {i} must be a boolean array (e.g. v > 0), not "
                            f"{'a Value' if isinstance(c, Value) else np.asarray(c).dtype}")
        out = apply(WHERE, operand(choices[i], "select"), out, params=(np.asarray(c),))
    return out


# ---------------------------------------------------------------- sorting and taking


def _along(v: Value, idx: np.ndarray, ax: int) -> Value:
    """`np.take_along_axis(v, idx, ax)` as one getitem: index arrays for every axis."""
    if v.ndim == 1:
        return v[idx]
    grid = [np.arange(n).reshape([-1 if d == i else 1 for d in range(v.ndim)])
            for i, n in enumerate(v.shape)]
    grid[ax] = idx
    return v[tuple(grid)]


def sort(a: Any, axis: Any = -1, kind: Any = None, order: Any = None, *,
         stable: Any = None) -> Value:
    """Sorted along `axis` (flattened for None): a getitem by the data's argsort, so the
    gradient goes back to each entry's original position."""
    if order is not None:
        raise TypeError("sort: order= is for structured arrays; Values hold floats")
    v = value(a, "sort")
    if axis is None:
        v, axis = apply(RESHAPE, v, params=((-1,),)), 0
    ax = axis_of("sort", axis, v.ndim)
    return _along(v, np.argsort(v.data, axis=ax, kind=kind, stable=stable), ax)


def take_along_axis(arr: Any, indices: Any, axis: Any = -1) -> Value:
    """Entries picked along `axis` by `indices` (same ndim; other axes broadcast)."""
    v, idx = value(arr, "take_along_axis"), _ints("take_along_axis", indices, "indices")
    if axis is None:
        if idx.ndim != 1:
            raise ValueError(f"take_along_axis: with axis=None the indices must be 1-D, got "
                             f"shape {fmt(idx.shape)}")
        v, axis = apply(RESHAPE, v, params=((-1,),)), 0
    if idx.ndim != v.ndim:
        raise ValueError(f"take_along_axis: indices of shape {fmt(idx.shape)} and a Value of "
                         f"shape {fmt(v.shape)} need the same number of dimensions "
                         "(np.expand_dims the indices)")
    ax = axis_of("take_along_axis", axis, v.ndim)
    return _along(v, _bounded("take_along_axis", idx, v.shape[ax], ax, "raise"), ax)


def _bounded(who: str, idx: np.ndarray, n: int, ax: int, mode: str) -> np.ndarray:
    if mode == "wrap":
        return idx % n if n else idx
    if mode == "clip":
        return np.clip(idx, 0, n - 1) if n else idx
    if mode != "raise":
        raise ValueError(f"{who}: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    bad = idx[(idx < -n) | (idx >= n)]
    if bad.size:
        raise IndexError(f"{who}: index {bad.flat[0]} is out of bounds for axis {ax} with "
                         f"size {n}")
    return idx


def take(a: Any, indices: Any, axis: Any = None, out: Any = None, mode: str = "raise") -> Value:
    """Entries at `indices` along `axis` (of the flattened input for None); a single
    index gives a scalar Value."""
    no_out("take", out)
    v, idx = value(a, "take"), _ints("take", indices, "indices")
    if axis is None:
        v, axis = apply(RESHAPE, v, params=((-1,),)), 0
    ax = axis_of("take", axis, v.ndim)
    idx = _bounded("take", idx, v.shape[ax], ax, mode)
    return _axis_slice(v, ax, int(idx) if idx.ndim == 0 else idx)


FUNCTIONS: dict[Callable, Callable] = {
    np.copy: copy, np.repeat: repeat, np.tile: tile, np.pad: pad, np.roll: roll,
    np.flip: flip, np.fliplr: fliplr, np.flipud: flipud, np.rot90: rot90,
    np.diag: diag, np.diagonal: diagonal, np.trace: trace, np.triu: triu, np.tril: tril,
    np.select: select, np.sort: sort, np.take: take, np.take_along_axis: take_along_axis,
}
