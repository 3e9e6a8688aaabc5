"""mkdocs hook: run every page's code before the build, so its figures are fresh, and
show what each code block printed right below it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).parent))
import snippets  # noqa: E402  (needs the sys.path line above)

# page source path (relative to docs_dir) -> the stdout of each runnable block
_outputs: dict[str, list[str]] = {}


def on_pre_build(config, **kwargs):
    _outputs.clear()
    if os.environ.get("MICROGRAD_NN_DOCS_SKIP_RUN"):
        return
    docs = Path(config["docs_dir"])
    pages = snippets.pages(docs)
    for i, page in enumerate(pages, 1):  # a minute of work: say where it is
        print(f"docs: running the code of {page.relative_to(docs)} ({i}/{len(pages)})",
              file=sys.stderr, flush=True)
        _outputs[page.relative_to(docs).as_posix()] = snippets.run_blocks(page)


def on_page_markdown(markdown, page, **kwargs):
    outputs = _outputs.get(page.file.src_uri)
    return snippets.with_outputs(markdown, outputs) if outputs else markdown
