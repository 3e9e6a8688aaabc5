"""EarlyStopping, the callback that replaced fit's early_stopping/min_delta/
restore_best_weights keywords: its arguments, the loss it watches, where it stops."""

from __future__ import annotations

import numpy as np
import pytest

from micrograd_nn.data import sine, xor
from micrograd_nn.history import Callback, EarlyStopping, History, StopTraining
from micrograd_nn.nn import MLP
from micrograd_nn.train import evaluate, fit

X, Y = xor()


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(patience=0), ValueError, "patience must be a positive int"),
    (dict(patience=-2), ValueError, "patience must be a positive int"),
    (dict(patience=True), ValueError, "patience must be a positive int"),
    (dict(patience=2.5), ValueError, "patience must be a positive int"),
    (dict(min_delta=-0.1), ValueError, "min_delta must be a number >= 0"),
    (dict(min_delta=float("nan")), ValueError, "min_delta must be a number >= 0"),
    (dict(restore_best=1), TypeError, "restore_best must be True or False"),
    (dict(monitor="accuracy"), ValueError, "monitor must be 'loss', 'val_loss' or None"),
])
def test_early_stopping_rejects_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        EarlyStopping(**kwargs)


@pytest.mark.parametrize("name", ["early_stopping", "min_delta", "restore_best_weights"])
def test_fit_no_longer_takes_the_early_stopping_keywords(name):
    with pytest.raises(TypeError, match=name):
        fit(MLP(2, [3], 1, seed=0), X, Y, epochs=1, verbose=0, **{name: 5})


def test_the_default_patience_is_ten():
    assert EarlyStopping().patience == 10


def _curve_run(curve, **kw):
    """EarlyStopping fed ``curve`` by hand (epoch 0 first): the epoch it stops at (None:
    it does not) and its best epoch."""
    es = EarlyStopping(restore_best=False, **kw)
    es.on_train_begin({"initial_loss": curve[0], "initial_val_loss": None})
    for epoch, v in enumerate(curve[1:], 1):
        try:
            es.on_epoch_end(epoch, {"loss": v, "val_loss": None})
        except StopTraining as e:
            assert e.reason == "early_stopping"
            return epoch, es.best_epoch
    return None, es.best_epoch


def test_the_stopping_rule_on_a_given_curve():
    # epoch 0 is 1.0; no epoch improves: patience 3 stops at epoch 3, best epoch 0
    assert _curve_run([1.0, 1.1, 1.2, 1.0], patience=3) == (3, 0)
    # an improvement restarts the patience
    assert _curve_run([1.0, 0.9, 1.0, 0.8, 1.0, 1.0, 1.0], patience=3) == (6, 3)
    # improvements of at most min_delta do not restart it, but still count as the best
    assert _curve_run([1.0, 0.95, 0.92, 0.91], patience=3, min_delta=0.1) == (3, 3)
    # a NaN never improves
    assert _curve_run([1.0, float("nan"), float("nan")], patience=2) == (2, 0)
    assert _curve_run([1.0, 0.5, 0.4], patience=5) == (None, 2)


def test_monitor_defaults_to_the_validation_loss_and_can_watch_the_training_loss():
    Xt, yt = sine(8, noise=0.3, seed=1)
    Xv, yv = sine(50, seed=2)

    def run(**kw):
        net = MLP(1, [64, 64], 1, activation="tanh", output_activation=None, seed=0)
        h = fit(net, Xt, yt, lr=0.05, momentum=0.9, epochs=150, batch_size=None, seed=0,
                validation_data=(Xv, yv), verbose=0, callbacks=[EarlyStopping(**kw)])
        return net, h

    net, h = run(patience=15)
    assert h.monitor == "val_loss" and h.stop_reason == "early_stopping" and h.restored
    assert h.best_epoch == int(np.argmin(h.val_loss)) + 1
    # the training loss keeps falling: no stop, and the last epoch is the best
    net, h = run(patience=15, monitor="loss")
    assert h.monitor == "loss" and h.stop_reason == "epochs" and not h.restored
    assert h.best_epoch == h.epochs == 150


def test_monitor_val_loss_without_validation_data_is_an_error():
    with pytest.raises(ValueError, match="needs validation data"):
        fit(MLP(2, [3], 1, seed=0), X, Y, epochs=2, verbose=0,
            callbacks=[EarlyStopping(monitor="val_loss")])


def test_restoring_needs_the_model():
    es = EarlyStopping()
    with pytest.raises(TypeError, match="needs the model"):
        es.on_train_begin({"initial_loss": 1.0})
    EarlyStopping(restore_best=False).on_train_begin({"initial_loss": 1.0})  # no model: fine


