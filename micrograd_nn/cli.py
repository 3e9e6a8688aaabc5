"""The `micrograd-nn` command line: demo, train, predict, explain, graph, gradcheck.

Every command has `--help` with examples. A bad flag, a missing or malformed file
or a bad value prints one line on stderr and exits non-zero, never a traceback:
2 for a usage error (a bad or missing flag, two flags that conflict; the message
names them), 1 for anything else that went wrong, 130 after Ctrl-C.

What a command was asked to make happens whatever becomes of its output: printing
to a reader that went away (`| head -1`) stops the printing, not the work, so
`train --out` still saves. Every line is flushed as it is printed, so a pipe
(`micrograd-nn demo | tee log`) shows the output as it comes. `train` checks where
it will write before it trains, never saves NaN/inf weights unless
`--allow-nonfinite` is given, and saves nothing after Ctrl-C unless
`--save-on-interrupt` is given.
"""

from __future__ import annotations

import argparse
import errno
import inspect
import math
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import numpy as np

from . import __version__

DATASETS = ("xor", "and", "or", "moons", "circles", "spirals", "sine")


class CLIError(Exception):
    """A user error: printed as one line, exit status 1."""


class UsageError(CLIError):
    """Flags that do not go together: printed as one line, exit status 2 (argparse's)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _number(kind: type, what: str, ok: Callable[[Any], bool]) -> Callable[[str], Any]:
    """An argparse type: ``kind(text)`` that ``ok`` accepts. argparse puts the flag's
    name in front of the message ("argument --seed: expects a non-negative integer,
    got -1")."""
    def parse(text: str) -> Any:
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {kind.__name__} value: {text!r} "
                                             f"(expects {what})") from None
        if not ok(v):
            raise argparse.ArgumentTypeError(f"expects {what}, got {text}")
        return v
    return parse


def _int(minimum: int, what: str) -> Callable[[str], int]:
    """An int >= minimum."""
    return _number(int, what, lambda v: v >= minimum)


def _float(what: str, low: float = 0.0, below: float | None = None) -> Callable[[str], float]:
    """A finite float >= low (and < below, if given)."""
    return _number(float, what,
                   lambda v: math.isfinite(v) and v >= low and (below is None or v < below))


_POSITIVE = _int(1, "a positive integer")
_NATURAL = _int(0, "a non-negative integer")
_NONNEG = _float("a finite number >= 0")


class _Output:
    """A command's stdout or stderr: each line is flushed as it is written (a pipe
    shows the output as it comes), and a reader that has gone (`| head -1`: a
    BrokenPipeError) ends the printing, never the work. Any other failure to write
    is kept in `error` for the exit status."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.gone = False
        self.error: OSError | None = None

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                self.stream.write(text)
                if "\n" in text:
                    self.stream.flush()
            except (OSError, ValueError) as e:
                self._fail(e)
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self.stream.flush()
            except (OSError, ValueError) as e:
                self._fail(e)

    def _fail(self, e: Exception) -> None:
        self.gone = True
        if isinstance(e, OSError) and e.errno != errno.EPIPE:
            self.error = e
        # Python flushes the real stream again at exit; what is still buffered would
        # fail the same way and print "Exception ignored": send it to /dev/null
        try:
            fd = self.stream.fileno()
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, fd)
            os.close(null)
        except (OSError, ValueError, AttributeError):
            pass

    def isatty(self) -> bool:
        try:
            return not self.gone and bool(self.stream.isatty())
        except (OSError, ValueError, AttributeError):
            return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _floats(text: str, what: str) -> np.ndarray:
    try:
        return np.array([float(t) for t in text.replace(";", ",").split(",") if t.strip()])
    except ValueError:
        raise CLIError(f"{what} must be comma-separated numbers, e.g. 1,0; got {text!r}") from None


def _sizes(text: str) -> list[int]:
    if text.strip() in ("", "none", "0"):
        return []
    try:
        sizes = [int(t) for t in text.split(",")]
    except ValueError:
        raise CLIError(f"--hidden must be comma-separated layer widths, e.g. 4,4; "
                       f"got {text!r}") from None
    if any(s < 1 for s in sizes):
        raise CLIError(f"--hidden widths must be >= 1, got {text!r}")
    return sizes


def _load_data(spec: str, targets: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from .data import by_name

    return by_name(spec, targets, seed)


def _check_width(model: Any, X: np.ndarray, source: str) -> None:
    """A one-line error unless every row of X has the model's number of inputs."""
    n = model.sizes[0]
    if X.shape[1] != n:
        raise CLIError(f"the model takes {n} inputs, {source} has {X.shape[1]}")


