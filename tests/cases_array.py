"""Cases for the ops of ops_array.py (concatenate, pad) and for numpy's joining,
splitting, shape, copying and selecting functions, which compose the core ops
(reshape, transpose, broadcast_to, getitem, scatter, where, cast). Every ``mg`` goes
through numpy's own function, so the ``__array_function__`` dispatch is what is tested.
Cases tagged ``sq`` square the result: their Hessian is not zero, so the second-order
test differentiates the op's VJP itself. See opcases.py for the case type.
"""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np

from micrograd_nn.engine import apply
from opcases import CASES as _ALL
from opcases import NO_SCALAR, SCALAR_USE, D, N, case

_START = len(_ALL)

# numpy rejects 0-d inputs to concatenate; the table test expects the error to name it
NO_SCALAR.add("concatenate")
SCALAR_USE["concatenate"] = lambda a, b: np.concatenate([a, b])


def _tt(T, x):  # a constant for torch
    return T.tensor(x)


# ---------------------------------------------------------------- concatenate (op)
case("concatenate", "axis0", (N(2, 3), N(4, 3)), lambda a, b: np.concatenate([a, b]),
     lambda a, b: anp.concatenate([a, b]), lambda T, a, b: T.cat([a, b]))
case("concatenate", "axis-1", (N(2, 3), N(2, 2)), lambda a, b: np.concatenate((a, b), axis=-1),
     lambda a, b: anp.concatenate([a, b], axis=1), lambda T, a, b: T.cat([a, b], -1))
case("concatenate", "3-inputs", (N(2), N(3), N(1)), lambda a, b, c: np.concatenate([a, b, c]),
     lambda a, b, c: anp.concatenate([a, b, c]), lambda T, a, b, c: T.cat([a, b, c]))
case("concatenate", "1-input", (N(2, 3),), lambda a: np.concatenate([a], axis=1),
     lambda a: anp.concatenate([a], axis=1), lambda T, a: T.cat([a], 1))
case("concatenate", "axis-none", (N(2, 3), N(4)), lambda a, b: np.concatenate([a, b], axis=None),
     lambda a, b: anp.concatenate([anp.ravel(a), b]),
     lambda T, a, b: T.cat([a.reshape(-1), b]))
_C23 = np.arange(6.0).reshape(2, 3)
case("concatenate", "const-array", (N(1, 3),), lambda a: np.concatenate([_C23, a, _C23]),
     lambda a: anp.concatenate([_C23, a, _C23]),
     lambda T, a: T.cat([_tt(T, _C23), a, _tt(T, _C23)]))
case("concatenate", "same-input-twice", (N(3),), lambda a: np.concatenate([a, a]),
     lambda a: anp.concatenate([a, a]), lambda T, a: T.cat([a, a]))
case("concatenate", "apply", (N(2, 2), N(2, 1)),
     lambda a, b: apply("concatenate", a, b, params=(1,)),
     lambda a, b: anp.concatenate([a, b], axis=1), lambda T, a, b: T.cat([a, b], 1))
case("concatenate", "sq", (N(2, 3), N(1, 3)), lambda a, b: np.concatenate([a, b]) ** 2,
     lambda a, b: anp.concatenate([a, b]) ** 2, lambda T, a, b: T.cat([a, b]) ** 2)
case("concatenate", "3-inputs-sq", (N(2), N(1), N(2)),
     lambda a, b, c: np.concatenate([a * b, c, a]) ** 2,
     lambda a, b, c: anp.concatenate([a * b, c, a]) ** 2,
     lambda T, a, b, c: T.cat([a * b, c, a]) ** 2)
# the joining functions built on it
case("concatenate", "np.stack", (N(2, 3), N(2, 3)), lambda a, b: np.stack([a, b], axis=1),
     lambda a, b: anp.stack([a, b], axis=1), lambda T, a, b: T.stack([a, b], 1))
