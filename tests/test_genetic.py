"""The genetic trainer: it solves XOR without gradients, reproducibly, for every model
form; its batched population pass equals the models' own forward, one genome at a
time; its History reads like fit's (diagnose, plot_history, the progress lines)."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

from micrograd_nn import genetic
from micrograd_nn.data import two_moons, xor
from micrograd_nn.diagnose import diagnose
from micrograd_nn.genetic import (evolve, flatten_layers, population_forward, population_loss,
                                  unflatten_layers)
from micrograd_nn.history import Callback, History, StopTraining
from micrograd_nn.neurons import NeuronNet
from micrograd_nn.nn import MLP, Linear, ReLU, Sequential, Sigmoid, Tanh
from micrograd_nn.protocol import Dense, check_dense_layers
from micrograd_nn.train import evaluate, predict


class ArrayNet:
    """A model that is the protocol and nothing else: numpy arrays, its own forward
    (sigmoid as 1 / (1 + exp(-z)), not the GA's tanh form). If evolve asked "is this
    an MLP?" anywhere, this model would fail."""

    def __init__(self, sizes: list[int], acts: list[str], seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.layers = [Dense(rng.uniform(-1, 1, (a, b)), rng.uniform(-1, 1, b), act)
                       for a, b, act in zip(sizes[:-1], sizes[1:], acts, strict=True)]

    def dense_layers(self) -> list[Dense]:
        return [Dense(w.copy(), b.copy(), a) for w, b, a in self.layers]

    def set_dense_layers(self, layers) -> None:
        self.layers = [Dense(w.copy(), b.copy(), a) for w, b, a in
                       check_dense_layers(self.layers, layers, "ArrayNet")]

    def __call__(self, X) -> np.ndarray:
        h = np.asarray(X, dtype=np.float64)
        for w, b, act in self.layers:
            z = h @ w + b
            h = {"sigmoid": lambda v: 1 / (1 + np.exp(-v)), "tanh": np.tanh,
                 "relu": lambda v: np.maximum(v, 0), "identity": lambda v: v}[act](z)
        return h


def _mlp():
    return MLP(2, [3], 1, seed=0)


def _sequential():
    return Sequential(Linear(2, 4, seed=1), Tanh(), Linear(4, 1, seed=2), Sigmoid())


def _neuronnet():
    return NeuronNet(2, [3], 1, seed=0)


def _arraynet():
    return ArrayNet([2, 3, 1], ["sigmoid", "sigmoid"], seed=0)


FORMS = {"MLP": _mlp, "Sequential": _sequential, "NeuronNet": _neuronnet,
         "ArrayNet": _arraynet}


def _protocol(model):
    """The model, or a skip while the lead's dense_layers/set_dense_layers are missing."""
    for name in ("dense_layers", "set_dense_layers"):
        if not callable(getattr(model, name, None)):
            pytest.skip(f"{type(model).__name__}.{name}() is not there yet (the lead adds "
                        "the model protocol to nn.py/neurons.py); evolve needs it")
    return model


def _loss(model, X, y, loss="mse") -> float:
    """The model's own loss: through fit's evaluate, or numpy for the ArrayNet."""
    if isinstance(model, ArrayNet):
        sq = (model(X) - y) ** 2
        return float(sq.mean() if loss == "mse" else 0.5 * sq.sum())
    return evaluate(model, X, y, loss)


def _outputs(model, X) -> np.ndarray:
    return model(X) if isinstance(model, ArrayNet) else predict(model, X)


def _weights(model) -> np.ndarray:
    return flatten_layers(model.dense_layers())


# ---------------------------------------------------------------- it learns


@pytest.mark.parametrize("form", FORMS)
def test_xor_is_solved_to_the_target_and_the_best_is_left_in_the_model(form):
    model = _protocol(FORMS[form]())
    X, y = xor()
    h = evolve(model, X, y, population=100, generations=400, target_error=0.01, verbose=0)
    assert h.stop_reason == "target_error" and h.loss[-1] <= 0.01 < h.initial_loss
    assert h.epochs == len(h.loss) < 400 and h.best_epoch == h.epochs and not h.restored
    assert _loss(model, X, y) == pytest.approx(h.loss[-1], rel=1e-9, abs=1e-15)
    assert np.all(np.diff(h.loss) <= 0)  # elitism: the best never gets worse
    assert np.all((_outputs(model, X) > 0.5) == (y > 0.5))


def test_same_seed_same_history_and_weights_other_seed_other_run():
    X, y = xor()
    runs = []
    for seed in (3, 3, 4):
        model = _arraynet()
        h = evolve(model, X, y, population=40, generations=30, seed=seed, verbose=0)
        runs.append((h, _weights(model)))
    (h1, w1), (h2, w2), (h3, w3) = runs
    assert h1.loss == h2.loss and h1.best_epoch == h2.best_epoch and np.array_equal(w1, w2)
    assert h1.loss != h3.loss and not np.array_equal(w1, w3)


def test_seeded_generator_is_accepted_and_used():
    X, y = xor()
    a, b = _arraynet(), _arraynet()
    ha = evolve(a, X, y, population=20, generations=5, seed=np.random.default_rng(9),
                verbose=0)
    hb = evolve(b, X, y, population=20, generations=5, seed=9, verbose=0)
    assert ha.loss == hb.loss and ha.params["seed"] == "generator"


@pytest.mark.parametrize("selection", genetic.SELECTIONS)
@pytest.mark.parametrize("crossover", genetic.CROSSOVERS)
def test_every_operator_improves_on_the_start(selection, crossover):
    X, y = xor()
    h = evolve(_arraynet(), X, y, population=30, generations=40, selection=selection,
               crossover=crossover, verbose=0)
    assert h.loss[-1] < h.initial_loss and h.stop_reason == "generations"


def test_elite_zero_keeps_the_best_so_far_not_the_last():
    X, y = xor()
    model = _arraynet()
    h = evolve(model, X, y, population=10, generations=60, elite=0, mutation_rate=1.0,
               mutation_scale=3.0, verbose=0)  # wild mutations: generations get worse
    best = min([h.initial_loss, *h.loss])
    assert _loss(model, X, y) == pytest.approx(best, rel=1e-9)
    assert h.restored == (h.loss[-1] > best) and h.restored  # this seed does get worse
    assert h.best_epoch == (h.loss.index(best) + 1 if best < h.initial_loss else 0)


# ---------------------------------------------------------------- the batched pass


def _models_for_oracle():
    return {"MLP": MLP(3, [4, 3], 2, activation="relu", output_activation="identity",
                       bias=[True, False, True], seed=0),
            "Sequential": Sequential(Linear(3, 5, seed=1), Tanh(), Linear(5, 4, bias=False,
                                     seed=2), ReLU(), Linear(4, 2, seed=3), Sigmoid()),
            "NeuronNet": NeuronNet(3, [4], 2, activation="tanh", seed=0),
            "ArrayNet": ArrayNet([3, 4, 2], ["tanh", "sigmoid"], seed=0)}


@pytest.mark.parametrize("form", ["MLP", "Sequential", "NeuronNet", "ArrayNet"])
@pytest.mark.parametrize("loss", genetic.LOSSES)
def test_batched_pass_equals_the_models_own_forward_one_genome_at_a_time(form, loss, rng):
    model = _protocol(_models_for_oracle()[form])
    X, y = rng.normal(size=(7, 3)), rng.uniform(size=(7, 2))
    layers = model.dense_layers()
    G = flatten_layers(layers) + rng.normal(0, 1.5, (6, _weights(model).size))
    batched = population_loss(layers, G, X, y, loss)
    outs = population_forward(layers, G, X)
    assert batched.shape == (6,) and outs.shape == (6, 7, 2)
    for i, g in enumerate(G):  # the oracle: the model's own forward on the same weights
        model.set_dense_layers(unflatten_layers(g, layers))
        assert _loss(model, X, y, loss) == pytest.approx(batched[i], rel=1e-10)
        np.testing.assert_allclose(outs[i], _outputs(model, X), rtol=1e-10, atol=1e-14)


def test_batched_pass_equals_neuron_by_neuron_nets_built_from_each_genome(rng):
    """Runs without the protocol's setter: each genome becomes a NeuronNet through its
    constructor (and an MLP through ``to_mlp``), whose forward is the oracle."""
    X, y = rng.normal(size=(5, 2)), rng.uniform(size=(5, 1))
    like = [Dense(np.zeros((2, 3)), np.zeros(3), "sigmoid"),
            Dense(np.zeros((3, 1)), None, "tanh")]
    G = rng.normal(0, 2.0, (4, 2 * 3 + 3 + 3))
    batched = population_loss(like, G, X, y, "sse_half")
    for i, g in enumerate(G):
        lay = unflatten_layers(g, like)
        net = NeuronNet(2, [3], 1, activation="sigmoid", output_activation="tanh",
                        bias=[True, False], weights=[(d.weight, d.bias) for d in lay])
        assert evaluate(net, X, y, "sse_half") == pytest.approx(batched[i], rel=1e-10)
        assert evaluate(net.to_mlp(), X, y, "sse_half") == pytest.approx(batched[i],
                                                                          rel=1e-10)


def test_genome_layout_round_trips():
    layers = [Dense(np.arange(6.0).reshape(2, 3), np.array([6.0, 7, 8]), "tanh"),
              Dense(np.array([[9.0], [10], [11]]), None, "identity")]
    g = flatten_layers(layers)
    assert g.tolist() == list(map(float, range(12)))  # W row by row, then b, per layer
    back = unflatten_layers(g, layers)
    assert all(np.array_equal(a.weight, b.weight) and a.activation == b.activation
               for a, b in zip(layers, back, strict=True)) and back[1].bias is None


# ---------------------------------------------------------------- History, like fit's


def test_history_reads_like_fits_for_diagnose_and_plot_history():
    X, y = xor()
    h = evolve(_arraynet(), X, y, population=60, generations=300, target_error=0.01,
               verbose=0)
    assert isinstance(h, History) and h.monitor == "loss" and h.val_loss == []
    assert h.grad_norms == {} and h.params["optimizer"] == "genetic"
    assert h.params["n_samples"] == 4 and h.params["output_activation"] == "sigmoid"
    assert h.data_stats["y_min"] == 0.0 and len(h.data_stats["output_min"]) == 1
    assert h.seconds > 0 and "target_error" in repr(h)
    d = diagnose(h)
    assert d.kinds[0] == "converged", str(d)
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from micrograd_nn.plots import plot_history

    fig = plot_history(h)
    line = fig.axes[0].lines[0]
    assert list(line.get_xdata()) == list(range(h.epochs + 1))  # epoch 0 = the start
    assert line.get_ydata()[0] == h.initial_loss
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_progress_lines_as_fit_prints_them(monkeypatch):
    X, y = xor()
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    evolve(_arraynet(), X, y, population=10, generations=3, verbose=2)
    lines = err.getvalue().splitlines()
    assert [ln.split(" [")[0] for ln in lines] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    err.truncate(0)
    evolve(_arraynet(), X, y, population=10, generations=3, verbose=1)  # not a TTY
    assert err.getvalue() == ""


# ---------------------------------------------------------------- callbacks, stops


class Recorder(Callback):
    def __init__(self, stop_at: int | None = None, how: str = "true") -> None:
        self.calls: list = []
        self.stop_at, self.how = stop_at, how

    def on_train_begin(self, logs):
        self.calls.append(("begin", logs["optimizer"]))

    def on_epoch_end(self, epoch, logs):
        self.calls.append(("epoch", epoch, dict(logs)))
        if epoch == self.stop_at:
            if self.how == "raise":
                raise StopTraining
            if self.how == "interrupt":
                raise KeyboardInterrupt
            return True
        return None

    def on_train_end(self, history):
        self.calls.append(("end", history.epochs))


def test_callbacks_see_every_generation_with_fits_logs():
    X, y = xor()
    rec, seen = Recorder(), []
    h = evolve(_arraynet(), X, y, population=12, generations=4, elite=2,
               callbacks=[rec, lambda e, logs: seen.append(e)], verbose=0)
    assert rec.calls[0] == ("begin", "genetic") and rec.calls[-1] == ("end", 4)
    epochs = [c for c in rec.calls if c[0] == "epoch"]
    assert [c[1] for c in epochs] == seen == [1, 2, 3, 4]
    logs = epochs[-1][2]
    assert {"epoch", "loss", "val_loss", "grad_norms", "time"} <= set(logs)
    assert logs["loss"] == h.loss[-1] and logs["val_loss"] is None
    assert logs["evaluations"] == 4 * (12 + 4 * (12 - 2))  # n·(P + g·(P − elite))
    assert logs["population_mean"] >= logs["loss"]


@pytest.mark.parametrize("how", ["true", "raise"])
def test_a_callback_stops_training(how):
    X, y = xor()
    h = evolve(_arraynet(), X, y, population=10, generations=50,
               callbacks=[Recorder(stop_at=3, how=how)], verbose=0)
    assert h.stop_reason == "callback" and h.epochs == 3 == len(h.loss)


def test_stop_reasons_generations_and_non_finite():
    X, y = xor()
    assert evolve(_arraynet(), X, y, population=10, generations=2,
                  verbose=0).stop_reason == "generations"
    Xbad = X.copy()
    Xbad[0, 0] = np.nan
    h = evolve(_arraynet(), Xbad, y, population=10, generations=20, verbose=0)
    assert h.stop_reason == "non_finite" and h.epochs == 1 and math.isnan(h.loss[0])
    assert "nonfinite_data" in diagnose(h)


def test_ctrl_c_leaves_the_best_so_far_in_the_model_and_attaches_the_history():
    X, y = xor()
    model, rec = _arraynet(), Recorder(stop_at=5, how="interrupt")
    start = _weights(model)
    with pytest.raises(KeyboardInterrupt) as e:
        evolve(model, X, y, population=30, generations=50, callbacks=[rec], verbose=0)
    h = e.value.history
    assert isinstance(h, History) and h.stop_reason == "interrupted" and h.epochs == 5
    assert len(h.loss) == 5 and rec.calls[-1][0] == "epoch"  # no on_train_end
    assert _loss(model, X, y) == pytest.approx(min(h.loss), rel=1e-9)
    assert not np.array_equal(_weights(model), start)


def test_ctrl_c_inside_a_generation_drops_that_generation(monkeypatch):
    X, y = xor()
    model = _arraynet()
    real, calls = genetic.population_loss, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:  # generation 0, then 1 and 2; Ctrl-C while scoring 3
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(genetic, "population_loss", flaky)
    with pytest.raises(KeyboardInterrupt) as e:
        evolve(model, X, y, population=20, generations=10, verbose=0)
    h = e.value.history
    assert h.epochs == 2 == len(h.loss) and h.stop_reason == "interrupted"
    assert _loss(model, X, y) == pytest.approx(min(h.initial_loss, *h.loss), rel=1e-9)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("kwargs, words", [
    ({"population": 1}, ["population", ">= 2"]),
    ({"population": 5, "elite": 5}, ["elite=5", "population=5"]),
    ({"elite": -1}, ["elite"]),
    ({"generations": 0}, ["generations"]),
    ({"selection": "best"}, ["selection", "tournament"]),
    ({"crossover": "two_point"}, ["crossover", "uniform"]),
    ({"loss": "bce_with_logits"}, ["loss", "mse", "sse_half"]),
    ({"tournament": 0}, ["tournament"]),
    ({"mutation_rate": 1.5}, ["mutation_rate", "[0, 1]"]),
    ({"mutation_scale": -1.0}, ["mutation_scale"]),
    ({"target_error": -0.1}, ["target_error"]),
])
def test_bad_settings_name_the_argument(kwargs, words):
    X, y = xor()
    with pytest.raises(ValueError) as e:
        evolve(_arraynet(), X, y, verbose=0, **kwargs)
    assert all(w in str(e.value) for w in words), str(e.value)


def test_data_that_does_not_fit_the_model_says_which_shape_it_needs():
    X, y = two_moons(10)
    net = ArrayNet([3, 2, 1], ["tanh", "sigmoid"])
    with pytest.raises(ValueError, match=r"X has shape \(10, 2\).*\(n_samples, 3\)"):
        evolve(net, X, y, verbose=0)
    with pytest.raises(ValueError, match=r"X has shape \(10,\)"):
        evolve(_arraynet(), X[:, 0], y, verbose=0)
    with pytest.raises(ValueError, match=r"y has shape \(9, 1\).*\(10, 1\)"):
        evolve(_arraynet(), X, y[:9], verbose=0)
    with pytest.raises(ValueError, match=r"y has shape \(10, 2\)"):
        evolve(_arraynet(), X, np.hstack([y, y]), verbose=0)
    h = evolve(_arraynet(), X, y.ravel(), population=4, generations=1, verbose=0)
    assert h.epochs == 1  # a 1-D y is a column for a one-output model


def test_a_model_without_the_protocol_is_refused():
    class Plain:
        def forward(self, X):
            return X

    with pytest.raises(TypeError, match="dense_layers"):
        evolve(Plain(), *xor(), verbose=0)
    with pytest.raises(TypeError, match="callback"):
        evolve(_arraynet(), *xor(), callbacks=[42], verbose=0)


def test_diagnosis_of_a_genetic_run_gives_no_learning_rate_advice() -> None:
    """The GA has no learning rate or momentum: diagnose's advice says what to turn."""
    from micrograd_nn.data import xor
    from micrograd_nn.diagnose import GENETIC_ADVICE, diagnose
    from micrograd_nn.nn import MLP

    X, y = xor()
    h = evolve(MLP(2, [2], 1, seed=0), X, y, population=20, generations=30, seed=0,
               verbose=0)
    d = diagnose(h)
    advice = [a for f in d.findings for a in f.advice]
    assert GENETIC_ADVICE in advice
    others = [a for a in advice if a != GENETIC_ADVICE]
    assert not any("learning rate" in a or "momentum" in a for a in others), others
    fit_run = diagnose([0.3, 0.29, 0.289, 0.289, 0.289])  # a stalled gradient run
    assert any("momentum" in a for f in fit_run.findings for a in f.advice)
    assert GENETIC_ADVICE not in [a for f in fit_run.findings for a in f.advice]
