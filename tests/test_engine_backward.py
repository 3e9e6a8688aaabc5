"""The backward pass: depth without recursion, repeated calls, accumulation into leaves,
constants, ``no_grad``, ``detach`` and ``item``."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest

from micrograd_nn import Value, autodiff, no_grad
from micrograd_nn.engine import apply
from micrograd_nn.ops import Op

# ---------------------------------------------------------------- depth


@pytest.mark.slow  # seconds each: the full run has it
def test_backward_million_node_chain() -> None:
    """y = y*1.0001 + 0.0001, 10**6 times: 2*10**6 nodes, far past the recursion limit."""
    n = 1_000_000
    assert n > 100 * sys.getrecursionlimit()
    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001 ** n, rel=1e-9)
    assert y.data == pytest.approx(1.0001 ** n * 2 - 1, rel=1e-9)  # y_k + 1 = 2 * 1.0001**k


def test_backward_runs_each_vjp_once() -> None:
    """A node used four times gets all four shares before its VJP runs, once."""
    calls = []
    counted = Op("counted", lambda x: x * 1.0, (lambda g, ans, x: calls.append(g) or g,),
                 "test", 1)
    x = Value(2.0)
    h = apply(counted, x)
    y = h * h + h * 3.0 + h  # dy/dh = 2h + 4
    y.backward()
    assert calls == [8.0] and x.grad == 8.0
    y.backward()
    assert calls == [8.0, 8.0] and x.grad == 16.0


def test_backward_deep_tensor_chain_with_fan_out() -> None:
    """Every node is used twice and both paths carry gradient (1 + 0.5, then * 2/3): a
    dropped or doubled share would make the gradient vanish or blow up over 20,000 steps."""
    x = Value(np.array([0.5, -0.25]))
    y = x
    for _ in range(20_000):
        y = (y + y * 0.5) * (2 / 3)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0, 1.0], rtol=1e-9)


def test_backward_failure_leaves_graph_reusable() -> None:
    """A VJP that raises mid-pass must not leave stale child counts in a deep graph."""
    def boom(g, ans, x):
        raise RuntimeError("boom")

    fragile = Op("fragile", lambda x: x * 1.0, (boom,), "test", 1)
    x = Value(2.0)
    y = x
    for _ in range(50_000):
        y = y * 1.0
    with pytest.raises(RuntimeError, match="boom"):
        apply(fragile, y).backward()
    z = y * 3.0
    z.backward()
    assert x.grad == 3.0
    z.backward()
    assert x.grad == 6.0


def test_backward_interrupted_while_counting_leaves_graph_reusable() -> None:
    """Ctrl-C (or a MemoryError) during the first pass, which counts each node's children,
    must not leave stale counts behind: they would silently stop the next backward."""
    x = Value(2.0)
    y = x
    for _ in range(1000):
        y = y * 1.0
    z = y * 3.0
    lines = 0

    def tracer(frame, event, arg):  # raises KeyboardInterrupt inside the counting step
        if frame.f_code is not autodiff.count_children.__code__:
            return None

        def local(frame, event, arg):
            nonlocal lines
            lines += 1
            if lines == 300:
                raise KeyboardInterrupt
            return local
        return local

    before = sys.gettrace()  # coverage's or a debugger's, put back afterwards
    sys.settrace(tracer)
    try:
        with pytest.raises(KeyboardInterrupt):
            z.backward()
    finally:
        sys.settrace(before)
    assert x.grad == 0.0  # interrupted before any gradient reached the leaf
    z.backward()
    assert x.grad == 3.0


# ---------------------------------------------------------------- repeated calls


def test_backward_twice_doubles_leaf_grad() -> None:
    x = Value(2.0)
    y = x ** 4
    y.backward()
    assert x.grad == 32.0
    y.backward()
    assert x.grad == 64.0


def test_backward_twice_intermediates_do_not_compound() -> None:
    x = Value(2.0)
    z = x * x
    y = z * z  # y = x**4
    for k in (1, 2, 3):
        y.backward()
        assert z.grad == 8.0  # dy/dz = 2z, recomputed from zero each call
        assert x.grad == 32.0 * k
        assert y.grad == 1.0


def test_backward_twice_tensor_path() -> None:
    x = Value(np.array([1.0, 2.0]))
    h = (x * x).exp()
    y = (h * 2.0).sum()
    y.backward()
    first = x.grad.copy()
    hg = h.grad.copy()
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * first)
    np.testing.assert_allclose(h.grad, hg)
    np.testing.assert_allclose(first, 4 * np.array([1.0, 2.0]) * np.exp([1.0, 4.0]))


def test_backward_accumulates_across_graphs_sharing_a_leaf() -> None:
    x = Value(3.0)
    shared = x * x
    (shared * 2.0).backward()
    (shared * 5.0).backward()
    (x + 1.0).backward()
    assert x.grad == 2 * 3.0 * 2 + 2 * 3.0 * 5 + 1
    assert shared.grad == 5.0  # its gradient from the last pass only


def test_backward_on_an_intermediate_then_on_the_root() -> None:
    """As PyTorch: each call adds its own root's derivative into the leaf."""
    x = Value(2.0)
    z = x * x
    y = z * z
    z.backward()
    assert x.grad == 4.0 and z.grad == 1.0
    y.backward()
    assert x.grad == 4.0 + 32.0 and z.grad == 8.0
    y.backward()
    assert x.grad == 4.0 + 64.0 and z.grad == 8.0


