"""Tests for micrograd_nn.losses: values and gradients vs PyTorch and by hand."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_nn import Value
from micrograd_nn.losses import (
    bce_with_logits,
    l1_penalty,
    l2_penalty,
    mse,
    softmax_cross_entropy,
    sse_half,
)
from micrograd_nn.nn import MLP
from oracles import torch_grads

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _pair(shape, seed):
    r = np.random.default_rng(seed)
    return r.normal(size=shape), r.normal(size=shape)


# ---------------------------------------------------------------- mse


@pytest.mark.parametrize("shape", [(5,), (4, 3), (2, 3, 2)])
def test_mse_matches_torch(shape):
    p, t = _pair(shape, 0)
    pv = Value(p)
    loss = mse(pv, t)
    loss.backward()
    tl, (tg,) = torch_grads(lambda tp: F.mse_loss(tp, torch.tensor(t)), p)
    assert loss.shape == ()
    assert loss.item() == pytest.approx(tl, rel=1e-14)
    np.testing.assert_allclose(pv.grad, tg, rtol=1e-13)


def test_mse_uses_fused_op():
    assert mse(Value([1.0, 2.0]), [0.0, 0.0]).op == "mse"


def test_mse_scalar_is_article_error():
    out = Value(0.3404913400038911)
    loss = mse(out, 1.0)
    assert loss.item() == pytest.approx((1 - 0.3404913400038911) ** 2, rel=1e-15)
    assert round(loss.item(), 6) == 0.434952
    loss.backward()
    assert out.grad == pytest.approx(2 * (0.3404913400038911 - 1), rel=1e-15)


def test_mse_hand_value():
    # ((1-0)^2 + (2-4)^2 + (3-3)^2) / 3 = 5/3
    assert mse(Value([1.0, 2.0, 3.0]), [0.0, 4.0, 3.0]).item() == pytest.approx(5 / 3)


def test_mse_number_target_broadcasts():
    p = Value([[0.5], [1.5]])
    assert mse(p, 1.0).item() == pytest.approx(0.25)


def test_mse_list_of_scalar_values_matches_tensor():
    vals = [Value(0.2), Value(-1.0), Value(3.0)]
    t = [1.0, 0.0, 2.5]
    loss = mse(vals, t)
    loss.backward()
    tv = Value(np.array([0.2, -1.0, 3.0]))
    ref = mse(tv, t)
    ref.backward()
    assert loss.item() == pytest.approx(ref.item(), rel=1e-15)
    np.testing.assert_allclose([v.grad for v in vals], tv.grad, rtol=1e-15)


def test_mse_float32_keeps_dtype():
    p = Value(np.array([1.0, 2.0], dtype=np.float32))
    loss = mse(p, [0.0, 0.0])
    loss.backward()
    assert p.grad.dtype == np.float32
    assert loss.item() == pytest.approx(2.5)


def test_mse_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"pred has shape \(4, 1\) but target has shape \(4,\)"):
        mse(Value(np.zeros((4, 1))), np.zeros(4))
    with pytest.raises(ValueError, match=r"\(\) but target has shape \(1,\)"):
        mse(Value(1.0), [1.0])


def test_mse_rejects_list_mixing_values_and_numbers():
    with pytest.raises(TypeError, match="only scalar Values"):
        mse([Value(1.0), 2.0], [0.0, 0.0])


# ---------------------------------------------------------------- sse_half


def test_sse_half_hand_value_and_gradient():
    p = Value([1.0, 2.0, 3.0])
    t = np.array([0.0, 4.0, 3.0])
    loss = sse_half(p, t)
    assert loss.item() == pytest.approx(0.5 * (1 + 4 + 0))
    loss.backward()
    np.testing.assert_allclose(p.grad, p.data - t)  # = -(ideal - out), the article's sign


def test_sse_half_vs_torch_and_scalar():
    p, t = _pair((3, 2), 5)
    pv = Value(p)
    sse_half(pv, t).backward()
    _, (tg,) = torch_grads(lambda tp: 0.5 * ((torch.tensor(t) - tp) ** 2).sum(), p)
    np.testing.assert_allclose(pv.grad, tg, rtol=1e-14)
    s = Value(0.25)
    loss = sse_half(s, 1.0)
    loss.backward()
    assert loss.item() == pytest.approx(0.5 * 0.75**2) and s.grad == pytest.approx(-0.75)


def test_sse_half_gradient_is_half_of_mse_for_one_output():
    a, b = Value(0.3), Value(0.3)
    mse(a, 1.0).backward()
    sse_half(b, 1.0).backward()
    assert a.grad == pytest.approx(2 * b.grad, rel=1e-15)


def test_sse_half_list_of_values():
    vals = [Value(1.0), Value(2.0)]
    loss = sse_half(vals, [0.0, 0.0])
    loss.backward()
    assert loss.item() == pytest.approx(2.5)
    assert [v.grad for v in vals] == [1.0, 2.0]


# ---------------------------------------------------------------- bce_with_logits


@pytest.mark.parametrize("shape", [(6, 2), (6, 1), (6,)])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_bce_with_logits_matches_torch(reduction, shape):
    x = np.random.default_rng(2).normal(scale=3, size=shape)
    t = np.random.default_rng(3).uniform(size=shape)
    xv = Value(x)
    loss = bce_with_logits(xv, t, reduction=reduction)
    loss.backward()

    def theirs(tx):
        if reduction == "sum" and len(shape) == 2:  # a sum over the samples of their means
            tl = F.binary_cross_entropy_with_logits(tx, torch.tensor(t), reduction="none")
            return tl.mean(dim=1).sum()  # (Keras's sum; PyTorch's for one output)
        return F.binary_cross_entropy_with_logits(tx, torch.tensor(t), reduction=reduction)

    tl, (tg,) = torch_grads(theirs, x)
    assert loss.item() == pytest.approx(tl, rel=1e-13)
    np.testing.assert_allclose(xv.grad, tg, rtol=1e-12, atol=1e-15)


def test_bce_with_logits_stable_at_extremes():
    x = np.array([1000.0, -1000.0, 1000.0, -1000.0])
    t = np.array([1.0, 0.0, 0.0, 1.0])
    xv = Value(x)
    loss = bce_with_logits(xv, t)
    loss.backward()
    tl, (tg,) = torch_grads(lambda tx: F.binary_cross_entropy_with_logits(tx, torch.tensor(t)), x)
    assert np.isfinite(loss.item()) and np.all(np.isfinite(xv.grad))
    assert loss.item() == pytest.approx(tl, rel=1e-14)  # (0 + 0 + 1000 + 1000) / 4
    assert loss.item() == pytest.approx(500.0)
    np.testing.assert_allclose(xv.grad, tg, atol=1e-15)


def test_bce_with_logits_hand_value_scalar():
    # x = 0: log 2 whatever the target
    x = Value(0.0)
    loss = bce_with_logits(x, 1.0)
    loss.backward()
    assert loss.item() == pytest.approx(np.log(2), rel=1e-15)
    assert x.grad == pytest.approx(-0.5)  # sigmoid(0) - 1


def test_bce_with_logits_list_of_values_matches_tensor():
    vals = [Value(2.0), Value(-1.0)]
    loss = bce_with_logits(vals, [1.0, 0.0])
    ref = bce_with_logits(Value([2.0, -1.0]), [1.0, 0.0])
    assert loss.item() == pytest.approx(ref.item(), rel=1e-15)
    assert bce_with_logits(vals, [1.0, 0.0], reduction="sum").item() == pytest.approx(
        2 * ref.item(), rel=1e-15)


def test_bce_with_logits_errors():
    with pytest.raises(ValueError, match=r"\(3,\) but target has shape \(2,\)"):
        bce_with_logits(Value(np.zeros(3)), [0.0, 1.0])
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none'"):
        bce_with_logits(Value(np.zeros(2)), [0.0, 1.0], reduction="max")


# ---------------------------------------------------------------- softmax_cross_entropy


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_softmax_ce_indices_matches_torch(reduction):
    x = np.random.default_rng(4).normal(scale=2, size=(5, 4))
    y = np.array([0, 3, 1, 1, 2])
    xv = Value(x)
    loss = softmax_cross_entropy(xv, y, reduction=reduction)
    loss.backward()
    tl, (tg,) = torch_grads(lambda tx: F.cross_entropy(tx, torch.tensor(y), reduction=reduction), x)
    assert loss.item() == pytest.approx(tl, rel=1e-13)
    np.testing.assert_allclose(xv.grad, tg, rtol=1e-12, atol=1e-15)


def test_softmax_ce_onehot_equals_indices_and_torch_probs():
    x = np.random.default_rng(6).normal(size=(3, 4))
    y = np.array([2, 0, 3])
    onehot = np.eye(4)[y]
    a = softmax_cross_entropy(Value(x), y).item()
    b = softmax_cross_entropy(Value(x), onehot).item()
    assert a == pytest.approx(b, rel=1e-15)
    probs = np.random.default_rng(7).dirichlet(np.ones(4), size=3)
    xv = Value(x)
    loss = softmax_cross_entropy(xv, probs)
    loss.backward()
    tl, (tg,) = torch_grads(lambda tx: F.cross_entropy(tx, torch.tensor(probs)), x)
    assert loss.item() == pytest.approx(tl, rel=1e-13)
    np.testing.assert_allclose(xv.grad, tg, rtol=1e-12, atol=1e-15)


def test_softmax_ce_stable_at_extremes():
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0]])
    y = np.array([1, 2])
    xv = Value(x)
    loss = softmax_cross_entropy(xv, y)
    loss.backward()
    tl, (tg,) = torch_grads(lambda tx: F.cross_entropy(tx, torch.tensor(y)), x)
    assert np.isfinite(loss.item()) and np.all(np.isfinite(xv.grad))
    assert loss.item() == pytest.approx(tl, rel=1e-14)
    assert loss.item() == pytest.approx(1000.0)  # (2000 + 0) / 2
    np.testing.assert_allclose(xv.grad, tg, atol=1e-15)


def test_softmax_ce_single_row_hand_value():
    # uniform logits over 4 classes: loss log 4, gradient softmax - onehot
    x = Value(np.zeros(4))
    loss = softmax_cross_entropy(x, 2)
    loss.backward()
    assert loss.item() == pytest.approx(np.log(4), rel=1e-15)
    np.testing.assert_allclose(x.grad, [0.25, 0.25, -0.75, 0.25])


def test_softmax_ce_float_indices_accepted_when_integral():
    x = Value(np.zeros((2, 3)))
    assert softmax_cross_entropy(x, np.array([0.0, 2.0])).item() == pytest.approx(np.log(3))
    with pytest.raises(ValueError, match="non-integer class indices"):
        softmax_cross_entropy(x, np.array([0.5, 2.0]))


def test_softmax_ce_errors():
    x = Value(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"out of range: got 0\.\.3 for 3 classes"):
        softmax_cross_entropy(x, [0, 3])
    with pytest.raises(ValueError, match=r"out of range"):
        softmax_cross_entropy(x, [-1, 0])
    with pytest.raises(ValueError, match=r"logits have shape \(2, 3\) but target has shape "
                                         r"\(3,\)"):
        softmax_cross_entropy(x, [0, 1, 2])
    with pytest.raises(TypeError, match="tensor Value"):
        softmax_cross_entropy(Value(1.0), 0)
    with pytest.raises(ValueError, match=r"\(batch, C\) or \(C,\)"):
        softmax_cross_entropy(Value(np.zeros((2, 2, 2))), [0, 1])
    with pytest.raises(ValueError, match="reduction must be"):
        softmax_cross_entropy(x, [0, 1], reduction="max")


# ---------------------------------------------------------------- reduction=, every loss
# A loss reduces over the samples (the first axis): "sum" = "mean" × n_samples, "none" the
# per-sample losses, whose mean is "mean". The defaults keep each loss's own numbers.


def _cases():
    r = np.random.default_rng(11)
    p, t = r.normal(size=(5, 3)), r.normal(size=(5, 3))
    x, u = r.normal(scale=2, size=(5, 3)), r.uniform(size=(5, 3))
    lx, cls = r.normal(size=(5, 3)), r.integers(0, 3, size=5)
    return {"mse": (mse, p, t), "sse_half": (sse_half, p, t),
            "bce_with_logits": (bce_with_logits, x, u),
            "softmax_cross_entropy": (softmax_cross_entropy, lx, cls)}


LOSS_NAMES = ["mse", "sse_half", "bce_with_logits", "softmax_cross_entropy"]


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_sum_is_mean_times_the_samples_and_none_gives_one_loss_per_sample(name):
    fn, pred, target = _cases()[name]
    grads = {}
    vals = {}
    for red in ("mean", "sum", "none"):
        pv = Value(pred)
        out = fn(pv, target, reduction=red)
        vals[red] = out.data
        (out.sum() if red == "none" else out).backward()
        grads[red] = pv.grad
    assert np.shape(vals["mean"]) == np.shape(vals["sum"]) == () and vals["none"].shape == (5,)
    assert vals["sum"] == pytest.approx(5 * vals["mean"], rel=1e-13)
    assert vals["none"].mean() == pytest.approx(vals["mean"], rel=1e-13)
    np.testing.assert_allclose(grads["sum"], 5 * grads["mean"], rtol=1e-12)
    np.testing.assert_allclose(grads["none"], grads["sum"], rtol=1e-12)


def test_the_per_sample_losses_by_hand():
    p, t = np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([[0.0, 0.0], [1.0, 3.0]])
    np.testing.assert_allclose(mse(Value(p), t, reduction="none").data, [2.5, 5.0])
    assert mse(Value(p), t, reduction="sum").item() == pytest.approx(7.5)
    np.testing.assert_allclose(sse_half(Value(p), t, reduction="none").data, [2.5, 5.0])
    assert sse_half(Value(p), t, reduction="mean").item() == pytest.approx(3.75)
    x, u = np.zeros((2, 2)), np.full((2, 2), 0.5)
    np.testing.assert_allclose(bce_with_logits(Value(x), u, reduction="none").data,
                               [np.log(2)] * 2)
    lx = np.zeros((2, 4))
    np.testing.assert_allclose(softmax_cross_entropy(Value(lx), [0, 3], reduction="none").data,
                               [np.log(4)] * 2)


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_the_default_reduction_is_each_losses_own(name):
    fn, pred, target = _cases()[name]
    default = fn(Value(pred), target).item()
    own = "sum" if name == "sse_half" else "mean"  # sse_half is a sum by definition
    assert default == fn(Value(pred), target, reduction=own).item()
    if name == "sse_half":
        assert default == pytest.approx(0.5 * np.sum((pred - target) ** 2), rel=1e-14)
    if name == "mse":
        assert fn(Value(pred), target).op == "mse"  # still the fused op


@pytest.mark.parametrize("name", ["mse", "sse_half", "bce_with_logits"])
def test_reduction_on_a_list_of_scalar_values_matches_the_tensor(name):
    fn, pred, target = _cases()[name]
    p, t = pred[:, 0], target[:, 0]
    for red in ("mean", "sum", "none"):
        vals = [Value(float(v)) for v in p]
        out = fn(vals, t, reduction=red)
        ref = fn(Value(p), t, reduction=red)
        np.testing.assert_allclose(out.data, ref.data, rtol=1e-14)
        (out.sum() if red == "none" else out).backward()
        pv = Value(p)
        r = fn(pv, t, reduction=red)
        (r.sum() if red == "none" else r).backward()
        np.testing.assert_allclose([v.grad for v in vals], pv.grad, rtol=1e-13)


@pytest.mark.parametrize("name", ["mse", "sse_half", "bce_with_logits"])
def test_one_sample_reductions_agree(name):
    fn, pred, target = _cases()[name]
    p, t = Value(float(pred[0, 0])), float(target[0, 0])
    vals = {red: fn(p, t, reduction=red).item() for red in ("mean", "sum", "none")}
    assert len(set(vals.values())) == 1


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_an_unknown_reduction_is_an_error(name):
    fn, pred, target = _cases()[name]
    with pytest.raises(ValueError, match=f"{name}: reduction must be 'mean', 'sum' or 'none'"):
        fn(Value(pred), target, reduction="max")


# ---------------------------------------------------------------- penalties


def test_l2_penalty_value_and_gradient():
    w = Value(np.array([[1.0, -2.0], [0.5, 0.0]]))
    s = Value(3.0)
    pen = l2_penalty([w, s])
    assert pen.item() == pytest.approx(1 + 4 + 0.25 + 0 + 9)
    pen.backward()
    np.testing.assert_allclose(w.grad, 2 * w.data)
    assert s.grad == pytest.approx(6.0)


def test_l1_penalty_value_and_gradient():
    w = Value(np.array([1.0, -2.0, 0.0]))
    pen = l1_penalty([w])
    assert pen.item() == pytest.approx(3.0)
    pen.backward()
    np.testing.assert_allclose(w.grad, [1.0, -1.0, 0.0])


def test_penalties_accept_module_and_match_torch():
    m = MLP(2, [3], 1, seed=0)
    tpen, tgrads = torch_grads(lambda *tp: sum((t**2).sum() + t.abs().sum() for t in tp),
                               *(p.data for p in m.parameters()))
    pen = l2_penalty(m) + l1_penalty(m)
    pen.backward()
    assert pen.item() == pytest.approx(tpen, rel=1e-14)
    for p, tg in zip(m.parameters(), tgrads, strict=True):
        np.testing.assert_allclose(p.grad, tg, rtol=1e-14)


def test_penalties_reject_empty_or_non_values():
    with pytest.raises(TypeError, match="non-empty iterable of Values"):
        l2_penalty([])
    with pytest.raises(TypeError, match="non-empty iterable of Values"):
        l1_penalty([np.ones(2)])


def test_bce_rejects_targets_outside_zero_one():
    from micrograd_nn.losses import bce_with_logits

    with pytest.raises(ValueError, match=r"\[0, 1\].*-1 to 2"):
        bce_with_logits(Value(np.zeros(3)), np.array([-1.0, 0.5, 2.0]))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        bce_with_logits(Value(0.3), float("nan"))
    assert bce_with_logits(Value(np.zeros(2)), np.array([0.0, 1.0])).item() == pytest.approx(
        np.log(2))


def test_softmax_cross_entropy_needs_two_classes():
    from micrograd_nn.losses import softmax_cross_entropy

    with pytest.raises(ValueError, match="one class"):
        softmax_cross_entropy(Value(np.zeros((4, 1))), np.zeros(4, dtype=int))
