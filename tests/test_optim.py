"""Tests for micrograd_nn.optim: each optimizer replayed step by step against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_nn import Value
from micrograd_nn.losses import mse
from micrograd_nn.nn import MLP
from micrograd_nn.optim import SGD, Adam, Optimizer, Rprop, clip_grad_norm
from oracles import torch_dense

torch = pytest.importorskip("torch")

X = np.random.default_rng(0).normal(size=(8, 3))
Y = np.random.default_rng(1).normal(size=(8, 2))


def _replay(make, make_torch, steps=50, seed=0):
    """Train the same small net with both optimizers; return (ours, torch's) params."""
    net = MLP(3, [4], 2, activation="tanh", output_activation=None, seed=seed)
    tp = [torch.tensor(p.data.copy(), requires_grad=True) for p in net.parameters()]
    opt, topt = make(net.parameters()), make_torch(tp)
    ty = torch.tensor(Y)
    for _ in range(steps):
        opt.zero_grad()
        mse(net(X), Y).backward()
        opt.step()
        topt.zero_grad()
        ((torch_dense(X, tp, [torch.tanh, None]) - ty) ** 2).mean().backward()
        topt.step()
    return [p.data for p in net.parameters()], [t.detach().numpy() for t in tp]


def _assert_same(ours, theirs, tol=1e-12):
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


# ---------------------------------------------------------------- SGD


@pytest.mark.parametrize("kw", [
    {"lr": 0.1},
    {"lr": 0.1, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.5, "nesterov": True},
    {"lr": 0.1, "weight_decay": 0.01},
    {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.05},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.02},
])
def test_sgd_matches_torch(kw):
    ours, theirs = _replay(lambda p: SGD(p, **kw), lambda p: torch.optim.SGD(p, **kw))
    _assert_same(ours, theirs)


def test_sgd_changes_weights():
    # guards the replay: a no-op optimizer must not pass the comparisons above
    net = MLP(3, [4], 2, seed=0)
    before = [p.data.copy() for p in net.parameters()]
    opt = SGD(net.parameters(), lr=0.1)
    mse(net(X), Y).backward()
    opt.step()
    assert all(not np.array_equal(b, p.data) for b, p in zip(before, net.parameters(),
                                                             strict=True))


def test_sgd_article_rule_by_hand():
    # constant gradient g = 2 (loss 2w): dw1 = -lr*g, dw2 = -lr*g + m*dw1
    w = Value(1.0)
    opt = SGD([w], lr=0.7, momentum=0.3)
    for _ in range(2):
        opt.zero_grad()
        (w * 2.0).backward()
        opt.step()
    dw1 = -0.7 * 2
    dw2 = -0.7 * 2 + 0.3 * dw1
    assert w.data == pytest.approx(1.0 + dw1 + dw2, rel=1e-15)


def test_sgd_momentum_keeps_old_lr_when_lr_changes():
    # The documented difference from PyTorch: dw_prev carries the lr it was made with.
    w = Value(np.array([0.0]))
    opt = SGD([w], lr=1.0, momentum=0.5)
    for lr in (1.0, 0.1):
        opt.lr = lr
        opt.zero_grad()
        w.sum().backward()  # gradient 1
        opt.step()
    np.testing.assert_allclose(w.data, [-1.0 + (-0.1 + 0.5 * -1.0)])