def test_backward_reads_requires_grad_when_it_runs() -> None:
    """A leaf switched to requires_grad=False after the forward is a constant for the
    backward (no .grad accumulated); the other leaves still get their full gradient."""
    x, w = Value(2.0), Value(3.0)
    y = (x * w) * (x * w)
    w.requires_grad = False
    y.backward()
    assert x.grad == 36.0 and w.grad == 0.0  # d(x²w²)/dx = 2xw²
    w.requires_grad = True
    y.backward()
    assert x.grad == 72.0 and w.grad == 24.0


def test_grad_setter_takes_the_values_shape_or_a_number() -> None:
    x = Value(np.ones((2, 3), dtype=np.float32))
    x.grad = 0.5  # a number fills the shape, as an owned, writable array
    assert x.grad.tolist() == [[0.5] * 3] * 2 and x.grad.dtype == np.float32
    x.grad += 1.0
    x.grad = np.full((2, 3), 2.0)
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [[2.0] * 3] * 2
    s = Value(1.0)
    s.grad = np.float64(2.5)
    assert type(s.grad) is float and s.grad == 2.5


@pytest.mark.parametrize("data, grad", [
    (np.ones((2, 3)), np.ones((4, 5))), (np.ones((2, 3)), np.ones(3)),
    (np.ones((2, 3)), np.ones((4, 2, 3))), (np.ones(3), np.ones((1, 3))), (1.0, np.ones(2)),
], ids=["mismatch", "row", "extra-axis", "size-1-axis", "scalar-value"])
def test_grad_setter_rejects_another_shape(data, grad) -> None:
    """Not summed or broadcast silently: .grad always has the Value's own shape."""
    x = Value(data)
    shape, gshape = str(np.shape(data)), str(np.shape(grad))
    with pytest.raises(ValueError, match=r"(?s)" + re.escape(gshape) + ".*" + re.escape(shape)):
        x.grad = grad
    assert np.all(np.asarray(x.grad) == 0)


def test_backward_grad_reset_by_assigning_none() -> None:
    x = Value(np.ones(3))
    (x * 2.0).sum().backward()
    x.grad = None
    np.testing.assert_array_equal(x.grad, np.zeros(3))
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0, 3.0])


