"""The reverse pass as named steps, higher-order gradients and ``grad()``.

``count_children`` and ``propagate`` are tested on their own; then ``backward(
create_graph=True)`` and the functional ``grad`` against hand-computed derivatives,
PyTorch's ``hessian``/``hvp`` and the article's XOR network; Newton's method on a
one-weight error curve (DeZero's steps 33-36 in miniature).
"""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_nn import Value, grad, no_grad
from micrograd_nn.autodiff import count_children, propagate
from oracles import torch_dense, torch_hvp

# ---------------------------------------------------------------- the two steps


def test_count_children_counts_each_use_and_returns_leaves() -> None:
    x, y = Value(2.0, "x"), Value(3.0, "y")
    a = x * y
    b = a + x  # x is used twice, a once
    c = b * a  # a twice in all
    leaves = count_children([c])
    assert {id(v) for v in leaves} == {id(x), id(y)}
    assert (x._pending, y._pending, a._pending, b._pending) == (2, 1, 2, 1)
    for v in (x, y, a, b):
        v._pending = 0


def test_count_children_skips_constants() -> None:
    x, k = Value(2.0), Value(5.0, requires_grad=False)
    z = x * k
    assert count_children([z]) == [x]
    assert k._pending == 0
    x._pending = 0


def test_propagate_runs_each_node_after_all_its_children() -> None:
    x = Value(2.0)
    a = x * x
    b = a * 3.0
    c = a + b  # dc/da = 1 + 3 = 4 only once both children are done
    count_children([c])
    c._grad = 1.0
    propagate([c])
    assert a.grad == 4.0 and x.grad == 16.0
    assert all(v._pending == 0 for v in (x, a, b, c))


# ---------------------------------------------------------------- second order


def test_second_derivative_of_cube() -> None:
    x = Value(3.0)
    y = x ** 3
    y.backward(create_graph=True)
    g = x.grad
    assert isinstance(g, Value) and g.data == 27.0
    x.grad = None
    g.backward()
    assert x.grad == 18.0  # d2/dx2 x^3 = 6x


def test_grad_leaves_dot_grad_untouched() -> None:
    x = Value(np.array([1.0, 2.0]))
    x.grad = np.array([5.0, 5.0])
    (g,) = grad((x * x).sum(), x)
    np.testing.assert_array_equal(g, [2.0, 4.0])
    np.testing.assert_array_equal(x.grad, [5.0, 5.0])


def test_grad_many_inputs_outputs_and_unused_input() -> None:
    x, y, u = Value(2.0), Value(3.0), Value(7.0)
    gx, gy, gu = grad([x * y, x + y], [x, y, u], grad_outputs=[1.0, 2.0])
    assert (gx, gy, gu) == (3.0 + 2.0, 2.0 + 2.0, 0.0)


def test_grad_of_intermediate_value() -> None:
    x = Value(2.0)
    a = x * x
    (ga,) = grad(a * 3.0, a)
    assert ga == 3.0


def test_grad_seed_shape_is_checked() -> None:
    x = Value(np.ones(3))
    with pytest.raises(ValueError, match=r"\(3,\)"):
        grad(x * 2.0, x)
    with pytest.raises(ValueError, match="outputs need"):
        grad([x.sum(), x.sum()], x, grad_outputs=[1.0])


def test_third_derivative() -> None:
    x = Value(0.5)
    (g1,) = grad(x.exp() * x, x, create_graph=True)  # (1 + x) e^x
    (g2,) = grad(g1, x, create_graph=True)            # (2 + x) e^x
    (g3,) = grad(g2, x)                               # (3 + x) e^x
    assert g3 == pytest.approx(3.5 * np.exp(0.5), rel=1e-12)


def test_create_graph_inside_no_grad_still_records() -> None:
    x = Value(2.0)
    y = x ** 3
    with no_grad():
        y.backward(create_graph=True)
    assert x.grad.requires_grad


def test_newtons_method_on_one_weight_error_curve() -> None:
    """Minimise E(w) = (w - 3)^4 / 4 + (w - 3)^2 by w <- w - E'(w)/E''(w)."""
    w = Value(0.0)
    for _ in range(30):
        e = (w - 3.0) ** 4 / 4.0 + (w - 3.0) ** 2
        (d1,) = grad(e, w, create_graph=True)
        (d2,) = grad(d1, w)
        w = Value(w.data - d1.data / d2)
    assert w.data == pytest.approx(3.0, abs=1e-9)


def test_hessian_of_random_function_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    r = np.random.default_rng(3)
    x0, A = r.normal(size=4), r.normal(size=(4, 4))

    def ours(x: Value) -> Value:
        return ((A @ x).tanh() * x.sigmoid()).sum() + (x ** 2).sum().log()

    def theirs(x):  # noqa: ANN001
        At = torch.tensor(A)
        return (torch.tanh(At @ x) * torch.sigmoid(x)).sum() + torch.log((x ** 2).sum())

    want = torch.autograd.functional.hessian(theirs, torch.tensor(x0)).numpy()
    rows = []
    for i in range(4):
        x = Value(x0)
        (g,) = grad(ours(x), x, create_graph=True)
        (h,) = grad(g[i], x)
        rows.append(h)
    np.testing.assert_allclose(np.array(rows), want, rtol=1e-10, atol=1e-12)


def test_hvp_of_xor_loss_matches_torch() -> None:
    """A Hessian-vector product of the article's XOR network's MSE, through nn."""
    torch = pytest.importorskip("torch")
    from micrograd_nn.data import xor
    from micrograd_nn.losses import mse
    from micrograd_nn.nn import MLP

    X, y = xor()
    net = MLP(2, [3], 1, seed=0)
    ps = net.parameters()
    vs = [np.random.default_rng(i).normal(size=p.shape) for i, p in enumerate(ps)]
    gs = grad(mse(net(Value(X, requires_grad=False)), y), ps, create_graph=True)
    hv = grad(sum((g * v).sum() for g, v in zip(gs, vs, strict=True)), ps)

    W1, b1, W2, b2 = (p.data for p in ps)

    def loss(w1, c1, w2, c2):  # noqa: ANN001, ANN202
        out = torch_dense(X, (w1, c1, w2, c2), [torch.sigmoid, torch.sigmoid])
        return ((out - torch.tensor(y)) ** 2).mean()

    want = torch_hvp(loss, (W1, b1, W2, b2), vs)
    for got, w in zip(hv, want, strict=True):
        np.testing.assert_allclose(got, w, rtol=1e-9, atol=1e-12)


def test_first_order_after_create_graph_still_plain() -> None:
    x = Value(np.array([1.0, 2.0]))
    (x * x).sum().backward(create_graph=True)
    x.grad = None
    (x * x).sum().backward()
    assert type(x.grad) is np.ndarray
