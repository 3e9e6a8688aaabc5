"""Run the Python code blocks of the documentation pages.

Used twice, so the docs cannot rot: by the mkdocs hook (``hooks.py``), which runs
each page's blocks before the build so that the figures a page shows are made by
the page's own code, and by ``tests/test_docs.py``. The blocks of one page share a
namespace and run in order, with the working directory set to the page's folder
(figures are written next to the page, under ``img/``). A block whose opening
fence is ```` ```python no-run ```` is shown but not run. The hook also shows what
each block printed, right below it (:func:`with_outputs`), so the outputs on the
site are the real ones of this build.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

_BLOCK = re.compile(r"^```python([^\n]*)\n(.*?)^```", re.S | re.M)


def code_blocks(markdown: str) -> list[str]:
    """The runnable ```python blocks of a page, in order."""
    return [m.group(2) for m in _BLOCK.finditer(markdown) if "no-run" not in m.group(1)]


def run_blocks(page: Path, workdir: Path | None = None) -> list[str]:
    """Execute a page's blocks in ``workdir`` (default: the page's folder); return each
    block's stdout, in order."""
    page = Path(page)
    workdir = Path(workdir or page.parent)
    (workdir / "img").mkdir(parents=True, exist_ok=True)
    namespace: dict = {"__name__": f"docs:{page.name}"}
    outputs: list[str] = []
    old = Path.cwd()
    os.chdir(workdir)
    try:
        for i, code in enumerate(code_blocks(page.read_text(encoding="utf-8"))):
            out = io.StringIO()
            try:
                with contextlib.redirect_stdout(out):
                    exec(compile(code, f"{page}[block {i + 1}]", "exec"), namespace)
            except Exception as e:
                raise RuntimeError(f"{page.name}, code block {i + 1} failed: {e!r}") from e
            outputs.append(out.getvalue())
    finally:
        os.chdir(old)
    return outputs


def run_page(page: Path, workdir: Path | None = None) -> str:
    """Execute a page's blocks in ``workdir`` (default: the page's folder); return stdout."""
    return "".join(run_blocks(page, workdir))


def with_outputs(markdown: str, outputs: list[str]) -> str:
    """``markdown`` with each runnable block followed by its printed output (if any),
    as a ``text`` block titled "Output"; ``outputs`` as :func:`run_blocks` returns them."""
    parts, last, k = [], 0, 0
    for m in _BLOCK.finditer(markdown):
        if "no-run" in m.group(1):
            continue
        end = markdown.find("\n", m.end())
        end = len(markdown) if end < 0 else end
        parts.append(markdown[last:end])
        last = end
        out = outputs[k].rstrip() if k < len(outputs) else ""
        k += 1
        if out:
            parts.append(f'\n\n````text title="Output"\n{out}\n````')
    parts.append(markdown[last:])
    return "".join(parts)


def pages(docs_dir: Path) -> list[Path]:
    """Every Markdown page with at least one runnable block."""
    return sorted(p for p in Path(docs_dir).rglob("*.md") if code_blocks(p.read_text("utf-8")))