case("concatenate", "np.stack-last", (N(3), N(3), N(3)),
     lambda a, b, c: np.stack([a, b, c], axis=-1),
     lambda a, b, c: anp.stack([a, b, c], axis=-1), lambda T, a, b, c: T.stack([a, b, c], -1))
case("concatenate", "np.vstack", (N(3), N(2, 3)), lambda a, b: np.vstack([a, b]),
     lambda a, b: anp.vstack([a, b]), lambda T, a, b: T.vstack([a, b]))
case("concatenate", "np.hstack", (N(2, 3), N(2, 1)), lambda a, b: np.hstack((a, b)),
     lambda a, b: anp.hstack((a, b)), lambda T, a, b: T.hstack((a, b)))
case("concatenate", "np.hstack-1d", (N(2), N(3)), lambda a, b: np.hstack((a, b)),
     lambda a, b: anp.hstack((a, b)), lambda T, a, b: T.hstack((a, b)))
case("concatenate", "np.column_stack", (N(3), N(3, 2)), lambda a, b: np.column_stack([a, b]),
     lambda a, b: anp.concatenate([anp.reshape(a, (3, 1)), b], axis=1),
     lambda T, a, b: T.column_stack([a, b]))
case("concatenate", "np.dstack", (N(2, 3), N(2, 3)), lambda a, b: np.dstack([a, b]),
     lambda a, b: anp.concatenate([anp.reshape(a, (2, 3, 1)), anp.reshape(b, (2, 3, 1))], 2),
     lambda T, a, b: T.dstack([a, b]))
case("concatenate", "np.append", (N(2, 3), N(4)), lambda a, b: np.append(a, b),
     lambda a, b: anp.concatenate([anp.ravel(a), b]), lambda T, a, b: T.cat([a.reshape(-1), b]))
case("concatenate", "np.append-axis0", (N(2, 3), N(1, 3)), lambda a, b: np.append(a, b, axis=0),
     lambda a, b: anp.concatenate([a, b]), lambda T, a, b: T.cat([a, b]))
case("concatenate", "np.roll", (N(3, 4),), lambda a: np.roll(a, 1, axis=1),
     lambda a: anp.roll(a, 1, axis=1), lambda T, a: T.roll(a, 1, 1))
case("concatenate", "np.roll-flat", (N(3, 4),), lambda a: np.roll(a, -5),
     lambda a: anp.roll(a, -5), lambda T, a: T.roll(a, -5))
case("concatenate", "np.roll-two-axes", (N(3, 4),), lambda a: np.roll(a, (1, -6), axis=(0, 1)),
     lambda a: anp.roll(anp.roll(a, 1, axis=0), -6, axis=1),
     lambda T, a: T.roll(a, (1, -6), (0, 1)))

# ---------------------------------------------------------------- pad (op)


def _tpad(T, a, widths, value=0.0):
    """torch's pad takes (before, after) pairs from the last axis backwards."""
    flat = [w for pair in reversed(widths) for w in pair]
    return T.nn.functional.pad(a, flat, value=value)


case("pad", "int-width", (N(2, 3),), lambda a: np.pad(a, 1),
     lambda a: anp.pad(a, 1, "constant"), lambda T, a: _tpad(T, a, [(1, 1), (1, 1)]))
case("pad", "pairs-per-axis", (N(2, 3),), lambda a: np.pad(a, ((1, 0), (2, 3))),
     lambda a: anp.pad(a, ((1, 0), (2, 3)), "constant"),
     lambda T, a: _tpad(T, a, [(1, 0), (2, 3)]))
case("pad", "one-pair-constant", (N(2, 2, 2),),
     lambda a: np.pad(a, (0, 2), mode="constant", constant_values=1.5),
     lambda a: anp.pad(a, (0, 2), "constant", constant_values=1.5),
     lambda T, a: _tpad(T, a, [(0, 2)] * 3, 1.5))
case("pad", "zero-width-axis", (N(4),), lambda a: np.pad(a, [(0, 3)]),
     lambda a: anp.pad(a, [(0, 3)], "constant"), lambda T, a: _tpad(T, a, [(0, 3)]))
