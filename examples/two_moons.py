"""Two moons: a classifier on 2-D data that no straight line can separate.

``data.two_moons`` draws two interleaving half circles with Gaussian noise (200
points, σ = 0.2); a quarter is held out as a test set. A 2-8-1 network (tanh hidden
layer, sigmoid output read as "class 1 when above 0.5") is trained with the
article's squared error and SGD with momentum, in batch mode. The script prints
the error and accuracy as training goes, the final accuracy on the training and test
points, how many of the points it gets wrong the noise pushed nearer the other moon,
and draws the decision boundary the network learned (``plots.plot_decision_boundary``).

Run: ``python examples/two_moons.py [out]`` (figure in ``out/``, default ./out).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from micrograd_nn.data import split, two_moons
from micrograd_nn.diagnose import diagnose
from micrograd_nn.nn import MLP
from micrograd_nn.plots import PlotDependencyError, plot_decision_boundary
from micrograd_nn.train import fit, predict


def accuracy(net: MLP, X: np.ndarray, y: np.ndarray) -> float:
    """The fraction of points on the right side of 0.5."""
    return float(np.mean((predict(net, X) > 0.5) == (y > 0.5)))


def nearer_other_moon(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per point, shape (n, 1): is it nearer the other class's noise-free half circle
    than its own? (class 0: (cos t, sin t), class 1: (1 - cos t, 0.5 - sin t))"""
    t = np.linspace(0.0, np.pi, 2001)
    curves = [np.stack([np.cos(t), np.sin(t)], 1), np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)]
    dist = np.stack([np.linalg.norm(X[:, None, :] - c[None], axis=2).min(axis=1)
                     for c in curves], 1)
    own = y.ravel().astype(int)
    return (dist[np.arange(len(X)), 1 - own] < dist[np.arange(len(X)), own]).reshape(-1, 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="out", help="folder for the figure")
    out = Path(parser.parse_args(argv).out)
    X, y = two_moons(n=200, noise=0.2, seed=0)
    X_train, y_train, X_test, y_test = split(X, y, fraction=0.25, seed=0)
    print(f"two moons: {len(X_train)} training and {len(X_test)} test points; "
          "2-8-1 net (tanh, sigmoid output), SGD lr=2 momentum 0.9, batch mode\n")
    net = MLP(2, [8], 1, activation="tanh", seed=0)
    print(f"{'epoch':>5}{'error':>9}{'train acc':>11}")
    print(f"{0:>5}{np.mean((predict(net, X_train) - y_train) ** 2):>9.4f}"
          f"{accuracy(net, X_train, y_train):>11.1%}")

    def report(epoch: int, logs: dict) -> None:  # a callback: every 100 epochs
        if epoch % 100 == 0:
            print(f"{epoch:>5}{logs['loss']:>9.4f}{accuracy(net, X_train, y_train):>11.1%}")

    hist = fit(net, X_train, y_train, lr=2.0, momentum=0.9, epochs=500, batch_size=None,
               validation_data=(X_test, y_test), callbacks=[report], seed=0, verbose=0)
    print(f"\naccuracy: training {accuracy(net, X_train, y_train):.1%}, "
          f"test {accuracy(net, X_test, y_test):.1%} (points never seen in training)")
    print(f"diagnosis: {diagnose(hist).findings[0]}".splitlines()[0])
    wrong = (predict(net, X) > 0.5) != (y > 0.5)
    crossed = wrong & nearer_other_moon(X, y)
    print(f"wrong: {int(wrong.sum())} of {len(X)} points; {int(crossed.sum())} of them lie "
          "nearer the other moon's noise-free curve than their own")
    print(f"The boundary bends between the moons. Of the points it gets wrong, "
          f"{int(crossed.sum())} were pushed by the noise nearer the other moon than their "
          "own: catching those would mean bending around single points (overfitting).")

    try:  # matplotlib is optional: plots raise PlotDependencyError without it
        fig = plot_decision_boundary(net, X, y, title=f"Two moons: 2-8-1 net, test "
                                     f"accuracy {accuracy(net, X_test, y_test):.0%}")
    except PlotDependencyError:
        print("matplotlib is not installed: skipping the figure (pip install matplotlib)")
        return
    ax = fig.axes[0]  # ring the held-out test points
    ax.scatter(X_test[:, 0], X_test[:, 1], s=190, facecolors="none", edgecolors="#fab005",
               linewidths=2, zorder=4, label="test points (not trained on)")
    ax.legend(loc="lower left", fontsize=8)
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / "two_moons.png", dpi=120)
    print(f"figure: {out / 'two_moons.png'}")


if __name__ == "__main__":
    main()