def _sample(text: str | None, n: int, what: str) -> np.ndarray | None:
    """`--input`/`--target` text as n numbers (None stays None)."""
    if text is None:
        return None
    v = _floats(text, what)
    if v.size != n:
        raise CLIError(f"the model takes {n} {'inputs' if what == '--input' else 'outputs'}, "
                       f"{what} has {v.size}")
    return v


def _check_writable(path: Path, flag: str, value: str) -> None:
    """A one-line error, before any work is done, unless `path` can be written: its
    folder exists (or can be made) and is writable, and `path` is not a folder."""
    if path.is_dir():
        raise CLIError(f"{flag} {value!r}: {path} is a folder; give a file name")
    probe = path.parent
    while not probe.exists():  # the folders that will be made: look at the first real one
        probe = probe.parent
    if not probe.is_dir():
        raise CLIError(f"{flag} {value!r}: {probe} is a file, so no folder can be made there")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise CLIError(f"{flag} {value!r}: cannot write in {probe} (permission denied)")


def _nonfinite_weights(model: Any) -> int:
    """How many weights are NaN or ±inf."""
    return sum(int(np.size(p.data) - np.count_nonzero(np.isfinite(p.data)))
               for p in model.parameters())


def _save(model: Any, out: str, allow_nonfinite: bool) -> tuple[Path, Path]:
    """`serialize.save`; NaN/inf weights are refused (the existing files are kept)
    unless `allow_nonfinite`. The check is made here whatever `save` checks
    itself; `allow_nonfinite=True` is passed on when `save` takes it."""
    from .serialize import paths, save

    bad = _nonfinite_weights(model)
    if bad and not allow_nonfinite:
        jpath, npath = paths(out)
        total = sum(int(np.size(p.data)) for p in model.parameters())
        kept = (f"{jpath} and {npath} are left as they were" if jpath.exists()
                else "nothing was written")
        raise CLIError(f"not saving --out {out!r}: {bad} of the {total} trained weights are "
                       f"NaN or inf (the run diverged; see the diagnosis); {kept}. Lower "
                       "--lr, or pass --allow-nonfinite to save them anyway")
    kwargs = {}
    if allow_nonfinite and "allow_nonfinite" in inspect.signature(save).parameters:
        kwargs["allow_nonfinite"] = True
    return save(model, out, **kwargs)


class _ProgressLines:
    """`fit` callback: a line of progress every tenth of the epochs (and the last),
    on stderr, for when it is not a terminal (a log file, a pipe): a bar's carriage
    returns do not belong there."""

    def __init__(self, epochs: int) -> None:
        self.epochs, self.every = epochs, max(1, epochs // 10)

    def __call__(self, epoch: int, logs: dict[str, Any]) -> None:
        if epoch % self.every and epoch != self.epochs:
            return
        val = "" if logs["val_loss"] is None else f"  val_loss {logs['val_loss']:.6g}"
        print(f"epoch {epoch}/{self.epochs}  loss {logs['loss']:.6g}{val}", file=sys.stderr)


def _model_path(path: str) -> str:
    from .serialize import paths

    jpath, _ = paths(path)
    if not jpath.exists():
        raise CLIError(f"no saved model at {path!r} (expected {jpath}); "
                       "train one with: micrograd-nn train --out model")
    return path


# ---------------------------------------------------------------- commands


def cmd_demo(a: argparse.Namespace) -> int:
    from .demo import run_demo

    out = Path(a.out)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {a.out!r} is a file; the demo writes its pictures into a "
                       "folder: give a folder name")
    _check_writable(out / "network.png", "--out", a.out)
    run_demo(out, epochs=a.epochs, seed=a.seed, fmt=a.format, verbose=not a.quiet)
    return 0


