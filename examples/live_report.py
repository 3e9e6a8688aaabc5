"""Seeing it learn, live: a training run as one HTML page you open from disk.

Trains the article's XOR network the article's way (2-2-1 sigmoid with bias neurons,
stochastic, E = 0.7, α = 0.3, until the error is below 0.01), recording the weights at
log-spaced epochs with ``report.Snapshots``, then writes ``live_report.html``: an epoch
scrubber (the network, the error curve with a cursor, the decision boundary), a
backprop stepper on the article's sample 1 xor 0 (each value, then each gradient,
beside the δ / GRAD / Δw lines ``explain`` prints), the diagnosis and the settings.
With ``--moons`` it is a 2-8-1 tanh classifier on two moons, 500 epochs, batch mode.

Run: ``python examples/live_report.py [out] [--moons]`` (page in ``out/``, default
./out), then open the page in a browser: it needs no network and no server.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from micrograd_nn.data import two_moons, xor
from micrograd_nn.nn import MLP
from micrograd_nn.report import Snapshots, write_report
from micrograd_nn.train import fit


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="out", help="folder for the page")
    parser.add_argument("--moons", action="store_true", help="two moons instead of XOR")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.moons:
        X, y = two_moons(n=200, noise=0.2, seed=0)
        net = MLP(2, [8], 1, activation="tanh", seed=0)
        settings = dict(lr=2.0, momentum=0.9, epochs=500, batch_size=None,
                        validation_split=0.25)
        sample, name = 0, "two_moons_report.html"
    else:
        X, y = xor()
        net = MLP(2, [2], 1, seed=0)  # sigmoid neurons, bias neurons on
        # lr = E/2 on the mean squared error is the article's step with E = 0.7
        settings = dict(lr=0.35, momentum=0.3, epochs=3000, batch_size=1, target_error=0.01)
        sample, name = 2, "live_report.html"  # X[2] = (1, 0): the article's sample
    snaps = Snapshots(net, max_snapshots=40)
    t0 = time.perf_counter()
    h = fit(net, X, y, seed=0, verbose=0, callbacks=[snaps], **settings)
    t1 = time.perf_counter()
    report = write_report(out / name, net, h, X, y, sample=sample, snapshots=snaps)
    t2 = time.perf_counter()
    print(f"trained {net.sizes} for {h.epochs} epochs ({h.stop_reason}): error "
          f"{h.loss[-1]:.6f}; {len(snaps)} snapshots at epochs "
          f"{', '.join(str(s.epoch) for s in snaps.items())}")
    print(f"wrote {report.path} ({report.nbytes / 1e6:.2f} MB) in {t2 - t1:.2f} s; the "
          f"training took {t1 - t0:.2f} s")
    if "No loss curve" in report.html:
        print("matplotlib is not installed: the page has no loss curve or decision boundary")


if __name__ == "__main__":
    main()