case("pad", "scalar", (N(),), lambda a: np.pad(a, 0), lambda a: a * 1.0, lambda T, a: a * 1.0)
case("pad", "sq", (N(2, 2),), lambda a: np.pad(a * a, ((1, 2), (0, 1))) ** 2,
     lambda a: anp.pad(a * a, ((1, 2), (0, 1)), "constant") ** 2,
     lambda T, a: _tpad(T, a * a, [(1, 2), (0, 1)]) ** 2)
# the other modes are index maps: getitem with index arrays
_R3, _C4 = np.array([1, 0, 1, 2, 1]), np.array([2, 1, 0, 1, 2, 3])
case("getitem", "np.pad-reflect", (N(3, 4),), lambda a: np.pad(a, ((1, 1), (2, 0)), "reflect"),
     lambda a: a[_R3][:, _C4],
     lambda T, a: T.nn.functional.pad(a[None, None], (2, 0, 1, 1), mode="reflect")[0, 0])
case("getitem", "np.pad-edge", (N(3, 4),), lambda a: np.pad(a, ((2, 1), (0, 1)), mode="edge"),
     lambda a: a[np.array([0, 0, 0, 1, 2, 2])][:, np.array([0, 1, 2, 3, 3])],
     lambda T, a: T.nn.functional.pad(a[None, None], (0, 1, 2, 1), mode="replicate")[0, 0])
case("getitem", "np.pad-wrap", (N(3, 4),), lambda a: np.pad(a, ((0, 0), (1, 2)), mode="wrap"),
     lambda a: a[:, np.array([3, 0, 1, 2, 3, 0, 1])],
     lambda T, a: T.nn.functional.pad(a[None, None], (1, 2, 0, 0), mode="circular")[0, 0])
_SYM = [0, 0, 1, 2, 2]
case("getitem", "np.pad-symmetric", (N(3),), lambda a: np.pad(a, 1, mode="symmetric"),
     lambda a: a[np.array(_SYM)], lambda T, a: a[_tt(T, _SYM)])

# ---------------------------------------------------------------- reshape via numpy
case("reshape", "np.reshape", (N(2, 3),), lambda a: np.reshape(a, (3, 2)),
     lambda a: anp.reshape(a, (3, 2)), lambda T, a: a.reshape(3, 2))
case("reshape", "np.reshape-F", (N(2, 3),), lambda a: np.reshape(a, (3, 2), order="F"),
     lambda a: anp.reshape(a, (3, 2), order="F"), lambda T, a: a.T.reshape(2, 3).T)
case("reshape", "np.ravel", (N(2, 3),), np.ravel, anp.ravel, lambda T, a: a.reshape(-1))
case("reshape", "np.ravel-F", (N(2, 3),), lambda a: np.ravel(a, order="F"),
     lambda a: anp.ravel(a, order="F"), lambda T, a: a.T.reshape(-1))
case("reshape", "np.squeeze", (N(1, 3, 1),), np.squeeze, anp.squeeze, lambda T, a: a.squeeze())
case("reshape", "np.squeeze-axis", (N(1, 3, 1),), lambda a: np.squeeze(a, axis=-1),
     lambda a: anp.squeeze(a, axis=-1), lambda T, a: a.squeeze(-1))
case("reshape", "np.expand_dims", (N(2, 3),), lambda a: np.expand_dims(a, (0, 2)),
     lambda a: anp.expand_dims(a, (0, 2)), lambda T, a: a[None, :, None, :])
case("reshape", "np.atleast_1d-scalar", (N(),), np.atleast_1d, anp.atleast_1d,
     lambda T, a: T.atleast_1d(a))
case("reshape", "np.atleast_2d", (N(3),), np.atleast_2d, anp.atleast_2d,
     lambda T, a: T.atleast_2d(a))
