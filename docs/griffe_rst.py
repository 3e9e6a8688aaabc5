"""Griffe extension: render the package's reST-flavoured docstrings as Markdown.

The docstrings of ``micrograd_nn`` are written for ``help()`` and doctest: ``>>>``
examples, ``::`` literal blocks, ``===`` simple tables and Sphinx roles such as
:func:`fit`. Read as Markdown, a doctest line like ``['0.weight', '0.bias']`` or a
label like ``w[l][a->b]`` becomes a broken reference link (a warning, so a failed
``mkdocs build --strict``). This extension rewrites each docstring before
mkdocstrings parses it; the package's files are not touched:

* doctest blocks -> fenced ``pycon`` blocks;
* ``para::`` + indented block -> ``para:`` + fenced ``text`` block;
* simple reST tables -> Markdown tables;
* ``[`` outside code -> ``\\[`` (never a reference link);
* ``:role:`target``` -> a cross-reference when the target is a documented public
  object of the package, else a code span.

Loaded from ``mkdocs.yml`` (``extensions: [docs/griffe_rst.py]``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:func|class|mod|meth|attr|data|obj|exc|const):`(~?)([^`]+)`")
_BORDER = re.compile(r"^\s*=+(?: +=+)+\s*$")
_CODE = re.compile(r"(``.+?``|`[^`]+`)")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _fence(lines: list[str], lang: str, indent: str) -> list[str]:
    return [f"{indent}```{lang}", *lines, f"{indent}```"]


def _table(block: list[str]) -> list[str]:
    """A reST simple table (three ``===`` borders) as a Markdown table."""
    border = block[0]
    indent = border[:_indent(border)]
    starts = [m.start() for m in re.finditer(r"=+", border)]
    rows: list[list[str]] = []
    header: list[str] | None = None
    seen_borders = 0
    for line in block:
        if _BORDER.match(line):
            seen_borders += 1
            continue
        if not line.strip():
            continue
        cells, bounds = [], starts[1:] + [None]
        pos = starts[0]
        for i, end in enumerate(bounds):
            if end is not None:
                # text that runs over the gap pushes this row's boundary to the next space
                while end < len(line) and line[end - 1] != " " and line[end] != " ":
                    end += 1
            cells.append(line[pos:end].strip() if pos < len(line) else "")
            pos = end if end is not None else len(line)
            if i == len(bounds) - 1:
                break
        is_cont = rows and not cells[0] and seen_borders >= 2
        if seen_borders < 2:
            header = cells if header is None else [f"{a} {b}".strip()
                                                   for a, b in zip(header, cells, strict=True)]
        elif is_cont:
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)
    header = header or [""] * len(starts)

    def md(cells: list[str]) -> str:
        return indent + "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return [md(header), indent + "|" + "---|" * len(starts), *map(md, rows)]


def _escape_brackets(text: str) -> str:
    """``[`` outside code spans -> ``\\[`` (and the same for ``]``)."""
    parts = _CODE.split(text)
    return "".join(p if i % 2 else p.replace("[", "\\[").replace("]", "\\]")
                   for i, p in enumerate(parts))


def convert(doc: str, resolve: Any = None) -> str:
    """Rewrite one docstring; ``resolve(name) -> path or None`` for roles."""
    lines = doc.splitlines()
    out: list[str] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        s = line.strip()
        if s.startswith(">>>"):  # a doctest block runs to the next blank line
            ind = line[:_indent(line)]
            j = i
            while j < n and lines[j].strip():
                j += 1
            out += _fence([x[len(ind):] if x.startswith(ind) else x.strip()
                           for x in lines[i:j]], "pycon", ind)
            i = j
            continue
        if _BORDER.match(line):  # a simple table: up to and including its third border
            j, borders = i, 0
            while j < n and borders < 3:
                borders += bool(_BORDER.match(lines[j]))
                j += 1
            if borders == 3:
                out += _table(lines[i:j])
                i = j
                continue
        if s.endswith("::") and not s.startswith(".."):
            ind = _indent(line)
            j = i + 1
            while j < n and not lines[j].strip():
                j += 1
            k = j
            while k < n and (not lines[k].strip() or _indent(lines[k]) > ind):
                k += 1
            body = lines[j:k]
            while body and not body[-1].strip():
                body.pop()
            if body:
                cut = min(_indent(x) for x in body if x.strip())
                head = line.rstrip()[:-1]
                out.append(_roles(_escape_brackets(head), resolve))
                out.append("")
                out += _fence([x[cut:] for x in body], "text", " " * ind)
                out.append("")
                i = k
                continue
        out.append(_roles(_escape_brackets(line), resolve))
        i += 1
    return "\n".join(out)


def _roles(line: str, resolve: Any) -> str:
    def sub(m: re.Match) -> str:
        tilde, target = m.group(1), m.group(2).strip()
        shown = target.rsplit(".", 1)[-1] if tilde else target
        path = resolve(target) if resolve else None
        return f"[`{shown}`][{path}]" if path else f"`{shown}`"
    return _ROLE.sub(sub, line)


def _api_modules() -> set[str]:
    """The modules rendered by ``::: module`` lines of the API page next to this file."""
    page = Path(__file__).with_name("api.md")
    text = page.read_text(encoding="utf-8") if page.exists() else ""
    return set(re.findall(r"^::: *([\w.]+)", text, re.M))


class RestDocstrings(griffe.Extension):
    """Rewrite every docstring of the package once the object tree is complete.

    A role becomes a cross-reference only when its target is rendered: a module of
    the API page (``modules``, default: read from ``api.md``) or a public member of
    one that has a docstring; anything else becomes a code span.
    """

    def __init__(self, modules: list[str] | None = None) -> None:
        super().__init__()
        self.modules = set(modules) if modules is not None else _api_modules()

    def on_object(self, *, obj: Any, loader: Any, **kwargs: Any) -> None:
        if obj.is_alias or obj.docstring is None:
            return
        coll = loader.modules_collection

        def documented(path: str) -> bool:
            if any(part.startswith("_") and not part.startswith("__")
                   for part in path.split(".")):
                return False
            try:
                target = coll.get_member(path)
            except Exception:  # not loaded or no such member
                return False
            if target is None or target.is_alias:
                return False
            if target.is_module:
                return path in self.modules
            return target.module.path in self.modules and target.docstring is not None

        def resolve(name: str) -> str | None:
            candidates = [name]
            scope = obj if obj.is_module or obj.is_class else obj.parent
            while scope is not None:
                candidates.append(f"{scope.path}.{name}")
                scope = scope.parent
            for path in candidates:
                if path.startswith("micrograd_nn") and documented(path):
                    return path
            return None

        obj.docstring.value = convert(obj.docstring.value, resolve)