def test_the_best_weights_are_restored_when_the_epochs_run_out_first():
    # stopped by epochs=, not by patience: the best epoch's weights still come back
    Xt, yt = sine(8, noise=0.3, seed=1)
    Xv, yv = sine(50, seed=2)
    net = MLP(1, [64, 64], 1, activation="tanh", output_activation=None, seed=0)
    h = fit(net, Xt, yt, lr=0.05, momentum=0.9, epochs=20, batch_size=None, seed=0,
            validation_data=(Xv, yv), verbose=0, callbacks=[EarlyStopping(patience=100)])
    assert h.stop_reason == "epochs" and h.restored and h.best_epoch < 20
    assert evaluate(net, Xv, yv) == pytest.approx(min(h.val_loss), rel=1e-12)


def test_target_error_wins_over_early_stopping_and_other_callbacks_still_run():
    seen = []

    class Seen(Callback):
        def on_epoch_end(self, epoch, logs):
            seen.append(epoch)

    Xs, ys = sine(10)  # every epoch worse than the untrained weights: patience runs out
    net = MLP(1, [], 1, output_activation=None, seed=0)
    h = fit(net, Xs * 100, ys, lr=3e-4, epochs=200, batch_size=None, seed=0, verbose=0,
            callbacks=[EarlyStopping(patience=2), Seen()])
    assert h.stop_reason == "early_stopping" and seen == [1, 2]  # Seen saw epoch 2 too
    net = MLP(1, [], 1, output_activation=None, seed=0)
    h = fit(net, Xs * 100, ys, lr=3e-4, epochs=200, batch_size=None, seed=0, verbose=0,
            target_error=1e9, callbacks=[EarlyStopping(patience=1)])
    assert h.stop_reason == "target_error" and h.epochs == 1


def test_one_instance_serves_several_runs():
    es = EarlyStopping(patience=5, min_delta=0.01)
    hs = []
    for _ in range(2):
        net = MLP(2, [4], 1, seed=0)
        hs.append(fit(net, X, Y, lr=0.5, momentum=0.9, epochs=60, seed=0, verbose=0,
                      callbacks=[es]))
        assert evaluate(net, X, Y) == pytest.approx(min(hs[-1].loss), rel=1e-12)
    assert hs[0].loss == hs[1].loss and hs[0].best_epoch == hs[1].best_epoch


def test_interrupted_runs_are_not_restored():
    class Interrupt(Callback):
        def on_epoch_end(self, epoch, logs):
            if epoch == 4:
                raise KeyboardInterrupt

    Xs, ys = sine(10)
    net = MLP(1, [], 1, output_activation=None, seed=0)
    with pytest.raises(KeyboardInterrupt) as e:
        fit(net, Xs * 100, ys, lr=3e-4, epochs=200, batch_size=None, seed=0, verbose=0,
            callbacks=[EarlyStopping(patience=10), Interrupt()])
    h = e.value.history
    assert isinstance(h, History) and h.stop_reason == "interrupted" and not h.restored
    assert evaluate(net, Xs * 100, ys) == pytest.approx(h.loss[-1])  # the last weights


def test_stop_training_carries_a_reason():
    assert StopTraining().reason == "callback"
    assert StopTraining("why", reason="mine").reason == "mine"

    def stop(epoch, logs):
        raise StopTraining(reason="mine")

    h = fit(MLP(2, [3], 1, seed=0), X, Y, epochs=5, callbacks=[stop], verbose=0)
    assert h.stop_reason == "mine" and h.epochs == 1


# ---------------------------------------------------------------- the callers


def test_the_cli_flag_builds_the_callback(capsys):
    from micrograd_nn import cli

    argv = ["train", "--data", "xor", "--hidden", "3", "--epochs", "400", "--val-split",
            "0.25", "--lr", "20", "--early-stopping", "3", "--verbose", "0", "--no-save"]
    assert cli.main(argv) == 0
    assert "(early_stopping)" in capsys.readouterr().out


def test_a_sweep_maps_early_stopping_to_the_callback():
    from micrograd_nn import sweep as sw

    Xs, ys = sine(10)
    r = sw.sweep({"early_stopping": [0, 2]}, Xs * 100, ys, executor="serial", epochs=50,
                 lr=3e-4, batch_size=None, hidden=[], output_activation=None)
    off, on = r.trials
    assert off["stop_reason"] == "epochs" and off["epochs_run"] == 50
    assert on["stop_reason"] == "early_stopping" and on["epochs_run"] == 2
    # the untrained weights came back: its error is epoch 0's
    net = MLP(1, [], 1, output_activation=None, seed=on["seed"])
    assert on["final_error"] == pytest.approx(evaluate(net, Xs * 100, ys), rel=1e-12)
    with pytest.raises(ValueError, match="unknown name 'min_delta'"):
        sw.sweep({"min_delta": [0.1]}, X, Y, executor="serial", epochs=1)