case("reshape", "np.atleast_3d", (N(2, 3),), np.atleast_3d, anp.atleast_3d,
     lambda T, a: T.atleast_3d(a))

# ---------------------------------------------------------------- transpose via numpy
case("transpose", "np.transpose", (N(2, 3, 4),), lambda a: np.transpose(a, (1, 2, 0)),
     lambda a: anp.transpose(a, (1, 2, 0)), lambda T, a: a.permute(1, 2, 0))
case("transpose", "np.transpose-default", (N(2, 3, 4),), np.transpose, anp.transpose,
     lambda T, a: a.permute(2, 1, 0))
case("transpose", "np.swapaxes", (N(2, 3, 4),), lambda a: np.swapaxes(a, 0, -1),
     lambda a: anp.swapaxes(a, 0, 2), lambda T, a: a.swapaxes(0, -1))
case("transpose", "np.moveaxis", (N(2, 3, 4),), lambda a: np.moveaxis(a, 0, -1),
     lambda a: anp.moveaxis(a, 0, -1), lambda T, a: T.movedim(a, 0, -1))
case("transpose", "np.moveaxis-two", (N(2, 3, 4),), lambda a: np.moveaxis(a, (0, 1), (2, 0)),
     lambda a: anp.moveaxis(a, (0, 1), (2, 0)), lambda T, a: T.movedim(a, (0, 1), (2, 0)))
case("transpose", "np.rollaxis", (N(2, 3, 4),), lambda a: np.rollaxis(a, 2),
     lambda a: anp.rollaxis(a, 2), lambda T, a: a.permute(2, 0, 1))
case("transpose", "np.rot90", (N(2, 3),), np.rot90, anp.rot90, lambda T, a: T.rot90(a))
case("transpose", "np.rot90-k3-axes", (N(2, 3, 4),), lambda a: np.rot90(a, 3, axes=(1, 2)),
     lambda a: anp.swapaxes(a, 1, 2)[:, :, ::-1], lambda T, a: T.rot90(a, 3, (1, 2)))

# ---------------------------------------------------------------- broadcast_to via numpy
case("broadcast_to", "np.broadcast_to", (N(3, 1),), lambda a: np.broadcast_to(a, (2, 3, 4)),
     lambda a: a * np.ones((2, 3, 4), dtype=bool), lambda T, a: a.expand(2, 3, 4))
case("broadcast_to", "np.broadcast_arrays", (N(3, 1), N(4)),
     lambda a, b: (lambda p, q: p * q)(*np.broadcast_arrays(a, b)),
     lambda a, b: a * b, lambda T, a, b: a.expand(3, 4) * b.expand(3, 4))
case("broadcast_to", "np.tile", (N(2, 3),), lambda a: np.tile(a, (2, 1, 2)),
     lambda a: anp.tile(a, (2, 1, 2)), lambda T, a: a.repeat(2, 1, 2))
case("broadcast_to", "np.tile-int", (N(3),), lambda a: np.tile(a, 2),
     lambda a: anp.tile(a, 2), lambda T, a: a.repeat(2))
case("broadcast_to", "np.repeat", (N(2, 3),), lambda a: np.repeat(a, 2, axis=1),
     lambda a: anp.repeat(a, 2, axis=1), lambda T, a: T.repeat_interleave(a, 2, dim=1))
case("broadcast_to", "np.repeat-flat", (N(2, 3),), lambda a: np.repeat(a, 3),
     lambda a: anp.repeat(a, 3), lambda T, a: T.repeat_interleave(a.reshape(-1), 3))

# ---------------------------------------------------------------- getitem via numpy
_FLAT = [0, 5, 5, -1]
case("getitem", "np.take-flat", (N(3, 4),), lambda a: np.take(a, _FLAT),
     lambda a: anp.ravel(a)[np.array(_FLAT)], lambda T, a: a.reshape(-1)[_tt(T, _FLAT)])
case("getitem", "np.take-axis", (N(3, 4),), lambda a: np.take(a, [2, 0, 2], axis=1),
     lambda a: a[:, np.array([2, 0, 2])], lambda T, a: T.index_select(a, 1, _tt(T, [2, 0, 2])))