def test_backward_on_a_leaf() -> None:
    x = Value(4.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0
    t = Value(np.array([[1.0, 2.0]]))
    t.backward(np.array([[3.0, 4.0]]))
    assert t.grad.tolist() == [[3.0, 4.0]]


def test_backward_fan_out_sums_every_path() -> None:
    a = Value(3.0)
    b = a * a + a * 2.0 + a  # db/da = 2a + 3
    c = b * a  # dc/da = b + a * (2a + 3)
    c.backward()
    assert a.grad == (9 + 6 + 3) + 3 * 9


def test_backward_leaf_grads_are_owned_not_shared() -> None:
    """add passes its upstream gradient through unchanged: each leaf still gets its own
    array, so changing one leaf's grad in place changes no other gradient."""
    a, b = Value(np.array([1.0, 2.0])), Value(np.array([3.0, 4.0]))
    c = a + b
    d = (c - Value(np.zeros(2))) + Value(np.ones(2))
    d.backward(np.array([1.0, 1.0]))
    a.grad *= 10.0
    assert b.grad.tolist() == [1.0, 1.0] and c.grad.tolist() == [1.0, 1.0]
    w, bias = Value(np.ones((2, 3))), Value(np.zeros(3))
    apply("linear", np.ones(2), w, bias).backward(np.ones(3))  # 1-D linear: bias VJP is g
    bias.grad[0] = 7.0
    assert w.grad.tolist() == [[1.0] * 3] * 2


def test_backward_leaf_grad_is_not_the_seed() -> None:
    seed = np.array([1.0, 2.0])
    x = Value(np.zeros(2))
    (x + 1.0).backward(seed)
    x.grad += 1.0
    assert seed.tolist() == [1.0, 2.0]


def test_backward_leaf_grad_is_not_a_view() -> None:
    x = Value(np.arange(6.0))
    y = x.reshape(2, 3).T
    y.backward(np.ones((3, 2)))
    assert x.grad.base is None and x.grad.flags.writeable


# ---------------------------------------------------------------- seeds


def test_backward_seed_defaults_to_one_for_size_one() -> None:
    x = Value(np.array([[3.0]]))
    (x * 2.0).backward()
    assert x.grad.tolist() == [[2.0]]


def test_backward_explicit_seed_scales() -> None:
    x = Value(2.0)
    (x * x).backward(0.5)
    assert x.grad == 2.0
    t = Value(np.array([1.0, 2.0]))
    (t * t).backward(Value(np.array([1.0, -1.0])))
    assert t.grad.tolist() == [2.0, -4.0]


# ---------------------------------------------------------------- constants


def test_constants_requires_grad_false_get_no_grad() -> None:
    x = Value(2.0)
    c = Value(3.0, requires_grad=False)
    t = Value(np.ones(2), requires_grad=False)
    y = (x * c + (x * t).sum()).tanh()
    assert y.requires_grad
    y.backward()
    assert c.grad == 0.0 and t.grad.tolist() == [0.0, 0.0]
    assert x.grad != 0.0


def test_constants_only_graph_cannot_backward() -> None:
    c = Value(3.0, requires_grad=False)
    y = c * c + 1.0
    assert not y.requires_grad and y.parents == ()
    with pytest.raises(ValueError, match="does not require grad"):
        y.backward()


def test_plain_numbers_are_not_graph_nodes() -> None:
    x = Value(2.0)
    y = 3.0 * x + 1
    assert all(type(p) is Value for p in y.parents)
    assert len(y.parents) == 1 and y.parents[0].parents == (x,)


def test_no_grad_records_nothing() -> None:
    x = Value(np.array([1.0, 2.0]))
    with no_grad():
        y = (x * 2.0).exp().sum()
        leaf = Value(1.0)
    assert not y.requires_grad and y.parents == () and y.op == ""
    assert not leaf.requires_grad
    with pytest.raises(ValueError):
        y.backward()
    z = (x * 2.0).sum()  # recording again after the block
    assert z.requires_grad
    z.backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_no_grad_restored_after_exception_and_nesting() -> None:
    with pytest.raises(KeyError):
        with no_grad():
            with no_grad():
                pass
            assert not (Value(1.0) * 2.0).requires_grad
            raise KeyError("x")
    assert (Value(1.0) * 2.0).requires_grad


def test_detach_cuts_the_graph() -> None:
    x = Value(3.0)
    d = x.detach()
    assert d.data == x.data and not d.requires_grad and d.parents == ()
    y = x * d  # treated as x * 3
    y.backward()
    assert x.grad == 3.0 and d.grad == 0.0
    t = Value(np.array([1.0, 2.0]))
    td = (t * 2.0).detach()
    assert td.op == "" and td.data.tolist() == [2.0, 4.0]
    (t * td).sum().backward()
    assert t.grad.tolist() == [2.0, 4.0]


# ---------------------------------------------------------------- item


def test_item_returns_python_float() -> None:
    for v, want in ((Value(2.5), 2.5), (Value([[3.0]]), 3.0), (Value([1.0, 4.0]).sum(), 5.0),
                    (Value(np.array([7.0], dtype=np.float32)), 7.0)):
        got = v.item()
        assert type(got) is float and got == want
    assert float(Value(1.5)) == 1.5


def test_item_rejects_many_elements() -> None:
    with pytest.raises(ValueError, match=r"\(2,\)"):
        Value([1.0, 2.0]).item()