def _train_flags(a: argparse.Namespace) -> None:
    """Flags that do not go together: a UsageError naming both."""
    if a.batch_size is not None and a.mode not in (None, "minibatch"):
        raise UsageError(f"--batch-size {a.batch_size} applies to --mode minibatch only, "
                         f"not --mode {a.mode}")
    if a.momentum is not None and a.optimizer != "sgd":
        raise UsageError(f"--momentum {a.momentum:g} applies to SGD only (--optimizer sgd); "
                         f"--optimizer {a.optimizer} has its own step rule")
    if a.optimizer == "genetic":
        if a.loss not in ("mse", "sse_half"):
            raise UsageError(f"--optimizer genetic scores with mse or sse_half, not --loss "
                             f"{a.loss}")
        for flag, on in (("--lr", a.lr is not None), ("--mode", a.mode),
                         ("--batch-size", a.batch_size), ("--val-split", a.val_split),
                         ("--early-stopping", a.early_stopping)):
            if on:
                raise UsageError(f"{flag} applies to gradient training, not --optimizer "
                                 "genetic")
    elif a.population is not None or a.generations is not None:
        raise UsageError("--population/--generations apply to --optimizer genetic only")
    squash = {"bce_with_logits": "sigmoid", "softmax_cross_entropy": "softmax"}.get(a.loss)
    if squash and a.output_activation not in (None, "identity"):
        raise UsageError(f"--loss {a.loss} applies the {squash} itself: use "
                         f"--output-activation identity (its default), not "
                         f"--output-activation {a.output_activation}")
    if a.no_save:
        for flag, on in (("--save-on-interrupt", a.save_on_interrupt),
                         ("--allow-nonfinite", a.allow_nonfinite)):
            if on:
                raise UsageError(f"{flag} has nothing to do with --no-save: drop one")


def cmd_train(a: argparse.Namespace) -> int:
    from .diagnose import diagnose
    from .nn import MLP
    from .notation import ARTICLE_E, lr_for
    from .serialize import paths
    from .train import EarlyStopping, fit

    _train_flags(a)
    if a.out is not None:  # where the model goes is checked before the training, not after
        if a.out.endswith(("/", os.sep)) or Path(a.out).is_dir():
            raise CLIError(f"--out {a.out!r} names a folder; give a model name in it, such "
                           "as results/xor (writes results/xor.json and results/xor.npz)")
        for target in paths(a.out):
            _check_writable(target, "--out", a.out)
    if a.report is not None:  # so is where the report goes
        _check_writable(Path(a.report), "--report", a.report)
    X, y = _load_data(a.data, a.target_columns, a.seed)
    mode = a.mode or ("minibatch" if a.batch_size is not None else "stochastic")
    batch = {"stochastic": 1, "batch": None, "minibatch": a.batch_size or 8}[mode]
    squash = {"bce_with_logits": "sigmoid", "softmax_cross_entropy": "softmax"}.get(a.loss)
    out_act = a.output_activation or ("identity" if squash else "sigmoid")
    if squash and (y.min() < 0 or y.max() > 1):
        raise CLIError(f"--loss {a.loss} needs targets in [0, 1] (class labels or "
                       f"probabilities); these run from {y.min():g} to {y.max():g}: use mse")
    if a.loss == "softmax_cross_entropy" and y.shape[1] < 2:
        raise CLIError("--loss softmax_cross_entropy needs one-hot targets (2 or more target "
                       "columns); this data has 1: use bce_with_logits or mse")
    model = MLP(X.shape[1], _sizes(a.hidden), y.shape[1], activation=a.activation,
                output_activation=out_act, bias=not a.no_bias, seed=a.seed)
    sgd = a.optimizer == "sgd"  # the article's E=0.7, α=0.3; Adam/Rprop keep their own
    lr = a.lr
    if lr is None and sgd:  # E is the article's, for squared error: lr_for converts it
        lr = (lr_for(ARTICLE_E, a.loss, n_outputs=y.shape[1], batch_size=batch or len(X))
              if a.loss in ("mse", "sse_half") else ARTICLE_E)
    momentum = a.momentum if a.momentum is not None else (0.3 if sgd else 0.0)
    # verbose 1 draws a bar on a terminal; elsewhere (a log, a pipe) lines are printed
    lines = a.verbose == 1 and not sys.stderr.isatty()
    snaps = None
    if a.report is not None:
        from .report import Snapshots

        snaps = Snapshots(model)  # the weights at log-spaced epochs, for the report
    # a diverging run overflows: the diagnosis and the check before saving say so in
    # one place instead of numpy's warnings
    with np.errstate(all="ignore"):
        try:
            if a.optimizer == "genetic":
                from .genetic import evolve

                gens = a.generations or a.epochs
                h = evolve(model, X, y, population=a.population or 100, generations=gens,
                           loss=a.loss, target_error=a.target_error, seed=a.seed,
                           verbose=0 if lines else a.verbose,
                           callbacks=([_ProgressLines(gens)] if lines else [])
                           + ([snaps] if snaps else []))
            else:
                h = fit(model, X, y, loss=a.loss, optimizer=None if sgd else a.optimizer,
                        lr=lr, momentum=momentum, epochs=a.epochs, batch_size=batch,
                        seed=a.seed, validation_split=a.val_split,
                        target_error=a.target_error, verbose=0 if lines else a.verbose,
                        callbacks=([_ProgressLines(a.epochs)] if lines else [])
                        + ([snaps] if snaps else [])
                        + ([EarlyStopping(patience=a.early_stopping)]
                           if a.early_stopping else []))
        except KeyboardInterrupt as e:
            return _train_interrupted(a, model, getattr(e, "history", None))
        val = f", validation loss {h.val_loss[-1]:.6g}" if h.val_loss else ""
        print(f"trained {model.sizes} for {h.epochs} epochs ({h.stop_reason}): "
              f"loss {h.loss[-1]:.6g}{val}")
        print(diagnose(h, model=model, X=X, y=y))
    if squash:
        print(f"the outputs are logits: {squash}(output) gives the probabilities")
    if a.out is not None:
        jpath, npath = _save(model, a.out, a.allow_nonfinite)
        print(f"saved {jpath} and {npath}")
    if a.report is not None:
        print(f"wrote {_report(a.report, model, h, X, y, snaps)}")
    return 0