def test_sgd_updates_arrays_in_place_and_keeps_dtype():
    net = MLP(3, [4], 2, seed=0, dtype=np.float32)
    arrays = [p.data for p in net.parameters()]
    opt = SGD(net.parameters(), lr=0.1, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        mse(net(X.astype(np.float32)), Y.astype(np.float32)).backward()
        opt.step()
    for a, p in zip(arrays, net.parameters(), strict=True):
        assert p.data is a and p.data.dtype == np.float32


def test_sgd_scalar_params_match_torch():
    ws = [Value(0.5), Value(-1.5)]
    tw = [torch.tensor(0.5, dtype=torch.float64, requires_grad=True),
          torch.tensor(-1.5, dtype=torch.float64, requires_grad=True)]
    opt = SGD(ws, lr=0.1, momentum=0.8, nesterov=True, weight_decay=0.1)
    topt = torch.optim.SGD(tw, lr=0.1, momentum=0.8, nesterov=True, weight_decay=0.1)
    for _ in range(30):
        opt.zero_grad()
        ((ws[0] * ws[1] - 1.0) ** 2 + ws[0] ** 4).backward()
        opt.step()
        topt.zero_grad()
        ((tw[0] * tw[1] - 1.0) ** 2 + tw[0] ** 4).backward()
        topt.step()
    for w, t in zip(ws, tw, strict=True):
        assert type(w.data) is float
        assert w.data == pytest.approx(t.item(), rel=1e-12, abs=1e-14)


def test_params_without_grad_are_skipped_like_torch():
    # p2 is used only on even steps; its momentum must not move it on odd steps.
    p1, p2 = Value(np.array([1.0, 2.0])), Value(np.array([3.0]))
    t1 = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    t2 = torch.tensor([3.0], dtype=torch.float64, requires_grad=True)
    for make, tmake in [(lambda p: SGD(p, lr=0.1, momentum=0.9),
                         lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
                        (lambda p: Adam(p, lr=0.1), lambda p: torch.optim.Adam(p, lr=0.1)),
                        (lambda p: Rprop(p, lr=0.1), lambda p: torch.optim.Rprop(p, lr=0.1))]:
        a1, a2 = Value(p1.data.copy()), Value(p2.data.copy())
        b1, b2 = (t.detach().clone().requires_grad_(True) for t in (t1, t2))
        opt, topt = make([a1, a2]), tmake([b1, b2])
        for step in range(6):
            opt.zero_grad()
            topt.zero_grad()
            if step % 2 == 0:
                ((a1 * a1).sum() + (a2 * a1[0]).sum()).backward()
                ((b1 * b1).sum() + (b2 * b1[0]).sum()).backward()
            else:
                (a1 * a1).sum().backward()
                (b1 * b1).sum().backward()
            opt.step()
            topt.step()
        np.testing.assert_allclose(a1.data, b1.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(a2.data, b2.detach().numpy(), rtol=1e-12)


def test_zero_grad_unsets_gradients():
    w = Value(np.ones(3))
    opt = SGD([w], lr=0.1)
    w.sum().backward()
    opt.zero_grad()
    opt.step()  # nothing to apply
    np.testing.assert_array_equal(w.data, 1.0)
    np.testing.assert_array_equal(w.grad, 0.0)


def test_optimizer_accepts_module():
    net = MLP(2, [2], 1, seed=0)
    assert SGD(net, lr=0.1).params == net.parameters()


@pytest.mark.parametrize("make, err, msg", [
    (lambda: SGD([], lr=0.1), ValueError, "empty parameter list"),
    (lambda: SGD([np.ones(2)], lr=0.1), TypeError, r"params\[0\] is a ndarray"),
    (lambda: SGD(Value(1.0), lr=0.1), TypeError, "iterable of Values"),
    (lambda: SGD([Value(1.0, requires_grad=False)], lr=0.1), ValueError, "requires_grad=False"),
    (lambda: SGD([Value(1.0)] * 2, lr=0.1), ValueError, "appears twice"),
    (lambda: SGD([Value(1.0)], lr=-0.1), ValueError, "lr must be a number >= 0"),
    (lambda: SGD([Value(1.0)], lr=0.1, nesterov=True), ValueError, "needs momentum > 0"),
    (lambda: Rprop([Value(1.0)], etas=(1.2, 0.5)), ValueError, "0 < eta_minus < 1 < eta_plus"),
    (lambda: Rprop([Value(1.0)], step_sizes=(1.0, 0.1)), ValueError, "min <= max"),
    (lambda: Adam([Value(1.0)], betas=(0.9, 1.0)), ValueError, r"betas must be in \[0, 1\)"),
    (lambda: Adam([Value(1.0)], eps="1e-8"), ValueError, "eps must be a number"),
])
def test_optimizer_argument_errors(make, err, msg):
    with pytest.raises(err, match=msg):
        make()


def test_base_optimizer_is_abstract():
    with pytest.raises(TypeError, match="abstract"):
        Optimizer([Value(1.0)])


def test_repr_names_hyperparameters():
    r = repr(SGD([Value(1.0)], lr=0.7, momentum=0.3))
    assert r.startswith("SGD(1 params") and "lr=0.7" in r and "momentum=0.3" in r


# ---------------------------------------------------------------- Rprop


@pytest.mark.parametrize("kw", [
    {},
    {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)},
])
def test_rprop_matches_torch(kw):
    ours, theirs = _replay(lambda p: Rprop(p, **kw), lambda p: torch.optim.Rprop(p, **kw),
                           steps=60)
    _assert_same(ours, theirs)


def test_rprop_hand_steps():
    # gradient 2w on w=1, lr 0.1: step1 w=0.9 (s=0); step2 same sign -> 0.12, w=0.78
    w = Value(1.0)
    opt = Rprop([w], lr=0.1)
    expected = [0.9, 0.78]
    for e in expected:
        opt.zero_grad()
        (w * w).backward()
        opt.step()
        assert w.data == pytest.approx(e, rel=1e-15)


def test_rprop_sign_change_skips_update():
    # gradient sign flips -> step shrinks, weight stays for one step
    w = Value(np.array([1.0]))
    opt = Rprop([w], lr=1.5, etas=(0.5, 1.2))
    (w * w).sum().backward()
    opt.step()  # w = 1 - 1.5 = -0.5
    np.testing.assert_allclose(w.data, [-0.5])
    opt.zero_grad()
    (w * w).sum().backward()  # grad now negative: sign change
    opt.step()
    np.testing.assert_allclose(w.data, [-0.5])
    opt.zero_grad()
    (w * w).sum().backward()
    opt.step()  # prev was zeroed: step 0.75 towards 0
    np.testing.assert_allclose(w.data, [0.25])


def _replay_scalars(make_ours, make_torch, steps=40):
    """Run ours on scalar Values and torch on 0-d tensors over the same 2-weight
    loss; the weights must agree after every run."""
    ws = [Value(0.5), Value(-1.5)]
    tw = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (0.5, -1.5)]
    opt, topt = make_ours(ws), make_torch(tw)
    for _ in range(steps):
        for params, o in ((ws, opt), (tw, topt)):
            o.zero_grad()
            ((params[0] * params[1] - 1.0) ** 2 + (params[0] - 2.0) ** 2).backward()
            o.step()
    assert ws[0].data != 0.5  # the weights moved
    for w, t in zip(ws, tw, strict=True):
        assert w.data == pytest.approx(t.item(), rel=1e-12, abs=1e-14)


def test_rprop_scalar_params_match_torch():
    _replay_scalars(lambda ws: Rprop(ws, lr=0.05), lambda tw: torch.optim.Rprop(tw, lr=0.05))


# ---------------------------------------------------------------- Adam


@pytest.mark.parametrize("kw", [
    {},
    {"lr": 0.01},
    {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
])
def test_adam_matches_torch(kw):
    ours, theirs = _replay(lambda p: Adam(p, **kw), lambda p: torch.optim.Adam(p, **kw))
    _assert_same(ours, theirs)


def test_adam_first_step_is_lr_times_sign():
    # bias correction makes the first step exactly lr * g / (|g| + eps')
    w = Value(np.array([1.0, -2.0]))
    opt = Adam([w], lr=0.1, eps=0.0)
    (w * w).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.data, [0.9, -1.9], rtol=1e-14)


def test_adam_scalar_params_match_torch():
    _replay_scalars(lambda ws: Adam(ws, lr=0.05, weight_decay=0.01),
                    lambda tw: torch.optim.Adam(tw, lr=0.05, weight_decay=0.01))


# ---------------------------------------------------------------- clip_grad_norm


@pytest.mark.parametrize("max_norm", [0.05, 1e6])
def test_clip_grad_norm_matches_torch(max_norm):
    net = MLP(3, [4], 2, activation="tanh", seed=1)
    tp = [torch.tensor(p.data.copy(), requires_grad=True) for p in net.parameters()]
    mse(net(X), Y).backward()
    torch_dense(X, tp, [torch.tanh, torch.sigmoid]).sub(torch.tensor(Y)).pow(2).mean().backward()
    total = clip_grad_norm(net.parameters(), max_norm)
    ttotal = torch.nn.utils.clip_grad_norm_(tp, max_norm)
    assert total == pytest.approx(ttotal.item(), rel=1e-13)
    for p, t in zip(net.parameters(), tp, strict=True):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-13, atol=1e-16)
    norm_after = np.sqrt(sum(float((p.grad**2).sum()) for p in net.parameters()))
    assert norm_after <= max_norm * (1 + 1e-9) or max_norm > total


def test_clip_grad_norm_scalars_and_unset_grads():
    a, b, c = Value(1.0), Value(1.0), Value(np.ones(2))
    (a * 3.0 + b * 4.0).backward()  # grads 3 and 4: norm 5; c has none
    total = clip_grad_norm([a, b, c], 1.0)
    assert total == pytest.approx(5.0)
    assert a.grad == pytest.approx(3 / (5 + 1e-6)) and b.grad == pytest.approx(4 / (5 + 1e-6))
    assert c._grad is None
    assert clip_grad_norm([c], 1.0) == 0.0


def test_clip_grad_norm_errors():
    with pytest.raises(TypeError, match=r"params\[0\] is a float"):
        clip_grad_norm([1.0], 1.0)
    with pytest.raises(ValueError, match="max_norm must be"):
        clip_grad_norm([Value(1.0)], -1.0)
