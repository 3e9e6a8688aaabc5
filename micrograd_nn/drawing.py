"""What the drawings share: Graphviz's install hint, font and colours, a Digraph that
degrades gracefully in Jupyter, and safe label text.

Every label of [`micrograd_nn.viz.draw_graph`][] and
[`micrograd_nn.viz.draw_network`][] is an HTML-like label built from text escaped
by `esc` and joined by `html`, so any name or number is safe in DOT.
"""

from __future__ import annotations

import re
from typing import Any

import graphviz

__all__ = ["INSTALL_HINT", "FONT", "C_PARAM", "C_INPUT", "C_MID", "C_ROOT", "C_OP", "C_FOLD",
           "C_POS", "C_NEG", "C_ZERO", "FallbackDigraph", "esc", "html", "number"]

INSTALL_HINT = ("install Graphviz: apt-get install graphviz | brew install graphviz | "
                "https://graphviz.org/download/")
FONT = "Helvetica"
# fill colours: parameter, input/constant, intermediate, root, op, folded (and bias neurons)
C_PARAM, C_INPUT, C_MID, C_ROOT, C_OP, C_FOLD = (
    "#ffd8a8", "#d0ebff", "#f8f9fa", "#b2f2bb", "#e9ecef", "#fff3bf")
# synapse colours by the sign of the weight
C_POS, C_NEG, C_ZERO = "#1c7ed6", "#e03131", "#adb5bd"


class FallbackDigraph(graphviz.Digraph):
    """A `graphviz.Digraph` that, without `dot`, shows its DOT source and the
    install hint in Jupyter instead of raising."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kw: Any) -> dict:
        try:
            return super()._repr_mimebundle_(include, exclude, **kw)
        except graphviz.ExecutableNotFound:
            return {"text/plain": f"{self.source}\n// Graphviz's dot was not found; "
                                  f"to see the picture, {INSTALL_HINT}"}


_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def esc(text: Any, limit: int = 60) -> str:
    """Plain text -> HTML-like label text: at most `limit` characters (an ellipsis
    ends a longer one), control characters -> "?", `&<>"` escaped, newlines ->
    `<BR/>`."""
    s = str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    if len(s) > limit:
        s = s[:limit - 1] + "…"
    s = _CTRL.sub("?", s)  # DOT rejects them even escaped
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace('"', "&quot;").replace("\n", "<BR/>")


def html(*lines: str) -> str:
    """Already-escaped lines -> one HTML-like label `<line<BR/>line>`."""
    return "<" + "<BR/>".join(lines) + ">"


def number(x: float, spec: str) -> str:
    """`format(x, spec)`, with `-0.0` shown as "0" (adding 0.0 drops its sign)."""
    return format(float(x) + 0.0, spec)