def _report(path: str, model: Any, h: Any, X: np.ndarray, y: np.ndarray, snaps: Any) -> Path:
    """`train --report`: the run as a live HTML page (micrograd_nn.report)."""
    from .report import write_report

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        with np.errstate(all="ignore"):
            return cast(Path, write_report(path, model, h, X, y, snapshots=snaps).path)  # saved
    except (ValueError, OSError) as e:
        raise CLIError(f"--report {path!r}: {e}") from None


def _train_interrupted(a: argparse.Namespace, model: Any, h: Any) -> int:
    """Ctrl-C during training: one line, exit 130; the weights so far are saved only
    with --save-on-interrupt (and at least one whole epoch)."""
    done = f" after {h.epochs} of {a.epochs} epochs" if h is not None else ""
    if not a.save_on_interrupt or a.out is None:
        note = "; nothing saved (--save-on-interrupt keeps the weights so far)" \
            if a.out is not None else ""
        print(f"micrograd-nn train: interrupted{done}{note}", file=sys.stderr)
    elif h is None or h.epochs == 0:
        print(f"micrograd-nn train: interrupted{done}; nothing saved: no epoch finished",
              file=sys.stderr)
    else:
        jpath, npath = _save(model, a.out, a.allow_nonfinite)
        print(f"micrograd-nn train: interrupted{done}; saved the weights so far as {jpath} "
              f"and {npath} (--save-on-interrupt)", file=sys.stderr)
    return 130


def cmd_predict(a: argparse.Namespace) -> int:
    from .serialize import load
    from .train import predict

    if not (a.data or a.input):
        raise UsageError("give --input 1,0 (repeatable) or --data FILE.csv")
    model: Any = load(_model_path(a.model))  # any saved model: read by its sizes
    if a.data:
        X, _ = _load_data(a.data, a.target_columns, 0)
        _check_width(model, X, a.data)
    else:
        X = np.stack([cast(np.ndarray, _sample(t, model.sizes[0], "--input")) for t in a.input])
    for x, out in zip(X, predict(model, X), strict=True):
        print(f"{','.join(f'{v:g}' for v in x)} -> {' '.join(f'{v:.6f}' for v in np.ravel(out))}")
    return 0