case("getitem", "np.take-one", (N(3, 4),), lambda a: np.take(a, 5),
     lambda a: anp.ravel(a)[5], lambda T, a: a.reshape(-1)[5])
_ALONG = np.array([[3, 0], [1, 1], [0, 2]])
case("getitem", "np.take_along_axis", (N(3, 4),), lambda a: np.take_along_axis(a, _ALONG, 1),
     lambda a: a[np.arange(3)[:, None], _ALONG],
     lambda T, a: T.take_along_dim(a, _tt(T, _ALONG), 1))


def _sorted(a, axis):
    """autograd's sort has no gradient beyond 1-D: index by the argsort instead."""
    idx = anp.argsort(a, axis=axis)
    grid = list(np.ix_(*(np.arange(n) for n in a.shape)))
    grid[axis] = idx
    return a[tuple(grid)]


case("getitem", "np.sort", (D(5),), np.sort, anp.sort, lambda T, a: T.sort(a).values)
case("getitem", "np.sort-axis0", (D(3, 4),), lambda a: np.sort(a, axis=0),
     lambda a: _sorted(a, 0), lambda T, a: T.sort(a, dim=0).values)
case("getitem", "np.sort-none", (D(3, 4),), lambda a: np.sort(a, axis=None),
     lambda a: anp.sort(anp.ravel(a)), lambda T, a: T.sort(a.reshape(-1)).values)
case("getitem", "np.sort-sq", (D(2, 3),), lambda a: np.sort(a * a) * a,
     lambda a: _sorted(a * a, 1) * a, lambda T, a: T.sort(a * a).values * a)
case("getitem", "np.flip", (N(2, 3, 4),), lambda a: np.flip(a, (0, 2)),
     lambda a: a[::-1, :, ::-1], lambda T, a: T.flip(a, (0, 2)))
case("getitem", "np.flip-all", (N(2, 3),), np.flip, lambda a: a[::-1, ::-1],
     lambda T, a: T.flip(a, (0, 1)))
case("getitem", "np.fliplr", (N(2, 3),), np.fliplr, anp.fliplr, lambda T, a: T.fliplr(a))
case("getitem", "np.flipud", (N(2, 3),), np.flipud, anp.flipud, lambda T, a: T.flipud(a))
case("getitem", "np.diagonal", (N(3, 4),), lambda a: np.diagonal(a, 1),
     lambda a: a[np.arange(3), np.arange(1, 4)], lambda T, a: T.diagonal(a, 1))
case("getitem", "np.diagonal-3d", (N(2, 3, 4),), lambda a: np.diagonal(a, -1, axis1=2, axis2=0),
     lambda a: anp.transpose(a, (1, 2, 0))[:, np.arange(1, 3), np.arange(2)],
     lambda T, a: T.diagonal(a, -1, 2, 0))
case("getitem", "np.trace", (N(3, 4),), np.trace, anp.trace, lambda T, a: T.trace(a))
case("getitem", "np.trace-offset-3d", (N(3, 3, 2),), lambda a: np.trace(a, 1),
     lambda a: anp.trace(a, 1), lambda T, a: T.diagonal(a, 1, 0, 1).sum(-1))
case("getitem", "np.diag-2d", (N(3, 4),), lambda a: np.diag(a, -1),
     lambda a: a[np.arange(1, 3), np.arange(2)], lambda T, a: T.diag(a, -1))
case("getitem", "np.repeat-counts", (N(2, 3),), lambda a: np.repeat(a, [1, 0, 2], axis=1),
     lambda a: a[:, np.array([0, 2, 2])],
     lambda T, a: T.repeat_interleave(a, _tt(T, [1, 0, 2]), dim=1))
