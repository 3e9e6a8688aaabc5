"""Every script in examples/ runs as a subprocess and prints what it claims to show.

The scripts are found with a glob, and each must have an entry in ``SPECS`` (its key
output and the figures it writes), so a new example cannot be added untested. Each
gets a fresh output folder as its argument (scripts that take none ignore it) and
runs in a temporary working directory. A second pass hides matplotlib behind a
stub package that fails to import: the scripts that draw with it must still exit 0
and say the figure was skipped.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs every page/example: minutes (the full run has it)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))
HAS_MPL = importlib.util.find_spec("matplotlib") is not None
HAS_DOT = shutil.which("dot") is not None
SKIP_NOTE = "matplotlib is not installed: skipping the figure"


@dataclass
class Spec:
    """What one script must print (``texts``; ``check(stdout)`` for numbers) and
    write: ``mpl`` figures (need matplotlib), ``dot`` pictures (need Graphviz)."""

    texts: list[str]
    check: Callable[[str], None] | None = None
    mpl: list[str] = field(default_factory=list)
    dot: list[str] = field(default_factory=list)


def _floats(pattern: str, out: str) -> list[float]:
    m = re.search(pattern, out, re.MULTILINE)
    assert m, f"no match for {pattern!r} in:\n{out}"
    return [float(g) for g in m.groups()]


def _quickstart(out: str) -> None:
    (last,) = _floats(r"epoch\s+2000\s+MSE ([\d.]+)", out)
    assert last < 0.01


def _bias(out: str) -> None:
    found = re.findall(r"^2-(\d)-1\s+(yes|no)\s+(\d)/5\s+(\S+)", out, re.MULTILINE)
    solved = {(int(w), b): int(k) for w, b, k, _ in found}
    epochs = {(int(w), b): float(e) if e != "-" else None for w, b, _, e in found}
    assert len(solved) == 6, out
    for w in (2, 3, 4):  # the printout's claims: bias helps at every width...
        assert solved[w, "yes"] >= solved[w, "no"]
    assert solved[2, "no"] == 0 and 0 < solved[3, "no"] < 5  # ...2-2-1 never, 2-3-1 some
    assert solved[3, "yes"] == solved[4, "yes"] == solved[4, "no"] == 5
    assert epochs[4, "no"] > epochs[4, "yes"]  # ...and 2-4-1 gets there, only slower


def _momentum(out: str) -> None:
    for m, where, crossings in (("0", "local", 0), ("0.8", "global", 1), ("0.95", "local", 2)):
        row = re.search(rf"^\s+{re.escape(m)}\s+(\S+)\s+\S+\s+\S+\s+(\d+)\s+the (\w+) minimum",
                        out, re.MULTILINE)
        assert row, (m, out)
        assert row.group(3) == where and int(row.group(2)) == crossings


def _learning_rates(out: str) -> None:
    for lr, kind in (("0.01", "stalled"), ("0.7", "converged"), ("30", "diverging")):
        assert re.search(rf"^lr={lr} .*\n  diagnosis: {kind}:", out, re.MULTILINE), (lr, out)
    (good,) = _floats(r"^lr=0\.7 .*-> ([\d.]+)", out)
    assert good < 0.01
    assert re.search(r"^lr=30 .*-> 0\.5000.*outputs 1\.00 1\.00 1\.00 1\.00", out, re.MULTILINE)


def _overfitting(out: str) -> None:
    pat = r"^{}\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(.*)$"
    rows = {}
    for name in ("plain", "early stopping", "weight decay 0.01"):
        m = re.search(pat.format(re.escape(name)), out, re.MULTILINE)
        assert m, (name, out)
        rows[name] = [float(g) for g in m.groups()[:4]] + [m.group(5)]
    plain, early, decay = rows["plain"], rows["early stopping"], rows["weight decay 0.01"]
    assert "overfitting" in plain[4] and "overfitting" not in decay[4]
    assert plain[1] < early[1] and plain[1] < decay[1]  # plain fits the training noise best
    assert early[2] < 0.8 * plain[2] and decay[2] < 0.8 * plain[2]  # and validates worst
    assert early[0] < plain[0]  # early stopping stopped early


def _training_modes(out: str) -> None:
    rows = re.findall(r"^(stochastic|batch|mini-batch)\s+(\d+)\s+(\d+)\s+([\d.]+)\s", out,
                      re.MULTILINE)
    per_epoch = {"stochastic": 4, "batch": 1, "mini-batch": 2}  # 4 samples, k = 2
    assert sorted(r[0] for r in rows) == sorted(per_epoch), out
    for mode, epochs, updates, error in rows:
        assert float(error) < 0.01 and int(updates) == int(epochs) * per_epoch[mode], mode


def _two_moons(out: str) -> None:
    train, test = _floats(r"accuracy: training ([\d.]+)%, test ([\d.]+)%", out)
    assert train >= 90.0 and test >= 90.0
    wrong, total, crossed = (int(v) for v in _floats(
        r"wrong: (\d+) of (\d+) points; (\d+) of them lie nearer", out))
    assert wrong == round((100 - train) * 1.5 + (100 - test) * 0.5) and total == 200
    assert 0 < crossed <= wrong  # the noise explains some of the errors...
    assert f"Of the points it gets wrong, {crossed} were pushed" in out  # ...and says how many


def _genetic(out: str) -> None:
    used = re.findall(r"used (\d+)x the evaluations", out)
    assert len(used) == 2 and all(int(r) > 1 for r in used)  # the GA spends more of them


def _sweep(out: str) -> None:
    means = dict(re.findall(r"^  (momentum=0\.0|momentum=0\.9|bias=True|bias=False): "
                            r"mean final error ([\d.]+)", out, re.MULTILINE))
    assert float(means["momentum=0.9"]) < float(means["momentum=0.0"])
    assert float(means["bias=True"]) < float(means["bias=False"])


def _custom_model(out: str) -> None:
    _accuracy(r"^\s+300\s+[\d.]+\s+([\d.]+)%", 95.0)(out)
    centres = ast.literal_eval(re.search(r"learned centres: (.*)$", out, re.MULTILINE).group(1))
    weights = ast.literal_eval(re.search(r"learned weights: (\[.*?\])", out).group(1))
    top = max(range(len(weights)), key=lambda k: weights[k])
    assert weights[top] > 0 and sum(v * v for v in centres[top]) ** 0.5 < 0.5  # on the disc
    assert all(w < 0 for k, w in enumerate(weights) if k != top)  # the others push to 0


def _accuracy(pattern: str, minimum: float) -> Callable[[str], None]:
    def check(out: str) -> None:
        assert all(v >= minimum for v in _floats(pattern, out)), out
    return check


SPECS: dict[str, Spec] = {
    "quickstart.py": Spec(["outputs:"], _quickstart),
    "worked_example.py": Spec(["0.610639", "0.340491", "0.434952", "-0.073412", "1.563304",
                               "-2.228917", "0.397749", "Six steps with momentum"],
                              lambda out: _floats(r"agree to (\S+) over", out)[0] < 1e-12),
    "training_modes.py": Spec(["stochastic", "mini-batch", "target_error; converged"],
                              _training_modes),
    "render_graphs.py": Spec(["8 files in"], dot=["expression.png", "mlp_loss.png",
                                                  "long_chain.svg", "network.png",
                                                  "network_bias.png"]),
    "bias_or_no_bias.py": Spec(["hyperparameter", "local minimum"], _bias,
                               mpl=["bias_or_no_bias.png"]),
    "momentum.py": Spec(["overshoots"], _momentum, mpl=["momentum.png"]),
    "learning_rates.py": Spec(["too small", "too large"], _learning_rates,
                              mpl=["learning_rates.png"]),
    "overfitting.py": Spec(["[overfitting] the validation error rose", "restored=True"],
                           _overfitting, mpl=["overfitting.png"]),
    "two_moons.py": Spec(["accuracy: training"], _two_moons, mpl=["two_moons.png"]),
    "custom_model.py": Spec(["gradcheck passed", "learned centres"], _custom_model,
                            mpl=["custom_model.png"], dot=["custom_model_graph.png"]),
    "genetic_vs_backprop.py": Spec(["evaluations", "GA (P=100)", "local minimum"], _genetic),
    "live_report.py": Spec(["snapshots at epochs", "wrote"], dot=["live_report.html"]),
    "sweep_xor.py": Spec(["72 trials (24 configurations x 3 repeats)", "best: E="], _sweep,
                         mpl=["sweep_xor.png"]),
}


def _run(script: Path, workdir: Path, pythonpath: list[Path]) -> tuple[str, Path]:
    out = workdir / "figures"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(p) for p in pythonpath] + [str(ROOT), os.environ.get("PYTHONPATH", "")]),
        MPLBACKEND="Agg")
    r = subprocess.run([sys.executable, str(script), str(out)], cwd=workdir, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"{script.name} exited {r.returncode}:\n{r.stdout}\n{r.stderr}"
    return r.stdout, out


def test_every_example_has_a_spec():
    names = {p.name for p in SCRIPTS}
    assert names, "no examples found"
    assert names == set(SPECS), ("add an entry to SPECS for each new example (and drop "
                                 f"removed ones): {sorted(names ^ set(SPECS))}")


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_example_runs_and_shows_its_effect(script, tmp_path):
    spec = SPECS[script.name]
    stdout, out = _run(script, tmp_path, [])
    for text in spec.texts:
        assert text in stdout, f"{script.name}: {text!r} not in output:\n{stdout}"
    if spec.check:
        spec.check(stdout)
    expected = (spec.mpl if HAS_MPL else []) + (spec.dot if HAS_DOT else [])
    for name in expected:
        path = out / name
        assert path.is_file() and path.stat().st_size > 1000, f"{script.name}: no {path}"
    if not HAS_MPL and spec.mpl:
        assert SKIP_NOTE in stdout


DRAWING = [p for p in SCRIPTS if SPECS.get(p.name) and SPECS[p.name].mpl]


@pytest.mark.parametrize("script", DRAWING, ids=[p.stem for p in DRAWING])
def test_example_without_matplotlib_skips_its_figure(script, tmp_path):
    stub = tmp_path / "stub"
    (stub / "matplotlib").mkdir(parents=True)
    (stub / "matplotlib" / "__init__.py").write_text(
        'raise ImportError("matplotlib hidden by tests/test_examples.py")\n')
    stdout, out = _run(script, tmp_path, [stub])
    assert SKIP_NOTE in stdout
    for name in SPECS[script.name].mpl:
        assert not (out / name).exists()
