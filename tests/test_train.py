"""Tests for micrograd_nn.train: the three modes, validation, early stopping, callbacks."""

from __future__ import annotations

import io
import math
import signal
import threading

import numpy as np
import pytest

from micrograd_nn.data import sine, xor
from micrograd_nn.deltas import backprop, update

try:  # network_from_model is moving from deltas to explain: either place works
    from micrograd_nn.explain import network_from_model
except ImportError:
    from micrograd_nn.deltas import network_from_model
from micrograd_nn.losses import mse
from micrograd_nn.neurons import NeuronNet
from micrograd_nn.nn import MLP
from micrograd_nn.optim import SGD, Adam
from micrograd_nn.train import (
    Callback,
    EarlyStopping,
    History,
    StopTraining,
    evaluate,
    fit,
    predict,
)

X, Y = xor()


class CountingSGD(SGD):
    """SGD that counts its steps."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.steps = 0

    def step(self):
        self.steps += 1
        super().step()


# ---------------------------------------------------------------- the done criterion


@pytest.mark.parametrize("batch_size", [1, None, 2], ids=["stochastic", "batch", "mini-batch"])
def test_xor_error_below_001_in_every_mode(batch_size):
    net = MLP(2, [4], 1, seed=0, init="uniform")
    h = fit(net, X, Y, lr=0.7, momentum=0.3, epochs=2000, batch_size=batch_size,
            reduction="sum", seed=0, target_error=0.01, verbose=0)
    assert h.stop_reason == "target_error"
    assert h.loss[-1] < 0.01
    assert evaluate(net, X, Y) < 0.01
    assert np.all(np.round(predict(net, X)) == Y)


@pytest.mark.parametrize("batch_size", [1, None, 2])
def test_xor_in_the_neuron_form(batch_size):
    net = NeuronNet(2, [3], 1, seed=0)
    h = fit(net, X, Y, lr=0.7, momentum=0.9, epochs=600, batch_size=batch_size,
            reduction="sum", seed=0, target_error=0.01, verbose=0)
    assert h.loss[-1] < 0.01 and predict(net, X).shape == (4, 1)


# ---------------------------------------------------------------- what a mode means


@pytest.mark.parametrize("batch_size, per_epoch", [(1, 10), (None, 1), (3, 4), (5, 2), (50, 1)])
def test_updates_per_epoch(batch_size, per_epoch):
    Xs, ys = sine(10)
    net = MLP(1, [3], 1, output_activation=None, seed=0)
    opt = CountingSGD(net.parameters(), lr=0.01)
    h = fit(net, Xs, ys, optimizer=opt, epochs=3, batch_size=batch_size, verbose=0)
    assert opt.steps == 3 * per_epoch and h.epochs == 3


def test_stochastic_epoch_replays_the_article_update_sample_by_sample():
    net = MLP(2, [2], 1, bias=False, seed=3)
    ws, bs, _ = network_from_model(net)
    fit(net, X, Y, loss="sse_half", lr=0.7, momentum=0.3, epochs=1, batch_size=1,
        shuffle=False, verbose=0)
    prev = None
    for x, t in zip(X, Y, strict=True):  # the oracle: Δw = E·GRAD + α·Δw_prev per sample
        dp = backprop(ws, bs, x, t)
        ws, bs, dws, dbs = update(ws, bs, dp.grad_w, dp.grad_b, 0.7, 0.3, prev)
        prev = (dws, dbs)
    np.testing.assert_allclose(net[0].weight.data, ws[0], atol=1e-12)
    np.testing.assert_allclose(net[2].weight.data, ws[1], atol=1e-12)


@pytest.mark.parametrize("reduction, scale", [("sum", 1.0), ("mean", 0.25)])
def test_batch_step_is_the_article_sum_of_dw(reduction, scale):
    # the article's batch: sum Δw = E·GRAD over the samples, then update once
    net = MLP(2, [3], 1, seed=4)
    ws, bs, _ = network_from_model(net)
    dp = backprop(ws, bs, X, Y)  # GRAD summed over the 4 samples
    fit(net, X, Y, loss="sse_half", lr=0.7, epochs=1, batch_size=None,
        reduction=reduction, verbose=0)
    np.testing.assert_allclose(net[0].weight.data, ws[0] + scale * 0.7 * dp.grad_w[0],
                               atol=1e-12)
    np.testing.assert_allclose(net[2].bias.data, bs[1] + scale * 0.7 * dp.grad_b[1],
                               atol=1e-12)


def test_mse_sum_reduction_equals_sse_half_times_two_over_outputs():
    a, b = MLP(2, [3], 1, seed=5), MLP(2, [3], 1, seed=5)
    fit(a, X, Y, loss="mse", lr=0.35, epochs=2, batch_size=None, reduction="sum", verbose=0)
    fit(b, X, Y, loss="sse_half", lr=0.7, epochs=2, batch_size=None, reduction="sum",
        verbose=0)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_allclose(p.data, q.data, atol=1e-12)


def test_fit_passes_its_reduction_to_the_loss():
    # training steps get fit's reduction; the recorded errors are the loss's own default
    calls = []

    def loss(pred, target, reduction="mean"):
        calls.append(reduction)
        return mse(pred, target, reduction=reduction)

    a, b = MLP(2, [3], 1, seed=5), MLP(2, [3], 1, seed=5)
    ha = fit(a, X, Y, loss=loss, lr=0.35, epochs=2, batch_size=2, reduction="sum", seed=0,
             verbose=0)
    hb = fit(b, X, Y, loss="mse", lr=0.35, epochs=2, batch_size=2, reduction="sum", seed=0,
             verbose=0)
    assert calls.count("sum") == 4 and set(calls) == {"sum", "mean"}  # 2 epochs x 2 batches
    assert ha.loss == hb.loss and ha.params["reduction"] == "sum"
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)


def test_a_loss_without_reduction_is_a_mean_summed_by_the_batch_size():
    a, b = MLP(2, [3], 2, seed=5), MLP(2, [3], 2, seed=5)
    Y2 = np.hstack([Y, 1 - Y])
    fit(a, X, Y2, loss=lambda p, t: mse(p, t), lr=0.35, epochs=2, batch_size=3,
        reduction="sum", seed=0, verbose=0)
    fit(b, X, Y2, loss="mse", lr=0.35, epochs=2, batch_size=3, reduction="sum", seed=0,
        verbose=0)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_allclose(p.data, q.data, rtol=0, atol=1e-15)


@pytest.mark.parametrize("loss", ["mse", "sse_half", "bce_with_logits"])
def test_fit_sum_is_the_mean_times_the_batch_size(loss):
    # one batch of 4: a step with reduction="sum" and lr is the step of "mean" and 4*lr
    a, b = MLP(2, [3], 1, seed=6), MLP(2, [3], 1, seed=6)
    fit(a, X, Y, loss=loss, lr=0.1, epochs=1, batch_size=None, reduction="sum", verbose=0)
    fit(b, X, Y, loss=loss, lr=0.4, epochs=1, batch_size=None, reduction="mean", verbose=0)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_allclose(p.data, q.data, rtol=0, atol=1e-12)


def test_shuffling_is_seeded():
    def run(seed, shuffle=True):
        net = MLP(2, [3], 1, seed=1)
        return fit(net, X, Y, lr=0.5, epochs=5, seed=seed, shuffle=shuffle, verbose=0).loss

    assert run(7) == run(7)
    assert run(7) != run(8)
    assert run(7, shuffle=False) == run(8, shuffle=False)


# ---------------------------------------------------------------- history


def test_history_records_per_epoch_values():
    net = MLP(2, [4, 3], 1, seed=0)
    h = fit(net, X, Y, lr=0.5, epochs=7, verbose=0)
    assert isinstance(h, History) and h.epochs == 7 and h.stop_reason == "epochs"
    assert len(h.loss) == 7 and h.val_loss == [] and h.monitor == "loss"
    assert list(h.grad_norms) == ["0", "2", "4"]
    assert all(len(v) == 7 and all(g > 0 for g in v) for v in h.grad_norms.values())
    assert h.loss[-1] == pytest.approx(evaluate(net, X, Y))
    assert h.initial_loss is not None and h.history["loss"] is h.loss
    assert "7 epochs" in repr(h) and h.params["batch_size"] == 1 and h.seconds > 0


def test_grad_norms_are_the_layer_gradient_norms():
    net = MLP(2, [3], 1, seed=2)
    W1 = net[0].weight.data.copy()
    h = fit(net, X, Y, lr=0.0, epochs=1, batch_size=None, verbose=0)
    np.testing.assert_array_equal(net[0].weight.data, W1)  # lr=0: nothing moved
    ws, bs, _ = network_from_model(net)
    dp = backprop(ws, bs, X, Y)
    # mse = mean over 4 samples of (out - y)^2 -> gradient = -2/4 * GRAD
    want = 0.5 * math.sqrt(np.sum(dp.grad_w[0] ** 2) + np.sum(dp.grad_b[0] ** 2))
    assert h.grad_norms["0"][0] == pytest.approx(want, rel=1e-10)


def test_one_dimensional_targets_become_a_column():
    net = MLP(2, [3], 1, seed=0)
    h = fit(net, X, Y.ravel(), lr=0.5, epochs=3, verbose=0)
    assert h.loss[-1] == pytest.approx(evaluate(net, X, Y))
    assert evaluate(net, X, Y.ravel()) == pytest.approx(evaluate(net, X, Y))


# ---------------------------------------------------------------- validation & stopping


def test_validation_split_and_data():
    Xs, ys = sine(20)
    net = MLP(1, [4], 1, output_activation=None, seed=0)
    h = fit(net, Xs, ys, lr=0.05, epochs=4, validation_split=0.25, seed=0, verbose=0)
    assert len(h.val_loss) == 4 and h.monitor == "val_loss" and h.params["n_samples"] == 15
    h2 = fit(net, Xs, ys, lr=0.05, epochs=2, validation_data=(Xs[:5], ys[:5]), verbose=0)
    assert h2.val_loss[-1] == pytest.approx(evaluate(net, Xs[:5], ys[:5]))


def _overfit_run(**kw):
    Xt, yt = sine(8, noise=0.3, seed=1)
    Xv, yv = sine(50, seed=2)
    net = MLP(1, [64, 64], 1, activation="tanh", output_activation=None, seed=0)
    h = fit(net, Xt, yt, lr=0.05, momentum=0.9, epochs=400, batch_size=None, seed=0,
            validation_data=(Xv, yv), verbose=0, **kw)
    return net, h, (Xv, yv)


def test_early_stopping_stops_and_restores_the_best_weights():
    net, h, (Xv, yv) = _overfit_run(callbacks=[EarlyStopping(patience=15)])
    assert h.stop_reason == "early_stopping"
    assert h.epochs == h.best_epoch + 15 and h.epochs < 400
    assert h.restored
    assert evaluate(net, Xv, yv) == pytest.approx(min(h.val_loss), rel=1e-12)
    assert min(h.val_loss) < h.val_loss[-1]


def test_early_stopping_without_restore_keeps_the_last_weights():
    net, h, (Xv, yv) = _overfit_run(callbacks=[EarlyStopping(patience=15, restore_best=False)])
    assert not h.restored
    assert evaluate(net, Xv, yv) == pytest.approx(h.val_loss[-1], rel=1e-12)


def test_target_error_stops_training():
    net = MLP(2, [4], 1, seed=0)
    h = fit(net, X, Y, lr=0.7, momentum=0.9, epochs=5000, target_error=0.05, verbose=0)
    assert h.stop_reason == "target_error" and h.loss[-1] <= 0.05 and h.epochs < 5000
    assert all(v > 0.05 for v in h.loss[:-1])


def test_training_stops_when_the_loss_becomes_non_finite():
    Xs, ys = sine(10)
    net = MLP(1, [8], 1, activation=None, output_activation=None, seed=0)
    with np.errstate(all="ignore"):
        h = fit(net, Xs * 100, ys, lr=10.0, epochs=200, verbose=0)
    assert h.stop_reason == "non_finite" and h.epochs < 200
    assert not math.isfinite(h.loss[-1])


# ---------------------------------------------------------------- callbacks


def test_callable_callback_receives_logs_and_can_stop():
    seen = []

    def cb(epoch, logs):
        seen.append((epoch, dict(logs)))
        return epoch == 3

    h = fit(MLP(2, [3], 1, seed=0), X, Y, lr=0.5, epochs=10, callbacks=[cb], verbose=0)
    assert h.epochs == 3 and h.stop_reason == "callback"
    assert [e for e, _ in seen] == [1, 2, 3]
    logs = seen[-1][1]
    assert set(logs) >= {"epoch", "loss", "val_loss", "grad_norms", "time"}
    assert logs["loss"] == h.loss[2] and logs["val_loss"] is None


def test_callback_object_hooks_and_stop_training_exception():
    calls = []

    class Recorder(Callback):
        def on_train_begin(self, logs):
            calls.append(("begin", logs["epochs"]))

        def on_epoch_end(self, epoch, logs):
            calls.append(("epoch", epoch))
            if epoch == 2:
                raise StopTraining

        def on_train_end(self, history):
            calls.append(("end", history.epochs))

    h = fit(MLP(2, [3], 1, seed=0), X, Y, lr=0.5, epochs=10, callbacks=Recorder(), verbose=0)
    assert calls == [("begin", 10), ("epoch", 1), ("epoch", 2), ("end", 2)]
    assert h.stop_reason == "callback"


# ---------------------------------------------------------------- progress bar


class _FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_tty(monkeypatch):
    err = _FakeTTY()
    monkeypatch.setattr("sys.stderr", err)
    fit(MLP(2, [3], 1, seed=0), X, Y, lr=0.5, epochs=5, verbose=1)
    text = err.getvalue()
    assert "\r" in text and "epoch 5/5" in text and "loss" in text and "epochs/s" in text
    assert text.endswith("\n")


def test_progress_is_silent_off_a_tty_or_with_verbose_0(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    fit(MLP(2, [3], 1, seed=0), X, Y, lr=0.5, epochs=3, verbose=1)
    assert err.getvalue() == ""
    tty = _FakeTTY()
    monkeypatch.setattr("sys.stderr", tty)
    fit(MLP(2, [3], 1, seed=0), X, Y, lr=0.5, epochs=3, verbose=0)
    assert tty.getvalue() == ""


def test_verbose_2_prints_one_line_per_epoch(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    fit(MLP(2, [3], 1, seed=0), X, Y, lr=0.5, epochs=4, verbose=2,
        validation_data=(X, Y))
    lines = [ln for ln in err.getvalue().splitlines() if ln]
    assert len(lines) == 4 and all("val_loss" in ln for ln in lines)
    assert lines[0].startswith("epoch 1/4") and lines[-1].startswith("epoch 4/4")


# ---------------------------------------------------------------- optimizers & losses


def test_other_optimizers_and_losses():
    net = MLP(2, [4], 1, output_activation=None, seed=0)
    h = fit(net, X, Y, loss="bce_with_logits", optimizer="adam", lr=0.05, epochs=150,
            batch_size=None, verbose=0)
    assert h.params["optimizer"] == "Adam" and h.loss[-1] < h.loss[0] / 2
    net2 = MLP(2, [4], 1, seed=0)
    opt = Adam(net2.parameters(), lr=0.05)
    custom = lambda p, t: ((p - t) ** 2).mean()  # noqa: E731
    h2 = fit(net2, X, Y, loss=custom, optimizer=opt, epochs=3, verbose=0)
    assert h2.params["loss"] == "<lambda>" and len(h2.loss) == 3


def test_softmax_cross_entropy_with_class_indices():
    Xc = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    yc = np.array([0, 1, 2, 0])
    net = MLP(2, [8], 3, output_activation=None, seed=0)
    h = fit(net, Xc, yc, loss="softmax_cross_entropy", optimizer="adam", lr=0.05,
            epochs=200, batch_size=None, verbose=0)
    assert h.loss[-1] < 0.2
    assert predict(net, Xc).argmax(axis=1).tolist() == [0, 1, 2, 0]


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(y=Y[:3]), ValueError, "X has 4 samples but y has 3"),
    (dict(batch_size=0), ValueError, "batch_size must be a positive int, or None"),
    (dict(epochs=0), ValueError, "epochs must be a positive int"),
    (dict(loss="hinge"), ValueError, "unknown loss 'hinge'"),
    (dict(optimizer="lbfgs"), ValueError, "unknown optimizer 'lbfgs'"),
    (dict(optimizer=3), TypeError, "optimizer must be None"),
    (dict(reduction="max"), ValueError, "reduction must be 'mean' or 'sum'"),
    (dict(validation_split=1.5), ValueError, r"validation_split must be in \[0, 1\)"),
    (dict(validation_split=0.25, validation_data=(X, Y)), ValueError, "not both"),
    (dict(validation_data=X), TypeError, "must be a pair"),
    (dict(early_stopping=5), TypeError, "early_stopping"),  # a callback now: EarlyStopping
    (dict(target_error=-1.0), ValueError, "target_error must be a number >= 0"),
    (dict(callbacks=[3]), TypeError, "a callback must be callable"),
])
def test_fit_rejects_bad_arguments(kwargs, exc, match):
    args = dict(model=MLP(2, [3], 1, seed=0), X=X, y=Y, epochs=1, verbose=0)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        fit(**args)


def test_fit_rejects_a_model_without_parameters():
    with pytest.raises(TypeError, match="model must be a Module"):
        fit(lambda x: x, X, Y)


# ---------------------------------------------------------------- review: edge cases


@pytest.mark.parametrize("loss", ["mse", "sse_half", "bce_with_logits"])
@pytest.mark.parametrize("batch_size, reduction", [(1, "mean"), (2, "sum"), (None, "mean"),
                                                   (None, "sum")])
def test_neuron_form_trains_like_the_tensor_form_in_fit(loss, batch_size, reduction):
    net = NeuronNet(2, [3], 1, seed=0)
    mlp = net.to_mlp()
    kw = dict(loss=loss, lr=0.5, momentum=0.3, epochs=3, batch_size=batch_size,
              reduction=reduction, seed=1, verbose=0)
    hn, hm = fit(net, X, Y, **kw), fit(mlp, X, Y, **kw)
    for (w, b), lin in zip(net.weight_arrays(), mlp.linears, strict=True):
        np.testing.assert_allclose(w, lin.weight.data, rtol=0, atol=1e-12)
        np.testing.assert_allclose(b, lin.bias.data, rtol=0, atol=1e-12)
    np.testing.assert_allclose(hn.loss, hm.loss, rtol=1e-12)
    assert evaluate(net, X, Y, loss) == pytest.approx(evaluate(mlp, X, Y, loss), rel=1e-12)


def test_neuron_form_history_has_one_gradient_norm_per_layer():
    net = NeuronNet(2, [3, 2], 1, seed=0)
    mlp = net.to_mlp()
    h = fit(net, X, Y, lr=0.5, epochs=2, batch_size=None, verbose=0)
    assert list(h.grad_norms) == ["layer1", "layer2", "layer3"]
    hm = fit(mlp, X, Y, lr=0.5, epochs=2, batch_size=None, verbose=0)
    for name, key in zip(h.grad_norms, hm.grad_norms, strict=True):
        np.testing.assert_allclose(h.grad_norms[name], hm.grad_norms[key], rtol=1e-12)


def test_early_stopping_with_min_delta_restores_the_lowest_epoch():
    # the error falls by less than min_delta per epoch: patience runs out, yet the
    # lowest error is at a later epoch than the last "significant" improvement
    net = MLP(2, [4], 1, seed=0)
    h = fit(net, X, Y, lr=0.5, momentum=0.9, epochs=60, seed=0, verbose=0,
            callbacks=[EarlyStopping(patience=5, min_delta=0.01)])
    assert h.stop_reason == "early_stopping" and h.restored
    assert h.best_epoch == int(np.argmin(h.loss)) + 1
    assert evaluate(net, X, Y) == pytest.approx(min(h.loss), rel=1e-12)


@pytest.mark.parametrize("n, fraction, held_out", [(4, 0.1, 1), (4, 0.25, 1), (10, 0.3, 3)])
def test_validation_split_holds_out_at_least_one_sample(n, fraction, held_out):
    Xs, ys = sine(n)
    net = MLP(1, [3], 1, output_activation=None, seed=0)
    h = fit(net, Xs, ys, lr=0.05, epochs=2, validation_split=fraction, seed=0, verbose=0)
    assert h.params["n_samples"] == n - held_out and len(h.val_loss) == 2


def test_validation_split_too_large_for_the_data():
    with pytest.raises(ValueError, match=r"validation_split=0.9 .*4 samples"):
        fit(MLP(2, [3], 1, seed=0), X, Y, epochs=1, validation_split=0.9, verbose=0)


def test_fit_rejects_empty_and_one_dimensional_inputs():
    with pytest.raises(ValueError, match="X has no samples"):
        fit(MLP(2, [3], 1, seed=0), X[:0], Y[:0], epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"X has shape \(4,\).*reshape\(-1, 1\)"):
        fit(MLP(1, [3], 1, seed=0), np.arange(4.0), Y, epochs=1, verbose=0)


def test_float32_model_trains_in_float32():
    seen = []

    def loss(pred, target):
        seen.append((pred.dtype, np.asarray(target).dtype))
        return ((pred - target) ** 2).mean()

    net = MLP(2, [4], 1, seed=0, dtype=np.float32)
    fit(net, X, Y, loss=loss, lr=0.5, epochs=2, verbose=0)
    assert seen and all(d == (np.float32, np.float32) for d in seen)
    assert all(p.data.dtype == np.float32 for p in net.parameters())


def test_optimizer_names_use_their_own_default_learning_rate():
    h = fit(MLP(2, [3], 1, seed=0), X, Y, optimizer="adam", epochs=1, verbose=0)
    assert h.params["lr"] == 1e-3
    h = fit(MLP(2, [3], 1, seed=0), X, Y, epochs=1, verbose=0)
    assert h.params["lr"] == 0.5  # plain SGD: the article's range


def test_history_records_the_given_optimizer_hyperparameters():
    net = MLP(2, [3], 1, seed=0)
    h = fit(net, X, Y, optimizer=SGD(net.parameters(), lr=0.0, momentum=0.9), epochs=2,
            verbose=0)
    assert h.params["lr"] == 0.0 and h.params["momentum"] == 0.9


def test_momentum_with_a_non_sgd_optimizer_is_an_error():
    X, y = xor()
    for name in ("adam", "rprop"):
        with pytest.raises(ValueError, match="momentum=0.3 applies to SGD only"):
            fit(MLP(2, [2], 1, seed=0), X, y, optimizer=name, momentum=0.3, epochs=1,
                verbose=0)


# ---------------------------------------------------------------- reliability: Ctrl-C


class _Stop(Callback):
    def __init__(self, at):
        self.at, self.ended = at, False

    def on_epoch_end(self, epoch, logs):
        if epoch == self.at:
            raise KeyboardInterrupt

    def on_train_end(self, history):
        self.ended = True


def test_ctrl_c_re_raises_with_the_history_so_far_and_no_gradients():
    net = MLP(2, [3], 1, seed=0)
    cb = _Stop(at=3)
    with pytest.raises(KeyboardInterrupt) as e:
        fit(net, X, Y, lr=0.5, epochs=50, validation_data=(X, Y), callbacks=[cb], verbose=0)
    h = e.value.history
    assert isinstance(h, History) and h.stop_reason == "interrupted" and h.epochs == 3
    assert len(h.loss) == len(h.val_loss) == 3
    assert all(len(v) == 3 for v in h.grad_norms.values())
    assert h.loss[-1] == pytest.approx(evaluate(net, X, Y))  # the weights of epoch 3
    assert all(p._grad is None for p in net.parameters())
    assert not cb.ended  # on_train_end is for runs that finished
    assert "interrupted" in repr(h)


def _stepwise_reference(n_steps):
    """The parameters and SGD momentum buffers after exactly n_steps whole steps."""
    net = MLP(2, [3], 1, seed=0)
    opt = CountingSGD(net.parameters(), lr=0.5, momentum=0.9)

    class Stop(Exception):
        pass

    def step():
        if opt.steps == n_steps:
            raise Stop
        CountingSGD.step(opt)

    opt.step = step
    with pytest.raises(Stop):
        fit(net, X, Y, optimizer=opt, epochs=50, shuffle=False, verbose=0)
    return [p.data.copy() for p in net.parameters()], [d.copy() for d in opt._dw]


def _half_then(opt, action):
    """A step that updates the first half of the parameters, runs ``action``, then the
    rest: an interrupt "in the middle" of SGD.step."""
    def step():
        params = opt.params
        half = len(params) // 2
        opt.params = params[:half]
        try:
            SGD.step(opt)
            action()
        finally:
            opt.params = params
        rest = opt._dw
        opt._dw = rest[half:]
        opt.params = params[half:]
        try:
            SGD.step(opt)
        finally:
            opt.params, opt._dw = params, rest[:half] + opt._dw
        opt.steps += 1
    return step


def test_an_interrupt_raised_inside_the_step_rolls_the_step_back():
    net = MLP(2, [3], 1, seed=0)
    opt = CountingSGD(net.parameters(), lr=0.5, momentum=0.9)
    real = opt.step

    def step():
        if opt.steps == 5:  # the sixth step: half its weights move, then Ctrl-C
            params = opt.params
            opt.params = params[:2]
            try:
                SGD.step(opt)
            finally:
                opt.params = params
            raise KeyboardInterrupt
        real()

    opt.step = step
    with pytest.raises(KeyboardInterrupt) as e:
        fit(net, X, Y, optimizer=opt, epochs=50, shuffle=False, verbose=0)
    want, dw = _stepwise_reference(5)
    for p, w in zip(net.parameters(), want, strict=True):
        np.testing.assert_array_equal(p.data, w)  # not at all: five whole steps
    for got, d in zip(opt._dw, dw, strict=True):
        np.testing.assert_array_equal(got, d)  # the momentum buffers too
    assert e.value.history.epochs == 1  # 4 samples per epoch: epoch 2 never finished
    assert all(p._grad is None for p in net.parameters())


def test_a_real_sigint_during_the_step_waits_for_the_step_to_finish():
    net = MLP(2, [3], 1, seed=0)
    opt = CountingSGD(net.parameters(), lr=0.5, momentum=0.9)
    real = opt.step
    fire = _half_then(opt, lambda: signal.raise_signal(signal.SIGINT))

    def step():
        (fire if opt.steps == 5 else real)()

    opt.step = step
    with pytest.raises(KeyboardInterrupt):
        fit(net, X, Y, optimizer=opt, epochs=50, shuffle=False, verbose=0)
    want, dw = _stepwise_reference(6)  # whole: the sixth step completed
    for p, w in zip(net.parameters(), want, strict=True):
        np.testing.assert_array_equal(p.data, w)
    for got, d in zip(opt._dw, dw, strict=True):
        np.testing.assert_array_equal(got, d)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back


def test_sigint_outside_a_step_interrupts_at_once_and_the_handler_is_restored():
    seen = []

    def cb(epoch, logs):
        seen.append(epoch)
        if epoch == 2:
            signal.raise_signal(signal.SIGINT)

    with pytest.raises(KeyboardInterrupt) as e:
        fit(MLP(2, [3], 1, seed=0), X, Y, lr=0.5, epochs=20, callbacks=[cb], verbose=0)
    assert seen == [1, 2] and e.value.history.epochs == 2
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    fit(MLP(2, [3], 1, seed=0), X, Y, lr=0.5, epochs=2, verbose=0)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_fit_in_a_worker_thread_trains_and_still_rolls_back_a_broken_step():
    out = {}

    def work():
        net = MLP(2, [3], 1, seed=0)
        out["h"] = fit(net, X, Y, lr=0.5, epochs=3, verbose=0)
        opt = CountingSGD(net.parameters(), lr=0.5)
        before = [p.data.copy() for p in net.parameters()]

        def step():
            opt.params[0].data += 1.0  # half a step, then the interrupt
            raise KeyboardInterrupt

        opt.step = step
        try:
            fit(net, X, Y, optimizer=opt, epochs=3, verbose=0)
        except KeyboardInterrupt as e:
            out["stop"] = e.history.stop_reason
        out["same"] = all(np.array_equal(p.data, b)
                          for p, b in zip(net.parameters(), before, strict=True))

    t = threading.Thread(target=work)
    t.start()
    t.join(60)
    assert out["h"].epochs == 3 and out["stop"] == "interrupted" and out["same"]


def test_the_progress_bar_line_is_ended_on_interrupt(monkeypatch):
    err = _FakeTTY()
    monkeypatch.setattr("sys.stderr", err)
    with pytest.raises(KeyboardInterrupt):
        fit(MLP(2, [3], 1, seed=0), X, Y, lr=0.5, epochs=50, callbacks=[_Stop(at=2)],
            verbose=1)
    assert err.getvalue().endswith("\n")


# ---------------------------------------------------------------- reliability: epoch 0, pipes


def test_the_untrained_weights_are_the_best_when_every_step_makes_things_worse():
    Xs, ys = sine(10)  # unscaled inputs (x100) and too large a step: every epoch is worse
    net = MLP(1, [], 1, output_activation=None, seed=0)
    start = [p.data.copy() for p in net.parameters()]
    h = fit(net, Xs * 100, ys, lr=3e-4, epochs=200, batch_size=None,
            callbacks=[EarlyStopping(patience=5)], verbose=0)
    assert h.stop_reason == "early_stopping" and h.epochs == 5
    assert h.best_epoch == 0 and h.restored
    assert all(v > h.initial_loss for v in h.loss)
    for p, s in zip(net.parameters(), start, strict=True):
        np.testing.assert_array_equal(p.data, s)


class _ClosedPipe(io.StringIO):
    def isatty(self):
        return True

    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize("verbose", [1, 2])
def test_a_closed_progress_stream_stops_the_printing_not_the_training(monkeypatch, verbose):
    monkeypatch.setattr("sys.stderr", _ClosedPipe())
    h = fit(MLP(2, [3], 1, seed=0), X, Y, lr=0.5, epochs=5, verbose=verbose)
    assert h.epochs == 5 and h.stop_reason == "epochs"


def test_history_records_what_diagnose_needs():
    Xs, ys = sine(12)
    net = MLP(1, [4], 1, output_activation="tanh", seed=0)
    h = fit(net, Xs, ys * 3, lr=0.05, epochs=2, validation_split=0.25, seed=0, verbose=0)
    assert h.params["output_activation"] == "tanh"
    st = h.data_stats
    assert st["nonfinite_X"] == 0 and st["nonfinite_y"] == 0
    assert st["y_min"] == pytest.approx(3 * ys.min()) and st["y_max"] == pytest.approx(3 * ys.max())
    assert len(st["output_min"]) == 1 and -1 < st["output_min"][0] <= st["output_max"][0] < 1
    Xn = X.copy()
    Xn[1, 0] = np.nan
    with np.errstate(all="ignore"):
        hn = fit(MLP(2, [3], 1, seed=0), Xn, Y, lr=0.5, epochs=2, verbose=0)
    assert hn.data_stats["nonfinite_X"] == 1 and hn.stop_reason == "non_finite"
