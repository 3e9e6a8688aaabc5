"""numpy's joining, splitting, shape, copying and selecting functions on Values, beyond
the op table (cases_array.py): keyword arguments, plain arrays and lists among Values,
scalar results, non-differentiable helpers, dtypes and error messages."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd_nn import Value, grad
from micrograd_nn.engine import apply
from micrograd_nn.ops_array import concatenate_op


def _v(*shape: int, dtype: type = np.float64) -> Value:
    return Value(np.arange(np.prod(shape), dtype=dtype).reshape(shape) + 1)


def _grad_of(out: Value, seed: np.ndarray | None = None) -> None:
    out.backward(np.ones(out.shape) if seed is None else seed)


# ---------------------------------------------------------------- joining


def test_plain_array_in_a_list_is_a_constant() -> None:
    arr, v = np.ones((1, 3)), _v(2, 3)
    out = np.concatenate([arr, v])
    assert isinstance(out, Value) and out.op == "concatenate"
    assert out.parents == (v,)
    assert any(x is arr for x in out.inputs)  # kept as raw data, not a graph node
    out.backward(np.arange(9.0).reshape(3, 3))
    np.testing.assert_array_equal(v.grad, np.arange(3.0, 9.0).reshape(2, 3))
    np.testing.assert_array_equal(arr, np.ones((1, 3)))


def test_nested_lists_join_as_constants() -> None:
    v = Value([1.0, 2.0])
    out = np.concatenate([[5, 6, 7], v])
    np.testing.assert_array_equal(out.data, [5, 6, 7, 1, 2])
    assert out.data.dtype == np.float64
    out.backward(np.arange(5.0))
    np.testing.assert_array_equal(v.grad, [3.0, 4.0])
    s = np.stack([v, [0, 0]], axis=1)
    assert s.shape == (2, 2)


def test_concatenate_any_number_of_inputs_is_one_node() -> None:
    vs = [_v(1, 2) for _ in range(5)]
    out = np.concatenate(vs)
    assert out.op == "concatenate" and len(out.parents) == 5
    out.backward(np.arange(10.0).reshape(5, 2))
    for i, v in enumerate(vs):
        np.testing.assert_array_equal(v.grad, [[2.0 * i, 2.0 * i + 1]])
    assert concatenate_op(5) is concatenate_op(5)  # made once per input count
    assert concatenate_op(5).nin == 5


def test_concatenate_a_value_joins_its_rows() -> None:
    v = _v(3, 2)
    np.testing.assert_array_equal(np.concatenate(v).data, v.data.reshape(-1))


def test_concatenate_axis_none_and_dtype() -> None:
    a, b = _v(2, 2, dtype=np.float32), _v(3, dtype=np.float32)
    out = np.concatenate([a, b], axis=None)
    assert out.shape == (7,) and out.dtype == np.float32
    wide = np.concatenate([a, b], axis=None, dtype=np.float64)
    assert wide.dtype == np.float64
    wide.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float32


def test_float64_constant_promotes_and_the_gradient_keeps_float32() -> None:
    v = _v(2, dtype=np.float32)
    out = np.concatenate([v, np.zeros(2)])
    assert out.dtype == np.float64  # numpy's promotion
    out.sum().backward()
    assert v.grad.dtype == np.float32


@pytest.mark.parametrize("fn, shape", [(np.vstack, (3, 2)), (np.hstack, (1, 6)),
                                       (np.column_stack, (1, 6)), (np.dstack, (1, 2, 3))])
def test_stacking_1d_rows_matches_numpy(fn, shape) -> None:
    a, b = _v(2), Value([7.0, 8.0])
    if fn is np.vstack:
        args = [a, b, [0.0, 0.0]]
    elif fn in (np.hstack, np.column_stack):
        args = [Value(np.ones((1, 2))), Value(np.zeros((1, 4)))]
    else:
        args = [a, b, b]
    want = fn([x.data if isinstance(x, Value) else x for x in args])
    out = fn(args)
    np.testing.assert_array_equal(out.data, want)
    assert out.shape == want.shape == shape


def test_stack_new_axis_positions() -> None:
    a, b = _v(2, 3), _v(2, 3) * 2
    for axis in (0, 1, 2, -1, -3):
        np.testing.assert_array_equal(np.stack([a, b], axis=axis).data,
                                      np.stack([a.data, b.data], axis=axis))


def test_append_flattens_by_default() -> None:
    v = _v(2, 2)
    np.testing.assert_array_equal(np.append(v, [9.0]).data, [1, 2, 3, 4, 9])
    np.testing.assert_array_equal(np.append(v, [[5.0, 6.0]], axis=0).data,
                                  [[1, 2], [3, 4], [5, 6]])


# ---------------------------------------------------------------- splitting


def test_split_pieces_each_carry_gradient() -> None:
    v = _v(2, 6)
    pieces = np.split(v, 3, axis=1)
    assert len(pieces) == 3 and all(p.shape == (2, 2) for p in pieces)
    total = pieces[0].sum() * 1 + pieces[1].sum() * 10 + pieces[2].sum() * 100
    total.backward()
    np.testing.assert_array_equal(v.grad, [[1, 1, 10, 10, 100, 100]] * 2)


def test_split_at_indices_follows_numpy_slicing() -> None:
    v = _v(7)
    for idx in ([2, 5], [3], [0, 7], [5, 2], [-2], [2, 10]):
        got = [p.data for p in np.split(v, idx)]
        want = np.split(v.data, idx)
        assert [g.shape for g in got] == [w.shape for w in want]
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)


def test_array_split_uneven_and_the_named_splits() -> None:
    v = _v(2, 4, 6)
    assert [p.shape[0] for p in np.array_split(_v(7), 3)] == [3, 2, 2]
    assert [p.shape for p in np.hsplit(v, 2)] == [(2, 2, 6)] * 2
    assert [p.shape for p in np.vsplit(v, [1])] == [(1, 4, 6), (1, 4, 6)]
    assert [p.shape for p in np.dsplit(v, 3)] == [(2, 4, 2)] * 3
    assert [p.shape for p in np.hsplit(_v(4), [1])] == [(1,), (3,)]


# ---------------------------------------------------------------- shapes


def test_shape_functions_match_numpy() -> None:
    v = _v(2, 1, 3)
    d = v.data
    pairs = [
        (np.reshape(v, (3, 2)), np.reshape(d, (3, 2))),
        (np.reshape(v, -1), np.reshape(d, -1)),
        (np.reshape(v, (3, -1), order="F"), np.reshape(d, (3, -1), order="F")),
        (np.ravel(v, order="F"), np.ravel(d, order="F")),
        (np.squeeze(v), np.squeeze(d)),
        (np.squeeze(v, axis=(1,)), np.squeeze(d, axis=(1,))),
        (np.expand_dims(v, -1), np.expand_dims(d, -1)),
        (np.swapaxes(v, 0, 2), np.swapaxes(d, 0, 2)),
        (np.moveaxis(v, [0, 2], [-1, 0]), np.moveaxis(d, [0, 2], [-1, 0])),
        (np.rollaxis(v, 2, 1), np.rollaxis(d, 2, 1)),
        (np.rollaxis(v, 0, 3), np.rollaxis(d, 0, 3)),
        (np.transpose(v, [2, 0, 1]), np.transpose(d, [2, 0, 1])),
        (np.broadcast_to(v, (4, 2, 5, 3)), np.broadcast_to(d, (4, 2, 5, 3))),
        (np.atleast_3d(_v(3)), np.atleast_3d(np.arange(3.0) + 1)),
    ]
    for got, want in pairs:
        assert isinstance(got, Value)
        np.testing.assert_array_equal(got.data, want)


def test_atleast_keeps_a_value_that_has_the_dimensions() -> None:
    v = _v(2, 3)
    assert np.atleast_2d(v) is v
    a, b = np.atleast_1d(v, 5.0)
    assert a is v and isinstance(b, np.ndarray) and b.shape == (1,)


def test_broadcast_arrays_mixes_values_and_arrays() -> None:
    v = _v(3, 1)
    p, q = np.broadcast_arrays(v, np.zeros(4))
    assert isinstance(p, Value) and p.shape == (3, 4)
    assert isinstance(q, np.ndarray) and q.shape == (3, 4)
    p.sum().backward()
    np.testing.assert_array_equal(v.grad, np.full((3, 1), 4.0))


def test_results_are_never_0d_arrays() -> None:
    v = _v(3, 3)
    for out in (np.trace(v), np.take(v, 4), np.reshape(Value([2.0]), ()),
                np.squeeze(Value([[2.0]])), np.copy(Value(2.0)), np.pad(Value(2.0), 0),
                np.transpose(Value(2.0)), np.sort(v, axis=None)[0]):
        assert isinstance(out, Value) and type(out.data) is float


def test_trace_gradient_is_the_identity() -> None:
    v = _v(3, 3)
    np.trace(v).backward()
    np.testing.assert_array_equal(v.grad, np.eye(3))


def test_value_methods_reach_the_handlers() -> None:
    v = _v(3, 4)
    d = v.data
    np.testing.assert_array_equal(v.diagonal(1).data, d.diagonal(1))
    assert v.trace(-1).data == d.trace(-1)
    np.testing.assert_array_equal(v.repeat(2, axis=0).data, d.repeat(2, axis=0))
    np.testing.assert_array_equal(v.take([0, -1], axis=1).data, d.take([0, -1], axis=1))
    np.testing.assert_array_equal(v.swapaxes(0, 1).data, d.swapaxes(0, 1))
    np.testing.assert_array_equal(v.ravel().data, d.ravel())


# ---------------------------------------------------------------- copying and selecting


def test_copy_owns_its_data() -> None:
    v = _v(2)
    c = np.copy(v)
    assert c.data is not v.data and not np.shares_memory(c.data, v.data)
    c.sum().backward()
    np.testing.assert_array_equal(v.grad, [1.0, 1.0])


def test_pad_keywords_match_numpy() -> None:
    v = _v(2, 3)
    d = v.data
    for width, kw in [(1, {}), ((1, 2), {}), (((0, 1), (2, 0)), {}),
                      (2, {"constant_values": -1.0}),
                      (((1, 1), (1, 2)), {"constant_values": ((1.0, 2.0), (3.0, 4.0))}),
                      (2, {"mode": "edge"}), ((1, 2), {"mode": "reflect"}),
                      (((0, 2), (3, 1)), {"mode": "symmetric"}), (5, {"mode": "wrap"})]:
        out = np.pad(v, width, **kw)
        np.testing.assert_array_equal(out.data, np.pad(d, width, **kw))


def test_pad_gradient_with_per_axis_constants() -> None:
    v = _v(2, 2)
    out = np.pad(v, 1, constant_values=((5.0, 6.0), (7.0, 8.0)))
    out.backward(np.arange(16.0).reshape(4, 4))
    np.testing.assert_array_equal(v.grad, [[5.0, 6.0], [9.0, 10.0]])


def test_pad_wrap_gradient_adds_up_repeated_entries() -> None:
    v = _v(2)
    np.pad(v, (3, 2), mode="wrap").sum().backward()  # 7 entries from 2: 4 and 3 copies
    np.testing.assert_array_equal(v.grad, [3.0, 4.0])


def test_roll_repeat_tile_flip_rot90_match_numpy() -> None:
    v = _v(2, 3, 4)
    d = v.data
    pairs = [
        (np.roll(v, 0), np.roll(d, 0)), (np.roll(v, 7, axis=-1), np.roll(d, 7, axis=-1)),
        (np.roll(v, (1, 1), axis=(2, 2)), np.roll(d, (1, 1), axis=(2, 2))),
        (np.repeat(v, 2), np.repeat(d, 2)), (np.repeat(v, [2, 0], axis=0),
                                             np.repeat(d, [2, 0], axis=0)),
        (np.tile(v, 2), np.tile(d, 2)), (np.tile(v, (2, 1, 1, 1)), np.tile(d, (2, 1, 1, 1))),
        (np.flip(v, -1), np.flip(d, -1)), (np.flipud(v), np.flipud(d)),
        (np.rot90(v, 2), np.rot90(d, 2)), (np.rot90(v, -1, (2, 0)), np.rot90(d, -1, (2, 0))),
        (np.rot90(v, 4), np.rot90(d, 4)),
    ]
    for got, want in pairs:
        np.testing.assert_array_equal(got.data, want)


def test_diagonals_match_numpy() -> None:
    v = _v(3, 4, 5)
    d = v.data
    for off, a1, a2 in [(0, 0, 1), (2, 1, 2), (-1, 2, 0), (-5, 0, 1), (9, 1, 2)]:
        np.testing.assert_array_equal(np.diagonal(v, off, a1, a2).data,
                                      np.diagonal(d, off, a1, a2))
        np.testing.assert_array_equal(np.trace(v, off, a1, a2).data, np.trace(d, off, a1, a2))
    w = _v(3, 4)
    for k in (-2, 0, 3):
        np.testing.assert_array_equal(np.diag(_v(3), k).data, np.diag(np.arange(3.0) + 1, k))
        np.testing.assert_array_equal(np.diag(w, k).data, np.diag(w.data, k))


def test_triu_tril_keep_inf_and_match_numpy() -> None:
    v = Value(np.array([[1.0, np.inf], [-np.inf, 2.0]]))
    np.testing.assert_array_equal(np.triu(v).data, np.triu(v.data))  # no inf * 0 = nan
    np.testing.assert_array_equal(np.tril(_v(2, 3, 4), 1).data, np.tril(_v(2, 3, 4).data, 1))


def test_select_first_true_condition_wins() -> None:
    a, b = Value([1.0, 2.0, 3.0]), Value([10.0, 20.0, 30.0])
    out = np.select([[True, False, False], [True, True, False]], [a, b], default=-1)
    np.testing.assert_array_equal(out.data, [1.0, 20.0, -1.0])
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, [1, 0, 0])
    np.testing.assert_array_equal(b.grad, [0, 1, 0])
    f32 = np.select([np.array([True, False])], [Value(np.ones(2, np.float32))])
    assert f32.dtype == np.float32  # a Python-number default does not widen


def test_sort_gradient_follows_the_entries() -> None:
    v = Value([3.0, 1.0, 2.0])
    np.sort(v).backward(np.array([10.0, 20.0, 30.0]))
    np.testing.assert_array_equal(v.grad, [30.0, 10.0, 20.0])
    w = Value([[2.0, 1.0], [0.0, 5.0]])
    np.testing.assert_array_equal(np.sort(w, axis=0).data, [[0.0, 1.0], [2.0, 5.0]])
    ties = Value([1.0, 1.0, 0.0])
    np.sort(ties, kind="stable").backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(ties.grad, [2.0, 3.0, 1.0])


def test_take_modes_and_along_axis() -> None:
    v = _v(2, 3)
    d = v.data
    for idx, kw in [([0, 4, -6], {}), ([5, -1, 7], {"mode": "wrap"}),
                    ([-3, 1, 9], {"mode": "clip"}), ([[0, 2], [1, 1]], {"axis": 1}),
                    (2, {"axis": 1})]:
        np.testing.assert_array_equal(np.take(v, idx, **kw).data, np.take(d, idx, **kw))
    idx = np.array([[2, 0], [1, 1]])
    np.testing.assert_array_equal(np.take_along_axis(v, idx, axis=1).data,
                                  np.take_along_axis(d, idx, axis=1))
    np.testing.assert_array_equal(np.take_along_axis(v, np.array([5, 0]), None).data, [6, 1])
    out = np.take(v, [1, 1, 1])
    out.sum().backward()
    np.testing.assert_array_equal(v.grad, [[0, 3, 0], [0, 0, 0]])


# ---------------------------------------------------------------- plain results


def test_index_and_shape_helpers_return_plain_numpy() -> None:
    v = Value(np.array([[3.0, 0.0], [1.0, 2.0]], dtype=np.float32))
    assert np.shape(v) == (2, 2) and np.ndim(v) == 2 and np.size(v) == 4
    assert np.size(v, 1) == 2
    z = np.zeros_like(v)
    assert type(z) is np.ndarray and z.dtype == np.float32 and not z.any()
    assert type(np.full_like(v, 7)) is np.ndarray
    np.testing.assert_array_equal(np.argsort(v), [[1, 0], [0, 1]])
    assert np.argmax(v) == 0 and np.argmin(v, axis=1).tolist() == [1, 0]
    assert [i.tolist() for i in np.nonzero(v)] == [[0, 1, 1], [0, 0, 1]]
    assert np.count_nonzero(v) == 3
    assert np.allclose(v, v.data) and np.array_equal(v, np.array([[3, 0], [1, 2]]))
    assert np.isclose(v, Value(np.zeros((2, 2)))).tolist() == [[False, True], [False, False]]
    assert np.searchsorted(Value([1.0, 2.0, 3.0]), 2.5) == 2


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("call, exc, words", [
    (lambda v: np.concatenate([v, _v(2, 4)]), ValueError,
     ["concatenate", "(2, 3)", "(2, 4)", "axis 0"]),
    (lambda v: np.concatenate([v, _v(3)]), ValueError, ["concatenate", "(2, 3)", "(3,)"]),
    (lambda v: np.concatenate([Value(1.0), v]), ValueError, ["concatenate", "0-d", "atleast_1d"]),
    (lambda v: np.concatenate([v, v], axis=2), ValueError, ["concatenate", "axis 2"]),
    (lambda v: np.concatenate([v, v], out=np.zeros((4, 3))), TypeError, ["concatenate", "out="]),
    (lambda v: np.concatenate([v, v], dtype=int), TypeError, ["concatenate", "float"]),
    (lambda v: np.concatenate([v, np.array(["a", "b", "c"])]), TypeError, ["concatenate"]),
    (lambda v: np.stack([v, _v(3, 2)]), ValueError, ["stack", "(2, 3)", "(3, 2)"]),
    (lambda v: np.split(v, 2, axis=1), ValueError, ["split", "size 3", "array_split"]),
    (lambda v: np.array_split(v, 0), ValueError, ["array_split", "at least 1"]),
    (lambda v: np.vsplit(_v(3), 3), ValueError, ["vsplit", "2 dimensions", "(3,)"]),
    (lambda v: np.split(v, Value(2.0)), TypeError, ["split", "Value"]),
    (lambda v: np.reshape(v, (4, 2)), ValueError, ["reshape", "(2, 3)", "(4, 2)"]),
    (lambda v: np.reshape(v, (3, 2), order="K"), ValueError, ["reshape", "'C' or 'F'"]),
    (lambda v: np.squeeze(v, 0), ValueError, ["squeeze", "axis 0", "(2, 3)"]),
    (lambda v: np.swapaxes(v, 0, 3), np.exceptions.AxisError, ["swapaxes", "axis 3"]),
    (lambda v: np.moveaxis(v, 0, 5), np.exceptions.AxisError, ["moveaxis", "axis 5"]),
    (lambda v: np.transpose(v, (0, 0)), ValueError, ["transpose", "repeated"]),
    (lambda v: np.transpose(v, (1,)), ValueError, ["transpose", "(2, 3)"]),
    (lambda v: np.broadcast_to(v, (3, 3)), ValueError, ["broadcast_to", "(2, 3)", "(3, 3)"]),
    (lambda v: np.broadcast_arrays(v, _v(4)), ValueError, ["broadcast_arrays", "(2, 3)", "(4,)"]),
    (lambda v: np.pad(v, -1), ValueError, ["pad", ">= 0"]),
    (lambda v: np.pad(v, ((1, 1),) * 3), ValueError, ["pad", "(3, 2)", "2 dimensions"]),
    (lambda v: np.pad(v, 1, mode="mean"), ValueError, ["pad", "'mean'", "'reflect'"]),
    (lambda v: np.pad(v, 1, mode="reflect", reflect_type="odd"), ValueError, ["pad", "even"]),
    (lambda v: np.pad(v, 1, constant_values=Value(1.0)), TypeError, ["pad", "Value"]),
    (lambda v: np.repeat(v, -1), ValueError, ["repeat", "negative"]),
    (lambda v: np.repeat(v, [1, 2], axis=1), ValueError, ["repeat", "(2,)", "size 3"]),
    (lambda v: np.tile(v, -1), ValueError, ["tile", "negative"]),
    (lambda v: np.take(v, 7), IndexError, ["take", "index 7", "size 6"]),
    (lambda v: np.take(v, [1.5]), TypeError, ["take", "integers"]),
    (lambda v: np.take(v, [0], mode="nearest"), ValueError, ["take", "'wrap'"]),
    (lambda v: np.take_along_axis(v, np.array([0, 1]), 1), ValueError,
     ["take_along_axis", "(2,)", "(2, 3)"]),
    (lambda v: np.select([v.data], [v]), TypeError, ["select", "boolean"]),
    (lambda v: np.select([v > 1], [v, v]), ValueError, ["select", "1 entries", "2"]),
    (lambda v: np.diag(_v(2, 2, 2)), ValueError, ["diag", "(2, 2, 2)"]),
    (lambda v: np.diagonal(v, 0, 1, 1), ValueError, ["diagonal", "differ"]),
    (lambda v: np.diagonal(_v(3)), ValueError, ["diagonal", "2 dimensions", "(3,)"]),
    (lambda v: np.fliplr(_v(3)), ValueError, ["fliplr", "(3,)"]),
    (lambda v: np.rot90(v, 1, (0, 0)), ValueError, ["rot90", "differ"]),
    (lambda v: np.triu(Value(2.0)), ValueError, ["triu", "()"]),
    (lambda v: np.sort(v, order="x"), TypeError, ["sort", "order"]),
    (lambda v: np.sort(Value(2.0)), np.exceptions.AxisError, ["sort", "0-d"]),
])
def test_bad_input_names_the_function_and_shapes(call, exc, words) -> None:
    with pytest.raises(exc) as info:
        call(_v(2, 3))
    for w in words:
        assert w in str(info.value), f"{w!r} not in {str(info.value)!r}"


# ---------------------------------------------------------------- second order


def test_second_derivative_through_concatenate_and_pad() -> None:
    x = Value([1.0, 2.0])
    y = np.pad(np.concatenate([x, x * x]), 1) ** 2  # [0, x0², x1², x0⁴, x1⁴, 0]
    (g,) = grad(y.sum(), [x], create_graph=True)
    np.testing.assert_allclose(g.data, 2 * x.data + 4 * x.data ** 3)
    g.sum().backward()
    np.testing.assert_allclose(x.grad, 2 + 12 * x.data ** 2)


# ---------------------------------------------------------------- properties


@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), data=st.data())
def test_array_split_then_concatenate_is_the_identity(shape, data) -> None:
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    k = data.draw(st.integers(1, 5))
    v = Value(np.random.default_rng(0).normal(size=shape))
    out = np.concatenate(np.array_split(v, k, axis=axis), axis=axis)
    np.testing.assert_array_equal(out.data, v.data)
    seed = np.random.default_rng(1).normal(size=shape)
    out.backward(seed)
    np.testing.assert_array_equal(v.grad, seed)


@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), data=st.data())
def test_pad_roll_flip_forward_match_numpy(shape, data) -> None:
    nd = len(shape)
    widths = data.draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)),
                                min_size=nd, max_size=nd))
    mode = data.draw(st.sampled_from(["constant", "edge", "reflect", "symmetric", "wrap"]))
    shift = data.draw(st.integers(-9, 9))
    axis = data.draw(st.integers(-nd, nd - 1))
    d = np.random.default_rng(2).normal(size=shape)
    v = Value(d)
    np.testing.assert_array_equal(np.pad(v, widths, mode=mode).data, np.pad(d, widths, mode=mode))
    np.testing.assert_array_equal(np.roll(v, shift, axis).data, np.roll(d, shift, axis))
    np.testing.assert_array_equal(np.flip(v, axis).data, np.flip(d, axis))


def test_apply_concatenate_directly() -> None:
    a, b = _v(2), _v(1)
    out = apply("concatenate", a, b, params=(0,))
    np.testing.assert_array_equal(out.data, [1, 2, 1])
