"""plots: training curves with the diagnosis, decision boundaries, the skier."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from micrograd_nn import Value, plots
from micrograd_nn.data import xor
from micrograd_nn.nn import MLP
from micrograd_nn.plots import (PlotDependencyError, bumpy_error, descent_path,
                                plot_decision_boundary, plot_error_surface, plot_history)
from micrograd_nn.train import History, fit

PNG = b"\x89PNG"


@pytest.fixture(scope="module")
def mpl():
    return pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def trained():
    X, y = xor()
    net = MLP(2, [4], 1, seed=0)
    history = fit(net, X, y, lr=0.5, momentum=0.9, epochs=300, seed=0, verbose=0)
    return net, X, y, history


def texts(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


# ---------------------------------------------------------------- matplotlib is optional
def test_missing_matplotlib_raises_an_import_error_with_the_install_hint(monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install micrograd_nn\[plot\]") as info:
        plot_history([1.0, 0.5, 0.25])
    assert isinstance(info.value, PlotDependencyError)
    with pytest.raises(PlotDependencyError):
        plot_error_surface()


# ---------------------------------------------------------------- plot_history
def test_plot_history_writes_a_png_with_the_diagnosis(mpl, trained, tmp_path):
    history = trained[3]
    fig = plot_history(history, path=tmp_path / "h" / "history.png")
    assert (tmp_path / "h" / "history.png").read_bytes().startswith(PNG)
    assert type(fig.canvas).__name__ == "FigureCanvasAgg"
    main = fig.axes[0]
    assert main.get_yscale() == "log"  # 0.26 -> 0.0008 spans more than two decades
    (line,) = main.get_lines()
    assert len(line.get_xdata()) == len(history.loss) + 1  # epoch 0: before training
    assert line.get_ydata()[0] == pytest.approx(history.initial_loss)
    assert "Diagnosis:" in texts(fig) and "converged" in texts(fig)


def test_plot_history_is_linear_when_the_error_spans_less_than_two_decades(mpl):
    fig = plot_history({"loss": [0.5, 0.4, 0.3, 0.2], "val_loss": [0.6, 0.5, 0.45, 0.44]})
    ax = fig.axes[0]
    assert ax.get_yscale() == "linear"
    assert [ln.get_label() for ln in ax.get_lines()] == ["training", "validation"]


def test_plot_history_on_a_given_axes_and_without_diagnosis(mpl):
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    assert plot_history([1.0, 2.0, 4.0, 8.0], ax=ax) is fig
    assert "diverging" in texts(fig)
    quiet = plot_history(History(loss=[1.0, 0.5]), diagnosis=False)
    assert texts(quiet) == "" and len(quiet.axes) == 1
    with pytest.raises(ValueError, match="no epochs"):
        plot_history([])
    with pytest.raises(TypeError, match="History"):
        plot_history(3.0)


# ---------------------------------------------------------------- decision boundary
def test_decision_boundary_of_a_binary_classifier(mpl, trained, tmp_path):
    net, X, y, _ = trained
    fig = plot_decision_boundary(net, X, y, path=tmp_path / "db.png")
    assert (tmp_path / "db.png").read_bytes().startswith(PNG)
    ax = fig.axes[0]
    assert len(ax.collections[-1].get_offsets()) == 4  # the four XOR points
    x0, x1 = ax.get_xlim()
    assert x0 <= -0.5 + 1e-9 and x1 >= 1.5 - 1e-9
    boundary = [c for c in ax.collections if hasattr(c, "levels") and list(c.levels) == [0.5]]
    assert boundary, "the 0.5 boundary should be drawn"


def test_decision_boundary_of_a_multiclass_model_and_bad_input(mpl):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = np.eye(3)[rng.integers(0, 3, 30)]
    fig = plot_decision_boundary(MLP(2, [5], 3, seed=0), X, y, resolution=40)
    assert len(fig.axes) == 1  # no colour bar for classes
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        plot_decision_boundary(MLP(3, [2], 1, seed=0), np.ones((4, 3)), np.ones(4))


# ---------------------------------------------------------------- the skier
def test_bumpy_error_has_a_hill_between_a_local_and_the_global_minimum():
    w = np.linspace(-4, 4, 8001)
    e = bumpy_error(w)
    minima = w[1:-1][(e[1:-1] < e[:-2]) & (e[1:-1] < e[2:])]
    assert minima == pytest.approx([-2.115, 1.861], abs=2e-3)
    assert bumpy_error(Value(1.0)).data == pytest.approx(bumpy_error(1.0))


def test_descent_path_follows_the_article_rule():
    path = descent_path(bumpy_error, 3.2, lr=0.1, momentum=0.5, steps=2)
    g = lambda w: 0.4 * w ** 3 - 1.6 * w + 0.4  # noqa: E731 - dE/dw by hand
    dw1 = -0.1 * g(3.2)
    dw2 = -0.1 * g(3.2 + dw1) + 0.5 * dw1
    assert path == pytest.approx([3.2, 3.2 + dw1, 3.2 + dw1 + dw2])
    assert descent_path(np.sin, 1.0, lr=0.1, steps=1)[1] == pytest.approx(1 - 0.1 * np.cos(1))


def test_momentum_rolls_over_the_hill_plain_descent_does_not():
    plain = descent_path(bumpy_error, 3.2, lr=0.1, momentum=0.0, steps=60)
    rolling = descent_path(bumpy_error, 3.2, lr=0.1, momentum=0.9, steps=200)
    assert plain[-1] == pytest.approx(1.861, abs=1e-3)  # stuck in the local minimum
    assert rolling[-1] == pytest.approx(-2.115, abs=1e-2)  # the global one
    assert len(descent_path(lambda w: w ** 2, 1.0, lr=5.0, steps=2000)) < 2001  # diverged: stops


def test_error_surface_of_the_toy_curve_shows_both_paths(mpl, tmp_path):
    fig = plot_error_surface(path=tmp_path / "skier.png")
    assert (tmp_path / "skier.png").read_bytes().startswith(PNG)
    labels = [ln.get_label() for ln in fig.axes[0].get_lines()]
    assert labels[0] == "error E(w)"
    assert any(lb.startswith("gradient descent: ends at w=1.86") for lb in labels)
    assert any(lb.startswith("with momentum 0.9: ends at w=-2") for lb in labels)


def test_error_surface_with_several_momenta_shows_the_overshoot(mpl):
    fig = plot_error_surface(momentum=(0.8, 0.95))
    labels = [ln.get_label() for ln in fig.axes[0].get_lines()]
    assert any(lb.startswith("with momentum 0.8: ends at w=-2.1") for lb in labels)
    assert any(lb.startswith("with momentum 0.95: ends at w=1.9") for lb in labels)
    low, high = fig.axes[0].get_ylim()
    assert high < 10  # scaled to the part of the curve the paths ride on


def test_error_surface_along_one_weight_of_a_model_leaves_it_unchanged(mpl):
    X, y = xor()
    net = MLP(2, [2], 1, seed=3)
    before = {n: np.copy(p.data) for n, p in net.named_parameters()}
    grads = {n: np.copy(p.grad) for n, p in net.named_parameters()}
    fig = plot_error_surface(net, X, y, param=net[0].weight, index=(0, 1), lr=1.0, steps=20)
    assert "0.weight[0, 1]" in fig.axes[0].get_xlabel()
    for n, p in net.named_parameters():
        assert np.array_equal(p.data, before[n]) and np.array_equal(p.grad, grads[n])
    curve = fig.axes[0].get_lines()[0]
    w, e = curve.get_xdata(), curve.get_ydata()
    k = int(np.argmin(np.abs(w - before["0.weight"][0, 1])))
    net[0].weight.data[0, 1] = w[k]
    from micrograd_nn.train import evaluate

    assert e[k] == pytest.approx(evaluate(net, X, y))
    with pytest.raises(ValueError, match="model, X and y"):
        plot_error_surface(net)


def test_plots_module_lists_its_public_names():
    assert set(plots.__all__) >= {"plot_history", "plot_decision_boundary",
                                  "plot_error_surface", "bumpy_error", "descent_path"}