case("getitem", "np.split", (N(4, 6),), lambda a: (lambda p: p[0] * p[2] - p[1])(np.split(a, 3, 1)),
     lambda a: (lambda p: p[0] * p[2] - p[1])(anp.split(a, 3, 1)),
     lambda T, a: (lambda p: p[0] * p[2] - p[1])(T.split(a, 2, 1)))
case("getitem", "np.array_split", (N(7),),
     lambda a: (lambda p: p[0][:2] * p[1] + p[2])(np.array_split(a, 3)),
     lambda a: (lambda p: p[0][:2] * p[1] + p[2])(anp.array_split(a, 3)),
     lambda T, a: (lambda p: p[0][:2] * p[1] + p[2])(T.tensor_split(a, 3)))
case("getitem", "np.vsplit", (N(4, 2),),
     lambda a: (lambda p: p[0] + p[2] * p[1])(np.vsplit(a, [1, 3])),
     lambda a: (lambda p: p[0] + p[2] * p[1])(anp.vsplit(a, [1, 3])),
     lambda T, a: (lambda p: p[0] + p[2] * p[1])(T.vsplit(a, [1, 3])))
case("getitem", "np.hsplit", (N(2, 4),), lambda a: (lambda p: p[0] * p[1])(np.hsplit(a, 2)),
     lambda a: (lambda p: p[0] * p[1])(anp.hsplit(a, 2)),
     lambda T, a: (lambda p: p[0] * p[1])(T.hsplit(a, 2)))
case("getitem", "np.dsplit", (N(1, 2, 4),), lambda a: (lambda p: p[1] - p[0])(np.dsplit(a, [3])),
     lambda a: (lambda p: p[1] - p[0])(anp.dsplit(a, [3])),
     lambda T, a: (lambda p: p[1] - p[0])(T.dsplit(a, [3])))

# ---------------------------------------------------------------- scatter, where, cast via numpy
case("scatter", "np.diag-1d", (N(3),), np.diag, anp.diag, lambda T, a: T.diag(a))
case("scatter", "np.diag-1d-k", (N(2),), lambda a: np.diag(a, 2), lambda a: anp.diag(a, 2),
     lambda T, a: T.diag(a, 2))
case("scatter", "np.diag-1d-sq", (N(3),), lambda a: np.diag(a * a, -1) ** 2,
     lambda a: anp.diag(a * a, -1) ** 2, lambda T, a: T.diag(a * a, -1) ** 2)
case("where", "np.triu", (N(3, 4),), lambda a: np.triu(a, 1), lambda a: anp.triu(a, 1),
     lambda T, a: T.triu(a, 1))
case("where", "np.tril-3d", (N(2, 3, 3),), lambda a: np.tril(a, -1), lambda a: anp.tril(a, -1),
     lambda T, a: T.tril(a, -1))
case("where", "np.triu-1d", (N(3),), np.triu, lambda a: a * np.triu(np.ones((3, 3), dtype=bool)),
     lambda T, a: T.triu(a.expand(3, 3)))
_C1 = np.array([[True, False, False], [False, True, False]])
_C2 = np.array([[True, True, False], [False, True, True]])
case("where", "np.select", (N(2, 3), N(2, 3)),
     lambda a, b: np.select([_C1, _C2], [a, b], default=0.5),
     lambda a, b: anp.where(_C1, a, anp.where(_C2, b, 0.5)),
     lambda T, a, b: T.where(_tt(T, _C1), a, T.where(_tt(T, _C2), b, 0.5)))
case("where", "np.select-value-default", (N(2, 3), N(3)),
     lambda a, b: np.select([a > 0], [a * a], default=b),
     lambda a, b: anp.where(a > 0, a * a, b * np.ones((2, 3), dtype=bool)),
     lambda T, a, b: T.where(a > 0, a * a, b))
case("cast", "np.copy", (N(2, 3),), np.copy, lambda a: a * 1.0, lambda T, a: a.clone())
case("cast", "np.copy-scalar", (N(),), np.copy, lambda a: a * 1.0, lambda T, a: a.clone())

CASES = _ALL[_START:]
