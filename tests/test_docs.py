"""The documentation site: every page's code runs and makes the figures the page
shows, and ``mkdocs build --strict`` succeeds (API reference included).

Nothing here writes into the repository: pages run in ``tmp_path`` and the site is
built from a copy of ``docs/`` and ``mkdocs.yml``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS))
import snippets  # noqa: E402  (lives in docs/, found through the line above)

pytestmark = pytest.mark.slow  # runs every page/example: minutes (the full run has it)

PAGES = snippets.pages(DOCS)
IMAGE = re.compile(r"!\[[^\]]*\]\((img/[^)\s]+)\)")
HAVE_DOT = shutil.which("dot") is not None


def _page_id(page: Path) -> str:
    return page.relative_to(DOCS).as_posix()


# ---------------------------------------------------------------- what the prose claims
# A page's text interprets the numbers its code prints; these checks keep the two in
# step, so a change in the engine or the training loop cannot leave a page saying
# something its own output contradicts.
def _rows(pattern: str, out: str) -> list[tuple[str, ...]]:
    found = re.findall(pattern, out, re.MULTILINE)
    assert found, f"no match for {pattern!r} in:\n{out}"
    return found


def _bias(out: str) -> None:
    rows = {(n, b): (int(k), m) for n, b, k, m in
            _rows(r"^\s+(2-\d-1)\s+(True|False)\s+(\d)/4\s+(\S+)", out)}
    assert rows["2-3-1", "True"][0] == 4 and rows["2-3-1", "False"][0] < 4  # "only half do"
    assert int(rows["2-3-1", "False"][1]) > int(rows["2-3-1", "True"][1])  # "more slowly"
    assert rows["2-2-1", "False"][0] == 0 < rows["2-2-1", "True"][0]  # "only with bias"


def _gradient_descent(out: str) -> None:
    (a, b), = _rows(r"by backprop\s+= ([-+\d.]+)\n\s+by finite difference = ([-+\d.]+)", out)
    assert a == b and float(a) < 0  # "the slope is negative"
    err = {lr: float(e) for lr, e in _rows(r"^E = ([\d.]+)\s+w after 15 steps:\s+\S+\s+"
                                            r"error:\s+([\d.]+)", out)}
    start = ((0.5 - 2.0) ** 2) * (1 + 4 + 9) / 3  # the error at w0 = 0.5
    assert 0 < err["0.005"] < start and err["0.1"] < 1e-3 and err["0.22"] > start
    kinds = dict(_rows(r"^E = ([\d.]+)\s+error after 500 epochs: [\d.]+\s+diagnosis: (\w+)",
                       out))
    assert kinds == {"0.01": "stalled", "0.7": "converged", "5.0": "converged",
                     "30.0": "diverging"}
    final = dict(_rows(r"^E = ([\d.]+)\s+error after 500 epochs: ([\d.]+)", out))
    assert float(final["5.0"]) < float(final["0.7"])  # "converges faster still"


def _momentum(out: str) -> None:
    ends = {a: float(w) for a, w in _rows(r"^\s+([\d.]+)\s+([-\d.]+)\s+[-\d.]+\s+[-\d.]+$",
                                         out)}
    assert ends["0.0"] == ends["0.5"] == 1.861  # the local minimum
    assert abs(ends["0.85"] + 2.11) < 0.05 and ends["0.95"] > 0  # global; overshot
    epochs = [int(n) for n in _rows(r"^α = [\d.]+:\s+(\d+) epochs", out)]
    assert epochs == sorted(epochs, reverse=True) and len(epochs) == 4
    steps = _rows(r"^\s+(\d)\s+([\d.]+)\s+([-\d.]+)\s+([-\d.]+)$", out)
    assert all(a == b for _, _, a, b in steps[:3]) and all(a != b for _, _, a, b in steps[3:])


def _convergence(out: str) -> None:
    kinds = _rows(r"^\[(\w+)\]", out)
    assert kinds[:5] == ["converging", "oscillating", "stalled", "diverging", "converged"]
    prices = dict(_rows(r"^E = ([\de.-]+): .*diagnosis: (.*)$", out))
    assert prices["0.001"].startswith("diverging") and prices["0.0001"].startswith("converging")
    assert prices["1e-05"].startswith("converged")
    assert all("exploding_gradients" in v for v in prices.values())  # "in all three"
    assert "['converged']" in out


def _overfitting(out: str) -> None:
    best = _rows(r"\[overfitting\].*\(epoch (\d+), its lowest\)", out)[0]
    assert 140 <= int(best) <= 180  # "lowest around epoch 160"
    table = {m: (float(t), float(v), int(z)) for m, t, v, z in _rows(
        r"^(no regularisation|early stopping|L2, \S+|L1, \S+)\s+([\d.]+)\s+([\d.]+)"
        r"\s+[\d.]+\s+(\d+)/\d+", out)}
    plain = table.pop("no regularisation")
    for name, (train, val, _) in table.items():  # "a little training error for a much
        assert train > plain[0] and val < 0.6 * plain[1], name  # lower validation error"
    assert table["L1, λ=1e-3"][2] > 0.9 * 673  # "switches off almost every weight"


def _training_modes(out: str) -> None:
    assert "max difference:       0.0" in out and "[0.25 0.25 0.25 0.25 0.25 0.25]" in out
    runs = {m: (int(e), int(u)) for m, e, u in
            _rows(r"^(stochastic|mini-batch \(k=2\)|batch)\s+(\d+)\s+(\d+)\s+0\.0", out)}
    assert len(runs) == 3 and min(u for _, u in runs.values()) == runs["batch"][1]


def _hyperparameters(out: str) -> None:
    grid = _rows(r"^\s+(0\.\d)((?:\s+(?:\d+|-)){7})$", out)
    cells = {a: row.split() for a, row in grid}
    assert all(cells[a][-1] == "-" for a in cells)  # E = 20 never recovers
    assert cells["0.9"][-2] == "-" and cells["0.0"][-2] != "-"  # E = 10 only fails with α 0.9
    layers = _rows(r"^\s+(\[[\d, ]+\])\s+(\d+)\s+(\d+|-)\s+[\d.]+", out)
    assert layers[0][2] == "-" and all(n != "-" for _, _, n in layers[1:])  # one neuron: no


CLAIMS = {"concepts/bias.md": _bias, "concepts/gradient-descent.md": _gradient_descent,
          "concepts/momentum.md": _momentum, "concepts/convergence.md": _convergence,
          "concepts/overfitting.md": _overfitting,
          "concepts/training-modes.md": _training_modes,
          "concepts/hyperparameters.md": _hyperparameters}


def test_every_nav_page_with_code_is_found():
    names = {_page_id(p) for p in PAGES}
    assert {"getting-started.md", "concepts/backprop.md", "visualisation.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=[_page_id(p) for p in PAGES])
def test_page_code_runs_and_makes_its_figures(page, tmp_path):
    pytest.importorskip("matplotlib")
    outputs = snippets.run_blocks(page, workdir=tmp_path)
    assert any(o.strip() for o in outputs), f"{_page_id(page)}: no block printed anything"
    written = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()]
    stray = [w for w in written if not w.startswith("img/")]
    assert not stray, f"{_page_id(page)} wrote files outside img/: {stray}"
    wanted = IMAGE.findall(page.read_text(encoding="utf-8"))
    if not HAVE_DOT:
        wanted = [w for w in wanted if not w.endswith(".svg")]  # Graphviz drawings
    missing = [w for w in wanted if not (tmp_path / w).is_file()]
    assert not missing, f"{_page_id(page)} shows figures its code did not write: {missing}"
    if _page_id(page) in CLAIMS:
        CLAIMS[_page_id(page)]("".join(outputs))


def test_with_outputs_puts_each_output_under_its_block():
    md = "a\n```python\nprint(1)\n```\nb\n```python no-run\nx\n```\n```python\npass\n```\n"
    assert snippets.code_blocks(md) == ["print(1)\n", "pass\n"]
    out = snippets.with_outputs(md, ["1\n", ""])
    assert out.count('title="Output"') == 1
    assert out.index("print(1)") < out.index('title="Output"\n1\n') < out.index("\nb\n")


def test_examples_page_lists_every_example():
    text = (DOCS / "examples.md").read_text(encoding="utf-8")
    scripts = sorted(p.name for p in (ROOT / "examples").glob("*.py"))
    assert [s for s in scripts if f"`{s}`" not in text] == []


def _copy_site_sources(dest: Path) -> Path:
    """mkdocs.yml and docs/ (without generated figures) in ``dest``, with links to the
    package and the examples, so the build sees the same tree as in the repository."""
    shutil.copy2(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(DOCS, dest / "docs",
                    ignore=shutil.ignore_patterns("img", "__pycache__", ".*"))
    for name in ("micrograd_nn", "examples"):
        (dest / name).symlink_to(ROOT / name, target_is_directory=True)
    return dest / "mkdocs.yml"


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    pytest.importorskip("material")
    pytest.importorskip("matplotlib")
    config = _copy_site_sources(tmp_path)
    site = tmp_path / "site"
    env = {k: v for k, v in os.environ.items() if k != "MICROGRAD_NN_DOCS_SKIP_RUN"}
    env["NO_MKDOCS_2_WARNING"] = "1"
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f",
                           str(config), "-d", str(site)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stderr[-5000:]}"
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert "backward" in api and 'id="micrograd_nn.engine.Value"' in api
    assert 'id="micrograd_nn.train.fit"' in api
    figures = list((site / "concepts" / "img").glob("*.png"))
    assert figures, "no generated figure in the built site"
    page = (site / "concepts" / "backprop" / "index.html").read_text(encoding="utf-8")
    assert "Output" in page and "0.148097" in page  # a block's real output is shown


def test_readme_code_runs(tmp_path):
    out = snippets.run_page(ROOT / "README.md", tmp_path)
    assert "[converged]" in out
    value, grad_a, grad_b = (float(t) for t in out.splitlines()[0].split())
    assert value == pytest.approx(0.11920292202211755)  # sigmoid(2*-3 + 4)
    assert grad_a == pytest.approx(value * (1 - value) * (-3 + 2 * 2))
    assert grad_b == pytest.approx(value * (1 - value) * 2)
