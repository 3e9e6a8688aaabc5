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

PAGES = snippets.pages(DOCS)
IMAGE = re.compile(r"!\[[^\]]*\]\((img/[^)\s]+)\)")
HAVE_DOT = shutil.which("dot") is not None


def _page_id(page: Path) -> str:
    return page.relative_to(DOCS).as_posix()


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


def test_griffe_extension_turns_rest_into_markdown():
    pytest.importorskip("griffe")
    import griffe_rst

    doc = ("Kinds:\n\n===== =====\nkind  seen\n===== =====\na     one\n      more\n"
           "===== =====\n\nSee :func:`fit` and w[l][a->b].\n\n>>> [1, 2][0]\n1\n\n"
           "Loop::\n\n    x = 1\n")
    md = griffe_rst.convert(doc)
    assert "| kind | seen |" in md and "| a | one more |" in md
    assert "`fit`" in md and ":func:" not in md and r"w\[l\]\[a->b\]" in md
    assert "```pycon\n>>> [1, 2][0]\n1\n```" in md
    assert "Loop:\n\n```text\nx = 1\n```" in md


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
