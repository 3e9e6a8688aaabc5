"""Momentum: plain descent is trapped in a local minimum, momentum rolls over the hill,
too much momentum overshoots.

The article's skier: one weight ``w`` and its error curve

    E(w) = 0.1·w⁴ − 0.8·w² + 0.4·w + 2

with a local minimum at w ≈ 1.86 (E ≈ 1.17), a small hill at w ≈ 0.25 (E ≈ 2.05) and the global
minimum at w ≈ −2.11 (E ≈ −0.42). ``w`` is a Value, so each step's dE/dw comes from
``backward()``, and ``optim.SGD`` applies the article's rule
``Δw = −E·dE/dw + α·Δw_prev; w = w + Δw`` (learning rate E=0.1, 80 steps from w=3.2)
with momentum α = 0, 0.8 and 0.95.

Run: ``python examples/momentum.py [out]`` (figure in ``out/``, default ./out).
"""

from __future__ import annotations

import argparse
from itertools import pairwise
from pathlib import Path

import numpy as np

from micrograd_nn import Value
from micrograd_nn.optim import SGD

try:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
except ImportError:  # figures are optional
    Figure = None

W0, LR, STEPS = 3.2, 0.1, 80
HILL, LOCAL, GLOBAL = 0.2541, 1.8608, -2.1149  # where dE/dw = 0
RUNS = {0.0: "no momentum", 0.8: "momentum 0.8", 0.95: "momentum 0.95 (too much)"}
COLOURS = {0.0: "#e03131", 0.8: "#2f9e44", 0.95: "#7048e8"}


def error(w: Value) -> Value:
    """E(w): the bumpy error curve (works on a Value, a float or an array)."""
    return 0.1 * w ** 4 - 0.8 * w ** 2 + 0.4 * w + 2.0


def descend(momentum: float) -> list[float]:
    """The weights SGD visits from W0: ``[w0, w1, ..., w_STEPS]``."""
    w = Value(W0, "w")
    opt = SGD([w], lr=LR, momentum=momentum)
    path = [w.data]
    for _ in range(STEPS):
        opt.zero_grad()
        error(w).backward()  # dE/dw into w.grad
        opt.step()
        path.append(w.data)
    return path


def crossings(path: list[float]) -> int:
    """How often the path went over the hill between the two minima."""
    return sum((a - HILL) * (b - HILL) < 0 for a, b in pairwise(path))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="out", help="folder for the figure")
    out = Path(parser.parse_args(argv).out)
    print(f"E(w) = 0.1w^4 - 0.8w^2 + 0.4w + 2: local minimum w={LOCAL}, hill w={HILL}, "
          f"global minimum w={GLOBAL}")
    print(f"SGD from w={W0}, lr={LR}, {STEPS} steps; dE/dw by autodiff\n")
    print(f"{'momentum':>8}{'final w':>10}{'final E':>10}{'lowest w':>10}{'hill crossings':>16}"
          "   ends in")
    paths = {m: descend(m) for m in RUNS}
    for m, p in paths.items():
        where = "the global minimum" if p[-1] < HILL else "the local minimum"
        print(f"{m:>8g}{p[-1]:>10.3f}{error(p[-1]):>10.3f}{min(p):>10.3f}"
              f"{crossings(p):>16}   {where}")
    print("\nNo momentum: each step follows the slope, which is 0 at the local minimum, so "
          "the skier stops there. Momentum 0.8: the steps keep some of their speed, carry "
          "w over the hill and settle in the global minimum. Momentum 0.95: so much speed "
          "that w shoots past the global minimum, climbs back over the hill and ends in "
          "the local minimum again: too much momentum overshoots.")

    if Figure is None:
        print("matplotlib is not installed: skipping the figure (pip install matplotlib)")
        return
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2, width_ratios=[1.2, 1])
    ws = np.linspace(-3.6, 3.4, 300)
    left.plot(ws, error(ws), color="#343a40", lw=2, label="error E(w)")
    for m, p in paths.items():
        p = np.array(p)
        left.plot(p, error(p), "o-", ms=3, lw=0.7, alpha=0.7, color=COLOURS[m], label=RUNS[m])
        left.plot(p[-1], error(p[-1]), "o", ms=11, color=COLOURS[m], mec="black")
        right.plot(p, "o-", ms=2.5, lw=1, color=COLOURS[m], label=RUNS[m])
    left.plot(W0, error(W0), "*", ms=16, color="#fab005", mec="black", label=f"start w={W0}")
    left.set(xlabel="weight w", ylabel="error E(w)", title="The skier on the error curve "
             "(big dots: where each run ends)")
    left.legend(fontsize=8, loc="upper center")
    for w, name in ((LOCAL, "local min"), (HILL, "hill"), (GLOBAL, "global min")):
        right.axhline(w, color="gray", ls=":", lw=1)
        right.text(STEPS, w, f" {name}", va="center", fontsize=8, color="gray")
    right.set(xlabel="step", ylabel="w", title=f"w step by step (lr={LR})", xlim=(-2, STEPS + 14))
    for ax in (left, right):
        ax.grid(True, alpha=0.3)
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / "momentum.png", dpi=110)
    print(f"figure: {out / 'momentum.png'}")


if __name__ == "__main__":
    main()