def cmd_explain(a: argparse.Namespace) -> int:
    from .explain import explain

    model = None
    if a.model:
        from .serialize import load

        model = load(_model_path(a.model))
    x = None if a.input is None else _floats(a.input, "--input")
    t = None if a.target is None else _floats(a.target, "--target")
    print(explain(model, x, t, lr=a.lr, momentum=a.momentum, digits=a.digits, steps=a.steps))
    return 0


def cmd_graph(a: argparse.Namespace) -> int:
    from .engine import Value
    from .losses import mse
    from .serialize import load
    from .viz import draw_graph, draw_network, render

    out = Path(a.out)
    if not a.format and out.suffix and out.suffix[1:].lower() not in ("svg", "png", "pdf"):
        raise CLIError(f"--out {a.out}: pictures are svg, png or pdf; name it "
                       f"{out.with_suffix('.svg').name} or give --format")
    _check_writable(out, "--out", a.out)
    model: Any = load(_model_path(a.model))  # any saved model: read by its sizes
    x = _sample(a.input, model.sizes[0], "--input")
    t = _sample(a.target, model.sizes[-1], "--target")
    if a.kind == "network":
        g = draw_network(model, show_grads=t is not None, x=x, target=t)
    else:
        if x is None:
            x = np.zeros(model.sizes[0])
        pred = model(Value(x[None, :], "x", requires_grad=False))
        pred.label = "output"
        root = mse(pred, t[None, :]) if t is not None else pred.sum()
        root.label = "error (MSE)" if t is not None else "sum of the outputs"
        root.backward()
        g = draw_graph(root, max_nodes=a.max_nodes)
    if a.format and out.suffix[1:].lower() in ("svg", "png", "pdf"):
        out = out.with_suffix("." + a.format)  # --format wins over the name's suffix
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = render(g, out, format=a.format)
    for w in caught:
        print(str(w.message), file=sys.stderr)
    print(f"wrote {path}")
    return 0


def cmd_gradcheck(a: argparse.Namespace) -> int:
    from .gradcheck import compare_with_autodiff, gradcheck_model
    from .serialize import load

    model: Any = load(_model_path(a.model))  # any saved model: read by its sizes
    X, y = _load_data(a.data, a.target_columns, 0)
    _check_width(model, X, a.data)
    if y.shape[1] != model.sizes[-1]:
        raise CLIError(f"the model has {model.sizes[-1]} outputs, {a.data} has {y.shape[1]} "
                       "target columns (see --target-columns)")
    ok, checked = True, 0
    sigmoid_only = all(act == "sigmoid" for act in model.activations)
    for i in range(min(a.samples, len(X))):
        checked += 1
        if sigmoid_only:
            cmp = compare_with_autodiff(model, X[i], y[i])
            print(f"sample {i}: delta rule vs autodiff, largest difference {cmp.max_diff:.3g}")
            ok &= cmp.max_diff <= a.tol
        report = gradcheck_model(model, X[i:i + 1], y[i:i + 1], loss="sse_half")
        print(f"sample {i}: finite differences vs autodiff: " + str(report).splitlines()[0])
        ok &= report.ok
    if not checked:  # "OK" after checking nothing would be a false pass
        raise CLIError(f"{a.data} has no samples to check")
    if not sigmoid_only:
        print("(delta-rule check skipped: it is derived for sigmoid networks only)")
    print(f"gradients OK ({checked} sample{'s' if checked > 1 else ''} checked)" if ok
          else "gradient check FAILED")
    return 0 if ok else 1


# ---------------------------------------------------------------- parser

_EXAMPLES = {
    "demo": "micrograd-nn demo\n  micrograd-nn demo --out results --format svg",
    "train": ("micrograd-nn train --data xor --hidden 3 --lr 0.7 --momentum 0.3 --out xor\n"
              "  micrograd-nn train --data moons --hidden 8,8 --batch-size 16 --out moons\n"
              "  micrograd-nn train --data my.csv --target-columns price --loss mse --no-bias "
              "--out price\n"
              "  micrograd-nn train --data xor --lr 5 --no-save    # only the diagnosis"),
    "predict": "micrograd-nn predict xor --input 1,0 --input 1,1",
    "explain": ("micrograd-nn explain                 # the article's network and sample\n"
                "  micrograd-nn explain --digits 2      # rounded like the article\n"
                "  micrograd-nn explain --model xor --input 1,0 --target 1"),
    "graph": ("micrograd-nn graph xor --out xor_network.svg\n"
              "  micrograd-nn graph xor --kind graph --input 1,0 --target 1 --out xor_graph.png"),
    "gradcheck": "micrograd-nn gradcheck xor --data xor",
}


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="micrograd-nn", description="See and check how a neural network learns.",
                epilog="examples:\n  " + "\n  ".join(v.split("\n")[0] for v in _EXAMPLES.values()),
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"micrograd-nn {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help,
                              epilog="examples:\n  " + _EXAMPLES[name],
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    d = command("demo", "train the article's XOR network and draw what it learned")
    d.add_argument("--out", default="micrograd_nn_demo", help="output folder")
    d.add_argument("--epochs", type=_POSITIVE, default=3000)
    d.add_argument("--seed", type=_NATURAL, default=0)
    d.add_argument("--format", choices=("png", "svg", "pdf"), default="png",
                   help="of the three pictures")
    d.add_argument("--quiet", action="store_true", help="print only the summary")
    d.set_defaults(func=cmd_demo)

    t = command("train", "train an MLP on a built-in data set or a CSV file and save it")
    t.add_argument("--data", default="xor", help=f"one of {', '.join(DATASETS)}, or a CSV path")
    t.add_argument("--target-columns", default="-1", help="CSV target column(s), index or name")
    t.add_argument("--hidden", default="3", help="hidden layer widths, e.g. 4,4")
    t.add_argument("--activation", default="sigmoid", choices=("sigmoid", "tanh", "relu"))
    t.add_argument("--output-activation", default=None,
                   choices=("sigmoid", "tanh", "relu", "identity"),
                   help="default sigmoid; identity for the logit losses")
    t.add_argument("--no-bias", action="store_true", help="no bias neurons")
    t.add_argument("--loss", default="mse",
                   choices=("mse", "sse_half", "bce_with_logits", "softmax_cross_entropy"))
    t.add_argument("--optimizer", default="sgd", choices=("sgd", "adam", "rprop", "genetic"))
    t.add_argument("--lr", type=_NONNEG, default=None,
                   help="the optimizer's step size (default for sgd: the article's E = 0.7 "
                        "as an lr for this loss and batch, e.g. 0.35 for the mse on one "
                        "sample with one output: see notation.lr_for; the optimizer's own "
                        "otherwise)")
    t.add_argument("--population", type=_int(2, "an integer >= 2"), default=None,
                   help="genetic: individuals per generation (default 100)")
    t.add_argument("--generations", type=_POSITIVE, default=None,
                   help="genetic: generations to breed (default --epochs)")
    t.add_argument("--momentum", type=_NONNEG, default=None,
                   help="momentum α, SGD only (default 0.3)")
    t.add_argument("--mode", default=None, choices=("stochastic", "batch", "minibatch"),
                   help="default stochastic, or minibatch when --batch-size is given")
    t.add_argument("--batch-size", type=_POSITIVE, default=None,
                   help="mini-batch size (default 8); implies --mode minibatch")
    t.add_argument("--epochs", type=_POSITIVE, default=1000)
    t.add_argument("--seed", type=_NATURAL, default=0)
    t.add_argument("--val-split", type=_float("a fraction in [0, 1)", below=1.0), default=0.0)
    t.add_argument("--early-stopping", type=_NATURAL, default=0, metavar="PATIENCE",
                   help="stop after this many epochs without improvement (0: off)")
    t.add_argument("--target-error", type=_NONNEG, default=None)
    t.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2),
                   help="0 silent; 1 a progress bar on a terminal, else a line every tenth "
                        "of the epochs; 2 a line per epoch (on stderr)")
    where = t.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", default=None, help="save the model as OUT.json + OUT.npz")
    where.add_argument("--no-save", action="store_true",
                       help="train and diagnose only: the model is not kept")
    t.add_argument("--allow-nonfinite", action="store_true",
                   help="save even if the weights are NaN/inf (refused otherwise)")
    t.add_argument("--save-on-interrupt", action="store_true",
                   help="on Ctrl-C, save the weights of the last finished epoch (exit 130)")
    t.add_argument("--report", default=None, metavar="FILE.html",
                   help="also write the run as one self-contained HTML page: an epoch "
                        "scrubber, a backprop stepper, the diagnosis")
    t.set_defaults(func=cmd_train)

    pr = command("predict", "run a saved model on inputs")
    pr.add_argument("model", help="saved model path (as given to train --out)")
    src = pr.add_mutually_exclusive_group()
    src.add_argument("--input", action="append", help="one sample, e.g. 1,0 (repeatable)")
    src.add_argument("--data", help="a built-in data set or CSV file")
    pr.add_argument("--target-columns", default="-1")
    pr.set_defaults(func=cmd_predict)

    e = command("explain", "print one training step in the article's notation")
    e.add_argument("--model", help="saved sigmoid model (default: the article's network)")
    e.add_argument("--input", help="one sample, e.g. 1,0")
    e.add_argument("--target", help="its ideal output, e.g. 1")
    e.add_argument("--lr", type=_NONNEG, default=0.7, help="learning rate E")
    e.add_argument("--momentum", type=_NONNEG, default=0.3, help="momentum α")
    e.add_argument("--digits", type=_NATURAL, default=6,
                   help="decimals shown (2: the article's look)")
    e.add_argument("--steps", type=_POSITIVE, default=1)
    e.set_defaults(func=cmd_explain)

    g = command("graph", "draw a saved model's network diagram or computation graph")
    g.add_argument("model")
    g.add_argument("--kind", choices=("network", "graph"), default="network")
    g.add_argument("--input", help="a sample to run (graph: the forward pass drawn)")
    g.add_argument("--target", help="its ideal output (adds the loss and gradients)")
    g.add_argument("--format", choices=("svg", "png", "pdf"), default=None)
    g.add_argument("--max-nodes", type=_int(2, "an integer >= 2"), default=200)
    g.add_argument("--out", default="graph.svg")
    g.set_defaults(func=cmd_graph)

    c = command("gradcheck", "check a saved model's gradients against the delta rule and "
                             "finite differences")
    c.add_argument("model")
    c.add_argument("--data", default="xor")
    c.add_argument("--target-columns", default="-1")
    c.add_argument("--samples", type=_POSITIVE, default=4,
                   help="how many samples to check, from the first (default 4)")
    c.add_argument("--tol", type=_NONNEG, default=1e-8)
    c.set_defaults(func=cmd_gradcheck)
    from .sweep import register_cli as register_sweep  # its flags and handler live there

    register_sweep(sub)
    return p


def _run(args: argparse.Namespace) -> int:
    """The command, with every failure turned into one line on stderr and a status."""
    try:
        return args.func(args)
    except UsageError as e:
        print(f"micrograd-nn {args.command}: error: {e} (see micrograd-nn {args.command} "
              "--help)", file=sys.stderr)
        return 2
    except (CLIError, ValueError, TypeError, OSError, KeyError, ImportError) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"micrograd-nn {args.command}: error: {msg}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"micrograd-nn {args.command}: interrupted", file=sys.stderr)
        return 130


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    saved = sys.stdout, sys.stderr
    out, err = _Output(sys.stdout), _Output(sys.stderr)
    sys.stdout, sys.stderr = out, err
    try:
        status = _run(args)
        if out.error is not None and status == 0:  # not a reader that left: a real failure
            print(f"micrograd-nn {args.command}: error: could not write the output "
                  f"({out.error.strerror or out.error})", file=sys.stderr)
            status = 1
        return status
    finally:
        sys.stdout, sys.stderr = saved


if __name__ == "__main__":
    sys.exit(main())
